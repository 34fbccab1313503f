import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../../../test/api.ts';

// Reports from a fuzzer: each of these answered 500 and must be a 400 that says where and how to fix.
let api: TestApi;

beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => api.close());

async function journalLength(): Promise<number> {
  return (await api.call('GET', '/api/v1/changes?limit=10000')).body.changes.length;
}

describe('text the database cannot hold', () => {
  it('refuses a NUL character in a field, saying where it is', async () => {
    const before = await journalLength();
    const res = await api.call('POST', '/api/v1/accounts', { code: 'NUL-1', name: 'Acme\u0000Ltd' });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.details).toEqual([{ path: 'body.name', message: expect.stringContaining('NUL character (U+0000) at position 5') }]);
    expect(await journalLength()).toBe(before);
  });

  it('refuses a lone surrogate, in a value or in a field name', async () => {
    const value = await api.call('POST', '/api/v1/accounts', undefined, { raw: '{"code":"SUR-1","name":"a\\ud800b"}' });
    expect(value.status).toBe(400);
    expect(value.body.error.details).toEqual([{ path: 'body.name', message: expect.stringContaining('lone surrogate (U+D800)') }]);
    const key = await api.call('POST', '/api/v1/accounts', undefined, { raw: '{"code":"SUR-2","name":"x","customFields":{"a\\udc00":1}}' });
    expect(key.status).toBe(400);
    expect(key.body.error.details[0]).toEqual({ path: 'body.customFields', message: expect.stringContaining('field name that contains a lone surrogate (U+DC00)') });
    const nested = await api.call('PATCH', '/api/v1/accounts/0190a3c2-7b1e-7cc0-9a4e-1f2d3c4b5a69', { address: { line1: '\u0000' } });
    expect(nested.status).toBe(400);
    expect(nested.body.error.details[0].path).toBe('body.address.line1');
  });

  it('fails only the bulk row that holds such text, in its key or elsewhere, and writes the others', async () => {
    const before = await journalLength();
    const res = await api.call('POST', '/api/v1/accounts/bulk', {
      items: [{ code: 'ROW-1', name: 'One' }, { code: 'ROW-\u0000', name: 'Two' }, { code: 'ROW-3', name: 'Three \ud800' }, { code: 'ROW-4', name: 'Four' }],
    });
    expect(res.status).toBe(200);
    expect(res.body.summary).toEqual({ created: 2, updated: 0, unchanged: 0, failed: 2 });
    expect(res.body.results[1].error).toMatchObject({ code: 'validation_failed', details: [{ path: 'items[1].code', message: expect.stringContaining('NUL') }] });
    expect(res.body.results[2].error.details).toEqual([{ path: 'items[2].name', message: expect.stringContaining('lone surrogate') }]);
    expect(await journalLength()).toBe(before + 2);
  });
});

describe('list filters', () => {
  it('refuses a NUL in a filter value', async () => {
    const res = await api.call('GET', '/api/v1/accounts?status=a%00b');
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([{ path: 'query.status', message: expect.stringContaining('NUL character') }]);
  });

  it.each([
    ['commitments', 'contractId'],
    ['balance-transactions', 'balanceId'],
    ['rate-plans', 'productId'],
    ['tickets', 'contactId'],
  ])('refuses a %s filter on %s that is not a Ferry id', async (entity, filter) => {
    const res = await api.call('GET', `/api/v1/${entity}?${filter}=not-a-uuid`);
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([{ path: `query.${filter}`, message: expect.stringContaining('must be a Ferry id (a UUID such as') }]);
  });

  it.each(['accounts', 'services', 'users'])('refuses a %s search with a NUL character (the API fuzz test found it answered 500)', async (entity) => {
    const res = await api.call('GET', `/api/v1/${entity}?search=${encodeURIComponent('acme\u0000')}`);
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([{ path: 'query.search', message: expect.stringContaining('NUL character') }]);
  });

  it('refuses a flag filter that is not true or false', async () => {
    const res = await api.call('GET', '/api/v1/products?active=yes');
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([{ path: 'query.active', message: 'must be true or false' }]);
  });

  it('refuses updatedSince in year 0, which has no date in Postgres', async () => {
    const res = await api.call('GET', `/api/v1/accounts?updatedSince=${encodeURIComponent('0000-01-01T00:00:00Z')}`);
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([{ path: 'query.updatedSince', message: expect.stringContaining('from year 0001 on') }]);
    const ok = await api.call('GET', `/api/v1/accounts?updatedSince=${encodeURIComponent('0001-01-01T00:00:00Z')}`);
    expect(ok.status).toBe(200);
  });

  it('refuses a date in year 0 in a record', async () => {
    const account = (await api.call('POST', '/api/v1/accounts', { code: 'Y0', name: 'Year zero' })).body;
    const res = await api.call('POST', '/api/v1/contracts', { accountId: account.id, code: 'Y0', name: 'C', startDate: '0000-02-01' });
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([{ path: 'body.startDate', message: expect.stringContaining('there is no year 0000') }]);
  });
});

describe('a natural key made of parts that are not text', () => {
  it('refuses an external mapping whose system is an object without a toString (the key is not built from it)', async () => {
    const before = await journalLength();
    const res = await api.call('POST', '/api/v1/external-mappings', {
      externalSystem: { toString: null, nested: 1 }, externalTable: 'Account', externalId: 'X-1', entity: 'accounts', entityId: '0190a3c2-7b1e-7cc0-9a4e-1f2d3c4b5a69',
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.details).toContainEqual(expect.objectContaining({ path: 'body.externalSystem' }));
    expect(await journalLength()).toBe(before);
  });
});
