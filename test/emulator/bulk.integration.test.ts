import { describe, expect, it } from 'vitest';
import { raw, useEmulator } from './support.ts';

// jsforce 3.10.16 pipes every results page into one CSV stream, which ends with the first page,
// so its bulk2.query is driven with one page here and multi-page locators are checked raw.
const ctx = useEmulator({ bulkQueryPageSize: 1000 });

function fastPolling(): void {
  ctx.conn.bulk2.pollInterval = 50;
  ctx.conn.bulk2.pollTimeout = 30_000;
}

describe('Bulk API 2.0 through jsforce', () => {
  it('inserts and upserts CSV through bulk2.loadAndWaitForResults and reports the three result files', async () => {
    fastPolling();
    const inserted = await ctx.conn.bulk2.loadAndWaitForResults({
      object: 'Account',
      operation: 'insert',
      input: [
        { Name: 'Bulk A', Ferry_Id__c: 'b-a' },
        { Name: 'Bulk B', Ferry_Id__c: 'b-b' },
        { Ferry_Id__c: 'b-c' },
      ],
    });
    expect(inserted.successfulResults).toHaveLength(2);
    expect(inserted.successfulResults[0]).toMatchObject({ sf__Created: 'true', Name: 'Bulk A' });
    expect(inserted.failedResults).toEqual([{ sf__Id: '', sf__Error: 'REQUIRED_FIELD_MISSING:Required fields are missing: [Name]:Name --', Ferry_Id__c: 'b-c', Name: '' }]);
    expect(inserted.unprocessedRecords).toEqual([]);
    const upserted = await ctx.conn.bulk2.loadAndWaitForResults({
      object: 'Account',
      operation: 'upsert',
      externalIdFieldName: 'Ferry_Id__c',
      input: [
        { Ferry_Id__c: 'b-a', Name: 'Bulk A2', Phone: null },
        { Ferry_Id__c: 'b-d', Name: 'Bulk D' },
      ],
    });
    expect(upserted.successfulResults.map((r) => r['sf__Created'])).toEqual(['false', 'true']);
    const names = await ctx.conn.query<{ Name: string }>('SELECT Name FROM Account ORDER BY Name');
    expect(names.records.map((r) => r.Name)).toEqual(['Bulk A2', 'Bulk B', 'Bulk D']);
  });

  it('updates, deletes and hard-deletes by Id', async () => {
    fastPolling();
    const seeded = ctx.emu.controls.seed([1, 2, 3].map((i) => ({ attributes: { type: 'Contact' }, LastName: `C${i}` })));
    const [a = '', b = '', c = ''] = seeded.map((r) => r.id ?? '');
    await ctx.conn.bulk2.loadAndWaitForResults({ object: 'Contact', operation: 'update', input: [{ Id: a, Title: 'Boss' }] });
    expect((await ctx.conn.sobject('Contact').retrieve(a))['Title']).toBe('Boss');
    await ctx.conn.bulk2.loadAndWaitForResults({ object: 'Contact', operation: 'delete', input: [{ Id: b }] });
    await ctx.conn.bulk2.loadAndWaitForResults({ object: 'Contact', operation: 'hardDelete', input: [{ Id: c }] });
    const all = await ctx.conn.query<{ Id: string; IsDeleted: boolean }>('SELECT Id, IsDeleted FROM Contact ORDER BY LastName', { scanAll: true });
    expect(all.records.map((r) => [r.Id, r.IsDeleted])).toEqual([
      [a, false],
      [b, true],
    ]);
  });

  it('upserts with externalIdFieldName Id: inserts rows without an Id, updates rows with one, fails an unknown Id', async () => {
    fastPolling();
    const [existing = ''] = ctx.emu.controls.seed([{ attributes: { type: 'Account' }, Name: 'Old Name' }]).map((r) => r.id ?? '');
    const deleted = ctx.emu.controls.seed([{ attributes: { type: 'Account' }, Name: 'Binned' }])[0]?.id ?? '';
    await ctx.conn.sobject('Account').destroy(deleted);
    const unknown = '001000000000000AAA';
    const result = await ctx.conn.bulk2.loadAndWaitForResults({
      object: 'Account',
      operation: 'upsert',
      externalIdFieldName: 'Id',
      input: [
        { Id: existing, Name: 'New Name' },
        { Id: '', Name: 'Fresh' },
        { Id: unknown, Name: 'Ghost' },
        { Id: deleted, Name: 'Zombie' },
      ],
    });
    const successful = result.successfulResults as Record<string, unknown>[];
    const failed = result.failedResults as Record<string, unknown>[];
    expect(successful.map((r) => [r['sf__Id'], r['sf__Created'], r['Name']])).toEqual([
      [existing, 'false', 'New Name'],
      [expect.stringMatching(/^001/), 'true', 'Fresh'],
    ]);
    expect(failed.map((r) => [r['sf__Error'], r['Name']])).toEqual([
      ['INVALID_CROSS_REFERENCE_KEY:invalid cross reference id: --', 'Ghost'],
      ['ENTITY_IS_DELETED:entity is deleted: --', 'Zombie'],
    ]);
    const names = await ctx.conn.query<{ Name: string }>('SELECT Name FROM Account ORDER BY Name');
    expect(names.records.map((r) => r.Name)).toEqual(['Fresh', 'New Name']);
  });

  it('runs a job asynchronously: open, upload, close, then poll to JobComplete', async () => {
    const job = (await raw(ctx.conn, 'POST', '/jobs/ingest', { object: 'Lead', operation: 'insert', contentType: 'CSV', lineEnding: 'LF', columnDelimiter: 'COMMA' })).body as { id: string; state: string; contentUrl: string; jobType: string };
    expect(job).toMatchObject({ state: 'Open', jobType: 'V2Ingest' });
    expect(job.id).toMatch(/^750/);
    const upload = await fetch(`${ctx.conn.instanceUrl}/${job.contentUrl}`, { method: 'PUT', headers: { Authorization: `Bearer ${ctx.conn.accessToken ?? ''}`, 'Content-Type': 'text/csv' }, body: 'LastName,Company\nLee,"Acme, Inc."\n' });
    expect(upload.status).toBe(201);
    const closed = await raw(ctx.conn, 'PATCH', `/jobs/ingest/${job.id}`, { state: 'UploadComplete' });
    expect((closed.body as { state: string }).state).toBe('UploadComplete');
    let state = '';
    for (let i = 0; i < 100 && state !== 'JobComplete'; i += 1) {
      state = ((await raw(ctx.conn, 'GET', `/jobs/ingest/${job.id}`)).body as { state: string }).state;
      if (state !== 'JobComplete') await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(state).toBe('JobComplete');
    const info = (await raw(ctx.conn, 'GET', `/jobs/ingest/${job.id}`)).body;
    expect(info).toMatchObject({ numberRecordsProcessed: 1, numberRecordsFailed: 0 });
    const success = await raw(ctx.conn, 'GET', `/jobs/ingest/${job.id}/successfulResults`);
    expect(success.headers.get('content-type')).toBe('text/csv');
    expect(success.text).toMatch(/^"sf__Id","sf__Created","LastName","Company"\n"00Q[A-Za-z0-9]{15}","true","Lee","Acme, Inc."\n$/);
  });

  it('fails a job whose CSV names an unknown field', async () => {
    const job = (await raw(ctx.conn, 'POST', '/jobs/ingest', { object: 'Account', operation: 'insert' })).body as { id: string };
    await fetch(`${ctx.conn.instanceUrl}/services/data/v60.0/jobs/ingest/${job.id}/batches`, { method: 'PUT', headers: { Authorization: `Bearer ${ctx.conn.accessToken ?? ''}`, 'Content-Type': 'text/csv' }, body: 'Name,Bogus__c\nx,y\n' });
    await raw(ctx.conn, 'PATCH', `/jobs/ingest/${job.id}`, { state: 'UploadComplete' });
    let info = { state: '', errorMessage: '' };
    for (let i = 0; i < 100 && info.state !== 'Failed'; i += 1) {
      info = (await raw(ctx.conn, 'GET', `/jobs/ingest/${job.id}`)).body as typeof info;
      if (info.state !== 'Failed') await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(info).toMatchObject({ state: 'Failed', errorMessage: 'InvalidBatch : Field name not found : Bogus__c' });
  });

  it('queries through bulk2.query with locator paging to Sforce-Locator: null', async () => {
    fastPolling();
    ctx.emu.controls.seed(Array.from({ length: 25 }, (_, i) => ({ attributes: { type: 'Account' }, Name: `Q${String(i).padStart(2, '0')}`, NumberOfEmployees: i })));
    const records = await (await ctx.conn.bulk2.query('SELECT Name, NumberOfEmployees, Owner.Name FROM Account ORDER BY Name')).toArray();
    expect(records).toHaveLength(25);
    expect(records[0]).toEqual({ Name: 'Q00', NumberOfEmployees: '0', 'Owner.Name': 'Ferry Admin' });
    const job = (await raw(ctx.conn, 'POST', '/jobs/query', { operation: 'query', query: 'SELECT Id FROM Account' })).body as { id: string; state: string };
    let state = job.state;
    for (let i = 0; i < 100 && state !== 'JobComplete'; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      state = ((await raw(ctx.conn, 'GET', `/jobs/query/${job.id}`)).body as { state: string }).state;
    }
    const first = await raw(ctx.conn, 'GET', `/jobs/query/${job.id}/results?maxRecords=20`);
    expect(first.headers.get('sforce-numberofrecords')).toBe('20');
    const locator = first.headers.get('sforce-locator') ?? '';
    expect(locator).not.toBe('null');
    const last = await raw(ctx.conn, 'GET', `/jobs/query/${job.id}/results?maxRecords=20&locator=${locator}`);
    expect(last.headers.get('sforce-numberofrecords')).toBe('5');
    expect(last.headers.get('sforce-locator')).toBe('null');
  });

  it('rejects a bulk query with a bad field at job creation', async () => {
    const res = await raw(ctx.conn, 'POST', '/jobs/query', { operation: 'query', query: 'SELECT Nope FROM Account' });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject([{ errorCode: 'INVALID_FIELD' }]);
  });
});
