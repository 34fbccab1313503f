import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../../../test/api.ts';
import { createOrganization } from '../../platform/index.ts';

let api: TestApi;

beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => api.close());

/** Signs in and returns the session cookie as a browser would send it back. */
async function signIn(apiKey: string): Promise<string> {
  const res = await api.call('POST', '/api/v1/session', { apiKey }, { key: null });
  expect(res.status).toBe(201);
  const setCookie = res.headers.get('set-cookie')!;
  return setCookie.split(';')[0]!;
}

describe('console sessions', () => {
  it('trades a key for an HttpOnly, SameSite=Strict, expiring cookie that authenticates, and signs out', async () => {
    const res = await api.call('POST', '/api/v1/session', { apiKey: api.apiKey }, { key: null });
    expect(res.status).toBe(201);
    expect(res.body.organization).toEqual({ id: api.orgId, name: 'Test org' });
    expect(res.body.key.prefix).toBe(api.apiKey.slice(0, 10));
    const setCookie = res.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/^ferry_session=[\w-]{43};/);
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Strict');
    expect(setCookie).toMatch(/Expires=/);
    expect(setCookie).not.toContain(api.apiKey);
    const cookie = setCookie.split(';')[0]!;

    const who = await api.call('GET', '/api/v1/session', undefined, { key: null, headers: { cookie } });
    expect(who.status).toBe(200);
    expect(who.body.organization.id).toBe(api.orgId);
    expect(Date.parse(who.body.expiresAt)).toBeGreaterThan(Date.now() + 11 * 3600_000);
    const list = await api.call('GET', '/api/v1/integrations', undefined, { key: null, headers: { cookie } });
    expect(list.status).not.toBe(401);

    const out = await api.call('DELETE', '/api/v1/session', undefined, { key: null, headers: { cookie, origin: api.url } });
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(/ferry_session=;.*Expires=Thu, 01 Jan 1970/);
    const after = await api.call('GET', '/api/v1/session', undefined, { key: null, headers: { cookie } });
    expect(after.status).toBe(401);
    expect(after.body.error.message).toContain('sign in again');
  });

  it('says a wrong key is wrong, on the field, and sets no cookie', async () => {
    const res = await api.call('POST', '/api/v1/session', { apiKey: 'ferry_not-a-key' }, { key: null });
    expect(res.status).toBe(401);
    expect(res.body.error.message).toContain('not valid');
    expect(res.body.error.details).toEqual([{ path: 'body.apiKey', message: 'is not a valid API key' }]);
    expect(res.headers.get('set-cookie')).toBeNull();
    const empty = await api.call('POST', '/api/v1/session', { apiKey: '' }, { key: null });
    expect(empty.status).toBe(400);
    expect(empty.body.error.details[0].path).toBe('body.apiKey');
  });

  it('refuses a change sent with the session cookie from another site', async () => {
    const cookie = await signIn(api.apiKey);
    const res = await api.call('POST', '/api/v1/accounts', { code: 'X-SITE', name: 'Cross site' }, { key: null, headers: { cookie, origin: 'http://evil.example' } });
    expect(res.status).toBe(401);
    expect(res.body.error.message).toContain('another site');
    const fetchSite = await api.call('POST', '/api/v1/accounts', { code: 'X-SITE', name: 'Cross site' }, { key: null, headers: { cookie, 'sec-fetch-site': 'cross-site' } });
    expect(fetchSite.status).toBe(401);
    const same = await api.call('POST', '/api/v1/accounts', { code: 'SAME-SITE', name: 'Same site' }, { key: null, headers: { cookie, origin: api.url, 'sec-fetch-site': 'same-origin' } });
    expect(same.status).toBe(201);
    const listed = await api.call('GET', '/api/v1/accounts?limit=1000', undefined, { key: null, headers: { cookie } });
    expect(listed.status).toBe(200);
    expect(listed.body.data.map((account: any) => account.code)).not.toContain('X-SITE');
  });

  it('ends the sessions of a revoked key, keeps the last key, and shows a new key once', async () => {
    const other = await createOrganization(api.db, 'Other org');
    // A name the database cannot store is refused at the door, with where and why.
    const unstorable = await api.call('POST', '/api/v1/api-keys', { name: 'a\u0000b' });
    expect(unstorable.status).toBe(400);
    expect(unstorable.body.error.details).toEqual([{ path: 'body.name', message: expect.stringContaining('NUL character') }]);
    const issued = await api.call('POST', '/api/v1/api-keys', { name: 'console test' });
    expect(issued.status).toBe(201);
    expect(issued.body.apiKey).toMatch(/^ferry_/);
    expect(issued.body.key).toMatchObject({ name: 'console test', prefix: issued.body.apiKey.slice(0, 10), revokedAt: null });
    const cookie = await signIn(issued.body.apiKey);

    const keys = await api.call('GET', '/api/v1/api-keys', undefined, { key: null, headers: { cookie } });
    expect(keys.body.data.map((key: any) => key.name)).toContain('console test');
    expect(keys.body.data.find((key: any) => key.current).id).toBe(issued.body.key.id);
    expect(JSON.stringify(keys.body)).not.toContain(issued.body.apiKey);
    expect(keys.body.data.some((key: any) => key.prefix === other.apiKey.slice(0, 10))).toBe(false);

    const revoked = await api.call('DELETE', `/api/v1/api-keys/${issued.body.key.id}`);
    expect(revoked.status).toBe(200);
    expect(revoked.body.revokedAt).not.toBeNull();
    expect((await api.call('GET', '/api/v1/session', undefined, { key: null, headers: { cookie } })).status).toBe(401);
    expect((await api.call('GET', '/api/v1/accounts', undefined, { key: issued.body.apiKey })).status).toBe(401);

    const others = await api.call('GET', '/api/v1/api-keys', undefined, { key: other.apiKey });
    const last = await api.call('DELETE', `/api/v1/api-keys/${others.body.data[0].id}`, undefined, { key: other.apiKey });
    expect(last.status).toBe(409);
    expect(last.body.error.code).toBe('last_api_key');
    const foreign = await api.call('DELETE', `/api/v1/api-keys/${others.body.data[0].id}`);
    expect(foreign.status).toBe(404);
  });

  it('serves a page to a browser at any console path, and JSON errors under /api', async () => {
    const gone = await fetch(`${api.url}/assets/an-older-build.js`, { headers: { accept: '*/*' } });
    expect(gone.status).toBe(404);
    for (const path of ['/', '/sign-in?next=%2F']) {
      const root = await fetch(`${api.url}${path}`, { headers: { accept: 'text/html' } });
      expect(root.status, path).toBe(200);
      expect(await root.text(), path).toContain('<div id="root">');
    }
    const page = await fetch(`${api.url}/integrations/some-id`, { headers: { accept: 'text/html' } });
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const missing = await api.call('GET', '/api/v1/nothing-here');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('route_not_found');
  });
});
