import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SFDX_PROJECT } from '../../src/emulator/index.ts';
import { startTestFerry, type TestFerry } from '../ferry.ts';
import { oauthLogin } from '../emulator/support.ts';
import { twoWayHelpers } from '../two-way.ts';

// A reconciliation brings the people of matched accounts into Ferry: the Account's owner as the
// assigned user, and (with Salesforce as the source of contact data) the Account's contacts, which
// replace the Ferry contacts of those accounts. Contact data comes from one source at a time.

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
  ferryToSource: { field: 'externalKey' },
  fields: [{ name: 'name', ferry: 'name', salesforce: 'Name', source: 'company' }, { name: 'owner', ferry: 'owner.email', salesforce: 'Owner.Email' }],
};

const contactsOf = async (accountId: string) =>
  ((await must('GET', `/api/v1/contacts?accountId=${accountId}&limit=100`)).data as any[]).map((c) => ({ email: c.email, firstName: c.firstName, lastName: c.lastName, title: c.title, phones: c.phones })).sort((a, b) => String(a.email).localeCompare(String(b.email)));

describe('the people of matched accounts', () => {
  const ids = new Map<string, string>();
  const sf = new Map<string, string>();
  let reconciliation: any;
  let contactIntegration: any;

  it('keeps contact data to one source: a reconciliation that imports contacts is refused while a Contact integration sends Ferry\'s to Salesforce, and the other way round', async () => {
    const delivery = await must('POST', '/api/v1/integrations', { name: 'Accounts', entityType: 'Account', credentialId: credential.id, trigger: { onChange: false } });
    for (const [code, name] of [['P1', 'Alpha Limited'], ['P2', 'Beta GmbH']]) ids.set(code!, (await must('POST', '/api/v1/accounts', { code, name, externalKey: `cus_${code}` })).id);
    expect((await runNow(delivery.id, 'incremental')).counts.created).toBe(2);
    ids.set('P3', (await must('POST', '/api/v1/accounts', { code: 'P3', name: 'Gamma Inc' })).id);
    for (const code of ['P1', 'P2']) sf.set(code, (await conn.query<any>(`SELECT Id FROM Account WHERE AccountNumber = '${code}'`)).records[0].Id);

    contactIntegration = await must('POST', '/api/v1/integrations', { name: 'Contacts out', entityType: 'Contact', credentialId: credential.id, trigger: { onChange: false } });
    const refused = await ferry.call('POST', '/api/v1/integrations', { name: 'Customers', entityType: 'Reconciliation', credentialId: credential.id, reconciliation: { ...CONFIG, contactSource: 'salesforce' } });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({
      message: 'Contact data would come from two sources; nothing was saved.',
      details: [{ path: 'body.reconciliation.contactSource', message: expect.stringContaining(`the Contact integration "Contacts out" (${contactIntegration.id}) sends Ferry's contacts to Salesforce; set its sync.contactData to "salesforce" or disable it first`) }],
    });
    expect((await must('GET', '/api/v1/integrations?entityType=Reconciliation')).data).toEqual([]);
    // A field of a record the Account looks up is checked too: the lookup, then its field.
    const lookups = await ferry.call('POST', '/api/v1/integrations', {
      name: 'Customers', entityType: 'Reconciliation', credentialId: credential.id,
      reconciliation: { ...CONFIG, fields: [{ name: 'owner', ferry: 'owner.email', salesforce: 'Owner.Emial' }, { name: 'creator', ferry: 'owner.name', salesforce: 'Creator.Name' }] },
    });
    expect(lookups.body.error.details).toEqual([
      { path: 'body.reconciliation.fields[0].salesforce', message: expect.stringMatching(/^User \(Account's Owner\) has no field Emial; its fields: .*Email/) },
      { path: 'body.reconciliation.fields[1].salesforce', message: expect.stringMatching(/^Account has no lookup named Creator in the credential's org; its lookups: .*Owner/) },
    ]);

    // Contacts from Ferry for now; the owner as assigned user from the start.
    reconciliation = await must('POST', '/api/v1/integrations', { name: 'Customers', entityType: 'Reconciliation', credentialId: credential.id, reconciliation: { ...CONFIG, importOwners: true } });
    expect(reconciliation.reconciliation).toMatchObject({ contactSource: 'ferry', importOwners: true });
    const switchNow = await ferry.call('PATCH', `/api/v1/integrations/${reconciliation.id}`, { reconciliation: { contactSource: 'salesforce' } });
    expect(switchNow.body.error.details).toEqual([{ path: 'body.reconciliation.contactSource', message: expect.stringContaining('"Contacts out"') }]);
    // The preview says the same before anything is tried.
    const preview = await must('GET', `/api/v1/integrations/${reconciliation.id}/reconciliation/contact-source?to=salesforce`);
    expect(preview).toMatchObject({ current: 'ferry', to: 'salesforce', matchedAccounts: null, ferryContacts: null, importedContacts: 0, conflicts: [{ path: ['reconciliation', 'contactSource'] }] });
    expect(preview.message).toMatch(/No run has matched accounts yet.*The switch is refused while/);
    const wrong = await ferry.call('GET', `/api/v1/integrations/${reconciliation.id}/reconciliation/contact-source?to=billing`);
    expect(wrong.body.error.details).toEqual([{ path: 'query.to', message: 'must be one of ferry, salesforce' }]);

    await must('POST', `/api/v1/integrations/${contactIntegration.id}/disable`);
  });

  it('says what switching to Salesforce replaces, then makes the matched accounts\' contacts those of Salesforce and the owner their assigned user', async () => {
    // Ferry's contacts: Jane (Salesforce has her, by e-mail in another case), one Salesforce lacks,
    // and one of an account Salesforce does not have (left alone).
    await must('POST', '/api/v1/contacts', { accountId: ids.get('P1'), firstName: 'Jane', lastName: 'Old', title: 'Accountant', email: 'JANE@alpha.test', phones: [{ type: 'HOME', number: '+1 555 0100' }] });
    await must('POST', '/api/v1/contacts', { accountId: ids.get('P1'), lastName: 'Gone', email: 'gone@alpha.test' });
    await must('POST', '/api/v1/contacts', { accountId: ids.get('P3'), lastName: 'Kept', email: 'kept@gamma.test' });
    // Salesforce: the owners (the admin on P1, a colleague Ferry does not know on P2) and contacts.
    const admin = (await conn.query<{ Id: string; Email: string; Name: string }>('SELECT Id, Email, Name FROM User LIMIT 1')).records[0]!;
    const colleague = ((await conn.sobject('User').create({ Username: 'owner@recon.example', FirstName: 'Olga', LastName: 'Owner', Email: 'olga.owner@recon.example', Alias: 'oown' })) as any).id;
    await conn.sobject('Account').update({ Id: sf.get('P2')!, OwnerId: colleague });
    const jane = ((await conn.sobject('Contact').create({ AccountId: sf.get('P1')!, FirstName: 'Jane', LastName: 'Doe', Title: 'CFO', Email: 'jane@alpha.test', Phone: '+1 555 0101' })) as any).id;
    const bob = ((await conn.sobject('Contact').create({ AccountId: sf.get('P1')!, FirstName: 'Bob', LastName: 'Stone', Title: 'Controller', Email: 'bob@alpha.test', MobilePhone: '+1 555 0199' })) as any).id;
    await conn.sobject('Contact').create({ AccountId: sf.get('P2')!, FirstName: 'Carol', LastName: 'Meyer', Title: 'Head of Finance', Email: 'carol@beta.test' });
    await conn.sobject('Contact').create({ LastName: 'No account', Email: 'loose@nowhere.test' });
    await must('PUT', `/api/v1/integrations/${reconciliation.id}/reconciliation/file`, { format: 'csv', content: 'id,company\ncus_P1,Alpha Limited\n' });

    // The first run: the owners come in; contacts stay Ferry's.
    const first = await runNow(reconciliation.id, 'full');
    expect(first, JSON.stringify(first)).toMatchObject({ status: 'COMPLETE' });
    let report = (await must('GET', `/api/v1/integrations/${reconciliation.id}/reconciliation`)).report;
    expect(report.summary.counts).toMatchObject({ all_three: 1, salesforce_ferry: 1, ferry_only: 1 });
    // Compared before the owners came in: each matched account's owner differs (none in Ferry yet).
    const owners = (await must('GET', `/api/v1/integrations/${reconciliation.id}/reconciliation/items?limit=100`)).data.filter((i: any) => i.differences.length > 0);
    expect(owners.map((i: any) => i.differences).sort((a: any, b: any) => a[0].salesforce.localeCompare(b[0].salesforce))).toEqual([
      [{ field: 'owner', ferry: null, salesforce: admin.Email, dismissed: false }], [{ field: 'owner', ferry: null, salesforce: 'olga.owner@recon.example', dismissed: false }],
    ].sort((a, b) => a[0]!.salesforce.localeCompare(b[0]!.salesforce)));
    expect(report.summary.people).toEqual({ owners: { assigned: 2, unchanged: 0, withoutOwner: 0, refused: 0 } });
    const users = (await must('GET', '/api/v1/users?limit=100')).data as any[];
    const adminUser = users.find((u) => u.email.toLowerCase() === admin.Email.toLowerCase());
    const olga = users.find((u) => u.email === 'olga.owner@recon.example');
    expect(olga).toMatchObject({ name: 'Olga Owner' });
    expect((await must('GET', `/api/v1/accounts/${ids.get('P1')}`)).ownerUserId).toBe(adminUser.id);
    expect((await must('GET', `/api/v1/accounts/${ids.get('P2')}`)).ownerUserId).toBe(olga.id);
    expect((await must('GET', `/api/v1/accounts/${ids.get('P3')}`)).ownerUserId).toBeUndefined();
    expect((await contactsOf(ids.get('P1')!)).map((c) => c.email)).toEqual(['gone@alpha.test', 'JANE@alpha.test']);

    // Switching says what it replaces, from the latest report: two matched accounts, two contacts.
    await must('PATCH', `/api/v1/integrations/${contactIntegration.id}`, { sync: { contactData: 'salesforce' } });
    const preview = await must('GET', `/api/v1/integrations/${reconciliation.id}/reconciliation/contact-source?to=salesforce`);
    expect(preview).toMatchObject({ current: 'ferry', to: 'salesforce', matchedAccounts: 2, ferryContacts: 2, importedContacts: 0, conflicts: [] });
    expect(preview.message).toContain('the contacts of the 2 matched account(s) of the latest report become those of Salesforce: of their 2 Ferry contact(s)');
    // Enabling the Contact integration again is fine now that it only reads contact fields.
    await must('POST', `/api/v1/integrations/${contactIntegration.id}/enable`);
    await must('PATCH', `/api/v1/integrations/${reconciliation.id}`, { reconciliation: { contactSource: 'salesforce' } });
    const events = (await must('GET', `/api/v1/events?integrationId=${reconciliation.id}&name=integration.contact_source.changed`)).data;
    expect(events).toEqual([expect.objectContaining({ message: expect.stringMatching(/^Contact data now comes from Salesforce \(it came from Ferry\)\. From the next run, the contacts of the 2 matched account/) })]);
    // Now a Contact integration that sends Ferry's contacts cannot be switched back on that way.
    const back = await ferry.call('PATCH', `/api/v1/integrations/${contactIntegration.id}`, { sync: { contactData: 'ferry' } });
    expect(back.body.error.details).toEqual([{ path: 'body.sync.contactData', message: expect.stringContaining(`the reconciliation "Customers" (${reconciliation.id}) imports contacts from Salesforce`) }]);

    const second = await runNow(reconciliation.id, 'full');
    expect(second, JSON.stringify(second)).toMatchObject({ status: 'COMPLETE' });
    report = (await must('GET', `/api/v1/integrations/${reconciliation.id}/reconciliation`)).report;
    expect(report.summary.people).toEqual({
      owners: { assigned: 0, unchanged: 2, withoutOwner: 0, refused: 0 },
      contacts: { read: 3, created: 2, updated: 1, unchanged: 0, removed: 1, refused: 0 },
    });
    // Now the assigned users are the owners: no difference left.
    expect(report.summary.withDifferences).toBe(0);
    // Jane keeps her Ferry id, with Salesforce's values (her home phone replaced); Bob is new; the
    // contact Salesforce lacks is gone; the unmatched account's contact is untouched.
    expect(await contactsOf(ids.get('P1')!)).toEqual([
      { email: 'bob@alpha.test', firstName: 'Bob', lastName: 'Stone', title: 'Controller', phones: [{ type: 'MOBILE', number: '+1 555 0199' }] },
      { email: 'jane@alpha.test', firstName: 'Jane', lastName: 'Doe', title: 'CFO', phones: [{ type: 'WORK', number: '+1 555 0101' }] },
    ]);
    expect(await contactsOf(ids.get('P2')!)).toEqual([{ email: 'carol@beta.test', firstName: 'Carol', lastName: 'Meyer', title: 'Head of Finance', phones: undefined }]);
    expect((await contactsOf(ids.get('P3')!)).map((c) => c.email)).toEqual(['kept@gamma.test']);
    // Each imported contact names its Salesforce contact by an external mapping of the reconciliation.
    const mappings = (await must('GET', `/api/v1/external-mappings?integrationId=${reconciliation.id}&limit=100`)).data as any[];
    expect(mappings.map((m) => [m.externalSystem, m.externalTable, m.entity]).sort()).toEqual(Array(3).fill(['salesforce', 'Contact', 'contacts']));
    expect(mappings.map((m) => m.externalId)).toEqual(expect.arrayContaining([jane, bob]));

    // Salesforce changes: Jane is promoted, Bob leaves. The next run follows, and changes nothing
    // else; read by Bulk API queries this time (their CSV names the owner's fields flat).
    await conn.sobject('Contact').update({ Id: jane, Title: 'CEO' });
    await conn.sobject('Contact').destroy(bob);
    await must('PATCH', `/api/v1/integrations/${reconciliation.id}`, { delivery: { bulkThreshold: 1 } });
    const third = await runNow(reconciliation.id, 'full');
    expect(third.status).toBe('COMPLETE');
    const calls = (await must('GET', `/api/v1/request-logs?runId=${third.id}&limit=100`)).data as any[];
    expect(calls.filter((c) => c.operation === 'bulk_open').map((c) => c.object).sort()).toEqual(['Account', 'Contact']);
    report = (await must('GET', `/api/v1/integrations/${reconciliation.id}/reconciliation`)).report;
    expect(report.summary.people).toEqual({
      owners: { assigned: 0, unchanged: 2, withoutOwner: 0, refused: 0 },
      contacts: { read: 2, created: 0, updated: 1, unchanged: 1, removed: 1, refused: 0 },
    });
    expect(report.summary.withDifferences).toBe(0);
    expect((await contactsOf(ids.get('P1')!)).map((c) => [c.email, c.title])).toEqual([['jane@alpha.test', 'CEO']]);
    expect((await must('GET', `/api/v1/external-mappings?integrationId=${reconciliation.id}&limit=100`)).data).toHaveLength(2);
  });

  it('switching back to Ferry keeps the imported contacts and stops changing them', async () => {
    const preview = await must('GET', `/api/v1/integrations/${reconciliation.id}/reconciliation/contact-source?to=ferry`);
    expect(preview).toMatchObject({ current: 'salesforce', to: 'ferry', importedContacts: 2 });
    expect(preview.message).toContain('the 2 contact(s) imported from Salesforce stay as they are');
    await must('PATCH', `/api/v1/integrations/${reconciliation.id}`, { reconciliation: { contactSource: 'ferry', importOwners: false } });
    await must('POST', '/api/v1/contacts', { accountId: ids.get('P1'), lastName: 'Added in Ferry', email: 'new@alpha.test' });
    const run = await runNow(reconciliation.id, 'full');
    expect(run.status).toBe('COMPLETE');
    const report = (await must('GET', `/api/v1/integrations/${reconciliation.id}/reconciliation`)).report;
    expect(report.summary.people).toBeUndefined();
    expect((await contactsOf(ids.get('P1')!)).map((c) => c.email)).toEqual(['jane@alpha.test', 'new@alpha.test']);
    const events = (await must('GET', `/api/v1/events?integrationId=${reconciliation.id}&name=integration.contact_source.changed`)).data;
    expect(events.map((e: any) => e.message.split('.')[0])).toEqual(expect.arrayContaining(['Contact data now comes from Ferry (it came from Salesforce)', 'Contact data now comes from Salesforce (it came from Ferry)']));
  });
});
