import { readFile } from 'node:fs/promises';
import { exportSPKI, generateKeyPair, importPKCS8, SignJWT } from 'jose';
import jsforce from 'jsforce';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_IDENTITY, startEmulator } from '../../src/emulator/index.ts';
import { API_VERSION, failure, oauthLogin, PASSWORD, soapLogin, useEmulator } from './support.ts';

const keys = await generateKeyPair('RS256', { extractable: true });
const publicPem = await exportSPKI(keys.publicKey);
const ctx = useEmulator({ jwtCertificate: publicPem });

async function token(form: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${ctx.emu.loginUrl}/services/oauth2/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('login and sessions', () => {
  let clientId: string;
  beforeAll(() => {
    clientId = ctx.emu.identity.clientId;
  });

  it('logs in through SOAP (jsforce without client credentials) and through the OAuth password grant', async () => {
    const soap = await soapLogin(ctx.emu);
    expect(soap.instanceUrl).toBe(ctx.emu.url);
    expect(soap.accessToken).toMatch(/^00D[A-Za-z0-9]{12}![A-Za-z0-9._]+$/);
    expect(soap.userInfo?.id).toBe(ctx.emu.identity.userId);
    expect(soap.userInfo?.organizationId).toBe(ctx.emu.identity.orgId);
    const oauth = await oauthLogin(ctx.emu, 'integration@ferry.test');
    const me = await oauth.identity();
    expect(me.username).toBe('integration@ferry.test');
    expect((await oauth.query('SELECT Id FROM Organization')).totalSize).toBe(1);
  });

  it('answers a bad SOAP login with the INVALID_LOGIN fault and a bad password grant with invalid_grant', async () => {
    const conn = new jsforce.Connection({ loginUrl: ctx.emu.loginUrl, version: API_VERSION });
    const soap = await failure(conn.login(DEFAULT_IDENTITY.username, 'wrong'));
    expect(soap.message).toBe('INVALID_LOGIN: Invalid username, password, security token; or user locked out.');
    const res = await fetch(`${ctx.emu.loginUrl}/services/Soap/u/${API_VERSION}`, { method: 'POST', headers: { 'Content-Type': 'text/xml', SOAPAction: '""' }, body: '<login><username>x</username><password>y</password></login>' });
    expect(res.status).toBe(500);
    expect(await res.text()).toContain('<faultcode>sf:INVALID_LOGIN</faultcode>');
    const bad = await token({ grant_type: 'password', client_id: clientId, client_secret: DEFAULT_IDENTITY.clientSecret, username: DEFAULT_IDENTITY.username, password: 'nope' });
    expect(bad).toEqual({ status: 400, body: { error: 'invalid_grant', error_description: 'authentication failure' } });
    const badClient = await token({ grant_type: 'password', client_id: 'other', client_secret: 'x', username: DEFAULT_IDENTITY.username, password: PASSWORD });
    expect(badClient.body['error']).toBe('invalid_client_id');
    const badGrant = await token({ grant_type: 'magic' });
    expect(badGrant.body['error']).toBe('unsupported_grant_type');
  });

  it('issues tokens for the client credentials grant with the documented fields', async () => {
    const res = await token({ grant_type: 'client_credentials', client_id: clientId, client_secret: DEFAULT_IDENTITY.clientSecret });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(['access_token', 'id', 'instance_url', 'issued_at', 'scope', 'signature', 'token_type']);
    expect(res.body['id']).toBe(`${ctx.emu.loginUrl}/id/${ctx.emu.identity.orgId}/${ctx.emu.identity.userId}`);
    expect(res.body['token_type']).toBe('Bearer');
  });

  it('verifies JWT bearer assertions against the connected app key, tolerating exp in milliseconds', async () => {
    const sign = (exp: number, key = keys.privateKey) =>
      new SignJWT({}).setProtectedHeader({ alg: 'RS256' }).setIssuer(clientId).setSubject('integration@ferry.test').setAudience(ctx.emu.loginUrl).setExpirationTime(exp).sign(key);
    const ok = await token({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: await sign(Math.floor(Date.now() / 1000) + 300) });
    expect(ok.status).toBe(200);
    const conn = new jsforce.Connection({ instanceUrl: String(ok.body['instance_url']), accessToken: String(ok.body['access_token']), version: API_VERSION });
    expect((await conn.identity()).username).toBe('integration@ferry.test');
    const ms = await token({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: await sign(Date.now() + 300_000) });
    expect(ms.status).toBe(200);
    const other = await generateKeyPair('RS256');
    const forged = await token({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: await sign(Math.floor(Date.now() / 1000) + 300, other.privateKey) });
    expect(forged.body).toEqual({ error: 'invalid_grant', error_description: 'invalid assertion' });
  });

  it('runs the authorization code flow through the consent page and refreshes an expired session', async () => {
    const redirect = 'http://localhost:1717/OauthRedirect';
    const page = await fetch(`${ctx.emu.loginUrl}/services/oauth2/authorize?response_type=code&client_id=${clientId}&redirect_uri=${encodeURIComponent(redirect)}&state=xyz`);
    expect(await page.text()).toContain('Allow Access?');
    const consent = await fetch(`${ctx.emu.loginUrl}/services/oauth2/authorize`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: clientId, redirect_uri: redirect, state: 'xyz', response_type: 'code', username: 'rep@ferry.test', password: 'ferry', action: 'allow' }).toString(),
    });
    expect(consent.status).toBe(302);
    const location = new URL(consent.headers.get('location') ?? '');
    expect(location.searchParams.get('state')).toBe('xyz');
    const oauth2 = new jsforce.OAuth2({ loginUrl: ctx.emu.loginUrl, clientId, clientSecret: DEFAULT_IDENTITY.clientSecret, redirectUri: redirect });
    const conn = new jsforce.Connection({ oauth2, version: API_VERSION });
    await conn.authorize(location.searchParams.get('code') ?? '');
    expect(conn.refreshToken).toBeTruthy();
    let refreshed = 0;
    conn.on('refresh', () => (refreshed += 1));
    ctx.emu.controls.expireSessions();
    const result = await conn.query('SELECT Id FROM User');
    expect(result.totalSize).toBeGreaterThan(0);
    expect(refreshed).toBe(1);
    const user = await conn.identity();
    expect(user.username).toBe('rep@ferry.test');
  });

  it('re-logs in a SOAP session after it expires, and revokes tokens', async () => {
    const conn = await soapLogin(ctx.emu);
    ctx.emu.controls.expireSessions();
    expect((await conn.query('SELECT Id FROM Organization')).totalSize).toBe(1);
    const revoke = await fetch(`${ctx.emu.loginUrl}/services/oauth2/revoke`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: `token=${encodeURIComponent(conn.accessToken ?? '')}` });
    expect(revoke.status).toBe(200);
    const again = await fetch(`${ctx.emu.loginUrl}/services/oauth2/revoke`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: `token=${encodeURIComponent(conn.accessToken ?? '')}` });
    expect(again.status).toBe(400);
    expect(await again.json()).toEqual({ error: 'invalid_token', error_description: 'invalid token' });
  });

  it('expires sessions after the configured time to live', async () => {
    ctx.emu.controls.setSessionTtl(0);
    const conn = new jsforce.Connection({ oauth2: { loginUrl: ctx.emu.loginUrl, clientId, clientSecret: DEFAULT_IDENTITY.clientSecret }, version: API_VERSION });
    await conn.login(DEFAULT_IDENTITY.username, PASSWORD);
    ctx.emu.controls.setSessionTtl(7200);
    const res = await fetch(`${ctx.emu.url}/services/data/v${API_VERSION}/limits`, { headers: { Authorization: `Bearer ${conn.accessToken ?? ''}` } });
    expect(res.status).toBe(401);
  });

  it('serves userinfo and the identity URL', async () => {
    // Earlier tests expire every session, so this one logs in afresh.
    const conn = await oauthLogin(ctx.emu);
    const res = await fetch(`${ctx.emu.loginUrl}/services/oauth2/userinfo`, { headers: { Authorization: `Bearer ${conn.accessToken ?? ''}` } });
    const info = (await res.json()) as Record<string, unknown>;
    expect(info).toMatchObject({ user_id: ctx.emu.identity.userId, organization_id: ctx.emu.identity.orgId, preferred_username: DEFAULT_IDENTITY.username });
    const id = await conn.identity();
    expect(id.user_id).toBe(ctx.emu.identity.userId);
    expect(id.display_name).toBe('Ferry Admin');
  });
});

describe('JWT bearer with an X.509 certificate', () => {
  it('accepts assertions signed by the key of the configured certificate, as the CLI sends them', async () => {
    const certificate = await readFile(new URL('./fixtures/jwt-test.crt', import.meta.url), 'utf8');
    const key = await importPKCS8(await readFile(new URL('./fixtures/jwt-test.key', import.meta.url), 'utf8'), 'RS256');
    const emu = await startEmulator({ port: 0, jwtCertificate: certificate });
    try {
      // The Salesforce CLI puts exp in milliseconds and the audience without a trailing slash.
      const assertion = await new SignJWT({})
        .setProtectedHeader({ alg: 'RS256' })
        .setIssuer(DEFAULT_IDENTITY.clientId)
        .setSubject(DEFAULT_IDENTITY.username)
        .setAudience(emu.loginUrl)
        .setExpirationTime(Date.now() + 180_000)
        .sign(key);
      const res = await fetch(`${emu.loginUrl}/services/oauth2/token`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion }).toString(),
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { access_token: string; instance_url: string };
      const conn = new jsforce.Connection({ instanceUrl: body.instance_url, accessToken: body.access_token, version: API_VERSION });
      expect((await conn.query('SELECT Id FROM Organization')).totalSize).toBe(1);
    } finally {
      await emu.stop();
    }
  });
});
