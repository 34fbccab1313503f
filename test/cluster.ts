// Ferry spread over processes on one Postgres server, as a scale-out deployment runs it: an
// API-only `ferry start` (FERRY_WORKER=false) and `ferry worker` processes that can be added,
// killed or stopped, all sharing FERRY_SECRET_KEY. Organizations each get a credential and an
// Account integration delivering to one emulated org; the org is read back over its REST API, so
// what counts as "arrived" is what Salesforce holds. Shared by test/e2e/scale.postgres.test.ts and
// bench/scale.ts.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_IDENTITY } from '../src/emulator/index.ts';
import { createOrganization } from '../src/platform/index.ts';
import { migrate, openDatabase, type Database } from '../src/storage/index.ts';
import { FERRY_BIN, startFerry, type RunningFerry } from './cli.ts';
import { apiClient, freePort } from './net.ts';

export interface ClusterOptions {
  databaseUrl: string;
  /** Where the emulated org signs in (every organization's credential points there). */
  loginUrl: string;
  /** FERRY_WORKER_CONCURRENCY of each worker. */
  concurrency: number;
  /** FERRY_WORKER_DEAD_AFTER_MS of every process; unset: Ferry's default (10,000). */
  deadAfterMs?: number;
  /** FERRY_LOG_LEVEL of the workers (default warn: take-overs and failures reach their output). */
  logLevel?: string;
}

export interface WorkerProcess {
  /** 1, 2, ... in the order started. */
  n: number;
  child: ChildProcess;
  pid: number;
  /** Its row in `workers`: the id its runs and leases name. */
  workerId: string;
  /** The probes' base URL (/healthz, /readyz, /metrics). */
  probesUrl: string;
  output(): string;
  /** Settles when the process has ended, with when (Date.now()). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  running(): boolean;
}

export type Call = ReturnType<typeof apiClient>;

export interface ClusterOrg {
  name: string;
  orgId: string;
  apiKey: string;
  credentialId: string;
  integrationId: string;
  call: Call;
}

export interface RunRow {
  id: string;
  integration_id: string;
  status: string;
  trigger: string;
  worker_id: string | null;
  sent: number;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  error: { errorCode: string; message: string } | null;
}

/** Output kept per process: the end of it is what explains a failure. */
const OUTPUT_LIMIT = 64 * 1024;

function keepTail(buffer: string, chunk: string): string {
  const next = buffer + chunk;
  return next.length > OUTPUT_LIMIT ? next.slice(-OUTPUT_LIMIT) : next;
}

export interface WorkerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  at: number;
}

/**
 * Watches a spawned `ferry worker`: keeps the end of its output and notes when it ends; resolves
 * once it takes work (its engine is up, its probes listen), or fails with its output if it ends or
 * stays silent for 60 s first. `name` says which worker in the errors.
 */
export async function untilWorkerUp(child: ChildProcess, name: string): Promise<{ output: () => string; exited: Promise<WorkerExit> }> {
  let out = '';
  const exited = new Promise<WorkerExit>((resolve) => {
    child.once('close', (code, signal) => resolve({ code, signal, at: Date.now() }));
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} did not come up within 60 s:\n${out}`));
    }, 60_000);
    const onData = (chunk: Buffer) => {
      out = keepTail(out, chunk.toString());
      if (/Ferry worker running[\s\S]*probes\s+http/.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`${name} ended (${code ?? signal}) before it came up:\n${out}`));
    });
  });
  return { output: () => out, exited };
}

/** An API call that must succeed: its body, or an error naming the call and the answer. */
export async function must(call: Call, method: string, path: string, body?: unknown): Promise<any> {
  const res = await call(method, path, body);
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body).slice(0, 2000)}`);
  return res.body;
}

/** Upserts accounts through the API's bulk endpoint, 1,000 a call; every one must be taken. */
export async function loadAccounts(org: ClusterOrg, items: { code: string; name: string }[]): Promise<void> {
  for (let i = 0; i < items.length; i += 1000) {
    const answer = await must(org.call, 'POST', '/api/v1/accounts/bulk', { items: items.slice(i, i + 1000) });
    if (answer.summary.failed > 0) throw new Error(`${org.name}: ${JSON.stringify(answer.results.find((r: any) => r.status === 'failed'))}`);
  }
}

export class Cluster {
  readonly db: Database;
  readonly api: RunningFerry;
  readonly workers: WorkerProcess[] = [];
  readonly orgs: ClusterOrg[] = [];
  readonly #options: ClusterOptions;
  readonly #env: Record<string, string>;
  readonly #dir: string;

  private constructor(options: ClusterOptions, db: Database, api: RunningFerry, env: Record<string, string>, dir: string) {
    this.#options = options;
    this.db = db;
    this.api = api;
    this.#env = env;
    this.#dir = dir;
  }

  /** Migrates the database once, then starts the API-only process (no workers yet). */
  static async start(options: ClusterOptions): Promise<Cluster> {
    const db = await openDatabase({ databaseUrl: options.databaseUrl });
    await migrate(db);
    const dir = mkdtempSync(join(tmpdir(), 'ferry-cluster-'));
    // Every process opens the credentials with the same key: one sealed by the API process is
    // read by whichever worker runs the integration.
    const env: Record<string, string> = {
      DATABASE_URL: options.databaseUrl,
      FERRY_SECRET_KEY: randomBytes(32).toString('base64'),
      FERRY_DATA_DIR: dir,
      ...(options.deadAfterMs === undefined ? {} : { FERRY_WORKER_DEAD_AFTER_MS: String(options.deadAfterMs) }),
    };
    let api: RunningFerry;
    try {
      api = await startFerry({ ...env, FERRY_WORKER: 'false' });
    } catch (error) {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
    return new Cluster(options, db, api, env, dir);
  }

  /** Starts one `ferry worker` and resolves once it takes work (its engine is up, its probes listen). */
  async startWorker(): Promise<WorkerProcess> {
    const n = this.workers.length + 1;
    const port = await freePort();
    const child = spawn(process.execPath, [FERRY_BIN, 'worker'], {
      env: { ...process.env, ...this.#env, FERRY_WORKER_CONCURRENCY: String(this.#options.concurrency), FERRY_WORKER_PORT: String(port), FERRY_LOG_LEVEL: this.#options.logLevel ?? 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const { output, exited } = await untilWorkerUp(child, `worker ${n}`);
    // Registered before it printed that it runs; the pid is unique on this machine.
    const [row] = await this.db.query<{ id: string }>('SELECT id FROM workers WHERE pid = $1 ORDER BY started_at DESC LIMIT 1', [child.pid]);
    if (row === undefined) throw new Error(`worker ${n} (pid ${child.pid}) runs but has no row in workers:\n${output()}`);
    let ended = false;
    void exited.then(() => (ended = true));
    const worker: WorkerProcess = {
      n, child, pid: child.pid!, workerId: row.id, probesUrl: `http://127.0.0.1:${port}`,
      output, exited, running: () => !ended,
    };
    this.workers.push(worker);
    return worker;
  }

  /** Starts `count` workers side by side. */
  async startWorkers(count: number): Promise<WorkerProcess[]> {
    const started: WorkerProcess[] = [];
    // One after the other: the registration order (and n) stays the spawn order.
    for (let i = 0; i < count; i++) started.push(await this.startWorker());
    return started;
  }

  /**
   * A new organization (made in the database, as `ferry org create` does), a password credential
   * for the emulated org and an Account integration on it, made through the API process.
   */
  async addOrganization(name: string, options: { enabled?: boolean; delivery?: Record<string, unknown> } = {}): Promise<ClusterOrg> {
    const { organization, apiKey } = await createOrganization(this.db, name);
    const call = apiClient(this.api.url, apiKey);
    const credential = await must(call, 'POST', '/api/v1/credentials', {
      name: 'Emulated org', type: 'password', loginUrl: this.#options.loginUrl,
      username: DEFAULT_IDENTITY.username, password: DEFAULT_IDENTITY.password, securityToken: DEFAULT_IDENTITY.securityToken,
    });
    const integration = await must(call, 'POST', '/api/v1/integrations', {
      name: `${name} accounts`, entityType: 'Account', credentialId: credential.id, enabled: options.enabled ?? true,
      ...(options.delivery === undefined ? {} : { delivery: options.delivery }),
    });
    const org: ClusterOrg = { name, orgId: organization.id, apiKey, credentialId: credential.id, integrationId: integration.id, call };
    this.orgs.push(org);
    return org;
  }

  /** The worker whose row has this id (undefined: not one of ours, e.g. the API process). */
  workerById(workerId: string | null): WorkerProcess | undefined {
    return this.workers.find((w) => w.workerId === workerId);
  }

  async runsOf(integrationId: string): Promise<RunRow[]> {
    return this.db.query<RunRow>(
      'SELECT id, integration_id, status, trigger, worker_id, sent, error, created_at, started_at, finished_at FROM runs WHERE integration_id = $1 ORDER BY created_at, id',
      [integrationId],
    );
  }

  /**
   * The integration's run that is delivering now, and the worker running it: STARTED, and it has
   * called Salesforce (a run with nothing pending makes no call; another, queued for the same
   * changes, may be STARTED a moment before it finds that out).
   */
  async deliveringRun(integrationId: string, timeoutMs = 60_000): Promise<{ run: RunRow; worker: WorkerProcess }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const [row] = await this.db.query<{ id: string }>(
        `SELECT r.id FROM runs r WHERE r.integration_id = $1 AND r.status = 'STARTED'
           AND EXISTS (SELECT 1 FROM request_logs l WHERE l.org_id = r.org_id AND l.run_id = r.id)`,
        [integrationId],
      );
      const run = row === undefined ? undefined : (await this.runsOf(integrationId)).find((r) => r.id === row.id && r.status === 'STARTED');
      const worker = run === undefined ? undefined : this.workerById(run.worker_id);
      if (run !== undefined && worker !== undefined && worker.running()) return { run, worker };
      if (Date.now() > deadline) throw new Error(`no run of integration ${integrationId} was delivering within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Resolves once no run is WAITING or STARTED (what the runs table says: counts are written as a run ends). */
  async settled(timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const [open] = await this.db.query<{ n: number }>("SELECT count(*)::int AS n FROM runs WHERE status IN ('WAITING', 'STARTED')");
      if (open!.n === 0) return;
      if (Date.now() > deadline) throw new Error(`${open!.n} runs still WAITING or STARTED after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Records sent by each worker's runs (by its n; 0: a process that is not one of ours). */
  async sentByWorker(): Promise<Map<number, number>> {
    const rows = await this.db.query<{ worker_id: string | null; sent: number }>('SELECT worker_id, sum(sent)::int AS sent FROM runs GROUP BY worker_id');
    const byWorker = new Map<number, number>();
    for (const row of rows) {
      const n = this.workerById(row.worker_id)?.n ?? 0;
      byWorker.set(n, (byWorker.get(n) ?? 0) + row.sent);
    }
    return byWorker;
  }

  /** What happened, for a failure message: each organization's runs and each process's output. */
  async report(): Promise<string> {
    const lines: string[] = [];
    for (const org of this.orgs) {
      const runs = await this.runsOf(org.integrationId);
      lines.push(`${org.name} (${org.integrationId}): ${runs.length} runs`);
      for (const r of runs) {
        const who = r.worker_id === null ? '-' : `worker ${this.workerById(r.worker_id)?.n ?? r.worker_id}`;
        lines.push(`  ${r.id} ${r.trigger} ${r.status} by ${who}, sent ${r.sent}, created ${r.created_at.toISOString()}, started ${r.started_at?.toISOString() ?? '-'}, finished ${r.finished_at?.toISOString() ?? '-'}${r.error === null ? '' : `, ${r.error.errorCode}: ${r.error.message}`}`);
      }
    }
    const tail = (text: string) => text.slice(-6000).trimEnd().split('\n').map((l) => `    ${l}`).join('\n');
    for (const w of this.workers) lines.push(`worker ${w.n} (pid ${w.pid}, ${w.workerId}, ${w.running() ? 'running' : 'ended'}) output:\n${tail(w.output())}`);
    lines.push(`API process output:\n${tail(this.api.output())}`);
    return lines.join('\n');
  }

  /** Stops every process still running (SIGTERM, then SIGKILL after `graceMs`) and closes the database. */
  async stop(graceMs = 30_000): Promise<void> {
    const stopping = async (child: ChildProcess, exited: Promise<unknown>) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      child.kill('SIGTERM');
      await exited;
      clearTimeout(timer);
    };
    await Promise.all(this.workers.map((w) => stopping(w.child, w.exited)));
    if (this.api.child.exitCode === null && this.api.child.signalCode === null) await this.api.stop();
    await this.db.close();
    rmSync(this.#dir, { recursive: true, force: true });
  }
}

/**
 * Reads the emulated org as a client would: SOQL over REST with a session issued by the emulator's
 * controls (no password sign-in per read). Reads pay the org's modelled latency like Ferry's calls.
 */
export async function orgReader(emulatorUrl: string): Promise<{ count(where: string): Promise<number>; accountNumbers(numbers: string[]): Promise<Set<string>> }> {
  const control = async (method: string, path: string, body?: unknown): Promise<any> => {
    const res = await fetch(`${emulatorUrl}/__emulator${path}`, { method, headers: { 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    if (!res.ok) throw new Error(`emulator ${method} ${path}: ${res.status} ${await res.text()}`);
    return res.json();
  };
  const identity = await control('GET', '/identity');
  const session = await control('POST', '/sessions', { username: DEFAULT_IDENTITY.username });
  const query = async (soql: string): Promise<{ totalSize: number; records: Record<string, unknown>[] }> => {
    const res = await fetch(`${session.instanceUrl}/services/data/v${identity.apiVersion}/query?q=${encodeURIComponent(soql)}`, {
      headers: { authorization: `Bearer ${session.accessToken}` },
      signal: AbortSignal.timeout(30_000),
    });
    if (!res.ok) throw new Error(`query ${soql}: ${res.status} ${await res.text()}`);
    return res.json() as Promise<{ totalSize: number; records: Record<string, unknown>[] }>;
  };
  return {
    count: async (where) => (await query(`SELECT COUNT() FROM Account WHERE ${where}`)).totalSize,
    async accountNumbers(numbers) {
      if (numbers.length === 0) return new Set();
      const found = await query(`SELECT AccountNumber FROM Account WHERE AccountNumber IN (${numbers.map((n) => `'${n}'`).join(', ')})`);
      return new Set(found.records.map((r) => String(r.AccountNumber)));
    },
  };
}
