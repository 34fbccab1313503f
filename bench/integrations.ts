// Benchmark for the integration engine (issue 4): a whole Ferry in-process (PGlite, engine, HTTP
// API) against the emulated Salesforce org with its latency model on.
//   npm run bench:integrations                                   (10,000 accounts, 10,000 bills)
//   npm run bench:integrations -- --accounts 500 --bills 500 --seconds 5
// Scenarios:
//   collections  accounts + bills (5 line items) through sObject Collections (bulkThreshold 10,000,000, the maximum)
//   bulk         the same data with the default bulkThreshold (Bulk API 2.0 above it)
//   idle         an incremental run with nothing to do: API calls and duration
//   latency      change-to-Salesforce latency at --rate account changes a second
// Every figure is measured in one run; compare ratios, not absolute times (shared, noisy machine).
import { parseArgs } from 'node:util';
import type { Counters } from '../src/emulator/index.ts';
import type { TestFerry } from '../test/ferry.ts';
import { oauthLogin } from '../test/emulator/support.ts';
import { memorySampler, mib, printTable, saveResults, sampleBill, startBenchFerry } from './lib.ts';

const { values } = parseArgs({
  options: {
    accounts: { type: 'string', default: '10000' },
    bills: { type: 'string', default: '10000' },
    latency: { type: 'string', default: '150' },
    rate: { type: 'string', default: '100' },
    seconds: { type: 'string', default: '15' },
    scenarios: { type: 'string', default: 'collections,bulk,idle,latency' },
    timeout: { type: 'string', default: '900' },
    stores: { type: 'string', default: 'pglite,postgres' },
  },
});
const ACCOUNTS = Number(values.accounts);
const BILLS = Number(values.bills);
const LATENCY_MS = Number(values.latency);
const RATE = Number(values.rate);
const SECONDS = Number(values.seconds);
const SCENARIOS = new Set(values.scenarios.split(','));
const STORES = values.stores.split(',');
const SETTLE_TIMEOUT_MS = Number(values.timeout) * 1000;
const LINES = 5;
const BATCH = 1000;

const results: Record<string, unknown> = {
  parameters: { accounts: ACCOUNTS, bills: BILLS, lineItemsPerBill: LINES, latencyMs: LATENCY_MS, rate: RATE, seconds: SECONDS, stores: STORES },
};

async function must(ferry: TestFerry, method: string, path: string, body?: unknown, status = [200, 201, 202]): Promise<any> {
  const res = await ferry.call(method, path, body);
  if (!status.includes(res.status)) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

async function loadAccounts(ferry: TestFerry, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let start = 0; start < count; start += BATCH) {
    const items = Array.from({ length: Math.min(BATCH, count - start) }, (_, i) => ({ code: `ACC-${start + i}`, name: `Account ${start + i}`, currency: 'USD' }));
    const result = await must(ferry, 'POST', '/api/v1/accounts/bulk', { items });
    if (result.summary.failed > 0) throw new Error(JSON.stringify(result.results.find((r: any) => r.error)));
    for (const r of result.results) ids.push(r.id);
  }
  return ids;
}

async function loadBills(ferry: TestFerry, accountIds: string[], count: number): Promise<void> {
  for (let start = 0; start < count; start += BATCH) {
    const items = Array.from({ length: Math.min(BATCH, count - start) }, (_, i) => sampleBill(accountIds[(start + i) % accountIds.length]!, start + i));
    const result = await must(ferry, 'POST', '/api/v1/bills/bulk', { items });
    if (result.summary.failed > 0) throw new Error(JSON.stringify(result.results.find((r: any) => r.error)));
  }
}

/** A whole Ferry on the given store (PGlite in memory, or a fresh embedded Postgres server). */
function startFerry(store: string): Promise<TestFerry> {
  return startBenchFerry(store, { clientOptions: { timeoutMs: 600_000, backoffMs: 200 } });
}

const totalCalls = (c: Counters) => Object.values(c.apiCalls).reduce((a, b) => a + b, 0);
const byKind = (c: Counters) => Object.entries(c.apiCalls).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`).join(', ');

async function createIntegration(ferry: TestFerry, credentialId: string, entityType: 'Account' | 'Bill', bulkThreshold: number, onChange: boolean): Promise<any> {
  return must(ferry, 'POST', '/api/v1/integrations', { name: `${entityType} bench`, entityType, credentialId, delivery: { bulkThreshold }, trigger: { onChange } });
}

async function pages(ferry: TestFerry, path: string): Promise<any[]> {
  const all: any[] = [];
  let before: string | undefined;
  for (;;) {
    const body = await must(ferry, 'GET', `${path}&limit=1000${before ? `&before=${before}` : ''}`);
    all.push(...body.data);
    if (body.data.length < 1000) return all;
    before = body.data[body.data.length - 1].id;
  }
}

const runsOf = (ferry: TestFerry, integrationId: string) => pages(ferry, `/api/v1/runs?integrationId=${integrationId}`);
const requestLogsOf = (ferry: TestFerry, runId: string) => pages(ferry, `/api/v1/request-logs?runId=${runId}`);

/** Triggers an incremental run and waits for it to finish; returns the run. */
async function syncAndWait(ferry: TestFerry, integrationId: string, mode: 'incremental' | 'full' = 'incremental'): Promise<any> {
  const run = await must(ferry, 'POST', `/api/v1/integrations/${integrationId}/sync`, { mode });
  await ferry.settle(integrationId, SETTLE_TIMEOUT_MS);
  return ferry.eventually(async () => {
    const r = await must(ferry, 'GET', `/api/v1/runs/${run.id}`);
    return ['WAITING', 'STARTED'].includes(r.status) ? undefined : r;
  }, SETTLE_TIMEOUT_MS);
}

const runSeconds = (run: any) => (run.startedAt && run.finishedAt ? (Date.parse(run.finishedAt) - Date.parse(run.startedAt)) / 1000 : NaN);

/** Scenarios 1 and 2: the whole data set, delivered by two incremental runs (accounts, then bills). */
async function delivery(store: string, path: string, bulkThreshold: number, idle: boolean) {
  const name = `${path}/${store}`;
  const ferry = await startFerry(store);
  const memory = memorySampler();
  try {
    const credential = await ferry.credential();
    // Created before the data (onChange off), so the runs read the journal like everyday delivery.
    const accountIntegration = await createIntegration(ferry, credential.id, 'Account', bulkThreshold, false);
    const billIntegration = await createIntegration(ferry, credential.id, 'Bill', bulkThreshold, false);
    let t = performance.now();
    const accountIds = await loadAccounts(ferry, ACCOUNTS);
    await loadBills(ferry, accountIds, BILLS);
    const loadSeconds = (performance.now() - t) / 1000;
    console.log(`[${name}] loaded ${ACCOUNTS} accounts and ${BILLS} bills into Ferry in ${loadSeconds.toFixed(1)} s`);

    ferry.emulator.controls.setLatency({ fixedMs: LATENCY_MS, perRecordMs: 0 });
    const rows: Record<string, string | number>[] = [];
    const phases: Record<string, unknown>[] = [];
    let totals = { calls: 0, records: 0, seconds: 0 };
    for (const [label, integration, expected] of [
      ['accounts', accountIntegration, ACCOUNTS],
      ['bills + line items', billIntegration, BILLS * (1 + LINES)],
    ] as const) {
      ferry.emulator.controls.resetCounters();
      memory.reset();
      t = performance.now();
      const run = await syncAndWait(ferry, integration.id);
      const wall = (performance.now() - t) / 1000;
      const counters = ferry.emulator.controls.counters();
      const calls = totalCalls(counters);
      const logs = await requestLogsOf(ferry, run.id);
      const logged = logs.length;
      const least = (calls * LATENCY_MS) / 1000;
      if (counters.recordsWritten !== expected) console.warn(`[${name}] ${label}: expected ${expected} records written, emulator counted ${counters.recordsWritten}`);
      if (run.status !== 'COMPLETE') console.warn(`[${name}] ${label}: run ended ${run.status} ${JSON.stringify(run.error)} counts ${JSON.stringify(run.counts ?? run)}`);
      totals = { calls: totals.calls + calls, records: totals.records + counters.recordsWritten, seconds: totals.seconds + wall };
      const row = {
        phase: label,
        'SF records': counters.recordsWritten,
        'API calls': calls,
        'calls/1k rec': ((calls * 1000) / Math.max(1, counters.recordsWritten)).toFixed(2),
        'wall s': wall.toFixed(1),
        'run s': runSeconds(run).toFixed(1),
        'least s': least.toFixed(1),
        'wall/least': (wall / least).toFixed(2),
        'peak RSS': mib(memory.peak()),
      };
      rows.push(row);
      phases.push({ ...row, status: run.status, counts: run.counts, calls: counters.apiCalls, requestLogs: logged, operations: tally(logs.map((l) => `${l.operation}${l.object ? ` ${l.object}` : ''}`)), fromSeq: run.fromSeq, toSeq: run.toSeq });
      console.log(`[${name}] ${label}: ${byKind(counters)}`);
    }
    const least = (totals.calls * LATENCY_MS) / 1000;
    rows.push({
      phase: 'total',
      'SF records': totals.records,
      'API calls': totals.calls,
      'calls/1k rec': ((totals.calls * 1000) / Math.max(1, totals.records)).toFixed(2),
      'wall s': totals.seconds.toFixed(1),
      'run s': '',
      'least s': least.toFixed(1),
      'wall/least': (totals.seconds / least).toFixed(2),
      'peak RSS': '',
    });
    printTable(`${name}: bulkThreshold ${bulkThreshold}, ${LATENCY_MS} ms a call (target ≤ 5.2 calls per 1,000 records)`, rows);
    results[name] = { bulkThreshold, loadSeconds, phases, total: rows[rows.length - 1] };

    if (idle) {
      // Scenario 3: nothing changed since the last run.
      const idleRows: Record<string, string | number>[] = [];
      const idleResults: unknown[] = [];
      // Warm: the worker holds a session already. Cold: as after a restart, it must sign in first.
      for (const [label, integration, cold] of [['Account', accountIntegration, false], ['Bill', billIntegration, false], ['Account (cold session)', accountIntegration, true]] as const) {
        if (cold) ferry.engine.credentials.forget(credential.id);
        ferry.emulator.controls.resetCounters();
        const t0 = performance.now();
        const run = await syncAndWait(ferry, integration.id);
        const wall = (performance.now() - t0) / 1000;
        const counters = ferry.emulator.controls.counters();
        const logs = await requestLogsOf(ferry, run.id);
        const row = { integration: label, status: run.status, 'API calls': totalCalls(counters), 'by kind': byKind(counters) || '-', 'logged calls': logs.length, 'run ms': Math.round(runSeconds(run) * 1000), 'request+settle ms': Math.round(wall * 1000) };
        idleRows.push(row);
        idleResults.push({ ...row, operations: logs.map((l) => l.operation) });
      }
      printTable(`idle/${store}: incremental run with nothing to do (target ≤ 1 API call), ${LATENCY_MS} ms a call`, idleRows);
      results[`idle/${store}`] = idleResults;
    }
  } finally {
    memory.stop();
    await ferry.stop();
  }
}

function tally(items: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of items) out[item] = (out[item] ?? 0) + 1;
  return out;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** Scenario 4: RATE account changes a second through the API; when does each reach Salesforce? */
async function changeLatency(store: string) {
  const changes = RATE * SECONDS;
  const accounts = Math.max(changes, Math.min(ACCOUNTS, changes * 2));
  const ferry = await startFerry(store);
  try {
    const credential = await ferry.credential();
    const integration = await createIntegration(ferry, credential.id, 'Account', 2000, true);
    const ids = await loadAccounts(ferry, accounts);
    await ferry.settle(integration.id, SETTLE_TIMEOUT_MS);
    ferry.emulator.controls.setLatency({ fixedMs: LATENCY_MS, perRecordMs: 0 });
    ferry.emulator.controls.resetCounters();
    const runsBefore = new Set((await runsOf(ferry, integration.id)).map((r) => r.id));

    // Open loop: change i is sent at start + i/RATE seconds, whether or not earlier ones returned.
    // Each change renames a different account, so its Salesforce LastModifiedDate is the moment
    // that change became visible there (the emulator is in this process: same clock).
    const sent: number[] = new Array(changes);
    const acked: number[] = new Array(changes);
    const failures: string[] = [];
    const start = Date.now();
    const inflight: Promise<void>[] = [];
    let next = 0;
    await new Promise<void>((resolve) => {
      const pump = () => {
        const due = Math.min(changes, Math.floor(((Date.now() - start) * RATE) / 1000) + 1);
        for (; next < due; next++) {
          const i = next;
          sent[i] = Date.now();
          inflight.push(
            ferry.call('PATCH', `/api/v1/accounts/${ids[i]}`, { name: `Changed ${i}` }).then((res) => {
              acked[i] = Date.now();
              if (res.status !== 200) failures.push(`${i}: ${res.status} ${JSON.stringify(res.body)}`);
            }),
          );
        }
        if (next >= changes) resolve();
        else setTimeout(pump, 2);
      };
      pump();
    });
    await Promise.all(inflight);
    const sendSeconds = (Date.now() - start) / 1000;
    await ferry.settle(integration.id, SETTLE_TIMEOUT_MS);
    const counters = ferry.emulator.controls.counters();
    const runs = (await runsOf(ferry, integration.id)).filter((r) => !runsBefore.has(r.id));

    ferry.emulator.controls.setLatency({ fixedMs: 0, perRecordMs: 0 });
    const conn = await oauthLogin(ferry.emulator);
    const found = await conn.query<{ Ferry_Id__c: string; Name: string; LastModifiedDate: string }>(
      "SELECT Ferry_Id__c, Name, LastModifiedDate FROM Account WHERE Name LIKE 'Changed %'",
      { autoFetch: true, maxFetch: 1_000_000 },
    );
    const byFerryId = new Map(found.records.map((r) => [r.Ferry_Id__c, r]));
    const visible: number[] = [];
    const sentToVisible: number[] = [];
    let missing = 0;
    let stale = 0;
    for (let i = 0; i < changes; i++) {
      const record = byFerryId.get(ids[i]!);
      if (record === undefined) {
        missing++;
        continue;
      }
      if (record.Name !== `Changed ${i}`) stale++;
      const at = Date.parse(record.LastModifiedDate.replace('+0000', 'Z'));
      visible.push(at - acked[i]!);
      sentToVisible.push(at - sent[i]!);
    }
    visible.sort((a, b) => a - b);
    sentToVisible.sort((a, b) => a - b);
    const apiResponse = acked.map((a, i) => a - sent[i]!).sort((a, b) => a - b);
    // The emulator writes the record, then waits out its latency before answering: Ferry learns of
    // the write LATENCY_MS later. "acknowledged" adds that wait: the conservative figure.
    const ack = visible.map((v) => v + LATENCY_MS);
    const row = (label: string, xs: number[]) => ({ measure: label, n: xs.length, p50: percentile(xs, 50), p95: percentile(xs, 95), p99: percentile(xs, 99), max: xs[xs.length - 1] ?? NaN, mean: Math.round(xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length)) });
    const rows = [
      row('Ferry API PATCH response ms', apiResponse),
      row('sent → visible in SF ms', sentToVisible),
      row('response → visible in SF ms', visible),
      row(`response → SF answered ms (+${LATENCY_MS})`, ack),
    ];
    printTable(`latency/${store}: ${changes} account changes at ${RATE}/s (last answered after ${sendSeconds.toFixed(1)} s), ${LATENCY_MS} ms a call (target p99 < 1000 ms)`, rows);
    const calls = totalCalls(counters);
    const summary = {
      changes,
      'achieved PATCH/s': (changes / ((Math.max(...acked) - start) / 1000)).toFixed(1),
      'delivered': changes - missing,
      missing,
      'stale name': stale,
      'failed PATCHes': failures.length,
      runs: runs.length,
      'API calls': calls,
      'by kind': byKind(counters),
      'changes/run': (changes / Math.max(1, runs.length)).toFixed(1),
      'calls/1k changes': ((calls * 1000) / changes).toFixed(1),
    };
    printTable(`latency/${store}: delivery summary`, [summary]);
    if (failures.length > 0) console.warn(`failed PATCHes (first 5): ${failures.slice(0, 5).join('; ')}`);
    const runDurations = runs.map((r) => Math.round(runSeconds(r) * 1000)).sort((a, b) => a - b);
    // Where the time goes: each run's start after the previous one finished, its duration, its size.
    const ordered = [...runs].sort((a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt));
    const timeline = ordered.map((r, i) => ({
      startMs: Date.parse(r.startedAt) - start,
      gapAfterPreviousMs: i === 0 ? null : Date.parse(r.startedAt) - Date.parse(ordered[i - 1].finishedAt),
      durationMs: Date.parse(r.finishedAt) - Date.parse(r.startedAt),
      sent: r.counts.sent,
      status: r.status,
      error: r.error,
    }));
    // Every Salesforce call of these runs, for runs slower than one call should take.
    const slowRuns: unknown[] = [];
    for (const r of ordered) {
      if (Date.parse(r.finishedAt) - Date.parse(r.startedAt) < 3 * LATENCY_MS + 300) continue;
      const logs = await requestLogsOf(ferry, r.id);
      slowRuns.push({ id: r.id, durationMs: Date.parse(r.finishedAt) - Date.parse(r.startedAt), sent: r.counts.sent, calls: logs.map((l) => ({ operation: l.operation, records: l.records, status: l.status, durationMs: l.durationMs, error: l.error?.errorCode ?? null, at: l.createdAt })) });
    }
    const gaps = timeline.flatMap((t) => (t.gapAfterPreviousMs === null ? [] : [t.gapAfterPreviousMs])).sort((a, b) => a - b);
    const durations = timeline.map((t) => t.durationMs).sort((a, b) => a - b);
    printTable(`latency/${store}: runs (ms)`, [
      { measure: 'run duration', n: durations.length, p50: percentile(durations, 50), p99: percentile(durations, 99), max: durations.at(-1) ?? NaN },
      { measure: 'idle gap between runs', n: gaps.length, p50: percentile(gaps, 50), p99: percentile(gaps, 99), max: gaps.at(-1) ?? NaN },
    ]);
    results[`latency/${store}`] = { rows, summary, timeline, slowRuns, runDurationsMs: { p50: percentile(runDurations, 50), p99: percentile(runDurations, 99), max: runDurations.at(-1) }, runStatuses: tally(runs.map((r) => r.status)), runSizes: runs.map((r) => r.counts?.sent ?? r.sent ?? null) };
  } finally {
    await ferry.stop();
  }
}

const started = performance.now();
for (const store of STORES) {
  if (SCENARIOS.has('collections')) await delivery(store, 'collections', 10_000_000, SCENARIOS.has('idle'));
  if (SCENARIOS.has('bulk')) await delivery(store, 'bulk', 2000, false);
  if (SCENARIOS.has('latency')) await changeLatency(store);
}
results.totalSeconds = Math.round((performance.now() - started) / 1000);
console.log(`\nsaved ${saveResults('integrations', results)} (${String(results.totalSeconds)} s)`);
process.exit(0);
