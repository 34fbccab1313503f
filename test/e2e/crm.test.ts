// CRM records from Salesforce (issue 10): accounts, their contacts and their cases read into Ferry
// one way, by the default mappings of the CRM import's field tables.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expireEndedSubscriptions } from '../../src/engine/crm/expiry.ts';
import { oauthLogin } from '../emulator/support.ts';
import { startTestFerry, type TestFerry } from '../ferry.ts';
import { twoWayHelpers } from '../two-way.ts';

let ferry: TestFerry;
let credential: any;
let conn: Awaited<ReturnType<typeof oauthLogin>>;

beforeAll(async () => {
  // Runs start by hand: a background poll could read a change before the test's own run does.
  ferry = await startTestFerry({ incomingCheckMs: 3_600_000 });
  credential = await ferry.credential();
  conn = await oauthLogin(ferry.emulator);
});
afterAll(async () => ferry.stop());

const { must, runNow, syncLog } = twoWayHelpers(() => ferry);

/** An integration that reads one object from Salesforce into Ferry, with its default mapping. */
async function importer(name: string, entityType: string, sync: Record<string, unknown> = {}): Promise<any> {
  const integration = await must('POST', '/api/v1/integrations', {
    name, entityType, credentialId: credential.id, sync: { direction: 'from_salesforce', reader: 'polling', pollIntervalSeconds: 3600, ...sync },
  });
  await runNow(integration.id, 'incoming');
  return integration;
}

/**
 * Switches a test's integrations off when it ends: the tests share one org, and two integrations
 * reading the same object would both take its new records (and race to create them).
 */
async function retire(...integrations: any[]): Promise<void> {
  for (const integration of integrations) await must('POST', `/api/v1/integrations/${integration.id}/disable`, {});
}

/** The Ferry record an incoming integration made of a Salesforce record. */
async function ferryRecordOf(integrationId: string, entity: string, salesforceId: string): Promise<any> {
  const [entry] = await syncLog(integrationId, `&salesforceId=${salesforceId}&outcome=applied`);
  expect(entry, `${salesforceId} was applied`).toBeDefined();
  return must('GET', `/api/v1/${entity}/${entry.entityId}`);
}

describe('CRM import from Salesforce', () => {
  it('reads a selected account by the account table: addresses, phones, website and its domain, description, its Id as code', async () => {
    const accounts = await importer('CRM accounts', 'Account', { importOwners: true });
    // Owners: the admin, whom Ferry knows by e-mail (in another case), and a colleague it does not know.
    const admin = (await conn.query<{ Id: string; Email: string; Name: string }>('SELECT Id, Email, Name FROM User LIMIT 1')).records[0]!;
    const known = await must('POST', '/api/v1/users', { email: admin.Email.toUpperCase(), name: 'Known admin' });
    const colleague = ((await conn.sobject('User').create({ Username: 'rep@crm.example', LastName: 'Rep', FirstName: 'Rita', Email: 'rita.rep@crm.example', Alias: 'rrep' })) as any).id;
    const ticked = (await conn.sobject('Account').create({
      Name: 'Northwind Traders', Ferry_Sync__c: true, Description: 'Wholesale, key account',
      BillingStreet: '1 Harbour Road\nSuite 4', BillingCity: 'Leith', BillingState: 'Edinburgh', BillingPostalCode: 'EH6 6AA', BillingCountry: 'United Kingdom',
      ShippingStreet: 'Dock 9', ShippingCity: 'Rotterdam', ShippingCountry: 'NL',
      Phone: '+44 131 496 0000', Fax: '+44 131 496 0001', Website: 'https://www.Northwind.example.com/contact',
    })) as any;
    const numbered = (await conn.sobject('Account').create({ Name: 'Contoso', AccountNumber: 'CON-1', Ferry_Sync__c: true, Website: 'contoso.example', OwnerId: colleague })) as any;
    const unticked = (await conn.sobject('Account').create({ Name: 'Not a customer', Ferry_Sync__c: false })) as any;
    const run = await runNow(accounts.id, 'incoming');
    expect(run.counts).toMatchObject({ created: 2, failed: 0 });

    expect(await ferryRecordOf(accounts.id, 'accounts', ticked.id)).toMatchObject({
      name: 'Northwind Traders', code: ticked.id, externalKey: ticked.id, description: 'Wholesale, key account',
      address: { line1: '1 Harbour Road', line2: 'Suite 4', locality: 'Leith', region: 'Edinburgh', postCode: 'EH6 6AA', country: 'GB' },
      shippingAddress: { line1: 'Dock 9', locality: 'Rotterdam', country: 'NL' },
      phones: [{ type: 'WORK', number: '+44 131 496 0000' }, { type: 'FAX', number: '+44 131 496 0001' }],
      website: 'https://www.Northwind.example.com/contact', emailDomains: ['northwind.example.com'],
    });
    expect(await ferryRecordOf(accounts.id, 'accounts', numbered.id)).toMatchObject({ name: 'Contoso', code: 'CON-1', emailDomains: ['contoso.example'] });
    // The owner as the account's assigned user: matched by e-mail, or created.
    const northwind = await ferryRecordOf(accounts.id, 'accounts', ticked.id);
    expect(northwind).toMatchObject({ crmOwnerEmail: admin.Email, crmOwnerName: admin.Name, ownerUserId: known.id });
    const contoso = await ferryRecordOf(accounts.id, 'accounts', numbered.id);
    expect(contoso).toMatchObject({ crmOwnerEmail: 'rita.rep@crm.example', crmOwnerName: 'Rita Rep' });
    expect(await must('GET', `/api/v1/users/${contoso.ownerUserId}`)).toMatchObject({ email: 'rita.rep@crm.example', name: 'Rita Rep' });
    expect((await syncLog(accounts.id, `&salesforceId=${unticked.id}`))[0]).toMatchObject({ outcome: 'ignored', reason: expect.stringContaining('Ferry_Sync__c is not checked') });

    // One way: a change in Ferry is not sent back.
    const mine = await ferryRecordOf(accounts.id, 'accounts', numbered.id);
    await must('PATCH', `/api/v1/accounts/${mine.id}`, { name: 'Contoso (Ferry)' });
    expect(((await conn.sobject('Account').retrieve(numbered.id)) as any).Name).toBe('Contoso');
    await retire(accounts);
  });

  it('selects accounts by an account filter on Salesforce fields, and refuses a filter the org cannot run', async () => {
    const accounts = await importer('CRM accounts by filter', 'Account', { accountSelection: { where: "Industry = 'Banking' AND Rating != 'Cold'" } });
    const bank = (await conn.sobject('Account').create({ Name: 'First Bank', Industry: 'Banking', Rating: 'Hot' })) as any;
    const cold = (await conn.sobject('Account').create({ Name: 'Cold Bank', Industry: 'Banking', Rating: 'Cold' })) as any;
    const shop = (await conn.sobject('Account').create({ Name: 'Corner Shop', Industry: 'Retail', Ferry_Sync__c: true })) as any;
    expect((await runNow(accounts.id, 'incoming')).counts).toMatchObject({ created: 1, failed: 0 });
    expect(await ferryRecordOf(accounts.id, 'accounts', bank.id)).toMatchObject({ name: 'First Bank' });
    for (const left of [cold, shop]) {
      expect((await syncLog(accounts.id, `&salesforceId=${left.id}`))[0]).toMatchObject({ outcome: 'ignored', reason: expect.stringContaining('does not meet the account filter') });
    }
    // Warmed up, the account meets the filter and comes in.
    await conn.sobject('Account').update({ Id: cold.id, Rating: 'Warm' });
    expect((await runNow(accounts.id, 'incoming')).counts).toMatchObject({ created: 1, failed: 0 });
    // A filter naming a field the org does not have is refused, saying what Salesforce said.
    const refused = await ferry.call('PATCH', `/api/v1/integrations/${accounts.id}`, { sync: { accountSelection: { where: 'Nope__c = true' } } });
    expect(refused.status).toBe(400);
    expect(refused.body.error.details).toEqual([{ path: 'body.sync.accountSelection', message: expect.stringContaining('Salesforce cannot select accounts with this filter') }]);
    const malformed = await ferry.call('PATCH', `/api/v1/integrations/${accounts.id}`, { sync: { accountSelection: { where: 'Industry = \'Banking\' LIMIT 1' } } });
    expect(malformed.status).toBe(400);
    await retire(accounts);
  });

  it('reads the contacts of synced accounts by the person table, leaves out a malformed e-mail address, and keeps a contact whose account is removed', async () => {
    const accounts = await importer('CRM accounts for contacts', 'Account');
    const contacts = await importer('CRM contacts', 'Contact');
    const account = (await conn.sobject('Account').create({ Name: 'Fabrikam', Ferry_Sync__c: true })) as any;
    await runNow(accounts.id, 'incoming');
    const full = (await conn.sobject('Contact').create({
      AccountId: account.id, Salutation: 'Dr.', FirstName: 'Ada', LastName: 'Byron', Title: 'CFO', Department: 'Finance', Description: 'Prefers e-mail',
      Birthdate: '1980-12-10', Email: 'ada@fabrikam.example',
      Phone: '+1 415 555 0100', MobilePhone: '+1 415 555 0101', HomePhone: '+1 415 555 0102', OtherPhone: '+1 415 555 0103', Fax: '+1 415 555 0104',
      MailingStreet: '5 Market Street', MailingCity: 'San Francisco', MailingState: 'CA', MailingPostalCode: '94105', MailingCountry: 'United States',
      OtherStreet: 'PO Box 7', OtherCity: 'Oakland', OtherCountry: 'US',
    })) as any;
    // Salesforce takes this address; Ferry does not (two dots in a row).
    const malformed = (await conn.sobject('Contact').create({ AccountId: account.id, LastName: 'Dotty', Email: 'jo..dotty@fabrikam.example', Title: 'Buyer' })) as any;
    const run = await runNow(contacts.id, 'incoming');
    expect(run.counts).toMatchObject({ created: 2, failed: 0 });
    const accountInFerry = await ferryRecordOf(accounts.id, 'accounts', account.id);

    const ada = await ferryRecordOf(contacts.id, 'contacts', full.id);
    expect(ada).toMatchObject({
      accountId: accountInFerry.id, salutation: 'Dr.', firstName: 'Ada', lastName: 'Byron', title: 'CFO', department: 'Finance', notes: 'Prefers e-mail',
      birthday: '1980-12-10', email: 'ada@fabrikam.example', externalKey: full.id,
      address: { line1: '5 Market Street', locality: 'San Francisco', region: 'CA', postCode: '94105', country: 'US' },
      otherAddress: { line1: 'PO Box 7', locality: 'Oakland', country: 'US' },
    });
    expect([...ada.phones].sort((x: any, y: any) => x.type.localeCompare(y.type))).toEqual([
      { type: 'FAX', number: '+1 415 555 0104' }, { type: 'HOME', number: '+1 415 555 0102' }, { type: 'MOBILE', number: '+1 415 555 0101' },
      { type: 'OTHER', number: '+1 415 555 0103' }, { type: 'WORK', number: '+1 415 555 0100' },
    ]);

    // The malformed address is left out; the rest of the contact comes in, and the sync log and an event say so.
    const dotty = await ferryRecordOf(contacts.id, 'contacts', malformed.id);
    expect(dotty).toMatchObject({ lastName: 'Dotty', title: 'Buyer' });
    expect(dotty.email).toBeUndefined();
    const [entry] = await syncLog(contacts.id, `&salesforceId=${malformed.id}`);
    expect(entry.reason).toContain('left out email (Salesforce Email "jo..dotty@fabrikam.example"): must be an e-mail address');
    const events = (await must('GET', `/api/v1/events?integrationId=${contacts.id}`)).data;
    expect(events.find((e: any) => e.name === 'integration.incoming_value_left_out.warning' && e.salesforceId === malformed.id)).toMatchObject({ entityId: dotty.id });

    // Removed from its account in Salesforce, the contact keeps syncing; Ferry keeps its account (a contact needs one).
    await conn.sobject('Contact').update({ Id: full.id, AccountId: null, Title: 'CEO' });
    expect((await runNow(contacts.id, 'incoming')).counts).toMatchObject({ updated: 1, failed: 0 });
    expect(await must('GET', `/api/v1/contacts/${ada.id}`)).toMatchObject({ title: 'CEO', accountId: accountInFerry.id });
    const [kept] = await syncLog(contacts.id, `&salesforceId=${full.id}&outcome=applied`);
    expect(kept.reason).toContain('left out accountId (Salesforce AccountId null)');

    // Deleted in Salesforce after syncing: Ferry keeps the contact (salesforceDeletes is ignore by default).
    await conn.sobject('Contact').destroy(malformed.id);
    await runNow(contacts.id, 'incoming');
    expect((await syncLog(contacts.id, `&salesforceId=${malformed.id}`))[0]).toMatchObject({ outcome: 'ignored', reason: expect.stringContaining('deleted in Salesforce: Ferry keeps its record') });
    expect((await must('GET', `/api/v1/contacts/${dotty.id}`)).lastName).toBe('Dotty');
    await retire(accounts, contacts);
  });

  it('reads the cases of synced contacts as tickets, by the ticket table, following account then contact then case', async () => {
    const accounts = await importer('CRM accounts for cases', 'Account');
    const contacts = await importer('CRM contacts for cases', 'Contact');
    const tickets = await importer('CRM tickets', 'Ticket');
    const account = (await conn.sobject('Account').create({ Name: 'Tailspin Toys' })) as any;
    const contact = (await conn.sobject('Contact').create({ AccountId: account.id, LastName: 'Case Opener' })) as any;
    const sfCase = (await conn.sobject('Case').create({
      AccountId: account.id, ContactId: contact.id, Subject: 'Invoice total looks wrong', Description: 'Bill 2026-11 counts usage twice',
      Origin: 'Web', Priority: 'High', Type: 'Problem',
    })) as any;
    const untitled = (await conn.sobject('Case').create({ ContactId: contact.id, Status: 'Escalated' })) as any;
    const orphan = (await conn.sobject('Case').create({ Subject: 'No contact', Origin: 'Phone' })) as any;

    // The account is not selected yet: its contact and cases wait, each saying why.
    await runNow(accounts.id, 'incoming');
    await runNow(contacts.id, 'incoming');
    expect((await runNow(tickets.id, 'incoming')).counts).toMatchObject({ created: 0, failed: 0 });
    expect((await syncLog(tickets.id, `&salesforceId=${sfCase.id}`))[0]).toMatchObject({ outcome: 'ignored', reason: expect.stringContaining('follows its parent') });

    // Ticked: the account comes in, its contact follows, and the contact's cases follow it, each in a run of its own.
    await conn.sobject('Account').update({ Id: account.id, Ferry_Sync__c: true });
    expect((await runNow(accounts.id, 'incoming')).counts.created).toBe(1);
    const followed = await ferry.eventually(async () => {
      const runs = (await must('GET', `/api/v1/runs?integrationId=${tickets.id}`)).data;
      return runs.find((r: any) => r.trigger === 'follow' && r.status === 'COMPLETE');
    });
    expect(followed.counts).toMatchObject({ created: 2, failed: 0 });

    const person = await ferryRecordOf(contacts.id, 'contacts', contact.id);
    const company = await ferryRecordOf(accounts.id, 'accounts', account.id);
    const inSalesforce = (await conn.sobject('Case').retrieve(sfCase.id)) as any;
    const ticket = await ferryRecordOf(tickets.id, 'tickets', sfCase.id);
    expect(ticket).toMatchObject({
      contactId: person.id, accountId: company.id, subject: 'Invoice total looks wrong', description: 'Bill 2026-11 counts usage twice',
      channel: 'Web', priority: 'HIGH', type: 'Problem', status: 'NEW', displayId: inSalesforce.CaseNumber, externalKey: sfCase.id,
      openedAt: new Date(inSalesforce.CreatedDate).toISOString(),
    });
    // As read (Ferry's id written back to the case since is a later change there).
    expect(Date.parse(ticket.lastModifiedAt)).toBeGreaterThanOrEqual(Date.parse(inSalesforce.CreatedDate));
    expect(Date.parse(ticket.lastModifiedAt)).toBeLessThanOrEqual(Date.parse(inSalesforce.LastModifiedDate));
    expect(ticket.resolvedAt).toBeUndefined();
    expect(ticket.resolutionSeconds).toBeUndefined();
    // No subject: named by its number; Escalated is open in Ferry; Salesforce's default priority.
    const numbered = (await conn.sobject('Case').retrieve(untitled.id)) as any;
    expect(await ferryRecordOf(tickets.id, 'tickets', untitled.id)).toMatchObject({ subject: `Case ${numbered.CaseNumber}`, status: 'OPEN', priority: 'MEDIUM' });
    // A case with no contact is not taken.
    expect((await syncLog(tickets.id, `&salesforceId=${orphan.id}`))[0]).toMatchObject({ outcome: 'ignored', reason: expect.stringContaining('follows its parent, and has none: ContactId is empty') });
    // Ferry's id is written to the case.
    expect(((await conn.sobject('Case').retrieve(sfCase.id)) as any).Ferry_Id__c).toBe(ticket.id);

    // Closed in Salesforce: resolved, with the time it took; the contact removed from it, it keeps syncing.
    await conn.sobject('Case').update({ Id: sfCase.id, Status: 'Closed', ContactId: null, Priority: 'Low' });
    // (The other case changed too: Ferry's id was written to it, a change there its lastModifiedAt follows.)
    expect((await runNow(tickets.id, 'incoming')).counts).toMatchObject({ updated: 2, failed: 0 });
    const closed = (await conn.sobject('Case').retrieve(sfCase.id)) as any;
    const resolved = await must('GET', `/api/v1/tickets/${ticket.id}`);
    expect(resolved).toMatchObject({ status: 'CLOSED', priority: 'LOW', resolvedAt: new Date(closed.ClosedDate).toISOString(), accountId: company.id });
    expect(resolved.contactId).toBeUndefined();
    expect(resolved.resolutionSeconds).toBe(Math.floor((Date.parse(closed.ClosedDate) - Date.parse(closed.CreatedDate)) / 1000));
    // Reopened: no longer resolved.
    await conn.sobject('Case').update({ Id: sfCase.id, Status: 'Working' });
    await runNow(tickets.id, 'incoming');
    const reopened = await must('GET', `/api/v1/tickets/${ticket.id}`);
    expect(reopened.status).toBe('OPEN');
    expect(reopened.resolvedAt).toBeUndefined();
    expect(reopened.resolutionSeconds).toBeUndefined();
  });

  it('makes subscriptions of the line items of closed-won deals of synced accounts, and removes them when the deal does', async () => {
    const accounts = await importer('CRM accounts for deals', 'Account');
    const deals = await importer('CRM deals', 'Subscription');
    const sobject = (name: string) => conn.sobject(name);
    const idOf = (result: unknown) => (result as { id: string }).id;
    const account = idOf(await sobject('Account').create({ Name: 'Wingtip', Ferry_Sync__c: true }));
    const later = idOf(await sobject('Account').create({ Name: 'Later customer' }));
    await runNow(accounts.id, 'incoming');
    const monthly = idOf(await sobject('Product2').create({ Name: 'Platform', CanUseRevenueSchedule: true, RevenueScheduleType: 'Divide', RevenueInstallmentPeriod: 'Monthly', NumberOfRevenueInstallments: 12 }));
    const yearly = idOf(await sobject('Product2').create({ Name: 'Support', CanUseRevenueSchedule: true, RevenueScheduleType: 'Repeat', RevenueInstallmentPeriod: 'Yearly', NumberOfRevenueInstallments: 3 }));
    const setup = idOf(await sobject('Product2').create({ Name: 'Onboarding' }));
    const won = idOf(await sobject('Opportunity').create({ Name: 'Wingtip renewal', AccountId: account, StageName: 'Closed Won', CloseDate: '2026-03-15' }));
    const open = idOf(await sobject('Opportunity').create({ Name: 'Wingtip upsell', AccountId: account, StageName: 'Negotiation/Review', CloseDate: '2026-06-30' }));
    const elsewhere = idOf(await sobject('Opportunity').create({ Name: 'Later deal', AccountId: later, StageName: 'Closed Won', CloseDate: '2026-02-01' }));
    const platform = idOf(await sobject('OpportunityLineItem').create({ OpportunityId: won, Product2Id: monthly, Quantity: 2, UnitPrice: 1200, ServiceDate: '2026-04-01' }));
    const onboarding = idOf(await sobject('OpportunityLineItem').create({ OpportunityId: won, Product2Id: setup, Quantity: 1, UnitPrice: 500 }));
    const support = idOf(await sobject('OpportunityLineItem').create({ OpportunityId: won, Product2Id: yearly, Quantity: 1, UnitPrice: 900, ServiceDate: '2020-01-01' }));
    const upsell = idOf(await sobject('OpportunityLineItem').create({ OpportunityId: open, Product2Id: setup, Quantity: 3, UnitPrice: 100 }));
    const waiting = idOf(await sobject('OpportunityLineItem').create({ OpportunityId: elsewhere, Product2Id: setup, Quantity: 1, UnitPrice: 250 }));

    expect((await runNow(deals.id, 'incoming')).counts).toMatchObject({ created: 3, failed: 0 });
    const company = await ferryRecordOf(accounts.id, 'accounts', account);
    // Scheduled monthly: the price shared among the installments, ending 12 months on.
    expect(await ferryRecordOf(deals.id, 'subscriptions', platform)).toMatchObject({
      accountId: company.id, externalKey: platform, name: 'Platform', startDate: '2026-04-01', endDate: '2027-04-01', status: 'ACTIVE', quantity: '2', hasUsage: false,
      oneTimeAmount: '0.00', recurringAmount: '100.00', billingPeriod: 'MONTHLY', currency: 'USD', opportunityId: won, productCode: monthly,
    });
    // No schedule, no service date: a one-time fee from the close date, with no end.
    const fee = await ferryRecordOf(deals.id, 'subscriptions', onboarding);
    expect(fee).toMatchObject({ startDate: '2026-03-15', status: 'ACTIVE', oneTimeAmount: '500.00', recurringAmount: '0.00' });
    expect(fee.endDate).toBeUndefined();
    expect(fee.billingPeriod).toBeUndefined();
    // Yearly, three installments from 2020: ended in 2023, so expired.
    expect(await ferryRecordOf(deals.id, 'subscriptions', support)).toMatchObject({ startDate: '2020-01-01', endDate: '2023-01-01', status: 'EXPIRED', recurringAmount: '300.00', billingPeriod: 'ANNUAL' });
    // Not won yet, or under an account Ferry does not have: not taken, each saying why.
    expect((await syncLog(deals.id, `&salesforceId=${upsell}`))[0]).toMatchObject({ outcome: 'ignored', reason: expect.stringContaining('not Closed Won') });
    expect((await syncLog(deals.id, `&salesforceId=${waiting}`))[0]).toMatchObject({ outcome: 'ignored', reason: expect.stringContaining('follows its parent') });

    // A line item removed from the deal: its subscription goes.
    await sobject('OpportunityLineItem').destroy(onboarding);
    expect((await runNow(deals.id, 'incoming')).counts).toMatchObject({ deleted: 1, failed: 0 });
    expect((await ferry.call('GET', `/api/v1/subscriptions/${fee.id}`)).status).toBe(404);
    // The open deal closes won: its line item comes in, though the line item itself did not change.
    await sobject('Opportunity').update({ Id: open, StageName: 'Closed Won' });
    expect((await runNow(deals.id, 'incoming')).counts).toMatchObject({ created: 1, failed: 0 });
    const upsold = await ferryRecordOf(deals.id, 'subscriptions', upsell);
    expect(upsold).toMatchObject({ quantity: '3', oneTimeAmount: '100.00', startDate: '2026-06-30' });
    // The first deal leaves Closed Won: its subscriptions go.
    await sobject('Opportunity').update({ Id: won, StageName: 'Negotiation/Review' });
    expect((await runNow(deals.id, 'incoming')).counts).toMatchObject({ deleted: 2, failed: 0 });
    const left = (await syncLog(deals.id, `&salesforceId=${platform}&outcome=applied`))[0];
    expect(left.reason).toContain('its opportunity is no longer Closed Won: its subscription is deleted in Ferry');
    // The second deal is deleted: its subscription goes.
    await sobject('Opportunity').destroy(open);
    expect((await runNow(deals.id, 'incoming')).counts).toMatchObject({ deleted: 1, failed: 0 });
    expect((await ferry.call('GET', `/api/v1/subscriptions/${upsold.id}`)).status).toBe(404);

    // The other account is ticked: it comes in, and its won deal's line item follows.
    await sobject('Account').update({ Id: later, Ferry_Sync__c: true });
    await runNow(accounts.id, 'incoming');
    const followed = await ferry.eventually(async () => {
      const runs = (await must('GET', `/api/v1/runs?integrationId=${deals.id}`)).data;
      return runs.find((r: any) => r.trigger === 'follow' && r.status === 'COMPLETE');
    });
    expect(followed.counts).toMatchObject({ created: 1, failed: 0 });
    expect(await ferryRecordOf(deals.id, 'subscriptions', waiting)).toMatchObject({ opportunityId: elsewhere, oneTimeAmount: '250.00' });
    await retire(accounts, deals);
  });

  it('keeps one source of truth for contact data: Salesforce\'s is read and never sent, Ferry\'s sent and never read', async () => {
    const accounts = await importer('Contact data accounts', 'Account');
    const account = (await conn.sobject('Account').create({ Name: 'Source of truth', Ferry_Sync__c: true })) as any;
    await runNow(accounts.id, 'incoming');
    const company = await ferryRecordOf(accounts.id, 'accounts', account.id);
    const twoWay = async (name: string, contactData: string) => {
      const integration = await must('POST', '/api/v1/integrations', {
        name, entityType: 'Contact', credentialId: credential.id, trigger: { onChange: false }, sync: { direction: 'both', reader: 'polling', contactData },
      });
      await runNow(integration.id, 'incoming');
      return integration;
    };

    // Salesforce holds the contact data: a contact made there comes in; Ferry's edits are not sent, Salesforce's are read.
    const fromSalesforce = await twoWay('Contact data from Salesforce', 'salesforce');
    const sfPerson = (await conn.sobject('Contact').create({ AccountId: account.id, LastName: 'Source', Email: 'source@truth.example', Title: 'Buyer' })) as any;
    expect((await runNow(fromSalesforce.id, 'incoming')).counts).toMatchObject({ created: 1, failed: 0 });
    const person = await ferryRecordOf(fromSalesforce.id, 'contacts', sfPerson.id);
    await must('PATCH', `/api/v1/contacts/${person.id}`, { title: 'Changed in Ferry', email: 'ferry@truth.example' });
    await runNow(fromSalesforce.id, 'incremental');
    expect(await conn.sobject('Contact').retrieve(sfPerson.id)).toMatchObject({ Title: 'Buyer', Email: 'source@truth.example' });
    await conn.sobject('Contact').update({ Id: sfPerson.id, Email: 'new@truth.example' });
    await runNow(fromSalesforce.id, 'incoming');
    expect(await must('GET', `/api/v1/contacts/${person.id}`)).toMatchObject({ email: 'new@truth.example' });
    await retire(fromSalesforce);

    // Ferry holds it: a contact made in Ferry goes with its data; a Salesforce edit is not read, Ferry's is sent.
    const fromFerry = await twoWay('Contact data from Ferry', 'ferry');
    const mine = await must('POST', '/api/v1/contacts', { accountId: company.id, lastName: 'Billing', firstName: 'Bea', email: 'bea@truth.example', title: 'AP clerk' });
    expect((await runNow(fromFerry.id, 'incremental')).counts).toMatchObject({ created: 1, failed: 0 });
    const [sfMine] = (await conn.query<any>(`SELECT Id, LastName, Email, Title FROM Contact WHERE Ferry_Id__c = '${mine.id}'`)).records;
    expect(sfMine).toMatchObject({ LastName: 'Billing', Email: 'bea@truth.example', Title: 'AP clerk' });
    await conn.sobject('Contact').update({ Id: sfMine.Id, Title: 'Changed in Salesforce' });
    await runNow(fromFerry.id, 'incoming');
    expect((await must('GET', `/api/v1/contacts/${mine.id}`)).title).toBe('AP clerk');
    await must('PATCH', `/api/v1/contacts/${mine.id}`, { title: 'AP lead' });
    await runNow(fromFerry.id, 'incremental');
    expect(await conn.sobject('Contact').retrieve(sfMine.Id)).toMatchObject({ Title: 'AP lead' });
    await retire(accounts, fromFerry);
  });

  it('expires a subscription the day its end comes, with no sync, as the engine\'s tick does', async () => {
    const account = await must('POST', '/api/v1/accounts', { code: 'CRM-EXPIRY', name: 'Expiring customer' });
    const ending = await must('POST', '/api/v1/subscriptions', { accountId: account.id, name: 'Pilot', startDate: '2099-01-01', endDate: '2099-03-01', currency: 'USD' });
    const running = await must('POST', '/api/v1/subscriptions', { accountId: account.id, name: 'Main', startDate: '2099-01-01', endDate: '2099-03-02', currency: 'USD' });
    expect(ending.status).toBe('ACTIVE');
    // The tick on 1 March (years on, so the engine's own ticks leave these alone): the pilot ends
    // that day; the main one runs one more.
    expect(await expireEndedSubscriptions(ferry.db, ferry.engine.store, new Date('2099-03-01T00:00:30Z'))).toBe(1);
    expect((await must('GET', `/api/v1/subscriptions/${ending.id}`)).status).toBe('EXPIRED');
    expect((await must('GET', `/api/v1/subscriptions/${running.id}`)).status).toBe('ACTIVE');
    // The journal says who changed it.
    const changes = (await must('GET', `/api/v1/changes?entity=subscriptions&limit=1000`)).changes.filter((c: any) => c.entityId === ending.id);
    expect(changes.at(-1)).toMatchObject({ operation: 'update', origin: 'system' });
  });

  it('refuses a Subscription integration that would send, with the path and the fix', async () => {
    const refused = await ferry.call('POST', '/api/v1/integrations', { name: 'Deals out', entityType: 'Subscription', credentialId: credential.id });
    expect(refused.status).toBe(400);
    expect(refused.body.error.details).toContainEqual(expect.objectContaining({ path: 'body.sync.direction', message: expect.stringContaining('from_salesforce') }));
  });
});
