import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SFDX_PROJECT, startEmulator } from '../../src/emulator/index.ts';
import { startTestFerry, type TestFerry } from '../ferry.ts';
import { oauthLogin } from '../emulator/support.ts';
import { twoWayHelpers } from '../two-way.ts';

// Reconciliation: Salesforce Accounts (their billing id in Billing_Customer_Id__c), Ferry accounts
// (linked to Salesforce by delivery, to the billing tool by externalKey) and the billing tool's
// customers from an uploaded CSV, matched and reported by category with field differences.

let ferry: TestFerry;
let credential: any;
let conn: Awaited<ReturnType<typeof oauthLogin>>;
const { must, runNow } = twoWayHelpers(() => ferry);

beforeAll(async () => {
  ferry = await startTestFerry({ emulator: { sfdxProjects: [DEFAULT_SFDX_PROJECT, join(import.meta.dirname, '..', 'fixtures', 'reconciliation-sfdx')] } });
  credential = await ferry.credential();
  conn = await oauthLogin(ferry.emulator);
}, 60_000);
afterAll(async () => ferry.stop());

const CONFIG = {
  salesforceBillingIdField: 'Billing_Customer_Id__c',
  source: { kind: 'file', format: 'csv' },
  sourceIdField: 'id',
  sourceSalesforceIdField: 'salesforce_id',
  ferryToSource: { field: 'externalKey' },
  fields: [
    { name: 'name', ferry: 'name', salesforce: 'Name', source: 'company' },
    { name: 'currency', ferry: 'currency', source: 'currency' },
  ],
};

describe('reconciliation', () => {
  let integration: any;
  const sf = new Map<string, string>();
  const ferryIds = new Map<string, string>();

  it('refuses a configuration whose Salesforce fields the org lacks, listing the fields it has', async () => {
    const refused = await ferry.call('POST', '/api/v1/integrations', {
      name: 'Bad', entityType: 'Reconciliation', credentialId: credential.id,
      reconciliation: { ...CONFIG, salesforceBillingIdField: 'Chargebee_ID__c', fields: [{ name: 'name', ferry: 'name', salesforce: 'Nmae' }] },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error.details).toEqual([
      { path: 'body.reconciliation.salesforceBillingIdField', message: expect.stringMatching(/^Account has no field Chargebee_ID__c in the credential's org; its fields: .*Billing_Customer_Id__c/) },
      { path: 'body.reconciliation.fields[0].salesforce', message: expect.stringContaining('Account has no field Nmae') },
    ]);
    const missing = await ferry.call('POST', '/api/v1/integrations', { name: 'No config', entityType: 'Reconciliation', credentialId: credential.id });
    expect(missing.body.error.details).toEqual([{ path: 'body.reconciliation', message: expect.stringContaining('is required for a Reconciliation integration') }]);
    const elsewhere = await ferry.call('POST', '/api/v1/integrations', { name: 'Wrong type', entityType: 'Account', reconciliation: CONFIG });
    expect(elsewhere.body.error.details).toEqual([{ path: 'body.reconciliation', message: 'belongs to Reconciliation integrations only; leave it out for Account' }]);
    expect((await must('GET', '/api/v1/integrations?entityType=Reconciliation')).data).toEqual([]);
  });

  it('reports every category, the keys several records share, and the fields that differ', async () => {
    // Ferry: six accounts, four delivered to Salesforce (linked), four naming a billing customer.
    const delivery = await must('POST', '/api/v1/integrations', { name: 'Accounts', entityType: 'Account', credentialId: credential.id, trigger: { onChange: false } });
    const accounts: [string, string, string | undefined][] = [
      ['R1', 'Alpha Limited', 'cus_1'], ['R2', 'Beta GmbH', 'cus_2'], ['R3', 'Gamma Inc', undefined], ['R4', 'Delta SA', undefined], ['R5', 'Epsilon BV', 'cus_5'], ['R6', 'Zeta Oy', undefined],
    ];
    for (const [code, name, externalKey] of accounts.slice(0, 4)) ferryIds.set(code, (await must('POST', '/api/v1/accounts', { code, name, currency: 'EUR', ...(externalKey === undefined ? {} : { externalKey }) })).id);
    expect((await runNow(delivery.id, 'incremental')).counts.created).toBe(4);
    for (const [code, name, externalKey] of accounts.slice(4)) ferryIds.set(code, (await must('POST', '/api/v1/accounts', { code, name, currency: 'EUR', ...(externalKey === undefined ? {} : { externalKey }) })).id);
    for (const code of ['R1', 'R2', 'R3', 'R4']) {
      const [row] = (await conn.query<any>(`SELECT Id FROM Account WHERE AccountNumber = '${code}'`)).records;
      sf.set(code, row.Id);
    }
    // Salesforce: billing ids on two delivered accounts; one the billing tool does not have, held
    // by another account too; and an account Ferry does not have.
    await conn.sobject('Account').update([
      { Id: sf.get('R1')!, Billing_Customer_Id__c: 'cus_1' }, { Id: sf.get('R2')!, Billing_Customer_Id__c: 'cus_2' }, { Id: sf.get('R4')!, Billing_Customer_Id__c: 'cus_dup' },
    ]);
    const only = (await conn.sobject('Account').create({ Name: 'Only in Salesforce', Billing_Customer_Id__c: 'cus_7' })) as any;
    const twin = (await conn.sobject('Account').create({ Name: 'Twin', Billing_Customer_Id__c: 'cus_dup' })) as any;

    integration = await must('POST', '/api/v1/integrations', { name: 'Customers', entityType: 'Reconciliation', credentialId: credential.id, reconciliation: CONFIG });
    expect(integration).toMatchObject({ entityType: 'Reconciliation', trigger: { onChange: false, schedule: { cron: '0 2 * * *', timeZone: 'UTC' } }, reconciliation: { salesforceBillingIdField: 'Billing_Customer_Id__c', ferryToSalesforce: 'links' } });
    expect(new Date(integration.nextRunAt).toISOString()).toMatch(/T02:00:00\.000Z$/);

    // The schedule fires at 02:00 UTC, and only then; without the billing tool's customers, the
    // scheduled run says where to upload them.
    const next = new Date(integration.nextRunAt);
    expect(await ferry.engine.dispatcher.tick(new Date(next.getTime() - 60_000))).toBe(0);
    expect(await ferry.engine.dispatcher.tick(new Date(next.getTime() + 1000))).toBe(1);
    const early = await ferry.eventually(async () => {
      const [run] = (await must('GET', `/api/v1/runs?integrationId=${integration.id}`)).data;
      return run !== undefined && run.status !== 'WAITING' && run.status !== 'STARTED' ? run : undefined;
    });
    expect(early).toMatchObject({ trigger: 'schedule', status: 'ERROR', error: { errorCode: 'NO_SOURCE_FILE', message: expect.stringContaining(`/api/v1/integrations/${integration.id}/reconciliation/file`) } });
    expect(new Date((await must('GET', `/api/v1/integrations/${integration.id}`)).nextRunAt).getTime()).toBe(next.getTime() + 24 * 3600_000);
    // A malformed file is refused with its line, and keeps nothing.
    const bad = await ferry.call('PUT', `/api/v1/integrations/${integration.id}/reconciliation/file`, { format: 'csv', content: 'id,company\ncus_1,"Alpha\n' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details).toEqual([{ path: 'body.content', message: expect.stringContaining('line 2') }]);
    // A file of another format than the setting's is refused, saying which.
    const other = await ferry.call('PUT', `/api/v1/integrations/${integration.id}/reconciliation/file`, { format: 'jsonl', content: '{"id": "cus_1"}\n' });
    expect(other.body.error.details).toEqual([{ path: 'body.format', message: 'is jsonl, but reconciliation.source.format is csv: upload a csv file, or change the setting first' }]);
    expect((await must('GET', `/api/v1/integrations/${integration.id}/reconciliation`)).file).toBeNull();

    const csv = [
      'id,salesforce_id,company,currency',
      `cus_1,${sf.get('R1')},Alpha Ltd,EUR`,
      'cus_2,,Beta GmbH,USD',
      `cus_3,${sf.get('R3')},Gamma Inc,EUR`,
      'cus_5,,Epsilon BV,EUR',
      'cus_9,,Nine Corp,EUR',
      'cus_9,,Nine Corporation,EUR',
    ].join('\n');
    expect(await must('PUT', `/api/v1/integrations/${integration.id}/reconciliation/file`, { format: 'csv', content: csv })).toMatchObject({ format: 'csv', records: 6 });

    const run = await runNow(integration.id, 'full');
    expect(run, JSON.stringify(run)).toMatchObject({ status: 'COMPLETE', error: null });
    const status = await must('GET', `/api/v1/integrations/${integration.id}/reconciliation`);
    expect(status.report).toMatchObject({
      runId: run.id,
      summary: {
        read: { salesforce: 6, ferry: 6, source: 6 },
        counts: { all_three: 3, salesforce_ferry: 1, salesforce_source: 0, ferry_source: 1, salesforce_only: 2, ferry_only: 1, source_only: 2, duplicate: 2 },
        withDifferences: 2,
        matchedShare: 0.5,
      },
    });
    const items = (await must('GET', `/api/v1/integrations/${integration.id}/reconciliation/items?limit=100`)).data;
    const by = (category: string) => items.filter((i: any) => i.category === category);
    expect(by('all_three').map((i: any) => [i.salesforceId, i.ferryId, i.sourceId]).sort()).toEqual([
      [sf.get('R1'), ferryIds.get('R1'), 'cus_1'], [sf.get('R2'), ferryIds.get('R2'), 'cus_2'], [sf.get('R3'), ferryIds.get('R3'), 'cus_3'],
    ].sort());
    // Each difference with every side's value.
    expect(by('all_three').find((i: any) => i.sourceId === 'cus_1').differences).toEqual([{ field: 'name', ferry: 'Alpha Limited', salesforce: 'Alpha Limited', source: 'Alpha Ltd', dismissed: false }]);
    expect(by('all_three').find((i: any) => i.sourceId === 'cus_2').differences).toEqual([{ field: 'currency', ferry: 'EUR', source: 'USD', dismissed: false }]);
    expect(by('salesforce_ferry')).toEqual([expect.objectContaining({ salesforceId: sf.get('R4'), ferryId: ferryIds.get('R4'), sourceId: null })]);
    expect(by('salesforce_only').map((i: any) => i.salesforceId).sort()).toEqual([only.id, twin.id].sort());
    expect(by('ferry_source')).toEqual([expect.objectContaining({ ferryId: ferryIds.get('R5'), sourceId: 'cus_5', name: 'Epsilon BV' })]);
    expect(by('ferry_only')).toEqual([expect.objectContaining({ ferryId: ferryIds.get('R6') })]);
    expect(by('source_only').map((i: any) => i.sourceId)).toEqual(['cus_9', 'cus_9']);
    expect(by('duplicate').map((i: any) => i.detail)).toEqual(expect.arrayContaining([
      { side: 'salesforce', key: 'billing id', records: [sf.get('R4'), twin.id].sort(), total: 2 },
      { side: 'source', key: 'billing id', records: ['row 5', 'row 6'], total: 2 },
    ]));
    // Filtered by category, in pages.
    const first = await must('GET', `/api/v1/integrations/${integration.id}/reconciliation/items?category=all_three&limit=2`);
    expect(first.data).toHaveLength(2);
    const second = await must('GET', `/api/v1/integrations/${integration.id}/reconciliation/items?category=all_three&limit=2&after=${first.next}`);
    expect(second).toMatchObject({ data: [expect.objectContaining({ category: 'all_three' })], next: null });
    // The report as CSV: a row per difference, one per group without.
    const exported = await ferry.call('GET', `/api/v1/integrations/${integration.id}/reconciliation/items.csv?category=all_three`);
    expect(exported.status).toBe(200);
    expect(exported.headers.get('content-type')).toContain('text/csv');
    const lines = String(exported.body).trim().split('\n');
    expect(lines[0]).toBe('category,name,salesforce_id,ferry_id,source_id,field,ferry,salesforce,source,dismissed,detail');
    expect(lines).toContain(`all_three,Alpha Limited,${sf.get('R1')},${ferryIds.get('R1')},cus_1,name,Alpha Limited,Alpha Limited,Alpha Ltd,false,`);
    expect(lines).toContain(`all_three,Gamma Inc,${sf.get('R3')},${ferryIds.get('R3')},cus_3,,,,,,`);
    expect(lines).toHaveLength(4);
    // The staging rows are gone.
    expect(await ferry.db.query('SELECT 1 FROM reconciliation_rows')).toEqual([]);
  });

  it('remembers a dismissed difference until one of its values changes', async () => {
    const items = (await must('GET', `/api/v1/integrations/${integration.id}/reconciliation/items?category=all_three`)).data;
    const alpha = items.find((i: any) => i.sourceId === 'cus_1');
    const refused = await ferry.call('POST', `/api/v1/integrations/${integration.id}/reconciliation/dismissals`, { n: alpha.n, field: 'currency' });
    expect(refused.status).toBe(400);
    expect(refused.body.error.details).toEqual([{ path: 'body.field', message: `item ${alpha.n} differs in name` }]);
    const dismissed = await must('POST', `/api/v1/integrations/${integration.id}/reconciliation/dismissals`, { n: alpha.n, field: 'name' });
    expect(dismissed.differences).toEqual([expect.objectContaining({ field: 'name', dismissed: true })]);
    // The next run keeps it dismissed (the values are the same)...
    const run = await runNow(integration.id, 'full');
    const again = (await must('GET', `/api/v1/integrations/${integration.id}/reconciliation/items?category=all_three`)).data.find((i: any) => i.sourceId === 'cus_1');
    expect(again.differences).toEqual([expect.objectContaining({ field: 'name', dismissed: true })]);
    expect((await must('GET', `/api/v1/integrations/${integration.id}/reconciliation`)).report).toMatchObject({ runId: run.id, summary: { withDifferences: 1 } });
    // ...until a value changes: the billing tool renames the customer.
    const csv = (await ferry.db.query<{ content: string }>('SELECT content FROM reconciliation_files'))[0]!.content;
    await must('PUT', `/api/v1/integrations/${integration.id}/reconciliation/file`, { format: 'csv', content: csv.replace('Alpha Ltd', 'Alpha Ltd.') });
    await runNow(integration.id, 'full');
    const changed = (await must('GET', `/api/v1/integrations/${integration.id}/reconciliation/items?category=all_three`)).data.find((i: any) => i.sourceId === 'cus_1');
    expect(changed.differences).toEqual([{ field: 'name', ferry: 'Alpha Limited', salesforce: 'Alpha Limited', source: 'Alpha Ltd.', dismissed: false }]);
  });

  it('links a matched Ferry account to its billing customer, and copies a value to Ferry, which its integration sends to Salesforce', async () => {
    const items = (await must('GET', `/api/v1/integrations/${integration.id}/reconciliation/items?limit=100`)).data;
    const gamma = items.find((i: any) => i.category === 'all_three' && i.sourceId === 'cus_3');
    const zeta = items.find((i: any) => i.category === 'ferry_only');
    const lone = items.find((i: any) => i.category === 'source_only');
    // R3 matched cus_3 through Salesforce only: linking gives the Ferry account its billing id.
    const linked = await must('POST', `/api/v1/integrations/${integration.id}/reconciliation/links`, { items: [gamma.n, zeta.n, lone.n] });
    expect(linked.results).toEqual([
      { n: gamma.n, status: 'linked', message: 'linked' },
      { n: zeta.n, status: 'refused', message: expect.stringContaining('names nothing to link') },
      { n: lone.n, status: 'refused', message: expect.stringContaining('no Ferry account') },
    ]);
    expect(await must('GET', `/api/v1/accounts/${ferryIds.get('R3')}`)).toMatchObject({ externalKey: 'cus_3' });
    expect((await must('POST', `/api/v1/integrations/${integration.id}/reconciliation/links`, { items: [gamma.n] })).results[0].status).toBe('already_linked');
    const unknown = await ferry.call('POST', `/api/v1/integrations/${integration.id}/reconciliation/links`, { items: [99_999] });
    expect(unknown.body.error.details).toEqual([{ path: 'body.items[0]', message: 'no item 99999 in the latest report' }]);

    // The billing tool's currency for Beta is right: copied to Ferry, and on to Salesforce by the
    // Account integration (through the journal, like any change).
    const beta = items.find((i: any) => i.category === 'all_three' && i.sourceId === 'cus_2');
    const copied = await must('POST', `/api/v1/integrations/${integration.id}/reconciliation/copies`, { n: beta.n, field: 'currency', from: 'source', to: 'ferry' });
    expect(copied).toMatchObject({ to: 'ferry', value: 'USD' });
    expect(await must('GET', `/api/v1/accounts/${ferryIds.get('R2')}`)).toMatchObject({ currency: 'USD' });
    const wrong = await ferry.call('POST', `/api/v1/integrations/${integration.id}/reconciliation/copies`, { n: beta.n, field: 'name', from: 'source', to: 'ferry' });
    expect(wrong.body.error.details).toEqual([{ path: 'body.field', message: `item ${beta.n} differs in currency` }]);
    const toSource = await ferry.call('POST', `/api/v1/integrations/${integration.id}/reconciliation/copies`, { n: beta.n, field: 'currency', from: 'ferry', to: 'source' });
    expect(toSource.status).toBe(400);
    // From Ferry to Salesforce: a delivery of the account now.
    const alpha = items.find((i: any) => i.category === 'all_three' && i.sourceId === 'cus_1');
    // (The billing tool calls it "Alpha Ltd." since the dismissal test.)
    await must('PATCH', `/api/v1/accounts/${ferryIds.get('R1')}`, { name: 'Alpha Ltd.' });
    const sent = await must('POST', `/api/v1/integrations/${integration.id}/reconciliation/copies`, { n: alpha.n, field: 'name', from: 'ferry', to: 'salesforce' });
    expect(sent.runIds).toHaveLength(1);
    await ferry.eventually(async () => {
      const [row] = (await conn.query<any>(`SELECT Name FROM Account WHERE Id = '${sf.get('R1')}'`)).records;
      return row.Name === 'Alpha Ltd.' ? row : undefined;
    });
    // The next report agrees.
    await runNow(integration.id, 'full');
    const after = (await must('GET', `/api/v1/integrations/${integration.id}/reconciliation/items?category=all_three`)).data;
    expect(after.find((i: any) => i.sourceId === 'cus_1').differences).toEqual([]);
    expect(after.find((i: any) => i.sourceId === 'cus_2').differences).toEqual([]);
  });

  it('keeps a trend of the matched share, and the last report when a run fails', async () => {
    // A customer the billing tool gains for the Salesforce-only account: matched on two sides now.
    const csv = (await ferry.db.query<{ content: string }>('SELECT content FROM reconciliation_files'))[0]!.content;
    const [only] = (await conn.query<any>("SELECT Id FROM Account WHERE Name = 'Only in Salesforce'")).records;
    await must('PUT', `/api/v1/integrations/${integration.id}/reconciliation/file`, { format: 'csv', content: `${csv}\ncus_7,${only.Id},Only in Salesforce,EUR` });
    const run = await runNow(integration.id, 'full');
    expect(run.status).toBe('COMPLETE');
    const trend = (await must('GET', `/api/v1/integrations/${integration.id}/reconciliation/trend`)).data;
    expect(trend.map((p: any) => p.counts.salesforce_source)).toEqual([0, 0, 0, 0, 1]);
    expect(trend.map((p: any) => p.matchedShare)).toEqual([0.5, 0.5, 0.5, 0.5, 0.5]);

    // Salesforce answering an error mid-run: the run ends in error, the last report stays.
    ferry.emulator.controls.addFault({ method: 'GET', path: '*/query*', status: 500, errorCode: 'UNKNOWN_EXCEPTION', count: 100 });
    const failed = await runNow(integration.id, 'full');
    ferry.emulator.controls.clearFaults();
    expect(failed.status).not.toBe('COMPLETE');
    expect((await must('GET', `/api/v1/integrations/${integration.id}/reconciliation`)).report.runId).toBe(run.id);
    expect(await ferry.db.query('SELECT 1 FROM reconciliation_rows')).toEqual([]);
  });

  it('reads the billing tool\'s customers from an HTTPS source of JSON pages, its header sealed and never shown, and keeps the last report when it fails halfway', async () => {
    const SECRET = 's3cret-token-4711';
    let failSecondPage = false;
    const customers = [
      { id: 'cus_1', salesforce_id: sf.get('R1'), company: 'Alpha Limited', currency: 'EUR' },
      { id: 'cus_2', company: 'Beta GmbH', currency: 'EUR' },
      { id: 'cus_5', company: 'Epsilon BV', currency: 'EUR' },
    ];
    const server: Server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      if (req.headers.authorization !== `Bearer ${SECRET}`) {
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"error": "unauthorized"}');
        return;
      }
      const offset = Number(url.searchParams.get('offset') ?? '0');
      if (offset > 0 && failSecondPage) {
        res.writeHead(403, { 'content-type': 'application/json' }).end('{"error": "forbidden"}');
        return;
      }
      const page = customers.slice(offset, offset + 2);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ list: page, next_offset: offset + 2 < customers.length ? offset + 2 : null }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/customers?limit=2`;
    try {
      const http = await must('POST', '/api/v1/integrations', {
        name: 'From the billing API', entityType: 'Reconciliation', credentialId: credential.id,
        reconciliation: { ...CONFIG, source: { kind: 'http', url: `${base}&offset=0`, headers: { authorization: `Bearer ${SECRET}` }, records: 'list', next: "next_offset ? $replace($url, /&offset=\\d+/, '') & '&offset=' & next_offset : null" } },
      });
      expect(http.reconciliation.source).toMatchObject({ kind: 'http', headerNames: ['authorization'] });
      expect(JSON.stringify(http)).not.toContain(SECRET);
      expect(JSON.stringify(await must('GET', `/api/v1/integrations/${http.id}`))).not.toContain(SECRET);
      const run = await runNow(http.id, 'full');
      expect(run, JSON.stringify(run)).toMatchObject({ status: 'COMPLETE' });
      expect((await must('GET', `/api/v1/integrations/${http.id}/reconciliation`)).report.summary).toMatchObject({ read: { source: 3 }, counts: { all_three: 2, ferry_source: 1 } });
      // A change that leaves the headers out keeps them.
      await must('PATCH', `/api/v1/integrations/${http.id}`, { reconciliation: { sourceIdField: 'id' } });
      expect((await runNow(http.id, 'full')).status).toBe('COMPLETE');

      // The source refusing its second page: the run ends in error, the previous report stays,
      // and the secret is in no event, run or request log.
      failSecondPage = true;
      const failed = await runNow(http.id, 'full');
      expect(failed).toMatchObject({ status: 'ERROR', error: { errorCode: 'SOURCE_FAILED', message: expect.stringContaining('403') } });
      expect(failed.error.message).toContain('/customers');
      expect((await must('GET', `/api/v1/integrations/${http.id}/reconciliation`)).report.runId).not.toBe(failed.id);
      const events = await must('GET', `/api/v1/events?integrationId=${http.id}`);
      const logs = await must('GET', `/api/v1/request-logs?integrationId=${http.id}&limit=100`);
      expect(JSON.stringify([events, logs, failed])).not.toContain(SECRET);
      const [stored] = await ferry.db.query<{ reconciliation: unknown; sealed_secrets: string }>('SELECT reconciliation, sealed_secrets FROM integrations WHERE id = $1', [http.id]);
      expect(JSON.stringify(stored!.reconciliation)).not.toContain(SECRET);
      expect(stored!.sealed_secrets).not.toContain(SECRET);
      // Headers removed ({}): the source answers 401, and says so.
      failSecondPage = false;
      await must('PATCH', `/api/v1/integrations/${http.id}`, { reconciliation: { source: { kind: 'http', url: `${base}&offset=0`, headers: {}, records: 'list' } } });
      expect(await runNow(http.id, 'full')).toMatchObject({ status: 'ERROR', error: { message: expect.stringContaining('401') } });
      // A plain-HTTP URL that is not this machine is refused.
      const plain = await ferry.call('PATCH', `/api/v1/integrations/${http.id}`, { reconciliation: { source: { kind: 'http', url: 'http://billing.example/customers', records: 'list' } } });
      expect(plain.status).toBe(400);
      expect(plain.body.error.details[0]).toMatchObject({ path: 'body.reconciliation.source.url' });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('stays with the Salesforce org it compared: another is refused at connect, and a run whose credential now signs in elsewhere ends in error, the report kept', async () => {
    const projects = [DEFAULT_SFDX_PROJECT, join(import.meta.dirname, '..', 'fixtures', 'reconciliation-sfdx')];
    const second = await startEmulator({ port: 0, host: '127.0.0.1', printIdentity: false, orgNumber: 2, sfdxProjects: projects });
    try {
      const status = await must('GET', `/api/v1/integrations/${integration.id}/reconciliation`);
      expect((await must('GET', `/api/v1/integrations/${integration.id}`)).salesforceOrgId).toBe(ferry.emulator.identity.orgId);
      const other = await ferry.credential({ name: 'Another org', loginUrl: second.loginUrl });
      const refused = await ferry.call('POST', `/api/v1/integrations/${integration.id}/connect`, { credentialId: other.id });
      expect(refused.status).toBe(409);
      expect(refused.body.error).toMatchObject({ code: 'org_mismatch', message: expect.stringContaining('purge-links') });
      // The credential itself pointed at the other org: the run signs in there and stops.
      expect((await ferry.call('PATCH', `/api/v1/credentials/${credential.id}`, { loginUrl: second.loginUrl })).status).toBe(200);
      const run = await runNow(integration.id, 'full');
      expect(run).toMatchObject({ status: 'ERROR', error: { errorCode: 'ORG_MISMATCH' } });
      const events = (await must('GET', `/api/v1/events?integrationId=${integration.id}&name=integration.org_mismatch.error`)).data;
      // (Once, of 6 runs of this file, two such events were found here; the run's own is the one checked.)
      expect(events.find((e: any) => e.runId === run.id)).toMatchObject({ message: expect.stringContaining(second.identity.orgId) });
      expect((await must('GET', `/api/v1/integrations/${integration.id}/reconciliation`)).report.runId).toBe(status.report.runId);
    } finally {
      await ferry.call('PATCH', `/api/v1/credentials/${credential.id}`, { loginUrl: ferry.emulator.loginUrl });
      await second.stop();
    }
  });

  it('takes no mapping rules, and answers other integrations\' report requests with what they are', async () => {
    const mapped = await ferry.call('PUT', `/api/v1/integrations/${integration.id}/mapping`, { rules: [{ ferry: 'name', salesforce: 'Name' }] });
    expect(mapped.status).toBe(400);
    const account = (await must('GET', '/api/v1/integrations?entityType=Account')).data[0];
    const wrong = await ferry.call('GET', `/api/v1/integrations/${account.id}/reconciliation`);
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.details).toEqual([{ path: 'path.id', message: 'is a Account integration' }]);
  });
});
