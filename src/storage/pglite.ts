import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import type { Database, Queryable } from './database.ts';

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
 * Opens the embedded database. `dataDir` undefined means in memory (tests).
 * PGlite is a single connection: it serialises statements and transactions itself.
 */
export async function openPglite(dataDir?: string): Promise<Database> {
  if (dataDir !== undefined) mkdirSync(dataDir, { recursive: true });
  const db = dataDir === undefined ? new PGlite() : new PGlite(dataDir);
  await db.waitReady;
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
