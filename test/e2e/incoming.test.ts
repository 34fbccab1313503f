// Two-way sync, first part: Salesforce changes read back by polling, merged field by field against
// the link's base, written through the store, never echoed back, and logged.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oauthLogin } from '../emulator/support.ts';
import { startTestFerry, type TestFerry } from '../ferry.ts';
import { twoWayHelpers } from '../two-way.ts';

let ferry: TestFerry;
let credential: any;
let conn: Awaited<ReturnType<typeof oauthLogin>>;

beforeAll(async () => {
  // Incoming runs start by hand here (a background poll could read a change before the test's
  // own run does); one test drives the poller itself.
  ferry = await startTestFerry({ incomingCheckMs: 3_600_000 });
  credential = await ferry.credential();
  conn = await oauthLogin(ferry.emulator);
});
afterAll(async () => ferry.stop());

const { must, runNow, syncLog } = twoWayHelpers(() => ferry);

const TWO_WAY_RULES = [
  { ferry: 'name', salesforce: 'Name', direction: 'both' },
  { ferry: 'code', salesforce: 'AccountNumber' },
  { ferry: 'address.locality', salesforce: 'BillingCity', direction: 'both' },
  { ferry: 'address.region', salesforce: 'BillingState', direction: 'to_ferry' },
];

/** An Account integration that reads back, on-change delivery off (each test runs it by hand). */
async function twoWay(name: string, sync: Record<string, unknown> = {}): Promise<any> {
  const integration = await must('POST', '/api/v1/integrations', {
    name, entityType: 'Account', credentialId: credential.id, trigger: { onChange: false }, sync: { direction: 'both', reader: 'polling', pollIntervalSeconds: 3600, ...sync },
  });
  await must('PUT', `/api/v1/integrations/${integration.id}/mapping`, { rules: TWO_WAY_RULES });
  return integration;
}

/** A Contact integration that reads back by polling (runs started by hand), with these rules. */
async function contactReader(name: string, rules: unknown[]): Promise<any> {
  const integration = await must('POST', '/api/v1/integrations', {
    name, entityType: 'Contact', credentialId: credential.id, trigger: { onChange: false }, sync: { direction: 'both', reader: 'polling', pollIntervalSeconds: 3600 },
  });
  await must('PUT', `/api/v1/integrations/${integration.id}/mapping`, { rules });
  return integration;
}

async function delivered(integrationId: string, code: string, extra: Record<string, unknown> = {}): Promise<{ account: any; sfId: string }> {
  const account = await must('POST', '/api/v1/accounts', { code, name: `Account ${code}`, currency: 'USD', address: { line1: '1 High Street', locality: 'Leeds', country: 'GB' }, ...extra });
  const run = await runNow(integrationId, 'incremental');
  expect(run.status).toBe('COMPLETE');
  const [sf] = (await conn.query<any>(`SELECT Id FROM Account WHERE Ferry_Id__c = '${account.id}'`)).records;
  return { account, sfId: sf.Id };
}

describe('incoming sync by polling', () => {
  it('takes a Salesforce edit into Ferry, logs it, and does not send it back', async () => {
    const integration = await twoWay('Two-way accounts');
    // The first incoming run only notes where the org stands: nothing before it is replayed.
    const first = await runNow(integration.id, 'incoming');
    expect(first).toMatchObject({ status: 'COMPLETE', mode: 'incoming', counts: { sent: 0 } });
    const { account, sfId } = await delivered(integration.id, 'IN-EDIT');

    await conn.sobject('Account').update({ Id: sfId, BillingCity: 'York', BillingState: 'North Yorkshire' });
    const run = await runNow(integration.id, 'incoming');
    expect(run).toMatchObject({ status: 'COMPLETE', trigger: 'manual', mode: 'incoming', counts: { updated: 1 } });
    const after = await must('GET', `/api/v1/accounts/${account.id}`);
    expect(after.address).toEqual({ line1: '1 High Street', locality: 'York', region: 'North Yorkshire', country: 'GB' });
    expect(after.name).toBe('Account IN-EDIT');

    const [entry] = await syncLog(integration.id, `&entityId=${account.id}&outcome=applied`);
    expect(entry).toMatchObject({ direction: 'incoming', object: 'Account', salesforceId: sfId, entity: 'accounts', outcome: 'applied', changedFields: ['address.locality', 'address.region'] });
    // since: entries from then on; a date Postgres cannot hold is the caller's error, not a 500.
    expect(await syncLog(integration.id, `&entityId=${account.id}&outcome=applied&since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`)).toEqual([]);
    const yearZero = await ferry.call('GET', `/api/v1/sync-log?since=${encodeURIComponent('0000-01-01T00:00:00Z')}`);
    expect(yearZero.status).toBe(400);
    expect(JSON.stringify(yearZero.body)).toContain('there is no year 0000');
    // Each side marks who wrote last: Ferry's writes in Salesforce, Salesforce's in Ferry's record.
    expect(account.lastSystemToUpdate).toBe('Ferry');
    expect(after.lastSystemToUpdate).toBe('Salesforce');
    const [marked] = (await conn.query<any>(`SELECT Ferry_Last_System_To_Update__c FROM Account WHERE Id = '${sfId}'`)).records;
    expect(marked.Ferry_Last_System_To_Update__c).toBe('Ferry');
    // The journal names the integration as the origin of the change.
    const changes = await ferry.db.query<{ origin: string }>('SELECT origin FROM journal WHERE entity_id = $1 ORDER BY seq DESC LIMIT 1', [account.id]);
    expect(changes[0]!.origin).toBe(`integration:${integration.id}`);

    // The change came from this integration: its next delivery sends nothing back.
    const outgoing = await runNow(integration.id, 'incremental');
    expect(outgoing.counts.sent).toBe(0);
    // Outgoing operations are in the same log: the delivery that created the Salesforce record.
    const [created] = await syncLog(integration.id, `&entityId=${account.id}&direction=outgoing`);
    expect(created).toMatchObject({ direction: 'outgoing', object: 'Account', salesforceId: sfId, outcome: 'applied', reason: 'created in Salesforce' });
    await must('PATCH', `/api/v1/accounts/${account.id}`, { name: 'Renamed in Ferry' });
    await runNow(integration.id, 'incremental');
    const [updated] = await syncLog(integration.id, `&entityId=${account.id}&direction=outgoing`);
    expect(updated).toMatchObject({ outcome: 'applied', reason: 'updated in Salesforce', changedFields: ['name'] });
  });

  it('recognises Ferry\'s own writes coming back as echoes, and never ping-pongs', async () => {
    const integration = await twoWay('Echo accounts');
    await runNow(integration.id, 'incoming');
    const { account } = await delivered(integration.id, 'IN-ECHO');
    for (let round = 0; round < 5; round++) {
      await must('PATCH', `/api/v1/accounts/${account.id}`, { name: `Echo ${round}` });
      const out = await runNow(integration.id, 'incremental');
      expect(out.counts.sent).toBe(1);
      const back = await runNow(integration.id, 'incoming');
      expect(back.counts.updated).toBe(0);
      // Nothing came back to send: the next delivery is empty.
      expect((await runNow(integration.id, 'incremental')).counts.sent).toBe(0);
    }
    const echoes = await syncLog(integration.id, `&entityId=${account.id}&outcome=echo`);
    expect(echoes.length).toBe(5);
    expect(echoes[0].reason).toBe('Ferry\'s own write');
    expect((await must('GET', `/api/v1/accounts/${account.id}`)).name).toBe('Echo 4');
  });

  it('makes 1,000 round trips (50 accounts, 20 rounds each way) and nothing bounces after', async () => {
    const integration = await twoWay('A thousand round trips');
    await runNow(integration.id, 'incoming');
    const codes = Array.from({ length: 50 }, (_, i) => `IN-TRIP-${i}`);
    await must('POST', '/api/v1/accounts/bulk', { items: codes.map((code) => ({ code, name: `Trip ${code}`, currency: 'USD', address: { line1: '1 High Street', locality: 'Leeds', country: 'GB' } })) });
    expect((await runNow(integration.id, 'incremental')).counts.sent).toBe(50);
    const sfIds = (await conn.query<any>("SELECT Id FROM Account WHERE AccountNumber LIKE 'IN-TRIP-%'")).records.map((r: any) => r.Id as string);
    expect(sfIds).toHaveLength(50);
    for (let round = 0; round < 20; round++) {
      // Ferry renames the 50 and delivers; a Salesforce user then moves them to another city.
      await must('POST', '/api/v1/accounts/bulk', { items: codes.map((code) => ({ code, name: `Trip ${code} round ${round}` })) });
      expect((await runNow(integration.id, 'incremental')).counts.sent).toBe(50);
      await conn.sobject('Account').update(sfIds.map((Id) => ({ Id, BillingCity: `City ${round}` })));
      // Read back: the city taken, the rename found already agreed; nothing of it goes out again.
      expect((await runNow(integration.id, 'incoming')).counts).toMatchObject({ updated: 50, failed: 0 });
      expect((await runNow(integration.id, 'incremental')).counts.sent).toBe(0);
    }
    // Quiet: reading again takes nothing, delivering sends nothing.
    expect((await runNow(integration.id, 'incoming')).counts.updated).toBe(0);
    expect((await runNow(integration.id, 'incremental')).counts.sent).toBe(0);
    const ferrySide = await ferry.db.query<{ key: string; name: string; city: string }>("SELECT key, data->>'name' AS name, data->'address'->>'locality' AS city FROM records WHERE entity = 'accounts' AND key LIKE 'IN-TRIP-%'");
    const sfSide = (await conn.query<any>("SELECT AccountNumber, Name, BillingCity FROM Account WHERE AccountNumber LIKE 'IN-TRIP-%'")).records;
    expect(new Map(sfSide.map((r: any) => [r.AccountNumber, `${r.Name}|${r.BillingCity}`]))).toEqual(new Map(ferrySide.map((r) => [r.key, `${r.name}|${r.city}`])));
    expect(ferrySide.every((r) => r.name.endsWith('round 19') && r.city === 'City 19')).toBe(true);
  });

  it('sends only the fields Ferry changed, so an edit made meanwhile in Salesforce is not overwritten', async () => {
    const integration = await twoWay('No overwrite');
    await runNow(integration.id, 'incoming');
    const { account, sfId } = await delivered(integration.id, 'IN-NO-OVERWRITE');
    // Both sides change a different field; Ferry delivers before it reads Salesforce's change.
    await conn.sobject('Account').update({ Id: sfId, BillingCity: 'Whitby' });
    await must('PATCH', `/api/v1/accounts/${account.id}`, { name: 'Renamed in Ferry' });
    expect((await runNow(integration.id, 'incremental')).counts.sent).toBe(1);
    const [sf] = (await conn.query<any>(`SELECT Name, BillingCity FROM Account WHERE Id = '${sfId}'`)).records;
    expect(sf).toMatchObject({ Name: 'Renamed in Ferry', BillingCity: 'Whitby' });
    await runNow(integration.id, 'incoming');
    expect(await must('GET', `/api/v1/accounts/${account.id}`)).toMatchObject({ name: 'Renamed in Ferry', address: { locality: 'Whitby' } });
  });

  it('never takes a change an org automation marked as a person\'s for an echo, even under Ferry\'s user', async () => {
    const integration = await twoWay('Marked by automation');
    await runNow(integration.id, 'incoming');
    const { account, sfId } = await delivered(integration.id, 'IN-MARKED');
    // The same user as Ferry's session (the emulator's admin), as a shared integration user would be.
    await conn.sobject('Account').update({ Id: sfId, Ferry_Last_System_To_Update__c: 'Salesforce' });
    await runNow(integration.id, 'incoming');
    const [entry] = await syncLog(integration.id, `&entityId=${account.id}`);
    expect(entry).toMatchObject({ outcome: 'unchanged', reason: 'no field the mapping reads changed' });
  });

  it.each([
    ['hold', 'Ferry name', 'held'],
    ['ferry_wins', 'Ferry name', 'ferry'],
    ['salesforce_wins', 'Salesforce name', 'salesforce'],
    // Salesforce's edit came after Ferry's: the newer one wins.
    ['newest_wins', 'Salesforce name', 'salesforce'],
  ] as const)('settles a field changed on both sides under %s, and still takes the other fields', async (policy, expectedName, outcome) => {
    const integration = await twoWay(`Conflicts ${policy}`, { conflictPolicy: policy });
    await runNow(integration.id, 'incoming');
    const { account, sfId } = await delivered(integration.id, `IN-CONFLICT-${policy}`);
    await must('PATCH', `/api/v1/accounts/${account.id}`, { name: 'Ferry name' });
    await conn.sobject('Account').update({ Id: sfId, Name: 'Salesforce name', BillingCity: 'Hull' });

    await runNow(integration.id, 'incoming');
    const after = await must('GET', `/api/v1/accounts/${account.id}`);
    expect(after.name).toBe(expectedName);
    expect(after.address.locality).toBe('Hull');
    const [conflict] = (await must('GET', `/api/v1/conflicts?integrationId=${integration.id}`)).data;
    expect(conflict).toMatchObject({ entityId: account.id, salesforceId: sfId, policy, outcome, fields: [{ path: 'name', base: `Account IN-CONFLICT-${policy}`, ferry: 'Ferry name', salesforce: 'Salesforce name', outcome }] });
    const [entry] = await syncLog(integration.id, `&entityId=${account.id}&outcome=conflict`);
    expect(entry.changedFields).toEqual(['name', 'address.locality']);

    // Ferry's value wins: its pending change goes out and Salesforce ends equal to Ferry.
    if (policy === 'ferry_wins') {
      await runNow(integration.id, 'incremental');
      const [sf] = (await conn.query<any>(`SELECT Name FROM Account WHERE Id = '${sfId}'`)).records;
      expect(sf.Name).toBe('Ferry name');
    }
  });

  it('holds a conflicted field on both sides until a person settles it, then sends the choice', async () => {
    const integration = await twoWay('Review queue');
    await runNow(integration.id, 'incoming');
    const { account, sfId } = await delivered(integration.id, 'IN-REVIEW');
    await must('PATCH', `/api/v1/accounts/${account.id}`, { name: 'Ferry name', address: { line1: '1 High Street', locality: 'Leeds', region: 'West Yorkshire', country: 'GB' } });
    await conn.sobject('Account').update({ Id: sfId, Name: 'Salesforce name' });
    await runNow(integration.id, 'incoming');

    // Ferry's pending delivery goes, but leaves the held field as Salesforce has it.
    const out = await runNow(integration.id, 'incremental');
    expect(out.counts.sent).toBe(1);
    const sfNow = async () => (await conn.query<any>(`SELECT Name, BillingCity FROM Account WHERE Id = '${sfId}'`)).records[0];
    expect((await sfNow()).Name).toBe('Salesforce name');

    // Touched again in Salesforce: still one open conflict, and the other field syncs.
    await conn.sobject('Account').update({ Id: sfId, BillingCity: 'Thirsk' });
    await runNow(integration.id, 'incoming');
    expect((await must('GET', `/api/v1/accounts/${account.id}`)).address.locality).toBe('Thirsk');
    const open = (await must('GET', `/api/v1/conflicts?integrationId=${integration.id}&open=true`)).data;
    expect(open).toEqual([expect.objectContaining({ entityId: account.id, outcome: 'held', resolvedAt: null, fields: [expect.objectContaining({ path: 'name', ferry: 'Ferry name', salesforce: 'Salesforce name' })] })]);

    const settled = await must('POST', '/api/v1/conflicts/resolve', { ids: [open[0].id], choose: 'salesforce' });
    expect(settled.results).toEqual([{ id: open[0].id, status: 'resolved', entityId: account.id, integrationId: integration.id }]);
    expect(settled.runs).toHaveLength(1);
    await ferry.eventually(async () => ((await must('GET', `/api/v1/runs/${settled.runs[0].id}`)).status === 'COMPLETE' ? true : undefined));
    expect((await must('GET', `/api/v1/accounts/${account.id}`)).name).toBe('Salesforce name');
    expect((await sfNow()).Name).toBe('Salesforce name');
    expect((await must('GET', `/api/v1/conflicts?integrationId=${integration.id}&open=true`)).data).toEqual([]);
    const [resolved] = (await must('GET', `/api/v1/conflicts?integrationId=${integration.id}&entityId=${account.id}`)).data;
    expect(resolved).toMatchObject({ resolvedAt: expect.any(String), resolution: { name: { chose: 'salesforce', value: 'Salesforce name' } } });
    // Nothing comes back: the next read is an echo or unchanged, not a change.
    expect((await runNow(integration.id, 'incoming')).counts.updated).toBe(0);

    const again = await must('POST', '/api/v1/conflicts/resolve', { ids: [open[0].id, '0190a3c2-7b1e-7cc0-9a4e-1f2d3c4b5a69'], choose: 'ferry' });
    expect(again.results.map((r: any) => r.code)).toEqual(['version_conflict', 'not_found']);
    const vague = await ferry.call('POST', '/api/v1/conflicts/resolve', { ids: [open[0].id] });
    expect(vague.status).toBe(400);
    expect(vague.body.error.details[0].message).toContain('choose');
  });

  it('settles a held field with a value of a person\'s choosing, and sends it to Salesforce', async () => {
    const integration = await twoWay('Chosen value');
    await runNow(integration.id, 'incoming');
    const { account, sfId } = await delivered(integration.id, 'IN-CHOSEN');
    await must('PATCH', `/api/v1/accounts/${account.id}`, { name: 'Ferry says' });
    await conn.sobject('Account').update({ Id: sfId, Name: 'Salesforce says' });
    await runNow(integration.id, 'incoming');
    const [conflict] = (await must('GET', `/api/v1/conflicts?integrationId=${integration.id}&open=true`)).data;
    const settled = await must('POST', '/api/v1/conflicts/resolve', { ids: [conflict.id], fields: { name: { value: 'Both agree' } } });
    await ferry.eventually(async () => ((await must('GET', `/api/v1/runs/${settled.runs[0].id}`)).status === 'COMPLETE' ? true : undefined));
    expect((await must('GET', `/api/v1/accounts/${account.id}`)).name).toBe('Both agree');
    expect((await conn.query<any>(`SELECT Name FROM Account WHERE Id = '${sfId}'`)).records[0].Name).toBe('Both agree');
    expect((await runNow(integration.id, 'incoming')).counts.updated).toBe(0);
  });

  it('leaves out a Salesforce value Ferry does not accept, takes the rest of the change, and says so', async () => {
    const integration = await twoWay('Refusals');
    await must('PATCH', `/api/v1/integrations/${integration.id}/mapping`, { add: [{ ferry: 'address.country', salesforce: 'BillingCountry', direction: 'both' }] });
    await runNow(integration.id, 'incoming');
    const bad = await delivered(integration.id, 'IN-BAD');
    const good = await delivered(integration.id, 'IN-GOOD');
    // Salesforce takes any text as a country; Ferry takes ISO 3166 codes only.
    await conn.sobject('Account').update({ Id: bad.sfId, BillingCountry: 'Kingdom of Fife', BillingCity: 'Bristol' });
    await conn.sobject('Account').update({ Id: good.sfId, BillingCity: 'Bath' });
    const run = await runNow(integration.id, 'incoming');
    expect(run.counts).toMatchObject({ failed: 0, updated: 2 });
    expect(run.status).toBe('COMPLETE');
    // The valid field is taken; the country Ferry refuses is left out, and the sync log says why.
    expect((await must('GET', `/api/v1/accounts/${bad.account.id}`)).address).toMatchObject({ locality: 'Bristol', country: 'GB' });
    expect((await must('GET', `/api/v1/accounts/${good.account.id}`)).address.locality).toBe('Bath');
    const [applied] = await syncLog(integration.id, `&entityId=${bad.account.id}&outcome=applied`);
    expect(applied.reason).toContain('left out address.country (Salesforce BillingCountry "Kingdom of Fife"): ');
    expect(applied.changedFields).toEqual(['address.locality']);

    // A warning names the record, the value and the fix; retried once fixed in Salesforce, Ferry reads the record again.
    const [event] = (await must('GET', `/api/v1/events?integrationId=${integration.id}`)).data.filter((e: any) => e.name === 'integration.incoming_value_left_out.warning');
    expect(event).toMatchObject({ entity: 'accounts', entityId: bad.account.id, salesforceId: bad.sfId, message: expect.stringContaining('address.country'), hint: expect.stringContaining('retry this event') });
    await conn.sobject('Account').update({ Id: bad.sfId, BillingCountry: 'IE' });
    const retried = await must('POST', `/api/v1/events/${event.id}/retry`);
    expect(retried.run).toMatchObject({ mode: 'incoming', trigger: 'retry' });
    await ferry.eventually(async () => ((await must('GET', `/api/v1/runs/${retried.run.id}`)).status === 'COMPLETE' ? true : undefined));
    expect((await must('GET', `/api/v1/accounts/${bad.account.id}`)).address).toMatchObject({ locality: 'Bristol', country: 'IE' });
  });

  it('refuses an account number another Ferry account holds as its code, and goes on past it', async () => {
    const integration = await twoWay('Duplicate codes');
    await must('PATCH', `/api/v1/integrations/${integration.id}/mapping`, { add: [{ ferry: 'code', salesforce: 'AccountNumber', direction: 'both' }] });
    await runNow(integration.id, 'incoming');
    const first = await delivered(integration.id, 'IN-DUP-A');
    const second = await delivered(integration.id, 'IN-DUP-B');
    await conn.sobject('Account').update({ Id: second.sfId, AccountNumber: 'IN-DUP-A' });
    await conn.sobject('Account').update({ Id: first.sfId, BillingCity: 'Beverley' });
    const run = await runNow(integration.id, 'incoming');
    expect(run.counts).toMatchObject({ failed: 1, updated: 1 });
    const [refused] = await syncLog(integration.id, `&salesforceId=${second.sfId}&outcome=refused`);
    expect(refused.reason).toContain('Another account already has this code');
    expect((await must('GET', `/api/v1/accounts/${second.account.id}`)).code).toBe('IN-DUP-B');
    expect((await must('GET', `/api/v1/accounts/${first.account.id}`)).address.locality).toBe('Beverley');
  });

  it('creates a Ferry record for one created in Salesforce, links it, and writes Ferry\'s id back', async () => {
    const integration = await twoWay('Created in Salesforce');
    await must('PATCH', `/api/v1/integrations/${integration.id}/mapping`, { add: [{ ferry: 'code', salesforce: 'AccountNumber', direction: 'both' }] });
    await runNow(integration.id, 'incoming');
    const made = (await conn.sobject('Account').create({ Name: 'Made in Salesforce', AccountNumber: 'SF-MADE-1', BillingCity: 'Wells', Ferry_Sync__c: true })) as any;
    const noCode = (await conn.sobject('Account').create({ Name: 'No number', Ferry_Sync__c: true })) as any;
    const run = await runNow(integration.id, 'incoming');
    expect(run.counts).toMatchObject({ created: 1, failed: 1 });

    const [entry] = await syncLog(integration.id, `&salesforceId=${made.id}`);
    expect(entry).toMatchObject({ outcome: 'applied', reason: 'created in Salesforce: created in Ferry and linked' });
    const account = await must('GET', `/api/v1/accounts/${entry.entityId}`);
    expect(account).toMatchObject({ code: 'SF-MADE-1', name: 'Made in Salesforce', address: { locality: 'Wells' } });
    const [sf] = (await conn.query<any>(`SELECT Ferry_Id__c FROM Account WHERE Id = '${made.id}'`)).records;
    expect(sf.Ferry_Id__c).toBe(account.id);
    const [refused] = await syncLog(integration.id, `&salesforceId=${noCode.id}`);
    expect(refused).toMatchObject({ outcome: 'refused', reason: expect.stringContaining('code') });

    // Writing the id back is read as Ferry's own echo; a Ferry edit then updates the same record.
    expect((await runNow(integration.id, 'incoming')).counts.created).toBe(0);
    await must('PATCH', `/api/v1/accounts/${account.id}`, { name: 'Renamed in Ferry' });
    expect((await runNow(integration.id, 'incremental')).counts).toMatchObject({ sent: 1, created: 0, updated: 1 });
    const copies = (await conn.query<any>("SELECT Id, Name FROM Account WHERE AccountNumber = 'SF-MADE-1'")).records;
    expect(copies).toEqual([expect.objectContaining({ Id: made.id, Name: 'Renamed in Ferry' })]);
  });

  it('applies records read together one after the other where they meet: one key created twice, one Ferry record matched twice', async () => {
    const integration = await twoWay('Read together', { match: { ferry: 'code', salesforce: 'AccountNumber' } });
    await must('PATCH', `/api/v1/integrations/${integration.id}/mapping`, { add: [{ ferry: 'code', salesforce: 'AccountNumber', direction: 'both' }] });
    await runNow(integration.id, 'incoming');
    const account = await must('POST', '/api/v1/accounts', { code: 'IN-TWICE', name: 'Matched twice', currency: 'USD' });
    // Read in one page (one batch): two accounts made in Salesforce with one new account number,
    // and two with the number of one Ferry account.
    const first = (await conn.sobject('Account').create({ Name: 'Twin one', AccountNumber: 'SF-TWIN-1', Ferry_Sync__c: true })) as any;
    const second = (await conn.sobject('Account').create({ Name: 'Twin two', AccountNumber: 'SF-TWIN-1', Ferry_Sync__c: true })) as any;
    const matched = (await conn.sobject('Account').create({ Name: 'Matched twice', AccountNumber: 'IN-TWICE', BillingCity: 'Ripon', Ferry_Sync__c: true })) as any;
    const again = (await conn.sobject('Account').create({ Name: 'Matched twice', AccountNumber: 'IN-TWICE', BillingCity: 'Selby', Ferry_Sync__c: true })) as any;
    const run = await runNow(integration.id, 'incoming');
    expect(run.counts).toMatchObject({ created: 1, failed: 2 });

    const [created] = await syncLog(integration.id, `&salesforceId=${first.id}`);
    expect(created).toMatchObject({ outcome: 'applied', reason: 'created in Salesforce: created in Ferry and linked' });
    const [refused] = await syncLog(integration.id, `&salesforceId=${second.id}`);
    // The second is refused as any record whose key Ferry already holds, naming the holder.
    expect(refused).toMatchObject({ outcome: 'refused', reason: expect.stringContaining(created.entityId) });
    expect(await ferry.db.query("SELECT id FROM records WHERE entity = 'accounts' AND key = 'SF-TWIN-1'")).toHaveLength(1);
    // The match rule links the Ferry account once; the other Salesforce record does not take it over.
    const [linked] = await syncLog(integration.id, `&salesforceId=${matched.id}`);
    expect(linked).toMatchObject({ outcome: 'applied', entityId: account.id });
    const [duplicate] = await syncLog(integration.id, `&salesforceId=${again.id}`);
    expect(duplicate).toMatchObject({ outcome: 'refused', reason: expect.stringContaining(account.id) });
    expect((await must('GET', `/api/v1/accounts/${account.id}`)).address.locality).toBe('Ripon');
    const [link] = await ferry.db.query<{ salesforce_id: string }>('SELECT salesforce_id FROM links WHERE integration_id = $1 AND entity_id = $2', [integration.id, account.id]);
    expect(link!.salesforce_id).toBe(matched.id);
  });

  it('takes only the Salesforce accounts selected by their checkbox, brings one in when it is checked later, or all when told to', async () => {
    const integration = await twoWay('Selected accounts');
    await must('PATCH', `/api/v1/integrations/${integration.id}/mapping`, { add: [{ ferry: 'code', salesforce: 'AccountNumber', direction: 'both' }] });
    await runNow(integration.id, 'incoming');
    const unticked = (await conn.sobject('Account').create({ Name: 'Prospect', AccountNumber: 'SF-SEL-1' })) as any;
    const ticked = (await conn.sobject('Account').create({ Name: 'Customer', AccountNumber: 'SF-SEL-2', Ferry_Sync__c: true })) as any;
    // Delivered by Ferry: synced whatever its box says.
    const { account, sfId } = await delivered(integration.id, 'IN-SEL-3');
    await conn.sobject('Account').update({ Id: sfId, BillingCity: 'Ely' });
    await runNow(integration.id, 'incoming');
    const [left] = await syncLog(integration.id, `&salesforceId=${unticked.id}`);
    expect(left).toMatchObject({ outcome: 'ignored', reason: expect.stringContaining('Ferry_Sync__c is not checked') });
    expect((await syncLog(integration.id, `&salesforceId=${ticked.id}`))[0]).toMatchObject({ outcome: 'applied', reason: 'created in Salesforce: created in Ferry and linked' });
    expect((await must('GET', `/api/v1/accounts/${account.id}`)).address.locality).toBe('Ely');
    const inFerry = async (code: string) => (await ferry.db.query("SELECT id FROM records WHERE entity = 'accounts' AND key = $1 AND deleted_at IS NULL", [code])).length;
    expect(await inFerry('SF-SEL-1')).toBe(0);

    // Checked later: the next read brings it in.
    await conn.sobject('Account').update({ Id: unticked.id, Ferry_Sync__c: true });
    await runNow(integration.id, 'incoming');
    expect(await inFerry('SF-SEL-1')).toBe(1);

    // "all": any account comes in; a selection that is neither is refused, saying what it takes.
    await must('PATCH', `/api/v1/integrations/${integration.id}`, { sync: { accountSelection: 'all' } });
    await conn.sobject('Account').create({ Name: 'Anyone', AccountNumber: 'SF-SEL-4' });
    await runNow(integration.id, 'incoming');
    expect(await inFerry('SF-SEL-4')).toBe(1);
    const bad = await ferry.call('PATCH', `/api/v1/integrations/${integration.id}`, { sync: { accountSelection: 'some' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0]).toMatchObject({ path: 'body.sync.accountSelection', message: expect.stringContaining('"all", {"field": "<checkbox field>"} or {"where"') });
    // Changing the selection of a connected integration checks the field against its org: it must
    // exist on Account and be a checkbox; nothing changes otherwise.
    for (const [field, says] of [['Nope__c', 'has no field Nope__c'], ['Name', 'not a checkbox']] as const) {
      const refused = await ferry.call('PATCH', `/api/v1/integrations/${integration.id}`, { sync: { accountSelection: { field } } });
      expect(refused.status).toBe(400);
      expect(refused.body.error.details).toEqual([{ path: 'body.sync.accountSelection', message: expect.stringContaining(says) }]);
      expect((await must('GET', `/api/v1/integrations/${integration.id}`)).sync.accountSelection).toEqual('all');
    }
    // So does connecting one.
    const unconnected = await must('POST', '/api/v1/integrations', { name: 'Selection unconnected', entityType: 'Account', sync: { direction: 'both', accountSelection: { field: 'Name' } } });
    const atConnect = await ferry.call('POST', `/api/v1/integrations/${unconnected.id}/connect`, { credentialId: credential.id });
    expect(atConnect.status).toBe(400);
    expect(atConnect.body.error.details).toEqual([{ path: 'body.sync.accountSelection', message: expect.stringContaining('not a checkbox') }]);
    await must('PATCH', `/api/v1/integrations/${integration.id}`, { sync: { accountSelection: { field: 'Ferry_Sync__c' } } });
    expect((await ferry.call('POST', `/api/v1/integrations/${integration.id}/connect`, { credentialId: credential.id })).status).toBe(200);
  });

  it('links a record that exists on both sides by the match rule instead of duplicating it', async () => {
    const integration = await twoWay('Matched', { match: { ferry: 'code', salesforce: 'AccountNumber' } });
    await runNow(integration.id, 'incoming');
    const account = await must('POST', '/api/v1/accounts', { code: 'IN-MATCH-1', name: 'Both sides', currency: 'USD' });
    const sfAccount = (await conn.sobject('Account').create({ Name: 'Both sides', AccountNumber: 'IN-MATCH-1', BillingCity: 'Ripon', Ferry_Sync__c: true })) as any;
    const run = await runNow(integration.id, 'incoming');
    expect(run.counts).toMatchObject({ created: 0, updated: 1 });
    expect((await must('GET', `/api/v1/accounts/${account.id}`)).address.locality).toBe('Ripon');
    const [sf] = (await conn.query<any>(`SELECT Ferry_Id__c FROM Account WHERE Id = '${sfAccount.id}'`)).records;
    expect(sf.Ferry_Id__c).toBe(account.id);
    const ferryCopies = await ferry.db.query("SELECT id FROM records WHERE entity = 'accounts' AND key = 'IN-MATCH-1'");
    expect(ferryCopies).toHaveLength(1);

    const bad = await ferry.call('PATCH', `/api/v1/integrations/${integration.id}`, { sync: { match: { ferry: 'nickname', salesforce: 'AccountNumber' } } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].path).toBe('body.sync.match.ferry');
  });

  it('leaves records created in Salesforce alone when told to', async () => {
    const integration = await twoWay('Creates ignored', { salesforceCreates: 'ignore' });
    await runNow(integration.id, 'incoming');
    await conn.sobject('Account').create({ Name: 'Not for Ferry', AccountNumber: 'SF-IGNORED', Ferry_Sync__c: true });
    expect((await runNow(integration.id, 'incoming')).counts.created).toBe(0);
    const [ignored] = await syncLog(integration.id, '&outcome=ignored');
    expect(ignored.reason).toContain('salesforceCreates is ignore');
    expect(await ferry.db.query("SELECT id FROM records WHERE entity = 'accounts' AND key = 'SF-IGNORED'")).toEqual([]);
  });

  it.each([
    ['ignore', 200, 'ignored'],
    ['flag', 200, 'ignored'],
    ['propagate', 404, 'applied'],
  ] as const)('follows salesforceDeletes %s when a linked record is deleted in Salesforce', async (setting, status, outcome) => {
    const integration = await twoWay(`Deletes ${setting}`, { salesforceDeletes: setting });
    await runNow(integration.id, 'incoming');
    const { account, sfId } = await delivered(integration.id, `IN-DEL-${setting}`);
    await conn.sobject('Account').destroy(sfId);
    const run = await runNow(integration.id, 'incoming');
    expect(run.status).toBe('COMPLETE');
    expect((await ferry.call('GET', `/api/v1/accounts/${account.id}`)).status).toBe(status);
    const [entry] = await syncLog(integration.id, `&entityId=${account.id}`);
    expect(entry).toMatchObject({ outcome, reason: expect.stringContaining('deleted in Salesforce') });
    const events = (await must('GET', `/api/v1/events?integrationId=${integration.id}`)).data;
    expect(events.map((e: any) => e.name)).toEqual(setting === 'flag' ? ['integration.deleted_in_salesforce.warning'] : []);
    if (setting === 'propagate') {
      expect(run.counts.deleted).toBe(1);
      const changes = await ferry.db.query<{ operation: string; origin: string }>('SELECT operation, origin FROM journal WHERE entity_id = $1 ORDER BY seq DESC LIMIT 1', [account.id]);
      expect(changes[0]).toEqual({ operation: 'delete', origin: `integration:${integration.id}` });
    }
  });

  it('says so when reading resumes after longer than the recycle bin keeps deletes, and a full read settles what it did not see', async () => {
    const integration = await twoWay('Long pause', { salesforceDeletes: 'propagate', salesforceCreates: 'ignore' });
    const kept = await delivered(integration.id, 'IN-PAUSE-KEPT');
    const binned = await delivered(integration.id, 'IN-PAUSE-BIN');
    const purged = await delivered(integration.id, 'IN-PAUSE-PURGED');
    const unseen = await delivered(integration.id, 'IN-PAUSE-UNSEEN');
    await runNow(integration.id, 'incoming');
    const gaps = async () => (await must('GET', `/api/v1/events?integrationId=${integration.id}`)).data.filter((e: any) => e.name === 'integration.incoming_gap.warning');
    // A delete that polling will never see: made, then the position moved past it.
    await conn.sobject('Account').destroy(unseen.sfId);
    const [{ SystemModstamp: deletedAt }] = (await conn.query<any>(`SELECT SystemModstamp FROM Account WHERE Id = '${unseen.sfId}'`, { scanAll: true })).records;
    await ferry.db.query('UPDATE incoming_cursors SET modstamp = $2, record_id = $3 WHERE integration_id = $1', [integration.id, deletedAt, unseen.sfId]);
    // Reading was off for 20 days; meanwhile one record was deleted, another deleted and purged.
    await ferry.db.query("UPDATE incoming_cursors SET polled_at = now() - interval '20 days' WHERE integration_id = $1", [integration.id]);
    await conn.sobject('Account').destroy(binned.sfId);
    await conn.sobject('Account').destroy(purged.sfId);
    expect(ferry.emulator.controls.emptyRecycleBin([purged.sfId])[0]).toMatchObject({ success: true });

    const resumed = await runNow(integration.id, 'incoming');
    expect(resumed, JSON.stringify(resumed)).toMatchObject({ status: 'COMPLETE' });
    const [gap] = await gaps();
    expect(gap).toMatchObject({ message: expect.stringContaining('(20 days)'), hint: expect.stringContaining('"mode": "incoming_full"') });
    // The delete still in the recycle bin is seen; the purged one and the one behind the position are not.
    expect((await ferry.call('GET', `/api/v1/accounts/${binned.account.id}`)).status).toBe(404);
    expect((await ferry.call('GET', `/api/v1/accounts/${purged.account.id}`)).status).toBe(200);
    expect((await ferry.call('GET', `/api/v1/accounts/${unseen.account.id}`)).status).toBe(200);
    // Once read again, reading is current: no second warning.
    await runNow(integration.id, 'incoming');
    expect(await gaps()).toHaveLength(1);

    const full = await runNow(integration.id, 'incoming_full');
    expect(full.error).toBeNull();
    // In the recycle bin: a delete, propagated. Gone from it: Ferry cannot tell a purge from a
    // record its user cannot see, so it keeps the record and flags it.
    expect((await ferry.call('GET', `/api/v1/accounts/${unseen.account.id}`)).status).toBe(404);
    const [deleted] = await syncLog(integration.id, `&salesforceId=${unseen.sfId}&direction=incoming`);
    expect(deleted).toMatchObject({ outcome: 'applied', reason: expect.stringContaining('deleted in Ferry') });
    expect((await ferry.call('GET', `/api/v1/accounts/${purged.account.id}`)).status).toBe(200);
    const [flagged] = await syncLog(integration.id, `&salesforceId=${purged.sfId}&direction=incoming`);
    expect(flagged).toMatchObject({ outcome: 'ignored', entityId: purged.account.id, reason: expect.stringContaining('not found in Salesforce') });
    const events = (await must('GET', `/api/v1/events?integrationId=${integration.id}`)).data;
    expect(events).toContainEqual(expect.objectContaining({ name: 'integration.deleted_in_salesforce.warning', entityId: purged.account.id, salesforceId: purged.sfId }));
    expect((await ferry.call('GET', `/api/v1/accounts/${kept.account.id}`)).status).toBe(200);
  });

  it('restores a record deleted under propagate when it is undeleted in Salesforce, but not one Ferry deleted', async () => {
    const integration = await twoWay('Undeletes', { salesforceDeletes: 'propagate' });
    await runNow(integration.id, 'incoming');
    const { account, sfId } = await delivered(integration.id, 'IN-UNDELETE');
    await conn.sobject('Account').destroy(sfId);
    await runNow(integration.id, 'incoming');
    expect((await ferry.call('GET', `/api/v1/accounts/${account.id}`)).status).toBe(404);
    // The admin restores it from the recycle bin, and a person edits it.
    ferry.emulator.controls.undelete([sfId]);
    await conn.sobject('Account').update({ Id: sfId, BillingCity: 'Lazarus' });
    const run = await runNow(integration.id, 'incoming');
    expect(run.counts).toMatchObject({ created: 1, failed: 0 });
    const restored = await must('GET', `/api/v1/accounts/${account.id}`);
    expect(restored).toMatchObject({ id: account.id, code: 'IN-UNDELETE', lastSystemToUpdate: 'Salesforce', address: { locality: 'Lazarus' } });
    const [entry] = await syncLog(integration.id, `&entityId=${account.id}&direction=incoming`);
    expect(entry).toMatchObject({ outcome: 'applied', reason: expect.stringContaining('undeleted in Salesforce: restored in Ferry') });
    // Linked again: the next edit is an ordinary update.
    await conn.sobject('Account').update({ Id: sfId, BillingCity: 'Again' });
    await runNow(integration.id, 'incoming');
    expect((await must('GET', `/api/v1/accounts/${account.id}`)).address.locality).toBe('Again');

    // Deleted on Ferry's side (and Salesforce told to keep it): a Salesforce edit does not bring it back.
    await must('PATCH', `/api/v1/integrations/${integration.id}`, { sync: { ferryDeletes: 'ignore' } });
    await must('DELETE', `/api/v1/accounts/${account.id}`);
    const kept = await runNow(integration.id, 'incremental');
    expect(kept.counts.deleted).toBe(0);
    expect((await conn.query<any>(`SELECT Id FROM Account WHERE Id = '${sfId}'`)).totalSize).toBe(1);
    await conn.sobject('Account').update({ Id: sfId, BillingCity: 'Ghost' });
    await runNow(integration.id, 'incoming');
    expect((await ferry.call('GET', `/api/v1/accounts/${account.id}`)).status).toBe(404);
    const [ignored] = await syncLog(integration.id, `&entityId=${account.id}&direction=incoming`);
    expect(ignored).toMatchObject({ outcome: 'ignored', reason: expect.stringContaining('deleted on Ferry\'s side') });
  });

  it('keeps the Salesforce record of a record deleted in Ferry under ferryDeletes flag, and says so', async () => {
    const integration = await twoWay('Ferry deletes flagged', { ferryDeletes: 'flag' });
    const { account, sfId } = await delivered(integration.id, 'IN-FERRY-DEL');
    await must('DELETE', `/api/v1/accounts/${account.id}`);
    const run = await runNow(integration.id, 'incremental');
    expect(run.counts).toMatchObject({ deleted: 0, failed: 0 });
    expect((await conn.query<any>(`SELECT Id FROM Account WHERE Id = '${sfId}'`)).totalSize).toBe(1);
    const events = (await must('GET', `/api/v1/events?integrationId=${integration.id}`)).data;
    expect(events).toEqual([expect.objectContaining({ name: 'integration.deleted_in_ferry.warning', entityId: account.id })]);
    const bad = await ferry.call('PATCH', `/api/v1/integrations/${integration.id}`, { sync: { ferryDeletes: 'shred' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].path).toBe('body.sync.ferryDeletes');
  });

  it.each([
    ['a Bulk API 2.0 query', 10],
    ['SOQL pages', 100_000],
  ] as const)('reads every Salesforce account into Ferry with incoming_full, through %s, and again without duplicating', async (_path, bulkThreshold) => {
    const prefix = `LOAD-${bulkThreshold}`;
    const seeded = ferry.emulator.controls.seed(Array.from({ length: 25 }, (_, i) => ({ attributes: { type: 'Account' }, Name: `Loaded ${i}`, AccountNumber: `${prefix}-${i}`, BillingCity: 'Truro' })));
    expect(seeded.every((r) => r.success)).toBe(true);
    // Left unticked and read with accountSelection "all": the org is shared with the other tests,
    // whose integrations (selecting by the box) must not take these accounts first.
    const integration = await twoWay(`Initial load ${bulkThreshold}`, { direction: 'from_salesforce', accountSelection: 'all' });
    await must('PATCH', `/api/v1/integrations/${integration.id}`, { delivery: { bulkThreshold } });
    await must('PATCH', `/api/v1/integrations/${integration.id}/mapping`, { add: [{ ferry: 'code', salesforce: 'AccountNumber', direction: 'both' }] });
    const run = await runNow(integration.id, 'incoming_full');
    // The org also holds other tests' accounts, some without an account number (refused: a Ferry
    // account needs a code), so the run may end ERROR; these 25 must all be in.
    expect(run, JSON.stringify(run)).toMatchObject({ mode: 'incoming_full', error: null });
    expect(run.counts.created).toBeGreaterThanOrEqual(25);
    const mine = async () => (await ferry.db.query<{ id: string; key: string }>("SELECT id, key FROM records WHERE entity = 'accounts' AND key LIKE $1 AND deleted_at IS NULL", [`${prefix}-%`]));
    const loaded = await mine();
    expect(loaded).toHaveLength(25);
    const account = await must('GET', `/api/v1/accounts/${loaded[0]!.id}`);
    expect(account).toMatchObject({ address: { locality: 'Truro' }, lastSystemToUpdate: 'Salesforce' });
    // Each Salesforce record carries its Ferry id now.
    const back = (await conn.query<any>(`SELECT Ferry_Id__c FROM Account WHERE AccountNumber LIKE '${prefix}-%'`)).records;
    expect(new Set(back.map((r: any) => r.Ferry_Id__c))).toEqual(new Set(loaded.map((r) => r.id)));
    const requests = (await must('GET', `/api/v1/request-logs?runId=${run.id}&limit=200`)).data.map((r: any) => r.operation);
    expect(requests.includes('bulk_results')).toBe(bulkThreshold < 25);
    // Above the threshold Ferry's ids go back through a Bulk API update job, not 200 a call.
    expect(requests.includes('bulk_upload')).toBe(bulkThreshold < 25);

    const again = await runNow(integration.id, 'incoming_full');
    expect(again.counts.created, JSON.stringify(again)).toBe(0);
    expect(again.counts.failed, JSON.stringify({ first: run, again })).toBe(run.counts.failed);
    expect(await mine()).toHaveLength(25);
  });

  it('writes the sync status fields when asked: Synced within the write, Failed with the reason after a refusal', async () => {
    const integration = await must('POST', '/api/v1/integrations', { name: 'Status fields', entityType: 'Account', credentialId: credential.id, trigger: { onChange: false }, sync: { statusFields: true } });
    const { account, sfId } = await delivered(integration.id, 'IN-STATUS');
    const read = async () => (await conn.query<any>(`SELECT Ferry_Sync_Status__c, Ferry_Last_Synced_At__c, Ferry_Sync_Message__c FROM Account WHERE Id = '${sfId}'`)).records[0];
    const synced = await read();
    expect(synced).toMatchObject({ Ferry_Sync_Status__c: 'Synced', Ferry_Sync_Message__c: null });
    expect(Date.parse(synced.Ferry_Last_Synced_At__c)).toBeGreaterThan(Date.now() - 60_000);
    // Unchanged records are not written again for the time alone.
    expect((await runNow(integration.id, 'incremental')).counts.sent).toBe(0);
    // A city longer than Salesforce's BillingCity (40 characters) cannot be sent: marked Failed, with why.
    await must('PATCH', `/api/v1/accounts/${account.id}`, { address: { line1: '1 High Street', locality: 'L'.repeat(60), country: 'GB' } });
    const failed = await runNow(integration.id, 'incremental');
    expect(failed.counts.failed).toBe(1);
    expect(await read()).toMatchObject({ Ferry_Sync_Status__c: 'Failed', Ferry_Sync_Message__c: expect.stringContaining('BillingCity') });
    await must('PATCH', `/api/v1/accounts/${account.id}`, { address: { line1: '1 High Street', locality: 'Leeds', country: 'GB' } });
    await runNow(integration.id, 'incremental');
    expect(await read()).toMatchObject({ Ferry_Sync_Status__c: 'Synced', Ferry_Sync_Message__c: null });
    // Only where Ferry's objects carry the fields.
    const bills = await ferry.call('POST', '/api/v1/integrations', { name: 'Bill status', entityType: 'Bill', sync: { statusFields: true } });
    expect(bills.status).toBe(400);
    expect(bills.body.error.details[0]).toMatchObject({ path: 'body.sync.statusFields', message: expect.stringContaining('Account and Contact') });
  });

  it('reads Contact changes back too: fields, the account they belong to, and contacts made in Salesforce', async () => {
    const accounts = await must('POST', '/api/v1/integrations', { name: 'Contact accounts', entityType: 'Account', credentialId: credential.id, trigger: { onChange: false } });
    const first = await delivered(accounts.id, 'IN-CONTACT-A');
    const second = await delivered(accounts.id, 'IN-CONTACT-B');
    const contacts = await contactReader('Two-way contacts', [
      { kind: 'lookup', ferry: 'accountId', salesforce: 'AccountId', target: 'accounts', required: true, direction: 'both' },
      { ferry: 'firstName', salesforce: 'FirstName', direction: 'both' },
      { ferry: 'lastName', salesforce: 'LastName', direction: 'both' },
      { ferry: 'title', salesforce: 'Title', direction: 'to_ferry' },
    ]);
    await runNow(contacts.id, 'incoming');
    const contact = await must('POST', '/api/v1/contacts', { accountId: first.account.id, firstName: 'Ada', lastName: 'Lovelace' });
    expect((await runNow(contacts.id, 'incremental')).counts.sent).toBe(1);
    const [sf] = (await conn.query<any>(`SELECT Id FROM Contact WHERE Ferry_Id__c = '${contact.id}'`)).records;

    // A Salesforce user gives her a title and moves her to the other account.
    await conn.sobject('Contact').update({ Id: sf.Id, Title: 'Analyst', AccountId: second.sfId });
    expect((await runNow(contacts.id, 'incoming')).counts.updated).toBe(1);
    expect(await must('GET', `/api/v1/contacts/${contact.id}`)).toMatchObject({ title: 'Analyst', accountId: second.account.id, lastSystemToUpdate: 'Salesforce' });

    // Made in Salesforce under a delivered account: created in Ferry and linked; under an account
    // Ferry does not have: left out (a contact follows its account), saying which.
    const stray = (await conn.sobject('Account').create({ Name: 'Not in Ferry' })) as any;
    const made = (await conn.sobject('Contact').create({ LastName: 'Hopper', FirstName: 'Grace', AccountId: first.sfId })) as any;
    const orphan = (await conn.sobject('Contact').create({ LastName: 'Nobody', AccountId: stray.id })) as any;
    const run = await runNow(contacts.id, 'incoming');
    expect(run.counts).toMatchObject({ created: 1, failed: 0 });
    const [createdEntry] = await syncLog(contacts.id, `&salesforceId=${made.id}`);
    expect(await must('GET', `/api/v1/contacts/${createdEntry.entityId}`)).toMatchObject({ firstName: 'Grace', lastName: 'Hopper', accountId: first.account.id });
    const [left] = await syncLog(contacts.id, `&salesforceId=${orphan.id}`);
    expect(left).toMatchObject({ outcome: 'ignored', reason: expect.stringContaining(`follows its parent, which is not in Ferry: accountId: AccountId ${stray.id} is not linked to a Ferry accounts record`) });
  });

  it('brings a contact in with its account: left out while the account is not in Ferry, read again when the account comes in', async () => {
    const accounts = await twoWay('Followed accounts');
    await must('PATCH', `/api/v1/integrations/${accounts.id}/mapping`, { add: [{ ferry: 'code', salesforce: 'AccountNumber', direction: 'both' }] });
    const contacts = await contactReader('Following contacts', [
      { kind: 'lookup', ferry: 'accountId', salesforce: 'AccountId', target: 'accounts', required: true, direction: 'both' },
      { ferry: 'lastName', salesforce: 'LastName', direction: 'both' },
    ]);
    await runNow(accounts.id, 'incoming');
    await runNow(contacts.id, 'incoming');
    const sfAccount = (await conn.sobject('Account').create({ Name: 'Later customer', AccountNumber: 'SF-FOLLOW-1' })) as any;
    const sfContact = (await conn.sobject('Contact').create({ LastName: 'Follower', AccountId: sfAccount.id })) as any;
    await runNow(accounts.id, 'incoming');
    expect((await runNow(contacts.id, 'incoming')).counts.failed).toBe(0);
    // Once in CI (on Postgres) the contact came back as an echo here: linked by another reader. What
    // every integration logged of the two records, and the runs around, say by whom if it recurs.
    const history = async () => JSON.stringify({
      log: await ferry.db.query('SELECT i.name, s.direction, s.outcome, s.reason, s.at, s.salesforce_id FROM sync_log s JOIN integrations i ON i.id = s.integration_id WHERE s.salesforce_id = ANY($1) ORDER BY s.at', [[sfContact.id, sfAccount.id]]),
      runs: await ferry.db.query("SELECT i.name, r.trigger, r.mode, r.status, r.created, r.updated, r.skipped, r.created_at FROM runs r JOIN integrations i ON i.id = r.integration_id WHERE r.created_at > now() - interval '30 seconds' ORDER BY r.created_at"),
    }, null, 1);
    expect((await syncLog(contacts.id, `&salesforceId=${sfContact.id}`))[0], await history()).toMatchObject({ outcome: 'ignored', reason: expect.stringContaining('follows its parent') });

    // The account is selected: it comes in, and its contact follows in a run of its own. (The
    // other tests' Contact readers are switched off: each would take the contact too, and the
    // first to do so creates it, the others link to it.)
    for (const other of (await must('GET', '/api/v1/integrations?entityType=Contact')).data) {
      if (other.id !== contacts.id && other.enabled) await must('POST', `/api/v1/integrations/${other.id}/disable`, {});
    }
    await conn.sobject('Account').update({ Id: sfAccount.id, Ferry_Sync__c: true });
    expect((await runNow(accounts.id, 'incoming')).counts.created).toBe(1);
    const follow = await ferry.eventually(async () => {
      const runs = (await must('GET', `/api/v1/runs?integrationId=${contacts.id}`)).data;
      return runs.find((r: any) => r.trigger === 'follow' && r.status === 'COMPLETE');
    });
    expect(follow.counts).toMatchObject({ created: 1, failed: 0 });
    const [entry] = await syncLog(contacts.id, `&salesforceId=${sfContact.id}&outcome=applied`);
    expect(entry.reason).toContain('read as its parent came in');
    const [account] = await ferry.db.query<{ id: string }>("SELECT id FROM records WHERE entity = 'accounts' AND key = 'SF-FOLLOW-1'");
    expect(await must('GET', `/api/v1/contacts/${entry.entityId}`)).toMatchObject({ lastName: 'Follower', accountId: account!.id });
  });

  it('reads contact points back: the e-mail, phones by type, the mailing street, under the rules of the contact\'s type', async () => {
    const accounts = await must('POST', '/api/v1/integrations', { name: 'Point accounts', entityType: 'Account', credentialId: credential.id, trigger: { onChange: false } });
    const account = await delivered(accounts.id, 'IN-POINTS');
    const type = await ferry.call('POST', '/api/v1/contact-types', { code: 'BILLING', name: 'Billing contact' });
    expect([201, 409]).toContain(type.status);
    const contacts = await contactReader('Contact points back', [
      { kind: 'lookup', ferry: 'accountId', salesforce: 'AccountId', target: 'accounts', required: true, direction: 'both' },
      { ferry: 'lastName', salesforce: 'LastName', direction: 'both' },
      { kind: 'contact_point', point: 'email', salesforce: 'Email', direction: 'both' },
      { kind: 'contact_point', point: 'phone.WORK', salesforce: 'Phone', direction: 'both' },
      { kind: 'contact_point', point: 'phone.MOBILE', salesforce: 'MobilePhone', direction: 'both' },
      { kind: 'contact_point', point: 'address.street', salesforce: 'MailingStreet', direction: 'both' },
      { kind: 'contact_point', point: 'address.locality', salesforce: 'MailingCity', direction: 'to_ferry' },
      // Billing contacts give their home phone as Phone.
      { kind: 'contact_point', contactType: 'BILLING', point: 'phone.HOME', salesforce: 'Phone', direction: 'both' },
    ]);
    await runNow(contacts.id, 'incoming');
    const plain = await must('POST', '/api/v1/contacts', { accountId: account.account.id, lastName: 'Plain', email: 'plain@example.com', phones: [{ type: 'WORK', number: '+44 113 000 0001' }] });
    const billing = await must('POST', '/api/v1/contacts', { accountId: account.account.id, lastName: 'Billing', type: 'BILLING', phones: [{ type: 'HOME', number: '+1 555 0100' }, { type: 'WORK', number: '+1 555 0999' }] });
    expect((await runNow(contacts.id, 'incremental')).counts.sent).toBe(2);
    const sfOf = async (id: string) => (await conn.query<any>(`SELECT Id, Phone FROM Contact WHERE Ferry_Id__c = '${id}'`)).records[0];
    const plainSf = await sfOf(plain.id);
    const billingSf = await sfOf(billing.id);
    expect(billingSf.Phone).toBe('+1 555 0100');

    // A Salesforce user edits each point.
    await conn.sobject('Contact').update({ Id: plainSf.Id, Email: 'new@example.com', Phone: '+44 113 000 0002', MobilePhone: '+44 7700 900123', MailingStreet: 'Flat 2\n10 High Street', MailingCity: 'Leeds' });
    await conn.sobject('Contact').update({ Id: billingSf.Id, Phone: '+1 555 0199' });
    expect((await runNow(contacts.id, 'incoming')).counts).toMatchObject({ updated: 2, failed: 0 });
    expect(await must('GET', `/api/v1/contacts/${plain.id}`)).toMatchObject({
      email: 'new@example.com',
      phones: [{ type: 'WORK', number: '+44 113 000 0002' }, { type: 'MOBILE', number: '+44 7700 900123' }],
      address: { line1: 'Flat 2', line2: '10 High Street', locality: 'Leeds' },
    });
    const [entry] = await syncLog(contacts.id, `&salesforceId=${plainSf.Id}&outcome=applied`);
    expect(entry.changedFields.sort()).toEqual(['address.locality', 'address.street', 'email', 'phone.MOBILE', 'phone.WORK']);
    // The billing contact's Phone is its home phone; its work phone stays as it was.
    expect((await must('GET', `/api/v1/contacts/${billing.id}`)).phones).toEqual([{ type: 'HOME', number: '+1 555 0199' }, { type: 'WORK', number: '+1 555 0999' }]);

    // Nothing goes back, and an emptied mobile removes that phone.
    expect((await runNow(contacts.id, 'incremental')).counts).toMatchObject({ created: 0, updated: 0 });
    await conn.sobject('Contact').update({ Id: plainSf.Id, MobilePhone: null });
    await runNow(contacts.id, 'incoming');
    expect((await must('GET', `/api/v1/contacts/${plain.id}`)).phones).toEqual([{ type: 'WORK', number: '+44 113 000 0002' }]);

    // A contact made in Salesforce comes with its points; a number Ferry does not take is left
    // out (the rest of the contact comes in), saying why.
    const made = (await conn.sobject('Contact').create({ LastName: 'Made', AccountId: account.sfId, Email: 'made@example.com', Phone: '+44 113 000 0003' })) as any;
    const bad = (await conn.sobject('Contact').create({ LastName: 'Bad', AccountId: account.sfId, Phone: 'call reception', MobilePhone: '+44 7700 900124' })) as any;
    expect((await runNow(contacts.id, 'incoming')).counts).toMatchObject({ created: 2, failed: 0 });
    const [createdEntry] = await syncLog(contacts.id, `&salesforceId=${made.id}`);
    expect(await must('GET', `/api/v1/contacts/${createdEntry.entityId}`)).toMatchObject({ email: 'made@example.com', phones: [{ type: 'WORK', number: '+44 113 000 0003' }] });
    const [leftOut] = await syncLog(contacts.id, `&salesforceId=${bad.id}`);
    expect(leftOut).toMatchObject({ outcome: 'applied', reason: expect.stringContaining('left out phone.WORK (Salesforce Phone "call reception"): must be a phone number') });
    expect((await must('GET', `/api/v1/contacts/${leftOut.entityId}`)).phones).toEqual([{ type: 'MOBILE', number: '+44 7700 900124' }]);
  });

  it('passes a change read from Salesforce on to the organization\'s other integrations', async () => {
    const reader = await twoWay('Reader');
    const other = await must('POST', '/api/v1/integrations', { name: 'Other org copy', entityType: 'Account', credentialId: credential.id, trigger: { onChange: false } });
    await runNow(reader.id, 'incoming');
    const { account, sfId } = await delivered(reader.id, 'IN-OTHER');
    await runNow(other.id, 'incremental');
    await conn.sobject('Account').update({ Id: sfId, BillingCity: 'Derby' });
    await runNow(reader.id, 'incoming');
    const forwarded = await runNow(other.id, 'incremental');
    expect(forwarded.counts.sent).toBe(1);
    expect(forwarded.recordIds).toContain(account.id);
  });

  it('reads nothing while a switch is off and, turned on again, reads what changed meanwhile', async () => {
    const integration = await twoWay('Switches');
    await runNow(integration.id, 'incoming');
    const { account, sfId } = await delivered(integration.id, 'IN-SWITCH');

    const incomingRuns = async () => (await must('GET', `/api/v1/runs?integrationId=${integration.id}`)).data.filter((r: any) => r.mode === 'incoming').length;
    const before = await incomingRuns();
    await must('PATCH', `/api/v1/integrations/${integration.id}`, { sync: { incoming: false } });
    await conn.sobject('Account').update({ Id: sfId, BillingCity: 'Ely' });
    const off = await ferry.call('POST', `/api/v1/integrations/${integration.id}/sync`, { mode: 'incoming' });
    expect(off.status).toBe(400);
    expect(off.body.error.details[0].message).toContain('"incoming": true');
    await ferry.engine.dispatcher.pollDue();
    await must('PATCH', `/api/v1/integrations/${integration.id}`, { sync: { incoming: true } });

    expect(await must('PUT', '/api/v1/sync/settings', { incoming: false })).toEqual({ incoming: false });
    const masterOff = await ferry.call('POST', `/api/v1/integrations/${integration.id}/sync`, { mode: 'incoming' });
    expect(masterOff.body.error.details[0].message).toContain('organization');
    const badBody = await ferry.call('PUT', '/api/v1/sync/settings', { incoming: 'yes' });
    expect(badBody.status).toBe(400);
    expect((await must('GET', '/api/v1/sync/settings')).incoming).toBe(false);
    // Nothing read while off: no incoming run ran, and Ferry still holds the old value.
    expect(await incomingRuns()).toBe(before);
    expect((await must('GET', `/api/v1/accounts/${account.id}`)).address.locality).toBe('Leeds');

    await must('PUT', '/api/v1/sync/settings', { incoming: true });
    const on = await runNow(integration.id, 'incoming');
    expect(on.counts.updated).toBe(1);
    expect((await must('GET', `/api/v1/accounts/${account.id}`)).address.locality).toBe('Ely');
  });

  it('queues an incoming run for each reading integration once its poll interval has passed', async () => {
    const integration = await twoWay('Polled', { pollIntervalSeconds: 5 });
    const oneWay = await must('POST', '/api/v1/integrations', { name: 'Never polled', entityType: 'Account', credentialId: credential.id, trigger: { onChange: false } });
    await ferry.engine.dispatcher.pollDue();
    const polled = await ferry.eventually(async () => (await must('GET', `/api/v1/runs?integrationId=${integration.id}`)).data.find((r: any) => r.trigger === 'poll' && r.status === 'COMPLETE'));
    expect(polled.mode).toBe('incoming');
    // Not due again until the interval has passed since it last read.
    await ferry.engine.dispatcher.pollDue();
    expect((await must('GET', `/api/v1/runs?integrationId=${integration.id}`)).data.filter((r: any) => r.trigger === 'poll')).toHaveLength(1);
    const { sfId, account } = await delivered(integration.id, 'IN-POLLED');
    await conn.sobject('Account').update({ Id: sfId, BillingCity: 'Selby' });
    await ferry.db.query("UPDATE incoming_cursors SET polled_at = now() - interval '6 seconds' WHERE integration_id = $1", [integration.id]);
    await ferry.engine.dispatcher.pollDue();
    await ferry.eventually(async () => ((await must('GET', `/api/v1/accounts/${account.id}`)).address.locality === 'Selby' ? true : undefined));
    expect((await must('GET', `/api/v1/runs?integrationId=${oneWay.id}`)).data).toEqual([]);
  });

  it('refuses settings it cannot honour, with the path to fix', async () => {
    const bills = await ferry.call('POST', '/api/v1/integrations', { name: 'Two-way bills', entityType: 'Bill', credentialId: credential.id, sync: { direction: 'both' } });
    expect(bills.status).toBe(400);
    expect(bills.body.error.details).toEqual([expect.objectContaining({ path: 'body.sync.direction', message: expect.stringContaining('Account') })]);
    const oneWay = await must('POST', '/api/v1/integrations', { name: 'One way', entityType: 'Account', credentialId: credential.id, trigger: { onChange: false } });
    const refused = await ferry.call('POST', `/api/v1/integrations/${oneWay.id}/sync`, { mode: 'incoming' });
    expect(refused.status).toBe(400);
    expect(refused.body.error.details[0].message).toContain('sync.direction');
    const policy = await ferry.call('PATCH', `/api/v1/integrations/${oneWay.id}`, { sync: { conflictPolicy: 'coin_toss' } });
    expect(policy.status).toBe(400);
    expect(policy.body.error.details[0].path).toBe('body.sync.conflictPolicy');
    // A transform computes Salesforce's value from Ferry's: such a rule cannot be read back.
    const reader = await twoWay('Transforms');
    const unreadable = await ferry.call('PATCH', `/api/v1/integrations/${reader.id}/mapping`, { add: [{ ferry: 'customFields.shout', salesforce: 'Description', direction: 'both', transform: '$uppercase(name)' }] });
    expect(unreadable.status).toBe(400);
    expect(unreadable.body.error.details).toEqual([expect.objectContaining({ path: expect.stringMatching(/rules\[\d+\]\.transform$/), message: expect.stringContaining('to_ferry') })]);
    // An integration that reads back but has no rule reading from Salesforce (its default mapping
    // replaced by sending rules only) says what to do.
    const empty = await must('POST', '/api/v1/integrations', { name: 'Reads nothing', entityType: 'Account', credentialId: credential.id, trigger: { onChange: false }, sync: { direction: 'from_salesforce' } });
    await must('PUT', `/api/v1/integrations/${empty.id}/mapping`, { rules: [{ ferry: 'name', salesforce: 'Name' }] });
    const run = await runNow(empty.id, 'incoming');
    expect(run.error).toMatchObject({ errorCode: 'NOTHING_TO_READ', message: expect.stringContaining('to_ferry') });
  });
});
