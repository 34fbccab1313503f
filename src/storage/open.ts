import { join } from 'node:path';
import type { Database } from './database.ts';
import { openPglite } from './pglite.ts';
import { openPostgres } from './postgres.ts';

export interface OpenDatabaseOptions {
  /** A postgres:// URL selects a Postgres server; otherwise PGlite in `dataDir`. */
  databaseUrl?: string | undefined;
  /** Ferry's data folder; the embedded database lives in its `pgdata` subfolder. */
  dataDir?: string | undefined;
  /** PGlite in memory: for tests and throwaway runs. */
  inMemory?: boolean;
}

export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  if (options.databaseUrl !== undefined) return openPostgres({ connectionString: options.databaseUrl });
  if (options.inMemory === true || options.dataDir === undefined) return openPglite();
  return openPglite(join(options.dataDir, 'pgdata'));
}
