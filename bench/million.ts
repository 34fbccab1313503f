// A million records (issue 14), on Postgres in scale-out mode: one embedded Postgres server, one
// emulated org in a process of its own (it holds every record in memory: --org-heap MB of heap),
// an API-only `ferry start` to load and ask, and ONE `ferry worker` process (run as bin/ferry.js
// runs it: node --max-semi-space-size=2, FERRY_WORKER_CONCURRENCY 2) whose RSS is read from /proc
// every 500 ms. Every process shares one FERRY_SECRET_KEY.
//
// Data: --records N records, 40% accounts and 10% bills of 5 line items each (line items count as
// records), loaded through the API's bulk endpoints, 1,000 accounts or bills a request, into a
// template database; each outgoing round runs on a copy of it (CREATE DATABASE ... TEMPLATE) and
// an emptied org. The Account and Bill integrations send by Bulk API 2.0 (delivery.bulkThreshold
// 1,000, so that a batch of 2,000 also goes by Bulk).
//
// Parts (--parts, default all):
//   full     a full sync (Account, then Bill) for each of --batches (FERRY_BATCH_SIZE): wall time
//            until every run has ended and the org holds everything, records/s, API calls (the
//            org's counters by kind, and Ferry's request log by operation), the worker's peak and
//            median RSS (and the kernel's high-water mark, VmHWM, which includes start-up);
//   small    the same at N/10 for each of --batches: memory should not follow N (a Bill run of
//            N/10 at FERRY_BATCH_SIZE 10,000 is one batch, the larger one's ten);
//   resume   a full sync at --batch whose worker is SIGKILLed once --kill-at of the records are
//            written; a new worker is started at once and takes over when the dead one is
//            presumed stopped (FERRY_WORKER_DEAD_AFTER_MS, 10 s). Records written twice are the
//            org's writes beyond N; and the time from the kill until everything is in;
//   incoming N Accounts seeded in the org, read into Ferry by one incoming_full run of an Account
//            integration that reads both ways and creates what it has no link for (Bulk API 2.0
//            query, result pages of 10,000): wall time, pages followed, the worker's RSS;
//   incoming-resume (not among the defaults) the same, with the worker SIGKILLed once --kill-at of
//            the Accounts are in Ferry and a new one started at once: the killed run's position,
//            the pages (and query jobs) of the run that takes over, the time from the kill until
//            all are in.
// --worker-flags="..." adds node flags to the worker's command line (e.g. "--max-old-space-size=160"),
// to compare V8 settings against Ferry's own (bin/ferry.js sets --heap-growing-percent=30).
// Query result pages are a run's bulk_results calls less the two (successful, failed results) of
// each ingest job that writes Ferry's ids back to the Accounts it created (for a run that ended).
// Results: bench/results/million-postgres.json (another --records or --parts: million-postgres-N-parts.json).
//   npm run bench:million
//   npm run bench:million -- --records 100000 --latency 50 --batch 10000
//   npm run bench:million -- --records 100000 --parts full --batches 2000
//   npm run bench:million -- --parts incoming-resume
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { DEFAULT_IDENTITY, type Counters } from '../src/emulator/index.ts';
import { createOrganization } from '../src/platform/index.ts';
import { migrate, openDatabase, type Database } from '../src/storage/index.ts';
import { FERRY_BIN, startFerry, type RunningFerry } from '../test/cli.ts';
import { untilWorkerUp } from '../test/cluster.ts';
import { apiClient, freePort } from '../test/net.ts';
import { startRemoteOrg, type RemoteOrg } from './baseline/remote-org.ts';
import { mib, printTable, sampleBill, saveResults, seedOrg, startPostgres } from './lib.ts';
import { peakRssSinceStart, sampleRss, treeRss, type RssSummary } from './process-rss.ts';

const DEFAULT_PARTS = 'full,small,resume,incoming';
const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '1000000' },
    latency: { type: 'string', default: '50' },
    batch: { type: 'string', default: '10000' },
    batches: { type: 'string', default: '2000,10000' },
    parts: { type: 'string', default: DEFAULT_PARTS },
    'kill-at': { type: 'string', default: '0.5' },
    'org-heap': { type: 'string', default: '12288' },
    'load-concurrency': { type: 'string', default: '2' },
    'worker-flags': { type: 'string', default: '' },
  },
});
const N = Number(values.records);
const LATENCY = Number(values.latency);
const BATCH = Number(values.batch);
const BATCHES = values.batches.split(',').map(Number);
const PARTS = new Set(values.parts.split(','));
const KILL_AT = Number(values['kill-at']);
const ORG_HEAP_MB = Number(values['org-heap']);
const LOAD_CONCURRENCY = Number(values['load-concurrency']);
const WORKER_FLAGS = values['worker-flags'].split(' ').filter((f) => f !== '');
if (!(N >= 100) || BATCHES.some((b) => !Number.isInteger(b) || b < 10) || !(KILL_AT > 0 && KILL_AT < 1) || [...PARTS].some((p) => !['full', 'small', 'resume', 'incoming', 'incoming-resume'].includes(p))) {
  throw new Error('--records N (at least 100), --batches sizes (2000,10000), --kill-at a fraction (0.5), --parts of full,small,resume,incoming,incoming-resume');
}

/** Above this many records a run writes by Bulk API 2.0 (below the smallest batch measured). */
const BULK_THRESHOLD = 1000;
const LINE_ITEMS_PER_BILL = 5;
/** The longest any one wait may take. */
const WAIT_MS = 3 * 3_600_000;
/** What every process shares: the secret key that seals the credentials, a data folder. */
const SECRET_KEY = randomBytes(32).toString('base64');
const DATA_DIR = mkdtempSync(join(tmpdir(), 'ferry-million-'));
const FERRY_CONCURRENCY = 2;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const seconds = (ms: number) => Number((ms / 1000).toFixed(1));
const mb = (bytes: number) => Math.round(bytes / 1048576);

/** What N records are made of: 40% accounts, 10% bills, each bill with 5 line items. */
function shape(n: number): { accounts: number; bills: number; lineItems: number; total: number } {
  const bills = Math.round(n / 10);
  const accounts = n - bills * (1 + LINE_ITEMS_PER_BILL);
  return { accounts, bills, lineItems: bills * LINE_ITEMS_PER_BILL, total: n };
}

// ---- databases and processes -------------------------------------------------------------------

interface Server {
  url: string;
}

const urlOf = (server: Server, name: string) => {
  const url = new URL(server.url);
  url.pathname = `/${name}`;
  return url.toString();
};

async function admin(server: Server, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: server.url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A new database, or a copy of `template` (file by file: no connection to it may be open). */
const createDatabase = (server: Server, name: string, template?: string) =>
  admin(server, `CREATE DATABASE ${name}${template === undefined ? '' : ` TEMPLATE ${template} STRATEGY FILE_COPY`}`);
const dropDatabase = (server: Server, name: string) => admin(server, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);

const sharedEnv = (databaseUrl: string) => ({ DATABASE_URL: databaseUrl, FERRY_SECRET_KEY: SECRET_KEY, FERRY_DATA_DIR: DATA_DIR });

type Call = ReturnType<typeof apiClient>;

async function must(call: Call, method: string, path: string, body?: unknown): Promise<any> {
  const res = await call(method, path, body);
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body).slice(0, 2000)}`);
  return res.body;
}

interface Worker {
  pid: number;
  child: ChildProcess;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** One `ferry worker`, started as its executable starts it; resolves once it takes work. */
async function startWorker(databaseUrl: string, batch: number): Promise<Worker> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--max-semi-space-size=2', ...WORKER_FLAGS, FERRY_BIN, 'worker'], {
    env: {
      ...process.env, ...sharedEnv(databaseUrl), FERRY_BATCH_SIZE: String(batch), FERRY_WORKER_CONCURRENCY: String(FERRY_CONCURRENCY),
      FERRY_WORKER_PORT: String(port), FERRY_LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const { output, exited } = await untilWorkerUp(child, 'the worker');
  return { pid: child.pid!, child, output, exited };
}

async function stopWorker(worker: Worker): Promise<void> {
  if (worker.child.exitCode !== null || worker.child.signalCode !== null) return;
  const timer = setTimeout(() => worker.child.kill('SIGKILL'), 30_000);
  worker.child.kill('SIGTERM');
  await worker.exited;
  clearTimeout(timer);
}

const startApi = (databaseUrl: string): Promise<RunningFerry> => startFerry({ ...sharedEnv(databaseUrl), FERRY_WORKER: 'false' });

/** An organization with a password credential for the emulated org, made in `db` and through the API process. */
async function organization(db: Database, api: RunningFerry, org: RemoteOrg): Promise<{ call: Call; apiKey: string; credentialId: string }> {
  const { apiKey } = await createOrganization(db, 'Million');
  const call = apiClient(api.url, apiKey);
  const credential = await must(call, 'POST', '/api/v1/credentials', {
    name: 'Emulated org', type: 'password', loginUrl: org.loginUrl,
    username: DEFAULT_IDENTITY.username, password: DEFAULT_IDENTITY.password, securityToken: DEFAULT_IDENTITY.securityToken,
  });
  return { call, apiKey, credentialId: credential.id as string };
}

/** Runs `tasks` with at most `limit` in flight. */
async function inParallel(tasks: (() => Promise<void>)[], limit: number): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, async () => {
    while (next < tasks.length) await tasks[next++]!();
  }));
}

/** Counts of the org's objects over its REST API, with a session from its controls (no sign-in). */
async function orgCounts(org: RemoteOrg): Promise<{ accounts: number; bills: number; lineItems: number }> {
  const identity = await org.control('GET', '/identity');
  const session = await org.control('POST', '/sessions', { username: DEFAULT_IDENTITY.username });
  const count = async (object: string) => {
    const res = await fetch(`${session.instanceUrl}/services/data/v${identity.apiVersion}/query?q=${encodeURIComponent(`SELECT COUNT() FROM ${object}`)}`, {
      headers: { authorization: `Bearer ${session.accessToken}` }, signal: AbortSignal.timeout(300_000),
    });
    if (!res.ok) throw new Error(`counting ${object}: ${res.status} ${await res.text()}`);
    return ((await res.json()) as { totalSize: number }).totalSize;
  };
  return { accounts: await count('Account'), bills: await count('Ferry_Bill__c'), lineItems: await count('Ferry_Bill_Line_Item__c') };
}

const callsByKind = (c: Counters) => Object.fromEntries(Object.entries(c.apiCalls).filter(([, n]) => n > 0));
const totalCalls = (c: Record<string, number>) => Object.values(c).reduce((a, b) => a + b, 0);
const describeCalls = (c: Record<string, number>) => Object.entries(c).map(([k, n]) => `${k} ${n}`).join(', ');

async function ferryCalls(db: Database, runIds?: string[]): Promise<Record<string, number>> {
  const rows = await db.query<{ operation: string; n: number }>(
    `SELECT operation, count(*)::int AS n FROM request_logs ${runIds === undefined ? '' : 'WHERE run_id = ANY($1::uuid[])'} GROUP BY operation ORDER BY operation`,
    runIds === undefined ? [] : [runIds],
  );
  return Object.fromEntries(rows.map((r) => [r.operation, r.n]));
}

interface RunSummary {
  integration: string;
  status: string;
  trigger: string;
  continuedFrom: string | null;
  sent: number;
  recordIds: number;
  seconds: number | null;
  error: string | null;
}

async function runsOf(db: Database): Promise<RunSummary[]> {
  const rows = await db.query<{ id: string; entity_type: string; status: string; trigger: string; continued_from: string | null; sent: number; ids: number | null; started_at: Date | null; finished_at: Date | null; error: { errorCode: string; message: string } | null }>(
    `SELECT r.id, i.entity_type, r.status, r.trigger, r.continued_from, r.sent, cardinality(r.record_ids) AS ids, r.started_at, r.finished_at, r.error
     FROM runs r JOIN integrations i ON i.id = r.integration_id ORDER BY r.created_at, r.id`,
  );
  return rows.map((r) => ({
    integration: r.entity_type, status: r.status, trigger: r.trigger, continuedFrom: r.continued_from, sent: r.sent, recordIds: r.ids ?? 0,
    seconds: r.started_at === null || r.finished_at === null ? null : seconds(r.finished_at.getTime() - r.started_at.getTime()),
    error: r.error === null ? null : `${r.error.errorCode}: ${r.error.message}`,
  }));
}

/**
 * Waits until no run of the integration is WAITING or STARTED and no job of it waits to start
 * (a run that used its time slice queues the rest as a job), twice in a row 250 ms apart; answers
 * when its last run ended (the database's clock, on this machine). A killed worker's job stays
 * `active` in pg-boss until it expires: the run it ran is what counts, closed when taken over.
 */
async function settled(db: Database, integrationId: string, onTick: () => Promise<void>): Promise<number> {
  const deadline = Date.now() + WAIT_MS;
  let quiet = 0;
  while (quiet < 2) {
    if (Date.now() > deadline) throw new Error(`the runs of ${integrationId} did not end within ${WAIT_MS} ms`);
    await sleep(250);
    await onTick();
    const [row] = await db.query<{ open: number; queued: number }>(
      `SELECT (SELECT count(*) FROM runs WHERE integration_id = $1::uuid AND status IN ('WAITING', 'STARTED'))::int AS open,
              (SELECT count(*) FROM pgboss.job WHERE name = 'integration-sync' AND state IN ('created', 'retry') AND data->>'integrationId' = $1::text)::int AS queued`,
      [integrationId],
    );
    quiet = row!.open === 0 && row!.queued === 0 ? quiet + 1 : 0;
  }
  const [last] = await db.query<{ at: Date }>('SELECT max(finished_at) AS at FROM runs WHERE integration_id = $1::uuid', [integrationId]);
  return last!.at.getTime();
}

// ---- loading -----------------------------------------------------------------------------------

interface Template {
  name: string;
  n: number;
  apiKey: string;
  accountIntegration: string;
  billIntegration: string;
  loadS: number;
  loadPerS: number;
}

/** A database holding N records and the two integrations (on change off), loaded through the API. */
async function loadTemplate(server: Server, org: RemoteOrg, n: number): Promise<Template> {
  const name = `million_${n}`;
  await createDatabase(server, name);
  const url = urlOf(server, name);
  const db = await openDatabase({ databaseUrl: url });
  await migrate(db);
  const api = await startApi(url);
  try {
    const { call, apiKey, credentialId } = await organization(db, api, org);
    const integration = async (entityType: string) =>
      (await must(call, 'POST', '/api/v1/integrations', { name: `${entityType} million`, entityType, credentialId, trigger: { onChange: false }, delivery: { bulkThreshold: BULK_THRESHOLD } })).id as string;
    const accountIntegration = await integration('Account');
    const billIntegration = await integration('Bill');
    const counts = shape(n);
    const started = performance.now();
    const accountIds: string[] = new Array(counts.accounts);
    const upsert = async (entity: string, items: unknown[]): Promise<string[]> => {
      const answer = await must(call, 'POST', `/api/v1/${entity}/bulk`, { items });
      if (answer.summary.failed > 0) throw new Error(`${entity}: ${JSON.stringify(answer.results.find((r: any) => r.status === 'failed'))}`);
      return answer.results.map((r: any) => r.id as string);
    };
    const chunks = (count: number) => Array.from({ length: Math.ceil(count / 1000) }, (_, k) => [k * 1000, Math.min(count, (k + 1) * 1000)] as const);
    await inParallel(chunks(counts.accounts).map(([from, to]) => async () => {
      const ids = await upsert('accounts', Array.from({ length: to - from }, (_, j) => {
        const i = from + j;
        return { code: `M${i}`, name: `Account ${i}`, currency: 'USD', address: { line1: `${i} High Street`, locality: 'Leeds', country: 'GB' } };
      }));
      ids.forEach((id, j) => (accountIds[from + j] = id));
    }), LOAD_CONCURRENCY);
    const accountsS = (performance.now() - started) / 1000;
    await inParallel(chunks(counts.bills).map(([from, to]) => async () => {
      await upsert('bills', Array.from({ length: to - from }, (_, j) => sampleBill(accountIds[(from + j) % counts.accounts]!, from + j)));
    }), LOAD_CONCURRENCY);
    const loadS = (performance.now() - started) / 1000;
    console.log(`loaded ${counts.accounts} accounts (${accountsS.toFixed(1)} s) and ${counts.bills} bills with ${counts.lineItems} line items (${(loadS - accountsS).toFixed(1)} s): ${n} records in ${loadS.toFixed(1)} s, ${(n / loadS).toFixed(0)}/s`);
    return { name, n, apiKey, accountIntegration, billIntegration, loadS: seconds(loadS * 1000), loadPerS: Math.round(n / loadS) };
  } finally {
    await api.stop();
    await db.close();
  }
}

// ---- outgoing ----------------------------------------------------------------------------------

interface Outgoing {
  scenario: string;
  records: number;
  batch: number;
  wallS: number;
  recordsPerS: number;
  accountsS: number;
  billsS: number;
  inOrg: { accounts: number; bills: number; lineItems: number };
  written: number;
  writtenTwice: number;
  orgCalls: Record<string, number>;
  ferryCalls: Record<string, number>;
  /** The worker (the first one, when it was killed); idle: right after it came up, before the sync. */
  rss: RssSummary & { hwm: number; idle: number };
  runs: RunSummary[];
  kill: null | {
    atWritten: number;
    atS: number;
    /** The killed run's position (the last record of the last batch it delivered). */
    position: unknown;
    takenOverS: number | null;
    allInAfterKillS: number;
    secondWorkerRss: RssSummary & { hwm: number };
  };
}

let roundNo = 0;

async function outgoing(server: Server, org: RemoteOrg, template: Template, batch: number, scenario: string, killAt?: number): Promise<Outgoing> {
  const name = `${template.name}_r${++roundNo}`;
  await createDatabase(server, name, template.name);
  const url = urlOf(server, name);
  const db = await openDatabase({ databaseUrl: url });
  const api = await startApi(url);
  const workers: Worker[] = [];
  try {
    // The copy's organization answers to the template's API key.
    const call = apiClient(api.url, template.apiKey);
    await org.control('POST', '/reset');
    await org.control('PUT', '/latency', { fixedMs: LATENCY, perRecordMs: 0 });
    const counts = shape(template.n);
    console.log(`\n${scenario}: ${template.n} records, FERRY_BATCH_SIZE ${batch}${killAt === undefined ? '' : `, SIGKILL at ${Math.round(killAt * 100)}%`}`);
    workers.push(await startWorker(url, batch));
    await sleep(2000);
    const idle = treeRss(workers[0]!.pid);
    let sampler = sampleRss(workers[0]!.pid);
    let firstRss: (RssSummary & { hwm: number }) | undefined;
    await org.control('POST', '/counters/reset');
    const t0 = Date.now();
    let kill: Outgoing['kill'] = null;
    let killedAt: number | undefined;
    const onTick = async () => {
      if (killAt === undefined || killedAt !== undefined) return;
      const counters = (await org.control('GET', '/counters')) as Counters;
      if (counters.recordsWritten < killAt * template.n) return;
      const first = workers[0]!;
      firstRss = { ...sampler.stop(), hwm: peakRssSinceStart(first.pid) };
      first.child.kill('SIGKILL');
      await first.exited;
      killedAt = Date.now();
      const [running] = await db.query<{ id: string; position: unknown }>("SELECT id, position FROM runs WHERE status = 'STARTED' ORDER BY created_at DESC LIMIT 1");
      const written = ((await org.control('GET', '/counters')) as Counters).recordsWritten;
      console.log(`  SIGKILL at ${seconds(killedAt - t0)} s, ${written} records written; run ${running?.id} at ${JSON.stringify(running?.position)}`);
      kill = { atWritten: written, atS: seconds(killedAt - t0), position: running?.position ?? null, takenOverS: null, allInAfterKillS: 0, secondWorkerRss: { samples: 0, peak: 0, median: 0, hwm: 0 } };
      workers.push(await startWorker(url, batch));
      sampler = sampleRss(workers[1]!.pid);
    };
    let lastProgress = Date.now();
    const tick = async () => {
      await onTick();
      if (Date.now() - lastProgress < 30_000) return;
      lastProgress = Date.now();
      const { recordsWritten } = (await org.control('GET', '/counters')) as Counters;
      console.log(`  ${seconds(Date.now() - t0)} s: ${recordsWritten} records written, worker RSS ${mb(sampler.summary().peak)} MiB peak so far`);
    };
    const phase = async (integrationId: string): Promise<number> => {
      const started = Date.now();
      await must(call, 'POST', `/api/v1/integrations/${integrationId}/sync`, { mode: 'full' });
      return (await settled(db, integrationId, tick)) - started;
    };
    const accountsMs = await phase(template.accountIntegration);
    console.log(`  accounts: ${seconds(accountsMs)} s`);
    const billsMs = await phase(template.billIntegration);
    const [ended] = await db.query<{ at: Date }>('SELECT max(finished_at) AS at FROM runs');
    const wallMs = ended!.at.getTime() - t0;
    console.log(`  bills: ${seconds(billsMs)} s; all: ${seconds(wallMs)} s`);
    const last = workers.at(-1)!;
    const lastRss = { ...sampler.stop(), hwm: peakRssSinceStart(last.pid) };
    const counters = (await org.control('GET', '/counters')) as Counters;
    const inOrg = await orgCounts(org);
    const runs = await runsOf(db);
    if (inOrg.accounts !== counts.accounts || inOrg.bills !== counts.bills || inOrg.lineItems !== counts.lineItems) {
      throw new Error(`the org holds ${JSON.stringify(inOrg)}, not ${JSON.stringify(counts)}; runs: ${JSON.stringify(runs, null, 2)}\nworker output:\n${workers.map((w) => w.output().slice(-4000)).join('\n---\n')}`);
    }
    if (kill !== null && killedAt !== undefined) {
      const k: NonNullable<Outgoing['kill']> = kill;
      const [taken] = await db.query<{ started_at: Date }>("SELECT started_at FROM runs WHERE continued_from IS NOT NULL AND trigger = 'retry' ORDER BY started_at LIMIT 1");
      k.takenOverS = taken === undefined ? null : seconds(taken.started_at.getTime() - killedAt);
      k.allInAfterKillS = seconds(t0 + wallMs - killedAt);
      k.secondWorkerRss = lastRss;
    }
    const result: Outgoing = {
      scenario, records: template.n, batch, wallS: seconds(wallMs), recordsPerS: Math.round(template.n / (wallMs / 1000)),
      accountsS: seconds(accountsMs), billsS: seconds(billsMs), inOrg,
      written: counters.recordsWritten, writtenTwice: counters.recordsWritten - template.n,
      orgCalls: callsByKind(counters), ferryCalls: await ferryCalls(db), rss: { ...(firstRss ?? lastRss), idle }, runs, kill,
    };
    console.log(`  worker RSS idle ${mb(idle)} MiB, peak ${mb(result.rss.peak)} MiB, median ${mb(result.rss.median)} MiB (VmHWM ${mb(result.rss.hwm)} MiB); ${totalCalls(result.orgCalls)} API calls (${describeCalls(result.orgCalls)})`);
    return result;
  } catch (error) {
    for (const w of workers) console.error(`worker ${w.pid} output:\n${w.output().slice(-6000)}`);
    console.error(`API process output:\n${api.output().slice(-6000)}`);
    throw error;
  } finally {
    for (const w of workers) await stopWorker(w);
    await api.stop();
    await db.close();
    await dropDatabase(server, name);
  }
}

// ---- incoming ----------------------------------------------------------------------------------

interface Incoming {
  scenario: string;
  records: number;
  batch: number;
  seedS: number;
  /** The last run's. */
  status: string;
  wallS: number;
  recordsPerS: number;
  inFerry: number;
  /** Query result pages followed (null when a run was killed: see kill). */
  pages: number | null;
  orgCalls: Record<string, number>;
  ferryCalls: Record<string, number>;
  /** The worker (the first one, when it was killed). */
  rss: RssSummary & { hwm: number; idle: number };
  runs: RunSummary[];
  error: string | null;
  kill: null | {
    atS: number;
    inFerryAtKill: number;
    /**
     * The killed run's position (its query job and the next page's locator) and the rows before
     * that locator (the emulator's locators are row offsets); the pages the run that took over
     * followed; each run's calls. (A killed run's pages cannot be told from its calls: an ingest
     * job it uploaded may have had its results read or not.)
     */
    positionAtKill: unknown;
    rowsAtKill: number | null;
    pagesAfter: number;
    callsBefore: Record<string, number>;
    callsAfter: Record<string, number>;
    takenOverS: number | null;
    allInAfterKillS: number;
    secondWorkerRss: RssSummary & { hwm: number };
  };
}

/** Query result pages among a run's calls (see the top of this file). */
const pagesOf = (calls: Record<string, number>) => (calls['bulk_results'] ?? 0) - 2 * (calls['bulk_upload'] ?? 0);

async function incoming(server: Server, org: RemoteOrg, n: number, batch: number, killAt?: number): Promise<Incoming> {
  const name = `million_incoming_${n}_r${++roundNo}`;
  const scenario = killAt === undefined ? 'initial import' : 'initial import, worker killed';
  await createDatabase(server, name);
  const url = urlOf(server, name);
  const db = await openDatabase({ databaseUrl: url });
  await migrate(db);
  const api = await startApi(url);
  const workers: Worker[] = [];
  try {
    const { call, credentialId } = await organization(db, api, org);
    const integration = await must(call, 'POST', '/api/v1/integrations', {
      name: 'Accounts both ways', entityType: 'Account', credentialId, trigger: { onChange: false }, delivery: { bulkThreshold: BULK_THRESHOLD },
      sync: { direction: 'both', reader: 'polling', pollIntervalSeconds: 86_400, salesforceCreates: 'create', accountSelection: 'all' },
    });
    await org.control('POST', '/reset');
    const seeding = performance.now();
    await seedOrg(org, Array.from({ length: n }, (_, i) => ({ attributes: { type: 'Account' }, Name: `Salesforce account ${i}`, AccountNumber: `SF-${i}`, BillingCity: 'Truro' })));
    const seedS = seconds(performance.now() - seeding);
    console.log(`
${scenario}: ${n} Accounts seeded in the org in ${seedS} s${killAt === undefined ? '' : `; SIGKILL at ${Math.round(killAt * 100)}%`}`);
    await org.control('PUT', '/latency', { fixedMs: LATENCY, perRecordMs: 0 });
    workers.push(await startWorker(url, batch));
    await sleep(2000);
    const idle = treeRss(workers[0]!.pid);
    let sampler = sampleRss(workers[0]!.pid);
    let firstRss: (RssSummary & { hwm: number }) | undefined;
    await org.control('POST', '/counters/reset');
    const t0 = Date.now();
    const queued = await must(call, 'POST', `/api/v1/integrations/${integration.id}/sync`, { mode: 'incoming_full' });
    const inFerryNow = async () => (await db.query<{ n: number }>("SELECT count(*)::int AS n FROM records WHERE entity = 'accounts' AND deleted_at IS NULL"))[0]!.n;
    let kill: Incoming['kill'] = null;
    let killedAt: number | undefined;
    let lastProgress = Date.now();
    const tick = async () => {
      const due = killAt !== undefined && killedAt === undefined;
      if (!due && Date.now() - lastProgress < 30_000) return;
      const sofar = await inFerryNow();
      if (Date.now() - lastProgress >= 30_000) {
        lastProgress = Date.now();
        console.log(`  ${seconds(Date.now() - t0)} s: ${sofar} accounts in Ferry, worker RSS ${mb(sampler.summary().peak)} MiB peak so far`);
      }
      if (!due || sofar < killAt * n) return;
      const first = workers[0]!;
      firstRss = { ...sampler.stop(), hwm: peakRssSinceStart(first.pid) };
      first.child.kill('SIGKILL');
      await first.exited;
      killedAt = Date.now();
      const atKill = await inFerryNow();
      const [killed] = await db.query<{ position: { bulk?: { locator: string | null } } | null }>('SELECT position FROM runs WHERE id = $1', [queued.id]);
      const locator = killed?.position?.bulk?.locator;
      const rowsAtKill = typeof locator === 'string' ? Number.parseInt(Buffer.from(locator, 'base64url').toString('utf8'), 10) : null;
      console.log(`  SIGKILL at ${seconds(killedAt - t0)} s, ${atKill} accounts in Ferry; the run's position: ${JSON.stringify(killed?.position)} (${rowsAtKill} rows read)`);
      kill = { atS: seconds(killedAt - t0), inFerryAtKill: atKill, positionAtKill: killed?.position ?? null, rowsAtKill: Number.isInteger(rowsAtKill) ? rowsAtKill : null, pagesAfter: 0, callsBefore: {}, callsAfter: {}, takenOverS: null, allInAfterKillS: 0, secondWorkerRss: { samples: 0, peak: 0, median: 0, hwm: 0 } };
      workers.push(await startWorker(url, batch));
      sampler = sampleRss(workers[1]!.pid);
    };
    const ended = await settled(db, integration.id as string, tick);
    const wallMs = ended - t0;
    const last = workers.at(-1)!;
    const lastRss = { ...sampler.stop(), hwm: peakRssSinceStart(last.pid) };
    const counters = (await org.control('GET', '/counters')) as Counters;
    const inFerry = await inFerryNow();
    const runs = await runsOf(db);
    const [lastRun] = await db.query<{ id: string; status: string; error: { errorCode: string; message: string } | null; started_at: Date | null }>('SELECT id, status, error, started_at FROM runs ORDER BY created_at DESC LIMIT 1');
    const calls = await ferryCalls(db);
    if (kill !== null && killedAt !== undefined) {
      const k: NonNullable<Incoming['kill']> = kill;
      k.callsBefore = await ferryCalls(db, [queued.id]);
      k.callsAfter = lastRun!.id === queued.id ? {} : await ferryCalls(db, [lastRun!.id]);
      k.pagesAfter = pagesOf(k.callsAfter);
      k.takenOverS = lastRun!.id === queued.id || lastRun!.started_at === null ? null : seconds(lastRun!.started_at.getTime() - killedAt);
      k.allInAfterKillS = seconds(ended - killedAt);
      k.secondWorkerRss = lastRss;
    }
    const result: Incoming = {
      scenario, records: n, batch, seedS, status: lastRun!.status, wallS: seconds(wallMs), recordsPerS: Math.round(n / (wallMs / 1000)), inFerry,
      pages: kill === null ? pagesOf(calls) : null, orgCalls: callsByKind(counters), ferryCalls: calls, rss: { ...(firstRss ?? lastRss), idle }, runs,
      error: lastRun!.error === null ? null : `${lastRun!.error.errorCode}: ${lastRun!.error.message}`, kill,
    };
    console.log(`  ${result.status} in ${result.wallS} s: ${inFerry} accounts in Ferry, ${result.pages ?? '-'} result pages; worker RSS idle ${mb(idle)} MiB, peak ${mb(result.rss.peak)} MiB, median ${mb(result.rss.median)} MiB (VmHWM ${mb(result.rss.hwm)} MiB)`);
    if (result.status !== 'COMPLETE' || inFerry !== n) {
      console.error(`the import ended ${result.status} with ${inFerry} of ${n} accounts in Ferry: ${result.error}; runs: ${JSON.stringify(runs)}\n${last.output().slice(-6000)}`);
    }
    return result;
  } finally {
    for (const w of workers) await stopWorker(w);
    await api.stop();
    await db.close();
    await dropDatabase(server, name);
  }
}

// ---- the whole -----------------------------------------------------------------------------------

/** The code measured: the commit, and the files of src/ that differ from it (others may be editing them). */
function codeState(): { commit: string; srcChanges: string[] } {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: join(import.meta.dirname, '..'), encoding: 'utf8' }).trim();
  return { commit: git('rev-parse', '--short', 'HEAD'), srcChanges: git('status', '--porcelain', '--', 'src').split('\n').filter(Boolean) };
}

async function main(): Promise<void> {
  const code = codeState();
  console.log(`measuring ${code.commit}${code.srcChanges.length === 0 ? '' : ` with uncommitted changes to ${code.srcChanges.length} files of src/`}`);
  const server = await startPostgres();
  // The org holds every record in memory, in a process of its own: a heap to fit them.
  const nodeOptions = process.env.NODE_OPTIONS;
  process.env.NODE_OPTIONS = `${nodeOptions ?? ''} --max-old-space-size=${ORG_HEAP_MB}`.trim();
  const starting = startRemoteOrg();
  if (nodeOptions === undefined) delete process.env.NODE_OPTIONS;
  else process.env.NODE_OPTIONS = nodeOptions;
  const org = await starting;
  const templates: Template[] = [];
  const rounds: Outgoing[] = [];
  const inbound: Incoming[] = [];
  try {
    if (PARTS.has('full') || PARTS.has('resume')) {
      const template = await loadTemplate(server, org, N);
      templates.push(template);
      if (PARTS.has('full')) for (const batch of BATCHES) rounds.push(await outgoing(server, org, template, batch, 'full sync'));
      if (PARTS.has('resume')) rounds.push(await outgoing(server, org, template, BATCH, 'full sync, worker killed', KILL_AT));
    }
    if (PARTS.has('small')) {
      const small = await loadTemplate(server, org, Math.round(N / 10));
      templates.push(small);
      for (const batch of BATCHES) rounds.push(await outgoing(server, org, small, batch, 'full sync, N/10'));
    }
    if (PARTS.has('incoming')) inbound.push(await incoming(server, org, N, BATCH));
    if (PARTS.has('incoming-resume')) inbound.push(await incoming(server, org, N, BATCH, KILL_AT));
  } finally {
    await org.stop();
    await server.stop();
    rmSync(DATA_DIR, { recursive: true, force: true });
  }

  const machine = `${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB`;
  if (templates.length > 0) {
    printTable('Loading through the API (POST /api/v1/{accounts,bills}/bulk, 1,000 a request)', templates.map((t) => ({
      records: t.n, ...shape(t.n), 'in flight': LOAD_CONCURRENCY, 'load time': `${t.loadS} s`, 'records/s': t.loadPerS,
    })));
  }
  if (rounds.length > 0) {
    printTable(`Outgoing full sync to Bulk API 2.0 (Account, then Bill with line items), one ferry worker (concurrency ${FERRY_CONCURRENCY}), Postgres, ${LATENCY} ms a call, ${machine}`, rounds.map((r) => ({
      scenario: r.scenario, records: r.records, batch: r.batch, 'wall time': `${r.wallS} s`, 'records/s': r.recordsPerS,
      'accounts / bills': `${r.accountsS} / ${r.billsS} s`, 'API calls': totalCalls(r.orgCalls), 'by kind': describeCalls(r.orgCalls),
      'worker idle RSS': mib(r.rss.idle), 'peak RSS': mib(r.rss.peak), 'median RSS': mib(r.rss.median), 'written twice': r.writtenTwice,
    })));
    const killed = rounds.filter((r) => r.kill !== null);
    if (killed.length > 0) {
      printTable('Kill and resume: SIGKILL to the worker mid-sync, a new worker started at once', killed.map((r) => ({
        records: r.records, batch: r.batch, 'killed at': `${r.kill!.atS} s, ${r.kill!.atWritten} written`, 'taken over after': `${r.kill!.takenOverS ?? '-'} s`,
        'all in after kill': `${r.kill!.allInAfterKillS} s`, 'total wall': `${r.wallS} s`, 'written twice': r.writtenTwice,
        'runs': r.runs.map((x) => `${x.integration} ${x.trigger} ${x.status} sent ${x.sent}`).join('; '),
        'new worker peak RSS': mib(r.kill!.secondWorkerRss.peak),
      })));
    }
  }
  if (inbound.length > 0) {
    printTable(`Incoming: initial two-way import of Accounts (incoming_full, Bulk API 2.0 query), one ferry worker, Postgres, ${LATENCY} ms a call`, inbound.map((r) => ({
      scenario: r.scenario, records: r.records, status: r.status, 'in Ferry': r.inFerry, 'wall time': `${r.wallS} s`, 'records/s': r.recordsPerS,
      'result pages': r.pages ?? '-', 'Ferry calls': describeCalls(r.ferryCalls),
      'worker idle RSS': mib(r.rss.idle), 'peak RSS': mib(r.rss.peak), 'median RSS': mib(r.rss.median),
    })));
    const killed = inbound.filter((r) => r.kill !== null);
    if (killed.length > 0) {
      printTable('Incoming kill and resume: SIGKILL to the worker mid-import, a new worker started at once', killed.map((r) => ({
        records: r.records, 'killed at': `${r.kill!.atS} s, ${r.kill!.inFerryAtKill} in Ferry`, 'its position': `row ${r.kill!.rowsAtKill ?? '-'}`,
        'pages after': r.kill!.pagesAfter, 'calls after': describeCalls(r.kill!.callsAfter),
        'taken over after': `${r.kill!.takenOverS ?? '-'} s`, 'all in after kill': `${r.kill!.allInAfterKillS} s`, 'total wall': `${r.wallS} s`,
        runs: r.runs.map((x) => `${x.trigger} ${x.status}`).join('; '), 'new worker peak RSS': mib(r.kill!.secondWorkerRss.peak),
      })));
    }
  }
  // The default parts at a million are million-postgres.json; other sizes and parts are saved beside it.
  const partsTag = values.parts === DEFAULT_PARTS ? '' : `-${[...PARTS].join('+')}`;
  const file = saveResults(`million-postgres${N === 1_000_000 ? '' : `-${N}`}${partsTag}`, {
    code, records: N, latencyMs: LATENCY, parts: [...PARTS], batches: BATCHES, batch: BATCH, killAt: KILL_AT, bulkThreshold: BULK_THRESHOLD, workerConcurrency: FERRY_CONCURRENCY, machine,
    loads: templates.map((t) => ({ records: t.n, ...shape(t.n), seconds: t.loadS, recordsPerS: t.loadPerS })),
    outgoing: rounds.map((r) => ({ ...r, rss: { idleMiB: mb(r.rss.idle), peakMiB: mb(r.rss.peak), medianMiB: mb(r.rss.median), hwmMiB: mb(r.rss.hwm), samples: r.rss.samples } })),
    incoming: inbound.map((r) => ({ ...r, rss: { idleMiB: mb(r.rss.idle), peakMiB: mb(r.rss.peak), medianMiB: mb(r.rss.median), hwmMiB: mb(r.rss.hwm), samples: r.rss.samples } })),
  });
  console.log(`\nsaved ${file}`);
}

await main();
