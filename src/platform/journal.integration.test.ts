import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase } from '../../test/db.ts';
import type { Database } from '../storage/index.ts';
import { appendJournal, readChanges } from './journal.ts';
import { createOrganization } from './organizations.ts';

let db: Database;
let orgId: string;

beforeAll(async () => {
  db = await openTestDatabase();
  orgId = (await createOrganization(db, 'Journal')).organization.id;
});
afterAll(async () => db.close());

describe('change journal', () => {
  it('never lets a follower skip a change, even when writers commit out of order', async () => {
    const writers = 12;
    const transactionsPerWriter = 20;
    let running = writers;
    // Each writer appends, then dawdles a random time before committing, so transactions that
    // drew their numbers early routinely commit after ones that drew later (without the journal
    // lock, a follower reading in between would step over the early, still-uncommitted numbers).
    const write = async (writer: number) => {
      for (let i = 0; i < transactionsPerWriter; i++) {
        await db.transaction(async (tx) => {
          await appendJournal(tx, orgId, 'api', [
            { entity: 'accounts', entityId: randomUUID(), operation: 'create', version: 1, changedFields: [`w${writer}`] },
          ]);
          await tx.query('SELECT pg_sleep($1)', [Math.random() * 0.01]);
        });
      }
      running--;
    };
    const seen: number[] = [];
    const follow = async () => {
      let after = 0;
      for (;;) {
        const done = running === 0;
        const page = await readChanges(db, orgId, { after, limit: 50 });
        for (const change of page) seen.push(change.seq);
        if (page.length > 0) after = page[page.length - 1]!.seq;
        else if (done) return;
        else await new Promise((resolve) => setTimeout(resolve, 2));
      }
    };
    await Promise.all([follow(), ...Array.from({ length: writers }, (_, w) => write(w))]);
    const all = (await readChanges(db, orgId, { after: 0, limit: 100_000 })).map((change) => change.seq);
    expect(all).toHaveLength(writers * transactionsPerWriter);
    expect(seen).toEqual(all);
  });
});
