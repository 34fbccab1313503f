// The Salesforce CLI's logins against the emulator's HTTPS listener. `sf org login sfdx-url` reads
// force://<clientId>:<clientSecret>:<refreshToken>@<host:port>, always as https, redeems the
// refresh token at that host and then works with the instance URL the token answer gives;
// `sf org login jwt` signs an assertion for the connected app's certificate.
import { readFile, writeFile } from 'node:fs/promises';
import { generateKeyPairSync } from 'node:crypto';
import { request } from 'node:https';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_IDENTITY, startEmulator, type RunningEmulator } from '../../src/emulator/index.ts';
import { sfCli, type SfCli } from './sf-cli.ts';
import { PASSWORD } from './support.ts';

const REDIRECT = 'http://localhost:1717/OauthRedirect';
const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

let emu: RunningEmulator;
let cli: SfCli;

beforeAll(async () => {
  emu = await startEmulator({ port: 0, host: '127.0.0.1', https: true, jwtCertificate: await readFile(fixture('jwt-test.crt'), 'utf8') });
  cli = await sfCli(emu, { login: false, alias: 'viaurl' });
}, 600_000);

afterAll(async () => {
  await cli.dispose();
  await emu.stop();
});

function post(path: string, form: Record<string, string>): Promise<{ status: number; location: string | undefined; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${emu.url}${path}`, { method: 'POST', ca: emu.identity.certificate ?? '', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, location: res.headers.location, text }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(new URLSearchParams(form).toString());
  });
}

/** A refresh token as the web-server flow gives it: consent, then the authorization code redeemed. */
async function refreshToken(): Promise<string> {
  const consent = await post('/services/oauth2/authorize', { response_type: 'code', client_id: DEFAULT_IDENTITY.clientId, redirect_uri: REDIRECT, state: 's1', username: DEFAULT_IDENTITY.username, password: PASSWORD, action: 'allow' });
  expect(consent.status).toBe(302);
  const code = new URL(consent.location ?? '').searchParams.get('code') ?? '';
  const token = await post('/services/oauth2/token', { grant_type: 'authorization_code', code, client_id: DEFAULT_IDENTITY.clientId, client_secret: DEFAULT_IDENTITY.clientSecret, redirect_uri: REDIRECT });
  expect(token.status).toBe(200);
  return (JSON.parse(token.text) as { refresh_token: string }).refresh_token;
}

async function authUrlFile(name: string, token: string): Promise<string> {
  const file = join(cli.home, name);
  const host = new URL(emu.url).host;
  await writeFile(file, `force://${DEFAULT_IDENTITY.clientId}:${DEFAULT_IDENTITY.clientSecret}:${token}@${host}\n`);
  return file;
}

describe('sf org login sfdx-url over HTTPS', () => {
  it('logs in with a refresh token from the web-server flow and queries through the https instance URL', async () => {
    const file = await authUrlFile('auth-url.txt', await refreshToken());
    const login = await cli.run(['org', 'login', 'sfdx-url', '--sfdx-url-file', file, '--alias', 'viaurl', '--json']);
    expect(login.code, login.stdout + login.stderr).toBe(0);
    expect(login.json?.result).toMatchObject({ username: DEFAULT_IDENTITY.username, orgId: emu.identity.orgId, instanceUrl: emu.url, loginUrl: emu.url });
    emu.controls.seed([{ attributes: { type: 'Account' }, Name: 'Over TLS' }]);
    const query = await cli.run(['data', 'query', '--query', 'SELECT Name FROM Account', '--json']);
    expect(query.code).toBe(0);
    expect(query.json?.result).toMatchObject({ totalSize: 1, records: [{ Name: 'Over TLS' }] });
    const display = await cli.run(['org', 'display', '--json']);
    expect(display.json?.result).toMatchObject({ instanceUrl: emu.url, connectedStatus: 'Connected' });
  });

  it('refuses a refresh token the org never issued and stores no login', async () => {
    const file = await authUrlFile('bad-auth-url.txt', '5Aep861notarealtoken');
    const login = await cli.run(['org', 'login', 'sfdx-url', '--sfdx-url-file', file, '--alias', 'stranger', '--json']);
    expect(login.code).not.toBe(0);
    expect(`${login.json?.name ?? ''} ${login.json?.message ?? ''}`).toMatch(/invalid_grant|expired access\/refresh token/i);
    const list = await cli.run(['org', 'list', 'auth', '--json']);
    expect((list.json?.result as { alias?: string }[]).map((o) => o.alias)).not.toContain('stranger');
  });
});

describe('sf org login jwt over HTTPS', () => {
  it('logs in with an assertion signed by the connected app certificate\'s key', async () => {
    const login = await cli.run(['org', 'login', 'jwt', '--client-id', DEFAULT_IDENTITY.clientId, '--jwt-key-file', fixture('jwt-test.key'), '--username', 'integration@ferry.test', '--instance-url', emu.url, '--alias', 'viajwt', '--json']);
    expect(login.code, login.stdout + login.stderr).toBe(0);
    expect(login.json?.result).toMatchObject({ username: 'integration@ferry.test', orgId: emu.identity.orgId, instanceUrl: emu.url });
    const query = await cli.run(['data', 'query', '--query', 'SELECT Id FROM Organization', '--target-org', 'viajwt', '--json']);
    expect(query.json?.result).toMatchObject({ totalSize: 1, records: [{ Id: emu.identity.orgId }] });
  });

  it('refuses an assertion signed by another key', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const other = join(cli.home, 'other.key');
    await writeFile(other, privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const login = await cli.run(['org', 'login', 'jwt', '--client-id', DEFAULT_IDENTITY.clientId, '--jwt-key-file', other, '--username', 'rep@ferry.test', '--instance-url', emu.url, '--alias', 'forged', '--json']);
    expect(login.code).not.toBe(0);
    expect(`${login.json?.name ?? ''} ${login.json?.message ?? ''}`).toMatch(/invalid assertion|invalid_grant/i);
  });
});
