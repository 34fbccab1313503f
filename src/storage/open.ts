import { join } from 'node:path';
import type { Database } from './database.ts';

export interface OpenDatabaseOptions {
  /** A postgres:// URL selects a Postgres server; otherwise PGlite in `dataDir`. */
  databaseUrl?: string | undefined;
  /** Ferry's data folder; the embedded database lives in its `pgdata` subfolder. */
  dataDir?: string | undefined;
  /** PGlite in memory: for tests and throwaway runs. */
  inMemory?: boolean;
  /** Postgres: an idle pooled connection failed (the pool replaces it); told, never hidden. */
  onConnectionError?: ((error: Error) => void) | undefined;
}

// Each driver is loaded only when chosen: PGlite's module alone holds about 40 MB, which a
// process on a Postgres server has no use for.
export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  if (options.databaseUrl !== undefined) {
    const { openPostgres } = await import('./postgres.ts');
    return openPostgres({ connectionString: options.databaseUrl, onConnectionError: options.onConnectionError });
  }
  const { openPglite } = await import('./pglite.ts');
  if (options.inMemory === true || options.dataDir === undefined) return openPglite();
  return openPglite(join(options.dataDir, 'pgdata'));
}
