import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../../../test/api.ts';
import { createOrganization } from '../../platform/index.ts';

let api: TestApi;

beforeAll(async () => {
  api = await startTestApi({ bodyLimitBytes: 256 * 1024 });
});
afterAll(async () => api.close());

async function journalLength(): Promise<number> {
  const res = await api.call('GET', '/api/v1/changes?limit=10000');
  return res.body.changes.length;
}

async function createAccount(code: string, extra: Record<string, unknown> = {}) {
  const res = await api.call('POST', '/api/v1/accounts', { code, name: `Account ${code}`, ...extra });
  expect(res.status).toBe(201);
  return res.body;
}

const billBody = (accountId: string, billNumber: string, extra: Record<string, unknown> = {}) => ({
  accountId,
  billNumber,
  billDate: '2026-02-01',
  periodStart: '2026-01-01',
  periodEnd: '2026-01-31',
  dueDate: '2026-03-01',
  currency: 'GBP',
  total: '120.00',
  lineItems: [
    { lineItemType: 'STANDING_CHARGE', productCode: 'PLAT', quantity: '1', unitPrice: '100', amount: '100' },
    { lineItemType: 'USAGE', productCode: 'API', quantity: '2000', unitPrice: '0.01', amount: '20' },
  ],
  ...extra,
});

describe('accounts over HTTP', () => {
  it('creates, reads, lists with a cursor and filters, and journals each write', async () => {
    const created = await createAccount('HTTP-1', { currency: 'EUR', address: { line1: '1 Main St', country: 'DE' }, customFields: { country: 'DE', tier: 2 } });
    expect(created).toMatchObject({ code: 'HTTP-1', version: 1, address: { country: 'DE' }, customFields: { tier: 2 } });
    const got = await api.call('GET', `/api/v1/accounts/${created.id}`);
    expect(got.body).toEqual(created);
    for (const code of ['HTTP-2', 'HTTP-3', 'HTTP-4']) await createAccount(code);
    const first = await api.call('GET', '/api/v1/accounts?limit=2');
    expect(first.body.data).toHaveLength(2);
    const second = await api.call('GET', `/api/v1/accounts?limit=2&cursor=${first.body.nextCursor}`);
    const seen = [...first.body.data, ...second.body.data].map((a: { code: string }) => a.code);
    expect(seen.slice(0, 4)).toEqual(['HTTP-1', 'HTTP-2', 'HTTP-3', 'HTTP-4']);
    const eur = await api.call('GET', '/api/v1/accounts?currency=EUR');
    expect(eur.body.data.map((a: { code: string }) => a.code)).toEqual(['HTTP-1']);
    const future = await api.call('GET', `/api/v1/accounts?updatedSince=${encodeURIComponent('2099-01-01T00:00:00Z')}`);
    expect(future.body.data).toEqual([]);
    const changes = await api.call('GET', '/api/v1/changes?entity=accounts&limit=2');
    expect(changes.body.changes.map((c: { operation: string }) => c.operation)).toEqual(['create', 'create']);
    expect(changes.body.hasMore).toBe(true);
    const rest = await api.call('GET', `/api/v1/changes?entity=accounts&after=${changes.body.lastSeq}`);
    expect(rest.body.changes.length).toBeGreaterThanOrEqual(2);
    expect(rest.body.changes[0].seq).toBeGreaterThan(changes.body.lastSeq);
  });

  it('finds accounts whose name or code contains the search text, in any case, with LIKE characters taken literally', async () => {
    const north = await createAccount('SEARCH-N', { name: 'Northwind Traders' });
    const south = await createAccount('SRCH-100%', { name: 'Southern Goods' });
    await createAccount('OTHER-1', { name: 'Unrelated' });
    const byName = await api.call('GET', '/api/v1/accounts?search=northWIND');
    expect(byName.body.data.map((a: { id: string }) => a.id)).toEqual([north.id]);
    const byCode = await api.call('GET', `/api/v1/accounts?search=${encodeURIComponent('100%')}`);
    expect(byCode.body.data.map((a: { id: string }) => a.id)).toEqual([south.id]);
    // "%" is not a wildcard: no account's name or code contains "S%N".
    const literal = await api.call('GET', `/api/v1/accounts?search=${encodeURIComponent('S%N')}`);
    expect(literal.body.data).toEqual([]);
    const empty = await api.call('GET', '/api/v1/accounts?search=');
    expect(empty.status).toBe(400);
    expect(empty.body.error.details[0].path).toBe('query.search');
    // Entities without a name or code have no search.
    const transactions = await api.call('GET', '/api/v1/balance-transactions?search=x');
    expect(transactions.status).toBe(400);
  });

  it('answers 409 to a PATCH with a stale version, and applies a current one', async () => {
    const account = await createAccount('PATCH-1');
    const ok = await api.call('PATCH', `/api/v1/accounts/${account.id}`, { name: 'Renamed', version: 1 });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ name: 'Renamed', version: 2 });
    const stale = await api.call('PATCH', `/api/v1/accounts/${account.id}`, { name: 'Too late', version: 1 });
    expect(stale.status).toBe(409);
    expect(stale.body.error).toMatchObject({ code: 'version_conflict', details: [{ path: 'body.version', message: 'current version is 2' }] });
    const cleared = await api.call('PATCH', `/api/v1/accounts/${account.id}`, { currency: 'USD' });
    const removed = await api.call('PATCH', `/api/v1/accounts/${account.id}`, { currency: null });
    expect(cleared.body.currency).toBe('USD');
    expect(removed.body).not.toHaveProperty('currency');
  });

  it('deletes to a tombstone: 404 afterwards, visible with includeDeleted, journalled', async () => {
    const account = await createAccount('DEL-1');
    const deleted = await api.call('DELETE', `/api/v1/accounts/${account.id}`);
    expect(deleted.status).toBe(200);
    expect(deleted.body.deletedAt).toEqual(expect.any(String));
    const gone = await api.call('GET', `/api/v1/accounts/${account.id}`);
    expect(gone.status).toBe(404);
    expect(gone.body.error.code).toBe('not_found');
    const tombstones = await api.call('GET', '/api/v1/accounts?includeDeleted=true&limit=1000');
    expect(tombstones.body.data.some((a: { id: string; deletedAt?: string }) => a.id === account.id && a.deletedAt)).toBe(true);
    const changes = await api.call('GET', '/api/v1/changes?entity=accounts&limit=10000');
    expect(changes.body.changes.at(-1)).toMatchObject({ entityId: account.id, operation: 'delete', version: 2 });
  });
});

describe('bulk upsert', () => {
  it('creates then updates by code, with one result per item and failures isolated', async () => {
    const first = await api.call('POST', '/api/v1/accounts/bulk', {
      items: [
        { code: 'BULK-1', name: 'One' },
        { code: 'BULK-2', name: 'Two', emailAddress: 'not-an-email' },
        { code: 'BULK-3', name: 'Three' },
      ],
    });
    expect(first.status).toBe(200);
    expect(first.body.summary).toEqual({ created: 2, updated: 0, unchanged: 0, failed: 1 });
    expect(first.body.results[1]).toMatchObject({
      index: 1,
      status: 'failed',
      error: { code: 'validation_failed', details: [{ path: 'items[1].emailAddress' }] },
    });
    const second = await api.call('POST', '/api/v1/accounts/bulk', {
      items: [{ code: 'BULK-1', name: 'One' }, { code: 'BULK-3', name: 'Three, renamed' }],
    });
    expect(second.body.results.map((r: { status: string }) => r.status)).toEqual(['unchanged', 'updated']);
    expect(second.body.results[1].version).toBe(2);
  });

  it('refuses more than 1,000 items in one request and writes nothing', async () => {
    const before = await journalLength();
    const items = Array.from({ length: 1001 }, (_, i) => ({ code: `OVER-${i}`, name: 'x' }));
    const res = await api.call('POST', '/api/v1/accounts/bulk', { items });
    expect(res.status).toBe(400);
    expect(res.body.error.details[0].path).toBe('body.items');
    expect(await journalLength()).toBe(before);
  });
});

describe('bills', () => {
  it('regenerating replaces the line items and bumps the version; approve is idempotent', async () => {
    const account = await createAccount('BILL-1');
    const created = await api.call('POST', '/api/v1/bills', billBody(account.id, 'INV-100'));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: 'PENDING', locked: false, total: '120.00', version: 1 });
    const regenerated = await api.call('PATCH', `/api/v1/bills/${created.body.id}`, {
      total: '130.00',
      lineItems: [{ lineItemType: 'MINIMUM_SPEND', quantity: '1', unitPrice: '130', amount: '130' }],
    });
    expect(regenerated.body.version).toBe(2);
    expect(regenerated.body.lineItems).toEqual([{ lineItemType: 'MINIMUM_SPEND', quantity: '1', unitPrice: '130', amount: '130.00' }]);
    const approved = await api.call('POST', `/api/v1/bills/${created.body.id}/approve`);
    expect(approved.body).toMatchObject({ status: 'APPROVED', version: 3 });
    const again = await api.call('POST', `/api/v1/bills/${created.body.id}/approve`);
    expect(again.body.version).toBe(3);
  });

  it('refuses a total that does not add up, an amount finer than the currency, and changes to a locked bill', async () => {
    const account = await createAccount('BILL-2');
    const wrongTotal = await api.call('POST', '/api/v1/bills', billBody(account.id, 'INV-200', { total: '121.00' }));
    expect(wrongTotal.status).toBe(400);
    expect(wrongTotal.body.error.details).toEqual([{ path: 'body.total', message: 'is 121.00, but the line item amounts add up to 120' }]);
    const yen = await api.call('POST', '/api/v1/bills', billBody(account.id, 'INV-201', {
      currency: 'JPY',
      total: '100.5',
      lineItems: [{ lineItemType: 'USAGE', quantity: '1', unitPrice: '100.5', amount: '100.5' }],
    }));
    expect(yen.status).toBe(400);
    expect(yen.body.error.details.map((d: { path: string }) => d.path)).toEqual(['body.total', 'body.lineItems[0].amount']);
    const locked = await api.call('POST', '/api/v1/bills', billBody(account.id, 'INV-202', { locked: true }));
    const refused = await api.call('PATCH', `/api/v1/bills/${locked.body.id}`, { dueDate: '2026-04-01' });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('record_locked');
  });
});

describe('bad input changes nothing and says what to fix', () => {
  it.each([
    ['malformed JSON', { raw: '{"code": "X", ' }, 400, 'malformed_json', 'body'],
    ['a wrong type', { body: { code: 'T1', name: 42 } }, 400, 'validation_failed', 'body.name'],
    ['an unknown field', { body: { code: 'T2', name: 'x', colour: 'red' } }, 400, 'validation_failed', 'body'],
    ['a missing required field', { body: { name: 'no code' } }, 400, 'validation_failed', 'body.code'],
    ['an invalid currency', { body: { code: 'T3', name: 'x', currency: 'XYZ' } }, 400, 'validation_failed', 'body.currency'],
    ['an invalid country', { body: { code: 'T4', name: 'x', address: { country: 'ZZ' } } }, 400, 'validation_failed', 'body.address.country'],
    ['a body that is not an object', { raw: '[1,2]' }, 400, 'validation_failed', 'body'],
  ])('refuses %s', async (_label, input, status, code, path) => {
    const before = await journalLength();
    const res = await api.call('POST', '/api/v1/accounts', (input as { body?: unknown }).body, { ...((input as { raw?: string }).raw !== undefined ? { raw: (input as { raw: string }).raw } : {}) });
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    expect(res.body.error.message).toEqual(expect.any(String));
    expect(res.body.error.details[0].path).toBe(path);
    expect(await journalLength()).toBe(before);
  });

  it('refuses invalid dates with the field that holds them', async () => {
    const account = await createAccount('DATES');
    const res = await api.call('POST', '/api/v1/contracts', { accountId: account.id, code: 'C1', name: 'C', startDate: '2026-02-30' });
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([{ path: 'body.startDate', message: expect.stringContaining('YYYY-MM-DD') }]);
    const order = await api.call('POST', '/api/v1/contracts', { accountId: account.id, code: 'C2', name: 'C', startDate: '2026-02-01', endDate: '2026-01-01' });
    expect(order.body.error.details).toEqual([{ path: 'body.endDate', message: 'must be on or after startDate (2026-02-01)' }]);
  });

  it('holds the CRM fields of accounts, contacts, tickets and subscriptions, and computes a ticket\'s resolution time', async () => {
    const account = await createAccount('CRM', {
      description: 'Key account', website: 'www.acme.example', emailDomains: ['acme.example'], shippingAddress: { line1: '1 Dock Road', locality: 'Hull', country: 'GB' },
      phones: [{ type: 'WORK', number: '+44 1482 000000' }, { type: 'FAX', number: '+44 1482 000001' }],
    });
    expect(account).toMatchObject({ website: 'www.acme.example', emailDomains: ['acme.example'], shippingAddress: { locality: 'Hull' } });
    const badDomain = await api.call('POST', '/api/v1/accounts', { code: 'CRM-BAD', name: 'Bad', emailDomains: ['https://acme.example/'] });
    expect(badDomain.body.error.details).toEqual([{ path: 'body.emailDomains[0]', message: expect.stringContaining('domain name') }]);

    const contact = await api.call('POST', '/api/v1/contacts', { accountId: account.id, lastName: 'Lovelace', salutation: 'Ms.', department: 'Finance', notes: 'Prefers e-mail', birthday: '1815-12-10', otherAddress: { locality: 'London', country: 'GB' } });
    expect(contact.status).toBe(201);
    expect(contact.body).toMatchObject({ salutation: 'Ms.', department: 'Finance', birthday: '1815-12-10', otherAddress: { locality: 'London' } });

    const ticket = await api.call('POST', '/api/v1/tickets', {
      accountId: account.id, contactId: contact.body.id, subject: 'Invoice question', channel: 'Email', type: 'Billing', displayId: '00001042',
      openedAt: '2026-03-01T09:00:00Z', resolvedAt: '2026-03-02T10:30:15Z', resolutionSeconds: 1,
    });
    expect(ticket.status).toBe(201);
    // Ferry computes it (whatever was sent): 1 day, 1 hour, 30 minutes and 15 seconds.
    expect(ticket.body).toMatchObject({ channel: 'Email', displayId: '00001042', resolutionSeconds: 91_815 });
    const reopened = await api.call('PATCH', `/api/v1/tickets/${ticket.body.id}`, { resolvedAt: null, status: 'OPEN' });
    expect(reopened.body).not.toHaveProperty('resolutionSeconds');
    const early = await api.call('PATCH', `/api/v1/tickets/${ticket.body.id}`, { resolvedAt: '2026-02-28T00:00:00Z' });
    expect(early.body.error.details).toEqual([{ path: 'body.resolvedAt', message: 'must be on or after openedAt (2026-03-01T09:00:00Z)' }]);
    const byNumber = await api.call('GET', '/api/v1/tickets?displayId=00001042');
    expect(byNumber.body.data.map((t: { id: string }) => t.id)).toEqual([ticket.body.id]);

    const subscription = await api.call('POST', '/api/v1/subscriptions', { accountId: account.id, name: 'Platform', startDate: '2026-01-01', currency: 'USD', recurringAmount: '100', opportunityId: '006000000000001AAA', productCode: 'PLAT' });
    expect(subscription.status).toBe(201);
    expect(subscription.body).toMatchObject({ hasUsage: false, opportunityId: '006000000000001AAA', productCode: 'PLAT', recurringAmount: '100.00' });
  });

  it('refuses money sent as a JSON number', async () => {
    const account = await createAccount('NUMBERS');
    const res = await api.call('POST', '/api/v1/balances', { accountId: account.id, code: 'B', name: 'B', currency: 'USD', amount: 10.1, startDate: '2026-01-01' });
    expect(res.status).toBe(400);
    expect(res.body.error.details[0]).toEqual({ path: 'body.amount', message: expect.stringContaining('decimal string') });
  });

  it('answers 413 to an oversized body', async () => {
    const before = await journalLength();
    const res = await api.call('POST', '/api/v1/accounts', { code: 'BIG', name: 'x'.repeat(300 * 1024) });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('payload_too_large');
    expect(await journalLength()).toBe(before);
  });

  it('answers 404 to an unknown id and 400 to a malformed one', async () => {
    const unknown = await api.call('PATCH', '/api/v1/accounts/0190a3c2-7b1e-7cc0-9a4e-1f2d3c4b5a69', { name: 'x' });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('not_found');
    const malformed = await api.call('GET', '/api/v1/accounts/not-an-id');
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.details[0].path).toBe('path.id');
  });

  it('answers 401 without a key or with a wrong one', async () => {
    const missing = await api.call('GET', '/api/v1/accounts', undefined, { key: null });
    expect(missing.status).toBe(401);
    expect(missing.body.error.message).toContain('Authorization: Bearer');
    const wrong = await api.call('POST', '/api/v1/accounts', { code: 'NOPE', name: 'x' }, { key: 'ferry_wrong' });
    expect(wrong.status).toBe(401);
    expect((await api.call('GET', '/api/v1/accounts?code=NOPE')).status).toBe(400);
  });

  it('refuses unknown query parameters', async () => {
    const res = await api.call('GET', '/api/v1/accounts?colour=red');
    expect(res.status).toBe(400);
    expect(res.body.error.details[0]).toEqual({ path: 'query', message: 'unknown field(s): colour' });
  });
});

describe('organizations', () => {
  it('cannot read, change, list or follow another organization\'s records', async () => {
    const other = await createOrganization(api.db, 'Other org');
    const mine = await createAccount('MINE');
    const asOther = { key: other.apiKey };
    expect((await api.call('GET', `/api/v1/accounts/${mine.id}`, undefined, asOther)).status).toBe(404);
    expect((await api.call('PATCH', `/api/v1/accounts/${mine.id}`, { name: 'hijack' }, asOther)).status).toBe(404);
    expect((await api.call('DELETE', `/api/v1/accounts/${mine.id}`, undefined, asOther)).status).toBe(404);
    expect((await api.call('POST', '/api/v1/contacts', { accountId: mine.id, lastName: 'Spy' }, asOther)).status).toBe(422);
    expect((await api.call('GET', '/api/v1/accounts?limit=1000', undefined, asOther)).body.data).toEqual([]);
    expect((await api.call('GET', '/api/v1/changes', undefined, asOther)).body.changes).toEqual([]);
    // Same code in two organizations is fine: codes are unique per organization.
    expect((await api.call('POST', '/api/v1/accounts', { code: 'MINE', name: 'Theirs' }, asOther)).status).toBe(201);
    expect((await api.call('GET', `/api/v1/accounts/${mine.id}`)).body.name).toBe('Account MINE');
  });
});

describe('documentation', () => {
  it('serves an OpenAPI 3.1 document covering every entity, a docs page and health checks', async () => {
    const doc = await api.call('GET', '/api/v1/openapi.json', undefined, { key: null });
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toBe('3.1.0');
    for (const path of ['/api/v1/accounts', '/api/v1/bills/{id}/approve', '/api/v1/external-mappings/bulk', '/api/v1/changes']) {
      expect(doc.body.paths).toHaveProperty([path]);
    }
    expect(doc.body.components.schemas.Bill.required).toEqual(expect.arrayContaining(['accountId', 'billNumber', 'lineItems', 'total']));
    const refs = JSON.stringify(doc.body).match(/#\/components\/schemas\/(\w+)/g) ?? [];
    for (const ref of refs) expect(doc.body.components.schemas).toHaveProperty([ref.split('/').at(-1)!]);
    const page = await api.call('GET', '/api/v1/docs', undefined, { key: null });
    expect(page.status).toBe(200);
    expect(page.body).toContain('/api/v1/docs/assets/swagger-ui-bundle.js');
    const script = await api.call('GET', '/api/v1/docs/assets/swagger-ui-bundle.js', undefined, { key: null });
    expect(script.status).toBe(200);
    const plain = await api.call('GET', '/api/v1/docs/plain', undefined, { key: null });
    expect(plain.body).toContain('/api/v1/bills/{id}/approve');
    expect((await api.call('GET', '/healthz', undefined, { key: null })).body).toEqual({ status: 'ok' });
    expect((await api.call('GET', '/readyz', undefined, { key: null })).body.status).toBe('ready');
  });
});

describe('messages a careless user meets', () => {
  it('says a missing field is required, and what it takes', async () => {
    const res = await api.call('POST', '/api/v1/contracts', { name: 'No code' });
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual(expect.arrayContaining([
      { path: 'body.code', message: 'is required (text)' },
      { path: 'body.accountId', message: 'is required; it must be a Ferry id (a UUID such as "0190a3c2-7b1e-7cc0-9a4e-1f2d3c4b5a69")' },
      { path: 'body.startDate', message: 'is required; it must be a calendar date written YYYY-MM-DD, e.g. "2026-01-31"' },
    ]));
    const bill = await api.call('POST', '/api/v1/bills', { billNumber: 'MISSING', lineItems: [{ quantity: '1' }] });
    expect(bill.body.error.details).toEqual(expect.arrayContaining([
      { path: 'body.lineItems[0].lineItemType', message: expect.stringMatching(/^is required: one of STANDING_CHARGE, USAGE/) },
      { path: 'body.lineItems[0].amount', message: expect.stringMatching(/^is required; it must be a decimal string such as "12.50"/) },
    ]));
    expect(JSON.stringify(bill.body)).not.toContain('received undefined');
  });

  it('says what a value must be where zod would say "Invalid" or "Too big"', async () => {
    const limit = await api.call('GET', '/api/v1/accounts?limit=5000');
    expect(limit.body.error.details).toEqual([{ path: 'query.limit', message: 'must be at most 1000' }]);
    const changes = await api.call('GET', '/api/v1/changes?entity=widgets');
    expect(changes.body.error.details).toEqual([{ path: 'query.entity', message: expect.stringMatching(/^must be one of accounts, contacts, /) }]);
  });

  it.each([
    ['UK', '"UK" is not an ISO 3166-1 alpha-2 country code; use "GB" (United Kingdom)'],
    ['EL', '"EL" is not an ISO 3166-1 alpha-2 country code; use "GR" (Greece)'],
    ['gb', '"gb" is not an ISO 3166-1 alpha-2 country code; use "GB" (United Kingdom)'],
    ['DEU', '"DEU" is not an ISO 3166-1 alpha-2 country code; use "DE" (Germany)'],
    ['ZZ', '"ZZ" is not an ISO 3166-1 alpha-2 country code: use two capital letters such as "GB", "US" or "DE"'],
  ])('says country %s is not an ISO code and suggests the one meant', async (country, message) => {
    const res = await api.call('POST', '/api/v1/accounts', { code: `CTRY-${country}`, name: 'x', address: { country } });
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([{ path: 'body.address.country', message }]);
  });

  it('refuses a line item whose amount is not quantity times unit price, allowing for a rounded unit price', async () => {
    const account = await createAccount('LINES');
    const wrong = await api.call('POST', '/api/v1/bills', billBody(account.id, 'INV-L1', {
      total: '150.00',
      lineItems: [{ lineItemType: 'STANDING_CHARGE', quantity: '1', unitPrice: '100', amount: '100' }, { lineItemType: 'USAGE', quantity: '3', unitPrice: '10', amount: '50' }],
    }));
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.details).toEqual([{ path: 'body.lineItems[1].amount', message: 'is 50, but quantity × unit price is 3 × 10 = 30.00 GBP' }]);
    // 0.0149 a call, shown rounded to the penny: 2,000 calls come to 29.80.
    const rounded = await api.call('POST', '/api/v1/bills', billBody(account.id, 'INV-L2', {
      total: '29.80', lineItems: [{ lineItemType: 'USAGE', quantity: '2000', unitPrice: '0.01', amount: '29.80' }],
    }));
    expect(rounded.status).toBe(201);
    // A unit price finer than the currency is exact: only the amount's own rounding is allowed.
    const exact = await api.call('POST', '/api/v1/bills', billBody(account.id, 'INV-L3', {
      total: '29.80', lineItems: [{ lineItemType: 'USAGE', quantity: '2000', unitPrice: '0.0149', amount: '29.80' }],
    }));
    expect(exact.status).toBe(201);
    const off = await api.call('POST', '/api/v1/bills', billBody(account.id, 'INV-L4', {
      total: '29.81', lineItems: [{ lineItemType: 'USAGE', quantity: '2000', unitPrice: '0.0149', amount: '29.81' }],
    }));
    expect(off.body.error.details).toEqual([{ path: 'body.lineItems[0].amount', message: 'is 29.81, but quantity × unit price is 2000 × 0.0149 = 29.80 GBP' }]);
  });

  it('says locking is permanent and what to do instead', async () => {
    const account = await createAccount('LOCKED');
    const bill = (await api.call('POST', '/api/v1/bills', billBody(account.id, 'INV-LOCK', { locked: true }))).body;
    for (const [method, body] of [['PATCH', { locked: false }], ['DELETE', undefined]] as const) {
      const res = await api.call(method, `/api/v1/bills/${bill.id}`, body);
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe('record_locked');
      expect(res.body.error.message).toContain('locking is permanent');
      expect(res.body.error.message).toContain('issue a new bill, e.g. a credit note');
    }
  });
});
