import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabaseUrl, testDbKind } from '../../test/db.ts';
import type { Database } from './database.ts';
import { loadMigrations, migrate } from './migrate.ts';
import { openDatabase } from './open.ts';

const opened: Database[] = [];
afterAll(async () => {
  for (const db of opened) await db.close();
});

/** Two independent handles on one database: two pools on Postgres; PGlite has one connection. */
async function twoHandles(): Promise<[Database, Database]> {
  if (testDbKind === 'postgres') {
    const url = await createTestDatabaseUrl();
    const a = await openDatabase({ databaseUrl: url });
    const b = await openDatabase({ databaseUrl: url });
    opened.push(a, b);
    return [a, b];
  }
  const db = await openDatabase({ inMemory: true });
  opened.push(db);
  return [db, db];
}

describe('migrations', () => {
  it('apply once when two processes migrate at the same time', async () => {
    const [a, b] = await twoHandles();
    const [first, second] = await Promise.all([migrate(a), migrate(b)]);
    const all = loadMigrations();
    expect([...first, ...second].map((m) => m.version).sort((x, y) => x - y)).toEqual(all.map((m) => m.version));
    const rows = await a.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
    expect(rows.map((r) => r.version)).toEqual(all.map((m) => m.version));
    expect(await migrate(b)).toEqual([]);
  });
});
