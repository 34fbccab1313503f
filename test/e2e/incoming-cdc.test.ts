// Two-way sync by Change Data Capture: Ferry asks the org whether it publishes change events for
// the object when the integration connects, subscribes through jsforce's streaming client, stores
// events with their replay id, applies them in order, and recovers from gaps, overflows, dropped
// connections, restarts and lost retention without missing a change or applying one twice.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { oauthLogin } from '../emulator/support.ts';
import { startTestFerry, type TestFerry } from '../ferry.ts';
import { twoWayHelpers } from '../two-way.ts';

let ferry: TestFerry;
let credential: any;
let conn: Awaited<ReturnType<typeof oauthLogin>>;

beforeAll(async () => {
  // Streams open within 100 ms of being wanted; polled integrations are not used here.
  ferry = await startTestFerry({ incomingCheckMs: 100 });
  credential = await ferry.credential();
  conn = await oauthLogin(ferry.emulator);
});
afterAll(async () => ferry.stop());
// Every integration reads the same org: one left on would apply the next test's changes too.
afterEach(async () => {
  for (const integration of (await must('GET', '/api/v1/integrations')).data) await must('POST', `/api/v1/integrations/${integration.id}/disable`);
});

const { must, runNow, syncLog } = twoWayHelpers(() => ferry);

const RULES = [
  { ferry: 'name', salesforce: 'Name', direction: 'both' },
  { ferry: 'code', salesforce: 'AccountNumber' },
  { ferry: 'address.locality', salesforce: 'BillingCity', direction: 'both' },
  { ferry: 'address.region', salesforce: 'BillingState', direction: 'to_ferry' },
];

/** A two-way Account integration, connected (which decides its reader), with its stream open. */
async function streamed(name: string, sync: Record<string, unknown> = {}): Promise<any> {
  const integration = await must('POST', '/api/v1/integrations', { name, entityType: 'Account', trigger: { onChange: false }, sync: { direction: 'both', ...sync } });
  await must('PUT', `/api/v1/integrations/${integration.id}/mapping`, { rules: RULES });
  await must('POST', `/api/v1/integrations/${integration.id}/connect`, { credentialId: credential.id });
  await streamOpen(integration.id);
  return integration;
}

async function streamOpen(integrationId: string): Promise<any> {
  return ferry.eventually(async () => {
    const status = await must('GET', `/api/v1/integrations/${integrationId}/incoming`);
    return status.streamConnectedAt !== null && status.rereading === null && status.pendingEvents === 0 ? status : undefined;
  });
}

async function delivered(integrationId: string, code: string): Promise<{ account: any; sfId: string }> {
  const account = await must('POST', '/api/v1/accounts', { code, name: `Account ${code}`, currency: 'USD', address: { line1: '1 Quay', locality: 'Leeds', country: 'GB' } });
  expect((await runNow(integrationId, 'incremental')).status).toBe('COMPLETE');
  const [sf] = (await conn.query<any>(`SELECT Id FROM Account WHERE Ferry_Id__c = '${account.id}'`)).records;
  return { account, sfId: sf.Id };
}

async function localityOf(accountId: string, expected: string): Promise<void> {
  await ferry.eventually(async () => ((await must('GET', `/api/v1/accounts/${accountId}`)).address.locality === expected ? true : undefined));
}

describe('incoming sync by change events', () => {
  it('detects at connect whether the org publishes change events, shows why, and falls back to polling', async () => {
    const cdc = await streamed('Detected CDC');
    const status = await must('GET', `/api/v1/integrations/${cdc.id}/incoming`);
    expect(status).toMatchObject({ reader: 'cdc', object: 'Account', switchedOn: true, reason: expect.stringContaining('publishes change events for Account') });

    ferry.emulator.controls.setCdcObjects(['Contact']);
    try {
      const detected = await must('POST', `/api/v1/integrations/${cdc.id}/incoming/detect`);
      expect(detected).toMatchObject({ reader: 'polling', reason: expect.stringContaining('does not publish change events for Account') });
      // Polling now: the stream closes, and reading goes on from the same position.
      await ferry.eventually(async () => ((await must('GET', `/api/v1/integrations/${cdc.id}/incoming`)).streamConnectedAt === null ? true : undefined));
    } finally {
      ferry.emulator.controls.setCdcObjects('all');
    }
    const chosen = await must('POST', '/api/v1/integrations', { name: 'Chosen polling', entityType: 'Account', trigger: { onChange: false }, sync: { direction: 'from_salesforce', reader: 'polling' } });
    await must('PUT', `/api/v1/integrations/${chosen.id}/mapping`, { rules: RULES });
    await must('POST', `/api/v1/integrations/${chosen.id}/connect`, { credentialId: credential.id });
    expect(await must('GET', `/api/v1/integrations/${chosen.id}/incoming`)).toMatchObject({ reader: 'polling', reason: expect.stringContaining('chosen') });
    const bad = await ferry.call('PATCH', `/api/v1/integrations/${chosen.id}`, { sync: { reader: 'websocket' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0]).toMatchObject({ path: 'body.sync.reader', message: expect.stringContaining('auto, cdc, polling') });
    await must('DELETE', `/api/v1/integrations/${chosen.id}`);
  });

  it('takes a Salesforce user\'s edit into Ferry within seconds, with no run started by hand', async () => {
    const integration = await streamed('Streamed edits');
    const { account, sfId } = await delivered(integration.id, 'CDC-EDIT');
    await conn.sobject('Account').update({ Id: sfId, BillingCity: 'York', BillingState: 'North Yorkshire' });
    await localityOf(account.id, 'York');
    expect((await must('GET', `/api/v1/accounts/${account.id}`)).address.region).toBe('North Yorkshire');
    const [applied] = await syncLog(integration.id, `&entityId=${account.id}&outcome=applied&direction=incoming`);
    expect(applied).toMatchObject({ direction: 'incoming', salesforceId: sfId, changedFields: ['address.locality', 'address.region'] });
    const runs = (await must('GET', `/api/v1/runs?integrationId=${integration.id}`)).data;
    expect(runs.some((r: any) => r.trigger === 'stream' && r.mode === 'incoming' && r.counts.updated === 1)).toBe(true);
    // Nothing goes back: the change came from this integration.
    expect((await runNow(integration.id, 'incremental')).counts.sent).toBe(0);
  });

  it('drops Ferry\'s own writes as echoes from the event alone, without reading the record', async () => {
    const integration = await streamed('Streamed echoes');
    const { account, sfId } = await delivered(integration.id, 'CDC-ECHO');
    // The create's own event is an echo too.
    await ferry.eventually(async () => ((await syncLog(integration.id, `&entityId=${account.id}&outcome=echo`)).length === 1 ? true : undefined));
    const queriesBefore = ferry.emulator.controls.counters().apiCalls.query;
    for (let round = 0; round < 5; round++) {
      await must('PATCH', `/api/v1/accounts/${account.id}`, { name: `Echo ${round}` });
      expect((await runNow(integration.id, 'incremental')).counts.sent).toBe(1);
      await ferry.eventually(async () => ((await syncLog(integration.id, `&entityId=${account.id}&outcome=echo`)).length === round + 2 ? true : undefined));
      expect((await runNow(integration.id, 'incremental')).counts.sent).toBe(0);
    }
    expect(ferry.emulator.controls.counters().apiCalls.query).toBe(queriesBefore);
    expect((await must('GET', `/api/v1/accounts/${account.id}`)).name).toBe('Echo 4');
    expect((await conn.sobject('Account').retrieve(sfId) as any).Name).toBe('Echo 4');
  });

  it('applies an event that names several records to each of them', async () => {
    const integration = await streamed('Several ids');
    const one = await delivered(integration.id, 'CDC-MULTI-1');
    const two = await delivered(integration.id, 'CDC-MULTI-2');
    // One call, one transaction, the same change: Salesforce sends one event naming both.
    await conn.sobject('Account').update([{ Id: one.sfId, BillingCity: 'Bath' }, { Id: two.sfId, BillingCity: 'Bath' }]);
    await localityOf(one.account.id, 'Bath');
    await localityOf(two.account.id, 'Bath');
  });

  it('creates a Ferry record for an account made in Salesforce and writes Ferry\'s id back', async () => {
    const integration = await streamed('Streamed creates');
    await must('PATCH', `/api/v1/integrations/${integration.id}/mapping`, { add: [{ ferry: 'code', salesforce: 'AccountNumber', direction: 'both' }] });
    const made = (await conn.sobject('Account').create({ Name: 'Made in Salesforce', AccountNumber: 'CDC-SF-NEW', BillingCity: 'Hull', Ferry_Sync__c: true })) as any;
    const entry = await ferry.eventually(async () => (await syncLog(integration.id, `&salesforceId=${made.id}&outcome=applied&direction=incoming`))[0]);
    expect(entry.reason).toBe('created in Salesforce: created in Ferry and linked');
    expect(await must('GET', `/api/v1/accounts/${entry.entityId}`)).toMatchObject({ code: 'CDC-SF-NEW', name: 'Made in Salesforce', address: { locality: 'Hull' } });
    await ferry.eventually(async () => ((await conn.query<any>(`SELECT Ferry_Id__c FROM Account WHERE Id = '${made.id}'`)).records[0]?.Ferry_Id__c === entry.entityId ? true : undefined));
  });

  it('deletes the Ferry record when the Salesforce one is deleted, under propagate', async () => {
    const integration = await streamed('Streamed deletes', { salesforceDeletes: 'propagate' });
    const { account, sfId } = await delivered(integration.id, 'CDC-DELETE');
    await conn.sobject('Account').destroy(sfId);
    await ferry.eventually(async () => ((await ferry.call('GET', `/api/v1/accounts/${account.id}`)).status === 404 ? true : undefined));
  });

  it('re-reads the records a gap event names, and the whole object after an overflow event, and says so', async () => {
    const integration = await streamed('Gaps');
    const a = await delivered(integration.id, 'CDC-GAP-1');
    const b = await delivered(integration.id, 'CDC-GAP-2');
    // Changes Salesforce could not describe: no change event for them.
    ferry.emulator.controls.setCdcObjects(['Contact']);
    await conn.sobject('Account').update({ Id: a.sfId, BillingCity: 'Gapton' });
    await conn.sobject('Account').update({ Id: b.sfId, BillingCity: 'Overflowville' });
    ferry.emulator.controls.setCdcObjects('all');

    ferry.emulator.controls.injectGap('Account', [a.sfId], 'GAP_UPDATE');
    await localityOf(a.account.id, 'Gapton');
    const [gap] = await syncLog(integration.id, `&entityId=${a.account.id}&outcome=applied&direction=incoming`);
    expect(gap.reason).toContain('re-read after a GAP_UPDATE event');
    expect((await must('GET', `/api/v1/accounts/${b.account.id}`)).address.locality).toBe('Leeds');

    ferry.emulator.controls.injectOverflow('Account');
    await localityOf(b.account.id, 'Overflowville');
    const rereads = await syncLog(integration.id, '&outcome=reread');
    expect(rereads.some((r: any) => r.reason.includes('GAP_OVERFLOW'))).toBe(true);
    await streamOpen(integration.id);
  });

  it('keeps receiving after the streaming connection drops', async () => {
    const integration = await streamed('Dropped');
    const { account, sfId } = await delivered(integration.id, 'CDC-DROP');
    expect(ferry.emulator.controls.dropStreamingClients()).toBeGreaterThan(0);
    await conn.sobject('Account').update({ Id: sfId, BillingCity: 'Reconnected' });
    await localityOf(account.id, 'Reconnected');
  });

  it('stops storing events while a switch is off and, on again, resumes from the stored replay id', async () => {
    const integration = await streamed('Switched');
    const { account, sfId } = await delivered(integration.id, 'CDC-SWITCH');
    await must('PATCH', `/api/v1/integrations/${integration.id}`, { sync: { incoming: false } });
    expect((await must('GET', `/api/v1/integrations/${integration.id}/incoming`)).streamConnectedAt).toBeNull();
    await conn.sobject('Account').update({ Id: sfId, BillingCity: 'While off' });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await must('GET', `/api/v1/accounts/${account.id}`)).address.locality).toBe('Leeds');
    expect((await must('GET', `/api/v1/integrations/${integration.id}/incoming`)).pendingEvents).toBe(0);

    await must('PATCH', `/api/v1/integrations/${integration.id}`, { sync: { incoming: true } });
    await localityOf(account.id, 'While off');
    // Replayed from the stored position, not re-read: no object re-read was needed.
    expect((await syncLog(integration.id, '&outcome=reread')).filter((r: any) => r.reason.includes('no longer holds'))).toEqual([]);
  });

  it('re-reads the object from its cursor when the org no longer holds events after the stored replay id', async () => {
    const integration = await streamed('Retention');
    const { account, sfId } = await delivered(integration.id, 'CDC-RETENTION');
    await must('PUT', '/api/v1/sync/settings', { incoming: false });
    await conn.sobject('Account').update({ Id: sfId, BillingCity: 'Long ago' });
    ferry.emulator.controls.expireStreamingEvents();
    await must('PUT', '/api/v1/sync/settings', { incoming: true });
    await localityOf(account.id, 'Long ago');
    const rereads = await syncLog(integration.id, '&outcome=reread');
    expect(rereads.some((r: any) => r.reason.includes('no longer holds change events'))).toBe(true);
    await streamOpen(integration.id);
  });

  it('after a restart, applies the changes made while Ferry was down, each once', async () => {
    const integration = await streamed('Restarted');
    const { account, sfId } = await delivered(integration.id, 'CDC-RESTART');
    const before = await must('GET', `/api/v1/integrations/${integration.id}/incoming`);
    await ferry.restart(async () => {
      await conn.sobject('Account').update({ Id: sfId, BillingCity: 'Down 1' });
      await conn.sobject('Account').update({ Id: sfId, BillingState: 'Down 2' });
    });
    await localityOf(account.id, 'Down 1');
    await ferry.eventually(async () => ((await must('GET', `/api/v1/accounts/${account.id}`)).address.region === 'Down 2' ? true : undefined));
    const status = await streamOpen(integration.id);
    expect(status.replayId).toBeGreaterThan(before.replayId);
    // Applied once: the first event's re-read found both changes; the second found nothing new.
    const applied = await syncLog(integration.id, `&entityId=${account.id}&outcome=applied&direction=incoming`);
    expect(applied.map((e: any) => e.changedFields)).toEqual([['address.locality', 'address.region']]);
    // The second event finds the record as the first left it: nothing more is applied.
    const after = await syncLog(integration.id, `&entityId=${account.id}`);
    expect(after[0].outcome).not.toBe('applied');
  });

  it('costs no API call while idle, and keeps saying it is reading', async () => {
    const integration = await streamed('Idle');
    const before = ferry.emulator.controls.counters().apiUsed;
    const [{ at: start }] = (await ferry.db.query<{ at: Date }>('SELECT now() AS at')) as [{ at: Date }];
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(ferry.emulator.controls.counters().apiUsed).toBe(before);
    // An idle stream is still reading: the check that holds it notes so (no long-pause warning later).
    const [cursor] = await ferry.db.query<{ stream_alive_at: Date | null }>('SELECT stream_alive_at FROM incoming_cursors WHERE integration_id = $1', [integration.id]);
    expect(cursor!.stream_alive_at!.getTime()).toBeGreaterThan(start.getTime());
  });

  it('reads closed-won deals by change events: a new line item comes in, and a stage change takes its subscription away', async () => {
    const accounts = await must('POST', '/api/v1/integrations', { name: 'Deal accounts', entityType: 'Account', credentialId: credential.id, trigger: { onChange: false } });
    const { account, sfId } = await delivered(accounts.id, 'CDC-DEALS');
    const deals = await must('POST', '/api/v1/integrations', { name: 'Deals by events', entityType: 'Subscription', trigger: { onChange: false }, sync: { direction: 'from_salesforce' } });
    await must('POST', `/api/v1/integrations/${deals.id}/connect`, { credentialId: credential.id });
    // The first run positions the opportunities' reader beside the line items': both by change events.
    await runNow(deals.id, 'incoming');
    const positions = await ferry.eventually(async () => {
      const rows = await ferry.db.query<{ object: string; mode: string; stream_connected_at: Date | null }>('SELECT object, mode, stream_connected_at FROM incoming_cursors WHERE integration_id = $1 ORDER BY object', [deals.id]);
      return rows.length === 2 && rows.every((r) => r.stream_connected_at !== null) ? rows : undefined;
    });
    expect(positions.map((p) => [p.object, p.mode])).toEqual([['Opportunity', 'cdc'], ['OpportunityLineItem', 'cdc']]);

    const product = ((await conn.sobject('Product2').create({ Name: 'Streamed support' })) as any).id;
    const deal = ((await conn.sobject('Opportunity').create({ Name: 'Streamed deal', AccountId: sfId, StageName: 'Closed Won', CloseDate: '2026-09-30' })) as any).id;
    const line = ((await conn.sobject('OpportunityLineItem').create({ OpportunityId: deal, Product2Id: product, Quantity: 1, UnitPrice: 700 })) as any).id;
    // No run started by hand: the line item's event brings it in.
    const subscription = await ferry.eventually(async () => {
      const [row] = await ferry.db.query<{ id: string }>("SELECT id FROM records WHERE entity = 'subscriptions' AND key = $1 AND deleted_at IS NULL", [line]);
      return row;
    }, 20_000);
    expect(await must('GET', `/api/v1/subscriptions/${subscription.id}`)).toMatchObject({ accountId: account.id, oneTimeAmount: '700.00', startDate: '2026-09-30' });
    // The stage moves out of Closed Won: only the opportunity changes in Salesforce, and its event takes the subscription away.
    await conn.sobject('Opportunity').update({ Id: deal, StageName: 'Negotiation/Review' });
    await ferry.eventually(async () => ((await ferry.call('GET', `/api/v1/subscriptions/${subscription.id}`)).status === 404 ? true : undefined), 20_000);
    const [entry] = await syncLog(deals.id, `&salesforceId=${line}&outcome=applied`);
    expect(entry.reason).toContain('its opportunity is no longer Closed Won');
  });
});
