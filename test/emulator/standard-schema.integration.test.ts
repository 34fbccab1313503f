// The standard schema a Developer Edition org describes: fields, compound addresses, activities
// (Task, Event, their polymorphic Who/What and the ActivityHistories/OpenActivities views).
import type { DescribeSObjectResult, Field } from 'jsforce';
import { describe, expect, it } from 'vitest';
import { API_VERSION, failure, raw, useEmulator } from './support.ts';

const ctx = useEmulator();

async function fieldsOf(objectName: string): Promise<Map<string, Field>> {
  const described: DescribeSObjectResult = await ctx.conn.sobject(objectName).describe();
  return new Map(described.fields.map((f) => [f.name, f]));
}

/** Creates one record through jsforce, failing the test with Salesforce's errors if it is refused. */
async function create(objectName: string, record: Record<string, unknown>): Promise<string> {
  const result = await ctx.conn.sobject(objectName).create(record);
  if (!result.success) throw new Error(`${objectName} not created: ${JSON.stringify(result.errors)}`);
  return result.id;
}

function seed(records: Record<string, unknown>[]): string[] {
  return ctx.emu.controls.seed(records).map((r) => r.id ?? '');
}

const DAY = 86_400_000;

describe('describe of the standard objects', () => {
  // [field, type, length (0 for non-text), createable, updateable]
  const expected: Record<string, [string, string, number, boolean, boolean][]> = {
    Account: [
      ['Sic', 'string', 20, true, true],
      ['SicDesc', 'string', 80, true, true],
      ['Ownership', 'picklist', 255, true, true],
      ['TickerSymbol', 'string', 20, true, true],
      ['AccountSource', 'picklist', 255, true, true],
      ['Jigsaw', 'string', 20, true, true],
      ['JigsawCompanyId', 'string', 20, false, false],
      ['LastActivityDate', 'date', 0, false, false],
      ['LastViewedDate', 'datetime', 0, false, false],
      ['LastReferencedDate', 'datetime', 0, false, false],
      ['PhotoUrl', 'url', 255, false, false],
      ['Tradestyle', 'string', 255, true, true],
      ['NaicsCode', 'string', 8, true, true],
      ['YearStarted', 'string', 4, true, true],
      ['DunsNumber', 'string', 9, true, true],
      ['CleanStatus', 'picklist', 40, true, true],
      ['Description', 'textarea', 32000, true, true],
      ['MasterRecordId', 'reference', 18, false, false],
      ['BillingAddress', 'address', 0, false, false],
      ['ShippingAddress', 'address', 0, false, false],
      ['BillingLatitude', 'double', 0, true, true],
      ['ShippingGeocodeAccuracy', 'picklist', 40, true, true],
    ],
    Contact: [
      ['AssistantName', 'string', 40, true, true],
      ['AssistantPhone', 'phone', 40, true, true],
      ['EmailBouncedDate', 'datetime', 0, true, true],
      ['EmailBouncedReason', 'string', 255, true, true],
      ['IsEmailBounced', 'boolean', 0, false, false],
      ['LastCURequestDate', 'datetime', 0, false, false],
      ['LastCUUpdateDate', 'datetime', 0, false, false],
      ['JigsawContactId', 'string', 20, false, false],
      ['MailingAddress', 'address', 0, false, false],
      ['OtherAddress', 'address', 0, false, false],
      ['MasterRecordId', 'reference', 18, false, false],
    ],
    Lead: [
      ['Address', 'address', 0, false, false],
      ['Latitude', 'double', 0, true, true],
      ['ConvertedDate', 'date', 0, false, false],
      ['MasterRecordId', 'reference', 18, false, false],
      ['CompanyDunsNumber', 'string', 9, true, true],
      ['IsUnreadByOwner', 'boolean', 0, true, true],
      ['Website', 'url', 255, true, true],
    ],
    Opportunity: [
      ['ExpectedRevenue', 'currency', 0, false, false],
      ['ForecastCategoryName', 'picklist', 255, true, true],
      ['ForecastCategory', 'picklist', 255, false, false],
      ['FiscalYear', 'int', 0, false, false],
      ['Fiscal', 'string', 6, false, false],
      ['TotalOpportunityQuantity', 'double', 0, true, true],
      ['IsPrivate', 'boolean', 0, true, true],
      ['ContactId', 'reference', 18, true, true],
      ['HasOpportunityLineItem', 'boolean', 0, false, false],
    ],
    Case: [
      ['SuppliedPhone', 'string', 40, true, true],
      ['SuppliedCompany', 'string', 80, true, true],
      ['ContactEmail', 'email', 80, false, false],
      ['IsEscalated', 'boolean', 0, true, true],
      ['ParentId', 'reference', 18, true, true],
      ['Comments', 'textarea', 4000, true, true],
    ],
    Task: [
      ['WhoId', 'reference', 18, true, true],
      ['WhatId', 'reference', 18, true, true],
      ['Subject', 'combobox', 255, true, true],
      ['ActivityDate', 'date', 0, true, true],
      ['Status', 'picklist', 255, true, true],
      ['Priority', 'picklist', 255, true, true],
      ['IsClosed', 'boolean', 0, false, false],
      ['AccountId', 'reference', 18, false, false],
      ['TaskSubtype', 'picklist', 255, true, false],
    ],
    Event: [
      ['StartDateTime', 'datetime', 0, true, true],
      ['EndDateTime', 'datetime', 0, true, true],
      ['DurationInMinutes', 'int', 0, true, true],
      ['IsAllDayEvent', 'boolean', 0, true, true],
      ['Location', 'string', 255, true, true],
      ['ShowAs', 'picklist', 255, true, true],
    ],
    User: [
      ['Address', 'address', 0, false, false],
      ['MiddleName', 'string', 40, true, true],
      ['ManagerId', 'reference', 18, true, true],
      ['FederationIdentifier', 'string', 512, true, true],
      ['LastLoginDate', 'datetime', 0, false, false],
    ],
    Product2: [
      ['DisplayUrl', 'url', 1000, true, true],
      ['IsArchived', 'boolean', 0, false, false],
      ['QuantityScheduleType', 'picklist', 255, true, true],
      ['LastViewedDate', 'datetime', 0, false, false],
    ],
  };

  for (const [objectName, fields] of Object.entries(expected)) {
    it(`describes ${objectName}'s standard fields with their types, lengths and access`, async () => {
      const described = await fieldsOf(objectName);
      for (const [name, type, length, createable, updateable] of fields) {
        const field = described.get(name);
        expect(field, `${objectName}.${name}`).toBeDefined();
        expect({ name, type: field?.type, length: field?.length, createable: field?.createable, updateable: field?.updateable }).toEqual({ name, type, length, createable, updateable });
      }
    });
  }

  it('describes compound addresses and their parts as a real org does', async () => {
    const account = await fieldsOf('Account');
    expect(account.get('BillingAddress')).toMatchObject({ type: 'address', soapType: 'urn:address', nillable: true, compoundFieldName: null, sortable: false, groupable: false, label: 'Billing Address' });
    expect(account.get('BillingStreet')).toMatchObject({ type: 'textarea', length: 255, compoundFieldName: 'BillingAddress', extraTypeInfo: 'plaintextarea', label: 'Billing Street' });
    expect(account.get('BillingPostalCode')).toMatchObject({ length: 20, compoundFieldName: 'BillingAddress', label: 'Billing Zip/Postal Code' });
    expect(account.get('BillingLatitude')).toMatchObject({ precision: 18, scale: 15, compoundFieldName: 'BillingAddress' });
    expect(account.get('BillingGeocodeAccuracy')).toMatchObject({ restrictedPicklist: true, compoundFieldName: 'BillingAddress' });
    expect(account.get('BillingGeocodeAccuracy')?.picklistValues?.map((p) => p.value)).toEqual(['Address', 'NearAddress', 'Block', 'Street', 'ExtendedZip', 'Zip', 'Neighborhood', 'City', 'County', 'State', 'Unknown']);
    expect(account.get('MasterRecordId')).toMatchObject({ referenceTo: ['Account'], relationshipName: 'MasterRecord', nillable: true });
    expect(account.get('Ownership')?.picklistValues?.map((p) => p.value)).toEqual(['Public', 'Private', 'Subsidiary', 'Other']);
    expect(account.get('CleanStatus')?.picklistValues?.find((p) => p.value === 'Matched')?.label).toBe('In Sync');
    const contact = await fieldsOf('Contact');
    expect(contact.get('MailingCity')).toMatchObject({ compoundFieldName: 'MailingAddress', label: 'Mailing City' });
    expect(contact.get('FirstName')).toMatchObject({ compoundFieldName: 'Name' });
    const lead = await fieldsOf('Lead');
    expect(lead.get('Street')).toMatchObject({ compoundFieldName: 'Address', label: 'Street' });
  });

  it('describes Task and Event lookups as polymorphic Who and What, and the parents list them', async () => {
    const task = await fieldsOf('Task');
    expect(task.get('WhoId')).toMatchObject({ referenceTo: ['Contact', 'Lead'], relationshipName: 'Who', polymorphicForeignKey: true });
    expect(task.get('WhatId')).toMatchObject({ relationshipName: 'What', polymorphicForeignKey: true });
    expect(task.get('WhatId')?.referenceTo).toEqual(expect.arrayContaining(['Account', 'Opportunity', 'Case']));
    expect(task.get('Status')?.picklistValues?.map((p) => p.value)).toEqual(['Not Started', 'In Progress', 'Completed', 'Waiting on someone else', 'Deferred']);
    const account = await ctx.conn.sobject('Account').describe();
    const byName = (name: string): unknown => account.childRelationships.find((r) => r.relationshipName === name);
    expect(byName('Tasks')).toMatchObject({ childSObject: 'Task', field: 'WhatId' });
    expect(byName('Events')).toMatchObject({ childSObject: 'Event', field: 'WhatId' });
    expect(byName('ActivityHistories')).toMatchObject({ childSObject: 'ActivityHistory', field: 'AccountId' });
    expect(byName('OpenActivities')).toMatchObject({ childSObject: 'OpenActivity', field: 'AccountId' });
    expect(account.childRelationships.filter((r) => r.relationshipName === 'ActivityHistories')).toHaveLength(1);
    const contact = await ctx.conn.sobject('Contact').describe();
    expect(contact.childRelationships.find((r) => r.relationshipName === 'Tasks')).toMatchObject({ childSObject: 'Task', field: 'WhoId' });
    const global = await ctx.conn.describeGlobal();
    expect(global.sobjects.find((o) => o.name === 'Task')).toMatchObject({ keyPrefix: '00T', createable: true });
    expect(global.sobjects.find((o) => o.name === 'Event')).toMatchObject({ keyPrefix: '00U', createable: true });
    expect(global.sobjects.find((o) => o.name === 'ActivityHistory')).toMatchObject({ keyPrefix: null, createable: false, updateable: false, deletable: false });
  });
});

describe('compound address fields', () => {
  it('reads BillingAddress through SOQL and REST as an address object, null when every part is empty', async () => {
    const [acme, empty] = seed([
      { attributes: { type: 'Account' }, Name: 'Acme', BillingStreet: '1 Market St', BillingCity: 'San Francisco', BillingState: 'CA', BillingPostalCode: '94105', BillingCountry: 'USA', BillingLatitude: 37.7946, BillingLongitude: -122.3947 },
      { attributes: { type: 'Account' }, Name: 'Nowhere' },
    ]);
    const result = await ctx.conn.query<Record<string, unknown>>('SELECT Name, BillingAddress, ShippingAddress FROM Account ORDER BY Name');
    expect(result.records[0]).toMatchObject({
      Name: 'Acme',
      BillingAddress: { city: 'San Francisco', country: 'USA', geocodeAccuracy: null, latitude: 37.7946, longitude: -122.3947, postalCode: '94105', state: 'CA', street: '1 Market St' },
      ShippingAddress: null,
    });
    expect(result.records[1]).toMatchObject({ Name: 'Nowhere', BillingAddress: null });
    const record = await ctx.conn.sobject('Account').retrieve(acme ?? '');
    expect((record as Record<string, unknown>)['BillingAddress']).toMatchObject({ city: 'San Francisco', street: '1 Market St' });
    expect((record as Record<string, unknown>)['BillingCity']).toBe('San Francisco');
    const all = await ctx.conn.query<Record<string, unknown>>(`SELECT FIELDS(ALL) FROM Account WHERE Id = '${empty ?? ''}' LIMIT 1`);
    expect(all.records[0]).toHaveProperty('BillingAddress', null);
    const contact = seed([{ attributes: { type: 'Contact' }, LastName: 'Lee', MailingCity: 'Leeds' }]);
    const byParent = await ctx.conn.query<Record<string, unknown>>(`SELECT MailingAddress, OtherAddress FROM Contact WHERE Id = '${contact[0] ?? ''}'`);
    expect(byParent.records[0]).toMatchObject({ MailingAddress: { city: 'Leeds', street: null }, OtherAddress: null });
    const lead = seed([{ attributes: { type: 'Lead' }, LastName: 'Lo', Company: 'Lo Inc', Country: 'France' }]);
    const leadRow = await ctx.conn.query<Record<string, unknown>>(`SELECT Address, Owner.Address FROM Lead WHERE Id = '${lead[0] ?? ''}'`);
    expect(leadRow.records[0]).toMatchObject({ Address: { country: 'France' }, Owner: { Address: null } });
  });

  it('refuses to write BillingAddress, on create and on update, and changes nothing', async () => {
    const created = await failure(ctx.conn.sobject('Account').create({ Name: 'Wrote compound', BillingAddress: { city: 'Paris' } }));
    expect(created.errorCode).toBe('INVALID_FIELD_FOR_INSERT_UPDATE');
    expect(created.message).toContain('BillingAddress');
    expect((await ctx.conn.query("SELECT Id FROM Account WHERE Name = 'Wrote compound'")).totalSize).toBe(0);
    const [id] = seed([{ attributes: { type: 'Account' }, Name: 'Kept', BillingCity: 'Lyon' }]);
    const updated = await raw(ctx.conn, 'PATCH', `/sobjects/Account/${id ?? ''}`, { BillingAddress: { city: 'Paris' }, Name: 'Renamed' });
    expect(updated.status).toBe(400);
    expect(updated.body).toEqual([expect.objectContaining({ errorCode: 'INVALID_FIELD_FOR_INSERT_UPDATE', fields: ['BillingAddress'] })]);
    const after = await ctx.conn.query<Record<string, unknown>>(`SELECT Name, BillingCity, BillingAddress FROM Account WHERE Id = '${id ?? ''}'`);
    expect(after.records[0]).toMatchObject({ Name: 'Kept', BillingCity: 'Lyon', BillingAddress: { city: 'Lyon' } });
  });

  it('refuses a compound address in WHERE and ORDER BY, and a bad geocode accuracy', async () => {
    const filtered = await failure(ctx.conn.query("SELECT Id FROM Account WHERE BillingAddress = 'x'"));
    expect(filtered.errorCode).toBe('INVALID_FIELD');
    expect(filtered.message).toContain("field 'BillingAddress' can not be filtered in query call");
    const sorted = await failure(ctx.conn.query('SELECT Id FROM Account ORDER BY BillingAddress'));
    expect(sorted.errorCode).toBe('INVALID_FIELD');
    expect(sorted.message).toContain("field 'BillingAddress' can not be sorted");
    const accuracy = await failure(ctx.conn.sobject('Account').create({ Name: 'Geo', BillingGeocodeAccuracy: 'Exactly' }));
    expect(accuracy.errorCode).toBe('INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST');
  });
});

describe('Task and Event with polymorphic Who and What', () => {
  function seedCrm(): { account: string; contact: string; opportunity: string; lead: string; kase: string } {
    const [account, contact, opportunity, lead, kase] = seed([
      { attributes: { type: 'Account', referenceId: 'acc' }, Name: 'Globex' },
      { attributes: { type: 'Contact', referenceId: 'con' }, LastName: 'Simpson', FirstName: 'Homer', AccountId: '@acc', Phone: '555-0100' },
      { attributes: { type: 'Opportunity' }, Name: 'Globex renewal', StageName: 'Prospecting', CloseDate: '2030-03-31', AccountId: '@acc' },
      { attributes: { type: 'Lead' }, LastName: 'Flanders', Company: 'Leftorium' },
      { attributes: { type: 'Case' }, Subject: 'Broken', ContactId: '@con' },
    ]);
    return { account: account ?? '', contact: contact ?? '', opportunity: opportunity ?? '', lead: lead ?? '', kase: kase ?? '' };
  }

  it('reads What.Name, What.Type and Who.Name of tasks on opportunities, cases and leads', async () => {
    const crm = seedCrm();
    const onOpportunity = await create('Task', { Subject: 'Call Homer', WhoId: crm.contact, WhatId: crm.opportunity, ActivityDate: '2030-01-15' });
    await ctx.conn.sobject('Task').create({ Subject: 'Case follow-up', WhatId: crm.kase });
    await ctx.conn.sobject('Task').create({ Subject: 'Lead call', WhoId: crm.lead });
    const result = await ctx.conn.query<Record<string, unknown>>('SELECT Subject, Status, Priority, IsClosed, AccountId, What.Name, What.Type, Who.Name, Who.Type FROM Task ORDER BY Subject');
    expect(result.records.map((r) => r['Subject'])).toEqual(['Call Homer', 'Case follow-up', 'Lead call']);
    expect(result.records[0]).toMatchObject({
      Status: 'Not Started',
      Priority: 'Normal',
      IsClosed: false,
      // The task's account is its opportunity's.
      AccountId: crm.account,
      What: { attributes: { type: 'Name', url: `/services/data/v${API_VERSION}/sobjects/Opportunity/${crm.opportunity}` }, Name: 'Globex renewal', Type: 'Opportunity' },
      Who: { attributes: { type: 'Name', url: `/services/data/v${API_VERSION}/sobjects/Contact/${crm.contact}` }, Name: 'Homer Simpson', Type: 'Contact' },
    });
    const caseNumber = (await ctx.conn.query<{ CaseNumber: string }>(`SELECT CaseNumber FROM Case WHERE Id = '${crm.kase}'`)).records[0]?.CaseNumber;
    // A case's name is its number; its task's account comes from nowhere (no account on the case).
    expect(result.records[1]).toMatchObject({ What: { Name: caseNumber, Type: 'Case' }, Who: null, AccountId: null });
    expect(result.records[2]).toMatchObject({ What: null, Who: { Name: 'Flanders', Type: 'Lead' } });
    const filtered = await ctx.conn.query(`SELECT Id FROM Task WHERE What.Type = 'Opportunity'`);
    expect(filtered.records.map((r) => r.Id)).toEqual([onOpportunity]);
    const unknownField = await failure(ctx.conn.query('SELECT What.StageName FROM Task'));
    expect(unknownField.errorCode).toBe('INVALID_FIELD');
    const fromParent = await ctx.conn.query<Record<string, unknown>>(`SELECT Name, (SELECT Subject FROM Tasks) FROM Opportunity WHERE Id = '${crm.opportunity}'`);
    expect(fromParent.records[0]?.['Tasks']).toMatchObject({ totalSize: 1, records: [{ Subject: 'Call Homer' }] });
  });

  it('refuses a What or Who of an object the lookup does not name, and creates nothing', async () => {
    const crm = seedCrm();
    const wrongWho = await failure(ctx.conn.sobject('Task').create({ Subject: 'Bad who', WhoId: crm.account }));
    expect(wrongWho.errorCode).toBe('FIELD_INTEGRITY_EXCEPTION');
    const wrongWhat = await failure(ctx.conn.sobject('Event').create({ Subject: 'Bad what', WhatId: crm.lead, StartDateTime: '2030-01-01T10:00:00Z', DurationInMinutes: 30 }));
    expect(wrongWhat.errorCode).toBe('FIELD_INTEGRITY_EXCEPTION');
    const badStatus = await create('Task', { Subject: 'Typed', WhatId: crm.account, TaskSubtype: 'Call' });
    const subtype = await raw(ctx.conn, 'PATCH', `/sobjects/Task/${badStatus}`, { TaskSubtype: 'Email' });
    expect(subtype.status).toBe(400);
    expect((await ctx.conn.query('SELECT Id FROM Task')).totalSize).toBe(1);
    expect((await ctx.conn.query('SELECT Id FROM Event')).totalSize).toBe(0);
  });

  it('keeps an event\'s start, end and duration in step and requires an end or a duration', async () => {
    const crm = seedCrm();
    const created = await create('Event', { Subject: 'Lunch', WhoId: crm.contact, StartDateTime: '2030-02-01T12:00:00.000Z', DurationInMinutes: 90 });
    const event = await ctx.conn.sobject('Event').retrieve(created);
    expect(event).toMatchObject({
      StartDateTime: '2030-02-01T12:00:00.000+0000',
      ActivityDateTime: '2030-02-01T12:00:00.000+0000',
      ActivityDate: '2030-02-01',
      EndDateTime: '2030-02-01T13:30:00.000+0000',
      DurationInMinutes: 90,
      AccountId: crm.account,
      ShowAs: 'Busy',
      EventSubtype: 'Event',
    });
    await ctx.conn.sobject('Event').update({ Id: created, EndDateTime: '2030-02-01T14:00:00Z' });
    expect(await ctx.conn.sobject('Event').retrieve(created)).toMatchObject({ DurationInMinutes: 120 });
    await ctx.conn.sobject('Event').update({ Id: created, StartDateTime: '2030-02-02T09:00:00Z' });
    expect(await ctx.conn.sobject('Event').retrieve(created)).toMatchObject({ EndDateTime: '2030-02-02T11:00:00.000+0000', DurationInMinutes: 120 });
    const noEnd = await failure(ctx.conn.sobject('Event').create({ Subject: 'Open-ended', StartDateTime: '2030-02-01T12:00:00Z' }));
    expect(noEnd.errorCode).toBe('REQUIRED_FIELD_MISSING');
    const backwards = await failure(ctx.conn.sobject('Event').create({ Subject: 'Backwards', StartDateTime: '2030-02-01T12:00:00Z', EndDateTime: '2030-02-01T11:00:00Z' }));
    expect(backwards.errorCode).toBe('FIELD_INTEGRITY_EXCEPTION');
    expect((await ctx.conn.query('SELECT Id FROM Event')).totalSize).toBe(1);
  });

  it('lists closed tasks and past events as ActivityHistories, open tasks and future events as OpenActivities', async () => {
    const crm = seedCrm();
    const iso = (ms: number): string => new Date(ms).toISOString();
    const now = Date.now();
    await ctx.conn.sobject('Task').create([
      { Subject: 'Done on opportunity', WhatId: crm.opportunity, Status: 'Completed', ActivityDate: '2024-05-01' },
      { Subject: 'Done with contact', WhoId: crm.contact, Status: 'Completed', ActivityDate: '2024-06-01' },
      { Subject: 'Still to do', WhatId: crm.account, ActivityDate: '2031-01-01' },
      { Subject: 'Lead only', WhoId: crm.lead, Status: 'Completed' },
    ]);
    await ctx.conn.sobject('Event').create([
      { Subject: 'Met last week', WhatId: crm.account, StartDateTime: iso(now - 7 * DAY), DurationInMinutes: 60 },
      { Subject: 'Meeting next week', WhoId: crm.contact, StartDateTime: iso(now + 7 * DAY), DurationInMinutes: 60 },
    ]);
    const result = await ctx.conn.query<Record<string, unknown>>(
      `SELECT Name, (SELECT Subject, IsTask, IsClosed, ActivityDate FROM ActivityHistories), (SELECT Subject, IsTask FROM OpenActivities) FROM Account WHERE Id = '${crm.account}'`,
    );
    const subjects = (rel: unknown): unknown[] => ((rel as { records: { Subject: string }[] } | null)?.records ?? []).map((r) => r.Subject);
    const account = result.records[0] ?? {};
    // Newest first; the account's history includes its opportunity's and its contact's activities.
    expect(subjects(account['ActivityHistories'])).toEqual(['Met last week', 'Done with contact', 'Done on opportunity']);
    expect((account['ActivityHistories'] as { records: Record<string, unknown>[] }).records[0]).toMatchObject({ attributes: { type: 'ActivityHistory' }, IsTask: false, IsClosed: true });
    expect(subjects(account['OpenActivities'])).toEqual(['Meeting next week', 'Still to do']);
    const contact = await ctx.conn.query<Record<string, unknown>>(`SELECT (SELECT Subject FROM ActivityHistories), (SELECT Subject FROM OpenActivities WHERE IsTask = false) FROM Contact WHERE Id = '${crm.contact}'`);
    expect(subjects(contact.records[0]?.['ActivityHistories'])).toEqual(['Done with contact']);
    expect(subjects(contact.records[0]?.['OpenActivities'])).toEqual(['Meeting next week']);
    const lead = await ctx.conn.query<Record<string, unknown>>(`SELECT (SELECT Subject FROM ActivityHistories ORDER BY Subject LIMIT 1) FROM Lead WHERE Id = '${crm.lead}'`);
    expect(subjects(lead.records[0]?.['ActivityHistories'])).toEqual(['Lead only']);
    // LastActivityDate: the latest due date of the record's events and closed tasks.
    const nextWeek = iso(now + 7 * DAY).slice(0, 10);
    const dates = await ctx.conn.query<Record<string, unknown>>(`SELECT LastActivityDate FROM Opportunity WHERE Id = '${crm.opportunity}'`);
    expect(dates.records[0]?.['LastActivityDate']).toBe('2024-05-01');
    expect(await ctx.conn.sobject('Account').retrieve(crm.account)).toMatchObject({ LastActivityDate: nextWeek });
    expect(await ctx.conn.sobject('Contact').retrieve(crm.contact)).toMatchObject({ LastActivityDate: nextWeek });
    expect(await ctx.conn.sobject('Lead').retrieve(crm.lead)).toMatchObject({ LastActivityDate: null });
    const direct = await failure(ctx.conn.query('SELECT Id FROM ActivityHistory'));
    expect(direct.errorCode).toBe('MALFORMED_QUERY');
    expect(direct.message).toContain('entity type ActivityHistory does not support query');
    const insert = await raw(ctx.conn, 'POST', '/sobjects/OpenActivity', { Subject: 'x' });
    expect(insert.status).toBe(400);
  });

  it('deletes an account\'s activities with it and brings them back on undelete', async () => {
    const crm = seedCrm();
    const onAccount = await create('Task', { Subject: 'On account', WhatId: crm.account });
    const onLead = await create('Task', { Subject: 'On lead', WhoId: crm.lead });
    await ctx.conn.sobject('Account').destroy(crm.account);
    expect((await ctx.conn.query('SELECT Id FROM Task')).records.map((r) => r.Id)).toEqual([onLead]);
    const binned = await ctx.conn.query<{ Id: string; IsDeleted: boolean }>(`SELECT Id, IsDeleted FROM Task WHERE Id = '${onAccount}'`, { scanAll: true });
    expect(binned.records[0]?.IsDeleted).toBe(true);
    ctx.emu.controls.undelete([crm.account]);
    expect((await ctx.conn.query('SELECT Subject FROM Task ORDER BY Subject')).records.map((r) => (r as { Subject: string }).Subject)).toEqual(['On account', 'On lead']);
  });

  it('closes a task on Completed with a CompletedDateTime, and reopens it', async () => {
    const crm = seedCrm();
    const created = await create('Task', { Subject: 'Close me', WhatId: crm.account });
    await ctx.conn.sobject('Task').update({ Id: created, Status: 'Completed' });
    const closed = await ctx.conn.sobject('Task').retrieve(created);
    expect(closed).toMatchObject({ IsClosed: true, CompletedDateTime: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as unknown });
    await ctx.conn.sobject('Task').update({ Id: created, Status: 'In Progress' });
    expect(await ctx.conn.sobject('Task').retrieve(created)).toMatchObject({ IsClosed: false, CompletedDateTime: null });
  });
});

describe('what the platform fills in on save', () => {
  it('sets an opportunity\'s probability, forecast category and expected revenue from its stage', async () => {
    const created = await create('Opportunity', { Name: 'Deal', StageName: 'Needs Analysis', CloseDate: '2030-08-15', Amount: 1000 });
    expect(await ctx.conn.sobject('Opportunity').retrieve(created)).toMatchObject({
      Probability: 20,
      ForecastCategoryName: 'Pipeline',
      ForecastCategory: 'Pipeline',
      ExpectedRevenue: 200,
      FiscalYear: 2030,
      FiscalQuarter: 3,
      Fiscal: '2030 3',
      LastStageChangeDate: null,
    });
    await ctx.conn.sobject('Opportunity').update({ Id: created, StageName: 'Closed Won' });
    expect(await ctx.conn.sobject('Opportunity').retrieve(created)).toMatchObject({ Probability: 100, ForecastCategory: 'Closed', IsClosed: true, IsWon: true, ExpectedRevenue: 1000, LastStageChangeDate: expect.any(String) as unknown });
    const own = await create('Opportunity', { Name: 'Own odds', StageName: 'Prospecting', CloseDate: '2030-01-01', Probability: 35 });
    expect(await ctx.conn.sobject('Opportunity').retrieve(own)).toMatchObject({ Probability: 35 });
  });

  it('refuses any update of a converted lead', async () => {
    const [lead] = seed([{ attributes: { type: 'Lead' }, LastName: 'Done', Company: 'Converted Co', IsConverted: true }]);
    const refused = await raw(ctx.conn, 'PATCH', `/sobjects/Lead/${lead ?? ''}`, { Company: 'Changed' });
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual([{ errorCode: 'CANNOT_UPDATE_CONVERTED_LEAD', message: 'cannot reference converted lead', fields: [] }]);
    expect(await ctx.conn.sobject('Lead').retrieve(lead ?? '')).toMatchObject({ Company: 'Converted Co' });
  });

  it('copies a case\'s contact details onto the case', async () => {
    const [contact] = seed([{ attributes: { type: 'Contact' }, LastName: 'Reach', Email: 'reach@example.com', Phone: '555-0199' }]);
    const created = await create('Case', { Subject: 'Help', ContactId: contact });
    expect(await ctx.conn.sobject('Case').retrieve(created)).toMatchObject({ ContactEmail: 'reach@example.com', ContactPhone: '555-0199', ContactMobile: null });
    const readOnly = await failure(ctx.conn.sobject('Case').update({ Id: created, ContactEmail: 'x@example.com' }));
    expect(readOnly.errorCode).toBe('INVALID_FIELD_FOR_INSERT_UPDATE');
  });
});
