// A run delivers a large batch in parts that overlap (runner partsOf): on the Bulk path several
// jobs are on their way at once, on the collections path the parts share the run's call slots.
// What must hold whatever the overlap: every record and child lands under the right parent, the
// children of a parent Salesforce refused are not sent, and no more calls are in flight than the
// integration allows.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oauthLogin } from '../emulator/support.ts';
import { startTestFerry, type TestFerry } from '../ferry.ts';

let ferry: TestFerry;
let credential: any;
let conn: Awaited<ReturnType<typeof oauthLogin>>;
/** Composite calls as the org saw them (start and end), while `watching`. */
const composite: { start: number; end: number }[] = [];
let watching = false;

beforeAll(async () => {
  ferry = await startTestFerry({
    emulator: {
      onRequest: (r) => {
        if (watching && r.url.includes('/composite/sobjects')) composite.push({ start: Date.now() - r.ms, end: Date.now() });
      },
    },
  });
  credential = await ferry.credential();
  conn = await oauthLogin(ferry.emulator);
});
afterAll(async () => ferry.stop());

const sf = async (soql: string) => (await conn.query<any>(soql)).records;

function bill(accountId: string, billNumber: string, lines: number) {
  return {
    accountId,
    billNumber,
    billDate: '2026-02-01',
    periodStart: '2026-01-01',
    periodEnd: '2026-01-31',
    dueDate: '2026-03-01',
    currency: 'USD',
    total: `${lines * 10}.00`,
    lineItems: Array.from({ length: lines }, (_, i) => ({ lineItemType: 'USAGE', productCode: `P${i}`, quantity: '1', unitPrice: '10', amount: '10' })),
  };
}

async function accounts(prefix: string, n: number): Promise<string[]> {
  const items = Array.from({ length: n }, (_, i) => ({ code: `${prefix}-${i}`, name: `Account ${prefix} ${i}`, currency: 'USD' }));
  return (await ferry.call('POST', '/api/v1/accounts/bulk', { items })).body.results.map((r: any) => r.id);
}

async function bills(accountIds: string[], prefix: string, n: number, lines: number): Promise<string[]> {
  const ids: string[] = [];
  for (let start = 0; start < n; start += 1000) {
    const items = Array.from({ length: Math.min(1000, n - start) }, (_, i) => bill(accountIds[(start + i) % accountIds.length]!, `${prefix}-${start + i}`, lines));
    const res = await ferry.call('POST', '/api/v1/bills/bulk', { items });
    expect(res.body.summary.failed).toBe(0);
    ids.push(...res.body.results.map((r: any) => r.id));
  }
  return ids;
}

async function requestLogs(runId: string): Promise<any[]> {
  return ferry.db.query<any>('SELECT operation, object, records, created_at, duration_ms FROM request_logs WHERE run_id = $1 ORDER BY created_at', [runId]);
}

describe('delivery in overlapping parts', () => {
  it('sends a Bulk batch as several jobs at once, and holds back the line items of bills Salesforce refused', async () => {
    const accountIds = await accounts('BULKPARTS', 3);
    // Two of the three accounts are in Salesforce (by Ferry id); bills of the third name an
    // account the org does not have, and Salesforce refuses them.
    for (const id of accountIds.slice(0, 2)) await conn.sobject('Account').create({ Name: `Known ${id}`, Ferry_Id__c: id });
    const billIds = await bills(accountIds, 'BP', 30, 3);
    const integration = (await ferry.call('POST', '/api/v1/integrations', { name: 'Bills in parts', entityType: 'Bill', credentialId: credential.id, trigger: { onChange: false }, delivery: { bulkThreshold: 5 } })).body;
    // Calls take as long as a real org's (100 ms): the first job is still on its way when the
    // second part is planned, however busy this machine is (with instant answers, a slow plan
    // could come after the first job had finished).
    ferry.emulator.controls.setLatency({ fixedMs: 100, perRecordMs: 0 });
    const run = (await ferry.call('POST', `/api/v1/integrations/${integration.id}/sync`, { mode: 'full' })).body;
    const finished = await ferry.eventually(async () => {
      const view = (await ferry.call('GET', `/api/v1/runs/${run.id}`)).body;
      return view.status === 'WAITING' || view.status === 'STARTED' ? undefined : view;
    }, 60_000).finally(() => ferry.emulator.controls.setLatency({ fixedMs: 0, perRecordMs: 0 }));

    // Two Bill jobs (12 and 18 bills), both open before either has its results.
    const logs = await requestLogs(run.id);
    const opens = logs.filter((l) => l.operation === 'bulk_open' && l.object === 'Ferry_Bill__c');
    expect(opens).toHaveLength(2);
    const firstResults = logs.find((l) => l.operation === 'bulk_results' && l.object === 'Ferry_Bill__c');
    expect(new Date(opens[1].created_at).getTime()).toBeLessThan(new Date(firstResults.created_at).getTime());

    const refused = billIds.filter((_, i) => i % 3 === 2);
    const delivered = billIds.filter((_, i) => i % 3 !== 2);
    expect(finished.counts).toMatchObject({ sent: 30, created: delivered.length, failed: refused.length });
    const inOrg = await sf('SELECT Id, Ferry_Id__c, Account__r.Ferry_Id__c FROM Ferry_Bill__c');
    expect(inOrg.map((b: any) => b.Ferry_Id__c).sort()).toEqual([...delivered].sort());
    const lines = await sf('SELECT Ferry_Id__c, Bill__c FROM Ferry_Bill_Line_Item__c');
    expect(lines).toHaveLength(delivered.length * 3);
    const billOf = new Map(inOrg.map((b: any) => [b.Id, b.Ferry_Id__c]));
    for (const line of lines) expect(delivered).toContain(billOf.get(line.Bill__c));
    // Each refused bill is an event of its own; none of its line items went.
    const events = (await ferry.call('GET', `/api/v1/events?integrationId=${integration.id}&limit=100`)).body.data;
    expect(new Set(events.map((e: any) => e.entityId))).toEqual(new Set(refused));
    // Links: delivered bills know their three line items; refused ones have no link.
    const links = await ferry.db.query<any>('SELECT entity_id, children FROM links WHERE integration_id = $1', [integration.id]);
    expect(links.map((l) => l.entity_id).sort()).toEqual([...delivered].sort());
    for (const link of links) expect(Object.keys(link.children)).toHaveLength(3);
    const intents = await ferry.db.query('SELECT 1 FROM delivery_intents WHERE integration_id = $1 AND entity_id = ANY($2::uuid[])', [integration.id, delivered]);
    expect(intents).toEqual([]);
  });

  it('keeps no more collections calls in flight than the integration allows, across parts and their line items', async () => {
    const accountIds = await accounts('COLLPARTS', 5);
    const billIds = await bills(accountIds, 'CP', 1000, 1);
    const accountsIntegration = (await ferry.call('POST', '/api/v1/integrations', { name: 'Accounts for parts', entityType: 'Account', credentialId: credential.id, trigger: { onChange: false } })).body;
    await ferry.call('POST', `/api/v1/integrations/${accountsIntegration.id}/sync`, { mode: 'full' });
    await ferry.settle(accountsIntegration.id);
    const integration = (await ferry.call('POST', '/api/v1/integrations', { name: 'Bills by collections', entityType: 'Bill', credentialId: credential.id, trigger: { onChange: false }, delivery: { bulkThreshold: 1_000_000, concurrency: 2 } })).body;
    // Calls take a while, so parts and their line items would overlap if the slots let them.
    ferry.emulator.controls.setLatency({ fixedMs: 40, perRecordMs: 0 });
    watching = true;
    try {
      const run = (await ferry.call('POST', `/api/v1/integrations/${integration.id}/sync`, { mode: 'full' })).body;
      const finished = await ferry.eventually(async () => {
        const view = (await ferry.call('GET', `/api/v1/runs/${run.id}`)).body;
        return view.status === 'WAITING' || view.status === 'STARTED' ? undefined : view;
      }, 60_000);
      expect(finished.status).toBe('COMPLETE');
      // Every bill in Ferry (this test's and the previous one's) is sent again in full mode.
      const [{ n }] = (await ferry.db.query<{ n: number }>("SELECT count(*)::int AS n FROM records WHERE entity = 'bills' AND deleted_at IS NULL")) as [{ n: number }];
      expect(finished.counts.sent).toBe(n);
      watching = false;
      const calls = (await requestLogs(run.id)).filter((l) => l.operation === 'upsert');
      // Bills and their line items 200 a call, in parts of 400 (two slots of 200).
      expect(calls.filter((c) => c.object === 'Ferry_Bill__c').length).toBeGreaterThanOrEqual(5);
      expect(calls.filter((c) => c.object === 'Ferry_Bill_Line_Item__c').length).toBeGreaterThanOrEqual(5);
      // In flight at once, as the org saw it: never more than the integration's two.
      expect(composite.length).toBe(calls.length);
      const edges = composite.flatMap((c) => [{ at: c.start, d: 1 }, { at: c.end, d: -1 }]);
      edges.sort((a, b) => a.at - b.at || a.d - b.d);
      let open = 0;
      let most = 0;
      for (const e of edges) most = Math.max(most, (open += e.d));
      expect(most).toBeLessThanOrEqual(2);
    } finally {
      watching = false;
      ferry.emulator.controls.setLatency({ fixedMs: 0, perRecordMs: 0 });
    }
    const inOrg = new Set((await sf('SELECT Ferry_Id__c FROM Ferry_Bill__c')).map((b: any) => b.Ferry_Id__c));
    expect(billIds.filter((id) => !inOrg.has(id))).toEqual([]);
    const lines = await sf('SELECT Bill__r.Ferry_Id__c FROM Ferry_Bill_Line_Item__c');
    const billsWithLines = new Set(lines.map((l: any) => l.Bill__r.Ferry_Id__c));
    expect(billIds.filter((id) => !billsWithLines.has(id))).toEqual([]);
  });
});
