import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { httpSourceInput, readFileSource, readHttpSource, SourceError, sourceInput, type HttpSourceInput, type HttpSourceOptions, type SourceRecord } from './sources.ts';

// A real HTTP server on loopback: each test sets the handler of the paths it reads.
type Handler = (request: IncomingMessage, response: ServerResponse, url: URL) => void;
let server: Server;
let base: string;
let routes: Map<string, Handler>;
let requests: { url: string; headers: IncomingHttpHeaders }[];

beforeAll(async () => {
  server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', base);
    requests.push({ url: `${url.pathname}${url.search}`, headers: request.headers });
    const handler = routes.get(url.pathname);
    if (handler === undefined) {
      response.writeHead(404).end('no such route');
      return;
    }
    handler(request, response, url);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve, reject) => server.close((error) => (error === undefined ? resolve() : reject(error))));
});

beforeEach(() => {
  routes = new Map();
  requests = [];
});

function json(response: ServerResponse, body: unknown, status = 200, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}

const customers = (from: number, count: number) => Array.from({ length: count }, (_, i) => ({ id: `cus_${from + i}`, email: `c${from + i}@example.com` }));

function source(path: string, rest: Partial<HttpSourceInput> = {}): HttpSourceInput {
  return { kind: 'http', url: `${base}${path}`, records: 'data', ...rest };
}

const fast: Omit<HttpSourceOptions, 'headers'> = { retryDelayMs: 5, timeoutMs: 5000 };

async function readAll(pages: AsyncIterable<SourceRecord[]>): Promise<SourceRecord[][]> {
  const out: SourceRecord[][] = [];
  for await (const page of pages) out.push(page);
  return out;
}

/** Reads until the source fails; returns the pages read before, and the error. */
async function failure(pages: AsyncIterable<SourceRecord[]>): Promise<{ pages: SourceRecord[][]; error: SourceError }> {
  const out: SourceRecord[][] = [];
  try {
    for await (const page of pages) out.push(page);
  } catch (error) {
    expect(error).toBeInstanceOf(SourceError);
    return { pages: out, error: error as SourceError };
  }
  throw new Error(`the source was read without an error (${out.length} pages)`);
}

describe('readHttpSource', () => {
  it('pages by an offset read from the body, replacing the offset in the page URL', async () => {
    routes.set('/customers', (_request, response, url) => {
      const offset = Number(url.searchParams.get('offset') ?? 0);
      json(response, { data: customers(offset, 2), next_offset: offset < 4 ? offset + 2 : null });
    });
    const config = source('/customers?limit=2', { next: "next_offset ? $replace($url, /&offset=\\d+/, '') & '&offset=' & next_offset" });
    const pages = await readAll(readHttpSource(config, { headers: {}, ...fast }));
    expect(pages.map((page) => page.map((c) => c['id']))).toEqual([['cus_0', 'cus_1'], ['cus_2', 'cus_3'], ['cus_4', 'cus_5']]);
    expect(requests.map((r) => r.url)).toEqual(['/customers?limit=2', '/customers?limit=2&offset=2', '/customers?limit=2&offset=4']);
  });

  it('follows links.next, absolute or relative to the page, with $page bound, until it is null', async () => {
    routes.set('/v2/customers', (_request, response, url) => {
      const cursor = url.searchParams.get('cursor');
      if (cursor === null) json(response, { customers: customers(0, 1), links: { next: `${base}/v2/customers?cursor=b` } });
      else if (cursor === 'b') json(response, { customers: customers(1, 1), links: { next: 'customers?cursor=c' } });
      else json(response, { customers: customers(2, 1), links: { next: null } });
    });
    const config = source('/v2/customers', { records: 'customers[].$merge([$, { "page": $page }])', next: 'links.next' });
    const pages = await readAll(readHttpSource(config, { headers: {}, ...fast }));
    expect(pages).toEqual([
      [{ id: 'cus_0', email: 'c0@example.com', page: 1 }],
      [{ id: 'cus_1', email: 'c1@example.com', page: 2 }],
      [{ id: 'cus_2', email: 'c2@example.com', page: 3 }],
    ]);
    expect(requests.map((r) => r.url)).toEqual(['/v2/customers', '/v2/customers?cursor=b', '/v2/customers?cursor=c']);
  });

  it('sends the configured headers with accept: application/json on every page', async () => {
    routes.set('/h', (_request, response, url) => json(response, { data: customers(0, 1), next: url.search === '' ? '/h?p=2' : null }));
    const headers = { authorization: 'Bearer tok_live_123456789', 'X-Api-Key': 'key_abcdefgh' };
    await readAll(readHttpSource(source('/h', { next: 'next' }), { headers, ...fast }));
    expect(requests).toHaveLength(2);
    for (const request of requests) {
      expect(request.headers).toMatchObject({ accept: 'application/json', authorization: 'Bearer tok_live_123456789', 'x-api-key': 'key_abcdefgh' });
    }
  });

  it('retries a 503 and then reads the page', async () => {
    let calls = 0;
    routes.set('/flaky', (_request, response) => {
      calls++;
      if (calls === 1) response.writeHead(503).end('down for maintenance');
      else json(response, { data: customers(0, 3) });
    });
    const pages = await readAll(readHttpSource(source('/flaky'), { headers: {}, ...fast }));
    expect(calls).toBe(2);
    expect(pages.flat().map((c) => c['id'])).toEqual(['cus_0', 'cus_1', 'cus_2']);
  });

  it('gives up on a 5xx after the retries, as a transient error', async () => {
    routes.set('/down', (_request, response) => response.writeHead(502, 'Bad Gateway').end('upstream unavailable'));
    const { error } = await failure(readHttpSource(source('/down'), { headers: {}, ...fast, retries: 2 }));
    expect(requests).toHaveLength(3);
    expect(error).toMatchObject({ page: 1, status: 502, transient: true });
    expect(error.message).toBe(`GET ${base}/down (page 1) answered 502 Bad Gateway: upstream unavailable`);
  });

  it('retries a refused connection, then reports it as transient', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve, reject) => closed.close((error) => (error === undefined ? resolve() : reject(error))));
    const config: HttpSourceInput = { kind: 'http', url: `http://127.0.0.1:${port}/customers?token=qtok_7d1e5c3b9a`, records: 'data' };
    const { error } = await failure(readHttpSource(config, { headers: {}, ...fast, retries: 1 }));
    expect(error).toMatchObject({ page: 1, transient: true });
    expect(error.message).toMatch(new RegExp(`^GET http://127\\.0\\.0\\.1:${port}/customers \\(page 1\\) failed: fetch failed: .*ECONNREFUSED`));
    expect(error.message).not.toContain('qtok_7d1e5c3b9a');
  });

  it('waits for a 429 as long as Retry-After says', async () => {
    const at: number[] = [];
    routes.set('/limited', (_request, response) => {
      at.push(Date.now());
      if (at.length === 1) json(response, { error: 'slow down' }, 429, { 'retry-after': '1' });
      else json(response, { data: customers(0, 1) });
    });
    const pages = await readAll(readHttpSource(source('/limited'), { headers: {}, ...fast }));
    expect(pages).toHaveLength(1);
    expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(950);
  });

  it('does not wait for a long Retry-After: it fails at once, saying so', async () => {
    routes.set('/limited', (_request, response) => json(response, { error: 'quota' }, 429, { 'retry-after': '3600' }));
    const { error } = await failure(readHttpSource(source('/limited'), { headers: {}, ...fast }));
    expect(requests).toHaveLength(1);
    expect(error).toMatchObject({ page: 1, status: 429, transient: true });
    expect(error.message).toContain('asks to wait 3600 s (Retry-After), longer than the 60 s a read waits');
  });

  it('does not retry a 401, and names the URL without its query string or any header value', async () => {
    const secret = 'sk_live_5f3c9a7e1d2b';
    routes.set('/private', (request, response) => {
      // An API that echoes what it was given: the error must still hide it.
      response.writeHead(401, 'Unauthorized').end(`invalid credentials ${String(request.headers['authorization'])} for ${request.url}`);
    });
    const { error } = await failure(readHttpSource(source('/private?token=qtok_7d1e5c3b9a&limit=100'), { headers: { authorization: `Bearer ${secret}` }, ...fast }));
    expect(requests).toHaveLength(1);
    expect(error).toMatchObject({ page: 1, status: 401, transient: false });
    expect(error.message).toBe(`GET ${base}/private (page 1) answered 401 Unauthorized (check the credentials in the source's headers): invalid credentials [redacted] for /private?[redacted]`);
    expect(error.message).not.toContain(secret);
    expect(error.message).not.toContain('qtok_7d1e5c3b9a');
  });

  it('refuses a body that is not JSON, naming the page', async () => {
    routes.set('/html', (_request, response, url) => {
      if (url.search === '') json(response, { data: customers(0, 1), next: '/html?p=2' });
      else response.writeHead(200, { 'content-type': 'text/html' }).end('<!DOCTYPE html><title>Log in</title>');
    });
    const { pages, error } = await failure(readHttpSource(source('/html', { next: 'next' }), { headers: {}, ...fast }));
    expect(pages).toHaveLength(1);
    expect(error.page).toBe(2);
    expect(error.message).toMatch(/^page 2: GET http:\/\/127\.0\.0\.1:\d+\/html answered something that is not JSON \(.+\): <!DOCTYPE html><title>Log in<\/title>$/);
  });

  it('refuses records that are not an array of objects', async () => {
    routes.set('/one', (_request, response) => json(response, { data: { id: 'cus_0' } }));
    routes.set('/ids', (_request, response) => json(response, { data: ['cus_0', 'cus_1'] }));
    const single = await failure(readHttpSource(source('/one'), { headers: {}, ...fast }));
    expect(single.error.message).toBe('page 1: the records expression "data" gave an object, not an array of records: if it is a single customer, end the path with [] (such as "customers[]") so that one record stays an array');
    const strings = await failure(readHttpSource(source('/ids'), { headers: {}, ...fast }));
    expect(strings.error.message).toBe('page 1: record 1 of the records expression "data" is a string, not an object: the expression must give the customer objects themselves');
  });

  it('refuses a records expression that matches nothing on the first page, and ends on a later empty page', async () => {
    routes.set('/wrong', (_request, response) => json(response, { items: [], total: 0 }));
    const { error } = await failure(readHttpSource(source('/wrong', { records: 'customers' }), { headers: {}, ...fast }));
    expect(error.message).toBe('page 1: the records expression "customers" matched nothing (the body\'s keys are "items", "total"): name the array of customers, such as "data" or "customers[]"');

    routes.set('/nested', (_request, response, url) => {
      if (url.search === '') json(response, { list: [{ customer: { id: 'cus_0' } }, { customer: { id: 'cus_1' } }], more: true });
      else json(response, { list: [], more: false });
    });
    const pages = await readAll(readHttpSource(source('/nested', { records: '$.list.customer', next: "more ? '/nested?p=2'" }), { headers: {}, ...fast }));
    expect(pages).toEqual([[{ id: 'cus_0' }, { id: 'cus_1' }]]);
    expect(requests.filter((r) => r.url.startsWith('/nested'))).toHaveLength(2);
  });

  it('refuses a next URL already read: the expression loops', async () => {
    routes.set('/loop', (_request, response, url) => json(response, { data: customers(0, 1), next: url.search === '' ? '/loop?p=2' : '/loop' }));
    const { pages, error } = await failure(readHttpSource(source('/loop', { next: 'next' }), { headers: {}, ...fast }));
    // A page whose next URL is wrong fails as a whole: its records are not yielded either.
    expect(pages).toHaveLength(1);
    expect(requests.map((r) => r.url)).toEqual(['/loop', '/loop?p=2']);
    expect(error.page).toBe(2);
    expect(error.message).toBe(`page 2: the next page ${base}/loop was already read (the same URL, query included): the next expression loops; it must give a new URL, or null after the last page`);
  });

  it('stops after maxPages pages', async () => {
    routes.set('/endless', (_request, response) => json(response, { data: customers(0, 1) }));
    const { pages, error } = await failure(readHttpSource(source('/endless?limit=1', { next: "$url & '&p=' & $page" }), { headers: {}, ...fast, maxPages: 3 }));
    expect(pages).toHaveLength(3);
    expect(requests).toHaveLength(3);
    expect(error.page).toBe(4);
    expect(error.message).toContain('page 4: the source has more than 3 pages');
  });

  it('refuses a next expression that gives something other than a URL or null', async () => {
    routes.set('/n', (_request, response) => json(response, { data: customers(0, 1), next: 2 }));
    const { error } = await failure(readHttpSource(source('/n', { next: 'next' }), { headers: {}, ...fast }));
    expect(error.message).toBe('page 1: the next expression gave a number, not a URL string or null');
  });

  it('does not send the headers to a next page on another origin', async () => {
    routes.set('/away', (_request, response) => json(response, { data: customers(0, 1), next: `${base.replace('127.0.0.1', 'localhost')}/away?p=2` }));
    const { error } = await failure(readHttpSource(source('/away', { next: 'next' }), { headers: { authorization: 'Bearer abcdefghijkl' }, ...fast }));
    expect(requests).toHaveLength(1);
    expect(error.message).toContain(`is not on ${base}, the source's own address`);
  });

  it('does not follow a redirect', async () => {
    routes.set('/moved', (_request, response) => response.writeHead(301, { location: 'https://elsewhere.example/customers?key=1' }).end());
    const { error } = await failure(readHttpSource(source('/moved'), { headers: { 'x-api-key': 'abcdefghijkl' }, ...fast }));
    expect(requests).toHaveLength(1);
    expect(error).toMatchObject({ status: 301, transient: false });
    expect(error.message).toContain('a redirect to https://elsewhere.example/customers: Ferry does not follow redirects');
  });

  it('times out a page that never comes, as a transient error, after the retries', async () => {
    routes.set('/silent', () => undefined);
    const { error } = await failure(readHttpSource(source('/silent'), { headers: {}, ...fast, timeoutMs: 100, retries: 1 }));
    expect(requests).toHaveLength(2);
    expect(error).toMatchObject({ page: 1, transient: true });
    expect(error.message).toBe(`GET ${base}/silent (page 1) got no complete answer within 0.1 s`);
  });

  it('refuses headers that are not valid before sending anything, without quoting their values', async () => {
    const { error } = await failure(readHttpSource(source('/h'), { headers: { 'bad name': 'sk_live_abcdef', ok: 'line\r\nbreak' }, ...fast }));
    expect(requests).toHaveLength(0);
    expect(error.message).toContain('headers.bad name: is not a valid header name');
    expect(error.message).toContain('headers.ok: must not contain a line break');
    expect(error.message).not.toContain('sk_live_abcdef');
  });
});

describe('readFileSource', () => {
  it('reads a CSV with a BOM, quoted commas, a trimmed header row and empty lines', async () => {
    const csv = '\uFEFFid , name,email\r\ncus_1,"Acme, Inc.",a@acme.test\r\n\r\ncus_2,"Say ""hi""",\r\n';
    const pages = await readAll(readFileSource(csv, 'csv'));
    expect(pages).toEqual([[
      { id: 'cus_1', name: 'Acme, Inc.', email: 'a@acme.test' },
      { id: 'cus_2', name: 'Say "hi"', email: '' },
    ]]);
  });

  it('stops at a CSV row of the wrong length, naming its line', async () => {
    const { error } = await failure(readFileSource('id,name\ncus_1,Acme\ncus_2,Beta,extra\n', 'csv'));
    expect(error.line).toBe(3);
    expect(error.message).toBe('line 3: Invalid Record Length: columns length is 2, got 3 on line 3');
  });

  it('refuses a CSV header row that names a column twice or leaves one unnamed', async () => {
    const twice = await failure(readFileSource('id,Email, email ,email\n1,a,b,c\n', 'csv'));
    expect(twice.error).toMatchObject({ line: 1, message: 'line 1: the header row names "email" twice: each column needs its own name' });
    const unnamed = await failure(readFileSource('id,,name\n1,2,3\n', 'csv'));
    expect(unnamed.error.message).toBe('line 1: column 2 has no name in the header row: name it or remove the column');
  });

  it('reads JSON lines, skipping blank lines, and stops at a bad line naming it', async () => {
    const good = '{"id":"cus_1","tags":["a"],"balance":12.5}\r\n\n{"id":"cus_2","active":false,"address":{"city":"Leeds"}}\n';
    expect(await readAll(readFileSource(good, 'jsonl'))).toEqual([[
      { id: 'cus_1', tags: ['a'], balance: 12.5 },
      { id: 'cus_2', active: false, address: { city: 'Leeds' } },
    ]]);
    const broken = await failure(readFileSource('{"id":"cus_1"}\n\n{"id": cus_2}\n', 'jsonl'));
    expect(broken.error.line).toBe(3);
    expect(broken.error.message).toMatch(/^line 3: not valid JSON \(.+\)$/);
    const array = await failure(readFileSource('{"id":"cus_1"}\n["cus_2"]\n', 'jsonl'));
    expect(array.error.message).toBe('line 2: not a JSON object but an array: each line must hold one customer as {...}');
  });

  it('yields pages of pageSize records: 2,500 rows as 1,000, 1,000 and 500', async () => {
    const rows = Array.from({ length: 2500 }, (_, i) => i);
    const csv = `id,name\n${rows.map((i) => `cus_${i},Customer ${i}`).join('\n')}\n`;
    const jsonl = rows.map((i) => JSON.stringify({ id: `cus_${i}` })).join('\n');
    for (const [text, format] of [[csv, 'csv'], [jsonl, 'jsonl']] as const) {
      const pages = await readAll(readFileSource(text, format));
      expect(pages.map((page) => page.length)).toEqual([1000, 1000, 500]);
      expect(pages.flat().map((record) => record['id'])).toEqual(rows.map((i) => `cus_${i}`));
    }
  });

  it('stops cleanly when the reader stops early', async () => {
    const csv = `id\n${Array.from({ length: 300_000 }, (_, i) => `cus_${i}`).join('\n')}\n`;
    let first: SourceRecord[] | undefined;
    for await (const page of readFileSource(csv, 'csv', 10)) {
      first = page;
      break;
    }
    expect(first?.map((record) => record['id'])).toEqual(Array.from({ length: 10 }, (_, i) => `cus_${i}`));
  });
});

describe('source schemas', () => {
  const http = (rest: Record<string, unknown>) => ({ kind: 'http', url: 'https://billing.example.com/api/customers', records: 'data', ...rest });
  const messages = (value: unknown) => sourceInput.safeParse(value).error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);

  it('accepts https, and plain http only on loopback', () => {
    for (const url of ['https://billing.example.com/api/customers?limit=100', 'http://127.0.0.1:8080/c', 'http://localhost/c', 'http://[::1]:3000/c']) {
      expect(messages(http({ url }))).toBeUndefined();
    }
    expect(messages(http({ url: 'http://billing.example.com/api' }))).toEqual([
      'url: must use https (the request carries the source\'s credentials); plain http is allowed only for 127.0.0.1, localhost and [::1], not for http://billing.example.com',
    ]);
    expect(messages(http({ url: 'http://127.0.0.2/c' }))?.[0]).toContain('must use https');
    expect(messages(http({ url: 'ftp://files.example.com/c.csv' }))?.[0]).toContain('must use https');
    expect(messages(http({ url: '/api/customers' }))).toEqual(['url: is not an absolute URL: give the whole address, such as "https://billing.example.com/api/customers"']);
    expect(messages(http({ url: 'https://me:pw@billing.example.com/c' }))?.[0]).toContain('must not hold a user name or password');
  });

  it('reports a JSONata syntax error with its position', () => {
    expect(messages(http({ records: 'customers[' }))).toEqual(['records: is not a valid JSONata expression: Expected "]" before end of expression (at character 10: "customers[")']);
    expect(messages(http({ next: 'links next' }))).toEqual(['next: is not a valid JSONata expression: Syntax error: "next" (at character 10: "links next")']);
    expect(messages(http({ records: '  ' }))?.[0]).toContain('records: is required');
    expect(messages(http({ next: null }))).toBeUndefined();
  });

  it('checks header names and values, never quoting a value', () => {
    expect(messages(http({ headers: { authorization: 'Bearer x', 'X-Api-Key': 'k' } }))).toBeUndefined();
    const bad = messages(http({ headers: { 'x api key': 'secret-value-1', 'x-empty': '', Host: 'h', 'x-key': 'a', 'X-KEY': 'b', 'x-big': 'v'.repeat(4097) } }));
    expect(bad).toEqual([
      'headers.x-empty: must not be empty',
      'headers.x-big: must be at most 4096 characters',
      'headers.x api key: is not a valid header name: use letters, digits and - (such as "x-api-key"), without spaces or a colon',
      'headers.Host: is set by the HTTP client itself and cannot be configured; remove it',
      'headers.X-KEY: is the same header as "x-key" (header names ignore case): keep one',
    ]);
    expect(JSON.stringify(bad)).not.toContain('secret-value-1');
    const many = Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`x-h${i}`, 'v']));
    expect(messages(http({ headers: many }))).toEqual(['headers: has 21 headers; at most 20 are allowed']);
  });

  it('explains a wrong kind, a wrong file format and an unknown field', () => {
    expect(messages({ kind: 'ftp' })).toEqual(['kind: must be "file" (an uploaded CSV or JSON-lines file) or "http" (an HTTPS endpoint answering JSON pages)']);
    expect(messages({ kind: 'file', format: 'xlsx' })).toEqual(['format: must be "csv" (a header row, then one customer a row) or "jsonl" (one JSON object a line)']);
    expect(messages({ kind: 'file', format: 'csv' })).toBeUndefined();
    expect(sourceInput.safeParse(http({ pagesize: 10 })).success).toBe(false);
    expect(httpSourceInput.parse(http({ pageSize: 100 })).pageSize).toBe(100);
  });
});
