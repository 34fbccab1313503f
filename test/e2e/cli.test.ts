import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jsforce from 'jsforce';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/index.ts';
import { runFerry, startFerry } from '../cli.ts';

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
      expect(await ferry.stop()).toBe(0);

      const sync = await runFerry(['sync', integration.id, '--full'], env);
      expect(sync.code).toBe(0);
      expect(sync.stdout).toMatch(/run \S+: COMPLETE — sent 1, created 1/);
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
});
