import { describe, expect, it } from 'vitest';
import { API_VERSION, failure, raw, useEmulator } from './support.ts';

// Writes that name a parent by its external id instead of its Id, as Ferry's delivery does:
// a bill's Account as Account__r.Ferry_Id__c, a line item's bill as Bill__r.Ferry_Id__c, a
// contact's Account as Account.Ferry_Id__c.
const ctx = useEmulator();

const NOT_WRITABLE = 'Unable to create/update fields: Bill__c. Please check the security settings of this field and verify that it is read/write for your profile or permission set.';

function fastPolling(): void {
  ctx.conn.bulk2.pollInterval = 50;
  ctx.conn.bulk2.pollTimeout = 30_000;
}

async function accountWith(ferryId: string): Promise<string> {
  const created = await ctx.conn.sobject('Account').create({ Name: `Account ${ferryId}`, Ferry_Id__c: ferryId });
  if (!created.success) throw new Error(`account ${ferryId} not created`);
  return created.id;
}

async function fieldOf(objectName: string, id: string, field: string): Promise<unknown> {
  const record = await ctx.conn.sobject(objectName).retrieve(id);
  return record[field];
}

describe('parent references by external id in REST writes', () => {
  it('upserts a bill whose account is named by Account__r, with or without attributes, and moves it to another account', async () => {
    const first = await accountWith('cust-1');
    const second = await accountWith('cust-2');
    const inserted = await ctx.conn.sobject('Ferry_Bill__c').upsert({ Ferry_Id__c: 'bill-1', Name: 'B-1', Account__r: { Ferry_Id__c: 'cust-1' } }, 'Ferry_Id__c');
    expect(inserted).toMatchObject({ success: true, created: true });
    const billId = inserted.success ? inserted.id : '';
    expect(await fieldOf('Ferry_Bill__c', billId, 'Account__c')).toBe(first);
    const moved = await ctx.conn.sobject('Ferry_Bill__c').upsert({ Ferry_Id__c: 'bill-1', Account__r: { attributes: { type: 'Account' }, Ferry_Id__c: 'cust-2' } }, 'Ferry_Id__c');
    expect(moved).toMatchObject({ success: true, created: false, id: billId });
    expect(await fieldOf('Ferry_Bill__c', billId, 'Account__c')).toBe(second);
    // A null key clears the lookup, as #N/A does in Bulk.
    await ctx.conn.sobject('Ferry_Bill__c').update({ Id: billId, Account__r: { Ferry_Id__c: null } });
    expect(await fieldOf('Ferry_Bill__c', billId, 'Account__c')).toBeNull();
  });

  it('refuses a missing parent with INVALID_FIELD "Foreign key external ID ... not found" on the wire', async () => {
    const res = await raw(ctx.conn, 'PATCH', '/sobjects/Ferry_Bill__c/Ferry_Id__c/bill-2', { Name: 'B-2', Account__r: { Ferry_Id__c: 'cust-missing' } });
    expect(res.status).toBe(400);
    expect(res.body).toEqual([{ message: 'Foreign key external ID: cust-missing not found for field Ferry_Id__c in entity Account', errorCode: 'INVALID_FIELD', fields: [] }]);
    expect((await ctx.conn.query('SELECT Id FROM Ferry_Bill__c')).totalSize).toBe(0);
  });

  it('upserts a collection with found and missing parents record by record when allOrNone is false', async () => {
    const account = await accountWith('cust-1');
    const results = await ctx.conn.sobject('Ferry_Bill__c').upsert(
      [
        { Ferry_Id__c: 'bill-a', Name: 'A', Account__r: { Ferry_Id__c: 'cust-1' } },
        { Ferry_Id__c: 'bill-b', Name: 'B', Account__r: { Ferry_Id__c: 'cust-missing' } },
        { Ferry_Id__c: 'bill-c', Name: 'C', Account__r: { attributes: { type: 'Account' }, Ferry_Id__c: 'cust-1' } },
      ],
      'Ferry_Id__c',
      { allOrNone: false },
    );
    expect(results.map((r) => r.success)).toEqual([true, false, true]);
    expect(results[1]).toEqual({
      success: false,
      errors: [{ statusCode: 'INVALID_FIELD', message: 'Foreign key external ID: cust-missing not found for field Ferry_Id__c in entity Account', fields: [] }],
    });
    const bills = await ctx.conn.query<{ Ferry_Id__c: string; Account__c: string }>('SELECT Ferry_Id__c, Account__c FROM Ferry_Bill__c ORDER BY Ferry_Id__c');
    expect(bills.records.map((r) => [r.Ferry_Id__c, r.Account__c])).toEqual([
      ['bill-a', account],
      ['bill-c', account],
    ]);
  });

  it('rolls the whole collection back with allOrNone when one parent is missing', async () => {
    await accountWith('cust-1');
    const results = await ctx.conn.sobject('Ferry_Bill__c').upsert(
      [
        { Ferry_Id__c: 'bill-a', Name: 'A', Account__r: { Ferry_Id__c: 'cust-1' } },
        { Ferry_Id__c: 'bill-b', Name: 'B', Account__r: { Ferry_Id__c: 'cust-missing' } },
      ],
      'Ferry_Id__c',
      { allOrNone: true },
    );
    expect(results).toMatchObject([
      { success: false, errors: [{ statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK' }] },
      { success: false, errors: [{ statusCode: 'INVALID_FIELD', message: 'Foreign key external ID: cust-missing not found for field Ferry_Id__c in entity Account' }] },
    ]);
    expect((await ctx.conn.query('SELECT Id FROM Ferry_Bill__c')).totalSize).toBe(0);
  });

  it('links a contact to its account through the standard relationship Account', async () => {
    const account = await accountWith('cust-1');
    const contact = await ctx.conn.sobject('Contact').create({ LastName: 'Lee', Ferry_Id__c: 'person-1', Account: { Ferry_Id__c: 'cust-1' } });
    expect(contact.success).toBe(true);
    expect(await fieldOf('Contact', contact.id ?? '', 'AccountId')).toBe(account);
    const both = await raw(ctx.conn, 'POST', '/sobjects/Contact', { LastName: 'Both', AccountId: account, Account: { Ferry_Id__c: 'cust-1' } });
    expect(both.body).toEqual([{ message: 'Cannot specify both an external ID reference Account and a salesforce id, AccountId', errorCode: 'INVALID_FIELD', fields: [] }]);
  });

  it('refuses an unknown relationship, a key that is not an external id, two keys and an unknown key field', async () => {
    await accountWith('cust-1');
    const attempt = async (body: Record<string, unknown>): Promise<unknown> => (await raw(ctx.conn, 'POST', '/sobjects/Ferry_Bill__c', { Name: 'B', ...body })).body;
    expect(await attempt({ Acount__r: { Ferry_Id__c: 'cust-1' } })).toEqual([{ message: "No such column 'Acount__r' on sobject of type Ferry_Bill__c", errorCode: 'INVALID_FIELD', fields: [] }]);
    expect(await attempt({ Account__r: { Name: 'Account cust-1' } })).toEqual([{ message: 'Name is not an External ID or indexed field for Account', errorCode: 'INVALID_FIELD', fields: [] }]);
    expect(await attempt({ Account__r: { Ferry_Id__c: 'cust-1', Name: 'Account cust-1' } })).toEqual([
      { message: 'More than 1 field provided in an external foreign key reference in entity: Account', errorCode: 'INVALID_FIELD', fields: [] },
    ]);
    expect(await attempt({ Account__r: { Nope__c: 'x' } })).toEqual([{ message: "No such column 'Nope__c' on sobject of type Account", errorCode: 'INVALID_FIELD', fields: [] }]);
  });

  it('refuses a key that matches several parents with DUPLICATE_EXTERNAL_ID', async () => {
    // Product2.ExternalId is an external id without uniqueness, so two products can share one.
    const products = await ctx.conn.sobject('Product2').create([
      { Name: 'P1', ExternalId: 'dup' },
      { Name: 'P2', ExternalId: 'dup' },
    ]);
    const ids = products.map((p) => (p.success ? p.id : ''));
    const book = await ctx.conn.query<{ Id: string }>('SELECT Id FROM Pricebook2 WHERE IsStandard = true');
    const res = await raw(ctx.conn, 'POST', '/sobjects/PricebookEntry', { Pricebook2Id: book.records[0]?.Id, Product2: { ExternalId: 'dup' }, UnitPrice: 1 });
    expect(res.body).toEqual([{ message: `External ID: more than one record found for external id field: [${ids.join(', ')}]`, errorCode: 'DUPLICATE_EXTERNAL_ID', fields: ['Product2Id'] }]);
  });

  it('creates a master-detail line item through Bill__r and refuses changing its bill as it refuses Bill__c', async () => {
    const bill = await ctx.conn.sobject('Ferry_Bill__c').create({ Name: 'B', Ferry_Id__c: 'bill-1' });
    await ctx.conn.sobject('Ferry_Bill__c').create({ Name: 'Other', Ferry_Id__c: 'bill-2' });
    const line = await ctx.conn.sobject('Ferry_Bill_Line_Item__c').upsert({ Ferry_Id__c: 'line-1', Name: 'L', Amount__c: 5, Bill__r: { Ferry_Id__c: 'bill-1' } }, 'Ferry_Id__c');
    expect(line).toMatchObject({ success: true, created: true });
    const lineId = line.success ? line.id : '';
    expect(await fieldOf('Ferry_Bill_Line_Item__c', lineId, 'Bill__c')).toBe(bill.id);
    // Bill__c is not reparentable: on update it is refused whether given as an id or by key, and
    // whether or not it names the bill the line already has.
    const expected = [{ message: NOT_WRITABLE, errorCode: 'INVALID_FIELD_FOR_INSERT_UPDATE', fields: ['Bill__c'] }];
    for (const body of [{ Bill__c: bill.id }, { Bill__r: { Ferry_Id__c: 'bill-1' } }, { Bill__r: { Ferry_Id__c: 'bill-2' } }]) {
      const res = await raw(ctx.conn, 'PATCH', `/sobjects/Ferry_Bill_Line_Item__c/${lineId}`, body);
      expect(res.body).toEqual(expected);
    }
    const upsertAgain = await raw(ctx.conn, 'PATCH', '/sobjects/Ferry_Bill_Line_Item__c/Ferry_Id__c/line-1', { Amount__c: 6, Bill__r: { Ferry_Id__c: 'bill-1' } });
    expect(upsertAgain.body).toEqual(expected);
    const missingBill = await failure(ctx.conn.sobject('Ferry_Bill_Line_Item__c').create({ Name: 'L2', Bill__r: { Ferry_Id__c: 'bill-missing' } }));
    expect(missingBill.message).toBe('Foreign key external ID: bill-missing not found for field Ferry_Id__c in entity Ferry_Bill__c');
  });

  it('resolves parent keys in /composite/tree records', async () => {
    const account = await accountWith('cust-1');
    const res = await raw(ctx.conn, 'POST', '/composite/tree/Ferry_Bill__c', {
      records: [{ attributes: { type: 'Ferry_Bill__c', referenceId: 'bill' }, Name: 'Tree bill', Account__r: { Ferry_Id__c: 'cust-1' } }],
    });
    expect(res.status).toBe(201);
    const [created] = (res.body as { results: { id: string }[] }).results;
    expect(await fieldOf('Ferry_Bill__c', created?.id ?? '', 'Account__c')).toBe(account);
  });

  it('resolves parent keys inside /composite subrequests', async () => {
    const account = await accountWith('cust-1');
    const res = await raw(ctx.conn, 'POST', '/composite', {
      allOrNone: false,
      compositeRequest: [
        { method: 'PATCH', url: `/services/data/v${API_VERSION}/sobjects/Ferry_Bill__c/Ferry_Id__c/bill-1`, referenceId: 'bill', body: { Name: 'B', Account__r: { Ferry_Id__c: 'cust-1' } } },
        { method: 'POST', url: `/services/data/v${API_VERSION}/sobjects/Ferry_Bill_Line_Item__c`, referenceId: 'line', body: { Name: 'L', Bill__r: { Ferry_Id__c: 'bill-1' } } },
      ],
    });
    const responses = (res.body as { compositeResponse: { httpStatusCode: number; body: { id: string } }[] }).compositeResponse;
    expect(responses.map((r) => r.httpStatusCode)).toEqual([201, 201]);
    expect(await fieldOf('Ferry_Bill__c', responses[0]?.body.id ?? '', 'Account__c')).toBe(account);
    expect(await fieldOf('Ferry_Bill_Line_Item__c', responses[1]?.body.id ?? '', 'Bill__c')).toBe(responses[0]?.body.id);
  });
});

describe('parent references by external id in Bulk API 2.0 ingest', () => {
  it('upserts bills with an Account__r.Ferry_Id__c column: a missing parent fails its row, an empty cell leaves the lookup, #N/A clears it', async () => {
    fastPolling();
    const first = await accountWith('cust-1');
    const second = await accountWith('cust-2');
    const kept = await ctx.conn.sobject('Ferry_Bill__c').create({ Name: 'Kept', Ferry_Id__c: 'bill-kept', Account__c: first });
    const cleared = await ctx.conn.sobject('Ferry_Bill__c').create({ Name: 'Cleared', Ferry_Id__c: 'bill-cleared', Account__c: first });
    const results = await ctx.conn.bulk2.loadAndWaitForResults({
      object: 'Ferry_Bill__c',
      operation: 'upsert',
      externalIdFieldName: 'Ferry_Id__c',
      input: [
        { Ferry_Id__c: 'bill-1', Name: 'One', 'Account__r.Ferry_Id__c': 'cust-1' },
        { Ferry_Id__c: 'bill-2', Name: 'Two', 'Account__r.Ferry_Id__c': 'cust-missing' },
        { Ferry_Id__c: 'bill-3', Name: 'Three', 'Account__r.Ferry_Id__c': 'cust-2' },
        { Ferry_Id__c: 'bill-kept', Name: 'Kept 2', 'Account__r.Ferry_Id__c': '' },
        { Ferry_Id__c: 'bill-cleared', Name: 'Cleared 2', 'Account__r.Ferry_Id__c': null },
      ],
    });
    expect(results.successfulResults.map((r: Record<string, unknown>) => [r['Ferry_Id__c'], r['sf__Created']])).toEqual([
      ['bill-1', 'true'],
      ['bill-3', 'true'],
      ['bill-kept', 'false'],
      ['bill-cleared', 'false'],
    ]);
    // jsforce uploads upserts with an Id column of its own (empty here), and results echo every column.
    expect(results.failedResults).toEqual([
      {
        sf__Id: '',
        sf__Error: 'INVALID_FIELD:Foreign key external ID: cust-missing not found for field Ferry_Id__c in entity Account: --',
        Id: '',
        Ferry_Id__c: 'bill-2',
        Name: 'Two',
        'Account__r.Ferry_Id__c': 'cust-missing',
      },
    ]);
    const bills = await ctx.conn.query<{ Ferry_Id__c: string; Account__c: string | null }>('SELECT Ferry_Id__c, Account__c FROM Ferry_Bill__c ORDER BY Ferry_Id__c');
    expect(bills.records.map((r) => [r.Ferry_Id__c, r.Account__c])).toEqual([
      ['bill-1', first],
      ['bill-3', second],
      ['bill-cleared', null],
      ['bill-kept', first],
    ]);
    expect(kept.success && cleared.success).toBe(true);
  });

  it('inserts contacts with Account.Ferry_Id__c and master-detail line items with Bill__r.Ferry_Id__c', async () => {
    fastPolling();
    const account = await accountWith('cust-1');
    const bill = await ctx.conn.sobject('Ferry_Bill__c').create({ Name: 'B', Ferry_Id__c: 'bill-1' });
    const contacts = await ctx.conn.bulk2.loadAndWaitForResults({
      object: 'Contact',
      operation: 'insert',
      input: [{ LastName: 'Lee', 'Account.Ferry_Id__c': 'cust-1' }],
    });
    expect(contacts.failedResults).toEqual([]);
    expect(await fieldOf('Contact', String(contacts.successfulResults[0]?.['sf__Id']), 'AccountId')).toBe(account);
    const lines = await ctx.conn.bulk2.loadAndWaitForResults({
      object: 'Ferry_Bill_Line_Item__c',
      operation: 'upsert',
      externalIdFieldName: 'Ferry_Id__c',
      input: [
        { Ferry_Id__c: 'line-1', Name: 'L1', Amount__c: '5', 'Bill__r.Ferry_Id__c': 'bill-1' },
        { Ferry_Id__c: 'line-2', Name: 'L2', Amount__c: '7', 'Bill__r.Ferry_Id__c': 'bill-missing' },
      ],
    });
    expect(lines.successfulResults.map((r: Record<string, unknown>) => r['Ferry_Id__c'])).toEqual(['line-1']);
    expect(await fieldOf('Ferry_Bill_Line_Item__c', String(lines.successfulResults[0]?.['sf__Id']), 'Bill__c')).toBe(bill.id);
    expect(lines.failedResults.map((r) => r['sf__Error'])).toEqual(['INVALID_FIELD:Foreign key external ID: bill-missing not found for field Ferry_Id__c in entity Ferry_Bill__c: --']);
    // Upserting the existing line with its bill column again is refused like Bill__c itself.
    const again = await ctx.conn.bulk2.loadAndWaitForResults({
      object: 'Ferry_Bill_Line_Item__c',
      operation: 'upsert',
      externalIdFieldName: 'Ferry_Id__c',
      input: [{ Ferry_Id__c: 'line-1', Amount__c: '6', 'Bill__r.Ferry_Id__c': 'bill-1' }],
    });
    expect(again.failedResults.map((r) => r['sf__Error'])).toEqual([`INVALID_FIELD_FOR_INSERT_UPDATE:${NOT_WRITABLE}:Bill__c --`]);
  });

  it('fails the job when the header names an unknown relationship, as Salesforce does', async () => {
    const job = (await raw(ctx.conn, 'POST', '/jobs/ingest', { object: 'Ferry_Bill__c', operation: 'insert' })).body as { id: string };
    const upload = await fetch(`${ctx.conn.instanceUrl}/services/data/v${API_VERSION}/jobs/ingest/${job.id}/batches`, {
      method: 'PUT',
      headers: { Authorization: `Bearer ${ctx.conn.accessToken ?? ''}`, 'Content-Type': 'text/csv' },
      body: 'Name,Acount__r.Ferry_Id__c\nB,cust-1\n',
    });
    expect(upload.status).toBe(201);
    await raw(ctx.conn, 'PATCH', `/jobs/ingest/${job.id}`, { state: 'UploadComplete' });
    let info = { state: '', errorMessage: '', numberRecordsProcessed: -1, numberRecordsFailed: -1 };
    for (let i = 0; i < 100 && info.state !== 'Failed'; i += 1) {
      info = (await raw(ctx.conn, 'GET', `/jobs/ingest/${job.id}`)).body as typeof info;
      if (info.state !== 'Failed') await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(info).toMatchObject({ state: 'Failed', errorMessage: 'InvalidBatch : Unable to find relationship: Acount__r', numberRecordsProcessed: 0, numberRecordsFailed: 0 });
  });
});
