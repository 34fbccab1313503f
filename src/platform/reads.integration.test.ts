import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase } from '../../test/db.ts';
import type { Database } from '../storage/index.ts';
import { createOrganization } from './organizations.ts';
import { journalAfter, liveRecordIdsAfter } from './reads.ts';
import { RecordStore } from './store.ts';

let db: Database;
let orgId: string;
const FIRST = '00000000-0000-0000-0000-000000000000';

beforeAll(async () => {
  db = await openTestDatabase();
  orgId = (await createOrganization(db, 'Pages')).organization.id;
});
afterAll(async () => db.close());

/** A bill of `lines` line items of 1.00 each. */
function bill(accountId: string, n: number, lines: number) {
  return {
    accountId, billNumber: `P-${n}`, billDate: '2026-01-31', periodStart: '2026-01-01', periodEnd: '2026-01-31', dueDate: '2026-02-28', currency: 'USD',
    total: String(lines),
    lineItems: Array.from({ length: lines }, () => ({ lineItemType: 'USAGE', quantity: '1', unitPrice: '1', amount: '1' })),
  };
}

describe('pages of a full pass', () => {
  it('count a bill with its line items, so a page is bounded by what it sends', async () => {
    const store = new RecordStore(db);
    const account = await store.create(orgId, 'accounts', { code: 'PAGES', name: 'Pages' }, 'api');
    if (!account.ok) throw new Error(JSON.stringify(account.error));
    // Line items per bill, in id order once created: read back the order the pages follow.
    for (const [n, lines] of [4, 4, 1, 9, 30, 2].entries()) {
      const created = await store.create(orgId, 'bills', bill(account.value.record.id, n, lines), 'api');
      if (!created.ok) throw new Error(JSON.stringify(created.error));
    }
    const all = await liveRecordIdsAfter(db, orgId, 'bills', FIRST, 100);
    expect(all).toHaveLength(6);
    const weights = new Map<string, number>();
    for (const row of await db.query<{ id: string; n: number }>("SELECT id, jsonb_array_length(data -> 'lineItems') AS n FROM records WHERE org_id = $1 AND entity = 'bills'", [orgId])) weights.set(row.id, 1 + row.n);

    // Counting bills alone, a page of 10 holds all six (56 records with their lines).
    expect(await liveRecordIdsAfter(db, orgId, 'bills', FIRST, 10)).toEqual(all);
    // Counted with their line items, pages of at most 10 records, each bill in exactly one page;
    // a bill heavier than a page makes a page of its own.
    const pages: string[][] = [];
    for (let after = FIRST; ;) {
      const page = await liveRecordIdsAfter(db, orgId, 'bills', after, 10, 'lineItems');
      if (page.length === 0) break;
      pages.push(page);
      after = page[page.length - 1]!;
    }
    expect(pages.flat()).toEqual(all);
    for (const page of pages) {
      const weight = page.reduce((sum, id) => sum + weights.get(id)!, 0);
      expect(page.length === 1 || weight <= 10, `page of ${page.length} bills weighing ${weight}`).toBe(true);
    }
    // Each page takes as much as fits: with the next bill it would be over 10.
    for (const [i, page] of pages.slice(0, -1).entries()) {
      const next = pages[i + 1]![0]!;
      expect(page.reduce((sum, id) => sum + weights.get(id)!, 0) + weights.get(next)!).toBeGreaterThan(10);
    }
    // Records without the array weigh one each.
    expect(await liveRecordIdsAfter(db, orgId, 'accounts', FIRST, 10, 'lineItems')).toHaveLength(1);

    // The journal reads the same way for an incremental run: entries of bills weigh their
    // records' line items, each page says whether more may follow, and together they are every entry.
    const entries = (await journalAfter(db, orgId, ['accounts', 'bills'], 0, 100)).entries;
    expect(entries).toHaveLength(7);
    const weightOf = (entry: { entity: string; entityId: string }) => (entry.entity === 'bills' ? weights.get(entry.entityId)! : 1);
    const journalPages: typeof entries[] = [];
    for (let after = 0; ;) {
      const page = await journalAfter(db, orgId, ['accounts', 'bills'], after, 10, { bills: 'lineItems' });
      journalPages.push(page.entries);
      if (!page.full) break;
      after = page.entries[page.entries.length - 1]!.seq;
    }
    expect(journalPages.flat().map((e) => e.seq)).toEqual(entries.map((e) => e.seq));
    for (const page of journalPages) {
      const weight = page.reduce((sum, e) => sum + weightOf(e), 0);
      expect(page.length === 1 || weight <= 10, `page of ${page.length} entries weighing ${weight}`).toBe(true);
    }
    expect(journalPages.length).toBeGreaterThan(1);
    // Unweighed, the first page of 10 holds all 7 and says nothing more follows.
    expect(await journalAfter(db, orgId, ['accounts', 'bills'], 0, 10)).toMatchObject({ full: false });
    expect((await journalAfter(db, orgId, ['accounts', 'bills'], 0, 7)).full).toBe(true);
  });
});
