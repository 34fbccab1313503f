import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestFerry, type TestFerry } from '../../../test/ferry.ts';

let ferry: TestFerry;
let accounts: any;
let bills: any;

beforeAll(async () => {
  ferry = await startTestFerry();
  const credential = await ferry.credential();
  accounts = (await ferry.call('POST', '/api/v1/integrations', { name: 'Accounts', entityType: 'Account', credentialId: credential.id })).body;
  bills = (await ferry.call('POST', '/api/v1/integrations', { name: 'Bills', entityType: 'Bill', credentialId: credential.id })).body;
  await ferry.call('POST', '/api/v1/integrations', { name: 'Not connected', entityType: 'Contact' });
  const account = (await ferry.call('POST', '/api/v1/accounts', { code: 'OV-1', name: 'Overview Ltd' })).body;
  await ferry.settle(accounts.id);
  const bill = (number: string, description: string) => ({
    accountId: account.id, billNumber: number, billDate: '2026-02-01', periodStart: '2026-01-01', periodEnd: '2026-01-31', dueDate: '2026-03-01', currency: 'USD', total: '100.00',
    lineItems: [{ lineItemType: 'USAGE', description, quantity: '1', unitPrice: '100', amount: '100' }],
  });
  // The second line's description is longer than Salesforce's field (255): held back with a validation error.
  const created = await ferry.call('POST', '/api/v1/bills/bulk', { items: [bill('OV-OK', 'Usage'), bill('OV-LONG', 'x'.repeat(300))] });
  expect(created.status).toBe(200);
  await ferry.settle(accounts.id);
  await ferry.settle(bills.id);
});
afterAll(async () => ferry?.stop());

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

describe('GET /api/v1/overview', () => {
  it('counts the hour\'s runs, records, API calls and change latency from what the runs really did', async () => {
    const res = await ferry.call('GET', '/api/v1/overview?hours=24');
    expect(res.status).toBe(200);
    const body = res.body;
    expect(body.buckets).toHaveLength(24);
    expect(Date.parse(body.to) - Date.parse(body.from)).toBe(24 * 3_600_000);

    const runs = (await ferry.call('GET', '/api/v1/runs')).body.data as any[];
    const logs = (await ferry.call('GET', '/api/v1/request-logs?limit=1000')).body.data as any[];
    const buckets = body.buckets as any[];
    expect(sum(buckets.map((b) => b.runs.complete))).toBe(runs.filter((r) => r.status === 'COMPLETE').length);
    expect(sum(buckets.map((b) => b.runs.complete + b.runs.failed + b.runs.retrying + b.runs.inProgress))).toBe(runs.length);
    expect(sum(buckets.map((b) => b.records.sent))).toBe(2);
    expect(sum(buckets.map((b) => b.records.failed))).toBe(1);
    expect(sum(buckets.map((b) => b.apiCalls))).toBe(logs.length);
    expect(logs.length).toBeGreaterThan(0);

    const newest = logs.find((l) => l.apiUsage !== null);
    expect(body.apiAllocation).toBe(newest.apiUsage.max);
    expect(body.budgetShare).toBe(0.8);
    expect(body.apiBudget).toBe(Math.floor(newest.apiUsage.max * 0.8));
    expect(buckets.findLast((b) => b.apiUsed !== null).apiUsed).toBe(newest.apiUsage.used);
    expect(body.integrations).toEqual({ total: 3, connected: 2 });
    expect(body.openErrorEvents).toBe(1);

    // Latency: each delivered change's journal entry against the end of the run that sent it.
    const changes = (await ferry.call('GET', '/api/v1/changes')).body.changes as any[];
    const delivering = runs.filter((r) => r.mode === 'incremental' && r.counts.sent > 0);
    const failed = new Set((await ferry.call('GET', '/api/v1/events?severity=error')).body.data.map((e: any) => e.entityId));
    const expected = changes.flatMap((c) => {
      const run = delivering.find((r) => c.seq > r.fromSeq && c.seq <= r.toSeq && r.recordIds.includes(c.entityId));
      return run === undefined || failed.has(c.entityId) ? [] : [Date.parse(run.finishedAt) - Date.parse(c.at)];
    });
    expect(expected).toHaveLength(2);
    const latency = buckets.filter((b) => b.latency.changes > 0);
    expect(sum(latency.map((b) => b.latency.changes))).toBe(2);
    const max = Math.max(...latency.map((b) => b.latency.maxMs));
    // Timestamps reach the API in milliseconds, the database keeps microseconds.
    expect(Math.abs(max - Math.max(...expected))).toBeLessThanOrEqual(2);
    for (const b of latency) expect(b.latency.averageMs).toBeGreaterThan(0);
  });

  it('refuses an hours value outside 1 to 168', async () => {
    const res = await ferry.call('GET', '/api/v1/overview?hours=0');
    expect(res.status).toBe(400);
    expect(res.body.error.details[0].path).toBe('query.hours');
  });
});

describe('GET /api/v1/events?severity=', () => {
  it('lists only the events of that severity', async () => {
    const errors = (await ferry.call('GET', '/api/v1/events?severity=error')).body.data as any[];
    expect(errors.map((e) => e.name)).toEqual(['integration.validation.error']);
    expect((await ferry.call('GET', '/api/v1/events?severity=warning')).body.data).toEqual([]);
    const bad = await ferry.call('GET', '/api/v1/events?severity=fatal');
    expect(bad.status).toBe(400);
  });
});
