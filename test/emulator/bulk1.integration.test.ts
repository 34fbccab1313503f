import type { Connection } from 'jsforce';
import { beforeEach, describe, expect, it } from 'vitest';
import { oauthLogin, useEmulator } from './support.ts';

// jsforce's bulk.load closes its job after resolving, without waiting: tests count the closes the
// emulator has answered and wait for theirs, so that no close lands after the next test's reset.
const closes = { count: 0, bulk1Calls: 0, bulk2Calls: 0 };
const ctx = useEmulator({
  onRequest: (r) => {
    if (r.url.startsWith('/services/async/')) closes.bulk1Calls += 1;
    if (r.url.includes('/jobs/ingest')) closes.bulk2Calls += 1;
    if (r.method === 'POST' && /^\/services\/async\/[\d.]+\/job\/[^/]+$/.test(r.url) && r.body.toString().includes('<state>Closed</state>')) closes.count += 1;
  },
});
beforeEach(() => {
  Object.assign(closes, { count: 0, bulk1Calls: 0, bulk2Calls: 0 });
});

async function jobsClosed(count: number): Promise<void> {
  for (let i = 0; i < 500 && closes.count < count; i += 1) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(closes.count).toBe(count);
}
const NS = 'http://www.force.com/2009/06/asyncapi/dataload';

function fastPolling(): void {
  ctx.conn.bulk.pollInterval = 50;
  ctx.conn.bulk.pollTimeout = 30_000;
}

interface Reply {
  status: number;
  type: string;
  text: string;
}

/** A raw Bulk 1.0 call as Salesforce's docs show it: the session in X-SFDC-Session. */
async function async(conn: Connection, method: string, path: string, body?: string, contentType?: string, headers: Record<string, string> = {}): Promise<Reply> {
  const res = await fetch(`${conn.instanceUrl}/services/async/60.0${path}`, {
    method,
    headers: { 'X-SFDC-Session': conn.accessToken ?? '', ...(contentType === undefined ? {} : { 'Content-Type': contentType }), ...headers },
    ...(body === undefined ? {} : { body }),
  });
  return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
}

function tag(xml: string, name: string): string | undefined {
  return new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];
}

function jobXml(fields: Record<string, string>): string {
  const inner = Object.entries(fields)
    .map(([k, v]) => `<${k}>${v}</${k}>`)
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?><jobInfo xmlns="${NS}">${inner}</jobInfo>`;
}

/** Polls a batch until it leaves Queued/InProgress; returns its last info (XML text). */
async function settle(conn: Connection, jobId: string, batchId: string): Promise<string> {
  for (let i = 0; i < 200; i += 1) {
    const info = await async(conn, 'GET', `/job/${jobId}/batch/${batchId}`);
    const state = tag(info.text, 'state');
    if (state !== 'Queued' && state !== 'InProgress') return info.text;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('batch did not finish');
}

async function names(object = 'Account'): Promise<string[]> {
  const result = await ctx.conn.query<{ Name: string }>(`SELECT Name FROM ${object} ORDER BY Name`);
  return result.records.map((r) => r.Name);
}

describe('Bulk API 1.0 through jsforce conn.bulk', () => {
  it('inserts with bulk.load and reports a failing row with its error, the others saved', async () => {
    fastPolling();
    const results = await ctx.conn.bulk.load('Account', 'insert', [{ Name: 'One', Ferry_Id__c: 'k1' }, { Ferry_Id__c: 'k2' }, { Name: 'Three', NumberOfEmployees: 3 }]);
    expect(results).toHaveLength(3);
    expect(results[0]).toMatchObject({ success: true, created: true, errors: [] });
    expect(results[0]?.id).toMatch(/^001[A-Za-z0-9]{15}$/);
    expect(results[1]).toEqual({ id: null, success: false, created: false, errors: ['REQUIRED_FIELD_MISSING:Required fields are missing: [Name]:Name --'] });
    expect(results[2]).toMatchObject({ success: true, created: true });
    expect(await names()).toEqual(['One', 'Three']);
    await jobsClosed(1);
  });

  it('updates, upserts by external id and by Id, deletes and hard-deletes', async () => {
    fastPolling();
    const seeded = ctx.emu.controls.seed([
      { attributes: { type: 'Account' }, Name: 'A', Ferry_Id__c: 'a' },
      { attributes: { type: 'Account' }, Name: 'B', Ferry_Id__c: 'b' },
      { attributes: { type: 'Account' }, Name: 'C', Ferry_Id__c: 'c' },
    ]);
    const [a = '', b = '', c = ''] = seeded.map((r) => r.id ?? '');
    const updated = await ctx.conn.bulk.load('Account', 'update', [{ Id: a, Name: 'A2', Phone: null }]);
    expect(updated).toEqual([{ id: a, success: true, created: false, errors: [] }]);
    const upserted = await ctx.conn.bulk.load('Account', 'upsert', { extIdField: 'Ferry_Id__c' }, [
      { Ferry_Id__c: 'b', Name: 'B2' },
      { Ferry_Id__c: 'd', Name: 'D' },
    ]);
    expect(upserted.map((r) => [r.success, r.created])).toEqual([
      [true, false],
      [true, true],
    ]);
    const byId = await ctx.conn.bulk.load('Account', 'upsert', { extIdField: 'Id' }, [{ Id: c, Name: 'C2' }, { Name: 'E' }]);
    expect(byId.map((r) => [r.success, r.created])).toEqual([
      [true, false],
      [true, true],
    ]);
    expect(await names()).toEqual(['A2', 'B2', 'C2', 'D', 'E']);
    const deleted = await ctx.conn.bulk.load('Account', 'delete', [{ Id: a }]);
    expect(deleted).toEqual([{ id: a, success: true, created: false, errors: [] }]);
    await ctx.conn.bulk.load('Account', 'hardDelete', [{ Id: b }]);
    const all = await ctx.conn.query<{ Id: string; IsDeleted: boolean }>(`SELECT Id, IsDeleted FROM Account WHERE Id IN ('${a}', '${b}')`, { scanAll: true });
    expect(all.records.map((r) => [r.Id, r.IsDeleted])).toEqual([[a, true]]);
    await jobsClosed(5);
  });

  it('streams bulk.query records from a query batch result', async () => {
    fastPolling();
    ctx.emu.controls.seed([
      { attributes: { type: 'Account' }, Name: 'Q1', NumberOfEmployees: 10 },
      { attributes: { type: 'Account' }, Name: 'Q2' },
    ]);
    const stream = await ctx.conn.bulk.query('SELECT Id, Name, NumberOfEmployees FROM Account ORDER BY Name');
    const rows: Record<string, unknown>[] = [];
    await new Promise<void>((resolve, reject) => {
      stream.on('record', (r: Record<string, unknown>) => rows.push(r));
      stream.on('end', () => resolve());
      stream.on('error', reject);
    });
    expect(rows.map((r) => [r['Name'], r['NumberOfEmployees']])).toEqual([
      ['Q1', '10'],
      ['Q2', ''],
    ]);
    await jobsClosed(1);
  });

  it('switches find().update() and destroy() above the bulk threshold to Bulk API 1.0 (jsforce 3.10.16 default)', async () => {
    fastPolling();
    ctx.emu.controls.seed(Array.from({ length: 205 }, (_, i) => ({ attributes: { type: 'Contact' }, LastName: `L${i}` })));
    const updated = await ctx.conn.sobject('Contact').find({ LastName: { $like: 'L%' } }, ['Id']).update({ Title: 'Bulked' });
    expect(updated).toHaveLength(205);
    expect(updated.every((r) => r.success)).toBe(true);
    expect([closes.bulk1Calls > 0, closes.bulk2Calls]).toEqual([true, 0]);
    expect((await ctx.conn.query('SELECT COUNT() FROM Contact WHERE Title = \'Bulked\'')).totalSize).toBe(205);
    const destroyed = await ctx.conn.sobject('Contact').find({ Title: 'Bulked' }, ['Id']).destroy();
    expect(destroyed).toHaveLength(205);
    expect((await ctx.conn.query('SELECT COUNT() FROM Contact')).totalSize).toBe(0);
    await jobsClosed(2);
  });

  it('also serves find().update() with bulkApiVersion 2 through Bulk API 2.0', async () => {
    ctx.conn.bulk2.pollInterval = 50;
    ctx.emu.controls.seed(Array.from({ length: 201 }, (_, i) => ({ attributes: { type: 'Contact' }, LastName: `V${i}` })));
    const updated = await ctx.conn.sobject('Contact').find({}, ['Id']).update({ Title: 'Two' }, { bulkApiVersion: 2 });
    expect(updated).toHaveLength(201);
    expect([closes.bulk1Calls, closes.bulk2Calls > 0]).toEqual([0, true]);
    expect((await ctx.conn.query('SELECT COUNT() FROM Contact WHERE Title = \'Two\'')).totalSize).toBe(201);
  });

  it('runs createJob + createBatch with job and batch info, then closes the job', async () => {
    fastPolling();
    const job = ctx.conn.bulk.createJob('Contact', 'insert', { concurrencyMode: 'Serial' });
    const batch = job.createBatch();
    const results = await new Promise<unknown[]>((resolve, reject) => {
      batch.on('error', reject);
      batch.on('queue', () => batch.poll(50, 30_000));
      batch.on('response', resolve);
      batch.execute([{ LastName: 'Batch1' }, { LastName: 'Batch2' }]);
    });
    expect(results).toHaveLength(2);
    const info = await job.check();
    expect(info).toMatchObject({
      operation: 'insert',
      object: 'Contact',
      state: 'Open',
      concurrencyMode: 'Serial',
      contentType: 'CSV',
      numberBatchesCompleted: '1',
      numberBatchesTotal: '1',
      numberRecordsProcessed: '2',
      numberRecordsFailed: '0',
      apiVersion: '60.0',
      createdById: ctx.emu.identity.userId,
    });
    const batchInfo = await batch.check();
    expect(batchInfo).toMatchObject({ id: batch.id, jobId: job.id, state: 'Completed', numberRecordsProcessed: '2' });
    expect(await job.list()).toHaveLength(1);
    const closed = await job.close();
    expect(closed?.state).toBe('Closed');
  });

  it('aborts a job: queued batches are NotProcessed and no row of them is saved', async () => {
    const created = await async(ctx.conn, 'POST', '/job', jobXml({ operation: 'insert', object: 'Account', contentType: 'CSV' }), 'application/xml');
    const jobId = tag(created.text, 'id') ?? '';
    // The first batch is large enough (10,000 rows, saved 200 a transaction) to still be running
    // when the abort arrives; the second waits behind it, Queued.
    const big = `Name\n${Array.from({ length: 10_000 }, (_, i) => `Keep${i}`).join('\n')}\n`;
    const first = await async(ctx.conn, 'POST', `/job/${jobId}/batch`, big, 'text/csv');
    const second = await async(ctx.conn, 'POST', `/job/${jobId}/batch`, 'Name\nDrop\n', 'text/csv');
    const aborted = await async(ctx.conn, 'POST', `/job/${jobId}`, jobXml({ state: 'Aborted' }), 'application/xml');
    expect(aborted.status).toBe(200);
    expect(tag(aborted.text, 'state')).toBe('Aborted');
    const firstInfo = await settle(ctx.conn, jobId, tag(first.text, 'id') ?? '');
    const secondInfo = await settle(ctx.conn, jobId, tag(second.text, 'id') ?? '');
    // A batch already in progress runs to its end; a queued one is never processed.
    expect([tag(firstInfo, 'state'), tag(firstInfo, 'numberRecordsProcessed')]).toEqual(['Completed', '10000']);
    expect([tag(secondInfo, 'state'), tag(secondInfo, 'numberRecordsProcessed')]).toEqual(['NotProcessed', '0']);
    expect(await names()).not.toContain('Drop');
    const late = await async(ctx.conn, 'POST', `/job/${jobId}/batch`, 'Name\nLate\n', 'text/csv');
    expect(late.status).toBe(400);
    expect(tag(late.text, 'exceptionCode')).toBe('InvalidJobState');
  });
});

describe('Bulk API 1.0 wire shapes', () => {
  it('creates a job with 201 and the jobInfo document in the dataload namespace', async () => {
    const res = await async(ctx.conn, 'POST', '/job', jobXml({ operation: 'upsert', object: 'Account', externalIdFieldName: 'Ferry_Id__c', contentType: 'CSV' }), 'application/xml; charset=UTF-8');
    expect(res.status).toBe(201);
    expect(res.type).toMatch(/^application\/xml/);
    expect(res.text).toContain(`<jobInfo xmlns="${NS}">`);
    expect(res.text).toMatch(/<id>750[A-Za-z0-9]{15}<\/id><operation>upsert<\/operation><object>Account<\/object><createdById>005/);
    expect(res.text).toMatch(/<createdDate>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z<\/createdDate>/);
    expect(res.text).toContain('<state>Open</state><externalIdFieldName>Ferry_Id__c</externalIdFieldName><concurrencyMode>Parallel</concurrencyMode><contentType>CSV</contentType>');
    expect(res.text).toContain('<numberBatchesTotal>0</numberBatchesTotal>');
    expect(res.text).toContain('<apiVersion>60.0</apiVersion>');
  });

  it('speaks JSON for a JSON job: job, batch of records, results with errors, request echo', async () => {
    const created = await async(ctx.conn, 'POST', '/job', JSON.stringify({ operation: 'insert', object: 'Contact', contentType: 'JSON' }), 'application/json');
    expect(created.status).toBe(201);
    const job = JSON.parse(created.text) as Record<string, unknown>;
    expect(job).toMatchObject({ operation: 'insert', object: 'Contact', state: 'Open', contentType: 'JSON', numberBatchesTotal: 0, apiVersion: 60 });
    const data = JSON.stringify([{ LastName: 'J1', Email: 'j1@example.com' }, { FirstName: 'NoLast' }, { LastName: 'J3', Account: { Ferry_Id__c: 'nope' } }]);
    const added = await async(ctx.conn, 'POST', `/job/${String(job['id'])}/batch`, data, 'application/json');
    expect(added.status).toBe(201);
    const batch = JSON.parse(added.text) as { id: string; state: string; jobId: string };
    expect(batch).toMatchObject({ state: 'Queued', jobId: job['id'] });
    for (let i = 0; i < 100; i += 1) {
      const info = JSON.parse((await async(ctx.conn, 'GET', `/job/${String(job['id'])}/batch/${batch.id}`)).text) as { state: string };
      if (info.state === 'Completed') break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const results = await async(ctx.conn, 'GET', `/job/${String(job['id'])}/batch/${batch.id}/result`);
    expect(results.type).toMatch(/^application\/json/);
    const parsed = JSON.parse(results.text) as { id?: string; success: boolean; created: boolean; errors: { statusCode: string; message: string; fields: string[] }[] }[];
    expect(parsed.map((r) => r.success)).toEqual([true, false, false]);
    expect(parsed[0]).toMatchObject({ success: true, created: true, errors: [] });
    expect(parsed[1]?.errors).toEqual([{ fields: ['LastName'], message: 'Required fields are missing: [LastName]', statusCode: 'REQUIRED_FIELD_MISSING' }]);
    expect(parsed[2]?.errors[0]).toMatchObject({ statusCode: 'INVALID_FIELD', message: 'Foreign key external ID: nope not found for field Ferry_Id__c in entity Account' });
    const echo = await async(ctx.conn, 'GET', `/job/${String(job['id'])}/batch/${batch.id}/request`);
    expect(echo.text).toBe(data);
    expect(await names('Contact')).toEqual([expect.stringContaining('J1')]);
  });

  it('takes an XML batch of sObjects, with xsi:nil for null, and answers XML results', async () => {
    const acct = ctx.emu.controls.seed([{ attributes: { type: 'Account' }, Name: 'X', Phone: '555' }])[0]?.id ?? '';
    const created = await async(ctx.conn, 'POST', '/job', jobXml({ operation: 'update', object: 'Account', contentType: 'XML' }), 'application/xml');
    const jobId = tag(created.text, 'id') ?? '';
    const data = `<?xml version="1.0" encoding="UTF-8"?><sObjects xmlns="${NS}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><sObject><Id>${acct}</Id><Name>X &amp; Co</Name><Phone xsi:nil="true"/></sObject><sObject><Id>001000000000000AAA</Id><Name>Ghost</Name></sObject></sObjects>`;
    const added = await async(ctx.conn, 'POST', `/job/${jobId}/batch`, data, 'application/xml');
    const info = await settle(ctx.conn, jobId, tag(added.text, 'id') ?? '');
    expect(tag(info, 'state')).toBe('Completed');
    expect(tag(info, 'numberRecordsFailed')).toBe('1');
    const results = await async(ctx.conn, 'GET', `/job/${jobId}/batch/${tag(added.text, 'id') ?? ''}/result`);
    expect(results.text).toContain(`<results xmlns="${NS}"><result><id>${acct}</id><success>true</success><created>false</created></result>`);
    expect(results.text).toContain('<result><errors><message>invalid cross reference id</message><statusCode>INVALID_CROSS_REFERENCE_KEY</statusCode></errors><id>001000000000000AAA</id><success>false</success><created>false</created></result>');
    const record = await ctx.conn.sobject('Account').retrieve(acct);
    expect([record['Name'], record['Phone']]).toEqual(['X & Co', null]);
  });

  it('answers a query batch with a result-list and the rows in CSV, JSON and XML', async () => {
    ctx.emu.controls.seed([{ attributes: { type: 'Account' }, Name: 'Parent Co', Ferry_Id__c: 'p' }]);
    ctx.emu.controls.seed([{ attributes: { type: 'Contact' }, LastName: 'Kid', Account: { Ferry_Id__c: 'p' } }]);
    const kid = (await ctx.conn.query<{ Id: string; CreatedDate: string }>('SELECT Id, CreatedDate FROM Contact')).records[0];
    const soql = 'SELECT Id, LastName, Email, CreatedDate, Account.Name FROM Contact';
    const outputs: Record<string, string> = {};
    for (const contentType of ['CSV', 'JSON', 'XML']) {
      const body = contentType === 'JSON' ? JSON.stringify({ operation: 'query', object: 'Contact', contentType }) : jobXml({ operation: 'query', object: 'Contact', contentType });
      const created = await async(ctx.conn, 'POST', '/job', body, contentType === 'JSON' ? 'application/json' : 'application/xml');
      const jobId = contentType === 'JSON' ? String((JSON.parse(created.text) as { id: string }).id) : (tag(created.text, 'id') ?? '');
      const added = await async(ctx.conn, 'POST', `/job/${jobId}/batch`, soql, { CSV: 'text/csv', JSON: 'application/json', XML: 'application/xml' }[contentType]);
      const batchId = contentType === 'JSON' ? String((JSON.parse(added.text) as { id: string }).id) : (tag(added.text, 'id') ?? '');
      for (let i = 0; i < 100; i += 1) {
        const info = await async(ctx.conn, 'GET', `/job/${jobId}/batch/${batchId}`);
        if (info.text.includes('Completed')) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const list = await async(ctx.conn, 'GET', `/job/${jobId}/batch/${batchId}/result`);
      const resultId = contentType === 'JSON' ? String((JSON.parse(list.text) as string[])[0]) : (tag(list.text, 'result') ?? '');
      expect(resultId).toMatch(/^752/);
      if (contentType !== 'JSON') expect(list.text).toContain(`<result-list xmlns="${NS}"><result>${resultId}</result></result-list>`);
      outputs[contentType] = (await async(ctx.conn, 'GET', `/job/${jobId}/batch/${batchId}/result/${resultId}`)).text;
    }
    const id = kid?.Id ?? '';
    const created = kid?.CreatedDate ?? '';
    expect(outputs['CSV']).toBe(`"Id","LastName","Email","CreatedDate","Account.Name"\n"${id}","Kid","","${created}","Parent Co"\n`);
    // JSON results carry datetimes as epoch milliseconds, unlike REST.
    expect(JSON.parse(outputs['JSON'] ?? '')).toEqual([
      {
        attributes: { type: 'Contact', url: `/services/data/v60.0/sobjects/Contact/${id}` },
        Id: id,
        LastName: 'Kid',
        Email: null,
        CreatedDate: Date.parse(created.replace('+0000', 'Z')),
        Account: { attributes: { type: 'Account', url: expect.any(String) }, Name: 'Parent Co' },
      },
    ]);
    // XML repeats a queried Id, as Salesforce documents.
    expect(outputs['XML']).toBe(
      `<?xml version="1.0" encoding="UTF-8"?><queryResult xmlns="${NS}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><records xsi:type="sObject"><type>Contact</type><Id>${id}</Id><Id>${id}</Id><LastName>Kid</LastName><Email xsi:nil="true"/><CreatedDate>${created}</CreatedDate><Account xsi:type="sObject"><type>Account</type><Name>Parent Co</Name></Account></records></queryResult>`,
    );
  });

  it('includes deleted records in a queryAll job and not in a query job', async () => {
    const [kept = '', binned = ''] = ctx.emu.controls.seed([
      { attributes: { type: 'Account' }, Name: 'Kept' },
      { attributes: { type: 'Account' }, Name: 'Binned' },
    ]).map((r) => r.id ?? '');
    await ctx.conn.sobject('Account').destroy(binned);
    const rows: Record<string, string> = {};
    for (const operation of ['query', 'queryAll']) {
      const jobId = tag((await async(ctx.conn, 'POST', '/job', jobXml({ operation, object: 'Account', contentType: 'CSV' }), 'application/xml')).text, 'id') ?? '';
      const batchId = tag((await async(ctx.conn, 'POST', `/job/${jobId}/batch`, 'SELECT Id, IsDeleted FROM Account ORDER BY Name DESC', 'text/csv')).text, 'id') ?? '';
      expect(tag(await settle(ctx.conn, jobId, batchId), 'state')).toBe('Completed');
      const resultId = tag((await async(ctx.conn, 'GET', `/job/${jobId}/batch/${batchId}/result`)).text, 'result') ?? '';
      rows[operation] = (await async(ctx.conn, 'GET', `/job/${jobId}/batch/${batchId}/result/${resultId}`)).text;
    }
    expect(rows['query']).toBe(`"Id","IsDeleted"\n"${kept}","false"\n`);
    expect(rows['queryAll']).toBe(`"Id","IsDeleted"\n"${kept}","false"\n"${binned}","true"\n`);
  });

  it('splits a query into one batch per Id range with Sforce-Enable-PKChunking, the original NotProcessed', async () => {
    ctx.emu.controls.seed(Array.from({ length: 5 }, (_, i) => ({ attributes: { type: 'Account' }, Name: `PK${i}` })));
    ctx.emu.controls.seed([{ attributes: { type: 'Account' }, Name: 'Other' }]);
    const created = await async(ctx.conn, 'POST', '/job', jobXml({ operation: 'query', object: 'Account', contentType: 'CSV' }), 'application/xml', { 'Sforce-Enable-PKChunking': 'chunkSize=2' });
    const jobId = tag(created.text, 'id') ?? '';
    const added = await async(ctx.conn, 'POST', `/job/${jobId}/batch`, "SELECT Name FROM Account WHERE Name LIKE 'PK%' ORDER BY Name", 'text/csv');
    const original = tag(added.text, 'id') ?? '';
    expect(tag(await settle(ctx.conn, jobId, original), 'state')).toBe('NotProcessed');
    const list = await async(ctx.conn, 'GET', `/job/${jobId}/batch`);
    expect(list.text).toContain(`<batchInfoList xmlns="${NS}">`);
    const ids = [...list.text.matchAll(/<id>(751[^<]+)<\/id>/g)].map((m) => m[1] ?? '').filter((id) => id !== original);
    expect(ids).toHaveLength(3);
    const rows: string[] = [];
    for (const id of ids) {
      expect(tag(await settle(ctx.conn, jobId, id), 'state')).toBe('Completed');
      const request = await async(ctx.conn, 'GET', `/job/${jobId}/batch/${id}/request`);
      expect(request.text).toMatch(/WHERE Id >= '001[^']+'( AND Id < '001[^']+')? AND \(Name LIKE 'PK%'\)/);
      const resultId = tag((await async(ctx.conn, 'GET', `/job/${jobId}/batch/${id}/result`)).text, 'result') ?? '';
      const csv = (await async(ctx.conn, 'GET', `/job/${jobId}/batch/${id}/result/${resultId}`)).text;
      rows.push(...csv.trim().split('\n').slice(1));
    }
    expect(rows.sort()).toEqual(['"PK0"', '"PK1"', '"PK2"', '"PK3"', '"PK4"']);
  });

  it('counts every call against the daily API allocation', async () => {
    const remaining = async (): Promise<number> => (await ctx.conn.limits()).DailyApiRequests?.Remaining ?? Number.NaN;
    const before = await remaining();
    await async(ctx.conn, 'POST', '/job', jobXml({ operation: 'insert', object: 'Account', contentType: 'CSV' }), 'application/xml');
    const after = await remaining();
    // The job creation and the first limits call itself.
    expect(before - after).toBe(2);
  });

  it('refuses calls with ExceededQuota once the daily allocation is used up, without counting them', async () => {
    const { apiMax } = ctx.emu.controls.counters();
    ctx.emu.controls.setApiLimit(100, 100);
    try {
      const res = await async(ctx.conn, 'POST', '/job', jobXml({ operation: 'insert', object: 'Account', contentType: 'CSV' }), 'application/xml');
      expect([res.status, tag(res.text, 'exceptionCode')]).toEqual([403, 'ExceededQuota']);
      expect(ctx.emu.controls.counters().apiUsed).toBe(100);
    } finally {
      // A reset leaves the allocation's size alone: put it back for the tests after this one.
      ctx.emu.controls.setApiLimit(apiMax);
    }
  });
});

describe('Bulk API 1.0 errors', () => {
  it('refuses a bad session with InvalidSessionId (400, XML error document)', async () => {
    const res = await fetch(`${ctx.conn.instanceUrl}/services/async/60.0/job`, { method: 'POST', headers: { 'X-SFDC-Session': 'nope', 'Content-Type': 'application/xml' }, body: jobXml({ operation: 'insert', object: 'Account' }) });
    expect(res.status).toBe(400);
    expect(await res.text()).toBe(`<?xml version="1.0" encoding="UTF-8"?><error xmlns="${NS}"><exceptionCode>InvalidSessionId</exceptionCode><exceptionMessage>Invalid session id</exceptionMessage></error>`);
  });

  it('lets jsforce log in again when a Bulk call answers InvalidSessionId, and the load goes through', async () => {
    const conn = await oauthLogin(ctx.emu);
    conn.bulk.pollInterval = 50;
    const oldToken = conn.accessToken;
    ctx.emu.controls.expireSessions();
    try {
      const results = await conn.bulk.load('Account', 'insert', [{ Name: 'After Refresh' }]);
      expect(results).toMatchObject([{ success: true, created: true }]);
      expect(conn.accessToken).not.toBe(oldToken);
      await jobsClosed(1);
    } finally {
      // Every session expired, the shared connection's too: the raw calls of later tests need one.
      ctx.conn = await oauthLogin(ctx.emu);
    }
  });

  it('answers InvalidUrl for an unknown path under /services/async', async () => {
    const res = await async(ctx.conn, 'GET', '/jobs');
    expect([res.status, tag(res.text, 'exceptionCode')]).toEqual([400, 'InvalidUrl']);
    const wrongMethod = await async(ctx.conn, 'DELETE', '/job');
    expect(tag(wrongMethod.text, 'exceptionCode')).toBe('InvalidUrl');
  });

  it('refuses an unknown object with InvalidJob, through jsforce too, and creates nothing', async () => {
    const raw = await async(ctx.conn, 'POST', '/job', JSON.stringify({ operation: 'insert', object: 'Nope__c', contentType: 'JSON' }), 'application/json');
    expect(raw.status).toBe(400);
    expect(JSON.parse(raw.text)).toEqual({ exceptionCode: 'InvalidJob', exceptionMessage: 'Unable to find object: Nope__c' });
    const job = ctx.conn.bulk.createJob('Nope__c', 'insert');
    await expect(job.open()).rejects.toMatchObject({ errorCode: 'InvalidJob', message: 'Unable to find object: Nope__c' });
  });

  it('refuses upsert without a usable external id field', async () => {
    const res = await async(ctx.conn, 'POST', '/job', jobXml({ operation: 'upsert', object: 'Account', externalIdFieldName: 'Name', contentType: 'CSV' }), 'application/xml');
    expect(res.status).toBe(400);
    expect(tag(res.text, 'exceptionCode')).toBe('InvalidJob');
  });

  it('answers InvalidJob and InvalidBatch for unknown job and batch ids', async () => {
    const job = await async(ctx.conn, 'GET', '/job/750000000000000AAA');
    expect([job.status, tag(job.text, 'exceptionCode')]).toEqual([400, 'InvalidJob']);
    const created = await async(ctx.conn, 'POST', '/job', jobXml({ operation: 'insert', object: 'Account', contentType: 'CSV' }), 'application/xml');
    const batch = await async(ctx.conn, 'GET', `/job/${tag(created.text, 'id') ?? ''}/batch/751000000000000AAA`);
    expect([batch.status, tag(batch.text, 'exceptionCode')]).toEqual([400, 'InvalidBatch']);
  });

  it('fails a batch with an unknown field column before saving any row', async () => {
    const created = await async(ctx.conn, 'POST', '/job', jobXml({ operation: 'insert', object: 'Account', contentType: 'CSV' }), 'application/xml');
    const jobId = tag(created.text, 'id') ?? '';
    const added = await async(ctx.conn, 'POST', `/job/${jobId}/batch`, 'Name,Bogus__c\nFine,1\n', 'text/csv');
    const info = await settle(ctx.conn, jobId, tag(added.text, 'id') ?? '');
    expect(tag(info, 'state')).toBe('Failed');
    expect(tag(info, 'stateMessage')).toBe('InvalidBatch : Field name not found : Bogus__c');
    expect(tag(info, 'numberRecordsProcessed')).toBe('0');
    expect(await names()).toEqual([]);
    const result = await async(ctx.conn, 'GET', `/job/${jobId}/batch/${tag(added.text, 'id') ?? ''}/result`);
    expect([result.status, tag(result.text, 'exceptionCode')]).toEqual([400, 'InvalidBatch']);
  });

  it('fails a batch of malformed CSV and one of malformed XML', async () => {
    const csvJob = tag((await async(ctx.conn, 'POST', '/job', jobXml({ operation: 'insert', object: 'Account', contentType: 'CSV' }), 'application/xml')).text, 'id') ?? '';
    const csv = await async(ctx.conn, 'POST', `/job/${csvJob}/batch`, 'Name,Phone\n"Unclosed,1\n', 'text/csv');
    const csvInfo = await settle(ctx.conn, csvJob, tag(csv.text, 'id') ?? '');
    expect(tag(csvInfo, 'state')).toBe('Failed');
    expect(tag(csvInfo, 'stateMessage')).toMatch(/^InvalidBatch : Failed to parse CSV/);
    const xmlJob = tag((await async(ctx.conn, 'POST', '/job', jobXml({ operation: 'insert', object: 'Account', contentType: 'XML' }), 'application/xml')).text, 'id') ?? '';
    const xml = await async(ctx.conn, 'POST', `/job/${xmlJob}/batch`, '<sObjects><sObject><Name>x</sObject></sObjects>', 'application/xml');
    const xmlInfo = await settle(ctx.conn, xmlJob, tag(xml.text, 'id') ?? '');
    expect(tag(xmlInfo, 'stateMessage')).toMatch(/^InvalidBatch : Failed to parse XML/);
    // A document type declaration is refused, not read with its entity left in the value.
    const dtd = await async(ctx.conn, 'POST', `/job/${xmlJob}/batch`, '<!DOCTYPE sObjects [<!ENTITY c "Acme">]><sObjects><sObject><Name>&c;</Name></sObject></sObjects>', 'application/xml');
    const dtdInfo = await settle(ctx.conn, xmlJob, tag(dtd.text, 'id') ?? '');
    expect(tag(dtdInfo, 'state')).toBe('Failed');
    expect(tag(dtdInfo, 'stateMessage')).toMatch(/^InvalidBatch : Failed to parse XML.*DOCTYPE/);
    expect(await names()).toEqual([]);
  });

  it('refuses a batch whose Content-Type is not the job\'s', async () => {
    const jobId = tag((await async(ctx.conn, 'POST', '/job', jobXml({ operation: 'insert', object: 'Account', contentType: 'CSV' }), 'application/xml')).text, 'id') ?? '';
    const res = await async(ctx.conn, 'POST', `/job/${jobId}/batch`, JSON.stringify([{ Name: 'Wrong' }]), 'application/json');
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text)).toMatchObject({ exceptionCode: 'InvalidBatch' });
    const job = await async(ctx.conn, 'GET', `/job/${jobId}`);
    expect(tag(job.text, 'numberBatchesTotal')).toBe('0');
  });

  it('refuses a batch added to a closed job with InvalidJobState', async () => {
    fastPolling();
    const job = ctx.conn.bulk.createJob('Account', 'insert');
    await job.open();
    const jobId = job.id ?? '';
    await job.close();
    const late = await async(ctx.conn, 'POST', `/job/${jobId}/batch`, 'Name\nLate\n', 'text/csv');
    expect(late.status).toBe(400);
    expect(tag(late.text, 'exceptionCode')).toBe('InvalidJobState');
    expect(await names()).toEqual([]);
  });

  it('fails a query batch with Salesforce\'s query error', async () => {
    const jobId = tag((await async(ctx.conn, 'POST', '/job', jobXml({ operation: 'query', object: 'Account', contentType: 'CSV' }), 'application/xml')).text, 'id') ?? '';
    const added = await async(ctx.conn, 'POST', `/job/${jobId}/batch`, 'SELECT Nope FROM Account', 'text/csv');
    const info = await settle(ctx.conn, jobId, tag(added.text, 'id') ?? '');
    expect(tag(info, 'state')).toBe('Failed');
    expect(tag(info, 'stateMessage')).toMatch(/^InvalidBatch : Failed to process query: INVALID_FIELD: /);
    const grouped = await async(ctx.conn, 'POST', `/job/${jobId}/batch`, 'SELECT Name, COUNT(Id) FROM Account GROUP BY Name', 'text/csv');
    const groupedInfo = await settle(ctx.conn, jobId, tag(grouped.text, 'id') ?? '');
    expect([tag(groupedInfo, 'state'), tag(groupedInfo, 'stateMessage')]).toEqual(['Failed', 'InvalidBatch : Failed to process query: FUNCTIONALITY_NOT_ENABLED: Bulk API does not support GROUP BY']);
  });
});
