import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jsforce from 'jsforce';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_IDENTITY, startEmulator, type RunningEmulator } from '../../src/emulator/index.ts';
import { startFerry, type RunningFerry } from '../cli.ts';

// Ferry killed in the middle of a catalogue import: the import finishes after the restart, and
// the products that reached Salesforce before the kill, then deleted in Ferry, are all
// deactivated, whether or not Ferry had recorded them before it died.

const KEY = 'ferry_kill_import_key_0123456789abcdef';
const dir = mkdtempSync(join(tmpdir(), 'ferry-kill-import-'));
let emulator: RunningEmulator | undefined;
afterAll(async () => {
  await emulator?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function call(url: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${url}${path}`, { method, headers: { authorization: `Bearer ${KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: res.status, body: (await res.json()) as any };
}

async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('a catalogue import killed mid-way', () => {
  it('finishes after the restart, and retires what went from Ferry, recorded before the kill or not', async () => {
    emulator = await startEmulator({ port: 0, host: '127.0.0.1', printIdentity: false });
    const env = { FERRY_DATA_DIR: dir, FERRY_API_KEY: KEY };
    let ferry: RunningFerry = await startFerry(env);
    const credential = (await call(ferry.url, 'POST', '/api/v1/credentials', {
      name: 'Emulator', type: 'password', loginUrl: emulator.loginUrl, username: DEFAULT_IDENTITY.username, password: DEFAULT_IDENTITY.password, securityToken: DEFAULT_IDENTITY.securityToken,
    })).body;
    const total = 1000;
    const items = Array.from({ length: total }, (_, i) => ({
      code: `KILL-P${i}`, name: `Plan ${i}`, frequencies: [{ frequency: 'MONTHLY' }, { frequency: 'ANNUAL' }], currencies: ['USD'],
      pricingRules: [{ currency: 'USD', frequency: 'MONTHLY', price: `${i + 1}.00` }, { currency: 'USD', frequency: 'ANNUAL', price: `${(i + 1) * 10}.00` }],
    }));
    expect((await call(ferry.url, 'POST', '/api/v1/products/bulk', { items })).body.summary.created).toBe(total);
    // Collections calls, 4 at a time, slowed down: the import is mid-way when the process dies.
    const made = await call(ferry.url, 'POST', '/api/v1/integrations', { name: 'Catalogue', entityType: 'Catalogue', credentialId: credential.id, trigger: { onChange: false }, delivery: { bulkThreshold: 100_000 } });
    expect(made.status).toBe(201);
    emulator.controls.setLatency({ fixedMs: 300, perRecordMs: 0 });
    const started = await call(ferry.url, 'POST', `/api/v1/credentials/${credential.id}/import-catalogue`, {});
    expect(started.status).toBe(202);
    // The products (1,000) are in, and some of their Salesforce products (2,000).
    const deadline = Date.now() + 30_000;
    while (emulator.controls.counters().recordsWritten < total + 200 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    ferry.child.kill('SIGKILL');
    await new Promise((resolve) => ferry.child.once('close', resolve));
    emulator.controls.setLatency({ fixedMs: 0, perRecordMs: 0 });

    const conn = new jsforce.Connection({ loginUrl: emulator.loginUrl, version: '60.0' });
    await conn.login(DEFAULT_IDENTITY.username, DEFAULT_IDENTITY.password + DEFAULT_IDENTITY.securityToken);
    const keysOf = async (soql: string) => (await conn.query<{ Ferry_Id__c: string }>(soql, { autoFetch: true, maxFetch: 100_000 })).records.map((r) => r.Ferry_Id__c);
    // What reached Salesforce before the kill: some of it recorded by Ferry, some perhaps not.
    const before = await keysOf('SELECT Ferry_Id__c FROM Product2 WHERE Ferry_Id__c != null');
    expect(before.length).toBeGreaterThan(0);
    expect(before.length).toBeLessThan(total * 2);
    const reached = [...new Set(before.map((key) => key.split(':')[0]!))];

    ferry = await startFerry(env);
    try {
      // Before the interrupted import is taken over (the dead worker's heartbeat has to go stale
      // first), the products that had reached Salesforce go from Ferry: whether Ferry had recorded
      // their Salesforce records before it died or not, the next import must retire them all.
      const integrationId = started.body.integration.id;
      expect((await call(ferry.url, 'POST', `/api/v1/integrations/${integrationId}/disable`)).status).toBe(200);
      for (const id of reached) expect((await call(ferry.url, 'DELETE', `/api/v1/products/${id}`)).status).toBe(200);
      expect((await call(ferry.url, 'POST', `/api/v1/integrations/${integrationId}/enable`)).status).toBe(200);
      const again = await call(ferry.url, 'POST', `/api/v1/credentials/${credential.id}/import-catalogue`, {});
      const run = await until('the import after the restart', async () => {
        const view = (await call(ferry.url, 'GET', `/api/v1/runs/${again.body.run.id}`)).body;
        return view.status === 'WAITING' || view.status === 'STARTED' ? undefined : view;
      }, 90_000);
      expect(run, JSON.stringify(run)).toMatchObject({ status: 'COMPLETE', counts: { failed: 0 } });
      const active = new Set(await keysOf('SELECT Ferry_Id__c FROM Product2 WHERE Ferry_Id__c != null AND IsActive = true'));
      const inactive = new Set(await keysOf('SELECT Ferry_Id__c FROM Product2 WHERE Ferry_Id__c != null AND IsActive = false'));
      // Every Salesforce product that reached the org before the kill is deactivated, and only those.
      expect([...inactive].sort()).toEqual([...before].sort());
      expect(active.size).toBe((total - reached.length) * 2);
      expect((await keysOf('SELECT Ferry_Id__c FROM PricebookEntry WHERE IsActive = true AND Ferry_Id__c != null')).length).toBe((total - reached.length) * 2);
      expect((await keysOf('SELECT Ferry_Id__c FROM Ferry_Product__c WHERE Active__c = true')).length).toBe(total - reached.length);
    } finally {
      await ferry.stop();
    }
  }, 240_000);
});
