import { describe, expect, it } from 'vitest';
import { API_VERSION, raw, useEmulator } from './support.ts';

const ctx = useEmulator();

describe('composite resources', () => {
  it('upserts a collection by Ferry_Id__c with created flags, as Ferry does', async () => {
    await ctx.conn.sobject('Account').create({ Name: 'Existing', Ferry_Id__c: 'cust-1' });
    const res = await raw(ctx.conn, 'PATCH', '/composite/sobjects/Account/Ferry_Id__c', {
      allOrNone: false,
      records: [
        { attributes: { type: 'Account' }, Ferry_Id__c: 'cust-1', Name: 'Existing renamed' },
        { attributes: { type: 'Account' }, Ferry_Id__c: 'cust-2', Name: 'New' },
        { attributes: { type: 'Account' }, Ferry_Id__c: 'cust-3' },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual([
      { id: expect.any(String) as unknown, success: true, errors: [], created: false },
      { id: expect.any(String) as unknown, success: true, errors: [], created: true },
      { success: false, errors: [{ statusCode: 'REQUIRED_FIELD_MISSING', message: 'Required fields are missing: [Name]', fields: ['Name'] }] },
    ]);
    const viaJsforce = await ctx.conn.sobject('Account').upsert([{ Ferry_Id__c: 'cust-2', Name: 'Again' }, { Ferry_Id__c: 'cust-4', Name: 'Four' }], 'Ferry_Id__c');
    expect(viaJsforce.map((r) => r.success)).toEqual([true, true]);
    expect((await ctx.conn.query("SELECT Name FROM Account WHERE Ferry_Id__c = 'cust-2'")).records[0]?.['Name']).toBe('Again');
  });

  it('rolls every record back with allOrNone when one fails', async () => {
    const res = await raw(ctx.conn, 'POST', '/composite/sobjects', {
      allOrNone: true,
      records: [
        { attributes: { type: 'Contact' }, LastName: 'Fine' },
        { attributes: { type: 'Contact' }, FirstName: 'Broken' },
      ],
    });
    expect(res.body).toEqual([
      { success: false, errors: [{ statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK', message: 'Record rolled back because not all records were valid and the request was using AllOrNone header', fields: [] }] },
      { success: false, errors: [{ statusCode: 'REQUIRED_FIELD_MISSING', message: 'Required fields are missing: [LastName]', fields: ['LastName'] }] },
    ]);
    expect((await ctx.conn.query('SELECT COUNT() FROM Contact')).totalSize).toBe(0);
  });

  it('retrieves and deletes collections, reporting per-record errors', async () => {
    const created = await ctx.conn.sobject('Lead').create([
      { LastName: 'A', Company: 'X' },
      { LastName: 'B', Company: 'Y' },
    ]);
    const ids = created.flatMap((r) => (r.success ? [r.id] : []));
    const retrieved = await ctx.conn.sobject('Lead').retrieve(ids, { fields: ['LastName', 'Status'] });
    expect(retrieved.map((r): unknown[] => [r?.['LastName'], r?.['Status']])).toEqual([
      ['A', 'Open - Not Contacted'],
      ['B', 'Open - Not Contacted'],
    ]);
    const deleted = await raw(ctx.conn, 'DELETE', `/composite/sobjects?ids=${ids[0] ?? ''},00Q000000000000EAA&allOrNone=false`);
    expect(deleted.body).toEqual([
      { id: ids[0], success: true, errors: [] },
      { id: '00Q000000000000EAA', success: false, errors: [{ statusCode: 'INVALID_CROSS_REFERENCE_KEY', message: 'invalid cross reference id', fields: [] }] },
    ]);
  });

  it('runs /composite with references between subrequests', async () => {
    const res = await raw(ctx.conn, 'POST', '/composite', {
      allOrNone: true,
      compositeRequest: [
        { method: 'POST', url: `/services/data/v${API_VERSION}/sobjects/Account`, referenceId: 'acct', body: { Name: 'Composite Co' } },
        { method: 'POST', url: `/services/data/v${API_VERSION}/sobjects/Contact`, referenceId: 'contact', body: { LastName: 'Ref', AccountId: '@{acct.id}' } },
        { method: 'GET', url: `/services/data/v${API_VERSION}/sobjects/Contact/@{contact.id}?fields=AccountId`, referenceId: 'read' },
      ],
    });
    const body = res.body as { compositeResponse: { body: Record<string, unknown>; httpStatusCode: number; referenceId: string; httpHeaders: Record<string, string> }[] };
    expect(body.compositeResponse.map((r) => r.httpStatusCode)).toEqual([201, 201, 200]);
    expect(body.compositeResponse[0]?.httpHeaders['Location']).toBe(`/services/data/v${API_VERSION}/sobjects/Account/${String(body.compositeResponse[0]?.body['id'])}`);
    expect(body.compositeResponse[2]?.body['AccountId']).toBe(body.compositeResponse[0]?.body['id']);
  });

  it('rolls back /composite with allOrNone and marks the other subrequests PROCESSING_HALTED', async () => {
    const res = await raw(ctx.conn, 'POST', '/composite', {
      allOrNone: true,
      compositeRequest: [
        { method: 'POST', url: `/services/data/v${API_VERSION}/sobjects/Account`, referenceId: 'ok', body: { Name: 'Will roll back' } },
        { method: 'POST', url: `/services/data/v${API_VERSION}/sobjects/Account`, referenceId: 'bad', body: {} },
      ],
    });
    const body = res.body as { compositeResponse: { body: { errorCode: string }[]; httpStatusCode: number }[] };
    expect(body.compositeResponse.map((r) => [r.httpStatusCode, r.body[0]?.errorCode])).toEqual([
      [400, 'PROCESSING_HALTED'],
      [400, 'REQUIRED_FIELD_MISSING'],
    ]);
    expect((await ctx.conn.query('SELECT COUNT() FROM Account')).totalSize).toBe(0);
  });

  it('runs /composite/batch and halts on error when asked', async () => {
    const res = await raw(ctx.conn, 'POST', '/composite/batch', {
      haltOnError: true,
      batchRequests: [
        { method: 'POST', url: `v${API_VERSION}/sobjects/Account`, richInput: { Name: 'Batch' } },
        { method: 'GET', url: `v${API_VERSION}/sobjects/Account/001000000000000AAA` },
        { method: 'GET', url: `v${API_VERSION}/limits` },
      ],
    });
    expect(res.body).toMatchObject({
      hasErrors: true,
      results: [
        { statusCode: 201, result: { success: true } },
        { statusCode: 404, result: [{ errorCode: 'NOT_FOUND' }] },
        { statusCode: 412, result: [{ errorCode: 'BATCH_PROCESSING_HALTED' }] },
      ],
    });
  });

  it('creates record trees with children and reports tree errors by reference id', async () => {
    const ok = await raw(ctx.conn, 'POST', '/composite/tree/Ferry_Bill__c', {
      records: [
        {
          attributes: { type: 'Ferry_Bill__c', referenceId: 'bill1' },
          Name: 'Tree bill',
          Line_Items__r: { records: [{ attributes: { type: 'Ferry_Bill_Line_Item__c', referenceId: 'line1' }, Name: 'Line', Amount__c: 5 }] },
        },
      ],
    });
    expect(ok.status).toBe(201);
    expect(ok.body).toEqual({ hasErrors: false, results: [{ referenceId: 'bill1', id: expect.any(String) as unknown }, { referenceId: 'line1', id: expect.any(String) as unknown }] });
    const lines = await ctx.conn.query("SELECT Bill__r.Name FROM Ferry_Bill_Line_Item__c WHERE Name = 'Line'");
    expect(lines.records[0]?.['Bill__r']).toMatchObject({ Name: 'Tree bill' });
    const bad = await raw(ctx.conn, 'POST', '/composite/tree/Account', { records: [{ attributes: { type: 'Account', referenceId: 'r1' } }] });
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({ hasErrors: true, results: [{ referenceId: 'r1', errors: [{ statusCode: 'REQUIRED_FIELD_MISSING', message: 'Required fields are missing: [Name]', fields: ['Name'] }] }] });
  });
});
