import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postSigned, signature } from './webhook-sender.ts';

let server: Server;
let base: string;
let handle: (request: IncomingMessage, body: string, response: ServerResponse) => void = (_request, _body, response) => response.end();
const redirectedTo: string[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (request.url === '/elsewhere') redirectedTo.push(request.url);
      handle(request, Buffer.concat(chunks).toString('utf8'), response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('one signed webhook POST', () => {
  it('signs "<t>.<raw body>" with HMAC-SHA256 of the secret, the timestamp in unix seconds', async () => {
    let seen: { headers: IncomingMessage['headers']; body: string } | undefined;
    handle = (request, body, response) => {
      seen = { headers: request.headers, body };
      response.writeHead(204).end();
    };
    const body = JSON.stringify({ id: 'd-1', type: 'webhook.test', data: { text: 'naïve, "quoted", \u2028' } });
    const outcome = await postSigned(`${base}/hook`, 'the-secret-0123456789', 'd-1', body, { timeoutMs: 2000, now: () => new Date('2026-03-02T09:15:04.900Z') });
    expect(outcome).toEqual({ ok: true, status: 204 });
    const expected = createHmac('sha256', 'the-secret-0123456789').update(`1772442904.${body}`).digest('hex');
    expect(seen).toMatchObject({ body, headers: { 'content-type': 'application/json', 'x-ferry-delivery': 'd-1', 'x-ferry-signature': `t=1772442904,v1=${expected}` } });
    expect(signature('the-secret-0123456789', 1772442904, body)).toBe(`t=1772442904,v1=${expected}`);
  });

  it('does not follow a redirect, and says where it pointed (its query left out)', async () => {
    handle = (_request, _body, response) => response.writeHead(301, { location: '/elsewhere?token=abc' }).end();
    const outcome = await postSigned(`${base}/hook?key=receiver-token`, 's'.repeat(16), 'd-2', '{}', { timeoutMs: 2000 });
    expect(outcome).toEqual({ ok: false, status: 301, transient: false, error: `POST ${base}/hook answered 301 Moved Permanently, a redirect to ${base}/elsewhere: Ferry does not follow redirects; set the webhook's URL to the address it points to` });
    expect(redirectedTo).toEqual([]);
  });

  it.each([
    [429, true],
    [500, true],
    [503, true],
    [400, false],
    [404, false],
    [410, false],
  ])('answers %i: transient %s, with the receiver\'s words', async (status, transient) => {
    handle = (_request, _body, response) => response.writeHead(status, { 'content-type': 'text/plain' }).end(`  why:\n ${'x'.repeat(300)}`);
    const outcome = await postSigned(`${base}/hook`, 's'.repeat(16), 'd-3', '{}', { timeoutMs: 2000 });
    expect(outcome).toMatchObject({ ok: false, status, transient });
    expect(!outcome.ok && outcome.error).toMatch(new RegExp(`^POST ${base}/hook answered ${status} [^:]+: why: x{195}…$`));
  });

  it('gives up on a receiver that does not answer in time, as a transient failure', async () => {
    handle = () => undefined;
    const outcome = await postSigned(`${base}/hook`, 's'.repeat(16), 'd-4', '{}', { timeoutMs: 300 });
    expect(outcome).toEqual({ ok: false, status: null, transient: true, error: `POST ${base}/hook got no complete answer within 0.3 s` });
  });

  it('reports a receiver that cannot be reached as a transient failure', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const address = closed.address();
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const outcome = await postSigned(`http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}/hook`, 's'.repeat(16), 'd-5', '{}', { timeoutMs: 2000 });
    expect(outcome).toMatchObject({ ok: false, status: null, transient: true, error: expect.stringContaining('ECONNREFUSED') });
  });
});
