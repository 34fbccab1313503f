// Two-way sync, measured against an emulated org in a process of its own with its latency model
// on (--latency ms a call, default 150):
//   npm run bench:incoming                       (100 changes a second for 20 s, 20 round trips, 120 s idle)
//   npm run bench:incoming -- --rate 50 --seconds 10 --round-trips 10 --idle 30
//   npm run bench:incoming -- --phases load --load 100000   (the initial load alone)
//   npm run bench:incoming -- --phases load --store postgres (Ferry on a Postgres server: its RSS without the database)
// - Salesforce-change-to-Ferry latency: a Salesforce user (a session of its own) changes
//   BillingCity on the accounts at --rate a second; each change's latency runs from the moment
//   Salesforce answered the update (the change is committed) to the commit of the Ferry record
//   holding the value (records.updated_at). Once by change events (CDC), once by polling at its
//   shortest interval (5 s).
// - Round trip: a change made through Ferry's API reaches Salesforce (on-change delivery), then
//   the Salesforce user edits another field of that record and it reaches Ferry.
// - Idle: the API calls each reader's integration makes while nothing changes (Ferry's request
//   log, and the org's own count of counted calls), scaled to an hour.
// - Initial load: --load accounts made in Salesforce (seeded in the org) read into Ferry by an
//   incoming_full run (Bulk API 2.0 query), with the run's wall time, records a second, and the
//   peak RSS of this process (Ferry and the bench, and with --store pglite the in-memory database
//   too, which grows with what it holds; the org is another process).
import { parseArgs } from 'node:util';
import jsforce from 'jsforce';
import type { TestFerry } from '../test/ferry.ts';
import { eventually } from '../test/wait.ts';
import { startRemoteOrg } from './baseline/remote-org.ts';
import { memorySampler, mib, must, printTable, saveResults, startBenchFerry } from './lib.ts';

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '100' },
    seconds: { type: 'string', default: '20' },
    records: { type: 'string', default: '500' },
    latency: { type: 'string', default: '150' },
    'round-trips': { type: 'string', default: '20' },
    idle: { type: 'string', default: '120' },
    load: { type: 'string', default: '100000' },
    phases: { type: 'string', default: 'latency,trips,idle,load' },
    store: { type: 'string', default: 'pglite' },
  },
});
const LOAD = Number(values.load);
const STORE = values.store;
if (STORE !== 'pglite' && STORE !== 'postgres') throw new Error('--store is pglite or postgres');
const PHASES = new Set(values.phases.split(','));
const RATE = Number(values.rate);
const SECONDS = Number(values.seconds);
const RECORDS = Number(values.records);
const LATENCY = Number(values.latency);
const ROUND_TRIPS = Number(values['round-trips']);
const IDLE_SECONDS = Number(values.idle);

const RULES = [
  { ferry: 'name', salesforce: 'Name', direction: 'both' },
  { ferry: 'code', salesforce: 'AccountNumber' },
  { ferry: 'address.locality', salesforce: 'BillingCity', direction: 'both' },
];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const percentile = (sorted: number[], p: number) => sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
const ms = (n: number) => Number.isFinite(n) ? `${Math.round(n)} ms` : 'n/a';

/** Polls `check` until it answers; a failed check (a busy process dropping a kept-alive socket) is tried again. */
function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 120_000, everyMs = 50): Promise<T> {
  return eventually(check, { what, timeoutMs, everyMs });
}

/** Ferry on in-memory PGlite (its database in this process's RSS), or on a Postgres server of its own. */
function startFerry(): Promise<TestFerry> {
  return startBenchFerry(STORE, { incomingCheckMs: 1000, clientOptions: { timeoutMs: 60_000 } });
}

async function main(): Promise<void> {
  const org = await startRemoteOrg();
  const ferry = await startFerry();
  try {
    await org.control('PUT', '/latency', { fixedMs: LATENCY, perRecordMs: 0 });
    const credential = await ferry.credential({ loginUrl: org.loginUrl });
    await org.control('POST', '/users', { username: 'rep@ferry.bench', lastName: 'Rep' });
    const session = await org.control('POST', '/sessions', { username: 'rep@ferry.bench' });
    const rep = new jsforce.Connection({ instanceUrl: org.url, accessToken: session.accessToken, version: '60.0' });

    // The accounts, delivered once by a one-way integration (which then steps aside).
    const accountIds: string[] = [];
    for (let i = 0; i < RECORDS; i += 100) {
      const batch = Array.from({ length: Math.min(100, RECORDS - i) }, (_, j) => ({ code: `IN-${i + j}`, name: `Account ${i + j}`, currency: 'USD', address: { line1: '1 Quay', locality: 'Leeds', country: 'GB' } }));
      const created = await Promise.all(batch.map((a) => must(ferry, 'POST', '/api/v1/accounts', a)));
      accountIds.push(...created.map((a: { id: string }) => a.id));
    }
    const loader = await must(ferry, 'POST', '/api/v1/integrations', { name: 'Loader', entityType: 'Account', credentialId: credential.id, trigger: { onChange: false } });
    const loaded = await must(ferry, 'POST', `/api/v1/integrations/${loader.id}/sync`, { mode: 'full' });
    await waitFor('the first delivery', async () => {
      const run = await must(ferry, 'GET', `/api/v1/runs/${loaded.id}`);
      return run.status === 'COMPLETE' ? run : undefined;
    });
    await must(ferry, 'POST', `/api/v1/integrations/${loader.id}/disable`);
    const rows = (await rep.query<{ Id: string; Ferry_Id__c: string }>('SELECT Id, Ferry_Id__c FROM Account WHERE Ferry_Id__c != null', { autoFetch: true, maxFetch: 1_000_000 })).records;
    const sfIds = rows.map((r) => r.Id);
    if (sfIds.length !== RECORDS) throw new Error(`expected ${RECORDS} accounts in the org, found ${sfIds.length}`);

    const reader = async (name: string, sync: Record<string, unknown>, onChange = false): Promise<string> => {
      const integration = await must(ferry, 'POST', '/api/v1/integrations', { name, entityType: 'Account', trigger: { onChange }, sync: { direction: 'both', ...sync } });
      await must(ferry, 'PUT', `/api/v1/integrations/${integration.id}/mapping`, { rules: RULES });
      await must(ferry, 'POST', `/api/v1/integrations/${integration.id}/connect`, { credentialId: credential.id });
      await waitFor(`${name} to be reading`, async () => {
        const status = await must(ferry, 'GET', `/api/v1/integrations/${integration.id}/incoming`);
        const ready = status.reader === 'cdc' ? status.streamConnectedAt !== null && status.rereading === null : status.lastReadAt !== null;
        return ready ? status : undefined;
      });
      return integration.id;
    };

    /** Salesforce changes at RATE a second; each one's latency to Ferry. */
    const changeLatency = async (label: string, integrationId: string): Promise<Record<string, string | number>> => {
      const total = RATE * SECONDS;
      const committed = new Map<string, number>();
      const observed = new Map<string, number>();
      const countersBefore = await org.control('GET', '/counters');
      const since = new Date();
      let polling = true;
      const poller = (async () => {
        while (polling) {
          const found = await ferry.db.query<{ v: string; at: string }>(
            "SELECT data->'address'->>'locality' AS v, (extract(epoch FROM updated_at) * 1000)::text AS at FROM records WHERE org_id = $1 AND entity = 'accounts' AND updated_at >= $2",
            [ferry.orgId, since],
          );
          for (const row of found) if (row.v.startsWith(`${label}-`) && !observed.has(row.v)) observed.set(row.v, Number(row.at));
          await sleep(25);
        }
      })();
      const start = performance.now();
      const writes: Promise<void>[] = [];
      for (let i = 0; i < total; i++) {
        const due = start + (i * 1000) / RATE;
        const wait = due - performance.now();
        if (wait > 0) await sleep(wait);
        const value = `${label}-${i}`;
        writes.push(rep.sobject('Account').update({ Id: sfIds[i % sfIds.length]!, BillingCity: value }).then(() => {
          committed.set(value, Date.now());
        }));
      }
      await Promise.all(writes);
      const sendSeconds = (performance.now() - start) / 1000;
      // A value overwritten by a later change of the same record before Ferry read it is never seen;
      // with RECORDS records and RATE a second that needs RECORDS / RATE seconds between two changes.
      const settleBy = Date.now() + 60_000;
      while (observed.size < total && Date.now() < settleBy) await sleep(100);
      polling = false;
      await poller;
      const latencies = [...committed].flatMap(([value, at]) => (observed.has(value) ? [Math.max(0, observed.get(value)! - at)] : [])).sort((a, b) => a - b);
      const countersAfter = await org.control('GET', '/counters');
      return {
        reader: label,
        changes: total,
        'sent at (/s)': (total / sendSeconds).toFixed(0),
        'in Ferry': latencies.length,
        p50: ms(percentile(latencies, 50)),
        p99: ms(percentile(latencies, 99)),
        max: ms(latencies.at(-1) ?? NaN),
        'org API calls (all clients)': countersAfter.apiUsed - countersBefore.apiUsed,
        integration: integrationId,
      };
    };

    type Row = Record<string, string | number>;
    let latencyRows: Row[] = [];
    let tripRows: Row[] = [];
    let idleRows: Row[] = [];
    let loadRows: Row[] = [];
    if (PHASES.has('latency')) {
    const cdc = await reader('CDC reader', { reader: 'auto' });
    const cdcRow = await changeLatency('cdc', cdc);
    await must(ferry, 'POST', `/api/v1/integrations/${cdc}/disable`);
    const polled = await reader('Polling reader', { reader: 'polling', pollIntervalSeconds: 5 });
    const pollRow = await changeLatency('polling', polled);
    await must(ferry, 'POST', `/api/v1/integrations/${polled}/disable`);
    latencyRows = [cdcRow, pollRow].map(({ integration: _, ...row }) => row);
    printTable(`Salesforce change to Ferry, ${RATE} changes a second for ${SECONDS} s over ${RECORDS} accounts, ${LATENCY} ms a call`, latencyRows);
    }

    // Round trips through one integration that sends on change and reads by change events.
    if (PHASES.has('trips')) {
    const twoWay = await reader('Round trips', { reader: 'auto' }, true);
    const trips: { out: number; back: number }[] = [];
    for (let i = 0; i < ROUND_TRIPS; i++) {
      const record = { id: accountIds[i % accountIds.length]! };
      const name = `Trip ${i}`;
      const t0 = Date.now();
      await must(ferry, 'PATCH', `/api/v1/accounts/${record.id}`, { name });
      const sf = await waitFor('the change in Salesforce', async () => {
        const [row] = (await rep.query<{ Id: string; Name: string }>(`SELECT Id, Name FROM Account WHERE Ferry_Id__c = '${record.id}'`)).records;
        return row?.Name === name ? row : undefined;
      }, 60_000, 20);
      const t1 = Date.now();
      const city = `Trip city ${i}`;
      await rep.sobject('Account').update({ Id: sf.Id, BillingCity: city });
      const t2 = Date.now();
      await waitFor('the edit in Ferry', async () => {
        const [row] = await ferry.db.query<{ v: string }>("SELECT data->'address'->>'locality' AS v FROM records WHERE org_id = $1 AND entity = 'accounts' AND id = $2", [ferry.orgId, record.id]);
        return row?.v === city ? true : undefined;
      }, 60_000, 10);
      trips.push({ out: t1 - t0, back: Date.now() - t2 });
    }
    // No ping-pong: once the last trip is in, nothing more moves for 5 s.
    const quietSince = new Date();
    await sleep(5000);
    const [moves] = await ferry.db.query<{ n: number }>("SELECT count(*)::int AS n FROM sync_log WHERE org_id = $1 AND integration_id = $2 AND at > $3 AND outcome IN ('applied', 'conflict')", [ferry.orgId, twoWay, quietSince]);
    const outs = trips.map((t) => t.out).sort((a, b) => a - b);
    const backs = trips.map((t) => t.back).sort((a, b) => a - b);
    const totals = trips.map((t) => t.out + t.back).sort((a, b) => a - b);
    tripRows = [{
      trips: trips.length,
      'Ferry to Salesforce p50 / p99 (seen by polling the org)': `${ms(percentile(outs, 50))} / ${ms(percentile(outs, 99))}`,
      'Salesforce to Ferry p50 / p99': `${ms(percentile(backs, 50))} / ${ms(percentile(backs, 99))}`,
      'round trip p50 / p99': `${ms(percentile(totals, 50))} / ${ms(percentile(totals, 99))}`,
      'changes applied in the 5 s after': moves!.n,
    }];
    printTable('Round trips (Ferry API edit -> Salesforce -> a Salesforce user edits back -> Ferry)', tripRows);
    await must(ferry, 'POST', `/api/v1/integrations/${twoWay}/disable`);
    }

    // Idle: a CDC reader and a polling reader at the default interval, side by side, nothing changing.
    if (PHASES.has('idle')) {
    const idleCdc = await reader('Idle CDC', { reader: 'auto' });
    const idlePoll = await reader('Idle polling', { reader: 'polling', pollIntervalSeconds: 60 });
    await sleep(2000);
    const idleStart = new Date();
    const orgBefore = await org.control('GET', '/counters');
    await sleep(IDLE_SECONDS * 1000);
    const orgAfter = await org.control('GET', '/counters');
    const callsOf = async (integrationId: string) => {
      const [row] = await ferry.db.query<{ n: number }>('SELECT count(*)::int AS n FROM request_logs WHERE org_id = $1 AND integration_id = $2 AND created_at >= $3', [ferry.orgId, integrationId, idleStart]);
      return row!.n;
    };
    const perHour = (n: number) => ((n * 3600) / IDLE_SECONDS).toFixed(0);
    const [cdcCalls, pollCalls] = [await callsOf(idleCdc), await callsOf(idlePoll)];
    idleRows = [
      { reader: 'CDC', [`API calls in ${IDLE_SECONDS} s`]: cdcCalls, 'per hour': perHour(cdcCalls) },
      { reader: 'polling, every 60 s', [`API calls in ${IDLE_SECONDS} s`]: pollCalls, 'per hour': perHour(pollCalls) },
      { reader: 'the org counted (both)', [`API calls in ${IDLE_SECONDS} s`]: orgAfter.apiUsed - orgBefore.apiUsed, 'per hour': perHour(orgAfter.apiUsed - orgBefore.apiUsed) },
    ];
    printTable('Idle (no change anywhere): API calls', idleRows);
    await must(ferry, 'POST', `/api/v1/integrations/${idleCdc}/disable`);
    await must(ferry, 'POST', `/api/v1/integrations/${idlePoll}/disable`);
    }

    // The initial load: accounts made in Salesforce, read into Ferry in one incoming_full run.
    if (PHASES.has('load')) {
      for (let i = 0; i < LOAD; i += 10_000) {
        const batch = Array.from({ length: Math.min(10_000, LOAD - i) }, (_, j) => ({ attributes: { type: 'Account' }, Name: `Loaded ${i + j}`, AccountNumber: `LOAD-${i + j}`, BillingCity: 'Truro', Ferry_Sync__c: true }));
        const seeded = (await org.control('POST', '/seed', { records: batch })) as { results: { success: boolean }[] };
        if (!seeded.results.every((r) => r.success)) throw new Error('seeding the org failed');
      }
      const integration = await must(ferry, 'POST', '/api/v1/integrations', { name: 'Initial load', entityType: 'Account', trigger: { onChange: false }, sync: { direction: 'from_salesforce', reader: 'polling', pollIntervalSeconds: 86_400 } });
      await must(ferry, 'PUT', `/api/v1/integrations/${integration.id}/mapping`, { rules: [{ ferry: 'name', salesforce: 'Name', direction: 'both' }, { ferry: 'code', salesforce: 'AccountNumber', direction: 'both' }, { ferry: 'address.locality', salesforce: 'BillingCity', direction: 'both' }] });
      await must(ferry, 'POST', `/api/v1/integrations/${integration.id}/connect`, { credentialId: credential.id });
      const memory = memorySampler();
      const before = process.memoryUsage().rss;
      memory.reset();
      const started = performance.now();
      const run = await must(ferry, 'POST', `/api/v1/integrations/${integration.id}/sync`, { mode: 'incoming_full' });
      const done = await waitFor('the initial load', async () => {
        const view = await must(ferry, 'GET', `/api/v1/runs/${run.id}`);
        return view.status === 'WAITING' || view.status === 'STARTED' ? undefined : view;
      }, 3_600_000, 500);
      const seconds = (performance.now() - started) / 1000;
      memory.stop();
      if (done.status !== 'COMPLETE') console.error(`the initial load ended ${done.status}:`, JSON.stringify(done, null, 2));
      const [loaded] = await ferry.db.query<{ n: number }>("SELECT count(*)::int AS n FROM records WHERE org_id = $1 AND entity = 'accounts' AND key LIKE 'LOAD-%'", [ferry.orgId]);
      const calls = await ferry.db.query<{ operation: string; n: number }>('SELECT operation, count(*)::int AS n FROM request_logs WHERE org_id = $1 AND run_id = $2 GROUP BY operation ORDER BY operation', [ferry.orgId, run.id]);
      loadRows = [{
        records: LOAD,
        'in Ferry': loaded!.n,
        status: done.status,
        'wall time': `${seconds.toFixed(1)} s`,
        'records/s': (LOAD / seconds).toFixed(0),
        'RSS before': mib(before),
        'peak RSS': mib(memory.peak()),
        'API calls': calls.map((c) => `${c.operation} ${c.n}`).join(', '),
      }];
      printTable(`Initial load from Salesforce (incoming_full, Bulk API 2.0 query), ${STORE === 'pglite' ? 'PGlite in memory (the database is in this RSS)' : 'Postgres (a server process of its own)'}, ${LATENCY} ms a call`, loadRows);
    }

    // A load of another size than the default is saved beside it, not over it.
    const sized = PHASES.size === 1 && PHASES.has('load') && LOAD !== 100_000 ? `-${LOAD}` : '';
    const file = saveResults(`${PHASES.size === 1 ? `incoming-${[...PHASES][0]}` : 'incoming'}${sized}${STORE === 'postgres' ? '-postgres' : ''}`, { store: STORE, rate: RATE, seconds: SECONDS, records: RECORDS, latencyMs: LATENCY, load: LOAD, latency: latencyRows, roundTrips: tripRows, idle: idleRows, initialLoad: loadRows });
    console.log(`\nsaved ${file}`);
  } finally {
    await ferry.stop();
    await org.stop();
  }
}

await main();
