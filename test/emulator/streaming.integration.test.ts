import { fileURLToPath } from 'node:url';
import type { Connection } from 'jsforce';
import { StreamingExtension } from 'jsforce/api/streaming';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_SFDX_PROJECT } from '../../src/emulator/index.ts';
import { API_VERSION, raw, useEmulator } from './support.ts';

const FIXTURES = fileURLToPath(new URL('./fixtures/sfdx', import.meta.url));
const ctx = useEmulator({ sfdxProjects: [DEFAULT_SFDX_PROJECT, FIXTURES] });

interface StreamMessage {
  payload: Record<string, unknown> & { ChangeEventHeader?: Record<string, unknown> };
  event: { replayId: number };
}

type FayeClient = ReturnType<Connection['streaming']['createClient']>;
const clients: FayeClient[] = [];

afterEach(() => {
  // faye's Client has disconnect(); jsforce's type declarations leave it out.
  for (const c of clients.splice(0)) (c as unknown as { disconnect(): void }).disconnect();
});

/** Subscribes through jsforce's faye client and resolves with the first `count` messages. */
async function listen(channel: string, count: number, replayId?: number): Promise<{ messages: Promise<StreamMessage[]> }> {
  const extensions = replayId === undefined ? [] : [new StreamingExtension.Replay(channel, replayId)];
  const client = ctx.conn.streaming.createClient(extensions);
  clients.push(client);
  const received: StreamMessage[] = [];
  let done: (messages: StreamMessage[]) => void = () => undefined;
  const messages = new Promise<StreamMessage[]>((resolve) => {
    done = resolve;
  });
  const subscription = client.subscribe(channel, (message: StreamMessage) => {
    received.push(message);
    if (received.length === count) done(received);
  });
  await subscription;
  return { messages };
}

describe('Streaming API: CDC and platform events through jsforce', () => {
  it('delivers CREATE, UPDATE, DELETE and UNDELETE change events with the header fields', async () => {
    const { messages } = await listen('/data/AccountChangeEvent', 4);
    const created = await ctx.conn.sobject('Account').create({ Name: 'Streamed', Industry: 'Retail' });
    const id = created.id ?? '';
    const rep = ctx.emu.controls.actAs('rep@ferry.test');
    await ctx.conn.sobject('Account').update({ Id: id, Industry: 'Banking' });
    ctx.emu.controls.actAs(null);
    await ctx.conn.sobject('Account').destroy(id);
    ctx.emu.controls.undelete([id]);
    const [create, update, del, undelete] = await messages;
    expect(create?.payload.ChangeEventHeader).toMatchObject({ entityName: 'Account', changeType: 'CREATE', recordIds: [id], commitUser: ctx.emu.identity.userId });
    expect(create?.payload['Name']).toBe('Streamed');
    expect(update?.payload.ChangeEventHeader).toMatchObject({ changeType: 'UPDATE', commitUser: rep });
    expect(update?.payload.ChangeEventHeader?.['changedFields']).toEqual(expect.arrayContaining(['Industry', 'LastModifiedDate']));
    expect(update?.payload['Industry']).toBe('Banking');
    expect(update?.payload.ChangeEventHeader?.['changedFields']).not.toContain('SystemModstamp');
    expect(update?.payload['Name']).toBeUndefined();
    expect(del?.payload.ChangeEventHeader).toMatchObject({ changeType: 'DELETE', recordIds: [id] });
    expect(undelete?.payload.ChangeEventHeader).toMatchObject({ changeType: 'UNDELETE' });
    for (const m of [create, update, del, undelete]) {
      expect(m?.payload.ChangeEventHeader).toEqual(
        expect.objectContaining({ transactionKey: expect.any(String) as unknown, commitTimestamp: expect.any(Number) as unknown, sequenceNumber: expect.any(Number) as unknown }),
      );
    }
    const replayIds = [create, update, del, undelete].map((m) => m?.event.replayId ?? 0);
    expect([...replayIds].sort((a, b) => a - b)).toEqual(replayIds);
  });

  it('sends every object changes on /data/ChangeEvents and custom objects on their own channel', async () => {
    const all = await listen('/data/ChangeEvents', 2);
    const bills = await listen('/data/Ferry_Bill__ChangeEvent', 1);
    await ctx.conn.sobject('Contact').create({ LastName: 'Any' });
    await ctx.conn.sobject('Ferry_Bill__c').create({ Name: 'Bill', Ferry_Id__c: 'b-1' });
    const entities = (await all.messages).map((m) => m.payload.ChangeEventHeader?.['entityName']);
    expect(entities).toEqual(['Contact', 'Ferry_Bill__c']);
    expect((await bills.messages)[0]?.payload['Ferry_Id__c']).toBe('b-1');
  });

  it('replays retained events with -2 and events after a stored replay id', async () => {
    await ctx.conn.sobject('Lead').create([
      { LastName: 'One', Company: 'A' },
      { LastName: 'Two', Company: 'B' },
      { LastName: 'Three', Company: 'C' },
    ]);
    const everything = await listen('/data/LeadChangeEvent', 3, -2);
    const replayed = await everything.messages;
    expect(replayed.map((m) => m.payload['LastName'])).toEqual(['One', 'Two', 'Three']);
    const after = await listen('/data/LeadChangeEvent', 2, replayed[0]?.event.replayId);
    expect((await after.messages).map((m) => m.payload['LastName'])).toEqual(['Two', 'Three']);
  });

  it('publishes platform events through REST and delivers them on /event', async () => {
    const { messages } = await listen('/event/Ferry_Test_Event__e', 1);
    const published = await raw(ctx.conn, 'POST', '/sobjects/Ferry_Test_Event__e', { Message__c: 'hello' });
    expect(published.status).toBe(201);
    expect(published.body).toEqual({ id: expect.stringMatching(/^e00/) as unknown, success: true, errors: [] });
    const [event] = await messages;
    expect(event?.payload).toMatchObject({ Message__c: 'hello', CreatedById: ctx.emu.identity.userId });
  });

  it('names every record of one transaction that got the same change in one event', async () => {
    const created = await ctx.conn.sobject('Account').create([{ Name: 'One' }, { Name: 'Two' }, { Name: 'Three' }]);
    const ids = created.map((r) => r.id ?? '');
    const { messages } = await listen('/data/AccountChangeEvent', 2);
    // One composite call is one transaction: two records get the same value, one another.
    await ctx.conn.sobject('Account').update([{ Id: ids[0]!, Industry: 'Retail' }, { Id: ids[1]!, Industry: 'Retail' }, { Id: ids[2]!, Industry: 'Banking' }]);
    const [same, other] = await messages;
    expect(same?.payload.ChangeEventHeader).toMatchObject({ changeType: 'UPDATE', recordIds: [ids[0], ids[1]], sequenceNumber: 1 });
    expect(other?.payload.ChangeEventHeader).toMatchObject({ changeType: 'UPDATE', recordIds: [ids[2]], sequenceNumber: 2 });
    expect(same?.payload.ChangeEventHeader?.['transactionKey']).toBe(other?.payload.ChangeEventHeader?.['transactionKey']);
  });

  it('sends injected gap and overflow events with a header and no field values', async () => {
    const { messages } = await listen('/data/AccountChangeEvent', 2);
    ctx.emu.controls.injectGap('Account', ['001000000000001AAA'], 'GAP_UPDATE');
    const res = await fetch(`${ctx.emu.url}/__emulator/cdc/overflow`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ object: 'Account' }) });
    expect(res.status).toBe(200);
    const [gap, overflow] = await messages;
    expect(gap?.payload.ChangeEventHeader).toMatchObject({ entityName: 'Account', changeType: 'GAP_UPDATE', recordIds: ['001000000000001AAA'], changedFields: [] });
    expect(Object.keys(gap?.payload ?? {})).toEqual(['ChangeEventHeader']);
    expect(overflow?.payload.ChangeEventHeader).toMatchObject({ changeType: 'GAP_OVERFLOW', recordIds: [] });
  });

  it('drops streaming clients on demand: jsforce handshakes again and keeps receiving', async () => {
    const { messages } = await listen('/data/AccountChangeEvent', 2);
    await ctx.conn.sobject('Account').create({ Name: 'Before' });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(ctx.emu.controls.dropStreamingClients()).toBeGreaterThan(0);
    // faye learns of the drop on its next connect and handshakes and subscribes again.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await ctx.conn.sobject('Account').create({ Name: 'After' });
    expect((await messages).map((m) => m.payload['Name'])).toEqual(['Before', 'After']);
  });

  it('refuses a replay id whose events passed out of retention, and accepts the latest one', async () => {
    const created = await listen('/data/ContactChangeEvent', 2);
    await ctx.conn.sobject('Contact').create({ LastName: 'Old' });
    await ctx.conn.sobject('Contact').create({ LastName: 'Older' });
    const [first, second] = await created.messages;
    ctx.emu.controls.expireStreamingEvents();
    const client = ctx.conn.streaming.createClient([new StreamingExtension.Replay('/data/ContactChangeEvent', first?.event.replayId ?? 0)]);
    clients.push(client);
    await expect(client.subscribe('/data/ContactChangeEvent', () => undefined)).rejects.toThrow(/replayId .* was invalid/);
    const latest = await listen('/data/ContactChangeEvent', 1, second?.event.replayId);
    await ctx.conn.sobject('Contact').create({ LastName: 'New' });
    expect((await latest.messages)[0]?.payload['LastName']).toBe('New');
  });

  it('lists the objects selected for change events through the Tooling API', async () => {
    ctx.emu.controls.setCdcObjects(['Contact', 'Ferry_Bill__c']);
    const all = await ctx.conn.tooling.query<{ SelectedEntity: string }>("SELECT Id, SelectedEntity FROM PlatformEventChannelMember WHERE EventChannel = 'ChangeEvents'");
    expect(all.records.map((r) => r.SelectedEntity).sort()).toEqual(['ContactChangeEvent', 'Ferry_Bill__ChangeEvent']);
    const one = await ctx.conn.tooling.query("SELECT SelectedEntity FROM PlatformEventChannelMember WHERE EventChannel = 'ChangeEvents' AND SelectedEntity = 'AccountChangeEvent'");
    expect(one.totalSize).toBe(0);
    await expect(ctx.conn.tooling.query('SELECT Id FROM ApexClass')).rejects.toMatchObject({ errorCode: 'INVALID_TYPE' });
    ctx.emu.controls.setCdcObjects('all');
  });

  it('stops emitting CDC for objects that are switched off', async () => {
    ctx.emu.controls.setCdcObjects(['Contact']);
    const { messages } = await listen('/data/ChangeEvents', 1);
    await ctx.conn.sobject('Account').create({ Name: 'Silent' });
    await ctx.conn.sobject('Contact').create({ LastName: 'Loud' });
    expect((await messages)[0]?.payload.ChangeEventHeader?.['entityName']).toBe('Contact');
    ctx.emu.controls.setCdcObjects('all');
  });
});

describe('Bayeux wire protocol', () => {
  async function bayeux(messages: unknown[], token: string | undefined = ctx.conn.accessToken ?? undefined): Promise<Record<string, unknown>[]> {
    const res = await fetch(`${ctx.emu.url}/cometd/${API_VERSION}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...(token === undefined ? {} : { Authorization: `OAuth ${token}` }) },
      body: JSON.stringify(messages),
    });
    return (await res.json()) as Record<string, unknown>[];
  }

  it('offers only long-polling, answers GET probes with an error and unknown clients with handshake advice', async () => {
    const probe = await fetch(`${ctx.emu.url}/cometd/${API_VERSION}`);
    expect(probe.status).toBe(400);
    const [hs] = await bayeux([{ channel: '/meta/handshake', version: '1.0', supportedConnectionTypes: ['long-polling', 'websocket'], id: '1' }]);
    expect(hs).toMatchObject({ channel: '/meta/handshake', successful: true, version: '1.0', supportedConnectionTypes: ['long-polling'], ext: { replay: true, 'payload.format': true } });
    const [unknown] = await bayeux([{ channel: '/meta/connect', clientId: 'nope', connectionType: 'long-polling', id: '2' }]);
    expect(unknown).toMatchObject({ successful: false, error: '403::Unknown client', advice: { reconnect: 'handshake' } });
  });

  it('refuses bad tokens with 401 and reconnect none, and bad replay ids with the documented advice', async () => {
    const [denied] = await bayeux([{ channel: '/meta/handshake', id: '1' }], 'bogus');
    expect(denied).toMatchObject({ successful: false, error: '401::Authentication invalid', advice: { reconnect: 'none' } });
    const [hs] = await bayeux([{ channel: '/meta/handshake', id: '1' }]);
    const clientId = String(hs?.['clientId']);
    const replies = await bayeux([
      { channel: '/meta/connect', clientId, connectionType: 'long-polling', id: '2' },
      { channel: '/meta/subscribe', clientId, subscription: '/data/AccountChangeEvent', id: '3', ext: { replay: { '/data/AccountChangeEvent': 99_999 } } },
    ]);
    const subscribe = replies.find((r) => r['channel'] === '/meta/subscribe');
    expect(subscribe).toMatchObject({
      successful: false,
      error: '400::The replayId {99999} you provided was invalid.  Please provide a valid ID, -2 to replay all events, or -1 to replay only new events.',
    });
    const connect = replies.find((r) => r['channel'] === '/meta/connect');
    expect(connect).toMatchObject({ successful: true, advice: { interval: 0, reconnect: 'retry' } });
    await bayeux([{ channel: '/meta/disconnect', clientId, id: '4' }]);
  });
});
