// PushTopic and StreamingChannel with the Salesforce CLI (@salesforce/cli 2.130.9): topics and
// channels created with `sf data create record`, a generic push and its subscriber listing with
// `sf api request rest`, and jsforce receiving what they cause.
import jsforce from 'jsforce';
import type { GenericStreamingMessage, StreamingMessage } from 'jsforce/api/streaming';
import { describe, expect, it } from 'vitest';
import { useSfCli } from './sf-cli.ts';
import { API_VERSION, useEmulator } from './support.ts';

const ctx = useEmulator();
const cli = useSfCli(ctx);

type Disconnectable = { disconnect(): void };

/** A jsforce connection with its own faye clients, and a way to close them (jsforce keeps them private). */
function listener(): { conn: jsforce.Connection; close: () => void } {
  const conn = new jsforce.Connection({ instanceUrl: ctx.emu.url, accessToken: ctx.conn.accessToken ?? '', version: API_VERSION });
  const close = (): void => {
    const cached = (conn.streaming as unknown as { _fayeClients: Record<string, Disconnectable | undefined> })._fayeClients;
    for (const client of Object.values(cached)) client?.disconnect();
  };
  return { conn, close };
}

function first<T>(): { listener: (m: T) => void; message: Promise<T> } {
  let resolve: (m: T) => void = () => undefined;
  const message = new Promise<T>((r) => {
    resolve = r;
  });
  return { listener: (m) => resolve(m), message };
}

describe('sf data create record and sf api request rest with streaming objects', () => {
  it('creates a PushTopic whose notifications jsforce receives, and reports a refused query', async () => {
    const created = await cli.run(['data', 'create', 'record', '--sobject', 'PushTopic', '--values', "Name=CliAccounts Query='SELECT Id, Name FROM Account' ApiVersion=60.0", '--json']);
    expect(created.code).toBe(0);
    expect(created.json?.result).toMatchObject({ success: true, id: expect.stringMatching(/^0IF/) as unknown });

    const { conn, close } = listener();
    try {
      const got = first<StreamingMessage<Record<string, unknown>>>();
      await conn.streaming.topic('CliAccounts').subscribe(got.listener);
      const account = await ctx.conn.sobject('Account').create({ Name: 'From CLI topic' });
      expect(await got.message).toMatchObject({ event: { type: 'created' }, sobject: { Id: account.id, Name: 'From CLI topic' } });
    } finally {
      close();
    }

    const refused = await cli.run(['data', 'create', 'record', '--sobject', 'PushTopic', '--values', "Name=CliLimited Query='SELECT Id, Name FROM Account LIMIT 5' ApiVersion=60.0", '--json']);
    expect(refused.code).not.toBe(0);
    expect(JSON.stringify(refused.json)).toContain("'LIMIT' is not allowed");
  }, 120_000);

  it('pushes to a StreamingChannel and lists its subscribers with sf api request rest', async () => {
    const created = await cli.run(['data', 'create', 'record', '--sobject', 'StreamingChannel', '--values', 'Name=/u/CliChannel', '--json']);
    expect(created.code).toBe(0);
    const id = String((created.json?.result as { id: string }).id);
    const path = `/services/data/v${API_VERSION}/sobjects/StreamingChannel/${id}/push`;

    const { conn, close } = listener();
    try {
      const got = first<GenericStreamingMessage>();
      await conn.streaming.channel('/u/CliChannel').subscribe(got.listener);
      const listing = await cli.run(['api', 'request', 'rest', path]);
      expect(listing.code).toBe(0);
      expect(JSON.parse(listing.stdout)).toEqual({ OnlineUserIds: [ctx.emu.identity.userId], ChannelName: '/u/CliChannel' });

      const pushed = await cli.run(['api', 'request', 'rest', path, '--method', 'POST', '--body', JSON.stringify({ pushEvents: [{ payload: 'from the CLI', userIds: [] }] })]);
      expect(pushed.code).toBe(0);
      expect(JSON.parse(pushed.stdout)).toEqual([{ fanoutCount: -1, userOnlineStatus: {} }]);
      expect((await got.message).payload).toBe('from the CLI');
    } finally {
      close();
    }
  }, 120_000);
});
