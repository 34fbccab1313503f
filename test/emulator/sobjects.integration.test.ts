import { describe, expect, it } from 'vitest';
import { API_VERSION, failure, raw, useEmulator } from './support.ts';

const ctx = useEmulator();

describe('REST sObjects through jsforce', () => {
  it('creates, reads, updates and deletes one record with 18-character ids', async () => {
    const created = await ctx.conn.sobject('Account').create({ Name: 'Acme', Industry: 'Technology' });
    expect(created).toEqual({ id: expect.stringMatching(/^001[A-Za-z0-9]{15}$/) as unknown, success: true, errors: [] });
    const id = created.id ?? '';
    const read = await ctx.conn.sobject('Account').retrieve(id);
    expect(read['Name']).toBe('Acme');
    expect(read.attributes).toEqual({ type: 'Account', url: `/services/data/v${API_VERSION}/sobjects/Account/${id}` });
    expect(read['CreatedById']).toBe(ctx.emu.identity.userId);
    expect(read['SystemModstamp']).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000$/);
    // 15-character ids are accepted too.
    const short = await ctx.conn.sobject('Account').retrieve(id.slice(0, 15));
    expect(short.Id).toBe(id);
    const updated = await ctx.conn.sobject('Account').update({ Id: id, Name: 'Acme Corp' });
    expect(updated.success).toBe(true);
    expect((await ctx.conn.sobject('Account').retrieve(id))['Name']).toBe('Acme Corp');
    await ctx.conn.sobject('Account').destroy(id);
    const gone = await failure(ctx.conn.sobject('Account').retrieve(id));
    expect(gone.errorCode).toBe('ENTITY_IS_DELETED');
  });

  it('creates, updates and deletes arrays of records through sObject collections', async () => {
    const results = await ctx.conn.sobject('Contact').create([{ LastName: 'One' }, { LastName: 'Two' }, { FirstName: 'No last name' }]);
    expect(results.map((r) => r.success)).toEqual([true, true, false]);
    const failed = results[2];
    expect(failed?.success === false ? failed.errors : []).toEqual([
      { statusCode: 'REQUIRED_FIELD_MISSING', message: 'Required fields are missing: [LastName]', fields: ['LastName'] },
    ]);
    const ids = results.flatMap((r) => (r.success ? [r.id] : []));
    const updates = await ctx.conn.sobject('Contact').update(ids.map((Id) => ({ Id, Title: 'CFO' })));
    expect(updates.every((r) => r.success)).toBe(true);
    const deleted = await ctx.conn.sobject('Contact').destroy(ids);
    expect(deleted.every((r) => r.success)).toBe(true);
    const count = await ctx.conn.query('SELECT COUNT() FROM Contact');
    expect(count.totalSize).toBe(0);
  });

  it('upserts by external id: 201 on insert, 200 on update, 300 on several matches', async () => {
    const first = await raw(ctx.conn, 'PATCH', '/sobjects/Ferry_Bill__c/Ferry_Id__c/bill-1', { Name: 'B-1', Total__c: 10.5 });
    expect(first.status).toBe(201);
    expect(first.body).toEqual({ id: expect.any(String) as unknown, success: true, errors: [], created: true });
    const second = await ctx.conn.sobject('Ferry_Bill__c').upsert({ Ferry_Id__c: 'bill-1', Name: 'B-1', Total__c: 11 }, 'Ferry_Id__c');
    expect(second).toMatchObject({ success: true, created: false });
    const onlyUpdate = await raw(ctx.conn, 'PATCH', '/sobjects/Ferry_Bill__c/Ferry_Id__c/bill-missing?updateOnly=true', { Name: 'x' });
    expect(onlyUpdate.status).toBe(404);
    // Product2.ExternalId is an external id without uniqueness, so duplicates are possible.
    await ctx.conn.sobject('Product2').create([{ Name: 'P1', ExternalId: 'dup' }, { Name: 'P2', ExternalId: 'dup' }]);
    const multiple = await raw(ctx.conn, 'PATCH', '/sobjects/Product2/ExternalId/dup', { Name: 'P' });
    expect(multiple.status).toBe(300);
    expect(multiple.body).toHaveLength(2);
    const viaJsforce = await failure(ctx.conn.sobject('Product2').upsert({ ExternalId: 'dup', Name: 'P' }, 'ExternalId'));
    expect(viaJsforce.errorCode).toBe('MULTIPLE_CHOICES');
  });

  it('resolves parent references given by external id in the body', async () => {
    await ctx.conn.sobject('Ferry_Bill__c').upsert({ Ferry_Id__c: 'bill-9', Name: 'B-9' }, 'Ferry_Id__c');
    const line = await ctx.conn.sobject('Ferry_Bill_Line_Item__c').create({ Name: 'L', Bill__r: { Ferry_Id__c: 'bill-9' }, Amount__c: 3 });
    expect(line.success).toBe(true);
    const missing = await failure(ctx.conn.sobject('Ferry_Bill_Line_Item__c').create({ Name: 'L', Bill__r: { Ferry_Id__c: 'nope' } }));
    expect(missing.errorCode).toBe('INVALID_FIELD');
    expect(missing.message).toBe('Foreign key external ID: nope not found for field Ferry_Id__c in entity Ferry_Bill__c');
  });

  it('enforces data rules with Salesforce error codes and messages', async () => {
    const long = await raw(ctx.conn, 'POST', '/sobjects/Account', { Name: 'x'.repeat(256) });
    expect(long.status).toBe(400);
    expect(long.body).toEqual([{ message: `Account Name: data value too large: ${'x'.repeat(60)}... (max length=255)`, errorCode: 'STRING_TOO_LONG', fields: ['Name'] }]);
    const picklist = await raw(ctx.conn, 'POST', '/sobjects/Ferry_Bill__c', { Name: 'b', Status__c: 'PAID' });
    expect(picklist.body).toEqual([{ message: 'Status: bad value for restricted picklist field: PAID', errorCode: 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', fields: ['Status__c'] }]);
    const first = await ctx.conn.sobject('Ferry_Bill__c').create({ Name: 'b', Ferry_Id__c: 'same' });
    const dup = await raw(ctx.conn, 'POST', '/sobjects/Ferry_Bill__c', { Name: 'b2', Ferry_Id__c: 'same' });
    expect(dup.body).toEqual([{ message: `duplicate value found: Ferry_Id__c duplicates value on record with id: ${first.id ?? ''}`, errorCode: 'DUPLICATE_VALUE', fields: [] }]);
    const lookup = await raw(ctx.conn, 'POST', '/sobjects/Contact', { LastName: 'x', AccountId: '001000000000000AAA' });
    expect(lookup.body).toEqual([{ message: 'invalid cross reference id', errorCode: 'INVALID_CROSS_REFERENCE_KEY', fields: ['AccountId'] }]);
    const readOnly = await raw(ctx.conn, 'POST', '/sobjects/Account', { Name: 'a', CreatedDate: '2020-01-01T00:00:00Z' });
    expect(readOnly.body).toMatchObject([{ errorCode: 'INVALID_FIELD_FOR_INSERT_UPDATE', fields: ['CreatedDate'] }]);
    const unknown = await raw(ctx.conn, 'POST', '/sobjects/Account', { Name: 'a', Nope__c: 1 });
    expect(unknown.body).toEqual([{ message: "No such column 'Nope__c' on sobject of type Account", errorCode: 'INVALID_FIELD', fields: [] }]);
    const badJson = await raw(ctx.conn, 'POST', '/sobjects/Account', '{"Name":');
    expect(badJson.body).toMatchObject([{ errorCode: 'JSON_PARSER_ERROR' }]);
    const missing = await raw(ctx.conn, 'GET', '/sobjects/Account/001000000000000AAA');
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual([{ message: 'The requested resource does not exist', errorCode: 'NOT_FOUND' }]);
  });

  it('cascades deletes to master-detail children and contacts, clears other lookups, and undeletes', async () => {
    const account = await ctx.conn.sobject('Account').create({ Name: 'Parent' });
    const bill = await ctx.conn.sobject('Ferry_Bill__c').create({ Name: 'B', Account__c: account.id });
    await ctx.conn.sobject('Ferry_Bill_Line_Item__c').create([{ Name: 'L1', Bill__c: bill.id }, { Name: 'L2', Bill__c: bill.id }]);
    await ctx.conn.sobject('Contact').create({ LastName: 'Goes with the account', AccountId: account.id });
    await ctx.conn.sobject('Account').destroy(account.id ?? '');
    const billAfter = await ctx.conn.sobject('Ferry_Bill__c').retrieve(bill.id ?? '');
    expect(billAfter['Account__c']).toBeNull();
    expect((await ctx.conn.query('SELECT Id FROM Contact')).totalSize).toBe(0);
    await ctx.conn.sobject('Ferry_Bill__c').destroy(bill.id ?? '');
    expect((await ctx.conn.query('SELECT Id FROM Ferry_Bill_Line_Item__c')).totalSize).toBe(0);
    const bin = await ctx.conn.query('SELECT Id, IsDeleted FROM Ferry_Bill_Line_Item__c', { scanAll: true });
    expect(bin.records.map((r: Record<string, unknown>) => r['IsDeleted'])).toEqual([true, true]);
    const restored = ctx.emu.controls.undelete([bill.id ?? '']);
    expect(restored[0]?.success).toBe(true);
    expect((await ctx.conn.query('SELECT Id FROM Ferry_Bill_Line_Item__c')).totalSize).toBe(2);
  });

  it('gives an opportunity product its default revenue schedule, and a case its ClosedDate, as Salesforce does', async () => {
    const sobject = (name: string) => ctx.conn.sobject(name);
    const idOf = (r: { success: boolean; id?: string | undefined }) => (r.success ? r.id! : '');
    const account = idOf(await sobject('Account').create({ Name: 'Deals' }));
    const opportunity = idOf(await sobject('Opportunity').create({ AccountId: account, Name: 'Renewal', StageName: 'Closed Won', CloseDate: '2026-01-31' }));
    const monthly = idOf(await sobject('Product2').create({ Name: 'Platform', CanUseRevenueSchedule: true, RevenueScheduleType: 'Divide', RevenueInstallmentPeriod: 'Monthly', NumberOfRevenueInstallments: 3 }));
    const yearly = idOf(await sobject('Product2').create({ Name: 'Support', CanUseRevenueSchedule: true, RevenueScheduleType: 'Repeat', RevenueInstallmentPeriod: 'Yearly', NumberOfRevenueInstallments: 2 }));
    const once = idOf(await sobject('Product2').create({ Name: 'Setup' }));
    const book = (await ctx.conn.query<{ Id: string }>('SELECT Id FROM Pricebook2 WHERE IsStandard = true')).records[0]?.Id ?? '';
    const entry = idOf(await sobject('PricebookEntry').create({ Pricebook2Id: book, Product2Id: once, UnitPrice: 500, IsActive: true }));

    // Divided over three months from the close date (no service date): 100.00 split 33.33, 33.33, 33.34.
    const divided = idOf(await sobject('OpportunityLineItem').create({ OpportunityId: opportunity, Product2Id: monthly, Quantity: 1, UnitPrice: 100 }));
    // Repeated each year from the service date.
    const repeated = idOf(await sobject('OpportunityLineItem').create({ OpportunityId: opportunity, Product2Id: yearly, Quantity: 2, UnitPrice: 60, ServiceDate: '2026-02-28' }));
    // From a price book entry: its product and list price; no schedule.
    const single = idOf(await sobject('OpportunityLineItem').create({ OpportunityId: opportunity, PricebookEntryId: entry, Quantity: 1, UnitPrice: 450 }));
    const line = async (id: string) => sobject('OpportunityLineItem').retrieve(id);
    expect(await line(divided)).toMatchObject({ CanUseRevenueSchedule: true, HasRevenueSchedule: true });
    expect(await line(single)).toMatchObject({ Product2Id: once, ListPrice: 500, CanUseRevenueSchedule: false, HasRevenueSchedule: false });
    const schedules = async (id: string) => (await ctx.conn.query<{ Revenue: number; ScheduleDate: string; Type: string }>(`SELECT Type, Revenue, ScheduleDate FROM OpportunityLineItemSchedule WHERE OpportunityLineItemId = '${id}' ORDER BY ScheduleDate`)).records.map((r) => [r.Type, r.Revenue, r.ScheduleDate]);
    expect(await schedules(divided)).toEqual([['Revenue', 33.33, '2026-01-31'], ['Revenue', 33.33, '2026-02-28'], ['Revenue', 33.34, '2026-03-31']]);
    expect(await schedules(repeated)).toEqual([['Revenue', 120, '2026-02-28'], ['Revenue', 120, '2027-02-28']]);
    expect(await schedules(single)).toEqual([]);
    // The schedule goes with its line.
    await sobject('OpportunityLineItem').destroy(divided);
    expect((await ctx.conn.query(`SELECT Id FROM OpportunityLineItemSchedule WHERE OpportunityLineItemId = '${divided}'`)).totalSize).toBe(0);

    const kase = idOf(await sobject('Case').create({ Subject: 'Invoice question', Origin: 'Email' }));
    const read = async () => sobject('Case').retrieve(kase);
    expect(await read()).toMatchObject({ CaseNumber: expect.stringMatching(/^\d{8}$/), IsClosed: false, ClosedDate: null });
    await sobject('Case').update({ Id: kase, Status: 'Closed' });
    const closed = await read();
    expect(closed.ClosedDate).toBe(closed.LastModifiedDate);
    await sobject('Case').update({ Id: kase, Priority: 'High' });
    expect((await read()).ClosedDate).toBe(closed.ClosedDate);
    await sobject('Case').update({ Id: kase, Status: 'Working' });
    expect(await read()).toMatchObject({ IsClosed: false, ClosedDate: null });
  });

  it('describes standard objects and the SFDX project exactly', async () => {
    const bill = await ctx.conn.describe('Ferry_Bill__c');
    expect(bill.custom).toBe(true);
    expect(bill.keyPrefix).toMatch(/^a0/);
    const byName = new Map(bill.fields.map((f) => [f.name, f]));
    expect(byName.get('Ferry_Id__c')).toMatchObject({ type: 'string', length: 64, externalId: true, unique: true, idLookup: true, caseSensitive: true });
    expect(byName.get('Total__c')).toMatchObject({ type: 'currency', precision: 18, scale: 4 });
    expect(byName.get('Status__c')).toMatchObject({ type: 'picklist', restrictedPicklist: true });
    expect((byName.get('Status__c')?.picklistValues ?? []).map((p: { value: string; defaultValue: boolean }) => [p.value, p.defaultValue])).toEqual([
      ['PENDING', true],
      ['APPROVED', false],
    ]);
    expect(byName.get('Account__c')).toMatchObject({ type: 'reference', referenceTo: ['Account'], relationshipName: 'Account__r' });
    const account = await ctx.conn.describe('Account');
    expect(account.fields.find((f) => f.name === 'Ferry_Sync__c')).toMatchObject({ type: 'boolean', custom: true });
    expect(account.childRelationships).toContainEqual(expect.objectContaining({ childSObject: 'Ferry_Bill__c', field: 'Account__c', relationshipName: 'Ferry_Bills__r' }));
    const global = await ctx.conn.describeGlobal();
    const names = global.sobjects.map((s) => s.name);
    for (const n of ['Organization', 'User', 'Account', 'Contact', 'Lead', 'Opportunity', 'OpportunityLineItem', 'Product2', 'Pricebook2', 'PricebookEntry', 'Case', 'Ferry_Balance_Transaction__c']) {
      expect(names).toContain(n);
    }
    const unknown = await failure(ctx.conn.describe('Nope__c'));
    expect(unknown.errorCode).toBe('NOT_FOUND');
  });

  it('lists versions without auth and sends Sforce-Limit-Info on REST answers, errors included', async () => {
    const versions = (await (await fetch(`${ctx.emu.url}/services/data`)).json()) as { version: string; url: string }[];
    expect(versions).toContainEqual({ label: `Emulator ${API_VERSION}`, url: `/services/data/v${API_VERSION}`, version: API_VERSION });
    const ok = await raw(ctx.conn, 'GET', '/sobjects/Account/describe');
    expect(ok.headers.get('sforce-limit-info')).toMatch(/^api-usage=\d+\/1000000$/);
    expect(ok.headers.get('content-type')).toBe('application/json;charset=UTF-8');
    const notFound = await raw(ctx.conn, 'GET', '/sobjects/Account/001000000000000AAA');
    expect(notFound.headers.get('sforce-limit-info')).toMatch(/^api-usage=/);
    // The Salesforce CLI keeps instance URLs with a trailing slash and so sends "//services/...".
    const doubled = await fetch(`${ctx.emu.url}//services/data`);
    expect(doubled.status).toBe(200);
    const resources = await raw(ctx.conn, 'GET', '/');
    expect(resources.body).toMatchObject({ sobjects: `/services/data/v${API_VERSION}/sobjects`, query: `/services/data/v${API_VERSION}/query` });
  });

  it('answers REQUEST_LIMIT_EXCEEDED once the daily allocation is used', async () => {
    ctx.emu.controls.setApiLimit(10, 10);
    const limited = await raw(ctx.conn, 'GET', '/limits');
    expect(limited.status).toBe(403);
    expect(limited.body).toEqual([{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }]);
    ctx.emu.controls.setApiLimit(100, 0);
    const limits = await ctx.conn.limits();
    expect(limits.DailyApiRequests).toEqual({ Max: 100, Remaining: 99 });
  });

  it('answers INVALID_SESSION_ID for a bad token and 405 for an unsupported method', async () => {
    const res = await fetch(`${ctx.emu.url}/services/data/v${API_VERSION}/sobjects`, { headers: { Authorization: 'Bearer 00D000000000000!bogus' } });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual([{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]);
    const put = await raw(ctx.conn, 'PUT', '/sobjects/Account/001000000000000AAA', {});
    expect(put.status).toBe(405);
    expect(put.body).toMatchObject([{ errorCode: 'METHOD_NOT_ALLOWED' }]);
  });

  it('records who changed a record when a test acts as another user', async () => {
    const created = await ctx.conn.sobject('Account').create({ Name: 'Shared' });
    const rep = ctx.emu.controls.actAs('rep@ferry.test');
    await ctx.conn.sobject('Account').update({ Id: created.id ?? '', Name: 'Edited by rep' });
    ctx.emu.controls.actAs(null);
    const row = await ctx.conn.sobject('Account').retrieve(created.id ?? '');
    expect(row['CreatedById']).toBe(ctx.emu.identity.userId);
    expect(row['LastModifiedById']).toBe(rep);
    expect(String(row['SystemModstamp']) >= String(row['CreatedDate'])).toBe(true);
  });

  it('lists updated and deleted ids in a window', async () => {
    const start = new Date(Date.now() - 60_000).toISOString();
    const a = await ctx.conn.sobject('Account').create({ Name: 'A' });
    const b = await ctx.conn.sobject('Account').create({ Name: 'B' });
    await ctx.conn.sobject('Account').destroy(b.id ?? '');
    const end = new Date(Date.now() + 60_000).toISOString();
    const updated = await ctx.conn.sobject('Account').updated(start, end);
    expect(updated.ids).toEqual([a.id]);
    const deleted = await ctx.conn.sobject('Account').deleted(start, end);
    expect(deleted.deletedRecords.map((r) => r.id)).toEqual([b.id]);
  });
});
