// PushTopic and generic streaming (StreamingChannel) through jsforce's streaming API, the way an
// integration would use them: topics and channels created through REST, notifications received
// by jsforce's faye client, generic pushes through jsforce's Channel.push and raw REST.
import jsforce, { type Connection } from 'jsforce';
import { StreamingExtension, type GenericStreamingMessage, type StreamingMessage } from 'jsforce/api/streaming';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/index.ts';
import { API_VERSION, connectionAs, raw, useEmulator } from './support.ts';

const ctx = useEmulator();

type Sobject = Record<string, unknown>;
type TopicMessage = StreamingMessage<Sobject>;
type Disconnectable = { disconnect(): void };

const opened: Connection[] = [];
const extraClients: Disconnectable[] = [];

afterEach(() => {
  // jsforce caches one faye client per connection and keeps it private; faye's disconnect() is
  // missing from jsforce's type declarations.
  for (const conn of opened.splice(0)) {
    const cached = (conn.streaming as unknown as { _fayeClients: Record<string, Disconnectable | undefined> })._fayeClients;
    for (const client of Object.values(cached)) client?.disconnect();
  }
  for (const client of extraClients.splice(0)) client.disconnect();
});

/** A fresh connection (own faye clients) on the admin's session, or on another user's. */
function streamingConnection(username?: string): Connection {
  const conn =
    username === undefined
      ? new jsforce.Connection({ instanceUrl: ctx.emu.url, accessToken: ctx.conn.accessToken ?? '', version: API_VERSION })
      : connectionAs(ctx.emu, username);
  opened.push(conn);
  return conn;
}

/** Collects what a subscription receives; `next(n)` resolves once n messages are in. */
function collector<T>(): { received: T[]; listener: (m: T) => void; next: (n: number) => Promise<T[]> } {
  const received: T[] = [];
  const waiting: { n: number; resolve: (m: T[]) => void }[] = [];
  const listener = (m: T): void => {
    received.push(m);
    for (const w of waiting.filter((x) => received.length >= x.n)) w.resolve(received.slice(0, w.n));
  };
  const next = (n: number): Promise<T[]> =>
    received.length >= n ? Promise.resolve(received.slice(0, n)) : new Promise((resolve) => waiting.push({ n, resolve }));
  return { received, listener, next };
}

async function subscribeTopic(name: string): Promise<ReturnType<typeof collector<TopicMessage>>> {
  const c = collector<TopicMessage>();
  await streamingConnection().streaming.topic(name).subscribe(c.listener);
  return c;
}

async function createTopic(fields: Record<string, unknown>): Promise<string> {
  const res = await raw(ctx.conn, 'POST', '/sobjects/PushTopic', { ApiVersion: 60.0, ...fields });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return (res.body as { id: string }).id;
}


describe('PushTopic notifications on /topic/{Name}', () => {
  it('streams created, updated, deleted and undeleted notifications for records matching the WHERE clause', async () => {
    await ctx.conn.sobject('PushTopic').create({ Name: 'RetailAccounts', Query: "SELECT Id, Name, Industry FROM Account WHERE Industry = 'Retail'", ApiVersion: 60.0 });
    const topic = await subscribeTopic('RetailAccounts');
    await ctx.conn.sobject('Account').create({ Name: 'Bank', Industry: 'Banking' });
    const created = await ctx.conn.sobject('Account').create({ Name: 'Shop', Industry: 'Retail' });
    const id = created.id ?? '';
    await ctx.conn.sobject('Account').update({ Id: id, Name: 'Shop Renamed' });
    await ctx.conn.sobject('Account').destroy(id);
    ctx.emu.controls.undelete([id]);
    const messages = await topic.next(4);
    expect(messages.map((m) => m.event.type)).toEqual(['created', 'updated', 'deleted', 'undeleted']);
    expect(messages[0]?.sobject).toEqual({ Id: id, Name: 'Shop', Industry: 'Retail' });
    expect(messages[1]?.sobject).toEqual({ Id: id, Name: 'Shop Renamed', Industry: 'Retail' });
    expect(messages[2]?.sobject).toMatchObject({ Id: id });
    for (const m of messages) expect(m.event.createdDate).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    const replayIds = messages.map((m) => m.event.replayId);
    expect([...replayIds].sort((a, b) => a - b)).toEqual(replayIds);
    // The Banking account, created first, never matched: had it notified, it would lead the list.
    expect(topic.received.map((m) => m.sobject['Name'])).not.toContain('Bank');
  });

  it('sends an update when a record starts matching and nothing when it stops', async () => {
    await createTopic({ Name: 'BigAccounts', Query: 'SELECT Id, Name, NumberOfEmployees FROM Account WHERE NumberOfEmployees > 100' });
    const topic = await subscribeTopic('BigAccounts');
    const small = await ctx.conn.sobject('Account').create({ Name: 'Small', NumberOfEmployees: 5 });
    await ctx.conn.sobject('Account').update({ Id: small.id ?? '', NumberOfEmployees: 500 });
    await ctx.conn.sobject('Account').update({ Id: small.id ?? '', NumberOfEmployees: 50 });
    await ctx.conn.sobject('Account').create({ Name: 'Large', NumberOfEmployees: 1000 });
    const messages = await topic.next(2);
    expect(messages.map((m) => [m.event.type, m.sobject['Name'], m.sobject['NumberOfEmployees']])).toEqual([
      ['updated', 'Small', 500],
      ['created', 'Large', 1000],
    ]);
  });

  it('evaluates updates by NotifyForFields: Select, Where, Referenced and All', async () => {
    const query = "SELECT Id, Phone FROM Contact WHERE LastName = 'Watch'";
    for (const mode of ['Select', 'Where', 'Referenced', 'All']) await createTopic({ Name: `Contacts${mode}`, Query: query, NotifyForFields: mode });
    const topics = {
      Select: await subscribeTopic('ContactsSelect'),
      Where: await subscribeTopic('ContactsWhere'),
      Referenced: await subscribeTopic('ContactsReferenced'),
      All: await subscribeTopic('ContactsAll'),
    };
    const contact = await ctx.conn.sobject('Contact').create({ LastName: 'Other' });
    const id = contact.id ?? '';
    await ctx.conn.sobject('Contact').update({ Id: id, LastName: 'Watch' }); // a WHERE field changes
    await ctx.conn.sobject('Contact').update({ Id: id, Title: 'CTO' }); // a field the query does not name
    await ctx.conn.sobject('Contact').update({ Id: id, Phone: '555-0100' }); // a SELECT field changes
    // A matching contact created last reaches every topic (NotifyForFields applies to updates
    // only): once it has arrived, every notification before it has too, and nothing else did.
    await ctx.conn.sobject('Contact').create({ LastName: 'Watch', Phone: 'marker' });
    const expected: Record<keyof typeof topics, (string | null)[]> = {
      Select: ['555-0100'],
      Where: [null],
      Referenced: [null, '555-0100'],
      All: [null, null, '555-0100'],
    };
    for (const [mode, phones] of Object.entries(expected) as [keyof typeof topics, (string | null)[]][]) {
      const messages = await topics[mode].next(phones.length + 1);
      expect(messages.map((m) => m.sobject['Phone']), mode).toEqual([...phones, 'marker']);
      expect(messages.map((m) => m.event.type), mode).toEqual([...phones.map(() => 'updated'), 'created']);
    }
  });

  it('honours the operation flags and stops notifying when the topic is deactivated', async () => {
    const topicId = await createTopic({ Name: 'LeadChanges', Query: 'SELECT Id, LastName FROM Lead', NotifyForOperationCreate: false, NotifyForOperationDelete: false });
    const topic = await subscribeTopic('LeadChanges');
    const lead = await ctx.conn.sobject('Lead').create({ LastName: 'Quiet', Company: 'A' });
    await ctx.conn.sobject('Lead').update({ Id: lead.id ?? '', LastName: 'Loud' });
    await ctx.conn.sobject('Lead').destroy(lead.id ?? '');
    const [updated] = await topic.next(1);
    expect(updated?.sobject).toEqual({ Id: lead.id, LastName: 'Loud' });
    const stored = await ctx.conn.sobject('PushTopic').retrieve(topicId);
    expect(stored).toMatchObject({ IsActive: true, NotifyForFields: 'Referenced', NotifyForOperations: 'Update', NotifyForOperationUndelete: true });
    await ctx.conn.sobject('PushTopic').update({ Id: topicId, IsActive: false });
    ctx.emu.controls.undelete([lead.id ?? '']);
    // Active again, the topic notifies the next update: the undelete in between sent nothing.
    await ctx.conn.sobject('PushTopic').update({ Id: topicId, IsActive: true });
    await ctx.conn.sobject('Lead').update({ Id: lead.id ?? '', LastName: 'Back' });
    const [, next] = await topic.next(2);
    expect([next?.event.type, next?.sobject['LastName']]).toEqual(['updated', 'Back']);
  });

  it('replays retained notifications with -2 and those after a stored replay id', async () => {
    await createTopic({ Name: 'NewCases', Query: 'SELECT Id, Subject FROM Case' });
    await ctx.conn.sobject('Case').create([{ Subject: 'One' }, { Subject: 'Two' }, { Subject: 'Three' }]);
    const all = collector<TopicMessage>();
    const everything = streamingConnection().streaming.createClient([new StreamingExtension.Replay('/topic/NewCases', -2)]);
    extraClients.push(everything as unknown as Disconnectable);
    await everything.subscribe('/topic/NewCases', all.listener);
    const replayed = await all.next(3);
    expect(replayed.map((m) => m.sobject['Subject'])).toEqual(['One', 'Two', 'Three']);
    const after = collector<TopicMessage>();
    const resumed = streamingConnection().streaming.createClient([new StreamingExtension.Replay('/topic/NewCases', replayed[0]?.event.replayId ?? 0)]);
    extraClients.push(resumed as unknown as Disconnectable);
    await resumed.subscribe('/topic/NewCases', after.listener);
    expect((await after.next(2)).map((m) => m.sobject['Subject'])).toEqual(['Two', 'Three']);
  });

  it('refuses a subscription to a topic that does not exist', async () => {
    const client = streamingConnection().streaming.createClient([]);
    extraClients.push(client as unknown as Disconnectable);
    await expect(client.subscribe('/topic/NoSuchTopic', () => undefined)).rejects.toThrow(/channel you requested to subscribe to does not exist/);
  });
});

describe('PushTopic query checks on save', () => {
  const refusals: [string, string, string][] = [
    ['ORDER BY', 'SELECT Id, Name FROM Account ORDER BY Name', "'ORDER BY' clause is not allowed"],
    ['LIMIT', 'SELECT Id, Name FROM Contact LIMIT 10', "'LIMIT' is not allowed"],
    ['an aggregate', 'SELECT Id, AVG(AnnualRevenue) FROM Account', 'Aggregate queries are not supported'],
    ['GROUP BY', 'SELECT Id, AccountId FROM Contact GROUP BY AccountId', 'Aggregate queries are not supported'],
    ['a relationship', 'SELECT Id, Account.Name FROM Contact', 'relationships are not supported'],
    ['a semi-join', "SELECT Id, Name FROM Account WHERE Id IN (SELECT AccountId FROM Contact WHERE Title = 'CEO')", 'semi/anti join sub-selects are not supported'],
    ['NOT', "SELECT Id FROM Account WHERE NOT Name = 'Salesforce.com'", "'NOT' is not supported"],
  ];

  it.each(refusals)('refuses %s with INVALID_FIELD and stores nothing', async (_what, query, message) => {
    const res = await raw(ctx.conn, 'POST', '/sobjects/PushTopic', { Name: 'Refused', Query: query, ApiVersion: 60.0 });
    expect(res.status).toBe(400);
    expect(res.body).toEqual([{ errorCode: 'INVALID_FIELD', message, fields: [] }]);
    expect((await ctx.conn.query('SELECT Id FROM PushTopic')).totalSize).toBe(0);
  });

  it('refuses a query without Id, unknown fields and objects, and NOT IN is accepted', async () => {
    const save = (Query: string) => raw(ctx.conn, 'POST', '/sobjects/PushTopic', { Name: 'Checked', Query, ApiVersion: 60.0 });
    expect(((await save('SELECT Name FROM Account')).body as { errorCode: string }[])[0]?.errorCode).toBe('INVALID_FIELD');
    const unknownField = ((await save('SELECT Id, Nope__c FROM Account')).body as { errorCode: string; message: string }[])[0];
    expect(unknownField).toMatchObject({ errorCode: 'INVALID_FIELD', message: expect.stringContaining("No such column 'Nope__c' on entity 'Account'") as unknown });
    // The message quotes the query as the user wrote it.
    expect(unknownField?.message.startsWith('\nSELECT Id, Nope__c FROM Account\n')).toBe(true);
    expect(((await save('SELECT Id FROM Nothing__c')).body as { errorCode: string }[])[0]?.errorCode).toBe('INVALID_TYPE');
    expect((await ctx.conn.query('SELECT Id FROM PushTopic')).totalSize).toBe(0);
    expect((await save("SELECT Id, Name FROM Account WHERE Id NOT IN ('001000000000001AAA')")).status).toBe(201);
  });

  it('refuses a query changed to an unsupported one on update and keeps the old query', async () => {
    const id = await createTopic({ Name: 'Kept', Query: 'SELECT Id, Name FROM Account' });
    const res = await raw(ctx.conn, 'PATCH', `/sobjects/PushTopic/${id}`, { Query: 'SELECT Id, Name FROM Account LIMIT 1' });
    expect(res.status).toBe(400);
    expect(res.body).toEqual([{ errorCode: 'INVALID_FIELD', message: "'LIMIT' is not allowed", fields: [] }]);
    expect((await ctx.conn.sobject('PushTopic').retrieve(id))['Query']).toBe('SELECT Id, Name FROM Account');
  });

  it('keeps names unique and within 25 characters, and requires ApiVersion', async () => {
    await createTopic({ Name: 'Taken', Query: 'SELECT Id, Name FROM Account' });
    const duplicate = await raw(ctx.conn, 'POST', '/sobjects/PushTopic', { Name: 'Taken', Query: 'SELECT Id, Name FROM Account', ApiVersion: 60.0 });
    expect((duplicate.body as { errorCode: string }[])[0]?.errorCode).toBe('DUPLICATE_VALUE');
    const long = await raw(ctx.conn, 'POST', '/sobjects/PushTopic', { Name: 'A'.repeat(26), Query: 'SELECT Id, Name FROM Account', ApiVersion: 60.0 });
    expect((long.body as { errorCode: string }[])[0]?.errorCode).toBe('STRING_TOO_LONG');
    const unversioned = await raw(ctx.conn, 'POST', '/sobjects/PushTopic', { Name: 'NoVersion', Query: 'SELECT Id, Name FROM Account' });
    expect((unversioned.body as { errorCode: string }[])[0]?.errorCode).toBe('REQUIRED_FIELD_MISSING');
    expect((await ctx.conn.query('SELECT Name FROM PushTopic')).records.map((r) => r['Name'])).toEqual(['Taken']);
  });
});

describe('Generic streaming on /u/ channels', () => {
  it('broadcasts a push to every subscriber and targets named users', async () => {
    await ctx.conn.sobject('StreamingChannel').create({ Name: '/u/Broadcast', Description: 'all hands' });
    const admin = collector<GenericStreamingMessage>();
    const rep = collector<GenericStreamingMessage>();
    const adminConn = streamingConnection();
    await adminConn.streaming.channel('/u/Broadcast').subscribe(admin.listener);
    await streamingConnection('rep@ferry.test').streaming.channel('/u/Broadcast').subscribe(rep.listener);
    const repId = ctx.emu.controls.sessionFor('rep@ferry.test').userId;
    const adminId = ctx.emu.identity.userId;

    const broadcast = await adminConn.streaming.channel('/u/Broadcast').push({ payload: 'hello all', userIds: [] });
    expect(broadcast).toEqual({ fanoutCount: -1, userOnlineStatus: {} });
    const [toAdmin] = await admin.next(1);
    const [toRep] = await rep.next(1);
    expect(toAdmin).toEqual({ event: { createdDate: expect.stringMatching(/Z$/) as unknown, replayId: expect.any(Number) as unknown }, payload: 'hello all' });
    expect(toRep?.payload).toBe('hello all');

    const integrationId = ctx.emu.controls.sessionFor('integration@ferry.test').userId;
    const targeted = await adminConn.streaming.channel('/u/Broadcast').push({ payload: 'just you', userIds: [repId, integrationId] });
    expect(targeted).toEqual({ fanoutCount: 1, userOnlineStatus: { [repId]: true, [integrationId]: false } });
    expect((await rep.next(2))[1]?.payload).toBe('just you');
    // A later broadcast reaches the admin next: the targeted push in between did not.
    await adminConn.streaming.channel('/u/Broadcast').push({ payload: 'to all again', userIds: [] });
    expect((await admin.next(2)).map((m) => m.payload)).toEqual(['hello all', 'to all again']);

    const channelId = (await ctx.conn.query<{ Id: string }>("SELECT Id FROM StreamingChannel WHERE Name = '/u/Broadcast'")).records[0]?.Id ?? '';
    const listing = await raw(ctx.conn, 'GET', `/sobjects/StreamingChannel/${channelId}/push`);
    expect(listing.status).toBe(200);
    expect(listing.body).toEqual({ OnlineUserIds: expect.arrayContaining([adminId, repId]) as unknown, ChannelName: '/u/Broadcast' });
    expect((listing.body as { OnlineUserIds: string[] }).OnlineUserIds).toHaveLength(2);
  });

  it('answers the push resource with Salesforce shapes through raw REST, and replays pushes', async () => {
    const created = await ctx.conn.sobject('StreamingChannel').create({ Name: '/u/notifications/Orders' });
    const id = created.id ?? '';
    const pushed = await raw(ctx.conn, 'POST', `/sobjects/StreamingChannel/${id}/push`, { pushEvents: [{ payload: 'first' }, { payload: 'second', userIds: [] }] });
    expect(pushed.status).toBe(200);
    expect(pushed.body).toEqual([
      { fanoutCount: 0, userOnlineStatus: {} },
      { fanoutCount: 0, userOnlineStatus: {} },
    ]);
    const replay = collector<GenericStreamingMessage>();
    const client = streamingConnection().streaming.createClient([new StreamingExtension.Replay('/u/notifications/Orders', -2)]);
    extraClients.push(client as unknown as Disconnectable);
    await client.subscribe('/u/notifications/Orders', replay.listener);
    expect((await replay.next(2)).map((m) => m.payload)).toEqual(['first', 'second']);

    const tooLong = await raw(ctx.conn, 'POST', `/sobjects/StreamingChannel/${id}/push`, { pushEvents: [{ payload: 'x'.repeat(3001) }] });
    expect(tooLong.status).toBe(400);
    const missing = await raw(ctx.conn, 'POST', '/sobjects/StreamingChannel/0M6000000000000AAA/push', { pushEvents: [{ payload: 'lost' }] });
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual([{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }]);
  });

  it('refuses channel names outside /u/ and subscriptions to channels that do not exist', async () => {
    const bad = await raw(ctx.conn, 'POST', '/sobjects/StreamingChannel', { Name: '/topic/NotAChannel' });
    expect(bad.status).toBe(400);
    expect((bad.body as { errorCode: string; fields: string[] }[])[0]).toMatchObject({ errorCode: 'FIELD_INTEGRITY_EXCEPTION', fields: ['Name'] });
    expect((await ctx.conn.query('SELECT Id FROM StreamingChannel')).totalSize).toBe(0);
    const client = streamingConnection().streaming.createClient([]);
    extraClients.push(client as unknown as Disconnectable);
    await expect(client.subscribe('/u/Nowhere', () => undefined)).rejects.toThrow(/channel you requested to subscribe to does not exist/);
    expect((await ctx.conn.query('SELECT Id FROM StreamingChannel')).totalSize).toBe(0);
  });

  it('creates a dynamic channel on subscription when the org allows dynamic channels', async () => {
    const emu = await startEmulator({ port: 0, host: '127.0.0.1', dynamicStreamingChannels: true });
    try {
      const { accessToken } = emu.controls.sessionFor(emu.identity.username);
      const conn = new jsforce.Connection({ instanceUrl: emu.url, accessToken, version: API_VERSION });
      opened.push(conn);
      const got = collector<GenericStreamingMessage>();
      await conn.streaming.channel('/u/Dynamic').subscribe(got.listener);
      const stored = await conn.query<{ Id: string; IsDynamic: boolean; OwnerId: string }>("SELECT Id, IsDynamic, OwnerId FROM StreamingChannel WHERE Name = '/u/Dynamic'");
      expect(stored.records).toEqual([expect.objectContaining({ IsDynamic: true, OwnerId: emu.identity.userId })]);
      expect(await conn.streaming.channel('/u/Dynamic').push({ payload: 'made on demand', userIds: [] })).toEqual({ fanoutCount: -1, userOnlineStatus: {} });
      expect((await got.next(1))[0]?.payload).toBe('made on demand');
    } finally {
      for (const conn of opened.splice(0)) {
        const cached = (conn.streaming as unknown as { _fayeClients: Record<string, Disconnectable | undefined> })._fayeClients;
        for (const client of Object.values(cached)) client?.disconnect();
      }
      await emu.stop();
    }
  });
});
