import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_IDENTITY, startEmulator } from '../../src/emulator/index.ts';
import { startTestFerry, type TestFerry } from '../ferry.ts';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();

let ferry: TestFerry;

beforeAll(async () => {
  ferry = await startTestFerry({ emulator: { jwtCertificate: publicPem } });
});
afterAll(async () => ferry.stop());

async function createAndTest(body: Record<string, unknown>) {
  const created = await ferry.call('POST', '/api/v1/credentials', body);
  expect(created.status).toBe(201);
  const tested = await ferry.call('POST', `/api/v1/credentials/${created.body.id}/test`);
  return { credential: created.body, test: tested.body };
}

describe('credential types', () => {
  it('connects with OAuth client credentials', async () => {
    const { credential, test } = await createAndTest({ name: 'CC', type: 'client_credentials', loginUrl: ferry.emulator.loginUrl, clientId: DEFAULT_IDENTITY.clientId, clientSecret: DEFAULT_IDENTITY.clientSecret });
    expect(test).toMatchObject({ ok: true, organizationId: ferry.emulator.identity.orgId, apiUsage: { used: expect.any(Number), max: expect.any(Number) } });
    expect(credential.secretsSet).toEqual(['clientSecret']);
    const wrong = await createAndTest({ name: 'CC wrong', type: 'client_credentials', loginUrl: ferry.emulator.loginUrl, clientId: DEFAULT_IDENTITY.clientId, clientSecret: 'not-it' });
    expect(wrong.test).toMatchObject({ ok: false, errorCode: 'invalid_client', hint: expect.stringContaining('client secret') });
  });

  it('connects with a JWT bearer assertion signed by the private key', async () => {
    const { test } = await createAndTest({ name: 'JWT', type: 'jwt_bearer', loginUrl: ferry.emulator.loginUrl, clientId: DEFAULT_IDENTITY.clientId, username: DEFAULT_IDENTITY.username, privateKey: privatePem });
    expect(test).toMatchObject({ ok: true, organizationId: ferry.emulator.identity.orgId });
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const refused = await createAndTest({ name: 'JWT other key', type: 'jwt_bearer', loginUrl: ferry.emulator.loginUrl, clientId: DEFAULT_IDENTITY.clientId, username: DEFAULT_IDENTITY.username, privateKey: other });
    expect(refused.test).toMatchObject({ ok: false, errorCode: 'invalid_grant' });
    const listed = JSON.stringify((await ferry.call('GET', '/api/v1/credentials')).body);
    expect(listed).not.toContain('PRIVATE KEY');
  });

  it('runs the authorization code flow through the consent page and Ferry\'s callback', async () => {
    const created = (await ferry.call('POST', '/api/v1/credentials', { name: 'Web flow', type: 'authorization_code', loginUrl: ferry.emulator.loginUrl, clientId: DEFAULT_IDENTITY.clientId, clientSecret: DEFAULT_IDENTITY.clientSecret })).body;
    expect(created.status).toBe('awaiting_authorization');
    const notYet = await ferry.call('POST', `/api/v1/credentials/${created.id}/test`);
    expect(notYet.body).toMatchObject({ ok: false, errorCode: 'NOT_AUTHORIZED' });
    const { authorizeUrl, redirectUri } = (await ferry.call('POST', `/api/v1/credentials/${created.id}/authorize`)).body;
    expect(redirectUri).toBe(`${ferry.url}/api/v1/oauth/callback`);
    // The person opens the URL, signs in and allows access.
    const consent = await fetch(authorizeUrl);
    expect(consent.status).toBe(200);
    const html = await consent.text();
    const form = new URLSearchParams();
    for (const [, name, value] of html.matchAll(/<input type="hidden" name="(\w+)" value="([^"]*)">/g)) form.set(name!, value!.replaceAll('&amp;', '&').replaceAll('&quot;', '"'));
    form.set('username', DEFAULT_IDENTITY.username);
    form.set('password', DEFAULT_IDENTITY.password + DEFAULT_IDENTITY.securityToken);
    form.set('action', 'allow');
    const approved = await fetch(new URL('/services/oauth2/authorize', ferry.emulator.url), { method: 'POST', body: form, redirect: 'manual' });
    expect(approved.status).toBe(302);
    const callback = approved.headers.get('location')!;
    expect(callback.startsWith(redirectUri)).toBe(true);
    const landed = await fetch(callback);
    expect(landed.status).toBe(200);
    expect(await landed.text()).toContain('Credential connected');
    const after = (await ferry.call('GET', `/api/v1/credentials/${created.id}`)).body;
    expect(after).toMatchObject({ status: 'connected', salesforceOrgId: ferry.emulator.identity.orgId });
    expect(after.secretsSet).toEqual(['accessToken', 'clientSecret', 'refreshToken']);
    // A forged state is refused.
    const forged = await fetch(`${redirectUri}?code=abc&state=${after.id}.x.y`);
    expect(forged.status).toBe(400);
  });

  it('uses a plain access token until it expires, then says why', async () => {
    const { accessToken } = ferry.emulator.controls.sessionFor(DEFAULT_IDENTITY.username);
    const { credential, test } = await createAndTest({ name: 'Token', type: 'access_token', instanceUrl: ferry.emulator.url, accessToken });
    expect(test.ok).toBe(true);
    ferry.emulator.controls.expireSessions();
    const expired = await ferry.call('POST', `/api/v1/credentials/${credential.id}/test`);
    expect(expired.body).toMatchObject({ ok: false, errorCode: 'INVALID_SESSION_ID', hint: expect.stringContaining('issue a new one') });
  });

  it('checks an org for the objects and fields Ferry writes', async () => {
    const { credential } = await createAndTest({ name: 'Check', type: 'password', loginUrl: ferry.emulator.loginUrl, username: DEFAULT_IDENTITY.username, password: DEFAULT_IDENTITY.password, securityToken: DEFAULT_IDENTITY.securityToken });
    const complete = await ferry.call('POST', `/api/v1/credentials/${credential.id}/check`);
    expect(complete.body).toEqual({ organizationId: ferry.emulator.identity.orgId, missing: [] });
    // An org where Ferry's objects were never deployed.
    const bare = await startEmulator({ port: 0, host: '127.0.0.1', printIdentity: false, sfdxProjects: [] });
    try {
      const { credential: other } = await createAndTest({ name: 'Bare org', type: 'password', loginUrl: bare.loginUrl, username: DEFAULT_IDENTITY.username, password: DEFAULT_IDENTITY.password, securityToken: DEFAULT_IDENTITY.securityToken });
      const missing = (await ferry.call('POST', `/api/v1/credentials/${other.id}/check`)).body.missing;
      expect(missing).toContainEqual({ object: 'Ferry_Bill__c', fields: 'object' });
      expect(missing).toContainEqual({ object: 'Account', fields: ['Ferry_Id__c'] });
    } finally {
      await bare.stop();
    }
  });

  it('refuses an invalid credential with every problem listed', async () => {
    const res = await ferry.call('POST', '/api/v1/credentials', { name: '', type: 'jwt_bearer', loginUrl: 'ftp://nope', clientId: 'x', username: 'u@x.test', privateKey: 'not a key' });
    expect(res.status).toBe(400);
    expect(res.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(['body.loginUrl', 'body.name', 'body.privateKey']);
    const type = await ferry.call('POST', '/api/v1/credentials', { name: 'x', type: 'magic' });
    expect(type.body.error.details[0]).toMatchObject({ path: 'body.type', message: expect.stringContaining('password, client_credentials') });
  });
});
