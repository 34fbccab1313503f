import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/index.ts';
import { API_VERSION, connectionAs, failure, oauthLogin, raw, soapLogin, useEmulator } from './support.ts';

const ctx = useEmulator();

async function control(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${ctx.emu.url}/__emulator${path}`, {
    method,
    ...(body === undefined ? {} : { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) }),
  });
  return { status: res.status, body: await res.json() };
}

describe('test controls', () => {
  it('injects faults for the next N matching requests, then answers normally', async () => {
    const added = await control('POST', '/faults', { method: 'GET', path: '/services/data/*/limits', count: 2, errorCode: 'REQUEST_LIMIT_EXCEEDED' });
    expect(added.status).toBe(201);
    for (let i = 0; i < 2; i += 1) {
      const res = await raw(ctx.conn, 'GET', '/limits');
      expect(res.status).toBe(403);
      expect(res.body).toEqual([{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }]);
    }
    expect((await raw(ctx.conn, 'GET', '/limits')).status).toBe(200);
    ctx.emu.controls.addFault({ method: 'PATCH', pathRegex: '/composite/sobjects/', errorCode: 'UNABLE_TO_LOCK_ROW' });
    const locked = await failure(ctx.conn.sobject('Account').upsert([{ Ferry_Id__c: 'x', Name: 'x' }, { Ferry_Id__c: 'y', Name: 'y' }], 'Ferry_Id__c'));
    expect(locked.errorCode).toBe('UNABLE_TO_LOCK_ROW');
    ctx.emu.controls.addFault({ path: '*', status: 500 });
    const serverError = await raw(ctx.conn, 'GET', '/sobjects');
    expect(serverError.status).toBe(500);
    expect(serverError.body).toMatchObject([{ errorCode: 'UNKNOWN_EXCEPTION' }]);
  });

  it('adds the documented {"status":500} fault over HTTP instead of answering with it', async () => {
    const added = await control('POST', '/faults', { status: 500 });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ id: expect.any(Number) });
    const failed = await raw(ctx.conn, 'GET', '/limits');
    expect(failed.status).toBe(500);
    expect(failed.body).toMatchObject([{ errorCode: 'UNKNOWN_EXCEPTION' }]);
    expect((await raw(ctx.conn, 'GET', '/limits')).status).toBe(200);
  });

  it('refuses a fault it cannot honour, saying which field is wrong', async () => {
    const refused = await control('POST', '/faults', { status: 'often', count: 0, colour: 'red' });
    expect(refused.status).toBe(400);
    const message = (refused.body as { error: { message: string } }).error.message;
    expect(message).toContain('status must be a number');
    expect(message).toContain('count must be a whole number of at least 1');
    expect(message).toContain('unknown field colour');
    expect((await raw(ctx.conn, 'GET', '/limits')).status).toBe(200);
  });

  it('answers a plain fault without Salesforce\'s JSON body, as a proxy in front of an org would', async () => {
    await control('POST', '/faults', { path: '/services/data/*/limits', status: 429, plain: true, message: 'Too Many Requests' });
    const res = await fetch(`${ctx.emu.url}/services/data/v${API_VERSION}/limits`, { headers: { Authorization: `Bearer ${ctx.conn.accessToken}` } });
    expect(res.status).toBe(429);
    expect(res.headers.get('content-type')).toBe('text/plain');
    expect(await res.text()).toBe('Too Many Requests');
  });

  it('answers INVALID_SESSION_ID from a fault and jsforce recovers by logging in again', async () => {
    const conn = await oauthLogin(ctx.emu);
    ctx.emu.controls.addFault({ path: '/services/data/*/query', errorCode: 'INVALID_SESSION_ID' });
    const direct = await raw(conn, 'GET', `/query?q=${encodeURIComponent('SELECT Id FROM User')}`);
    expect(direct.status).toBe(401);
    expect(direct.body).toEqual([{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]);
    // A SOAP-logged-in jsforce connection logs in again on 401 and retries the call.
    const soap = await soapLogin(ctx.emu);
    const tokenBefore = soap.accessToken;
    ctx.emu.controls.addFault({ path: '/services/data/*/query', errorCode: 'INVALID_SESSION_ID' });
    const users = await soap.query('SELECT Id FROM User');
    expect(users.totalSize).toBeGreaterThan(0);
    expect(soap.accessToken).not.toBe(tokenBefore);
  });

  it('holds a request past the client timeout when a fault says hang', async () => {
    ctx.emu.controls.addFault({ path: '/services/data/*/sobjects', hangMs: 60_000 });
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 200);
    const started = Date.now();
    await expect(fetch(`${ctx.emu.url}/services/data/v${API_VERSION}/sobjects`, { headers: { Authorization: `Bearer ${ctx.conn.accessToken ?? ''}` }, signal: controller.signal })).rejects.toThrow();
    clearTimeout(timer);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('counts API calls by kind, records written and applies the latency model', async () => {
    ctx.emu.controls.resetCounters();
    await ctx.conn.sobject('Account').create([{ Name: 'a' }, { Name: 'b' }, { Name: 'c' }]);
    await ctx.conn.query('SELECT Id FROM Account');
    const counters = (await control('GET', '/counters')).body as { apiCalls: Record<string, number>; recordsWritten: number; apiUsed: number };
    expect(counters.apiCalls['composite']).toBe(1);
    expect(counters.apiCalls['query']).toBe(1);
    expect(counters.recordsWritten).toBe(3);
    await control('PUT', '/latency', { fixedMs: 30, perRecordMs: 10 });
    const started = performance.now();
    await ctx.conn.query('SELECT Id FROM Account');
    // 30 ms fixed + 3 records x 10 ms: the call cannot be faster than the model says.
    expect(performance.now() - started).toBeGreaterThanOrEqual(55);
    await control('PUT', '/latency', { fixedMs: 0, perRecordMs: 0 });
  });

  it('seeds records with references, adds users and lets a test act as a sales rep', async () => {
    const seeded = await control('POST', '/seed', {
      records: [
        { attributes: { type: 'Account', referenceId: 'acme' }, Name: 'Acme' },
        { attributes: { type: 'Contact' }, LastName: 'Lee', AccountId: '@acme' },
      ],
    });
    expect(seeded.status).toBe(201);
    const added = await control('POST', '/users', { username: 'ops@ferry.test', lastName: 'Ops' });
    const rep = connectionAs(ctx.emu, 'rep@ferry.test');
    const account = (await ctx.conn.query<{ Id: string }>("SELECT Id FROM Account WHERE Name = 'Acme'")).records[0];
    await rep.sobject('Account').update({ Id: account?.Id ?? '', Description: 'Edited by the rep' });
    const row = await ctx.conn.sobject('Account').retrieve(account?.Id ?? '');
    expect(row['LastModifiedById']).toBe(ctx.emu.controls.sessionFor('rep@ferry.test').userId);
    await control('POST', '/act-as', { username: 'ops@ferry.test' });
    await ctx.conn.sobject('Account').update({ Id: account?.Id ?? '', Description: 'Ops' });
    await control('POST', '/act-as', { username: null });
    expect((await ctx.conn.sobject('Account').retrieve(account?.Id ?? ''))['LastModifiedById']).toBe((added.body as { userId: string }).userId);
  });

  it('resets the org to its fresh state while sessions stay valid', async () => {
    await ctx.conn.sobject('Account').create({ Name: 'Temp' });
    expect((await control('POST', '/reset')).status).toBe(200);
    expect((await ctx.conn.query('SELECT COUNT() FROM Account')).totalSize).toBe(0);
    expect((await ctx.conn.query("SELECT Name FROM Pricebook2 WHERE IsStandard = true")).records[0]?.['Name']).toBe('Standard Price Book');
    expect((await control('GET', '/nope')).status).toBe(404);
  });
});

describe('snapshots', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('keeps data, ids and the recycle bin across restarts', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ferry-emu-'));
    dirs.push(dir);
    const snapshot = join(dir, 'org.json');
    const first = await startEmulator({ port: 0, snapshot });
    const conn = await oauthLogin(first);
    const kept = await conn.sobject('Account').create({ Name: 'Kept', Ferry_Id__c: 'k-1' });
    const binned = await conn.sobject('Account').create({ Name: 'Binned' });
    await conn.sobject('Account').destroy(binned.id ?? '');
    await first.stop();
    const second = await startEmulator({ port: 0, snapshot });
    try {
      const again = await oauthLogin(second);
      const rows = await again.query('SELECT Id, Name FROM Account', { scanAll: true });
      expect(rows.records.map((r: Record<string, unknown>) => r['Name']).sort()).toEqual(['Binned', 'Kept']);
      expect((await again.query('SELECT Id FROM Account')).records.map((r: Record<string, unknown>) => r['Id'])).toEqual([kept.id]);
      const created = await again.sobject('Account').create({ Name: 'After restart' });
      expect(created.id).not.toBe(kept.id);
      expect(created.id).not.toBe(binned.id);
      const dup = await failure(again.sobject('Account').create({ Name: 'Dup', Ferry_Id__c: 'k-1' }));
      expect(dup.errorCode).toBe('DUPLICATE_VALUE');
    } finally {
      await second.stop();
    }
  });
});
