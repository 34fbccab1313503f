import { hostname } from 'node:os';
import type PgBoss from 'pg-boss';
import type { Logger } from 'pino';
import { v7 as uuidv7 } from 'uuid';
import { fail, JOURNAL_CHANNEL, ok, type Result } from '../platform/index.ts';
import { startBoss, type JobMap } from '../queue/boss.ts';
import type { ClientOptions } from '../salesforce/index.ts';
import type { Database } from '../storage/index.ts';
import { Credentials } from './credentials/credentials.ts';
import type { SecretBox } from './credentials/secret-box.ts';
import { Integrations } from './integrations/integrations.ts';
import { nextRunAt } from './integrations/schemas.ts';
import { MAPPINGS, requiredSalesforceFields } from './mapping/default-mappings.ts';
import type { Mailer } from './notifications/mailer.ts';
import { Runner, type RunnerOptions, type SyncJob } from './runner/runner.ts';
import { Events, type EventView } from './runs/events.ts';
import { Runs, type RunView } from './runs/runs.ts';
import { ENTITY_TYPES } from './types.ts';

export interface EngineOptions {
  db: Database;
  box: SecretBox;
  logger: Logger;
  /** The Postgres URL when not embedded: pg-boss opens its own pool there. */
  connectionString?: string | undefined;
  mailer?: Mailer | undefined;
  runner?: RunnerOptions;
  clientOptions?: ClientOptions;
  /** Run the worker (queue consumers, dispatcher, scheduler) in this process. */
  worker?: boolean;
  /** Concurrent runs in this process. */
  concurrency?: number;
  /** The only process on this database (embedded): leases left by a crash are released at start. */
  exclusive?: boolean;
  /** How often this worker says it lives, and how long a silent worker counts as stopped. */
  liveness?: Partial<Liveness>;
}

export interface Liveness {
  heartbeatMs: number;
  deadAfterMs: number;
}

/**
 * A worker beats every `heartbeatMs`; one silent for `deadAfterMs` (killed, machine lost, cut off
 * from the database) is taken for stopped: its runs are closed INTERRUPTED and queued again, its
 * leases released, within seconds. Long enough that a busy event loop is not mistaken for death.
 */
export const LIVENESS_DEFAULTS: Readonly<Liveness> = { heartbeatMs: 2_000, deadAfterMs: 10_000 };

/**
 * A run left WAITING this long with no job to run it is queued again: its process died between
 * creating it and queueing its job, or a worker fetched its job and died before starting it (the
 * job then stays "active" in pg-boss until it expires, an hour later).
 */
const ORPHAN_AFTER_SECONDS = 30;

const INTERRUPTED_ERROR = JSON.stringify({ errorCode: 'WORKER_STOPPED', message: 'The worker running this run stopped (killed or lost) before it finished; its work was queued again.' });

interface InterruptedRun {
  org_id: string;
  integration_id: string;
  mode: 'incremental' | 'full';
  record_ids: string[] | null;
}

const ENTITIES_BY_TYPE = JSON.stringify(Object.fromEntries(ENTITY_TYPES.map((type) => [type, MAPPINGS[type].map((m) => m.entity)])));

/**
 * The integration engine: credentials, integrations, runs and events, and (in a worker) the
 * machinery that runs them: the journal listener that triggers on-change integrations within a
 * second, the pg-boss queue that carries runs, and the per-minute tick that fires schedules.
 */
export class Engine {
  readonly credentials: Credentials;
  readonly integrations: Integrations;
  readonly runner: Runner;
  readonly runs: Runs;
  readonly events: Events;
  readonly #db: Database;
  readonly #logger: Logger;
  readonly #boss: PgBoss;
  /** This process as a worker: named by the leases it holds and the runs it starts. */
  readonly workerId = uuidv7();
  readonly #workerIds: string[] = [];
  readonly #pending = new Map<string, NodeJS.Timeout>();
  readonly #liveness: Liveness;
  #stopListening: (() => Promise<void>) | undefined;
  #heartbeat: NodeJS.Timeout | undefined;
  #beating: Promise<void> | undefined;

  private constructor(options: EngineOptions, boss: PgBoss) {
    this.#db = options.db;
    this.#logger = options.logger.child({ component: 'engine' });
    this.#boss = boss;
    this.#liveness = { ...LIVENESS_DEFAULTS, ...options.liveness };
    this.credentials = new Credentials(options.db, options.box, options.clientOptions, options.logger);
    this.integrations = new Integrations(options.db);
    this.runs = new Runs(options.db);
    this.events = new Events(options.db);
    this.runner = new Runner(
      {
        db: options.db,
        credentials: this.credentials,
        integrations: this.integrations,
        logger: this.#logger,
        mailer: options.mailer,
        requeue: (job, delayMs) => this.#enqueue(job, delayMs),
        workerId: this.workerId,
        afterRun: async (orgId) => {
          await this.dispatch(orgId);
        },
        afterAccountsDelivered: (orgId, accountIds) => this.#retryWaitingForAccounts(orgId, accountIds),
      },
      { ...options.runner, clientOptions: { ...options.clientOptions, ...options.runner?.clientOptions } },
    );
  }

  static async start(options: EngineOptions): Promise<Engine> {
    const queueLog = options.logger.child({ component: 'queue' });
    const boss = await startBoss(options.db, options.connectionString, { onError: (error) => queueLog.error({ err: error }, 'queue error (pg-boss goes on and retries its own work)') });
    const engine = new Engine(options, boss);
    // Every process that may execute a run beats, the API-only ones and `ferry sync` too: a run
    // names its process, and one whose process is not beating is taken over by the others.
    await engine.#register();
    engine.#heartbeat = setInterval(() => {
      engine.#beating ??= engine.#beat().finally(() => (engine.#beating = undefined));
    }, engine.#liveness.heartbeatMs);
    if (options.worker !== false) await engine.#startWorker(options);
    return engine;
  }

  async #startWorker(options: EngineOptions): Promise<void> {
    let interrupted: InterruptedRun[];
    if (options.exclusive === true) {
      // Nobody else can hold a lease on an embedded database: whatever is held was left by a
      // crash. Interrupted runs are closed and queued again (their upserts are idempotent).
      interrupted = await this.#db.transaction(async (tx) => {
        const runs = await tx.query<InterruptedRun>(
          `UPDATE runs SET status = 'INTERRUPTED', finished_at = now(), error = $1::jsonb WHERE status = 'STARTED' RETURNING org_id, integration_id, mode, record_ids`,
          [INTERRUPTED_ERROR],
        );
        await tx.query('UPDATE integrations SET lease_run_id = NULL, lease_worker_id = NULL, lease_until = NULL WHERE lease_run_id IS NOT NULL');
        await tx.query('DELETE FROM workers WHERE id <> $1', [this.workerId]);
        return runs;
      });
    } else {
      interrupted = await this.#reapStopped();
    }
    for (let i = 0; i < (options.concurrency ?? 2); i++) {
      this.#workerIds.push(
        await this.#boss.work<JobMap['integration-sync']>('integration-sync', { pollingIntervalSeconds: 0.5, batchSize: 1 }, async ([job]) => {
          if (job !== undefined) await this.runner.execute(job.data);
        }),
      );
    }
    await this.#boss.work('schedule-tick', { pollingIntervalSeconds: 5 }, async () => {
      await this.tick();
    });
    await this.#boss.schedule('schedule-tick', '* * * * *');
    this.#stopListening = await this.#db.listen(JOURNAL_CHANNEL, (orgId) => this.#onJournal(orgId), {
      onError: (error) => this.#logger.error({ err: error }, 'the journal listener lost its connection: re-opening it (meanwhile the per-minute sweep delivers changes)'),
      onReconnect: () => {
        this.#logger.info('the journal listener is back: catching up on changes committed meanwhile');
        this.sweep().catch((error: unknown) => this.#logger.error({ err: error }, 'sweep after reconnecting failed'));
      },
    });
    await this.#requeueInterrupted(interrupted);
    // Changes committed while no worker was listening are picked up now.
    await this.sweep();
  }

  async #register(): Promise<void> {
    await this.#db.query(
      'INSERT INTO workers (id, hostname, pid) VALUES ($1, $2, $3) ON CONFLICT (id) DO UPDATE SET heartbeat_at = now()',
      [this.workerId, hostname(), process.pid],
    );
  }

  /** Says this worker lives, and takes over from workers that stopped saying so. */
  async #beat(): Promise<void> {
    try {
      const alive = await this.#db.query('UPDATE workers SET heartbeat_at = now() WHERE id = $1 RETURNING id', [this.workerId]);
      if (alive.length === 0) {
        // Another worker took this one for stopped (it could not beat for too long) and closed
        // its runs; they were queued again. Carry on as a live worker.
        this.#logger.warn({ workerId: this.workerId }, 'this worker was taken for stopped by another (no heartbeat for too long): registering again');
        await this.#register();
      }
      const interrupted = await this.#reapStopped();
      await this.#requeueInterrupted(interrupted);
      // A stopped worker may also have fetched jobs it never started: no need to wait for them.
      if (interrupted.length > 0) await this.#requeueOrphans(0);
    } catch (error) {
      this.#logger.error({ err: error, workerId: this.workerId }, 'heartbeat failed');
    }
  }

  /**
   * Closes the runs and releases the leases of workers that stopped beating (or whose row is gone),
   * all in one transaction, so that of several workers noticing at once exactly one takes over.
   */
  async #reapStopped(): Promise<InterruptedRun[]> {
    return this.#db.transaction(async (tx) => {
      const stopped = await tx.query<{ id: string }>(
        `SELECT id FROM workers WHERE id <> $1 AND heartbeat_at < now() - ($2 || ' milliseconds')::interval FOR UPDATE SKIP LOCKED`,
        [this.workerId, String(this.#liveness.deadAfterMs)],
      );
      const ids = stopped.map((w) => w.id);
      const runs = await tx.query<InterruptedRun & { id: string }>(
        `UPDATE runs SET status = 'INTERRUPTED', finished_at = now(), error = $2::jsonb
         WHERE status = 'STARTED' AND worker_id IS NOT NULL AND (worker_id = ANY($1::uuid[]) OR worker_id NOT IN (SELECT id FROM workers))
         RETURNING id, org_id, integration_id, mode, record_ids`,
        [ids, INTERRUPTED_ERROR],
      );
      const leases = await tx.query<{ id: string }>(
        `UPDATE integrations SET lease_run_id = NULL, lease_worker_id = NULL, lease_until = NULL
         WHERE lease_worker_id IS NOT NULL AND (lease_worker_id = ANY($1::uuid[]) OR lease_worker_id NOT IN (SELECT id FROM workers)) RETURNING id`,
        [ids],
      );
      if (ids.length > 0) await tx.query('DELETE FROM workers WHERE id = ANY($1::uuid[])', [ids]);
      if (ids.length + runs.length + leases.length > 0) {
        this.#logger.warn({ workers: ids, runs: runs.map((r) => r.id), leases: leases.length }, 'took over from stopped workers: their runs were interrupted and are queued again');
      }
      return runs;
    });
  }

  async #requeueInterrupted(runs: InterruptedRun[]): Promise<void> {
    for (const run of runs) {
      await this.requestRun(run.org_id, run.integration_id, { mode: run.mode, trigger: 'retry', recordIds: run.record_ids ?? undefined });
    }
  }

  /** Debounced per organization (50 ms): a burst of writes becomes one dispatch query. */
  #onJournal(orgId: string): void {
    if (this.#pending.has(orgId)) return;
    this.#pending.set(
      orgId,
      setTimeout(() => {
        this.#pending.delete(orgId);
        this.dispatch(orgId).catch((error: unknown) => this.#logger.error({ err: error, orgId }, 'dispatch failed'));
      }, 50),
    );
  }

  async #enqueue(job: SyncJob, delayMs = 0): Promise<void> {
    const singletonKey = job.runId === undefined ? job.integrationId : `${job.integrationId}:${job.runId}`;
    const data: JobMap['integration-sync'] = {
      orgId: job.orgId,
      integrationId: job.integrationId,
      trigger: job.trigger,
      mode: job.mode,
      ...(job.runId !== undefined ? { runId: job.runId } : {}),
      ...(job.recordIds !== undefined ? { recordIds: job.recordIds } : {}),
      ...(job.replayOf !== undefined ? { replayOf: job.replayOf } : {}),
      ...(job.force === true ? { force: true } : {}),
    };
    await this.#boss.send('integration-sync', data, { singletonKey, ...(delayMs > 0 ? { startAfter: Math.ceil(delayMs / 1000) } : {}) });
    if (delayMs === 0) for (const id of this.#workerIds) this.#boss.notifyWorker(id);
  }

  /** Queues every on-change integration of the organization that has changes past its watermark. */
  async dispatch(orgId: string): Promise<number> {
    const rows = await this.#db.query<{ id: string }>(
      `SELECT i.id FROM integrations i
       WHERE i.org_id = $1 AND i.enabled AND i.credential_id IS NOT NULL AND (i.trigger->>'onChange')::boolean
         AND (i.paused_until IS NULL OR i.paused_until < now())
         AND EXISTS (SELECT 1 FROM journal j WHERE j.org_id = i.org_id AND j.seq > i.cursor_seq
                     AND j.entity IN (SELECT jsonb_array_elements_text($2::jsonb -> i.entity_type)))`,
      [orgId, ENTITIES_BY_TYPE],
    );
    for (const row of rows) await this.#enqueue({ orgId, integrationId: row.id, trigger: 'change', mode: 'incremental' });
    return rows.length;
  }

  /** Every organization's pending on-change integrations (start-up, and each tick as a safety net). */
  async sweep(): Promise<void> {
    const orgs = await this.#db.query<{ org_id: string }>("SELECT DISTINCT org_id FROM integrations WHERE enabled AND (trigger->>'onChange')::boolean");
    for (const org of orgs) await this.dispatch(org.org_id);
  }

  /** Fires the schedules that are due, and moves each to its next time. */
  async tick(now = new Date()): Promise<number> {
    const due = await this.#db.transaction(async (tx) => {
      const rows = await tx.query<{ org_id: string; id: string; trigger: { schedule: Parameters<typeof nextRunAt>[0] } }>(
        'SELECT org_id, id, trigger FROM integrations WHERE enabled AND credential_id IS NOT NULL AND next_run_at <= $1 FOR UPDATE SKIP LOCKED',
        [now],
      );
      for (const row of rows) {
        await tx.query('UPDATE integrations SET next_run_at = $3 WHERE org_id = $1 AND id = $2', [row.org_id, row.id, nextRunAt(row.trigger.schedule, now)]);
      }
      return rows;
    });
    for (const row of due) await this.#enqueue({ orgId: row.org_id, integrationId: row.id, trigger: 'schedule', mode: 'incremental' });
    await this.#requeueOrphans(ORPHAN_AFTER_SECONDS);
    await this.sweep();
    return due.length;
  }

  /**
   * Queues again the runs WAITING for at least `seconds` that no job will run: none queued, and
   * none fetched in the last `seconds` (a live worker starts a run it fetched at once). A second
   * job for a run is harmless: only one can move it to STARTED, the other finds it moved on.
   */
  async #requeueOrphans(seconds: number): Promise<void> {
    const orphans = await this.#db.query<{ org_id: string; id: string; integration_id: string; mode: 'incremental' | 'full'; trigger: SyncJob['trigger']; record_ids: string[] | null; replay_of: string | null }>(
      `SELECT r.org_id, r.id, r.integration_id, r.mode, r.trigger, r.record_ids, r.replay_of FROM runs r
       WHERE r.status = 'WAITING' AND r.created_at <= now() - make_interval(secs => $1)
         AND NOT EXISTS (SELECT 1 FROM pgboss.job j WHERE j.name = 'integration-sync' AND j.data->>'runId' = r.id::text
                         AND (j.state IN ('created', 'retry') OR (j.state = 'active' AND j.started_on > now() - make_interval(secs => $1))))
       ORDER BY r.created_at LIMIT 100`,
      [seconds],
    );
    for (const run of orphans) {
      this.#logger.warn({ orgId: run.org_id, integrationId: run.integration_id, runId: run.id }, 'run was waiting with no job to run it: queued again');
      await this.#enqueue({
        orgId: run.org_id, integrationId: run.integration_id, trigger: run.trigger, mode: run.mode, runId: run.id,
        recordIds: run.record_ids ?? undefined, replayOf: run.replay_of ?? undefined, force: run.trigger === 'replay' || run.trigger === 'retry',
      });
    }
  }

  /**
   * A record refused because its account had not reached Salesforce yet (an account and its bill
   * created together, delivered by two integrations) is retried as soon as the account arrives.
   */
  async #retryWaitingForAccounts(orgId: string, accountIds: string[]): Promise<void> {
    // Called both when accounts were delivered and when records were refused for want of one:
    // each side looks after its own commit, so whichever comes second sees the other. Only
    // accounts now linked in the waiting integration's org count.
    // The events are claimed, their runs created and the events marked in one transaction (FOR
    // UPDATE SKIP LOCKED only locks inside one): two workers never retry the same event twice.
    const claimed = await this.#db.transaction(async (tx) => {
      const waiting = await tx.query<{ id: string; integration_id: string; entity_id: string }>(
        `SELECT e.id, e.integration_id, e.entity_id FROM events e
         JOIN records r ON r.org_id = e.org_id AND r.entity = e.entity AND r.id = e.entity_id
         JOIN integrations i ON i.org_id = e.org_id AND i.id = e.integration_id
         WHERE e.org_id = $1 AND e.name = 'integration.missing_account_mapping.error' AND e.actioned_at IS NULL AND e.retried_at IS NULL
           AND r.account_id = ANY($2::uuid[])
           -- There, the cure is an external mapping, not a delivered account: no automatic retry.
           AND NOT (i.settings->>'useExternalMappingAccountCode')::boolean
           AND EXISTS (SELECT 1 FROM links l WHERE l.org_id = e.org_id AND l.entity = 'accounts' AND l.entity_id = r.account_id AND l.salesforce_org_id = i.salesforce_org_id)
         FOR UPDATE OF e SKIP LOCKED`,
        [orgId, accountIds],
      );
      const byIntegration = new Map<string, typeof waiting>();
      for (const event of waiting) byIntegration.set(event.integration_id, [...(byIntegration.get(event.integration_id) ?? []), event]);
      const runs: { integrationId: string; runId: string; recordIds: string[] }[] = [];
      for (const [integrationId, events] of byIntegration) {
        const recordIds = [...new Set(events.map((e) => e.entity_id))];
        const run = await new Runs(tx).create(orgId, integrationId, { id: uuidv7(), trigger: 'retry', mode: 'incremental', recordIds });
        await tx.query('UPDATE events SET retried_at = now(), retry_run_id = $3 WHERE org_id = $1 AND id = ANY($2::uuid[])', [orgId, events.map((e) => e.id), run.id]);
        runs.push({ integrationId, runId: run.id, recordIds });
      }
      return runs;
    });
    // Queued once committed; a crash in between leaves WAITING runs that the tick queues again.
    for (const run of claimed) await this.#enqueue({ orgId, integrationId: run.integrationId, trigger: 'retry', mode: 'incremental', runId: run.runId, recordIds: run.recordIds });
  }

  /** A run requested through the API: created WAITING now, executed by a worker. */
  async requestRun(orgId: string, integrationId: string, input: { mode: 'incremental' | 'full'; trigger: 'manual' | 'retry' | 'replay'; recordIds?: string[] | undefined; replayOf?: string | undefined; force?: boolean }): Promise<Result<RunView>> {
    const integration = await this.integrations.row(orgId, integrationId);
    if (integration === undefined) return fail('not_found', `No integration has id ${integrationId}.`);
    const run = await this.runs.create(orgId, integrationId, { id: uuidv7(), trigger: input.trigger, mode: input.mode, recordIds: input.recordIds, replayOf: input.replayOf });
    await this.#enqueue({ orgId, integrationId, trigger: input.trigger, mode: input.mode, runId: run.id, recordIds: input.recordIds, replayOf: input.replayOf, force: input.force });
    return ok(run);
  }

  async replay(orgId: string, runId: string): Promise<Result<RunView>> {
    const run = await this.runs.get(orgId, runId);
    if (run === undefined) return fail('not_found', `No run has id ${runId}.`);
    if (run.status === 'WAITING' || run.status === 'STARTED') return fail('version_conflict', 'The run has not finished; replay it once it has.');
    if (run.recordIds.length === 0) return fail('validation_failed', 'The run considered no records, so there is nothing to replay.', [{ path: ['recordIds'], message: 'is empty' }]);
    return this.requestRun(orgId, run.integrationId, { mode: run.mode, trigger: 'replay', recordIds: run.recordIds, replayOf: run.id, force: true });
  }

  /** Sends the event's record again (after the cause was fixed). */
  async retryEvent(orgId: string, eventId: string): Promise<Result<{ event: EventView; run: RunView }>> {
    const event = await this.events.get(orgId, eventId);
    if (event === undefined) return fail('not_found', `No event has id ${eventId}.`);
    const run = event.entityId === null
      ? await this.requestRun(orgId, event.integrationId, { mode: 'incremental', trigger: 'retry' })
      : await this.requestRun(orgId, event.integrationId, { mode: 'incremental', trigger: 'retry', recordIds: [event.entityId], force: true });
    if (!run.ok) return run;
    const marked = await this.events.markRetried(orgId, eventId, run.value.id);
    return ok({ event: marked!, run: run.value });
  }

  /** Which of the objects and fields Ferry writes the credential's org lacks (describe calls only). */
  async checkSalesforce(orgId: string, credentialId: string): Promise<Result<{ organizationId: string; missing: { object: string; fields: string[] | 'object' }[] }>> {
    const found = await this.credentials.get(orgId, credentialId);
    if (!found.ok) return found;
    const { client, identity } = await this.credentials.open(orgId, credentialId);
    const objects = new Set(await client.describeGlobal());
    const missing: { object: string; fields: string[] | 'object' }[] = [];
    for (const [object, fields] of requiredSalesforceFields()) {
      if (!objects.has(object)) {
        missing.push({ object, fields: 'object' });
        continue;
      }
      const described = new Set((await client.describe(object)).fields.map((f) => f.name));
      const absent = [...fields].filter((field) => !described.has(field));
      if (absent.length > 0) missing.push({ object, fields: absent });
    }
    return ok({ organizationId: identity.organizationId, missing });
  }

  async stop(): Promise<void> {
    for (const timer of this.#pending.values()) clearTimeout(timer);
    this.#pending.clear();
    clearInterval(this.#heartbeat);
    await this.#beating;
    await this.#stopListening?.();
    await this.#boss.stop({ graceful: true, wait: true, timeout: 10_000 });
    // Gone on purpose: a run still held past the graceful stop is taken over at once by the others.
    await this.#db.query('DELETE FROM workers WHERE id = $1', [this.workerId]);
  }
}
