import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type PgBoss from 'pg-boss';
import { openTestDatabase } from '../../test/db.ts';
import type { Database } from '../storage/index.ts';
import { startBoss } from './boss.ts';

let db: Database;
let boss: PgBoss;
const reported: Error[] = [];

beforeAll(async () => {
  db = await openTestDatabase();
  boss = await startBoss(db, undefined, { onError: (error) => reported.push(error) });
});
afterAll(async () => {
  await boss.stop({ graceful: false, wait: true });
  await db.close();
});

describe('the queue', () => {
  it('hands every error pg-boss reports to the caller instead of dropping it', async () => {
    // pg-boss emits 'error' for failures of its own background work (maintenance, polling).
    boss.emit('error', new Error('maintenance failed: connection reset'));
    expect(reported.map((e) => e.message)).toEqual(['maintenance failed: connection reset']);
    // And keeps working.
    const id = await boss.send('integration-sync', { orgId: 'o', integrationId: 'i', trigger: 'manual', mode: 'full' });
    expect(id).toEqual(expect.any(String));
  });
});
