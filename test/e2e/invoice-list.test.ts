import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestFerry, type TestFerry } from '../ferry.ts';
import { oauthLogin } from '../emulator/support.ts';

// The invoice list on the Salesforce Account page takes its columns from the org's
// Ferry_Invoice_Column__c custom setting: Ferry reads and writes them there.

let ferry: TestFerry;
let credential: any;
let conn: Awaited<ReturnType<typeof oauthLogin>>;

beforeAll(async () => {
  ferry = await startTestFerry();
  credential = await ferry.credential();
  conn = await oauthLogin(ferry.emulator);
}, 60_000);
afterAll(async () => ferry.stop());

const settings = async () => (await conn.query<any>('SELECT Name, Field__c, Label__c, Position__c FROM Ferry_Invoice_Column__c ORDER BY Position__c')).records.map((r) => [r.Name, r.Field__c, r.Label__c, r.Position__c]);

describe('invoice list columns', () => {
  it('picks, orders and renames the columns in the org, refuses a field Ferry_Bill__c lacks, and goes back to the defaults', async () => {
    const path = `/api/v1/credentials/${credential.id}/invoice-columns`;
    const initial = await ferry.call('GET', path);
    expect(initial.status).toBe(200);
    expect(initial.body.columns).toEqual([]);
    expect(initial.body.fields.map((f: any) => f.name)).toEqual(expect.arrayContaining(['Bill_Number__c', 'Total__c', 'Period_Start__c', 'Ferry_Currency__c']));

    const saved = await ferry.call('PUT', path, { columns: [{ field: 'Bill_Number__c', label: 'Invoice #' }, { field: 'Total__c', label: 'Amount' }, { field: 'Period_Start__c', label: 'From' }] });
    expect(saved.status).toBe(200);
    expect(await settings()).toEqual([['col-01', 'Bill_Number__c', 'Invoice #', 1], ['col-02', 'Total__c', 'Amount', 2], ['col-03', 'Period_Start__c', 'From', 3]]);

    // Reordered and renamed: the same records, updated; the extra one goes.
    expect((await ferry.call('PUT', path, { columns: [{ field: 'Total__c', label: 'Total due' }, { field: 'Bill_Number__c', label: 'Bill' }] })).status).toBe(200);
    expect(await settings()).toEqual([['col-01', 'Total__c', 'Total due', 1], ['col-02', 'Bill_Number__c', 'Bill', 2]]);
    expect((await ferry.call('GET', path)).body.columns).toEqual([{ field: 'Total__c', label: 'Total due' }, { field: 'Bill_Number__c', label: 'Bill' }]);

    // A field the org's Ferry_Bill__c lacks, a field twice, an empty label: refused, nothing changed.
    const refused = await ferry.call('PUT', path, { columns: [{ field: 'Total__c', label: 'Total' }, { field: 'Discount__c', label: 'Discount' }, { field: 'Total__c', label: 'Again' }] });
    expect(refused.status).toBe(400);
    expect(refused.body.error.details).toEqual([
      { path: 'body.columns[1].field', message: expect.stringMatching(/^Ferry_Bill__c has no field Discount__c in the org; fields: .*Bill_Number__c/) },
      { path: 'body.columns[2].field', message: 'Total__c is already a column: each field once' },
    ]);
    const empty = await ferry.call('PUT', path, { columns: [{ field: 'Total__c', label: ' ' }] });
    expect(empty.body.error.details).toEqual([{ path: 'body.columns[0].label', message: 'must not be empty' }]);
    expect(await settings()).toEqual([['col-01', 'Total__c', 'Total due', 1], ['col-02', 'Bill_Number__c', 'Bill', 2]]);

    // No columns: the component shows its defaults.
    expect((await ferry.call('PUT', path, { columns: [] })).status).toBe(200);
    expect(await settings()).toEqual([]);
    // The calls are in the credential's request log.
    const logs = (await ferry.call('GET', `/api/v1/request-logs?limit=50`)).body.data.filter((r: any) => r.object === 'Ferry_Invoice_Column__c');
    expect(logs.map((r: any) => r.operation)).toEqual(expect.arrayContaining(['query', 'create', 'update', 'delete']));
  });
});
