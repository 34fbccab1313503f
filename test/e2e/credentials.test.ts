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

/** A person opens the authorize URL, signs in, allows access, and lands on Ferry's callback. */
async function consent(credentialId: string): Promise<{ redirectUri: string; landed: Response }> {
  const { authorizeUrl, redirectUri } = (await ferry.call('POST', `/api/v1/credentials/${credentialId}/authorize`)).body;
  expect(redirectUri).toBe(`${ferry.url}/api/v1/oauth/callback`);
  const page = await fetch(authorizeUrl);
  expect(page.status).toBe(200);
  const html = await page.text();
  const form = new URLSearchParams();
  for (const [, name, value] of html.matchAll(/<input type="hidden" name="(\w+)" value="([^"]*)">/g)) form.set(name!, value!.replaceAll('&amp;', '&').replaceAll('&quot;', '"'));
  form.set('username', DEFAULT_IDENTITY.username);
  form.set('password', DEFAULT_IDENTITY.password + DEFAULT_IDENTITY.securityToken);
  form.set('action', 'allow');
  const approved = await fetch(new URL('/services/oauth2/authorize', ferry.emulator.url), { method: 'POST', body: form, redirect: 'manual' });
  expect(approved.status).toBe(302);
  const callback = approved.headers.get('location')!;
  expect(callback.startsWith(redirectUri)).toBe(true);
  return { redirectUri, landed: await fetch(callback) };
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
    const { redirectUri, landed } = await consent(created.id);
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
      expect(missing).toContainEqual({ object: 'Account', fields: ['Ferry_Id__c', 'Ferry_Last_System_To_Update__c'] });
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
    // A field left out is called missing, not wrong.
    const untyped = await ferry.call('POST', '/api/v1/credentials', { name: 'x' });
    expect(untyped.body.error.details).toEqual([{ path: 'body.type', message: 'is required; it must be one of password, client_credentials, jwt_bearer, authorization_code, access_token' }]);
    const integration = await ferry.call('POST', '/api/v1/integrations', { name: 'No type' });
    expect(integration.body.error.details).toEqual([{ path: 'body.entityType', message: 'is required: one of Account, Contact, Contract, Commitment, Balance, Bill, Ticket, Subscription, Catalogue, ReferenceData, Reconciliation' }]);
  });
});

describe('credentials under faults and careless input', () => {
  it('keeps a rotated refresh token, so the next sign-in after a restart of the session still works', async () => {
    ferry.emulator.controls.setRefreshTokenRotation(true);
    try {
      const created = (await ferry.call('POST', '/api/v1/credentials', { name: 'Rotating', type: 'authorization_code', loginUrl: ferry.emulator.loginUrl, clientId: DEFAULT_IDENTITY.clientId, clientSecret: DEFAULT_IDENTITY.clientSecret })).body;
      expect((await consent(created.id)).landed.status).toBe(200);
      // Each test signs in anew; with the session expired, that means redeeming the refresh
      // token, which the org then replaces. Had Ferry kept the old one, the second would fail.
      for (let i = 0; i < 3; i++) {
        ferry.emulator.controls.expireSessions();
        const tested = (await ferry.call('POST', `/api/v1/credentials/${created.id}/test`)).body;
        expect(tested).toMatchObject({ ok: true, organizationId: ferry.emulator.identity.orgId });
      }
    } finally {
      ferry.emulator.controls.setRefreshTokenRotation(false);
    }
  });

  it('lists a credential whose secrets no longer open as unreadable, says what to do, and lets new secrets repair it', async () => {
    const { credential } = await createAndTest({ name: 'Old key', type: 'password', loginUrl: ferry.emulator.loginUrl, username: DEFAULT_IDENTITY.username, password: DEFAULT_IDENTITY.password, securityToken: DEFAULT_IDENTITY.securityToken });
    // As if FERRY_SECRET_KEY changed since the secrets were sealed.
    await ferry.db.query("UPDATE credentials SET sealed_secrets = 'v1.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA.AAAA' WHERE id = $1", [credential.id]);
    const list = await ferry.call('GET', '/api/v1/credentials');
    expect(list.status).toBe(200);
    const listed = list.body.data.find((c: any) => c.id === credential.id);
    expect(listed).toMatchObject({ status: 'unreadable', secretsSet: [], lastError: { errorCode: 'SECRETS_UNREADABLE', message: expect.stringContaining('FERRY_SECRET_KEY') } });
    expect(listed.lastError.message).toContain(`PATCH /api/v1/credentials/${credential.id}`);
    expect((await ferry.call('GET', `/api/v1/credentials/${credential.id}`)).body.status).toBe('unreadable');
    expect((await ferry.call('POST', `/api/v1/credentials/${credential.id}/test`)).body).toMatchObject({ ok: false, errorCode: 'SECRETS_UNREADABLE' });
    const repaired = await ferry.call('PATCH', `/api/v1/credentials/${credential.id}`, { password: DEFAULT_IDENTITY.password, securityToken: DEFAULT_IDENTITY.securityToken });
    expect(repaired.status).toBe(200);
    expect(repaired.body.status).toBe('untested');
    expect((await ferry.call('POST', `/api/v1/credentials/${credential.id}/test`)).body.ok).toBe(true);
  });

  it('refuses a login URL with a user name or password in it, and stores nothing', async () => {
    const before = (await ferry.call('GET', '/api/v1/credentials')).body.data.length;
    const res = await ferry.call('POST', '/api/v1/credentials', { name: 'Leaky', type: 'password', loginUrl: 'https://admin:hunter2@login.salesforce.com', username: DEFAULT_IDENTITY.username, password: 'x' });
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([{ path: 'body.loginUrl', message: expect.stringContaining('must not contain a user name or password') }]);
    expect(JSON.stringify(res.body)).not.toContain('hunter2');
    expect((await ferry.call('GET', '/api/v1/credentials')).body.data.length).toBe(before);
    const token = await ferry.call('POST', '/api/v1/credentials', { name: 'Leaky token', type: 'access_token', instanceUrl: 'https://me@example.my.salesforce.com', accessToken: 'x' });
    expect(token.body.error.details[0].path).toBe('body.instanceUrl');
  });

  it('gives up on a login server that accepts and never answers, with a clear transient error', async () => {
    const created = (await ferry.call('POST', '/api/v1/credentials', { name: 'Hanging', type: 'password', loginUrl: ferry.emulator.loginUrl, username: DEFAULT_IDENTITY.username, password: DEFAULT_IDENTITY.password, securityToken: DEFAULT_IDENTITY.securityToken })).body;
    ferry.emulator.controls.addFault({ path: '/services/Soap/u/*', hangMs: 120_000, count: 1 });
    const started = Date.now();
    const tested = (await ferry.call('POST', `/api/v1/credentials/${created.id}/test`)).body;
    // The test Ferry bounds calls at 5 s.
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(tested).toMatchObject({ ok: false, errorCode: 'TIMEOUT', message: `Salesforce's sign-in at ${ferry.emulator.loginUrl} did not answer within 5000 ms` });
    ferry.emulator.controls.clearFaults();
    expect((await ferry.call('POST', `/api/v1/credentials/${created.id}/test`)).body.ok).toBe(true);
  });
});
