// Fuzzes every operation of the OpenAPI document against one whole Ferry (engine, worker and an
// emulated Salesforce org): requests derived from each operation's schemas, mixed at every level
// with hostile values. Any 5xx fails the test and prints the request that caused it.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allEndpoints, API_VERSION } from '../../src/api/server.ts';
import { buildOpenApi } from '../../src/api/openapi.ts';
import { startTestFerry, type TestFerry } from '../ferry.ts';

type Schema = Record<string, any>;

interface Operation {
  method: string;
  path: string;
  operationId: string;
  params: { name: string; in: 'path' | 'query'; required: boolean; schema: Schema }[];
  body: Schema | undefined;
}

interface FuzzRequest {
  method: string;
  url: string;
  body?: string | undefined;
  contentType?: string | undefined;
  auth: boolean;
}

// At least 5,000 cases across the document, spread evenly so every operation gets its share.
// FERRY_FUZZ_CASES=50000 searches longer (locally); fast-check prints the seed of a failure.
const TOTAL_CASES = Math.max(5_000, Number(process.env.FERRY_FUZZ_CASES ?? 0) || 0);

const doc = buildOpenApi(allEndpoints(), { version: API_VERSION }) as { paths: Record<string, Record<string, Schema>>; components: { schemas: Record<string, Schema> } };
const operations: Operation[] = Object.entries(doc.paths).flatMap(([path, methods]) =>
  Object.entries(methods).map(([method, op]) => ({
    method: method.toUpperCase(),
    path,
    operationId: op.operationId as string,
    params: (op.parameters ?? []) as Operation['params'],
    body: op.requestBody?.content?.['application/json']?.schema as Schema | undefined,
  })),
);
const RUNS_PER_OPERATION = Math.ceil(TOTAL_CASES / operations.length);

// ---- hostile values ---------------------------------------------------------------------------

function nested(depth: number, leaf: unknown, asArray: boolean): unknown {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = asArray ? [value] : { a: value };
  return value;
}

const hostileStrings = [
  '', ' ', '\u0000', 'a\u0000b', '\ud800', 'x\udfffy', '\udbff\udbff', '\ud83d\ude00', '%00', '\\u0000', 'null', 'undefined', 'NaN',
  '-1', '0', '1e400', '-0', '99999999999999999999999999', '0000-01-01', '0000-01-01T00:00:00Z', '9999-12-31T23:59:59-14:00',
  '2026-02-30', '__proto__', 'constructor', "'; DROP TABLE records; --", '../../etc/passwd', '{}', '[]', 'true',
  '\u202e\u0645', 'ZZ', 'UK', 'gb', 'x'.repeat(5000), '\t\n\r', '*', '%', '_', "data->>'x'",
];

const hostileNumbers = [0, -0, -1, 0.5, 1e308, -1e308, 2 ** 31, -(2 ** 31) - 1, 2 ** 53 + 2, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 1e-320];

const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(...hostileStrings),
  fc.constantFrom(...hostileNumbers),
  fc.constantFrom(null, true, false, [], {}, [null], JSON.parse('{"__proto__":{"polluted":true}}') as unknown),
  fc.constantFrom(nested(2000, 'deep', true), nested(2000, '\u0000', false), nested(50, { a: '\ud800' }, false)),
  fc.jsonValue({ maxDepth: 3 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
);

// ---- values from schemas --------------------------------------------------------------------

let idPool: string[] = ['0190a3c2-7b1e-7cc0-9a4e-1f2d3c4b5a69'];
let urlPool: string[] = ['http://127.0.0.1:1'];

function resolve(schema: Schema): Schema {
  let node = schema;
  while (typeof node.$ref === 'string') node = doc.components.schemas[node.$ref.split('/').at(-1)!]!;
  return node;
}

function pattern(source: string): fc.Arbitrary<string> | undefined {
  try {
    return fc.stringMatching(new RegExp(source));
  } catch {
    return undefined;
  }
}

function datePart(): fc.Arbitrary<string> {
  return fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString());
}

function stringFor(schema: Schema): fc.Arbitrary<string> {
  switch (schema.format) {
    case 'uuid':
      return fc.oneof(fc.constantFrom(...idPool), fc.uuid());
    case 'date':
      return datePart().map((iso) => iso.slice(0, 10));
    case 'date-time':
      return datePart();
    case 'email':
      return fc.emailAddress();
    case 'uri':
      return fc.constantFrom(...urlPool);
    default: {
      const matching = typeof schema.pattern === 'string' ? pattern(schema.pattern) : undefined;
      const max = typeof schema.maxLength === 'number' ? Math.min(schema.maxLength, 40) : 40;
      const plain = fc.string({ minLength: Math.min(schema.minLength ?? 0, max), maxLength: max });
      return matching === undefined ? plain : fc.oneof(matching, plain);
    }
  }
}

/**
 * A value for the schema. Mixed: anywhere, a hostile value can replace the right one. Clean: the
 * right shape throughout, for a single mutation afterwards (see mutateOne), so that requests wrong
 * in exactly one place reach the code behind validation.
 */
function valueFor(input: Schema, depth = 0, mixed = true): fc.Arbitrary<unknown> {
  const schema = resolve(input);
  const right = wellTyped(schema, depth, mixed);
  return mixed ? fc.oneof({ weight: depth < 2 ? 6 : 20, arbitrary: right }, { weight: 1, arbitrary: hostileValue }) : right;
}

/** Replaces the node at the `pick`-th position (in a walk of the value) with `replacement`. */
function mutateOne(value: unknown, pick: number, replacement: unknown): unknown {
  const paths: (string | number)[][] = [];
  const walk = (node: unknown, path: (string | number)[]) => {
    paths.push(path);
    if (Array.isArray(node)) node.forEach((item, index) => walk(item, [...path, index]));
    else if (typeof node === 'object' && node !== null) for (const [key, item] of Object.entries(node)) walk(item, [...path, key]);
  };
  walk(value, []);
  const target = paths[pick % paths.length]!;
  if (target.length === 0) return replacement;
  const copy = structuredClone(value) as Record<string | number, unknown>;
  let node = copy;
  for (const part of target.slice(0, -1)) node = node[part] as Record<string | number, unknown>;
  node[target.at(-1)!] = replacement;
  return copy;
}

function wellTyped(schema: Schema, depth: number, mixed: boolean): fc.Arbitrary<unknown> {
  const inner = (child: Schema, childDepth: number) => valueFor(child, childDepth, mixed);
  if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as unknown[]));
  if ('const' in schema) return fc.constant(schema.const);
  const alternatives = (schema.oneOf ?? schema.anyOf) as Schema[] | undefined;
  if (alternatives !== undefined) return fc.oneof(...alternatives.map((alt) => inner(alt, depth)));
  const type = Array.isArray(schema.type) ? (schema.type as string[]).find((t) => t !== 'null') : (schema.type as string | undefined);
  switch (type ?? 'any') {
    case 'string':
      return stringFor(schema);
    case 'integer':
      return fc.integer({ min: Math.max(schema.minimum ?? -1000, -(2 ** 31)), max: Math.min(schema.maximum ?? 100_000, 2 ** 31) });
    case 'number':
      return fc.double({ min: schema.minimum ?? -1e6, max: schema.maximum ?? 1e6, noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return depth > 3 ? fc.constant([]) : fc.array(inner(schema.items ?? {}, depth + 1), { maxLength: 3 });
    case 'object': {
      const properties = (schema.properties ?? {}) as Record<string, Schema>;
      if (Object.keys(properties).length === 0 || depth > 4) {
        if (!mixed) return fc.dictionary(fc.string({ maxLength: 12 }), fc.oneof(fc.string({ maxLength: 12 }), fc.integer(), fc.boolean()), { maxKeys: 3 });
        return fc.dictionary(fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom(...hostileStrings.slice(0, 8))), hostileValue, { maxKeys: 3 });
      }
      const shape = Object.fromEntries(Object.entries(properties).map(([key, value]) => [key, inner(value, depth + 1)]));
      const required = ((schema.required ?? []) as string[]).filter((key) => key in shape);
      // Optional fields are left out about half the time.
      const present = Object.fromEntries(Object.entries(shape).map(([key, value]) => [key, required.includes(key) ? value : fc.option(value, { nil: undefined, freq: 2 })]));
      const record = fc.record(present).map((value) => Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)));
      if (!mixed) return record;
      // Now and then a field the schema does not know, or a required one left out.
      return fc.oneof({ weight: 6, arbitrary: record }, { weight: 1, arbitrary: fc.record(shape, { requiredKeys: [] }) }, {
        weight: 1,
        arbitrary: fc.tuple(record, fc.constantFrom('colour', '\u0000', '\ud800', 'id', 'version', 'createdAt')).map(([value, key]) => ({ ...(value as object), [key]: 1 })),
      });
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

// ---- requests -------------------------------------------------------------------------------

/** Percent-encodes like encodeURIComponent, but lone surrogates too (as the bytes WTF-8 gives them). */
function encodeLoose(text: string): string {
  let out = '';
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (code >= 0xd800 && code <= 0xdfff) {
      out += [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join('');
    } else {
      out += encodeURIComponent(char);
    }
  }
  return out;
}

function asParameter(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value) ?? '';
}

function requestFor(op: Operation): fc.Arbitrary<FuzzRequest> {
  const pathParams = op.params.filter((p) => p.in === 'path');
  const queryParams = op.params.filter((p) => p.in === 'query');
  const pathValues = fc.tuple(...pathParams.map((p) => valueFor(p.schema).map(asParameter)));
  const queryValues = fc.tuple(
    ...queryParams.map((p) =>
      fc.oneof(
        { weight: p.required ? 0 : 12, arbitrary: fc.constant(undefined) },
        { weight: 9, arbitrary: valueFor(p.schema).map(asParameter) },
        { weight: 1, arbitrary: fc.array(fc.constantFrom('1', '\u0000'), { minLength: 2, maxLength: 2 }) },
      ),
    ),
  );
  const extraQuery = fc.oneof(
    { weight: 7, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom('colour', '\u0000', 'limit', '__proto__'), fc.constantFrom(...hostileStrings.slice(0, 12))) },
  );
  const body: fc.Arbitrary<{ body?: string; contentType?: string }> =
    op.body === undefined && op.method === 'GET'
      ? fc.constant({})
      : fc.oneof(
          { weight: 4, arbitrary: (op.body === undefined ? fc.constant(undefined) : valueFor(op.body)).map((value) => (value === undefined ? {} : { body: JSON.stringify(value) })) },
          {
            weight: 4,
            arbitrary: fc
              .tuple(op.body === undefined ? fc.constant({}) : valueFor(op.body, 0, false), fc.nat(), hostileValue)
              .map(([value, pick, replacement]) => ({ body: JSON.stringify(mutateOne(value, pick, replacement)) })),
          },
          { weight: 1, arbitrary: fc.constantFrom('{"a":', '', 'null', '[]', '1e999', '"\\ud800"', '{"a":"\\u0000"}', '\u0000').map((raw) => ({ body: raw })) },
          { weight: 1, arbitrary: fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1').map((contentType) => ({ body: '{}', contentType })) },
        );
  return fc.record({ path: pathValues, query: queryValues, extra: extraQuery, body, auth: fc.integer({ min: 0, max: 19 }).map((n) => n !== 0) }).map(({ path, query, extra, body: payload, auth }) => {
    let url = op.path;
    pathParams.forEach((param, index) => (url = url.replace(`{${param.name}}`, encodeLoose(path[index]!) || '%20')));
    const pairs: string[] = [];
    queryParams.forEach((param, index) => {
      const value = query[index];
      if (value === undefined) return;
      for (const one of Array.isArray(value) ? value : [value]) pairs.push(`${encodeLoose(param.name)}=${encodeLoose(one)}`);
    });
    if (extra !== undefined) pairs.push(`${encodeLoose(extra[0])}=${encodeLoose(extra[1])}`);
    if (pairs.length > 0) url += `?${pairs.join('&')}`;
    return { method: op.method, url, body: payload.body, contentType: payload.body === undefined ? undefined : (payload.contentType ?? 'application/json'), auth };
  });
}

// ---- the server -----------------------------------------------------------------------------

let ferry: TestFerry;

async function send(request: FuzzRequest): Promise<number> {
  const headers: Record<string, string> = {};
  if (request.auth) headers.authorization = `Bearer ${ferry.apiKey}`;
  if (request.contentType !== undefined) headers['content-type'] = request.contentType;
  const response = await fetch(`${ferry.url}${request.url}`, { method: request.method, headers, ...(request.body !== undefined ? { body: request.body } : {}) });
  await response.arrayBuffer();
  return response.status;
}

beforeAll(async () => {
  ferry = await startTestFerry();
  // Real ids of each kind, so requests reach records and not only "not found".
  const must = async (method: string, path: string, body?: unknown) => {
    const res = await ferry.call(method, path, body);
    if (res.status >= 300) throw new Error(`seed ${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as { id: string };
  };
  const account = await must('POST', '/api/v1/accounts', { code: 'FUZZ', name: 'Fuzz', currency: 'USD' });
  const contact = await must('POST', '/api/v1/contacts', { accountId: account.id, lastName: 'Fuzz' });
  const contract = await must('POST', '/api/v1/contracts', { accountId: account.id, code: 'FUZZ', name: 'Fuzz', startDate: '2026-01-01' });
  const balance = await must('POST', '/api/v1/balances', { accountId: account.id, code: 'FUZZ', name: 'Fuzz', currency: 'USD', amount: '10', startDate: '2026-01-01' });
  const product = await must('POST', '/api/v1/products', { code: 'FUZZ', name: 'Fuzz' });
  const bill = await must('POST', '/api/v1/bills', {
    accountId: account.id, billNumber: 'FUZZ', billDate: '2026-02-01', periodStart: '2026-01-01', periodEnd: '2026-01-31', dueDate: '2026-03-01',
    currency: 'USD', total: '10.00', lineItems: [{ lineItemType: 'USAGE', quantity: '1', unitPrice: '10', amount: '10' }],
  });
  const credential = await ferry.credential();
  const integration = await must('POST', '/api/v1/integrations', { name: 'Fuzz', entityType: 'Account', credentialId: credential.id });
  const run = await must('POST', `/api/v1/integrations/${integration.id}/sync`, { mode: 'full' });
  await ferry.settle(integration.id);
  idPool = [account.id, contact.id, contract.id, balance.id, product.id, bill.id, credential.id, integration.id, run.id, ...idPool];
  // Credential URLs only ever name the emulator or a closed local port: nothing waits on the network.
  urlPool = [ferry.emulator.loginUrl, ...urlPool];
});

afterAll(async () => ferry.stop());

describe('what the fuzzer found in bodies the engine checks itself', () => {
  it('refuses a NUL or a lone surrogate in a credential, an integration or the OAuth callback', async () => {
    const credential = await ferry.call('POST', '/api/v1/credentials', { name: 'a\u0000', type: 'access_token', instanceUrl: 'http://127.0.0.1:1', accessToken: 'x' });
    expect(credential.status).toBe(400);
    expect(credential.body.error.details).toEqual([{ path: 'body.name', message: expect.stringContaining('NUL character (U+0000)') }]);
    const integration = await ferry.call('POST', '/api/v1/integrations', { name: 'a\ud800', entityType: 'Account' });
    expect(integration.status).toBe(400);
    expect(integration.body.error.details).toEqual([{ path: 'body.name', message: expect.stringContaining('lone surrogate (U+D800)') }]);
    const callback = await ferry.call('GET', '/api/v1/oauth/callback?state=%00&code=x', undefined, { key: null });
    expect(callback.status).toBe(400);
    expect(callback.body.error.details).toEqual([{ path: 'query.state', message: expect.stringContaining('NUL character') }]);
  });
});

describe('fuzzing every operation of the OpenAPI document', () => {
  it('serves the document the fuzzer works from, with every operation', async () => {
    const served = await ferry.call('GET', '/api/v1/openapi.json', undefined, { key: null });
    expect(Object.keys(served.body.paths)).toEqual(Object.keys(doc.paths));
    expect(operations.length * RUNS_PER_OPERATION).toBeGreaterThanOrEqual(TOTAL_CASES);
  });

  it.each(operations.map((op) => [`${op.method} ${op.path}`, op] as const))('never answers 5xx to %s', async (_name, op) => {
    await fc.assert(
      fc.asyncProperty(requestFor(op), async (request) => {
        const status = await send(request);
        if (status >= 500) throw new Error(`${status} for ${JSON.stringify(request)}`);
      }),
      { numRuns: RUNS_PER_OPERATION, endOnFailure: true },
    );
  });
});
