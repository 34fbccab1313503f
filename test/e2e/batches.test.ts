// FERRY_BATCH_SIZE counts what a batch sends: a bill with its line items. A run of bills goes in
// batches of as many bills as fit, so a worker's memory follows the batch size however many lines
// the bills carry (issue 14: memory bounded by batch size, not data size).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oauthLogin } from '../emulator/support.ts';
import { startTestFerry, type TestFerry } from '../ferry.ts';

let ferry: TestFerry;

beforeAll(async () => {
  // 20 records a batch: 4 bills of 4 line items each.
  ferry = await startTestFerry({ runner: { chunkSize: 20 } });
});
afterAll(async () => ferry.stop());

const lines = (n: number) => Array.from({ length: n }, (_, i) => ({ lineItemType: 'USAGE', description: `Line ${i}`, quantity: '1', unitPrice: '10', amount: '10' }));

/** Records per Ferry_Bill__c upsert call of a run: one call per batch (below the bulk threshold, at most 200 a call). */
async function billCallsOf(runId: string): Promise<number[]> {
  const logs = (await ferry.call('GET', `/api/v1/request-logs?runId=${runId}&limit=500`)).body.data as { operation: string; object: string | null; records: number; id: string }[];
  return logs.filter((l) => l.operation === 'upsert' && l.object === 'Ferry_Bill__c').sort((a, b) => a.id.localeCompare(b.id)).map((l) => l.records);
}

describe('a batch of bills', () => {
  it('counts their line items, in an incremental run and in a full sync', async () => {
    const credential = await ferry.credential();
    const conn = await oauthLogin(ferry.emulator);
    const accounts = (await ferry.call('POST', '/api/v1/integrations', { name: 'Accounts', entityType: 'Account', credentialId: credential.id })).body;
    const bills = (await ferry.call('POST', '/api/v1/integrations', { name: 'Bills', entityType: 'Bill', credentialId: credential.id, delivery: { bulkThreshold: 100_000 } })).body;
    const account = (await ferry.call('POST', '/api/v1/accounts', { code: 'BATCHES', name: 'Batches' })).body;
    await ferry.settle(accounts.id);
    const items = Array.from({ length: 12 }, (_, i) => ({
      accountId: account.id, billNumber: `B-${i}`, billDate: '2026-02-01', periodStart: '2026-01-01', periodEnd: '2026-01-31', dueDate: '2026-03-01',
      currency: 'USD', total: '40.00', lineItems: lines(4),
    }));
    const loaded = await ferry.call('POST', '/api/v1/bills/bulk', { items });
    expect(loaded.body.summary.failed).toBe(0);
    await ferry.settle(bills.id);

    const runs = (await ferry.call('GET', `/api/v1/runs?integrationId=${bills.id}&limit=10`)).body.data as { id: string; mode: string; counts: { created: number } }[];
    const incremental = runs.filter((r) => r.mode === 'incremental');
    // Twelve bills of five records each, 20 records a batch: three batches of four bills, not one of twelve.
    const sent = (await Promise.all(incremental.map((r) => billCallsOf(r.id)))).flat();
    expect(sent).toEqual([4, 4, 4]);
    expect(incremental.reduce((sum, r) => sum + r.counts.created, 0)).toBe(12);
    expect((await conn.query('SELECT Id FROM Ferry_Bill_Line_Item__c')).totalSize).toBe(48);

    const full = (await ferry.call('POST', `/api/v1/integrations/${bills.id}/sync`, { mode: 'full' })).body;
    await ferry.settle(bills.id);
    expect(await billCallsOf(full.id)).toEqual([4, 4, 4]);
    expect((await conn.query('SELECT Id FROM Ferry_Bill__c')).totalSize).toBe(12);
  });
});
