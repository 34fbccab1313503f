import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/index.ts';
import { FERRY_BIN, startFerry } from '../cli.ts';
import { startTestFerry } from '../ferry.ts';
import { freePort } from '../net.ts';
import { oauthLogin } from '../emulator/support.ts';
import { twoWayHelpers } from '../two-way.ts';

// Metrics, health and readiness as an operator sees them: /metrics values move as work happens,
// /readyz checks the database, the queue and a worker's loop, and `ferry worker` serves them on
// its own port and drains on SIGTERM (not ready, the run in flight finished, then gone).

/** One sample of the Prometheus text: the value of the series with these labels (0 when absent). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  let seen = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || !line.startsWith(name)) continue;
    const match = /^([a-z_]+)(\{(.*)\})? (\S+)$/.exec(line);
    if (match === null || match[1] !== name) continue;
    const got = Object.fromEntries([...(match[3] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) {
      total += Number(match[4]);
      seen = true;
    }
  }
  return seen ? total : 0;
}

describe('metrics and readiness', () => {
  it('moves the counters and histograms as runs deliver and read, and reports the queue and the org\'s allocation', async () => {
    const ferry = await startTestFerry();
    try {
      const { must, runNow } = twoWayHelpers(() => ferry);
      const scrape = async () => {
        const res = await fetch(`${ferry.url}/metrics`);
        expect(res.headers.get('content-type')).toContain('text/plain');
        return res.text();
      };
      const health = await fetch(`${ferry.url}/healthz`);
      expect(await health.json()).toEqual({ status: 'ok' });
      const ready = await fetch(`${ferry.url}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ status: 'ready', checks: [{ name: 'database', ok: true }, { name: 'queue', ok: true }, { name: 'worker', ok: true }] });

      let before = await scrape();
      const credential = await ferry.credential();
      const accounts = await must('POST', '/api/v1/integrations', { name: 'Accounts', entityType: 'Account', credentialId: credential.id, trigger: { onChange: false }, sync: { direction: 'both', reader: 'polling' } });
      for (const code of ['M1', 'M2', 'M3']) await must('POST', '/api/v1/accounts', { code, name: `Metered ${code}` });
      const run = await runNow(accounts.id, 'incremental');
      expect(run.counts.created).toBe(3);
      let after = await scrape();
      const grew = (name: string, labels: Record<string, string> = {}) => sample(after, name, labels) - sample(before, name, labels);
      expect(grew('ferry_runs_total', { entity_type: 'Account', mode: 'incremental', status: 'COMPLETE' })).toBeGreaterThanOrEqual(1);
      expect(grew('ferry_records_delivered_total', { entity_type: 'Account', outcome: 'created' })).toBeGreaterThanOrEqual(3);
      expect(grew('ferry_change_to_salesforce_seconds_count', { entity: 'accounts' })).toBeGreaterThanOrEqual(3);
      expect(grew('ferry_salesforce_api_calls_total', { operation: 'upsert', status: 'Success' })).toBeGreaterThanOrEqual(1);
      expect(sample(after, 'ferry_salesforce_api_remaining', { organization: ferry.orgId })).toBeGreaterThan(0);
      expect(after).toMatch(/^ferry_queue_depth\{queue="integration-sync"\} \d+$/m);
      expect(after).toMatch(/^ferry_queue_oldest_age_seconds\{queue="integration-sync"\} [\d.]+$/m);
      expect(sample(after, 'ferry_workers_alive')).toBeGreaterThanOrEqual(1);
      expect(after).toContain('ferry_process_resident_memory_bytes');

      // Back from Salesforce: an edit there is received and applied, and its latency observed.
      await runNow(accounts.id, 'incoming');
      const conn = await oauthLogin(ferry.emulator);
      const [m1] = (await conn.query<{ Id: string }>("SELECT Id FROM Account WHERE AccountNumber = 'M1'")).records;
      await conn.sobject('Account').update({ Id: m1!.Id, Name: 'Metered M1, renamed in Salesforce' });
      before = after;
      const incoming = await runNow(accounts.id, 'incoming');
      expect(incoming.status).toBe('COMPLETE');
      after = await scrape();
      expect(grew('ferry_records_received_total', { entity: 'accounts', outcome: 'applied' })).toBeGreaterThanOrEqual(1);
      expect(grew('ferry_salesforce_to_ferry_seconds_count', { entity: 'accounts' })).toBeGreaterThanOrEqual(1);
      expect(grew('ferry_runs_total', { entity_type: 'Account', mode: 'incoming', status: 'COMPLETE' })).toBeGreaterThanOrEqual(1);
    } finally {
      await ferry.stop();
    }
  });
});

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});
const KEY = 'ferry_preset_key_for_observability_0123456789';

describe('ferry worker', () => {
  it('serves its probes and metrics on FERRY_WORKER_PORT, and on SIGTERM is not ready, ends its run after the batch it is on and exits; the next worker continues the run', async () => {
    const emulator = await startEmulator({ port: 0, host: '127.0.0.1', printIdentity: false });
    const dir = mkdtempSync(join(tmpdir(), 'ferry-worker-'));
    dirs.push(dir);
    const env = { FERRY_DATA_DIR: dir, FERRY_API_KEY: KEY };
    try {
      // Made through `ferry start` (no worker), then left for the worker: 2,000 accounts to deliver.
      const ferry = await startFerry({ ...env, FERRY_WORKER: 'false' });
      const call = (method: string, path: string, body?: unknown) => fetch(`${ferry.url}${path}`, {
        method, headers: { authorization: `Bearer ${KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      }).then((r) => r.json() as Promise<any>);
      const credential = await call('POST', '/api/v1/credentials', { name: 'Emulator', type: 'password', loginUrl: emulator.loginUrl, username: 'admin@ferry.test', password: 'ferry', securityToken: 'emulator' });
      const integration = await call('POST', '/api/v1/integrations', { name: 'Accounts', entityType: 'Account', credentialId: credential.id, delivery: { bulkThreshold: 100_000 } });
      for (const start of [0, 1000]) {
        const loaded = await call('POST', '/api/v1/accounts/bulk', { items: Array.from({ length: 1000 }, (_, i) => ({ code: `W${start + i}`, name: `Worker ${start + i}` })) });
        expect(loaded.summary.failed, JSON.stringify(loaded).slice(0, 500)).toBe(0);
      }
      expect(await ferry.stop()).toBe(0);

      // Every Salesforce call takes 700 ms: the run is still going when the worker is told to stop.
      emulator.controls.setLatency({ fixedMs: 700, perRecordMs: 0 });
      const port = await freePort();
      const worker = spawn(process.execPath, [FERRY_BIN, 'worker'], { env: { ...process.env, FERRY_LOG_LEVEL: 'error', ...env, FERRY_WORKER_PORT: String(port), FERRY_METRICS_TOKEN: 'a-token-of-sixteen-chars', FERRY_BATCH_SIZE: '200' }, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      worker.stdout.on('data', (c: Buffer) => (out += c.toString()));
      worker.stderr.on('data', (c: Buffer) => (out += c.toString()));
      const exited = new Promise<number | null>((resolve) => worker.once('close', resolve));
      const base = `http://127.0.0.1:${port}`;
      const deadline = Date.now() + 30_000;
      while (!out.includes('probes') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(out).toContain(`probes    ${base}/healthz, ${base}/readyz, ${base}/metrics`);
      expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ status: 'ok' });
      const ready = await fetch(`${base}/readyz`);
      expect([ready.status, ((await ready.json()) as any).checks.map((c: any) => [c.name, c.ok])]).toEqual([200, [['database', true], ['queue', true], ['worker', true]]]);
      expect((await fetch(`${base}/metrics`)).status).toBe(401);
      const metricsText = await (await fetch(`${base}/metrics`, { headers: { authorization: 'Bearer a-token-of-sixteen-chars' } })).text();
      expect(metricsText).toContain('ferry_queue_depth{queue="integration-sync"}');

      // Wait for the run to be under way, then SIGTERM: not ready at once, the run finishes, the process exits.
      while (Object.values(emulator.controls.counters().apiCalls).reduce((a, b) => a + b, 0) < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      const stoppedAt = Date.now();
      worker.kill('SIGTERM');
      const seen: (number | string)[] = [];
      while (!seen.includes(503) && Date.now() - stoppedAt < 5000) {
        const res = await fetch(`${base}/readyz`).catch((error: unknown) => String(error));
        seen.push(typeof res === 'string' ? res : res.status);
        if (typeof res === 'string') break;
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(seen, out).toContain(503);
      expect(await exited).toBe(0);
      // The run ends after the batch of 200 it is on (a call of 700 ms), not the whole sync.
      expect(Date.now() - stoppedAt).toBeLessThan(5_000);
      emulator.controls.setLatency({ fixedMs: 0, perRecordMs: 0 });

      const again = await startFerry(env);
      try {
        // What the stopped worker left is continued, from where it got to, by the next worker.
        const runs = await (async () => {
          for (;;) {
            const list = (await fetch(`${again.url}/api/v1/runs?integrationId=${integration.id}&limit=50`, { headers: { authorization: `Bearer ${KEY}` } }).then((r) => r.json() as Promise<any>)).data as any[];
            if (list.reduce((n, r) => n + r.counts.created, 0) >= 2000 && list.every((r) => r.status === 'COMPLETE')) return list.reverse();
            if (Date.now() - stoppedAt > 60_000) throw new Error(`runs did not finish: ${JSON.stringify(list.map((r) => [r.status, r.counts.created, r.continuedFrom]))}`);
            await new Promise((r) => setTimeout(r, 100));
          }
        })();
        expect(runs.length).toBeGreaterThanOrEqual(2);
        expect(runs[0].counts.created).toBeLessThan(2000);
        for (let i = 1; i < runs.length; i++) expect(runs[i].continuedFrom).toBe(runs[i - 1].id);
        expect(runs.reduce((n: number, r: any) => n + r.counts.sent, 0)).toBe(2000);
      } finally {
        expect(await again.stop()).toBe(0);
      }
    } finally {
      await emulator.stop();
    }
  }, 120_000);
});
