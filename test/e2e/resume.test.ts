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
        // The killed run still tells what it delivered (its counts are saved with each batch's
        // position): its batches and the continuation's cover the 2,000, the batch in flight twice at most.
        expect(runs[0].counts.created).toBeGreaterThanOrEqual(400);
        expect(runs[0].counts.created + runs[1].counts.created + runs[1].counts.updated).toBeGreaterThanOrEqual(2000);
        expect(runs[0].counts.created + runs[1].counts.created).toBeLessThanOrEqual(2000);
      } finally {
        expect(await ferry.stop()).toBe(0);
      }
    } finally {
      await emulator.stop();
    }
  }, 120_000);
});

describe('a first read from Salesforce killed halfway', () => {
  it('goes on with the same Bulk API query job from the page it had reached', async () => {
    const emulator = await startEmulator({ port: 0, host: '127.0.0.1', printIdentity: false });
    const dir = mkdtempSync(join(tmpdir(), 'ferry-resume-'));
    dirs.push(dir);
    const env = { FERRY_DATA_DIR: dir, FERRY_API_KEY: KEY, FERRY_BATCH_SIZE: '300' };
    try {
      emulator.controls.seed(Array.from({ length: 3000 }, (_, i) => ({ attributes: { type: 'Account' }, Name: `Read ${i}`, AccountNumber: `IN${i}` })));
      let ferry = await startFerry({ ...env, FERRY_WORKER: 'false' });
      let url = ferry.url;
      const call = (method: string, path: string, body?: unknown) => fetch(`${url}${path}`, {
        method, headers: { authorization: `Bearer ${KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      }).then((r) => r.json() as Promise<any>);
      const credential = await call('POST', '/api/v1/credentials', { name: 'Emulator', type: 'password', loginUrl: emulator.loginUrl, username: 'admin@ferry.test', password: 'ferry', securityToken: 'emulator' });
      const integration = await call('POST', '/api/v1/integrations', {
        name: 'Accounts in', entityType: 'Account', credentialId: credential.id, trigger: { onChange: false }, delivery: { bulkThreshold: 100 },
        sync: { direction: 'from_salesforce', accountSelection: 'all', reader: 'polling' },
      });
      expect(integration.id, JSON.stringify(integration)).toBeDefined();
      const killed = await call('POST', `/api/v1/integrations/${integration.id}/sync`, { mode: 'incoming_full' });
      expect(await ferry.stop()).toBe(0);

      // A worker takes the load; each result page (300 rows) is slow to fetch.
      emulator.controls.setLatency({ fixedMs: 400, perRecordMs: 0 });
      ferry = await startFerry(env);
      url = ferry.url;
      const deadline = Date.now() + 60_000;
      const pages = () => emulator.controls.counters().apiCalls;
      const before = JSON.stringify(pages());
      const accounts = async () => (await call('GET', '/api/v1/accounts?limit=1000')).data.length as number;
      while ((await accounts()) < 900 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      ferry.child.kill('SIGKILL');
      await new Promise((resolve) => ferry.child.once('close', resolve));
      emulator.controls.setLatency({ fixedMs: 0, perRecordMs: 0 });

      ferry = await startFerry(env);
      url = ferry.url;
      try {
        const runs = await (async () => {
          for (;;) {
            const list = (await call('GET', `/api/v1/runs?integrationId=${integration.id}&limit=20`)).data as any[];
            const load = list.filter((r) => r.mode === 'incoming_full');
            if (load.length >= 2 && load.every((r) => r.status !== 'WAITING' && r.status !== 'STARTED')) return load.reverse();
            if (Date.now() > deadline) throw new Error(`runs did not settle: ${JSON.stringify(list)} (calls before: ${before})`);
            await new Promise((r) => setTimeout(r, 100));
          }
        })();
        expect(runs[0]).toMatchObject({ id: killed.id, status: 'INTERRUPTED' });
        expect(runs[1]).toMatchObject({ status: 'COMPLETE', continuedFrom: killed.id });
        // Every Account came in once; the continuation read the pages the first had not applied.
        let all: any[] = [];
        for (let cursor: string | null = null; ;) {
          const page = await call('GET', `/api/v1/accounts?limit=1000${cursor === null ? '' : `&cursor=${cursor}`}`);
          all = all.concat(page.data);
          cursor = page.nextCursor;
          if (cursor === null) break;
        }
        expect(new Set(all.map((a) => a.name)).size).toBe(3000);
        expect(runs[1].counts.created).toBeLessThanOrEqual(3000 - 900 + 300);
        // The killed load still tells what it brought in up to the last page it finished (counts
        // are saved with each page's position); the continuation counts the rest, the page in
        // flight at the kill included (what of it had come in is then no creation).
        expect(runs[0].counts.created).toBeGreaterThanOrEqual(600);
        const after = runs[1].counts;
        expect(runs[0].counts.created + after.created + after.updated + after.skipped, JSON.stringify([runs[0].counts, after])).toBeGreaterThanOrEqual(3000);
        expect(runs[0].counts.created + after.created).toBeLessThanOrEqual(3000);
        // The same Bulk API query job, from the page reached: of its 10 result pages of 300, the
        // continuation read only those after the 900 or more rows applied before the kill (and
        // the page in flight then), where starting over would have read all 10.
        const logs = (await call('GET', `/api/v1/request-logs?runId=${runs[1].id}&limit=500`)).data as any[];
        const count = (operation: string) => logs.filter((l) => l.operation === operation).length;
        const calls = JSON.stringify(logs.map((l) => [l.operation, l.method, l.records]));
        // Every job it opened was an ingest job writing Ferry's ids back (one upload each), none a query;
        // an ingest job's results are read twice (successful, failed), the rest are query pages.
        expect(count('bulk_open'), calls).toBe(count('bulk_upload'));
        const queryPages = count('bulk_results') - 2 * count('bulk_upload');
        expect(queryPages, calls).toBeGreaterThan(0);
        expect(queryPages, calls).toBeLessThanOrEqual(8);
      } finally {
        expect(await ferry.stop()).toBe(0);
      }
    } finally {
      await emulator.stop();
    }
  }, 120_000);
});
