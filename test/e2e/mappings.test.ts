import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SFDX_PROJECT } from '../../src/emulator/index.ts';
import { oauthLogin } from '../emulator/support.ts';
import { startTestFerry, type TestFerry } from '../ferry.ts';

// The org has Ferry's objects and a few fields of the customer's own (test/fixtures/custom-fields):
// Account.Region__c Text(10), Email_Domain__c Text(80), Credit_Limit__c Number(8,2), Segment__c
// (restricted picklist SMB, Enterprise) and Ferry_Bill__c.Memo__c Text(20).
const CUSTOM_FIELDS = fileURLToPath(new URL('../fixtures/custom-fields', import.meta.url));

let ferry: TestFerry;
let credential: any;

beforeAll(async () => {
  ferry = await startTestFerry({ emulator: { sfdxProjects: [DEFAULT_SFDX_PROJECT, CUSTOM_FIELDS] } });
  credential = await ferry.credential();
});
afterAll(async () => ferry.stop());

async function sf(soql: string): Promise<any[]> {
  return (await (await oauthLogin(ferry.emulator)).query(soql)).records;
}

async function accountIntegration(name: string, trigger = { onChange: false }): Promise<any> {
  // One integration at a time: earlier tests' on-change integrations would deliver these accounts too.
  for (const i of (await ferry.call('GET', '/api/v1/integrations')).body.data) if (i.enabled) await ferry.call('POST', `/api/v1/integrations/${i.id}/disable`);
  const created = await ferry.call('POST', '/api/v1/integrations', { name, entityType: 'Account', credentialId: credential.id, trigger });
  expect(created.status).toBe(201);
  return created.body;
}

async function runNow(integrationId: string, mode: 'incremental' | 'full' = 'incremental'): Promise<any> {
  const run = (await ferry.call('POST', `/api/v1/integrations/${integrationId}/sync`, { mode })).body;
  await ferry.settle(integrationId);
  return (await ferry.call('GET', `/api/v1/runs/${run.id}`)).body;
}

describe('mappings through the API', () => {
  it('shows the effective mapping: the default until changed, then its own rules', async () => {
    const integration = await accountIntegration('Mapping shown');
    const shown = await ferry.call('GET', `/api/v1/integrations/${integration.id}/mapping`);
    expect(shown.status).toBe(200);
    expect(shown.body).toMatchObject({ integrationId: integration.id, entityType: 'Account', isDefault: true });
    expect(shown.body.rules).toContainEqual({ kind: 'field', object: 'Account', ferry: 'name', salesforce: 'Name', direction: 'to_salesforce' });
    const put = await ferry.call('PUT', `/api/v1/integrations/${integration.id}/mapping`, { rules: [{ ferry: 'name', salesforce: 'Name' }, { ferry: 'customFields.region', salesforce: 'Region__c' }] });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ isDefault: false, rules: [{ salesforce: 'Name' }, { salesforce: 'Region__c', ferry: 'customFields.region' }] });
    const patched = await ferry.call('PATCH', `/api/v1/integrations/${integration.id}/mapping`, { add: [{ ferry: 'code', salesforce: 'AccountNumber' }], remove: [{ salesforce: 'Region__c' }] });
    expect(patched.status).toBe(200);
    expect(patched.body.rules.map((r: any) => r.salesforce)).toEqual(['Name', 'AccountNumber']);
    const missing = await ferry.call('PATCH', `/api/v1/integrations/${integration.id}/mapping`, { remove: [{ salesforce: 'Region__c' }] });
    expect(missing.status).toBe(400);
    expect(missing.body.error.details).toEqual([{ path: 'body.remove[0]', message: 'no rule of this mapping writes Account.Region__c' }]);
    const reset = await ferry.call('POST', `/api/v1/integrations/${integration.id}/mapping/reset`);
    expect(reset.body).toMatchObject({ isDefault: true });
    expect(reset.body.rules).toEqual(shown.body.rules);
  });

  it('refuses a mapping with every problem at its exact path, and saves nothing', async () => {
    const integration = await accountIntegration('Mapping refused');
    const before = (await ferry.call('GET', `/api/v1/integrations/${integration.id}/mapping`)).body;
    const refused = await ferry.call('PUT', `/api/v1/integrations/${integration.id}/mapping`, {
      rules: [
        { ferry: 'name', salesforce: 'Name' },
        { ferry: 'customFields.region', salesforce: 'Regoin__c' },
        { ferry: 'nickname', salesforce: 'Description' },
        { ferry: 'emailAddress', salesforce: 'Email_Domain__c', transform: "$substringAfter($value, '@'" },
        { ferry: 'name', salesforce: 'Id' },
        { ferry: 'name', salesforce: 'Credit_Limit__c', transform: "name = 'x'" },
      ],
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('validation_failed');
    const details = new Map(refused.body.error.details.map((d: any) => [d.path, d.message]));
    expect([...details.keys()]).toEqual(['body.rules[1].salesforce', 'body.rules[2].ferry', 'body.rules[3].transform', 'body.rules[4].salesforce', 'body.rules[5].transform']);
    expect(details.get('body.rules[1].salesforce')).toMatch(/Account has no field Regoin__c in the connected org; did you mean Region__c\?/);
    expect(details.get('body.rules[2].ferry')).toMatch(/account records have no field "nickname"/);
    expect(details.get('body.rules[3].transform')).toMatch(/not a valid JSONata expression/);
    expect(details.get('body.rules[4].salesforce')).toMatch(/cannot be written/);
    expect(details.get('body.rules[5].transform')).toMatch(/Credit_Limit__c is a number field, and the value is a boolean/);
    const after = (await ferry.call('GET', `/api/v1/integrations/${integration.id}/mapping`)).body;
    expect(after).toEqual(before);
  });

  it('checks the Salesforce side of a mapping saved before any credential when the integration connects', async () => {
    const created = await ferry.call('POST', '/api/v1/integrations', { name: 'Not connected yet', entityType: 'Account', trigger: { onChange: false } });
    const integration = created.body;
    // Ferry-side checks only: the org is not known yet.
    const saved = await ferry.call('PUT', `/api/v1/integrations/${integration.id}/mapping`, { rules: [{ ferry: 'name', salesforce: 'Name' }, { ferry: 'customFields.tier', salesforce: 'Tier__c' }] });
    expect(saved.status).toBe(200);
    const refused = await ferry.call('POST', `/api/v1/integrations/${integration.id}/connect`, { credentialId: credential.id });
    expect(refused.status).toBe(400);
    expect(refused.body.error.details).toEqual([{ path: 'body.mapping.rules[1].salesforce', message: expect.stringContaining('Account has no field Tier__c in the connected org') }]);
    expect((await ferry.call('GET', `/api/v1/integrations/${integration.id}`)).body.credentialId).toBeNull();
    await ferry.call('PATCH', `/api/v1/integrations/${integration.id}/mapping`, { remove: [{ salesforce: 'Tier__c' }], add: [{ ferry: 'customFields.tier', salesforce: 'Segment__c' }] });
    expect((await ferry.call('POST', `/api/v1/integrations/${integration.id}/connect`, { credentialId: credential.id })).status).toBe(200);
  });

  it('delivers a custom field and a computed field, and resends what a mapping change affects', async () => {
    const integration = await accountIntegration('Custom fields', { onChange: true });
    const account = (await ferry.call('POST', '/api/v1/accounts', { code: 'MAP-1', name: 'Mapped Ltd', emailAddress: 'ap@mapped.example', customFields: { region: 'North' } })).body;
    await ferry.settle(integration.id);
    expect((await sf(`SELECT Name, Region__c FROM Account WHERE Ferry_Id__c = '${account.id}'`))[0]).toMatchObject({ Name: 'Mapped Ltd', Region__c: null });

    const changed = await ferry.call('PATCH', `/api/v1/integrations/${integration.id}/mapping`, {
      add: [
        { ferry: 'customFields.region', salesforce: 'Region__c' },
        { ferry: 'emailAddress', salesforce: 'Email_Domain__c', transform: "$substringAfter($value, '@')" },
      ],
    });
    expect(changed.status).toBe(200);
    expect(changed.body.resync).toEqual({ runId: expect.any(String) });
    await ferry.settle(integration.id);
    const resync = (await ferry.call('GET', `/api/v1/runs/${changed.body.resync.runId}`)).body;
    expect(resync).toMatchObject({ trigger: 'mapping', mode: 'full', status: 'COMPLETE', counts: { sent: 1, updated: 1 } });
    expect((await sf(`SELECT Region__c, Email_Domain__c FROM Account WHERE Ferry_Id__c = '${account.id}'`))[0]).toMatchObject({ Region__c: 'North', Email_Domain__c: 'mapped.example' });
  });

  it('sends nothing when a change touches no mapped field, and says why', async () => {
    const integration = await accountIntegration('Unmapped change');
    const account = (await ferry.call('POST', '/api/v1/accounts', { code: 'MAP-2', name: 'Unmapped Ltd' })).body;
    expect(await runNow(integration.id)).toMatchObject({ status: 'COMPLETE', counts: { sent: 1 } });
    await ferry.call('PATCH', `/api/v1/accounts/${account.id}`, { billGroup: 'Monthly', customFields: { notes: 'internal' } });
    ferry.emulator.controls.resetCounters();
    const run = await runNow(integration.id);
    expect(run).toMatchObject({ status: 'COMPLETE', counts: { sent: 0, skipped: 1 }, skips: [{ reason: 'no mapped field changed (changed: billGroup, customFields)', count: 1, recordIds: [account.id] }] });
    expect(Object.values(ferry.emulator.controls.counters().apiCalls).reduce((a, b) => a + b, 0)).toBe(0);
    const preview = await ferry.call('PATCH', `/api/v1/accounts/${account.id}`, { billGroup: 'Quarterly' }).then(() => ferry.call('GET', `/api/v1/integrations/${integration.id}/preview`));
    expect(preview.body.data).toEqual([expect.objectContaining({ id: account.id, action: 'skip', reason: 'no mapped field changed (changed: billGroup)' })]);
  });

  it('holds back a too-long value and a too-precise number with an event, and sends nothing of that record', async () => {
    const integration = await accountIntegration('Value checks');
    const put = await ferry.call('PUT', `/api/v1/integrations/${integration.id}/mapping`, {
      rules: [{ ferry: 'name', salesforce: 'Name' }, { ferry: 'customFields.region', salesforce: 'Region__c' }, { ferry: 'customFields.creditLimit', salesforce: 'Credit_Limit__c' }],
    });
    expect(put.status).toBe(200);
    const long = (await ferry.call('POST', '/api/v1/accounts', { code: 'MAP-3', name: 'Too Long Ltd', customFields: { region: 'North-North-West' } })).body;
    const precise = (await ferry.call('POST', '/api/v1/accounts', { code: 'MAP-4', name: 'Too Precise Ltd', customFields: { creditLimit: '1500.125' } })).body;
    const fine = (await ferry.call('POST', '/api/v1/accounts', { code: 'MAP-5', name: 'Fine Ltd', customFields: { region: 'South', creditLimit: '1500.12' } })).body;
    const run = await runNow(integration.id);
    expect(run).toMatchObject({ status: 'ERROR', counts: { sent: 1, failed: 2 } });
    const events = (await ferry.call('GET', `/api/v1/events?runId=${run.id}`)).body.data;
    const byRecord = new Map(events.map((e: any) => [e.entityId, e]));
    expect(byRecord.get(long.id)).toMatchObject({ name: 'integration.validation.error', message: expect.stringMatching(/Account\.Region__c: .*16.*10/) });
    expect(byRecord.get(precise.id)).toMatchObject({ name: 'integration.validation.error', message: expect.stringMatching(/Account\.Credit_Limit__c: .*decimal/) });
    const inOrg = await sf(`SELECT Ferry_Id__c, Credit_Limit__c FROM Account WHERE Ferry_Id__c IN ('${long.id}', '${precise.id}', '${fine.id}')`);
    expect(inOrg).toEqual([expect.objectContaining({ Ferry_Id__c: fine.id, Credit_Limit__c: 1500.12 })]);
  });
});

describe('preview', () => {
  it('agrees with the run on 50 mixed bills', async () => {
    const accounts: any[] = [];
    for (let i = 0; i < 10; i++) accounts.push((await ferry.call('POST', '/api/v1/accounts', { code: `PV-${i}`, name: `Preview ${i}`, currency: 'USD' })).body);
    // Seven accounts reach Salesforce, three of which Ferry has no link for (the case where a
    // preview once said "skip" and the run then sent); three never do.
    const accountsIntegration = (await ferry.call('POST', '/api/v1/integrations', {
      name: 'Preview accounts', entityType: 'Account', credentialId: credential.id, trigger: { onChange: false }, settings: { excludedAccountIds: accounts.slice(7).map((a) => a.id) },
    })).body;
    const delivered = await ferry.call('POST', `/api/v1/integrations/${accountsIntegration.id}/sync`, { mode: 'full' });
    expect(delivered.status).toBe(202);
    await ferry.settle(accountsIntegration.id);
    await ferry.db.query("DELETE FROM links WHERE entity = 'accounts' AND entity_id = ANY($1::uuid[])", [accounts.slice(4, 7).map((a) => a.id)]);

    const bills = (await ferry.call('POST', '/api/v1/integrations', { name: 'Preview bills', entityType: 'Bill', credentialId: credential.id, trigger: { onChange: false }, settings: { onlyApprovedBills: true } })).body;
    const memo = await ferry.call('PATCH', `/api/v1/integrations/${bills.id}/mapping`, { add: [{ ferry: 'customFields.memo', salesforce: 'Memo__c' }] });
    expect(memo.status, JSON.stringify(memo.body)).toBe(200);
    await ferry.settle(bills.id);
    for (let i = 0; i < 50; i++) {
      const account = accounts[i % 10];
      const created = await ferry.call('POST', '/api/v1/bills', {
        accountId: account.id, billNumber: `PV-B-${i}`, billDate: '2026-01-31', periodStart: '2026-01-01', periodEnd: '2026-01-31', dueDate: '2026-02-28', currency: 'USD',
        status: i % 5 === 0 ? 'PENDING' : 'APPROVED', total: '10.00',
        lineItems: [{ lineItemType: 'USAGE', quantity: '2', unitPrice: '5', amount: '10.00' }],
        customFields: { memo: i % 7 === 0 ? 'a memo far longer than twenty characters' : `memo ${i}` },
      });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
    }
    const preview = (await ferry.call('GET', `/api/v1/integrations/${bills.id}/preview?limit=1000`)).body.data as any[];
    expect(preview).toHaveLength(50);
    const expected = new Map(preview.map((p) => [p.id, p.action === 'fail' ? p.event : p.action]));
    expect(new Set(expected.values())).toEqual(new Set(['upsert', 'skip', 'integration.validation.error', 'integration.missing_account_mapping.error']));

    const run = await runNow(bills.id);
    const events = (await ferry.call('GET', `/api/v1/events?runId=${run.id}&limit=1000`)).body.data as any[];
    const eventOf = new Map(events.map((e) => [e.entityId, e.name]));
    const inOrg = new Set((await sf("SELECT Ferry_Id__c FROM Ferry_Bill__c WHERE Bill_Number__c LIKE 'PV-B-%'")).map((r) => r.Ferry_Id__c));
    for (const [id, action] of expected) {
      const outcome = inOrg.has(id) ? 'upsert' : eventOf.get(id) ?? 'skip';
      expect(outcome, `bill ${id}`).toBe(action);
    }
  });
});

describe('contact points', () => {
  it('maps each contact type\'s points to Contact fields, the type\'s own rules before the "*" rules', async () => {
    const accounts = await accountIntegration('Contact points accounts', { onChange: true });
    const account = (await ferry.call('POST', '/api/v1/accounts', { code: 'CP-1', name: 'Contact Points Ltd' })).body;
    await ferry.settle(accounts.id);
    expect((await ferry.call('POST', '/api/v1/contact-types', { code: 'BILLING', name: 'Billing contact' })).status).toBe(201);
    const contacts = (await ferry.call('POST', '/api/v1/integrations', { name: 'Contacts', entityType: 'Contact', credentialId: credential.id, trigger: { onChange: false } })).body;
    const unknownType = await ferry.call('PATCH', `/api/v1/integrations/${contacts.id}/mapping`, { add: [{ kind: 'contact_point', contactType: 'TECHNICAL', point: 'email', salesforce: 'Email' }] });
    expect(unknownType.status).toBe(400);
    expect(unknownType.body.error.details[0]).toMatchObject({ path: expect.stringMatching(/^body\.rules\[\d+\]\.contactType$/), message: expect.stringContaining('one of BILLING') });
    const saved = await ferry.call('PATCH', `/api/v1/integrations/${contacts.id}/mapping`, {
      add: [
        { kind: 'contact_point', contactType: 'BILLING', point: 'phone.HOME', salesforce: 'Phone' },
        { kind: 'contact_point', contactType: 'BILLING', point: 'address.street', salesforce: 'MailingStreet' },
        { kind: 'contact_point', contactType: 'BILLING', point: 'address.locality', salesforce: 'MailingCity' },
        { kind: 'contact_point', contactType: 'BILLING', point: 'address.country', salesforce: 'MailingCountry' },
      ],
    });
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
    const phones = [{ type: 'WORK', number: '+44 20 1000' }, { type: 'HOME', number: '+44 20 2000' }];
    const billing = (await ferry.call('POST', '/api/v1/contacts', { accountId: account.id, lastName: 'Payer', type: 'BILLING', email: 'pay@cp.example', phones, address: { line1: '1 Ledger Lane', line2: 'Floor 2', locality: 'Leeds', country: 'GB' } })).body;
    const other = (await ferry.call('POST', '/api/v1/contacts', { accountId: account.id, lastName: 'Engineer', email: 'eng@cp.example', phones, address: { locality: 'York' } })).body;
    const run = await runNow(contacts.id);
    expect(run).toMatchObject({ status: 'COMPLETE', counts: { sent: 2, failed: 0 } });
    const byId = new Map((await sf(`SELECT Ferry_Id__c, Email, Phone, MailingStreet, MailingCity, MailingCountry FROM Contact WHERE Ferry_Id__c IN ('${billing.id}', '${other.id}')`)).map((c) => [c.Ferry_Id__c, c]));
    expect(byId.get(billing.id)).toMatchObject({ Email: 'pay@cp.example', Phone: '+44 20 2000', MailingStreet: '1 Ledger Lane\nFloor 2', MailingCity: 'Leeds', MailingCountry: 'GB' });
    expect(byId.get(other.id)).toMatchObject({ Email: 'eng@cp.example', Phone: '+44 20 1000', MailingStreet: null, MailingCity: null });
  });
});
