// The journal listener of a Postgres deployment: LISTEN holds a connection of its own, and when
// that connection is cut, Ferry opens it again and catches up, so on-change delivery stays
// within a second instead of falling back to the once-a-minute sweep. Postgres only (PGlite
// listens in process, with no connection to lose); the postgres vitest project runs this file.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oauthLogin } from '../emulator/support.ts';
import { startTestFerry, type TestFerry } from '../ferry.ts';

let ferry: TestFerry;

beforeAll(async () => {
  ferry = await startTestFerry();
});
afterAll(async () => ferry.stop());

async function listeners(): Promise<number[]> {
  const rows = await ferry.db.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query ILIKE 'LISTEN %'");
  return rows.map((r) => r.pid);
}

describe('journal listener on Postgres', () => {
  it('reconnects after its connection is cut and delivers the next change within seconds', async () => {
    const credential = await ferry.credential();
    const integration = (await ferry.call('POST', '/api/v1/integrations', { name: 'Accounts', entityType: 'Account', credentialId: credential.id })).body;
    const [before] = await listeners();
    expect(before).toEqual(expect.any(Number));
    await ferry.db.query('SELECT pg_terminate_backend($1)', [before]);
    const after = await ferry.eventually(async () => {
      const pids = await listeners();
      return pids.length === 1 && pids[0] !== before ? pids[0] : undefined;
    }, 10_000);
    expect(after).not.toBe(before);
    const started = Date.now();
    const account = (await ferry.call('POST', '/api/v1/accounts', { code: 'LISTEN-1', name: 'Heard again' })).body;
    const conn = await oauthLogin(ferry.emulator);
    await ferry.eventually(async () => ((await conn.query(`SELECT Id FROM Account WHERE Ferry_Id__c = '${account.id}'`)).totalSize === 1 ? true : undefined), 10_000);
    // Well under the sweep's minute: the listener, not the sweep, delivered it.
    expect(Date.now() - started).toBeLessThan(5_000);
    await ferry.settle(integration.id);
  });
});

describe('pooled connections on Postgres', () => {
  it('reports an idle pooled connection that dies instead of hiding it, and goes on with a new one', async () => {
    const { createTestDatabaseUrl } = await import('../db.ts');
    const { openDatabase } = await import('../../src/storage/index.ts');
    const failures: Error[] = [];
    const db = await openDatabase({ databaseUrl: await createTestDatabaseUrl(), onConnectionError: (error) => failures.push(error) });
    try {
      const [{ pid }] = (await db.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')) as [{ pid: number }];
      // Killed from another connection while idle in the pool.
      await ferry.db.query('SELECT pg_terminate_backend($1)', [pid]);
      await ferry.eventually(() => Promise.resolve(failures.length > 0 ? true : undefined), 5_000);
      expect(failures[0]!.message).toMatch(/terminat/i);
      expect(await db.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    } finally {
      await db.close();
    }
  });
});
