import { Readable } from 'node:stream';
import { parse as parseCsv } from 'csv-parse';
import jsonata from 'jsonata';
import pRetry from 'p-retry';
import { z } from 'zod';
import { checkOutboundUrl } from '../outbound-url.ts';

/**
 * Reconciliation compares the customers in Salesforce, in Ferry and in the customer's billing
 * tool. The billing tool's customers come from a source the user connects: an uploaded file (CSV
 * or JSON lines) or an HTTPS endpoint that answers JSON pages. This module reads a source as pages
 * of plain records, one page in memory at a time, and when it cannot, says which line or page is
 * wrong and why. Storing the configuration, the upload and the sealed header values is the
 * engine's job; the engine hands this module the unsealed headers for one read.
 */

/**
 * A source could not be read. `line` (files) or `page` (HTTP) says where; `status` is the HTTP
 * status of a refused request; `transient` means the same read may work later (a timeout, a 5xx, a
 * 429 after the retries): the engine may try the run again, where anything else needs a person to
 * change the file, the configuration or the credentials.
 */
export class SourceError extends Error {
  override name = 'SourceError';
  readonly page?: number;
  readonly line?: number;
  readonly status?: number;
  readonly transient: boolean;

  constructor(message: string, where: { page?: number; line?: number; status?: number; transient?: boolean; cause?: unknown } = {}) {
    super(message, where.cause === undefined ? undefined : { cause: where.cause });
    if (where.page !== undefined) this.page = where.page;
    if (where.line !== undefined) this.line = where.line;
    if (where.status !== undefined) this.status = where.status;
    this.transient = where.transient ?? false;
  }
}

// ---------------------------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------------------------

// The configuration is stored unsealed: credentials belong in the headers, which the engine seals.
const sourceUrl = z
  .string({ error: 'must be the address of the first page, such as "https://billing.example.com/api/customers?limit=100"' })
  .trim()
  .max(2048, 'must be at most 2048 characters')
  .superRefine(checkOutboundUrl({
    example: 'https://billing.example.com/api/customers', why: ' (the request carries the source\'s credentials)',
    credentials: 'send credentials in headers, such as {"authorization": "Basic ..."}',
  }));

/** RFC 9110 token characters: what a header name may be made of. */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Set by the HTTP client itself: a configured value would be ignored or break the request. */
const RESERVED_HEADERS = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'te', 'trailer', 'expect']);
export const MAX_SOURCE_HEADERS = 20;

// No message here ever quotes a header value: the values are secrets (API keys, bearer tokens).
const sourceHeaders = z
  .record(z.string(), z.string({ error: 'must be a string (the header value)' }).min(1, 'must not be empty').max(4096, 'must be at most 4096 characters')
    .refine((v) => !/[\r\n\0]/.test(v), 'must not contain a line break or NUL character'))
  .superRefine((headers, context) => {
    const names = Object.keys(headers);
    if (names.length > MAX_SOURCE_HEADERS) context.addIssue({ code: 'custom', message: `has ${names.length} headers; at most ${MAX_SOURCE_HEADERS} are allowed` });
    const seen = new Map<string, string>();
    for (const name of names) {
      const lower = name.toLowerCase();
      if (!HEADER_NAME.test(name)) {
        context.addIssue({ code: 'custom', path: [name], message: 'is not a valid header name: use letters, digits and - (such as "x-api-key"), without spaces or a colon' });
      } else if (RESERVED_HEADERS.has(lower)) {
        context.addIssue({ code: 'custom', path: [name], message: `is set by the HTTP client itself and cannot be configured; remove it` });
      }
      const earlier = seen.get(lower);
      if (earlier !== undefined) context.addIssue({ code: 'custom', path: [name], message: `is the same header as "${earlier}" (header names ignore case): keep one` });
      else seen.set(lower, name);
    }
  });

/** Where a JSONata syntax error is: JSONata's position is the character just after the bad token. */
function jsonataProblem(source: string, error: unknown): string {
  const e = error as { message?: unknown; position?: unknown };
  const message = typeof e.message === 'string' ? e.message : String(error);
  if (typeof e.position !== 'number') return message;
  const start = Math.max(0, e.position - 20);
  return `${message} (at character ${e.position}: "${source.slice(start, e.position)}")`;
}

function jsonataExpression(example: string) {
  return z
    .string({ error: `must be a JSONata expression, such as ${example}` })
    .trim()
    .max(2000, 'must be at most 2000 characters')
    .superRefine((source, context) => {
      if (source === '') return;
      try {
        jsonata(source);
      } catch (error) {
        context.addIssue({ code: 'custom', message: `is not a valid JSONata expression: ${jsonataProblem(source, error)}` });
      }
    });
}

export const fileSourceInput = z.strictObject({
  kind: z.literal('file'),
  format: z.enum(['csv', 'jsonl'], { error: 'must be "csv" (a header row, then one customer a row) or "jsonl" (one JSON object a line)' })
    .meta({ description: 'csv: a header row naming the columns, then one customer a row; jsonl: one JSON object a line.' }),
});

export const httpSourceInput = z.strictObject({
  kind: z.literal('http'),
  url: sourceUrl.meta({ description: 'The first page: https (plain http only for 127.0.0.1, localhost and [::1]).' }),
  headers: sourceHeaders.optional()
    .meta({ description: `Sent with every request (at most ${MAX_SOURCE_HEADERS}), such as {"authorization": "Bearer ..."}. The values are secrets: stored sealed, never shown again, never logged.` }),
  records: jsonataExpression('"data" or "customers[]"').refine((source) => source !== '', 'is required: the JSONata expression giving the array of customers in a page, such as "data" or "customers[]"')
    .meta({ description: 'JSONata over a page\'s JSON body giving its array of customer records, such as "data", "customers[]" or "$.list.customer". End a path with [] when a page may hold a single record, so that it stays an array.' }),
  next: jsonataExpression('"links.next"').nullable().optional()
    .meta({ description: 'JSONata over a page\'s JSON body giving the next page\'s URL (absolute, or relative to this page\'s), or null when there is none; $url is this page\'s URL, $page its number from 1, $pageSize the pageSize setting. Such as "links.next", or for offset paging "next_offset ? $replace($url, /&offset=\\d+/, \'\') & \'&offset=\' & next_offset" (removing this page\'s offset first). Absent: the source is one page.' }),
  pageSize: z.number().int('must be a whole number').min(1, 'must be at least 1').max(100_000, 'must be at most 100000').optional()
    .meta({ description: 'The number of records the API returns a page, when the URL asks for it: bound as $pageSize in the expressions (offset paging: "$count(data) = $pageSize ? ...").' }),
});

export const sourceInput = z.discriminatedUnion('kind', [fileSourceInput, httpSourceInput], {
  error: (issue) => {
    if (issue.code === 'invalid_union') return 'must be "file" (an uploaded CSV or JSON-lines file) or "http" (an HTTPS endpoint answering JSON pages)';
    if (issue.code === 'invalid_type') return 'must be an object, such as {"kind": "file", "format": "csv"} or {"kind": "http", "url": "https://...", "records": "data"}';
    return undefined;
  },
});

export type FileSourceInput = z.output<typeof fileSourceInput>;
export type HttpSourceInput = z.output<typeof httpSourceInput>;
export type SourceInput = z.output<typeof sourceInput>;
export type SourceRecord = Record<string, unknown>;

// ---------------------------------------------------------------------------------------------
// Files
// ---------------------------------------------------------------------------------------------

export const DEFAULT_PAGE_SIZE = 1000;
/** How much of the text the CSV parser is given at once: the parser holds at most this and a page. */
const CHUNK_CHARACTERS = 64 * 1024;

function checkPageSize(pageSize: number): void {
  if (!Number.isInteger(pageSize) || pageSize < 1) throw new RangeError(`pageSize must be a whole number of at least 1, not ${pageSize}`);
}

function* slices(text: string): Generator<string> {
  for (let start = 0; start < text.length; start += CHUNK_CHARACTERS) yield text.slice(start, start + CHUNK_CHARACTERS);
}

/** The header row names the record's fields: each must be there once, or a value would be lost. */
function csvColumns(header: string[]): string[] {
  const columns = header.map((name) => name.trim());
  const seen = new Set<string>();
  columns.forEach((name, index) => {
    if (name === '') throw new SourceError(`line 1: column ${index + 1} has no name in the header row: name it or remove the column`, { line: 1 });
    if (name === '__proto__') throw new SourceError(`line 1: column ${index + 1} is named "__proto__", which cannot be a field name: rename it`, { line: 1 });
    if (seen.has(name)) throw new SourceError(`line 1: the header row names "${name}" twice: each column needs its own name`, { line: 1 });
    seen.add(name);
  });
  return columns;
}

async function* csvRecords(text: string): AsyncGenerator<SourceRecord> {
  const input = Readable.from(slices(text));
  const parser = input.pipe(parseCsv({ columns: csvColumns, bom: true, skip_empty_lines: true }));
  try {
    for await (const record of parser as AsyncIterable<Record<string, string>>) yield record;
  } catch (error) {
    if (error instanceof SourceError) throw error;
    const e = error as { message?: unknown; lines?: unknown };
    const message = typeof e.message === 'string' ? e.message : String(error);
    const line = typeof e.lines === 'number' ? e.lines : undefined;
    throw new SourceError(line === undefined ? `the CSV could not be read: ${message}` : `line ${line}: ${message}`, { ...(line === undefined ? {} : { line }), cause: error });
  } finally {
    // A reader that stops early (or fails) must not leave the text being pushed into nothing.
    input.destroy();
  }
}

function describeJson(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' || typeof value === 'undefined' ? `an ${typeof value}` : `a ${typeof value}`;
}

function* jsonLines(text: string): Generator<SourceRecord> {
  let line = 0;
  let start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  while (start < text.length) {
    const end = text.indexOf('\n', start);
    const raw = text.slice(start, end === -1 ? text.length : end);
    start = end === -1 ? text.length : end + 1;
    line++;
    if (raw.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (error) {
      throw new SourceError(`line ${line}: not valid JSON (${(error as Error).message})`, { line, cause: error });
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new SourceError(`line ${line}: not a JSON object but ${describeJson(value)}: each line must hold one customer as {...}`, { line });
    }
    yield value as SourceRecord;
  }
}

/**
 * Reads an uploaded CSV or JSON-lines file as pages of at most `pageSize` records. CSV values are
 * strings, named by the trimmed header row; JSON lines keep their types. A malformed line stops
 * the read with a SourceError naming the line: a reconciliation over part of a file would report
 * the rest as missing customers.
 */
export async function* readFileSource(text: string, format: 'csv' | 'jsonl', pageSize = DEFAULT_PAGE_SIZE): AsyncGenerator<SourceRecord[]> {
  checkPageSize(pageSize);
  const records = format === 'csv' ? csvRecords(text) : jsonLines(text);
  let page: SourceRecord[] = [];
  for await (const record of records) {
    page.push(record);
    if (page.length >= pageSize) {
      yield page;
      page = [];
    }
  }
  if (page.length > 0) yield page;
}

// ---------------------------------------------------------------------------------------------
// HTTP
// ---------------------------------------------------------------------------------------------

export interface HttpSourceOptions {
  /** The unsealed header values (the configuration holds them sealed). */
  headers: Record<string, string>;
  fetch?: typeof fetch;
  /** Each request, body included. */
  timeoutMs?: number;
  maxPages?: number;
  /** Further attempts after a network error, a timeout, a 429 or a 5xx. */
  retries?: number;
  /** The wait before the first retry; it doubles at each further one. */
  retryDelayMs?: number;
  /** The longest Retry-After a 429 may ask for and still be waited for; a longer one fails the read. */
  maxRetryAfterMs?: number;
}

export const HTTP_SOURCE_DEFAULTS = {
  timeoutMs: 30_000,
  maxPages: 10_000,
  retries: 3,
  retryDelayMs: 1000,
  maxRetryAfterMs: 60_000,
} as const;

/** How much of an answer's body an error quotes. */
const BODY_EXCERPT = 200;

/** The URL as errors show it: the query string may hold a token, and user info is never allowed. */
function shown(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

/**
 * Hides what must never reach an error message: the header values (whole, and each long word of
 * them, as an API echoing "invalid key abc..." quotes only the token after "Bearer") and the
 * query string's values.
 */
function redactor(headers: Record<string, string>, url: URL): (text: string) => string {
  const secrets = new Set<string>();
  for (const value of Object.values(headers)) {
    if (value.length >= 4) secrets.add(value);
    for (const word of value.split(/\s+/)) if (word.length >= 8) secrets.add(word);
  }
  for (const value of url.searchParams.values()) if (value.length >= 8) secrets.add(value);
  if (url.search.length > 1) secrets.add(url.search.slice(1));
  // Longest first, so that a value is hidden whole before a word inside it is.
  const ordered = [...secrets].sort((a, b) => b.length - a.length);
  return (text) => ordered.reduce((out, secret) => out.split(secret).join('[redacted]'), text);
}

function excerpt(body: string, redact: (text: string) => string): string {
  const start = redact(body.slice(0, BODY_EXCERPT * 4));
  const text = start.length > BODY_EXCERPT ? `${start.slice(0, BODY_EXCERPT)}…` : start;
  return text.replace(/\s+/g, ' ').trim();
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
function retryAfterMs(header: string | null): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** Retry-After of a failed attempt, read by onFailedAttempt before the next one. */
const retryAfterOf = new WeakMap<SourceError, number>();

function seconds(ms: number): string {
  return `${ms / 1000} s`;
}

interface Page {
  url: URL;
  number: number;
}

type Compiled = ReturnType<typeof jsonata>;

async function evaluate(expression: { name: string; source: string; compiled: Compiled }, body: unknown, bindings: Record<string, unknown>, page: number, redact: (text: string) => string): Promise<unknown> {
  try {
    return (await expression.compiled.evaluate(body, bindings)) as unknown;
  } catch (error) {
    throw new SourceError(`page ${page}: the ${expression.name} expression failed on this page: ${redact(jsonataProblem(expression.source, error))}`, { page, cause: error });
  }
}

function isRecord(value: unknown): value is SourceRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The top-level keys of a body, to show what a records expression could have named. */
function keysOf(body: unknown): string {
  if (!isRecord(body)) return `the body is ${describeJson(body)}`;
  const keys = Object.keys(body);
  return keys.length === 0 ? 'the body is an empty object' : `the body's keys are ${keys.slice(0, 20).map((k) => JSON.stringify(k)).join(', ')}${keys.length > 20 ? ', …' : ''}`;
}

/**
 * Reads an HTTP source page by page: GET the URL, take the records from the JSON body with the
 * `records` expression, then the next URL with the `next` expression, until there is none.
 * Transient failures (network, timeout, 429, 5xx) are retried with backoff; anything else, or a
 * transient failure that outlasts the retries, throws a SourceError naming the page. Header values
 * never appear in an error: they are the customer's credentials.
 */
export async function* readHttpSource(config: HttpSourceInput, options: HttpSourceOptions): AsyncGenerator<SourceRecord[]> {
  // The stored configuration is checked again, with the headers about to be sent: a setting that
  // no longer parses stops the read instead of sending something unchecked.
  const checked = httpSourceInput.safeParse({ ...config, headers: options.headers });
  if (!checked.success) {
    const problems = checked.error.issues.map((issue) => `${issue.path.map(String).join('.') || '(source)'}: ${issue.message}`);
    throw new SourceError(`the HTTP source's configuration is not valid: ${problems.join('; ')}`);
  }
  const source = checked.data;
  const fetchPage = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? HTTP_SOURCE_DEFAULTS.timeoutMs;
  const maxPages = options.maxPages ?? HTTP_SOURCE_DEFAULTS.maxPages;
  const retries = options.retries ?? HTTP_SOURCE_DEFAULTS.retries;
  const retryDelayMs = options.retryDelayMs ?? HTTP_SOURCE_DEFAULTS.retryDelayMs;
  const maxRetryAfterMs = options.maxRetryAfterMs ?? HTTP_SOURCE_DEFAULTS.maxRetryAfterMs;
  const records = { name: 'records', source: source.records, compiled: jsonata(source.records) };
  const next = source.next === undefined || source.next === null || source.next === '' ? undefined : { name: 'next', source: source.next, compiled: jsonata(source.next) };
  const first = new URL(source.url);
  const redact = redactor(options.headers, first);
  const read = new Set<string>();

  const get = async (page: Page): Promise<string> => {
    const what = `GET ${shown(page.url)} (page ${page.number})`;
    const headers = new Headers({ accept: 'application/json' });
    // A configured accept (application/vnd.api+json, say) replaces the default.
    for (const [name, value] of Object.entries(options.headers)) headers.set(name, value);
    let response: Response;
    let body: string;
    try {
      // Redirects are not followed: a custom header (x-api-key) would go to wherever the
      // Location points, and fetch strips only authorization on the way.
      response = await fetchPage(page.url, { method: 'GET', headers, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
      body = await response.text();
    } catch (error) {
      const e = error as { name?: unknown; message?: unknown; cause?: { message?: unknown } };
      const reason = e.name === 'TimeoutError'
        ? `got no complete answer within ${seconds(timeoutMs)}`
        : `failed: ${redact([e.message, e.cause?.message].filter((m) => typeof m === 'string').join(': ') || String(error))}`;
      throw new SourceError(`${what} ${reason}`, { page: page.number, transient: true, cause: error });
    }
    if (response.status >= 200 && response.status < 300) return body;
    const status = `answered ${response.status}${response.statusText === '' ? '' : ` ${response.statusText}`}`;
    if (response.status >= 300 && response.status < 400) {
      const location = response.headers.get('location');
      const target = location === null ? 'nowhere' : URL.canParse(location, page.url.href) ? shown(new URL(location, page.url)) : 'an unreadable Location';
      throw new SourceError(`${what} ${status}, a redirect to ${target}: Ferry does not follow redirects (the headers would go along); set the address it points to`, { page: page.number, status: response.status });
    }
    const quoted = `: ${excerpt(body, redact) || '(empty body)'}`;
    if (response.status === 429) {
      const wait = retryAfterMs(response.headers.get('retry-after'));
      const error = wait !== undefined && wait > maxRetryAfterMs
        ? new SourceError(`${what} ${status} and asks to wait ${seconds(wait)} (Retry-After), longer than the ${seconds(maxRetryAfterMs)} a read waits: run the reconciliation later, or ask the provider for a higher rate limit${quoted}`, { page: page.number, status: 429, transient: true })
        : new SourceError(`${what} ${status}${quoted}`, { page: page.number, status: 429, transient: true });
      if (wait !== undefined) retryAfterOf.set(error, wait);
      throw error;
    }
    const hint = response.status === 401 || response.status === 403 ? ' (check the credentials in the source\'s headers)' : response.status === 404 ? ' (check the source URL)' : '';
    throw new SourceError(`${what} ${status}${hint}${quoted}`, { page: page.number, status: response.status, transient: response.status >= 500 });
  };

  let page: Page | undefined = { url: first, number: 1 };
  while (page !== undefined) {
    if (page.number > maxPages) {
      throw new SourceError(`page ${page.number}: the source has more than ${maxPages} pages, the most a read takes: check that the next expression stops (gives null on the last page), or ask for bigger pages`, { page: page.number });
    }
    read.add(page.url.href);
    const current: Page = page;
    const text = await pRetry(() => get(current), {
      retries,
      minTimeout: retryDelayMs,
      factor: 2,
      randomize: true,
      shouldRetry: ({ error }) => error instanceof SourceError && error.transient && (retryAfterOf.get(error) ?? 0) <= maxRetryAfterMs,
      onFailedAttempt: async ({ error, retriesLeft }) => {
        // Retry-After is a floor: the backoff's own wait comes on top of it.
        const wait = error instanceof SourceError ? retryAfterOf.get(error) : undefined;
        if (wait !== undefined && wait <= maxRetryAfterMs && retriesLeft > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      },
    });

    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (error) {
      throw new SourceError(`page ${page.number}: GET ${shown(page.url)} answered something that is not JSON (${redact((error as Error).message)}): ${excerpt(text, redact) || '(empty body)'}`, { page: page.number, cause: error });
    }
    const bindings = { url: page.url.href, page: page.number, pageSize: source.pageSize };

    const found = await evaluate(records, body, bindings, page.number, redact);
    if (found === undefined && page.number === 1) {
      // JSONata gives nothing (not []) when a path matches nothing, also when the array it walks
      // is empty: on a later page that is an empty last page, but on the first it is far more
      // likely an expression that does not fit the answer, which would report every customer missing.
      throw new SourceError(`page 1: the records expression "${source.records}" matched nothing (${keysOf(body)}): name the array of customers, such as "data" or "customers[]"`, { page: 1 });
    }
    const list = found === undefined ? [] : found;
    if (!Array.isArray(list)) {
      const advice = isRecord(list) ? ': if it is a single customer, end the path with [] (such as "customers[]") so that one record stays an array' : '';
      throw new SourceError(`page ${page.number}: the records expression "${source.records}" gave ${describeJson(list)}, not an array of records${advice}`, { page: page.number });
    }
    const bad = list.findIndex((item) => !isRecord(item));
    if (bad !== -1) {
      throw new SourceError(`page ${page.number}: record ${bad + 1} of the records expression "${source.records}" is ${describeJson(list[bad])}, not an object: the expression must give the customer objects themselves`, { page: page.number });
    }

    let following: Page | undefined;
    if (next !== undefined) {
      const value = await evaluate(next, body, bindings, page.number, redact);
      if (typeof value === 'string' && value.trim() !== '') {
        if (!URL.canParse(value.trim(), page.url.href)) {
          throw new SourceError(`page ${page.number}: the next expression gave "${excerpt(value, redact)}", which is not a URL`, { page: page.number });
        }
        const url: URL = new URL(value.trim(), page.url);
        // The headers are the customer's credentials for this address: a next link elsewhere
        // (a typo, or an answer that is not what it seems) must not receive them.
        if (url.origin !== first.origin) {
          throw new SourceError(`page ${page.number}: the next page ${shown(url)} is not on ${first.origin}, the source's own address; the source's headers are sent there only`, { page: page.number });
        }
        if (read.has(url.href)) {
          throw new SourceError(`page ${page.number}: the next page ${shown(url)} was already read (the same URL, query included): the next expression loops; it must give a new URL, or null after the last page`, { page: page.number });
        }
        following = { url, number: page.number + 1 };
      } else if (value !== null && value !== undefined && typeof value !== 'string') {
        throw new SourceError(`page ${page.number}: the next expression gave ${describeJson(value)}, not a URL string or null`, { page: page.number });
      }
    }

    if (list.length > 0) yield Array.from(list as SourceRecord[]);
    page = following;
  }
}
