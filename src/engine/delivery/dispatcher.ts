import type PgBoss from 'pg-boss';
import type { Logger } from 'pino';
import { v7 as uuidv7 } from 'uuid';
import { accountIdsOf, latestJournalSeqs } from '../../platform/index.ts';
import type { JobMap } from '../../queue/boss.ts';
import type { Database } from '../../storage/index.ts';
import { nextRunAt } from '../integrations/schemas.ts';
import { entitiesOf } from '../mapping/entities/index.ts';
import type { SyncJob } from '../runner/runner.ts';
import { Runs } from '../runs/runs.ts';
import type { EntityType } from '../types.ts';

/**
 * A run left WAITING this long with no job to run it is queued again: its process died between
 * creating it and queueing its job, or a worker fetched its job and died before starting it (the
 * job then stays "active" in pg-boss until it expires, an hour later).
 */
export const ORPHAN_AFTER_SECONDS = 30;

/**
 * Decides when runs happen and queues them: journal notifications (debounced per organization)
 * dispatch on-change integrations with pending changes, the per-minute tick fires schedules and
 * sweeps as a safety net, orphaned runs are queued again, and records that waited for their
 * account are retried once it arrives. Runs go through pg-boss, one singleton per integration.
 */
export class Dispatcher {
  readonly #db: Database;
  readonly #boss: PgBoss;
  readonly #logger: Logger;
  readonly #pending = new Map<string, NodeJS.Timeout>();
  #polling: NodeJS.Timeout | undefined;
  /** The queue workers of this process, woken when a run is queued without delay. */
  readonly workerIds: string[] = [];

  constructor(db: Database, boss: PgBoss, logger: Logger) {
    this.#db = db;
    this.#boss = boss;
    this.#logger = logger;
  }

  /** Debounced per organization (50 ms): a burst of writes becomes one dispatch query. */
  onJournal(orgId: string): void {
    if (this.#pending.has(orgId)) return;
    this.#pending.set(
      orgId,
      setTimeout(() => {
        this.#pending.delete(orgId);
        this.dispatch(orgId).catch((error: unknown) => this.#logger.error({ err: error, orgId }, 'dispatch failed'));
      }, 50),
    );
  }

  async enqueue(job: SyncJob, delayMs = 0): Promise<void> {
    // Incoming runs queue apart from outgoing ones: one of each may wait at once.
    // A continuation queues apart: a change queued meanwhile must not absorb what is left of a full run.
    const singletonKey = job.runId !== undefined ? `${job.integrationId}:${job.runId}` : job.continueFrom !== undefined ? `${job.integrationId}:continues:${job.continueFrom}`
      : job.mode === 'incoming' || job.mode === 'incoming_full' ? `${job.integrationId}:incoming` : job.integrationId;
    const data: JobMap['integration-sync'] = {
      orgId: job.orgId,
      integrationId: job.integrationId,
      trigger: job.trigger,
      mode: job.mode,
      ...(job.runId !== undefined ? { runId: job.runId } : {}),
      ...(job.recordIds !== undefined ? { recordIds: job.recordIds } : {}),
      ...(job.salesforceIds !== undefined ? { salesforceIds: job.salesforceIds } : {}),
      ...(job.replayOf !== undefined ? { replayOf: job.replayOf } : {}),
      ...(job.force === true ? { force: true } : {}),
      ...(job.continueFrom !== undefined ? { continueFrom: job.continueFrom } : {}),
    };
    await this.#boss.send('integration-sync', data, { singletonKey, ...(delayMs > 0 ? { startAfter: Math.ceil(delayMs / 1000) } : {}) });
    if (delayMs === 0) for (const id of this.workerIds) this.#boss.notifyWorker(id);
  }

  /** Queues every on-change integration of the organization that has changes past its watermark. */
  async dispatch(orgId: string): Promise<number> {
    const candidates = await this.#db.query<{ id: string; entity_type: EntityType; cursor_seq: number; catching_up: boolean }>(
      `SELECT id, entity_type, cursor_seq, journal_gap IS NOT NULL AS catching_up FROM integrations
       WHERE org_id = $1 AND enabled AND credential_id IS NOT NULL AND (trigger->>'onChange')::boolean AND (paused_until IS NULL OR paused_until < now())
         AND COALESCE(sync->>'direction', 'to_salesforce') <> 'from_salesforce'`,
      [orgId],
    );
    if (candidates.length === 0) return 0;
    const heads = await latestJournalSeqs(this.#db, orgId, [...new Set(candidates.flatMap((c) => entitiesOf(c.entity_type)))]);
    // One that lost unsent journal entries to pruning while disabled catches up (a full pass) at once.
    const due = candidates.filter((c) => c.catching_up || entitiesOf(c.entity_type).some((entity) => (heads.get(entity) ?? 0) > Number(c.cursor_seq)));
    for (const row of due) await this.enqueue({ orgId, integrationId: row.id, trigger: 'change', mode: 'incremental' });
    return due.length;
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
    for (const row of due) await this.enqueue({ orgId: row.org_id, integrationId: row.id, trigger: 'schedule', mode: 'incremental' });
    await this.requeueOrphans(ORPHAN_AFTER_SECONDS);
    await this.sweep();
    return due.length;
  }

  /**
   * Queues again the runs WAITING for at least `seconds` that no job will run: none queued, and
   * none fetched in the last `seconds` (a live worker starts a run it fetched at once). A second
   * job for a run is harmless: only one can move it to STARTED, the other finds it moved on.
   */
  async requeueOrphans(seconds: number): Promise<void> {
    const orphans = await this.#db.query<{ org_id: string; id: string; integration_id: string; mode: SyncJob['mode']; trigger: SyncJob['trigger']; record_ids: string[] | null; replay_of: string | null; continued_from: string | null }>(
      `SELECT r.org_id, r.id, r.integration_id, r.mode, r.trigger, r.record_ids, r.replay_of, r.continued_from FROM runs r
       WHERE r.status = 'WAITING' AND r.created_at <= now() - make_interval(secs => $1)
         AND NOT EXISTS (SELECT 1 FROM pgboss.job j WHERE j.name = 'integration-sync' AND j.data->>'runId' = r.id::text
                         AND (j.state IN ('created', 'retry') OR (j.state = 'active' AND j.started_on > now() - make_interval(secs => $1))))
       ORDER BY r.created_at LIMIT 100`,
      [seconds],
    );
    for (const run of orphans) {
      this.#logger.warn({ orgId: run.org_id, integrationId: run.integration_id, runId: run.id }, 'run was waiting with no job to run it: queued again');
      await this.enqueue({
        orgId: run.org_id, integrationId: run.integration_id, trigger: run.trigger, mode: run.mode, runId: run.id,
        recordIds: run.record_ids ?? undefined, replayOf: run.replay_of ?? undefined, force: run.trigger === 'replay' || run.trigger === 'retry', continueFrom: run.continued_from ?? undefined,
      });
    }
  }

  /**
   * A record refused because its account had not reached Salesforce yet (an account and its bill
   * created together, delivered by two integrations) is retried as soon as the account arrives.
   */
  async retryWaitingForAccounts(orgId: string, accountIds: string[]): Promise<void> {
    // Called both when accounts were delivered and when records were refused for want of one:
    // each side looks after its own commit, so whichever comes second sees the other. Only
    // accounts now linked in the waiting integration's org count.
    // The events are claimed, their runs created and the events marked in one transaction (FOR
    // UPDATE SKIP LOCKED only locks inside one): two workers never retry the same event twice.
    // Which waiting records belong to these accounts (read without locks), then only those
    // events are claimed.
    const open = await this.#db.query<{ id: string; entity_id: string }>(
      `SELECT id, entity_id FROM events WHERE org_id = $1 AND name = 'integration.missing_account_mapping.error' AND actioned_at IS NULL AND retried_at IS NULL`,
      [orgId],
    );
    if (open.length === 0) return;
    const wanted = new Set(accountIds);
    const accountOf = await accountIdsOf(this.#db, orgId, [...new Set(open.map((e) => e.entity_id))]);
    const eventIds = open.filter((e) => wanted.has(accountOf.get(e.entity_id) ?? '')).map((e) => e.id);
    if (eventIds.length === 0) return;
    const claimed = await this.#db.transaction(async (tx) => {
      const waiting = await tx.query<{ id: string; integration_id: string; entity_id: string }>(
        `SELECT e.id, e.integration_id, e.entity_id FROM events e
         JOIN integrations i ON i.org_id = e.org_id AND i.id = e.integration_id
         WHERE e.org_id = $1 AND e.id = ANY($2::uuid[]) AND e.actioned_at IS NULL AND e.retried_at IS NULL
           -- There, the cure is an external mapping, not a delivered account: no automatic retry.
           AND NOT (i.settings->>'useExternalMappingAccountCode')::boolean
           AND EXISTS (SELECT 1 FROM links l WHERE l.org_id = e.org_id AND l.entity = 'accounts' AND l.entity_id = ANY($3::uuid[]) AND l.salesforce_org_id = i.salesforce_org_id
                       AND l.entity_id = ($4::jsonb ->> e.entity_id::text)::uuid)
         FOR UPDATE OF e SKIP LOCKED`,
        [orgId, eventIds, accountIds, JSON.stringify(Object.fromEntries(accountOf))],
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
    for (const run of claimed) await this.enqueue({ orgId, integrationId: run.integrationId, trigger: 'retry', mode: 'incremental', runId: run.runId, recordIds: run.recordIds });
  }

  /**
   * Queues an incoming run for every integration that reads from Salesforce, has its switch on,
   * and whose poll interval has passed since it last read (or that never read). One that reads by
   * change events runs when events arrive (the stream queues it), and here only when events or a
   * re-read wait after a failed run, or its reader setting changed: idle, it costs nothing.
   */
  async pollDue(): Promise<number> {
    const due = await this.#db.query<{ org_id: string; id: string }>(
      `SELECT i.org_id, i.id FROM integrations i
       WHERE i.enabled AND i.credential_id IS NOT NULL AND (i.paused_until IS NULL OR i.paused_until < now())
         AND COALESCE(i.sync->>'direction', 'to_salesforce') <> 'to_salesforce'
         AND COALESCE((i.sync->>'incoming')::boolean, true)
         AND EXISTS (SELECT 1 FROM organizations o WHERE o.id = i.org_id AND o.incoming_sync)
         AND NOT EXISTS (SELECT 1 FROM incoming_cursors c WHERE c.org_id = i.org_id AND c.integration_id = i.id
                         AND (c.polled_at > now() - make_interval(secs => CASE WHEN c.mode = 'cdc' THEN LEAST(COALESCE((i.sync->>'pollIntervalSeconds')::int, 3600), 60) ELSE COALESCE((i.sync->>'pollIntervalSeconds')::int, 3600) END)
                              OR (c.mode = 'cdc' AND c.setting = COALESCE(i.sync->>'reader', 'auto') AND c.catch_up_since IS NULL
                                  AND NOT EXISTS (SELECT 1 FROM incoming_events e WHERE e.org_id = c.org_id AND e.integration_id = c.integration_id))))`,
    );
    for (const row of due) await this.enqueue({ orgId: row.org_id, integrationId: row.id, trigger: 'poll', mode: 'incoming' });
    return due.length;
  }

  /** Queues an incoming run when change events wait for the integration (after a run ended). */
  async queueStoredEvents(orgId: string, integrationId: string): Promise<void> {
    const waiting = await this.#db.query(
      `SELECT 1 FROM incoming_cursors c WHERE c.org_id = $1 AND c.integration_id = $2
         AND (c.catch_up_since IS NOT NULL OR EXISTS (SELECT 1 FROM incoming_events e WHERE e.org_id = c.org_id AND e.integration_id = c.integration_id)) LIMIT 1`,
      [orgId, integrationId],
    );
    if (waiting.length > 0) await this.enqueue({ orgId, integrationId, trigger: 'stream', mode: 'incoming' });
  }

  /** Checks for due polls every `everyMs` until stopped. */
  startPolling(everyMs: number): void {
    this.#polling = setInterval(() => {
      this.pollDue().catch((error: unknown) => this.#logger.error({ err: error }, 'queueing incoming runs failed'));
    }, everyMs);
    this.#polling.unref();
  }

  stop(): void {
    for (const timer of this.#pending.values()) clearTimeout(timer);
    this.#pending.clear();
    if (this.#polling !== undefined) clearInterval(this.#polling);
  }
}
