import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestFerry, type TestFerry } from '../ferry.ts';

let ferry: TestFerry;
let credential: any;

beforeAll(async () => {
  ferry = await startTestFerry();
  credential = await ferry.credential();
});
afterAll(async () => ferry.stop());

async function sfQuery(soql: string): Promise<any[]> {
  const conn = await import('../emulator/support.ts').then((m) => m.oauthLogin(ferry.emulator));
  return (await conn.query(soql)).records;
}

describe('account integration', () => {
  it('delivers a new account to Salesforce on change, once, and logs the run and its requests', async () => {
    const integration = (await ferry.call('POST', '/api/v1/integrations', { name: 'Accounts to SF', entityType: 'Account', credentialId: credential.id })).body;
    expect(integration).toMatchObject({ status: 'CONNECTED', enabled: true, trigger: { onChange: true } });
    const account = (await ferry.call('POST', '/api/v1/accounts', { code: 'E2E-1', name: 'End To End Ltd', address: { line1: '1 High St', locality: 'London', country: 'GB' } })).body;
    const records = await ferry.eventually(async () => {
      const found = await sfQuery(`SELECT Id, Name, AccountNumber, BillingCity, Ferry_Id__c FROM Account WHERE Ferry_Id__c = '${account.id}'`);
      return found.length > 0 ? found : undefined;
    });
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ Name: 'End To End Ltd', AccountNumber: 'E2E-1', BillingCity: 'London' });
    await ferry.settle(integration.id);
    const runs = (await ferry.call('GET', `/api/v1/runs?integrationId=${integration.id}`)).body.data;
    expect(runs[0]).toMatchObject({ trigger: 'change', status: 'COMPLETE', counts: { sent: 1, created: 1, failed: 0 } });
    const logs = (await ferry.call('GET', `/api/v1/request-logs?runId=${runs[0].id}`)).body.data;
    expect(logs).toEqual([expect.objectContaining({ operation: 'upsert', object: 'Account', records: 1, status: 'Success', apiUsage: expect.objectContaining({ used: expect.any(Number), max: expect.any(Number) }) })]);

    // Unchanged data is not sent again; a change is an update of the same Salesforce record.
    await ferry.call('PATCH', `/api/v1/accounts/${account.id}`, { name: 'End To End Group' });
    await ferry.eventually(async () => {
      const found = await sfQuery(`SELECT Id, Name FROM Account WHERE Ferry_Id__c = '${account.id}'`);
      return found[0]?.Name === 'End To End Group' ? found : undefined;
    });
    const all = await sfQuery(`SELECT Id FROM Account WHERE Ferry_Id__c = '${account.id}'`);
    expect(all).toHaveLength(1);
  });
});
