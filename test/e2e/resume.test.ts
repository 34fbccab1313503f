import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/index.ts';
import { startFerry } from '../cli.ts';

// A full sync killed halfway goes on from where it got to: the run queued again when Ferry starts
// continues the killed one from its last delivered batch, instead of sending everything again.

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});
const KEY = 'ferry_preset_key_for_resume_tests_0123456789';

describe('a full sync killed halfway', () => {
  it('continues from its last delivered batch after a restart, sending almost nothing twice', async () => {
    const emulator = await startEmulator({ port: 0, host: '127.0.0.1', printIdentity: false });
    const dir = mkdtempSync(join(tmpdir(), 'ferry-resume-'));
    dirs.push(dir);
    const env = { FERRY_DATA_DIR: dir, FERRY_API_KEY: KEY, FERRY_BATCH_SIZE: '200' };
    try {
      let ferry = await startFerry(env);
      const call = (method: string, path: string, body?: unknown) => fetch(`${ferry.url}${path}`, {
        method, headers: { authorization: `Bearer ${KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      }).then((r) => r.json() as Promise<any>);
      const credential = await call('POST', '/api/v1/credentials', { name: 'Emulator', type: 'password', loginUrl: emulator.loginUrl, username: 'admin@ferry.test', password: 'ferry', securityToken: 'emulator' });
      const integration = await call('POST', '/api/v1/integrations', { name: 'Accounts', entityType: 'Account', credentialId: credential.id, trigger: { onChange: false }, delivery: { bulkThreshold: 100_000 } });
      for (const start of [0, 1000]) {
        const loaded = await call('POST', '/api/v1/accounts/bulk', { items: Array.from({ length: 1000 }, (_, i) => ({ code: `R${start + i}`, name: `Resumed ${start + i}` })) });
        expect(loaded.summary.failed).toBe(0);
      }
      emulator.controls.setLatency({ fixedMs: 250, perRecordMs: 0 });
      const killed = await call('POST', `/api/v1/integrations/${integration.id}/sync`, { mode: 'full' });
      const deadline = Date.now() + 60_000;
      while (emulator.controls.counters().recordsWritten < 600 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      ferry.child.kill('SIGKILL');
      await new Promise((resolve) => ferry.child.once('close', resolve));
      const writtenAtKill = emulator.controls.counters().recordsWritten;
      expect(writtenAtKill).toBeLessThan(2000);
      emulator.controls.setLatency({ fixedMs: 0, perRecordMs: 0 });

      ferry = await startFerry(env);
      try {
        const runs = await (async () => {
          for (;;) {
            const list = (await call('GET', `/api/v1/runs?integrationId=${integration.id}&limit=20`)).data as any[];
            if (list.length >= 2 && list.every((r) => r.status !== 'WAITING' && r.status !== 'STARTED')) return list.reverse();
            if (Date.now() > deadline) throw new Error(`runs did not settle: ${JSON.stringify(list)}`);
            await new Promise((r) => setTimeout(r, 100));
          }
        })();
        expect(runs[0]).toMatchObject({ id: killed.id, status: 'INTERRUPTED' });
        expect(runs[1]).toMatchObject({ trigger: 'retry', mode: 'full', status: 'COMPLETE', continuedFrom: killed.id });
        const accounts = await fetch(`${emulator.url}/services/data/v60.0/query?q=${encodeURIComponent('SELECT COUNT() FROM Account')}`, {
          headers: { authorization: `Bearer ${await (async () => {
            const token = await fetch(`${emulator.loginUrl}/services/oauth2/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'password', client_id: emulator.identity.clientId, client_secret: emulator.identity.clientSecret, username: emulator.identity.username, password: `${emulator.identity.password}${emulator.identity.securityToken}` }) });
            return ((await token.json()) as { access_token: string }).access_token;
          })()}` },
        }).then((r) => r.json() as Promise<{ totalSize: number }>);
        expect(accounts.totalSize).toBe(2000);
        // The continuation sent what was left and, again, at most the batch in flight at the kill
        // (sending everything again would have written each of the first 600 or more twice).
        const resent = emulator.controls.counters().recordsWritten - 2000;
        expect(resent, `written at the kill: ${writtenAtKill}; the retry sent ${runs[1].counts.sent}`).toBeLessThanOrEqual(200);
        expect(runs[1].counts.sent).toBeLessThanOrEqual(2000 - writtenAtKill + 200);
      } finally {
        expect(await ferry.stop()).toBe(0);
      }
    } finally {
      await emulator.stop();
    }
  }, 120_000);
});
