import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { Database, Queryable } from './database.ts';
import { restrictToOwner } from './permissions.ts';

interface PgliteLike {
  query<Row>(sql: string, params?: unknown[]): Promise<{ rows: Row[] }>;
  exec(sql: string): Promise<unknown>;
}

function wrap(client: PgliteLike): Queryable {
  return {
    async query<Row>(sql: string, params: readonly unknown[] = []) {
      const result = await client.query<Row>(sql, [...params]);
      return result.rows;
    },
    async exec(sql: string) {
      await client.exec(sql);
    },
    async execRows<Row>(sql: string) {
      const results = (await client.exec(sql)) as { rows: Row[] }[];
      return results[results.length - 1]?.rows ?? [];
    },
  };
}

/**
 * Postgres sizes its buffer cache for a server (128 MB); inside WebAssembly those pages stay
 * resident for the life of the process. Ferry's embedded store is one connection on a local disk
 * whose files the operating system caches anyway: 16 MB keeps the hot pages of the journal and
 * queue, and the process holds about 150 MB less.
 */
export const PGLITE_SETTINGS = ['-c', 'shared_buffers=16MB', '-c', 'wal_buffers=1MB'];

function startParams(): string[] {
  // PGlite's own start parameters (single-user mode, no parallel workers) must stay: ours are added.
  const defaults = (PGlite as unknown as { defaultStartParams?: unknown }).defaultStartParams;
  if (!Array.isArray(defaults) || !defaults.every((param) => typeof param === 'string')) {
    throw new Error('@electric-sql/pglite no longer exposes PGlite.defaultStartParams: check PGLITE_SETTINGS against its new version');
  }
  return [...defaults, ...PGLITE_SETTINGS];
}

// Creating a cluster runs initdb in a second WebAssembly instance whose memory (about 600 MB)
// the process keeps resident afterwards. A short-lived child creates it instead; this process then
// opens an existing folder, as every later start does.
const INITDB_SCRIPT = `
const [entry, dataDir] = process.argv.slice(1);
const { PGlite } = await import(entry);
const db = new PGlite(dataDir);
await db.waitReady;
await db.close();
`;

async function initdbInChild(dataDir: string): Promise<void> {
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', INITDB_SCRIPT, entry, dataDir], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`creating the embedded database in ${dataDir} failed (exit ${code}): ${stderr.trim()}`));
    });
  });
}

/**
 * Opens the embedded database. `dataDir` undefined means in memory (tests).
 * PGlite is a single connection: it serialises statements and transactions itself.
 */
export async function openPglite(dataDir?: string): Promise<Database> {
  if (dataDir !== undefined) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    if (!existsSync(join(dataDir, 'PG_VERSION'))) await initdbInChild(dataDir);
  }
  const options = { startParams: startParams() };
  const db = dataDir === undefined ? new PGlite(options) : new PGlite(dataDir, options);
  await db.waitReady;
  // Once, after opening: files made before (by initdb, or by an older Ferry) and the few PGlite
  // writes at start with a mode of its own (pg_internal.init), past the umask.
  if (dataDir !== undefined) restrictToOwner(dataDir);
  const base = wrap(db);
  return {
    kind: 'pglite',
    ...base,
    async transaction(fn) {
      return db.transaction((tx) => fn(wrap(tx)));
    },
    // In process: the embedded database has no connection to lose, so nothing to re-open.
    async listen(channel, handler) {
      const stop = await db.listen(channel, handler);
      return stop;
    },
    async close() {
      await db.close();
    },
  };
}
