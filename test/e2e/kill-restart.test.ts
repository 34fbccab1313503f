import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jsforce from 'jsforce';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_IDENTITY, startEmulator, type RunningEmulator } from '../../src/emulator/index.ts';
import { startFerry } from '../cli.ts';

const KEY = 'ferry_kill_restart_key_0123456789abcdef';
const dir = mkdtempSync(join(tmpdir(), 'ferry-kill-'));
let emulator: RunningEmulator | undefined;
afterAll(async () => {
  await emulator?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function call(url: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${url}${path}`, { method, headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: res.status, body: (await res.json()) as any };
}

describe('a worker killed mid-run', () => {
  it('leaves no duplicate and loses no record once restarted', async () => {
    emulator = await startEmulator({ port: 0, host: '127.0.0.1', printIdentity: false });
    const env = { FERRY_DATA_DIR: dir, FERRY_API_KEY: KEY };
    const first = await startFerry(env);
    const credential = (await call(first.url, 'POST', '/api/v1/credentials', {
      name: 'Emulator', type: 'password', loginUrl: emulator.loginUrl, username: DEFAULT_IDENTITY.username, password: DEFAULT_IDENTITY.password, securityToken: DEFAULT_IDENTITY.securityToken,
    })).body;
    // Slow Salesforce down so the run is mid-way when the process dies.
    emulator.controls.setLatency({ fixedMs: 150, perRecordMs: 0 });
    await call(first.url, 'POST', '/api/v1/integrations', { name: 'Accounts', entityType: 'Account', credentialId: credential.id, delivery: { bulkThreshold: 100_000 } });
    const total = 3000;
    for (let start = 0; start < total; start += 1000) {
      const items = Array.from({ length: 1000 }, (_, i) => ({ code: `KILL-${start + i}`, name: `Killed ${start + i}` }));
      expect((await call(first.url, 'POST', '/api/v1/accounts/bulk', { items })).body.summary.created).toBe(1000);
    }
    const integration = (await call(first.url, 'GET', '/api/v1/integrations')).body.data[0];
    const deadline = Date.now() + 20_000;
    while (emulator.controls.counters().recordsWritten < 400 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    first.child.kill('SIGKILL');
    await new Promise((resolve) => first.child.once('close', resolve));
    const partial = emulator.controls.counters().recordsWritten;
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(total);

    emulator.controls.setLatency({ fixedMs: 0, perRecordMs: 0 });
    const second = await startFerry(env);
    try {
      // The restarted worker finds the changes past the watermark and delivers them again.
      const conn = new jsforce.Connection({ loginUrl: emulator.loginUrl, version: '60.0' });
      await conn.login(DEFAULT_IDENTITY.username, DEFAULT_IDENTITY.password + DEFAULT_IDENTITY.securityToken);
      const until = Date.now() + 60_000;
      let count = 0;
      while (Date.now() < until) {
        count = (await conn.query("SELECT COUNT() FROM Account WHERE AccountNumber LIKE 'KILL-%'")).totalSize;
        if (count >= total) break;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(count).toBe(total);
      const ids = await conn.query<{ Ferry_Id__c: string }>("SELECT Ferry_Id__c FROM Account WHERE AccountNumber LIKE 'KILL-%'", { autoFetch: true, maxFetch: 10_000 });
      expect(new Set(ids.records.map((r) => r.Ferry_Id__c)).size).toBe(total);
      const runs = (await call(second.url, 'GET', `/api/v1/runs?integrationId=${integration.id}`)).body.data;
      expect(runs.some((r: any) => r.error?.errorCode === 'WORKER_STOPPED')).toBe(true);
      expect(runs.some((r: any) => r.status === 'COMPLETE' && r.counts.sent > 0)).toBe(true);
    } finally {
      await second.stop();
    }
  }, 120_000);
});
