import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase } from '../../test/db.ts';
import type { Database } from '../storage/index.ts';
import { createOrganization } from './organizations.ts';
import { readChanges } from './journal.ts';
import { RecordStore } from './store.ts';

let db: Database;
let store: RecordStore;
let orgId: string;
let otherOrgId: string;

beforeAll(async () => {
  db = await openTestDatabase();
  store = new RecordStore(db);
  orgId = (await createOrganization(db, 'Acme billing')).organization.id;
  otherOrgId = (await createOrganization(db, 'Other')).organization.id;
});
afterAll(async () => db.close());

function must<T>(result: { ok: true; value: T } | { ok: false; error: unknown }): T {
  if (!result.ok) throw new Error(`expected success, got ${JSON.stringify(result.error)}`);
  return result.value;
}

const bill = (accountId: string, billNumber: string) => ({
  accountId,
  billNumber,
  billDate: '2026-01-31',
  periodStart: '2026-01-01',
  periodEnd: '2026-01-31',
  dueDate: '2026-02-28',
  currency: 'USD',
  total: '150.5',
  lineItems: [
    { lineItemType: 'STANDING_CHARGE', quantity: '1', unitPrice: '100', amount: '100' },
    { lineItemType: 'USAGE', quantity: '5050', unitPrice: '0.01', amount: '50.50' },
  ],
});

describe('record store', () => {
  it('creates a record, journals it, and normalises money to the currency', async () => {
    const account = must(await store.create(orgId, 'accounts', { code: 'ACME', name: 'Acme Ltd', currency: 'USD' }, 'api'));
    expect(account.status).toBe('created');
    expect(account.record).toMatchObject({ code: 'ACME', name: 'Acme Ltd', version: 1 });
    const created = must(await store.create(orgId, 'bills', bill(account.record.id, 'INV-1'), 'api'));
    expect(created.record.total).toBe('150.50');
    const changes = await readChanges(db, orgId, { after: 0, limit: 10 });
    expect(changes.map((c) => [c.entity, c.operation, c.version])).toEqual([
      ['accounts', 'create', 1],
      ['bills', 'create', 1],
    ]);
    expect(changes[0]!.changedFields).toEqual(['code', 'currency', 'name']);
  });

  it('refuses a bill whose total does not match its line items, and writes nothing', async () => {
    const account = must(await store.create(orgId, 'accounts', { code: 'TOTALS', name: 'Totals' }, 'api'));
    const before = await readChanges(db, orgId, { after: 0, limit: 1000 });
    const result = await store.create(orgId, 'bills', { ...bill(account.record.id, 'INV-BAD'), total: '150.51' }, 'api');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe('validation_failed');
    expect(result.error.details).toEqual([{ path: ['total'], message: 'is 150.51, but the line item amounts add up to 150.5' }]);
    expect(await readChanges(db, orgId, { after: 0, limit: 1000 })).toHaveLength(before.length);
  });

  it('updates with an optimistic version and refuses a stale one', async () => {
    const account = must(await store.create(orgId, 'accounts', { code: 'OPT', name: 'Optimistic' }, 'api'));
    const updated = must(await store.update(orgId, 'accounts', account.record.id, { name: 'Optimistic 2' }, 'api', 1));
    expect(updated.record.version).toBe(2);
    const stale = await store.update(orgId, 'accounts', account.record.id, { name: 'Lost update' }, 'api', 1);
    expect(stale.ok ? 'ok' : stale.error.code).toBe('version_conflict');
    const same = must(await store.update(orgId, 'accounts', account.record.id, { name: 'Optimistic 2' }, 'api'));
    expect(same.status).toBe('unchanged');
    expect(same.record.version).toBe(2);
  });

  it('upserts many by code with a result per item, skipping only the bad ones', async () => {
    const results = await store.upsertMany(
      orgId,
      'accounts',
      [
        { code: 'B1', name: 'One' },
        { code: 'B2', name: 'Two', currency: 'usd' },
        { code: 'B1', name: 'Duplicate in request' },
        { name: 'No code' },
        { code: 'B3', name: 'Three', parentAccountId: '0190a3c2-7b1e-7cc0-9a4e-1f2d3c4b5a69' },
      ],
      'import',
    );
    expect(results.map((r) => (r.ok ? r.value.status : r.error.code))).toEqual([
      'created',
      'validation_failed',
      'duplicate_key',
      'validation_failed',
      'reference_not_found',
    ]);
    const again = await store.upsertMany(orgId, 'accounts', [{ code: 'B1', name: 'One renamed' }, { code: 'B1x', name: 'New' }], 'import');
    expect(again.map((r) => (r.ok ? [r.value.status, r.value.record.version] : r.error.code))).toEqual([
      ['updated', 2],
      ['created', 1],
    ]);
  });

  it('leaves a tombstone on delete and refuses to delete an account that bills still use', async () => {
    const account = must(await store.create(orgId, 'accounts', { code: 'DEL', name: 'To delete' }, 'api'));
    must(await store.create(orgId, 'bills', bill(account.record.id, 'INV-DEL'), 'api'));
    const blocked = await store.delete(orgId, 'accounts', account.record.id, 'api');
    expect(blocked.ok ? 'ok' : blocked.error.code).toBe('has_dependents');
    const lone = must(await store.create(orgId, 'accounts', { code: 'LONE', name: 'Lone' }, 'api'));
    const deleted = must(await store.delete(orgId, 'accounts', lone.record.id, 'api'));
    expect(deleted.record.deletedAt).toBeDefined();
    expect((await store.get(orgId, 'accounts', lone.record.id)).ok).toBe(false);
    const listed = await store.list(orgId, 'accounts', { limit: 100, includeDeleted: true });
    expect(listed.records.find((r) => r.id === lone.record.id)?.deletedAt).toBeDefined();
    const recreated = must(await store.create(orgId, 'accounts', { code: 'LONE', name: 'Lone again' }, 'api'));
    expect(recreated.record.id).not.toBe(lone.record.id);
  });

  it('keeps organizations apart: another org cannot see or reference a record', async () => {
    const account = must(await store.create(orgId, 'accounts', { code: 'PRIVATE', name: 'Private' }, 'api'));
    expect((await store.get(otherOrgId, 'accounts', account.record.id)).ok).toBe(false);
    const contact = await store.create(otherOrgId, 'contacts', { accountId: account.record.id, lastName: 'Spy' }, 'api');
    expect(contact.ok ? 'ok' : contact.error.code).toBe('reference_not_found');
    expect(await readChanges(db, otherOrgId, { after: 0, limit: 10 })).toEqual([]);
  });

  it('refuses every change to a locked bill', async () => {
    const account = must(await store.create(orgId, 'accounts', { code: 'LOCK', name: 'Lock' }, 'api'));
    const created = must(await store.create(orgId, 'bills', { ...bill(account.record.id, 'INV-L'), locked: true }, 'api'));
    const change = await store.update(orgId, 'bills', created.record.id, { status: 'APPROVED' }, 'api');
    expect(change.ok ? 'ok' : change.error.code).toBe('record_locked');
    const removal = await store.delete(orgId, 'bills', created.record.id, 'api');
    expect(removal.ok ? 'ok' : removal.error.code).toBe('record_locked');
    const resent = await store.upsertMany(orgId, 'bills', [{ ...bill(account.record.id, 'INV-L'), locked: true }], 'import');
    expect(resent.map((r) => (r.ok ? r.value.status : r.error.code))).toEqual(['unchanged']);
  });

  it('derives a balance transaction\'s account from its balance', async () => {
    const account = must(await store.create(orgId, 'accounts', { code: 'BAL', name: 'Balance holder' }, 'api'));
    const balance = must(
      await store.create(orgId, 'balances', { accountId: account.record.id, code: 'PREPAY', name: 'Prepay', currency: 'EUR', amount: '1000', startDate: '2026-01-01' }, 'api'),
    );
    must(await store.create(orgId, 'balance-transactions', { balanceId: balance.record.id, amount: '-25.00', type: 'DEBIT', appliedAt: '2026-01-15T10:00:00Z' }, 'api'));
    const byAccount = await store.list(orgId, 'balance-transactions', { limit: 10, accountId: account.record.id });
    expect(byAccount.records).toHaveLength(1);
    const byBalance = await store.list(orgId, 'balance-transactions', { limit: 10, filters: { balanceId: balance.record.id } });
    expect(byBalance.records).toHaveLength(1);
  });
});
