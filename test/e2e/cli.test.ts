import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jsforce from 'jsforce';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/index.ts';
import { FERRY_BIN, runFerry, startFerry } from '../cli.ts';
import { freePort } from '../net.ts';

const dirs: string[] = [];
function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-cli-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const PRESET_KEY = 'ferry_preset_key_for_automation_0123456789';

const NO_STACK = /\n\s+at /;

/** Every file and folder under `dir` whose mode is not 0700 (folders) or 0600 (files). */
function notOwnerOnly(dir: string): string[] {
  const wrong: string[] = [];
  const walk = (path: string) => {
    const stat = statSync(path);
    const want = stat.isDirectory() ? 0o700 : 0o600;
    if ((stat.mode & 0o777) !== want) wrong.push(`${path} ${(stat.mode & 0o777).toString(8)}`);
    if (stat.isDirectory()) for (const entry of readdirSync(path)) walk(join(path, entry));
  };
  walk(dir);
  return wrong;
}

async function post(url: string, key: string, body: unknown) {
  const res = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as any };
}

async function get(url: string, key: string) {
  const res = await fetch(url, { headers: { authorization: `Bearer ${key}` } });
  return { status: res.status, body: (await res.json()) as any };
}

describe('ferry CLI', () => {
  it('starts on PGlite, prints the default key once, keeps data across restarts', async () => {
    const dir = dataDir();
    const first = await startFerry({ FERRY_DATA_DIR: dir });
    const key = /API key\s+(ferry_\S+)/.exec(first.output())?.[1];
    expect(key).toBeDefined();
    const created = await fetch(`${first.url}/api/v1/accounts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ code: 'PERSIST', name: 'Persisted' }),
    });
    expect(created.status).toBe(201);
    expect(await first.stop()).toBe(0);

    const second = await startFerry({ FERRY_DATA_DIR: dir });
    expect(second.output()).not.toMatch(/API key\s+ferry_/);
    const listed = await get(`${second.url}/api/v1/accounts`, key!);
    expect(listed.body.data.map((a: { code: string }) => a.code)).toEqual(['PERSIST']);
    // The data folder is in use: a second process must not open the embedded database.
    const busy = await runFerry(['migrate'], { FERRY_DATA_DIR: dir });
    expect(busy.code).toBe(75);
    expect(busy.stderr).toContain('in use by a running Ferry');
    expect(await second.stop()).toBe(0);
  });

  it('takes FERRY_API_KEY as the default key on first start', async () => {
    const dir = dataDir();
    const ferry = await startFerry({ FERRY_DATA_DIR: dir, FERRY_API_KEY: PRESET_KEY });
    try {
      expect((await get(`${ferry.url}/api/v1/accounts`, PRESET_KEY)).status).toBe(200);
      // A key from the environment lives in scripts and secret stores: the banner shows only its start.
      expect(ferry.output()).toContain(`API key   ${PRESET_KEY.slice(0, 12)}…`);
      expect(ferry.output()).not.toContain(PRESET_KEY);
    } finally {
      await ferry.stop();
    }
  });

  it('creates organizations whose keys see only their own data', async () => {
    const dir = dataDir();
    const made = await runFerry(['org', 'create', 'Beta Billing'], { FERRY_DATA_DIR: dir, FERRY_API_KEY: PRESET_KEY });
    expect(made.code).toBe(0);
    const betaKey = /API key\s+(ferry_\S+)/.exec(made.stdout)?.[1];
    expect(betaKey).toBeDefined();
    const ferry = await startFerry({ FERRY_DATA_DIR: dir, FERRY_API_KEY: PRESET_KEY });
    try {
      await fetch(`${ferry.url}/api/v1/accounts`, {
        method: 'POST',
        headers: { authorization: `Bearer ${PRESET_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ code: 'DEFAULT-ONLY', name: 'Default' }),
      });
      expect((await get(`${ferry.url}/api/v1/accounts`, betaKey!)).body.data).toEqual([]);
      expect((await get(`${ferry.url}/api/v1/accounts`, PRESET_KEY)).body.data).toHaveLength(1);
    } finally {
      await ferry.stop();
    }
  });

  it('imports CSV with nested columns, reports refused rows by line, and exits 3', async () => {
    const dir = dataDir();
    const accounts = join(dir, 'accounts.jsonl');
    writeFileSync(accounts, [
      JSON.stringify({ code: 'IMP-1', name: 'Imported One', address: { country: 'GB' } }),
      JSON.stringify({ code: 'IMP-2', name: 'Imported Two' }),
      '{not json',
    ].join('\n'));
    const accountRun = await runFerry(['import', 'accounts', accounts], { FERRY_DATA_DIR: dir, FERRY_API_KEY: PRESET_KEY });
    expect(accountRun.code).toBe(3);
    expect(accountRun.stderr).toContain('line 3: the line is not valid JSON');
    expect(accountRun.stdout).toContain('3 rows: 2 created, 0 updated, 0 unchanged, 1 refused');

    const ferry = await startFerry({ FERRY_DATA_DIR: dir, FERRY_API_KEY: PRESET_KEY });
    const account = (await get(`${ferry.url}/api/v1/accounts?limit=10`, PRESET_KEY)).body.data.find((a: { code: string }) => a.code === 'IMP-1');
    await ferry.stop();

    const bills = join(dir, 'bills.csv');
    const header = 'billNumber,accountId,billDate,periodStart,periodEnd,dueDate,currency,total,locked,lineItems.0.lineItemType,lineItems.0.quantity,lineItems.0.unitPrice,lineItems.0.amount';
    writeFileSync(bills, [
      header,
      `INV-1,${account.id},2026-01-31,2026-01-01,2026-01-31,2026-02-28,GBP,10.00,false,USAGE,1000,0.01,10`,
      `INV-2,${account.id},2026-01-31,2026-01-01,2026-01-31,2026-02-28,GBP,99.00,false,USAGE,1000,0.01,10`,
      `INV-3,${account.id},2026-01-31,2026-01-01,2026-01-31,2026-02-28,GBP,5,true,STANDING_CHARGE,1,5,5`,
    ].join('\n'));
    const billRun = await runFerry(['import', 'bills', bills], { FERRY_DATA_DIR: dir });
    expect(billRun.code).toBe(3);
    expect(billRun.stderr).toContain('line 3: The bill is not valid. (total: is 99.00, but the line item amounts add up to 10)');
    expect(billRun.stdout).toContain('3 rows: 2 created, 0 updated, 0 unchanged, 1 refused');

    const again = await runFerry(['import', 'bills', bills], { FERRY_DATA_DIR: dir });
    expect(again.stdout).toContain('3 rows: 0 created, 0 updated, 2 unchanged, 1 refused');

    const after = await startFerry({ FERRY_DATA_DIR: dir, FERRY_API_KEY: PRESET_KEY });
    try {
      const listed = (await get(`${after.url}/api/v1/bills`, PRESET_KEY)).body.data;
      expect(listed.map((b: { billNumber: string }) => b.billNumber)).toEqual(['INV-1', 'INV-3']);
      expect(listed[1]).toMatchObject({ locked: true, total: '5.00', lineItems: [{ lineItemType: 'STANDING_CHARGE', amount: '5.00' }] });
    } finally {
      await after.stop();
    }
  });

  it('starts the demo: an emulated org where the sample billing data arrives within seconds', async () => {
    const dir = dataDir();
    const ferry = await startFerry({ FERRY_DATA_DIR: dir, FERRY_EMULATOR_PORT: '0' }, []);
    try {
      const emulatorUrl = /Emulated Salesforce org at (http:\/\/\S+)/.exec(ferry.output())?.[1];
      expect(emulatorUrl).toBeDefined();
      expect(ferry.output()).toContain('SELECT+Name,Total__c,Status__c+FROM+Ferry_Bill__c');
      const conn = new jsforce.Connection({ loginUrl: emulatorUrl!, version: '60.0' });
      await conn.login('admin@ferry.test', 'ferryemulator');
      const deadline = Date.now() + 30_000;
      let bills = 0;
      let items = 0;
      while (Date.now() < deadline && (bills < 15 || items < 30)) {
        bills = (await conn.query('SELECT COUNT() FROM Ferry_Bill__c')).totalSize;
        items = (await conn.query('SELECT COUNT() FROM Ferry_Bill_Line_Item__c')).totalSize;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect([bills, items]).toEqual([15, 30]);
      expect((await conn.query('SELECT COUNT() FROM Account')).totalSize).toBe(5);
      expect((await conn.query('SELECT COUNT() FROM Ferry_Balance_Transaction__c')).totalSize).toBe(5);

      // The demo's reconciliation, with the sample billing file, run through the running server.
      const reconciliationId = /ferry reconciliation run (\S+)/.exec(ferry.output())?.[1];
      expect(reconciliationId).toBeDefined();
      const bad = join(dir, 'customers.csv');
      writeFileSync(bad, 'id,company\nACME,"Acme\n');
      const refused = await runFerry(['reconciliation', 'upload', reconciliationId!, bad], { FERRY_DATA_DIR: dir });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/content: .*line 2/);
      const unknownFormat = await runFerry(['reconciliation', 'upload', reconciliationId!, join(dir, 'customers.txt')], { FERRY_DATA_DIR: dir });
      expect([unknownFormat.code, unknownFormat.stderr]).toEqual([2, expect.stringContaining('pass --format csv or --format jsonl')]);
      const uploaded = await runFerry(['reconciliation', 'upload', reconciliationId!, join(import.meta.dirname, '..', '..', 'samples', 'billing-customers.csv')], { FERRY_DATA_DIR: dir });
      expect(uploaded.stdout).toContain(`Kept 5 billing customer(s)`);
      const run = await runFerry(['reconciliation', 'run', reconciliationId!], { FERRY_DATA_DIR: dir });
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toMatch(/run \S+: COMPLETE/);
      expect(run.stdout).toContain('80.0% of the Salesforce Accounts matched on all three sides');
      expect(run.stdout).toMatch(/on all three sides\s+4\n/);
      expect(run.stdout).toMatch(/Salesforce and Ferry\s+1\n/);
      expect(run.stdout).toMatch(/billing tool only\s+1\n/);
      expect(run.stdout).toContain('matched groups with differences: 2');
    } finally {
      expect(await ferry.stop()).toBe(0);
    }
  });

  it('runs an integration with ferry sync and checks an org with ferry salesforce check', async () => {
    const emulator = await startEmulator({ port: 0, host: '127.0.0.1', printIdentity: false });
    const dir = dataDir();
    const env = { FERRY_DATA_DIR: dir, FERRY_API_KEY: PRESET_KEY };
    try {
      const ferry = await startFerry(env);
      const post = (path: string, body: unknown) =>
        fetch(`${ferry.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${PRESET_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify(body) }).then((r) => r.json() as Promise<any>);
      const credential = await post('/api/v1/credentials', { name: 'Emulator', type: 'password', loginUrl: emulator.loginUrl, username: 'admin@ferry.test', password: 'ferry', securityToken: 'emulator' });
      const integration = await post('/api/v1/integrations', { name: 'Accounts', entityType: 'Account', credentialId: credential.id, trigger: { onChange: false } });
      await post('/api/v1/accounts', { code: 'SYNC-1', name: 'Synced by the CLI' });
      const reconciliation = await post('/api/v1/integrations', {
        name: 'Customers', entityType: 'Reconciliation', credentialId: credential.id,
        reconciliation: { salesforceBillingIdField: 'AccountNumber', source: { kind: 'file', format: 'jsonl' }, sourceIdField: 'id', ferryToSource: { field: 'code' }, fields: [{ name: 'name', ferry: 'name', salesforce: 'Name', source: 'name' }] },
      });
      expect(await ferry.stop()).toBe(0);

      const sync = await runFerry(['sync', integration.id, '--full'], env);
      expect(sync.code).toBe(0);
      expect(sync.stdout).toMatch(/run \S+: COMPLETE — sent 1, created 1/);
      // A reconciliation in this process: the billing tool's customers from a JSON lines file, then a run.
      const customers = join(dir, 'customers.jsonl');
      writeFileSync(customers, '{"id": "SYNC-1", "name": "Synced by the CLI Ltd"}\n{"id": "BILLING-ONLY", "name": "Only billed"}\n');
      const kept = await runFerry(['reconciliation', 'upload', reconciliation.id, customers], env);
      expect([kept.code, kept.stdout]).toEqual([0, expect.stringContaining('Kept 2 billing customer(s)')]);
      const reconciled = await runFerry(['reconciliation', 'run', reconciliation.id], env);
      expect(reconciled.code, reconciled.stderr).toBe(0);
      expect(reconciled.stdout).toContain('100.0% of the Salesforce Accounts matched on all three sides');
      expect(reconciled.stdout).toMatch(/billing tool only\s+1\n/);
      expect(reconciled.stdout).toContain('matched groups with differences: 1');
      const notOne = await runFerry(['reconciliation', 'run', integration.id], env);
      expect([notOne.code, notOne.stderr]).toEqual([2, expect.stringContaining('Only Reconciliation integrations have reports and files.')]);
      const check = await runFerry(['salesforce', 'check', credential.id], env);
      expect(check.code).toBe(0);
      expect(check.stdout).toContain('has every object and field Ferry writes');
      const unknown = await runFerry(['sync', '0190a3c2-7b1e-7cc0-9a4e-1f2d3c4b5a69'], env);
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toContain('No integration has id');
    } finally {
      await emulator.stop();
    }
  });

  it('imports the catalogue with ferry import-catalogue, and the reference data through the running ferry start', async () => {
    const emulator = await startEmulator({ port: 0, host: '127.0.0.1', printIdentity: false });
    const dir = dataDir();
    const env = { FERRY_DATA_DIR: dir, FERRY_API_KEY: PRESET_KEY };
    try {
      let ferry = await startFerry(env);
      const post = (path: string, body: unknown) =>
        fetch(`${ferry.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${PRESET_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify(body) }).then((r) => r.json() as Promise<any>);
      const credential = await post('/api/v1/credentials', { name: 'Emulator', type: 'password', loginUrl: emulator.loginUrl, username: 'admin@ferry.test', password: 'ferry', securityToken: 'emulator' });
      await post('/api/v1/products', { code: 'CLI-P', name: 'Plan', frequencies: [{ frequency: 'MONTHLY' }, { frequency: 'ANNUAL' }], currencies: ['USD'], pricingRules: [{ currency: 'USD', frequency: 'MONTHLY', price: '9.00' }, { currency: 'USD', frequency: 'ANNUAL', price: '90.00' }] });
      await post('/api/v1/account-types', { code: 'RESELLER', name: 'Reseller' });
      expect(await ferry.stop()).toBe(0);

      // In this process: a line per step (not a terminal), then a table per Salesforce object.
      const local = await runFerry(['import-catalogue', credential.id], env);
      expect(local.code, local.stderr).toBe(0);
      expect(local.stdout).toContain('Made the Catalogue integration');
      expect(local.stdout).toContain('100% 5/5 rows: done');
      expect(local.stdout).toMatch(/import run \S+: COMPLETE — created 5,/);
      expect(local.stdout).toMatch(/Product2\s+2\s+0\s+0\s+0\s+0/);
      expect(local.stdout).toMatch(/PricebookEntry\s+2\s+0\s+0\s+0\s+0/);

      // Through the running server: the reference data, and the picklist value Account.Type lacks.
      ferry = await startFerry(env);
      const data = await runFerry(['import-data', credential.id], env);
      expect(data.code, data.stderr).toBe(0);
      expect(data.stdout).toMatch(/import run \S+: COMPLETE — created 1,/);
      expect(data.stderr).toContain('warning: Account.Type does not offer 1 account-types code(s) Ferry has: RESELLER.');
      const again = await runFerry(['import-catalogue', credential.id], env);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stdout).not.toContain('Made the Catalogue integration');
      expect(again.stdout).toMatch(/COMPLETE — created 0, updated 0, retired 0, skipped 5, failed 0/);
      expect(again.stdout).toContain('  skipped 5: unchanged since last import');
      expect(await ferry.stop()).toBe(0);
      const conn = new jsforce.Connection({ loginUrl: emulator.loginUrl, version: '60.0' });
      await conn.login('admin@ferry.test', 'ferryemulator');
      expect((await conn.query("SELECT Name FROM Product2 WHERE ProductCode = 'CLI-P' ORDER BY Name")).records.map((r: any) => r.Name)).toEqual(['Plan (Annual)', 'Plan (Monthly)']);
    } finally {
      await emulator.stop();
    }
  });

  it('explains a busy emulator port instead of hanging', async () => {
    const blocker = await startEmulator({ port: 0, host: '127.0.0.1', printIdentity: false });
    try {
      const run = await runFerry(['start'], { FERRY_DATA_DIR: dataDir(), FERRY_PORT: '0', FERRY_EMULATOR_PORT: String(blocker.port) });
      expect(run.code).toBe(69);
      expect(run.stderr).toContain(`Port ${blocker.port} for the emulated Salesforce org is in use`);
      expect(run.stderr).not.toMatch(/\n\s+at /);
    } finally {
      await blocker.stop();
    }
  });

  it('refuses a bad environment, listing every bad variable, with exit code 78', async () => {
    const run = await runFerry(['start'], { FERRY_DATA_DIR: dataDir(), FERRY_PORT: 'eighty', DATABASE_URL: 'mysql://nope', FERRY_API_KEY: 'short' });
    expect(run.code).toBe(78);
    expect(run.stderr).toContain('FERRY_PORT');
    expect(run.stderr).toContain('DATABASE_URL: must be a postgres:// or postgresql:// URL');
    expect(run.stderr).toContain('FERRY_API_KEY: must be at least 24 characters');
  });

  it('refuses an unknown entity or file format for import with usage exit code 2', async () => {
    const dir = dataDir();
    const run = await runFerry(['import', 'widgets', 'x.csv'], { FERRY_DATA_DIR: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('Unknown entity "widgets"');
    const file = join(dir, 'a.txt');
    writeFileSync(file, 'x');
    const format = await runFerry(['import', 'accounts', file], { FERRY_DATA_DIR: dir });
    expect(format.code).toBe(2);
    expect(format.stderr).toContain('--format csv|jsonl');
  });

  it('a first start that fails on a busy port leaves no unseen key: the next start prints a usable one', async () => {
    const dir = dataDir();
    const blocker = createServer();
    const port = await freePort();
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
    try {
      const failed = await runFerry(['start', '--no-demo'], { FERRY_DATA_DIR: dir, FERRY_PORT: String(port) });
      expect(failed.code).toBe(69);
      expect(failed.stderr).toContain(`Port ${port} on 127.0.0.1 is in use by another program`);
      expect(failed.stderr).not.toMatch(NO_STACK);
      expect(failed.stdout).not.toContain('API key');
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
    const ferry = await startFerry({ FERRY_DATA_DIR: dir });
    try {
      const key = /API key\s+(ferry_\S+)/.exec(ferry.output())?.[1];
      expect(key).toBeDefined();
      expect((await get(`${ferry.url}/api/v1/accounts`, key!)).status).toBe(200);
      expect(ferry.output()).toContain('npx ferry --help');
    } finally {
      expect(await ferry.stop()).toBe(0);
    }
    // The way back in for whoever lost the key: a new one, from the machine that holds the data.
    const issued = await runFerry(['org', 'key', 'create'], { FERRY_DATA_DIR: dir });
    expect(issued.code).toBe(0);
    expect(issued.stderr).toContain(`using PGlite in ${dir}`);
    const newKey = /API key\s+(ferry_\S+)/.exec(issued.stdout)?.[1];
    expect(newKey).toBeDefined();
    const again = await startFerry({ FERRY_DATA_DIR: dir });
    try {
      expect((await get(`${again.url}/api/v1/accounts`, newKey!)).status).toBe(200);
    } finally {
      expect(await again.stop()).toBe(0);
    }
    // Everything the start wrote is its owner's only.
    expect(notOwnerOnly(dir)).toEqual([]);
  });

  it('makes an existing data folder private on start: 0700 folders, 0600 files', async () => {
    const dir = dataDir();
    const made = await runFerry(['migrate'], { FERRY_DATA_DIR: dir });
    expect(made.code).toBe(0);
    chmodSync(dir, 0o777);
    chmodSync(join(dir, 'pgdata', 'PG_VERSION'), 0o666);
    const ferry = await startFerry({ FERRY_DATA_DIR: dir });
    try {
      expect(notOwnerOnly(dir)).toEqual([]);
      // The local admin token is there only while the server runs, and only for its owner.
      expect(statSync(join(dir, 'admin.token')).mode & 0o777).toBe(0o600);
    } finally {
      expect(await ferry.stop()).toBe(0);
    }
    expect(existsSync(join(dir, 'admin.token'))).toBe(false);
  });

  it('runs sync, salesforce check, org create and org key create through the running ferry start', async () => {
    const emulator = await startEmulator({ port: 0, host: '127.0.0.1', printIdentity: false });
    const dir = dataDir();
    const env = { FERRY_DATA_DIR: dir, FERRY_API_KEY: PRESET_KEY };
    const ferry = await startFerry(env);
    try {
      const credential = (await post(`${ferry.url}/api/v1/credentials`, PRESET_KEY, { name: 'Emulator', type: 'password', loginUrl: emulator.loginUrl, username: 'admin@ferry.test', password: 'ferry', securityToken: 'emulator' })).body;
      const integration = (await post(`${ferry.url}/api/v1/integrations`, PRESET_KEY, { name: 'Accounts', entityType: 'Account', credentialId: credential.id, trigger: { onChange: false } })).body;
      await post(`${ferry.url}/api/v1/accounts`, PRESET_KEY, { code: 'LIVE-1', name: 'Synced while running' });

      const sync = await runFerry(['sync', integration.id, '--full'], env);
      expect(sync.stderr).toContain(`using the running Ferry at ${ferry.url}`);
      expect(sync.stdout).toMatch(/run \S+: COMPLETE — sent 1, created 1/);
      expect(sync.code).toBe(0);
      const check = await runFerry(['salesforce', 'check', credential.id], env);
      expect(check.stdout).toContain('has every object and field Ferry writes');
      expect(check.code).toBe(0);
      const missing = await runFerry(['sync', '0190a3c2-7b1e-7cc0-9a4e-1f2d3c4b5a69'], env);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain('No integration has id');

      const made = await runFerry(['org', 'create', 'Gamma Billing'], env);
      expect(made.code).toBe(0);
      const gammaKey = /API key\s+(ferry_\S+)/.exec(made.stdout)?.[1];
      expect((await get(`${ferry.url}/api/v1/accounts`, gammaKey!)).body.data).toEqual([]);
      const gammaId = /id\s+(\S+)/.exec(made.stdout)?.[1];
      const issued = await runFerry(['org', 'key', 'create', '--org', gammaId!], env);
      expect(issued.code).toBe(0);
      expect((await get(`${ferry.url}/api/v1/accounts`, /API key\s+(ferry_\S+)/.exec(issued.stdout)![1]!)).body.data).toEqual([]);

      // The local admin token acts for the one organization it names, and only from this machine's loopback.
      const token = readFileSync(join(dir, 'admin.token'), 'utf8').trim();
      const asGamma = await fetch(`${ferry.url}/api/v1/accounts`, { headers: { authorization: `Bearer ${token}`, 'ferry-organization': gammaId! } });
      expect(((await asGamma.json()) as any).data).toEqual([]);
      const unnamed = await fetch(`${ferry.url}/api/v1/accounts`, { headers: { authorization: `Bearer ${token}` } });
      expect(unnamed.status).toBe(401);
      expect((await fetch(`${ferry.url}/api/v1/local/organizations`, { headers: { authorization: `Bearer ${PRESET_KEY}` } })).status).toBe(401);

      // An org whose login URL does not answer: one line and its exit code, not a stack trace.
      const deadPort = await freePort();
      const dead = (await post(`${ferry.url}/api/v1/credentials`, PRESET_KEY, { name: 'Dead', type: 'password', loginUrl: `http://127.0.0.1:${deadPort}`, username: 'a@b.test', password: 'x', securityToken: 'y' })).body;
      const unreachable = await runFerry(['salesforce', 'check', dead.id], env);
      expect(unreachable.code).toBe(68);
      expect(unreachable.stderr).not.toMatch(NO_STACK);

      // Commands that must open the files themselves still wait for the server to stop.
      expect((await runFerry(['migrate'], env)).code).toBe(75);
    } finally {
      expect(await ferry.stop()).toBe(0);
      await emulator.stop();
    }
  });

  it('gives a malformed id, an unreachable org and a missing data folder one line and a named exit code', async () => {
    const dir = dataDir();
    const env = { FERRY_DATA_DIR: dir, FERRY_API_KEY: PRESET_KEY };
    const ferry = await startFerry(env);
    const deadPort = await freePort();
    const dead = (await post(`${ferry.url}/api/v1/credentials`, PRESET_KEY, { name: 'Dead', type: 'password', loginUrl: `http://127.0.0.1:${deadPort}`, username: 'a@b.test', password: 'x', securityToken: 'y' })).body;
    expect(await ferry.stop()).toBe(0);

    const malformed = await runFerry(['sync', 'not-a-uuid'], env);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr.trim()).toBe('"not-a-uuid" is not an integration id: Ferry\'s ids are UUIDs, such as 0190a3c2-7b1e-7cc0-9a4e-1f2d3c4b5a69.');
    const unreachable = await runFerry(['salesforce', 'check', dead.id], env);
    expect(unreachable.code).toBe(68);
    expect(unreachable.stderr).toContain(`The Salesforce org at http://127.0.0.1:${deadPort} did not answer`);
    expect(unreachable.stderr).not.toMatch(NO_STACK);

    // Without FERRY_DATA_DIR pointing at the data, a read-type command says so and creates nothing.
    const nowhere = join(dataDir(), 'not-here');
    const empty = await runFerry(['sync', '0190a3c2-7b1e-7cc0-9a4e-1f2d3c4b5a69'], { FERRY_DATA_DIR: nowhere });
    expect(empty.code).toBe(66);
    expect(empty.stderr).toContain(`No Ferry data in ${nowhere}`);
    expect(existsSync(nowhere)).toBe(false);
  });

  it('prints the emulator\'s URL and identity, also on a port picked with --port 0', async () => {
    const child = spawn(process.execPath, [FERRY_BIN, 'emulator', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let out = '';
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no URL printed:\n${out}`)), 30_000);
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const match = /listening on (http:\/\/127\.0\.0\.1:\d+)[\s\S]*client secret/.exec(out);
          if (match !== null) {
            clearTimeout(timer);
            resolve(match[1]!);
          }
        });
      });
      expect(out).toMatch(/username\s+admin@ferry\.test/);
      expect(out).toMatch(/client id\s+\S+/);
      const conn = new jsforce.Connection({ loginUrl: url, version: '60.0' });
      await conn.login('admin@ferry.test', 'ferryemulator');
      expect((await conn.query('SELECT COUNT() FROM Account')).totalSize).toBe(0);
    } finally {
      await new Promise((resolve) => {
        child.once('close', resolve);
        child.kill('SIGTERM');
      });
    }
  });

  it('says at a --no-demo start that the demo integrations are left, and removes them with --remove-demo', async () => {
    const dir = dataDir();
    const env = { FERRY_DATA_DIR: dir, FERRY_EMULATOR_PORT: '0', FERRY_API_KEY: PRESET_KEY };
    const demo = await startFerry(env, []);
    try {
      // The README's first example works next to the demo's data.
      const readme = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8');
      const example = /-d '(\{[^']*\})' http:\/\/127\.0\.0\.1:8787\/api\/v1\/accounts/.exec(readme)?.[1];
      expect(example).toBeDefined();
      const created = await post(`${demo.url}/api/v1/accounts`, PRESET_KEY, JSON.parse(example!));
      expect(created.status).toBe(201);
    } finally {
      expect(await demo.stop()).toBe(0);
    }
    const warned = await startFerry(env);
    try {
      expect(warned.output()).toContain('7 demo integrations still send to the emulated org, which does not run with --no-demo');
      expect(warned.output()).toContain('npx ferry start --no-demo --remove-demo');
    } finally {
      expect(await warned.stop()).toBe(0);
    }
    const removed = await startFerry(env, ['--no-demo', '--remove-demo']);
    try {
      expect(removed.output()).toContain("removed the demo's credential and its 7 integrations");
      expect((await get(`${removed.url}/api/v1/integrations`, PRESET_KEY)).body.data).toEqual([]);
      expect((await get(`${removed.url}/api/v1/credentials`, PRESET_KEY)).body.data).toEqual([]);
    } finally {
      expect(await removed.stop()).toBe(0);
    }
  });
});
