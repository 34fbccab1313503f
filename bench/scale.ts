// Many workers, measured (issue 14): `ferry worker` processes on one embedded Postgres server
// sharing --orgs organizations of uneven size (one with the first of --records accounts, each of
// the others with the second), each with an Account integration, against one emulated org in a
// process of its own (--latency ms a call, --per-record ms a record) that every organization's
// credential signs in to (account numbers say whose a record is). For each worker count in
// --workers (--concurrency runs each), on a fresh database and an emptied org, --repeat times:
//   - throughput: the backlog (loaded through an API-only `ferry start` while the integrations are
//     disabled) is let go at once (enable + sync); records per second until the org holds all of
//     them, and apart the small organizations' share and the large one's (one integration runs on
//     one worker at a time, so the large one alone does not go faster with more workers): for the
//     large one's run, its time, its Salesforce calls and the share of its time a call was in
//     flight (request logs), which says whether Salesforce is what bounds it;
//   - small organizations' latency: once the large organization's run has started, one new account
//     in each small organization, timed until the org holds it (p50 and max), and how many arrived
//     before the large backlog was all in;
//   - handover (2+ workers): --backlog more accounts in the large organization; the worker running
//     them is SIGKILLed a second into the run; time until its run is INTERRUPTED, until another
//     worker STARTED the run that takes over, and until every record is in the org
//     (--dead-after sets FERRY_WORKER_DEAD_AFTER_MS, Ferry's default 10 s);
//   - drain: --backlog more again, and SIGTERM to the worker running them a quarter second in:
//     time until it exits, its exit code, and when the run in flight ended (with one worker, a new
//     one is started afterwards to finish what it handed back).
// The table gives each figure's median over the repeats and ratios against one worker; every round
// goes to bench/results/scale-postgres.json. The host's cores bound what more processes can add:
// the workers, the API process, Postgres and the emulated org share them (the title says how many).
//   npm run bench:scale
//   npm run bench:scale -- --workers 1,2 --orgs 6 --records 2000,100 --backlog 3000 --repeat 1
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { Cluster, loadAccounts, must, orgReader, type ClusterOrg } from '../test/cluster.ts';
import { eventually } from '../test/wait.ts';
import { startRemoteOrg, type RemoteOrg } from './baseline/remote-org.ts';
import { printTable, saveResults, startPostgres } from './lib.ts';

const { values } = parseArgs({
  options: {
    workers: { type: 'string', default: '1,2,4' },
    orgs: { type: 'string', default: '20' },
    records: { type: 'string', default: '20000,200' },
    latency: { type: 'string', default: '150' },
    'per-record': { type: 'string', default: '0' },
    backlog: { type: 'string', default: '20000' },
    concurrency: { type: 'string', default: '2' },
    'dead-after': { type: 'string', default: '10000' },
    repeat: { type: 'string', default: '3' },
  },
});
const WORKER_COUNTS = values.workers.split(',').map(Number);
const ORGS = Number(values.orgs);
const [LARGE, SMALL] = values.records.split(',').map(Number) as [number, number];
const LATENCY = Number(values.latency);
const PER_RECORD = Number(values['per-record']);
const BACKLOG = Number(values.backlog);
const CONCURRENCY = Number(values.concurrency);
const DEAD_AFTER = Number(values['dead-after']);
const REPEAT = Number(values.repeat);
if (WORKER_COUNTS.some((n) => !Number.isInteger(n) || n < 1) || !(ORGS >= 2) || !(LARGE > 0) || !(SMALL > 0) || !(BACKLOG > 0) || !(REPEAT >= 1)) {
  throw new Error('--workers is a list of counts (1,2,4), --orgs at least 2, --records LARGE,SMALL, --backlog and --repeat counts');
}

/** Account numbers say whose they are: O00-000001 is the large organization's first. */
const code = (org: number, tag: string, i: number) => `O${String(org).padStart(2, '0')}-${tag}${String(i).padStart(6, '0')}`;
const prefix = (org: number) => `O${String(org).padStart(2, '0')}-`;
const seconds = (ms: number) => Number((ms / 1000).toFixed(2));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Accounts numbered for organization `org` (O05-000001...), with a tag for each later load (H, D). */
function accounts(org: ClusterOrg, index: number, tag: string, n: number): { code: string; name: string }[] {
  return Array.from({ length: n }, (_, k) => ({ code: code(index, tag, k), name: `${org.name} account ${tag}${k}` }));
}

/**
 * --backlog new accounts in the large organization, delivered by one run: loaded while its integration is
 * disabled, then enabled and run (loaded live, the first thousand would start a run of their own).
 */
async function backlog(large: ClusterOrg, tag: string): Promise<void> {
  await must(large.call, 'POST', `/api/v1/integrations/${large.integrationId}/disable`);
  await loadAccounts(large, accounts(large, 0, tag, BACKLOG));
  await must(large.call, 'POST', `/api/v1/integrations/${large.integrationId}/enable`);
  await must(large.call, 'POST', `/api/v1/integrations/${large.integrationId}/sync`, { mode: 'incremental' });
}

interface Round {
  workers: number;
  records: number;
  allInS: number;
  recordsPerS: number;
  smallInS: number;
  smallPerS: number;
  largeInS: number;
  largePerS: number;
  /** The large organization's run(s): their time, Salesforce calls, and the share of that time a call was in flight. */
  largeRun: SalesforceShare;
  probes: { p50S: number; maxS: number; whileLargeDraining: number; of: number };
  sentByWorker: Record<string, number>;
  handover: { interruptedS: number; takenOverS: number; allInS: number; killedWorker: number; takenOverBy: number } | null;
  /** runEndS: when the run in flight at SIGTERM ended, from the SIGTERM (negative: before it; null: it had not). */
  drain: { exitS: number; exitCode: number | null; runStatus: string; runEndS: number | null; allInS: number };
}

interface SalesforceShare {
  runS: number;
  calls: number;
  inFlightShare: number;
}

/**
 * How much of an integration's run time had a Salesforce call in flight: the union of its calls'
 * spans (request logs: start and duration) over the time its runs took. Near 1, the run waits on
 * Salesforce; what is left is Ferry's own work (reading, mapping, recording).
 */
async function salesforceShare(cluster: Cluster, integrationId: string): Promise<SalesforceShare> {
  const [runs] = await cluster.db.query<{ ms: number }>(
    'SELECT COALESCE(sum(EXTRACT(EPOCH FROM finished_at - started_at) * 1000), 0)::float8 AS ms FROM runs WHERE integration_id = $1 AND started_at IS NOT NULL AND finished_at IS NOT NULL',
    [integrationId],
  );
  const calls = await cluster.db.query<{ start: Date; ms: number }>(
    'SELECT created_at AS start, duration_ms AS ms FROM request_logs WHERE integration_id = $1 AND duration_ms IS NOT NULL ORDER BY created_at',
    [integrationId],
  );
  let busy = 0;
  let until = 0;
  for (const call of calls) {
    const from = call.start.getTime();
    const to = from + call.ms;
    if (to <= until) continue;
    busy += to - Math.max(from, until);
    until = to;
  }
  return { runS: seconds(runs!.ms), calls: calls.length, inFlightShare: runs!.ms === 0 ? 0 : Number((busy / runs!.ms).toFixed(2)) };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? Number.NaN : sorted[Math.floor((sorted.length - 1) / 2)]!;
};

async function round(server: { url: string }, org: RemoteOrg, workerCount: number): Promise<Round> {
  const name = `scale_w${workerCount}_${Date.now()}`;
  const admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(server.url);
  url.pathname = `/${name}`;
  await org.control('POST', '/reset');
  const cluster = await Cluster.start({ databaseUrl: url.toString(), loginUrl: org.loginUrl, concurrency: CONCURRENCY, deadAfterMs: DEAD_AFTER });
  const reader = await orgReader(org.url);
  try {
    // The backlog, loaded while the integrations are disabled (nothing moves yet).
    const orgs: ClusterOrg[] = [];
    for (let i = 0; i < ORGS; i++) orgs.push(await cluster.addOrganization(`O${String(i).padStart(2, '0')}`, { enabled: false }));
    const [large, ...small] = orgs as [ClusterOrg, ...ClusterOrg[]];
    for (const [i, o] of orgs.entries()) await loadAccounts(o, accounts(o, i, '', i === 0 ? LARGE : SMALL));
    await org.control('PUT', '/latency', { fixedMs: LATENCY, perRecordMs: PER_RECORD });
    await cluster.startWorkers(workerCount);
    const records = LARGE + small.length * SMALL;
    console.log(`\n${workerCount} worker(s): ${records} accounts in ${ORGS} organizations loaded; letting them go`);

    // Throughput: every integration enabled and asked to run at once.
    const t0 = Date.now();
    await Promise.all(orgs.map((o) => must(o.call, 'POST', `/api/v1/integrations/${o.integrationId}/enable`)));
    await Promise.all(orgs.map((o) => must(o.call, 'POST', `/api/v1/integrations/${o.integrationId}/sync`, { mode: 'incremental' })));
    // Small organizations' latency: one new account each, once the large one's run has started.
    await cluster.deliveringRun(large.integrationId, 120_000);
    const probeCodes = small.map((_, k) => code(k + 1, 'P', 0));
    const probeAt = new Map<string, number>();
    for (const [k, o] of small.entries()) {
      await must(o.call, 'POST', '/api/v1/accounts', { code: probeCodes[k], name: `${o.name} probe` });
      probeAt.set(probeCodes[k]!, Date.now());
    }
    const arrived = new Map<string, number>();
    let largeInAt: number | undefined;
    let smallInAt: number | undefined;
    const smallTotal = small.length * (SMALL + 1);
    const deadline = Date.now() + 30 * 60_000;
    while (largeInAt === undefined || smallInAt === undefined || arrived.size < probeCodes.length) {
      if (Date.now() > deadline) throw new Error(`not all in after 30 minutes:\n${await cluster.report()}`);
      const [found, largeIn, allIn] = await Promise.all([
        arrived.size < probeCodes.length ? reader.accountNumbers(probeCodes.filter((c) => !arrived.has(c))) : Promise.resolve(new Set<string>()),
        largeInAt === undefined ? reader.count(`AccountNumber LIKE '${prefix(0)}%'`) : Promise.resolve(LARGE),
        smallInAt === undefined ? reader.count(`AccountNumber LIKE 'O%'`) : Promise.resolve(records + small.length),
      ]);
      const now = Date.now();
      for (const c of found) arrived.set(c, now);
      if (largeInAt === undefined && largeIn >= LARGE) largeInAt = now;
      if (smallInAt === undefined && allIn - largeIn >= smallTotal) smallInAt = now;
      await sleep(100);
    }
    const allInAt = Math.max(largeInAt, smallInAt);
    const latencies = probeCodes.map((c) => arrived.get(c)! - probeAt.get(c)!).sort((a, b) => a - b);
    const whileDraining = probeCodes.filter((c) => arrived.get(c)! < largeInAt).length;
    // A run's counts are written as it ends (the org may hold its records a moment before).
    await cluster.settled();
    const sent = await cluster.sentByWorker();
    const largeRun = await salesforceShare(cluster, large.integrationId);
    const result: Omit<Round, 'handover' | 'drain'> = {
      workers: workerCount,
      records,
      allInS: seconds(allInAt - t0),
      recordsPerS: Math.round(records / ((allInAt - t0) / 1000)),
      smallInS: seconds(smallInAt - t0),
      smallPerS: Math.round((small.length * SMALL) / ((smallInAt - t0) / 1000)),
      largeInS: seconds(largeInAt - t0),
      largePerS: Math.round(LARGE / ((largeInAt - t0) / 1000)),
      largeRun,
      probes: { p50S: seconds(percentile(latencies, 50)), maxS: seconds(latencies.at(-1)!), whileLargeDraining: whileDraining, of: probeCodes.length },
      sentByWorker: Object.fromEntries([...sent].sort((a, b) => a[0] - b[0]).map(([n, count]) => [n === 0 ? 'other' : `worker ${n}`, count])),
    };
    console.log(JSON.stringify(result));

    // Handover: the worker running the large organization's backlog is killed mid-run.
    let handover: Round['handover'] = null;
    if (workerCount >= 2) {
      const before = new Set((await cluster.runsOf(large.integrationId)).map((r) => r.id));
      await backlog(large, 'H');
      const { worker } = await cluster.deliveringRun(large.integrationId, 120_000);
      // Let it get going (a Bulk job open, collections in flight), then kill it.
      await sleep(1000);
      const killedAt = Date.now();
      worker.child.kill('SIGKILL');
      await worker.exited;
      const orphaned = (await cluster.runsOf(large.integrationId)).filter((r) => r.status === 'STARTED' && r.worker_id === worker.workerId);
      if (orphaned.length === 0) throw new Error(`the killed worker ${worker.n} was running no run of ${large.name} any more (it ended before the kill):\n${await cluster.report()}`);
      const taken = await eventually(async () => {
        const runs = await cluster.runsOf(large.integrationId);
        const interrupted = orphaned.map((o) => runs.find((r) => r.id === o.id)!);
        const next = runs.find((r) => !before.has(r.id) && r.started_at !== null && r.worker_id !== worker.workerId && r.started_at.getTime() >= killedAt - 50);
        return interrupted.every((r) => r.status === 'INTERRUPTED') && next !== undefined ? { interrupted, next } : undefined;
      }, { what: 'the killed worker\'s run taken over', timeoutMs: DEAD_AFTER + 60_000, everyMs: 50 });
      await eventually(async () => ((await reader.count(`AccountNumber LIKE '${prefix(0)}H%'`)) >= BACKLOG ? true : undefined), { what: 'the handover backlog in the org', timeoutMs: 600_000, everyMs: 100 });
      const allIn = Date.now();
      handover = {
        interruptedS: seconds(Math.max(...taken.interrupted.map((r) => r.finished_at!.getTime())) - killedAt),
        takenOverS: seconds(taken.next.started_at!.getTime() - killedAt),
        allInS: seconds(allIn - killedAt),
        killedWorker: worker.n,
        takenOverBy: cluster.workerById(taken.next.worker_id)?.n ?? 0,
      };
      console.log('handover', JSON.stringify(handover));
      // The take-over's run records its links after the org has the records: done before the drain.
      await cluster.settled();
    }

    // Drain: SIGTERM to a worker with a run in flight.
    await backlog(large, 'D');
    const { run, worker } = await cluster.deliveringRun(large.integrationId, 120_000);
    // Sooner than the kill above: with idle workers beside it, the run may be done within a second.
    await sleep(250);
    const termAt = Date.now();
    worker.child.kill('SIGTERM');
    const exit = await worker.exited;
    // With no worker left, one more comes up to finish what the stopped one handed back.
    if (!cluster.workers.some((w) => w.running())) await cluster.startWorker();
    await eventually(async () => ((await reader.count(`AccountNumber LIKE '${prefix(0)}D%'`)) >= BACKLOG ? true : undefined), { what: 'the drain backlog in the org', timeoutMs: 600_000, everyMs: 100 });
    const drainedRun = (await cluster.runsOf(large.integrationId)).find((r) => r.id === run.id)!;
    const drain = {
      exitS: seconds(exit.at - termAt), exitCode: exit.code, runStatus: drainedRun.status,
      runEndS: drainedRun.finished_at === null ? null : seconds(drainedRun.finished_at.getTime() - termAt),
      allInS: seconds(Date.now() - termAt),
    };
    console.log('drain', JSON.stringify(drain));
    const total = await reader.count(`AccountNumber LIKE 'O%'`);
    const expected = records + small.length + (workerCount >= 2 ? 2 : 1) * BACKLOG;
    if (total !== expected) throw new Error(`the org holds ${total} accounts, not ${expected}:\n${await cluster.report()}`);
    return { ...result, handover, drain };
  } catch (error) {
    console.error(await cluster.report());
    throw error;
  } finally {
    await cluster.stop();
  }
}

async function main(): Promise<void> {
  const server = await startPostgres();
  const org = await startRemoteOrg();
  const rounds: Round[] = [];
  try {
    for (const count of WORKER_COUNTS) for (let r = 0; r < REPEAT; r++) rounds.push(await round(server, org, count));
  } finally {
    await org.stop();
    await server.stop();
  }
  // Per worker count, the median of each figure over the repeats (a round is seconds long, on a
  // host whose cores every process shares: one round alone is noisy).
  const summaries = WORKER_COUNTS.map((workers) => {
    const of = rounds.filter((r) => r.workers === workers);
    const m = (pick: (r: Round) => number) => median(of.map(pick));
    const handovers = of.flatMap((r) => (r.handover === null ? [] : [r.handover]));
    return {
      workers,
      rounds: of.length,
      recordsPerS: m((r) => r.recordsPerS), allInS: m((r) => r.allInS),
      smallPerS: m((r) => r.smallPerS), smallInS: m((r) => r.smallInS), largeInS: m((r) => r.largeInS),
      largeRunS: m((r) => r.largeRun.runS), largeCalls: m((r) => r.largeRun.calls), largeInFlight: m((r) => r.largeRun.inFlightShare),
      probeP50S: m((r) => r.probes.p50S), probeMaxS: m((r) => r.probes.maxS),
      probesBeforeLargeDone: of.map((r) => `${r.probes.whileLargeDraining}/${r.probes.of}`),
      handover: handovers.length === 0 ? null : {
        interruptedS: median(handovers.map((h) => h.interruptedS)), takenOverS: median(handovers.map((h) => h.takenOverS)), allInS: median(handovers.map((h) => h.allInS)),
      },
      drain: {
        exitS: m((r) => r.drain.exitS), exitCodes: of.map((r) => r.drain.exitCode),
        runs: of.map((r) => (r.drain.runEndS === null ? r.drain.runStatus : `${r.drain.runStatus} ${r.drain.runEndS < 0 ? 'before SIGTERM' : `+${r.drain.runEndS} s`}`)),
      },
    };
  });
  const one = summaries.find((r) => r.workers === 1);
  const ratio = (value: number, base: number | undefined) => (base === undefined ? '-' : `${(value / base).toFixed(2)}x`);
  printTable(
    `Many workers: ${ORGS} organizations (1 x ${LARGE}, ${ORGS - 1} x ${SMALL} accounts), concurrency ${CONCURRENCY} a worker, ${LATENCY} ms a call + ${PER_RECORD} ms a record, Postgres, ${cpus().length} cores; medians of ${REPEAT} rounds`,
    summaries.map((r) => ({
      workers: r.workers,
      'all in': `${r.allInS} s`,
      'records/s': r.recordsPerS,
      'vs 1': ratio(r.recordsPerS, one?.recordsPerS),
      'small orgs in': `${r.smallInS} s`,
      'small rec/s': r.smallPerS,
      'small vs 1': ratio(r.smallPerS, one?.smallPerS),
      'large in': `${r.largeInS} s`,
      'large run: time, calls, a call in flight': `${r.largeRunS} s, ${r.largeCalls}, ${Math.round(r.largeInFlight * 100)}%`,
      'probe p50/max': `${r.probeP50S}/${r.probeMaxS} s`,
      'probes before large done': r.probesBeforeLargeDone.join(' '),
      'kill: interrupted/taken over/all in': r.handover === null ? '-' : `${r.handover.interruptedS}/${r.handover.takenOverS}/${r.handover.allInS} s`,
      'SIGTERM: exit (codes)': `${r.drain.exitS} s (${r.drain.exitCodes.join(' ')})`,
      'run in flight at SIGTERM': r.drain.runs.join(', '),
    })),
  );
  const defaults = ORGS === 20 && LARGE === 20_000 && SMALL === 200 && BACKLOG === 20_000;
  const file = saveResults(`scale-postgres${defaults ? '' : `-${ORGS}x${LARGE}-${SMALL}`}`, {
    orgs: ORGS, records: { large: LARGE, small: SMALL }, latencyMs: LATENCY, perRecordMs: PER_RECORD, backlog: BACKLOG, concurrency: CONCURRENCY, deadAfterMs: DEAD_AFTER, cores: cpus().length, repeat: REPEAT,
    summaries,
    ratios: Object.fromEntries(summaries.filter((r) => r.workers !== 1 && one !== undefined).map((r) => [`${r.workers} vs 1`, {
      records: Number((r.recordsPerS / one!.recordsPerS).toFixed(2)), smallOrganizations: Number((r.smallPerS / one!.smallPerS).toFixed(2)), probeP50: Number((r.probeP50S / one!.probeP50S).toFixed(2)),
    }])),
    rounds,
  });
  console.log(`\nsaved ${file}`);
}

await main();
