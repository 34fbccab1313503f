// Each test file gets a database of its own: an in-memory PGlite, or (FERRY_TEST_DB=postgres) a
// fresh database on the server that test/postgres-global-setup.ts started.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { migrate, openDatabase, type Database } from '../src/storage/index.ts';

export const testDbKind: 'pglite' | 'postgres' = process.env.FERRY_TEST_DB === 'postgres' ? 'postgres' : 'pglite';

/** A fresh database URL on the test server; only for the postgres project. */
export async function createTestDatabaseUrl(): Promise<string> {
  const serverUrl = inject('postgresUrl');
  const name = `ferry_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function openTestDatabase(): Promise<Database> {
  const db =
    testDbKind === 'postgres'
      ? await openDatabase({ databaseUrl: await createTestDatabaseUrl() })
      : await openDatabase({ inMemory: true });
  await migrate(db);
  return db;
}
