// `ferry emulator` as a user runs it: the real binary as a child process, with the options the
// library has (HTTPS, extra SFDX projects, a JWT certificate, more users, latency, currencies).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { request } from 'node:https';
import { fileURLToPath } from 'node:url';
import { importPKCS8, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { DEFAULT_IDENTITY } from '../../src/emulator/index.ts';
import { FERRY_BIN, runFerry, spawnUntil, type StartedProcess } from '../cli.ts';

const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const EMULATOR_MAIN = fileURLToPath(new URL('../../src/emulator/main.ts', import.meta.url));

/** Starts a command and resolves once it has printed its whole identity (the controls line). */
const startCommand = (args: string[]): Promise<StartedProcess> => spawnUntil(args, /\n {2}controls +\S+\n/, 'the emulator');

function line(output: string, label: string): string {
  const match = new RegExp(`^ {2}${label} +(.+)$`, 'm').exec(output);
  if (match?.[1] === undefined) throw new Error(`no "${label}" line in:\n${output}`);
  return match[1];
}

function httpsPost(url: string, ca: string, form: Record<string, string>): Promise<{ status: number; body: Record<string, string>; ms: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', ca, headers: { 'Content-Type': 'application/x-www-form-urlencoded' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, string>, ms: performance.now() - started }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(new URLSearchParams(form).toString());
  });
}

function httpsGet(url: string, ca: string, token: string): Promise<{ status: number; body: unknown; ms: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, headers: { Authorization: `Bearer ${token}` } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as unknown, ms: performance.now() - started }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('ferry emulator', () => {
  it('runs over HTTPS with extra users, an SFDX project, a JWT certificate, latency and currencies', async () => {
    const emulator = await startCommand([
      FERRY_BIN, 'emulator', '--port', '0', '--https',
      '--user', 'ops@ferry.test:s3cret:tok', '--user', 'viewer@ferry.test:pw',
      '--sfdx-project', fixture('catalogue'),
      '--jwt-cert', fixture('jwt-test.crt'),
      '--latency', '40,0',
      '--currencies', 'EUR,USD',
    ]);
    let certificateFile = '';
    try {
      const out = emulator.output();
      const url = /listening on (https:\/\/127\.0\.0\.1:\d+)\n/.exec(out)?.[1] ?? '';
      expect(url).not.toBe('');
      certificateFile = line(out, 'certificate').split(' ')[0] ?? '';
      expect(out).toContain(`trust it: NODE_EXTRA_CA_CERTS=${certificateFile}`);
      expect(line(out, 'more users')).toBe('integration@ferry.test, rep@ferry.test, ops@ferry.test, viewer@ferry.test');
      expect(line(out, 'JWT bearer')).toBe('on (certificate configured)');
      expect(line(out, 'latency')).toBe('40 ms per call + 0 ms per record');
      expect(line(out, 'schema')).toContain(fixture('catalogue'));
      expect(line(out, 'currencies')).toBe('EUR, USD (multi-currency; corporate first)');
      const ca = readFileSync(certificateFile, 'utf8');

      // Users from --user log in with their password (and token); a wrong one is refused.
      const grant = (username: string, password: string) => httpsPost(`${url}/services/oauth2/token`, ca, { grant_type: 'password', client_id: DEFAULT_IDENTITY.clientId, client_secret: DEFAULT_IDENTITY.clientSecret, username, password });
      const ops = await grant('ops@ferry.test', 's3crettok');
      expect(ops.status).toBe(200);
      expect(ops.body['instance_url']).toBe(url);
      expect((await grant('viewer@ferry.test', 'pw')).status).toBe(200);
      expect((await grant('ops@ferry.test', 'wrongtok')).status).toBe(400);

      // The extra project's objects are in the schema.
      const describe = await httpsGet(`${url}/services/data/v60.0/sobjects/Catalogue_Feature__c/describe`, ca, ops.body['access_token'] ?? '');
      expect(describe.status).toBe(200);
      expect(describe.body).toMatchObject({ name: 'Catalogue_Feature__c', custom: true });
      // Every Salesforce call waits the fixed latency.
      expect(describe.ms).toBeGreaterThanOrEqual(40);

      // The JWT bearer flow takes assertions signed by the certificate's key.
      const key = await importPKCS8(readFileSync(fixture('jwt-test.key'), 'utf8'), 'RS256');
      const assertion = await new SignJWT({}).setProtectedHeader({ alg: 'RS256' }).setIssuer(DEFAULT_IDENTITY.clientId).setSubject('ops@ferry.test').setAudience(url).setExpirationTime('3m').sign(key);
      const jwt = await httpsPost(`${url}/services/oauth2/token`, ca, { grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion });
      expect(jwt.status).toBe(200);
    } finally {
      expect(await emulator.stop(), emulator.output()).toBe(0);
    }
    // The certificate file lives as long as the emulator.
    expect(existsSync(certificateFile)).toBe(false);
  });

  it('lists every bad value with the option to fix, exits 2 and starts nothing', async () => {
    const run = await runFerry([
      'emulator', '--port', 'eighty', '--https', '--https-port', '9443',
      '--user', 'nobody', '--user', 'admin@ferry.test:x',
      '--sfdx-project', '/nonexistent/project',
      '--jwt-cert', fixture('sfdx/sfdx-project.json'),
      '--latency', 'slow',
      '--currencies', 'USD,EURO',
      '--snapshot', '/nonexistent/folder/emulator.json',
    ], {});
    expect(run.code).toBe(2);
    expect(run.stdout).not.toContain('listening on');
    const errors = run.stderr.trim().split('\n');
    expect(errors).toEqual([
      'ferry emulator: invalid port "eighty" (--port): use a number from 0 to 65535; 0 picks a free port and prints it',
      'ferry emulator: --snapshot /nonexistent/folder/emulator.json: the folder /nonexistent/folder does not exist; create it or pick a file in an existing folder',
      'ferry emulator: emulator currencies must be ISO 4217 codes such as USD or EUR: EURO (--currencies; e.g. --currencies USD,EUR)',
      'ferry emulator: --https and --https-port exclude each other: --https serves HTTPS on --port; --https-port adds an HTTPS port beside HTTP on --port',
      'ferry emulator: --sfdx-project /nonexistent/project: no sfdx-project.json in /nonexistent/project; give the folder of an SFDX project (the one holding sfdx-project.json)',
      expect.stringMatching(/^ferry emulator: --jwt-cert \S+sfdx-project\.json: not a PEM certificate or public key \(it holds neither "BEGIN CERTIFICATE" nor "BEGIN PUBLIC KEY"\); e\.g\. openssl req /),
      'ferry emulator: --user "nobody": use --user username:password[:token], e.g. --user ops@ferry.test:secret:tok (no ":" in the password); a username has the form of an e-mail address',
      'ferry emulator: --user "admin@ferry.test:x": admin@ferry.test already exists; pick another username',
      'ferry emulator: --latency "slow": use FIXED[,PERRECORD] in milliseconds, e.g. --latency 50 or --latency 50,0.2 (at most 600000)',
    ]);
  });

  it('refuses a snapshot file it cannot read with exit 2, and leaves the file as it was', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'ferry-emulator-snapshot-'));
    try {
      const file = join(folder, 'emulator.json');
      writeFileSync(file, '{ not json');
      const run = await runFerry(['emulator', '--port', '0', '--snapshot', file], {});
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(`ferry emulator: --snapshot ${file}: cannot be read as a snapshot (`);
      expect(run.stderr).toContain('move it away to start empty, or pick another file');
      expect(readFileSync(file, 'utf8')).toBe('{ not json');
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('says when its port is taken and exits 69', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const run = await runFerry(['emulator', '--port', String(port)], {});
      expect(run.code).toBe(69);
      expect(run.stderr).toContain(`ferry emulator: port ${port} on 127.0.0.1 is in use; pick another with --port (0 picks a free one and prints it)`);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('runs alone from src/emulator/main.ts with HTTP and an HTTPS port, and refuses an unknown option with exit 2', async () => {
    const emulator = await startCommand(['--import', 'tsx', EMULATOR_MAIN, '--port', '0', '--https-port', '0']);
    try {
      const out = emulator.output();
      expect(out, out).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+\n {2}HTTPS +https:\/\/127\.0\.0\.1:\d+\n/);
    } finally {
      expect(await emulator.stop(), emulator.output()).toBe(0);
    }
    const unknown = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', EMULATOR_MAIN, '--prot', '1'], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.once('close', (code) => resolve({ code, stderr }));
    });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown option '--prot'");
  });
});
