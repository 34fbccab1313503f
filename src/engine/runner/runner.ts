import { v7 as uuidv7 } from 'uuid';
import type { Logger } from 'pino';
import type { RecordStore } from '../../platform/index.ts';
import { lastJournalSeq, userEmails } from '../../platform/index.ts';
import { SalesforceError, type ClientOptions, type ObjectDescribe, type SalesforceClient, type SalesforceErrorInfo } from '../../salesforce/index.ts';
import type { Database } from '../../storage/index.ts';
import type { Credentials } from '../credentials/credentials.ts';
import { check, assertMappedFieldsExist } from '../delivery/check.ts';
import { RunState, type Candidate, type DeliveryContext, type Planned } from '../delivery/context.ts';
import { plan, verifyParents } from '../delivery/map.ts';
import { HINTS, markPlannedFailures, recordPlanned, recordWritten } from '../delivery/record.ts';
import type { SchemaCache } from '../delivery/schema-cache.ts';
import { scopeOf } from '../delivery/scope.ts';
import { hasPendingChanges, select, type FullPosition } from '../delivery/select.ts';
import { partsOf } from '../delivery/parts.ts';
import { NothingToReadError, readChanges, writePendingKeys } from '../incoming/incoming.ts';
import type { LoadPosition } from '../incoming/initial-load.ts';
import { compileReading, type ReadingMapping } from '../incoming/reading.ts';
import { settleInterrupted, writeParents } from '../delivery/write.ts';
import { compileAccountFilter } from '../filters/account-filter.ts';
import { CATALOGUE_OBJECTS, planCatalogue, priceBooksOf } from '../imports/catalogue.ts';
import { previewImport, runImport, type ImportPlan, type ImportPreviewItem } from '../imports/reconcile.ts';
import { picklistReport, planReferenceData, REFERENCE_OBJECT } from '../imports/reference.ts';
import { reconcile } from '../reconciliation/run.ts';
import { reconciliationSource } from '../reconciliation/files.ts';
import { SourceError } from '../reconciliation/sources.ts';
import { IMPORT_ENTITY_TYPES } from '../integrations/schemas.ts';
import { syncOf, toIntegrationView, type IntegrationRow, type Integrations } from '../integrations/integrations.ts';
import { entitiesOf } from '../mapping/entities/index.ts';
import { compileMapping, MappingCompileError, type CompiledMapping, type ObjectMapper } from '../mapping/mapping.ts';
import { effectiveRules } from '../mapping/stored.ts';
import type { Mailer } from '../notifications/mailer.ts';
import type { RunAlerts } from '../notifications/run-alerts.ts';
import { Events, severityOf } from '../runs/events.ts';
import { databaseRequestLogger } from '../runs/request-logs.ts';
import { Runs, type RunView } from '../runs/runs.ts';
import { followsJournal, type JournalGap } from '../retention/journal.ts';
import { InvalidTransitionError, readsFromSalesforce, type RunMode, type RunStatus, type RunTrigger } from '../types.ts';
import { metrics } from '../metrics.ts';

export interface SyncJob {
  orgId: string;
  integrationId: string;
  trigger: RunTrigger;
  mode: RunMode;
  /** A run created beforehand (by the API) to fill in. */
  runId?: string | undefined;
  /** Only these records. */
  recordIds?: string[] | undefined;
  /** Incoming: read these Salesforce records again (a refused change retried), not the changes since the position. */
  salesforceIds?: string[] | undefined;
  /** Send even records unchanged since their last delivery (a person's retry or replay, full sync). */
  force?: boolean | undefined;
  replayOf?: string | undefined;
  /** The run this one continues: a full run starts at the position it reached. */
  continueFrom?: string | undefined;
}

export interface RunnerOptions {
  /** Journal entries read per chunk; the watermark advances after each delivered chunk. */
  chunkSize?: number;
  /** How long an integration stays paused after REQUEST_LIMIT_EXCEEDED or budget exhaustion. */
  rateLimitPauseMs?: number;
  /** Delay before a run that ran out of transient retries is tried again. */
  retryDelayMs?: number;
  /** How long a run holds its integration's lease before another worker may take over. */
  leaseMs?: number;
  /**
   * Fair queueing: a run that has worked this long while other runs wait ends after its current
   * batch, and a run that continues it queues behind them (0: never).
   */
  sliceMs?: number;
  clientOptions?: ClientOptions;
}

/** Every Salesforce object a mapping writes, children included. */
function objectsOf(mapping: CompiledMapping): string[] {
  return mapping.objects.flatMap((m) => [m.object, ...(m.child !== undefined ? [m.child.definition.object] : [])]);
}

/** The describes of the objects the org has. */
function present(described: Map<string, ObjectDescribe | null>): Map<string, ObjectDescribe> {
  return new Map([...described].flatMap(([name, d]) => (d === null ? [] : [[name, d] as const])));
}

/** The fields an integration that also reads from Salesforce syncs both ways: a delivery sets their base. */
async function runSalesforceIds(db: Database, orgId: string, runId: string): Promise<string[] | undefined> {
  const [row] = await db.query<{ salesforce_ids: string[] | null }>('SELECT salesforce_ids FROM runs WHERE org_id = $1 AND id = $2', [orgId, runId]);
  return row?.salesforce_ids ?? undefined;
}

function baseFields(integration: IntegrationRow): ReadingMapping | undefined {
  if (syncOf(integration).direction === 'to_salesforce') return undefined;
  const reading = compileReading(integration.entity_type, effectiveRules(integration));
  return { ...reading, fields: reading.fields.filter((f) => f.both) };
}

/**
 * The gap a delivery run must catch up on (see engine/retention): journal entries the integration
 * had not sent were pruned. Not for a run of given records (a retried event, a replay), nor for
 * imports, which read everything at every run.
 */
function catchUpOf(integration: IntegrationRow, job: SyncJob): JournalGap | null {
  if (integration.journal_gap === null || job.recordIds !== undefined || readsFromSalesforce(job.mode)) return null;
  return followsJournal(integration.entity_type) ? integration.journal_gap : null;
}

/** Parts of a batch on their way to Salesforce at once. */
const PARTS_IN_FLIGHT = 4;

export const RUNNER_DEFAULTS = { chunkSize: 10_000, rateLimitPauseMs: 15 * 60_000, retryDelayMs: 30_000, leaseMs: 10 * 60_000, sliceMs: 60_000 } as const;

export interface RunnerDeps {
  db: Database;
  credentials: Credentials;
  integrations: Integrations;
  logger: Logger;
  mailer?: Mailer | undefined;
  /** The organization's webhook alerts (disabled integrations, failed runs, held conflicts). */
  alerts?: RunAlerts | undefined;
  /** Queues a follow-up run after `delayMs` (retries, rate-limit pauses, busy integrations). */
  requeue: (job: SyncJob, delayMs: number) => Promise<void>;
  /** This worker process, as registered in `workers`: leases and started runs name it. */
  workerId: string;
  /** Called after a run that moved its watermark: dispatches changes that arrived meanwhile. */
  afterRun?: (orgId: string, integrationId: string) => Promise<void>;
  /** Called when accounts reached Salesforce: records that waited for them can go now. */
  afterAccountsDelivered?: (orgId: string, accountIds: string[]) => Promise<void>;
  /** Describes of the connected orgs' objects, shared with mapping validation. */
  schemas: SchemaCache;
  /** Where incoming changes are written (with the store's validation and journal). */
  store: RecordStore;
}


export interface PreviewItem {
  entity: string;
  id: string;
  /** fail: the run would hold the record back with the event named (check stage, missing parent). */
  action: 'upsert' | 'delete' | 'skip' | 'fail';
  reason?: string | undefined;
  event?: string | undefined;
  object: string;
  /** Imports: the row's key (its Ferry_Id__c), one record of Ferry giving several rows. */
  key?: string | undefined;
  fields?: Record<string, unknown> | undefined;
  children?: Record<string, unknown>[] | undefined;
}

/** The run's lease was taken over (its worker was presumed dead): it must stop writing. */
class LeaseLostError extends Error {
  override name = 'LeaseLostError';
}

/** A stored setting no longer parses (e.g. an account filter after a grammar change). */
class StoredSettingsError extends Error {
  override name = 'StoredSettingsError';
  readonly info: SalesforceErrorInfo;

  constructor(info: SalesforceErrorInfo) {
    super(info.message);
    this.info = info;
  }
}

/**
 * Fail closed: settings are checked when saved, but one stored earlier may no longer parse. Such a
 * run stops before anything is sent, with an event that says which setting and why.
 */
function checkStoredSettings(integration: IntegrationRow): void {
  const source = integration.settings.accountFilter;
  if (source === null) return;
  const compiled = compileAccountFilter(source);
  if (compiled.ok) return;
  throw new StoredSettingsError({
    kind: 'config',
    errorCode: 'INVALID_STORED_SETTING',
    message: `The stored account filter no longer compiles: ${compiled.error.message} at character ${compiled.error.position} of ${JSON.stringify(source)}. Nothing was sent.`,
    fields: ['settings.accountFilter'],
  });
}

/**
 * Executes integration runs: holds the integration's lease, moves the run through its states,
 * passes each batch through the delivery stages (src/engine/delivery: select, scope, map, check,
 * write, record), moves the watermark, and accounts for failures (pauses, retries, auto-disable
 * and its e-mail).
 */
export class Runner {
  readonly #deps: RunnerDeps;
  readonly #options: Required<RunnerOptions>;
  #stopping = false;

  constructor(deps: RunnerDeps, options: RunnerOptions = {}) {
    this.#deps = deps;
    this.#options = { ...RUNNER_DEFAULTS, clientOptions: {}, ...options };
  }

  /** Runs a job; resolves to the run, or undefined when nothing ran (disabled, paused, busy). */
  async execute(job: SyncJob): Promise<RunView | undefined> {
    const { db, integrations } = this.#deps;
    const runs = new Runs(db);
    // pg-boss delivers a job again when the worker that had it died: a run that has ended since
    // (closed as INTERRUPTED and queued anew) must not run twice, nor take the lease.
    if (job.runId !== undefined) {
      const existing = await runs.get(job.orgId, job.runId);
      if (existing !== undefined && existing.status !== 'WAITING') {
        this.#deps.logger.info({ orgId: job.orgId, integrationId: job.integrationId, runId: job.runId, status: existing.status }, 'job delivered again for a run that has ended: nothing to do');
        return existing;
      }
    }
    const integration = await integrations.row(job.orgId, job.integrationId);
    if (integration === undefined) return undefined;
    const manual = job.trigger !== 'change' && job.trigger !== 'schedule' && job.trigger !== 'poll' && job.trigger !== 'stream';
    if (!integration.enabled || integration.credential_id === null) {
      if (!manual && job.runId === undefined) return undefined;
      const run = await runs.create(job.orgId, integration.id, { id: job.runId, trigger: job.trigger, mode: job.mode, replayOf: job.replayOf, recordIds: job.recordIds });
      const reason = integration.enabled ? 'The integration is not connected to a credential.' : 'The integration is disabled.';
      return runs.transition(job.orgId, run.id, 'DISABLED', { error: { errorCode: integration.enabled ? 'NOT_CONNECTED' : 'DISABLED', message: reason } });
    }
    if (integration.paused_until !== null && integration.paused_until > new Date() && !manual) {
      await this.#deps.requeue(job, integration.paused_until.getTime() - Date.now());
      return undefined;
    }
    // The lease makes one integration run once at a time across every worker process. It names
    // the worker, so that a worker that stops beating loses it within seconds (Engine.reap).
    const runId = job.runId ?? uuidv7();
    const claimed = await db.query(
      `UPDATE integrations SET lease_run_id = $3, lease_worker_id = $5, lease_until = now() + ($4 || ' milliseconds')::interval
       WHERE org_id = $1 AND id = $2 AND (lease_run_id IS NULL OR lease_until < now()) RETURNING id`,
      [job.orgId, integration.id, runId, String(this.#options.leaseMs), this.#deps.workerId],
    );
    if (claimed.length === 0) {
      // Another worker runs this integration. Changes need no job of their own: the running one
      // dispatches again when it finishes if more arrived (journal changes, stored change events).
      // A requested run keeps its id and waits.
      if ((job.trigger !== 'change' && job.trigger !== 'stream') || job.runId !== undefined || job.continueFrom !== undefined) await this.#deps.requeue(job, 1000);
      return undefined;
    }
    const log = this.#deps.logger.child({ orgId: job.orgId, integrationId: integration.id, runId });
    const run = await runs.create(job.orgId, integration.id, { id: runId, trigger: job.trigger, mode: job.mode, replayOf: job.replayOf, recordIds: job.recordIds, continuedFrom: job.continueFrom });
    try {
      await runs.transition(job.orgId, run.id, 'STARTED', { workerId: this.#deps.workerId });
    } catch (error) {
      // Someone else moved the run first (a duplicate job): leave it to them.
      await this.#releaseLease(integration, run.id);
      if (error instanceof InvalidTransitionError) {
        log.info({ reason: error.message }, 'run already moved on: nothing to do');
        return runs.get(job.orgId, run.id);
      }
      throw error;
    }
    const state = new RunState();
    let status: RunStatus = 'COMPLETE';
    let runError: { errorCode: string; message: string } | null = null;
    try {
      // Nothing to do costs no Salesforce call, not even a sign-in: the run just completes. An
      // integration that only reads from Salesforce sends nothing.
      if (readsFromSalesforce(job.mode)) {
        checkStoredSettings(integration);
        await this.#signInAndDeliver(integration, job, run.id, state);
      } else if (syncOf(integration).direction === 'from_salesforce') {
        // nothing to send
      } else if (integration.entity_type === 'Reconciliation') {
        // A reconciliation follows no change: each run (scheduled, or by hand) compares the three sides.
        await this.#signInAndDeliver(integration, job, run.id, state);
      } else if (job.mode === 'full' || job.recordIds !== undefined || catchUpOf(integration, job) !== null || (await hasPendingChanges(db, integration, entitiesOf(integration.entity_type)))) {
        checkStoredSettings(integration);
        this.#mappingOf(integration);
        await this.#signInAndDeliver(integration, job, run.id, state);
      }
      status = state.counts.failed > 0 ? 'ERROR' : 'COMPLETE';
    } catch (caught) {
      if (caught instanceof LeaseLostError) {
        log.warn({ reason: caught.message }, 'run lost its lease: another worker took the integration over');
        runError = { errorCode: 'LEASE_LOST', message: caught.message };
        status = 'INTERRUPTED';
      } else if (caught instanceof SalesforceError || caught instanceof StoredSettingsError) {
        runError = { errorCode: caught.info.errorCode, message: caught.info.message };
        status = await this.#onRunError(integration, job, run.id, caught.info, state);
      } else {
        // A bug in Ferry: logged with its stack and shown as Ferry's, never as the customer's data
        // problem. It does not count toward auto-disable and e-mails nobody.
        log.error({ err: caught }, 'run failed with an internal error');
        const message = caught instanceof Error ? `${caught.name}: ${caught.message}` : String(caught);
        runError = { errorCode: 'INTERNAL_ERROR', message };
        state.events.push({
          integrationId: integration.id,
          runId: run.id,
          name: 'integration.internal.error',
          message: `Ferry failed while running this integration (${message}). This is a fault in Ferry, not in your data; the changes stay pending.`,
          hint: 'Retry the run; if it fails the same way, report it to the Ferry maintainers with this event and the server log of this run.',
        });
        status = 'ERROR';
      }
    } finally {
      await this.#releaseLease(integration, run.id);
    }
    const finished = await this.#finish(job, run.id, integration, state, status, runError);
    log.info({ status, counts: state.counts }, 'run finished');
    return finished;
  }

  async #releaseLease(integration: IntegrationRow, runId: string): Promise<void> {
    await this.#deps.db.query(
      'UPDATE integrations SET lease_run_id = NULL, lease_worker_id = NULL, lease_until = NULL, last_run_at = now() WHERE org_id = $1 AND id = $2 AND lease_run_id = $3',
      [integration.org_id, integration.id, runId],
    );
  }

  async #signInAndDeliver(integration: IntegrationRow, job: SyncJob, runId: string, state: RunState): Promise<void> {
    const { db } = this.#deps;
    const credentialId = integration.credential_id!;
    const { client, identity } = await this.#deps.credentials.open(job.orgId, credentialId, {
      ...this.#options.clientOptions,
      budgetShare: integration.delivery.budgetShare,
      concurrency: integration.delivery.concurrency,
      logger: databaseRequestLogger(db, { orgId: job.orgId, integrationId: integration.id, runId, credentialId }),
    });
    if (integration.salesforce_org_id !== null && integration.salesforce_org_id !== identity.organizationId) {
      throw new SalesforceError({
        kind: 'config',
        errorCode: 'ORG_MISMATCH',
        message: `The credential now connects to Salesforce org ${identity.organizationId}, but this integration delivered to ${integration.salesforce_org_id}. Purge its links on purpose to start over with the new org.`,
      });
    }
    if (integration.salesforce_org_id === null) {
      await db.query('UPDATE integrations SET salesforce_org_id = $3 WHERE org_id = $1 AND id = $2', [job.orgId, integration.id, identity.organizationId]);
    }
    if (readsFromSalesforce(job.mode)) {
      try {
        // A retried run keeps its records in the run (its job may be queued again without them).
        const salesforceIds = job.salesforceIds ?? (job.runId === undefined ? undefined : await runSalesforceIds(db, job.orgId, job.runId));
        const requestRead = async (orgId: string, integrationId: string, ids: string[]) => {
          // A run of its own (its id in the queue key), so a waiting poll cannot swallow it.
          const follow = await new Runs(db).create(orgId, integrationId, { trigger: 'follow', mode: 'incoming', salesforceIds: ids });
          await this.#deps.requeue({ orgId, integrationId, trigger: 'follow', mode: 'incoming', runId: follow.id, salesforceIds: ids }, 0);
        };
        const why = job.trigger === 'follow' ? 'read as its parent came in' : undefined;
        // A load keeps its position after each page; one continuing a stopped load goes on from it.
        const load = job.mode === 'incoming_full' ? {
          from: job.continueFrom === undefined ? undefined : await this.#positionOf<LoadPosition>(job.orgId, job.continueFrom, 'incoming_full'),
          save: (position: LoadPosition) => this.#saveProgress(job.orgId, runId, state, position),
          // A Bulk API result page is read whole: its size follows the batch size (memory).
          pageSize: this.#options.chunkSize,
          // A stopping process ends the read after the page it is on; another worker continues it.
          shouldStop: () => this.#stopping,
        } : undefined;
        const requestFullRead = async (orgId: string, integrationId: string) => {
          const everything = await new Runs(db).create(orgId, integrationId, { trigger: 'follow', mode: 'incoming_full' });
          await this.#deps.requeue({ orgId, integrationId, trigger: 'follow', mode: 'incoming_full', runId: everything.id }, 0);
        };
        await readChanges({ db, store: this.#deps.store, requestRead, requestFullRead }, integration, runId, client, identity.userId, state, { everything: job.mode === 'incoming_full', load, salesforceIds, why });
      } catch (error) {
        if (!(error instanceof NothingToReadError)) throw error;
        throw new StoredSettingsError({ kind: 'config', errorCode: 'NOTHING_TO_READ', message: error.message, fields: ['mapping'] });
      }
      return;
    }
    if ((IMPORT_ENTITY_TYPES as readonly string[]).includes(integration.entity_type)) {
      await this.#import(integration, job, runId, client, identity.organizationId, state);
      return;
    }
    if (integration.entity_type === 'Reconciliation') {
      await this.#reconcile(integration, runId, client, identity.organizationId, state);
      return;
    }
    // Records Ferry created from Salesforce carry Ferry's id there before any upsert names them by it.
    const reading = baseFields(integration);
    if (reading !== undefined) await writePendingKeys(db, client, integration, reading.object);
    await this.#deliverAll(integration, job, runId, client, identity.organizationId, reading, state);
  }

  async #finish(job: SyncJob, runId: string, integration: IntegrationRow, state: RunState, status: RunStatus, runError: { errorCode: string; message: string } | null): Promise<RunView> {
    // Runs after execute released the lease, so afterRun's dispatch can start the next run at once.
    const { db } = this.#deps;
    await new Events(db).record(job.orgId, state.events);
    if (state.waitingAccounts.size > 0) await this.#deps.afterAccountsDelivered?.(job.orgId, [...state.waitingAccounts]);
    let finished: RunView;
    try {
      finished = await new Runs(db).transition(job.orgId, runId, status, {
        ...state.counts,
        error: runError,
        fromSeq: state.fromSeq,
        toSeq: state.toSeq,
        recordIds: [...state.recordIds],
        skips: [...state.skips].map(([reason, entry]) => ({ reason, ...entry })),
      });
    } catch (error) {
      if (!(error instanceof InvalidTransitionError)) throw error;
      // Closed meanwhile as INTERRUPTED (its worker was presumed stopped) and queued again: that
      // run is the one that counts now.
      this.#deps.logger.warn({ orgId: job.orgId, integrationId: integration.id, runId, reason: error.message }, 'run was closed by another worker while it ran');
      return (await new Runs(db).get(job.orgId, runId))!;
    }
    metrics.runs.inc({ entity_type: integration.entity_type, mode: job.mode, status });
    // Its time slice used up while others waited: the rest is a run of its own, at the back of the queue.
    if (state.continues && status === 'COMPLETE') {
      await this.#deps.requeue({ orgId: job.orgId, integrationId: integration.id, trigger: job.trigger, mode: job.mode, force: job.force, continueFrom: runId }, 0);
      this.#deps.logger.info({ orgId: job.orgId, integrationId: integration.id, runId }, 'time slice used while other runs wait: the rest continues in a run queued behind them');
    }
    if (!readsFromSalesforce(job.mode)) {
      for (const outcome of ['created', 'updated', 'deleted', 'skipped', 'failed'] as const) {
        if (state.counts[outcome] > 0) metrics.delivered.inc({ entity_type: integration.entity_type, outcome }, state.counts[outcome]);
      }
    }
    await this.#account(integration, state, runId);
    if (state.heldConflicts.size > 0) {
      const held = [...state.heldConflicts];
      await this.#alert(integration, runId, 'conflict.held', (alerts) => alerts.conflictsHeld(integration, runId, held));
    }
    // Changes that arrived during the run are delivered at once, not after a poll. Only when the
    // watermark moved: a run that failed as a whole waits for the next change or retry instead of
    // looping on the same failure.
    if (status === 'COMPLETE' || (status === 'ERROR' && state.toSeq !== null)) await this.#deps.afterRun?.(job.orgId, integration.id);
    return finished;
  }

  async #onRunError(integration: IntegrationRow, job: SyncJob, runId: string, info: SalesforceErrorInfo, state: RunState): Promise<RunStatus> {
    const { db } = this.#deps;
    const base = { integrationId: integration.id, runId, salesforceError: { errorCode: info.errorCode, message: info.message, ...(info.fields ? { fields: info.fields } : {}) } };
    switch (info.kind) {
      case 'auth':
        this.#deps.credentials.forget(integration.credential_id ?? '');
        state.events.push({ ...base, name: 'integration.authentication.error', message: `Ferry could not sign in to Salesforce: ${info.errorCode}: ${info.message}`, hint: 'Test the credential (POST /credentials/{id}/test) and fix it, or switch the integration to another credential.' });
        return 'AUTH_FAILED';
      case 'rate_limit': {
        const until = new Date(Date.now() + this.#options.rateLimitPauseMs);
        await db.query('UPDATE integrations SET paused_until = $3 WHERE org_id = $1 AND id = $2', [integration.org_id, integration.id, until]);
        state.events.push({ ...base, name: 'integration.rate_limit.warning', message: `Paused until ${until.toISOString()}: ${info.errorCode}: ${info.message}`, hint: 'Ferry resumes by itself; raise the integration\'s budgetShare or the org\'s allocation to go faster.' });
        await this.#deps.requeue({ ...job, runId: undefined, trigger: job.trigger === 'manual' ? 'manual' : job.trigger }, this.#options.rateLimitPauseMs);
        return 'RATE_LIMIT_RETRY';
      }
      case 'transient':
        state.events.push({ ...base, name: 'integration.perform.error', message: `Salesforce kept failing after retries: ${info.errorCode}: ${info.message}`, hint: 'Ferry tries again by itself; if it persists, check Salesforce\'s status.' });
        await this.#deps.requeue({ ...job, runId: undefined }, this.#options.retryDelayMs);
        return 'AWAITING_RETRY';
      case 'config':
      case 'fatal':
        state.events.push({
          ...base,
          name: info.errorCode === 'ORG_MISMATCH' ? 'integration.org_mismatch.error' : info.errorCode === 'INVALID_STORED_SETTING' || info.errorCode === 'MAPPED_FIELD_MISSING' ? 'integration.configuration.error' : 'integration.perform.error',
          message: `${info.errorCode}: ${info.message}`,
          hint: info.errorCode === 'ORG_MISMATCH' ? 'POST /integrations/{id}/purge-links to start over with the new org, or connect the original org again.'
            : info.errorCode === 'INVALID_STORED_SETTING' ? 'Correct the setting (PATCH /integrations/{id}, or PUT /integrations/{id}/mapping); the held-back changes are sent on the next run.'
            : info.errorCode === 'MAPPED_FIELD_MISSING' ? 'Create the field in the org (or deploy salesforce/), or remove its rule (PATCH /integrations/{id}/mapping); the held-back changes are sent on the next run.'
            : (HINTS[info.errorCode] ?? 'Look at the request log of this run for the failing call.'),
        });
        return 'ERROR';
    }
  }

  /**
   * Auto-disable counts failed attempts, not records: a run that delivered anything resets the
   * count; a run that delivered nothing and met an error of the customer's side (data, settings,
   * credentials, Salesforce refusing) adds one. Ferry's own faults (integration.internal.error)
   * count for nothing and e-mail nobody.
   */
  async #account(integration: IntegrationRow, state: RunState, runId: string): Promise<void> {
    const { db } = this.#deps;
    const failed = state.successes === 0 && state.events.some((e) => severityOf(e.name) === 'error' && e.name !== 'integration.internal.error');
    if (!failed && state.successes === 0) return;
    const [row] = await db.query<{ consecutive_errors: number; error_threshold: number; enabled: boolean }>(
      `UPDATE integrations SET consecutive_errors = CASE WHEN $3 THEN consecutive_errors + 1 ELSE 0 END
       WHERE org_id = $1 AND id = $2 RETURNING consecutive_errors, error_threshold, enabled`,
      [integration.org_id, integration.id, failed],
    );
    if (row === undefined) return;
    if (failed) await this.#alert(integration, runId, 'runs.failed', (alerts) => alerts.failedRuns(integration, runId, row.consecutive_errors));
    if (!row.enabled || row.consecutive_errors < row.error_threshold) return;
    const reason = `${row.consecutive_errors} successive failed runs (threshold ${row.error_threshold})`;
    // Guarded: of two runs crossing the threshold at once, one disables and e-mails.
    const disabled = await db.query(
      'UPDATE integrations SET enabled = false, disabled_at = now(), disabled_reason = $3, version = version + 1 WHERE org_id = $1 AND id = $2 AND enabled RETURNING id',
      [integration.org_id, integration.id, reason],
    );
    if (disabled.length === 0) return;
    await new Events(db).record(integration.org_id, [{
      integrationId: integration.id,
      runId,
      name: 'integration.disabled',
      message: `The integration "${integration.name}" disabled itself after ${reason}.`,
      hint: 'Fix the causes listed in its error events, then re-enable it (POST /integrations/{id}/enable).',
    }]);
    await this.#notifyDisabled(integration, reason);
    await this.#alert(integration, runId, 'integration.disabled', (alerts) => alerts.disabled(integration, runId, reason, row.consecutive_errors));
  }

  /**
   * Queues a webhook alert after the run has ended: it only writes a row and a job (a worker sends
   * it), and a failure to queue it is logged, never the run's.
   */
  async #alert(integration: IntegrationRow, runId: string, type: string, queue: (alerts: RunAlerts) => Promise<void>): Promise<void> {
    const { alerts } = this.#deps;
    if (alerts === undefined) return;
    try {
      await queue(alerts);
    } catch (error) {
      this.#deps.logger.error({ err: error, orgId: integration.org_id, integrationId: integration.id, runId, type }, 'could not queue the webhook alert');
    }
  }

  async #notifyDisabled(integration: IntegrationRow, reason: string): Promise<void> {
    const ids = integration.settings.notifyUserIds;
    if (ids.length === 0) return;
    const log = this.#deps.logger.child({ orgId: integration.org_id, integrationId: integration.id });
    if (this.#deps.mailer === undefined) {
      log.warn('integration disabled, but no SMTP server is configured (FERRY_SMTP_URL): nobody was e-mailed');
      return;
    }
    const users = await userEmails(this.#deps.db, integration.org_id, ids);
    if (users.length === 0) return;
    const recent = await new Events(this.#deps.db).list(integration.org_id, { integrationId: integration.id, limit: 5 });
    try {
      await this.#deps.mailer.send({
        to: users,
        subject: `Ferry: integration "${integration.name}" was disabled`,
        text: [
          `The ${integration.entity_type} integration "${integration.name}" (${integration.id}) disabled itself after ${reason}.`,
          '',
          'Most recent events:',
          ...recent.map((e) => `- ${e.createdAt} ${e.name}: ${e.message}`),
          '',
          `Fix the causes, then re-enable it: POST /api/v1/integrations/${integration.id}/enable`,
        ].join('\n'),
      });
    } catch (error) {
      log.error({ err: error }, 'could not send the disabled-integration e-mail');
    }
  }

  // ---- imports -------------------------------------------------------------------------------------

  /**
   * An import run (the catalogue): everything Ferry holds of it is planned and reconciled with what
   * the integration wrote before, incremental and full alike (rows unchanged since they were last
   * sent are skipped; a replay or a retried event sends them again). The watermark moves to the
   * journal position read at the start, so changes made during the run start another.
   */
  async #import(integration: IntegrationRow, job: SyncJob, runId: string, client: SalesforceClient, salesforceOrgId: string, state: RunState): Promise<void> {
    const { db } = this.#deps;
    const seq = await lastJournalSeq(db, integration.org_id);
    const { plan, describes } = await this.#importPlan(integration, client, salesforceOrgId, state, true);
    const saveProgress = async (progress: unknown) => {
      await db.query('UPDATE runs SET progress = $3::jsonb WHERE org_id = $1 AND id = $2', [integration.org_id, runId, JSON.stringify(progress)]);
      // A long import keeps its lease while it works; one taken over stops writing.
      const held = await db.query(
        'UPDATE integrations SET lease_until = now() + ($3 || \' milliseconds\')::interval WHERE org_id = $1 AND id = $2 AND lease_run_id = $4 RETURNING id',
        [integration.org_id, integration.id, String(this.#options.leaseMs), runId],
      );
      if (held.length === 0) throw new LeaseLostError(`Run ${runId} no longer holds the lease of integration ${integration.id}; its worker was presumed stopped.`);
    };
    await runImport({ db, integration, runId, client, salesforceOrgId, describes, force: job.force === true, state, onProgress: saveProgress }, plan);
    if (integration.entity_type === 'ReferenceData') {
      for (const check of await picklistReport(db, integration, client)) {
        if (check.problem === null && check.missing.length === 0) continue;
        state.events.push({
          integrationId: integration.id, runId, name: 'integration.picklist_values_missing.warning',
          message: check.problem !== null
            ? `The picklist for ${check.entity} cannot be checked: ${check.problem}.`
            : `${check.object}.${check.field} does not offer ${check.missing.length} ${check.entity} code(s) Ferry has: ${check.missing.join(', ')}.`,
          hint: check.problem !== null
            ? 'Correct settings.picklists (PATCH /integrations/{id}) to name a picklist field of the org.'
            : `Add the values in Salesforce (Setup, or deploy ${check.metadata!.path} from GET /api/v1/integrations/${integration.id}/picklist-report), then run the import again.`,
        });
      }
    }
    state.fromSeq = integration.cursor_seq;
    state.toSeq = seq;
    await db.query('UPDATE integrations SET cursor_seq = GREATEST(cursor_seq, $3) WHERE org_id = $1 AND id = $2 AND lease_run_id = $4', [integration.org_id, integration.id, seq, runId]);
  }

  /** A reconciliation run: the three sides read and matched, the report written (see reconciliation/run.ts). */
  async #reconcile(integration: IntegrationRow, runId: string, client: SalesforceClient, salesforceOrgId: string, state: RunState): Promise<void> {
    const { db } = this.#deps;
    const config = integration.reconciliation;
    if (config === null) throw new StoredSettingsError({ kind: 'config', errorCode: 'INVALID_STORED_SETTING', message: 'The reconciliation has no configuration.', fields: ['reconciliation'] });
    const source = await reconciliationSource(db, integration, config, (row) => this.#deps.integrations.openSecrets(row));
    const summary = await reconcile({
      db, store: this.#deps.store, integration, config, runId, client, salesforceOrgId, state, source, bulkThreshold: integration.delivery.bulkThreshold,
      onProgress: async (progress) => {
        await db.query('UPDATE runs SET progress = $3::jsonb WHERE org_id = $1 AND id = $2', [integration.org_id, runId, JSON.stringify({ ...progress, objects: {} })]);
      },
    }).catch((error: unknown) => {
      // The source failing halfway is the customer's to fix (the file, the endpoint): the run ends
      // in error, and the previous report stays.
      // One that failed for a passing reason (a timeout, a 5xx after the retries) is tried again later.
      if (error instanceof SourceError) throw new SalesforceError({ kind: error.transient ? 'transient' : 'fatal', errorCode: 'SOURCE_FAILED', message: `The billing tool's source failed: ${error.message}`, fields: ['reconciliation.source'] });
      throw error;
    });
    // Nothing is sent anywhere: the report is the outcome (GET /integrations/{id}/reconciliation).
    state.successes++;
    this.#deps.logger.info({ orgId: integration.org_id, integrationId: integration.id, runId, read: summary.read, counts: summary.counts }, 'reconciliation report written');
  }

  /** The org's describes of what an import writes, and its plan (a preview makes no price book). */
  async #importPlan(integration: IntegrationRow, client: SalesforceClient, salesforceOrgId: string, state: RunState, writing: boolean): Promise<{ plan: ImportPlan; describes: Map<string, ObjectDescribe> }> {
    const { db } = this.#deps;
    if (integration.entity_type === 'ReferenceData') {
      const described = await this.#deps.schemas.describe(client, salesforceOrgId, [REFERENCE_OBJECT]);
      if (described.get(REFERENCE_OBJECT.toLowerCase()) === null) {
        this.#deps.schemas.forget(salesforceOrgId);
        throw new SalesforceError({ kind: 'config', errorCode: 'MAPPED_FIELD_MISSING', message: `The org has no ${REFERENCE_OBJECT}: deploy Ferry's objects (salesforce/) first.`, fields: [REFERENCE_OBJECT] });
      }
      return { plan: await planReferenceData(db, integration), describes: present(described) };
    }
    const mapping = this.#mappingOf(integration);
    const described = await this.#deps.schemas.describe(client, salesforceOrgId, [...new Set([...objectsOf(mapping), ...CATALOGUE_OBJECTS])]);
    try {
      assertMappedFieldsExist(mapping, described);
    } catch (error) {
      this.#deps.schemas.forget(salesforceOrgId);
      throw error;
    }
    const describes = present(described);
    // A preview makes nothing: a named price book that does not exist yet is shown as to be made.
    const books = await priceBooksOf(client, describes, integration.id, writing ? integration.settings.priceBook : null);
    if (!writing && integration.settings.priceBook !== null) books.customId = `(${integration.settings.priceBook})`;
    return { plan: await planCatalogue(db, integration, mapping, books, state), describes };
  }

  /** What an import would write now: rows upserted (with their fields), unchanged, or retired. */
  async #previewImport(integration: IntegrationRow, limit: number): Promise<ImportPreviewItem[]> {
    if (integration.credential_id === null) {
      throw new SalesforceError({ kind: 'config', errorCode: 'NOT_CONNECTED', message: 'An import preview needs the org (its price books, currencies and objects): connect the integration to a credential first.' });
    }
    const opened = await this.#deps.credentials.open(integration.org_id, integration.credential_id, this.#options.clientOptions);
    const { plan } = await this.#importPlan(integration, opened.client, opened.identity.organizationId, new RunState(), false);
    return previewImport(this.#deps.db, integration, plan, false, limit);
  }

  /** The picklists a ReferenceData integration checks, against the org as it is now. */
  async picklistReport(orgId: string, integrationId: string): Promise<Awaited<ReturnType<typeof picklistReport>> | undefined> {
    const integration = await this.#deps.integrations.row(orgId, integrationId);
    if (integration === undefined) return undefined;
    if (integration.credential_id === null) {
      throw new SalesforceError({ kind: 'config', errorCode: 'NOT_CONNECTED', message: 'The picklist report reads the org: connect the integration to a credential first.' });
    }
    const opened = await this.#deps.credentials.open(orgId, integration.credential_id, this.#options.clientOptions);
    return picklistReport(this.#deps.db, integration, opened.client);
  }

  // ---- the pipeline --------------------------------------------------------------------------------

  /** The integration's mapping, compiled; a stored one that no longer compiles stops the run (fail closed). */
  #mappingOf(integration: IntegrationRow): CompiledMapping {
    try {
      return compileMapping(integration.entity_type, effectiveRules(integration));
    } catch (error) {
      if (!(error instanceof MappingCompileError)) throw error;
      throw new StoredSettingsError({
        kind: 'config',
        errorCode: 'INVALID_STORED_SETTING',
        message: `The stored mapping no longer compiles: ${error.message}. Nothing was sent.`,
        fields: ['mapping'],
      });
    }
  }

  /** Select, scope, map and check one batch: what a run would do with it. */
  async #plan(context: DeliveryContext, mapper: ObjectMapper, candidates: Candidate[]): Promise<Planned[]> {
    const scope = await scopeOf(this.#deps.db, context.integration, mapper, candidates);
    const checked = check(context, mapper, await plan(context, mapper, candidates, scope));
    return context.verifyParents === true ? verifyParents(context, mapper.definition.entity, checked) : checked;
  }

  async #deliverAll(integration: IntegrationRow, job: SyncJob, runId: string, client: SalesforceClient, salesforceOrgId: string, reading: ReadingMapping | undefined, state: RunState): Promise<void> {
    const { db } = this.#deps;
    const mapping = this.#mappingOf(integration);
    // The org's describes are asked for while the first records are read; every batch waits for
    // them before it is planned.
    const describing = this.#deps.schemas.describe(client, salesforceOrgId, objectsOf(mapping));
    // Marked as handled at once (it may fail while the records are read); the failure itself
    // surfaces where it is awaited, in contextNow, and fails the run there.
    describing.catch(() => undefined);
    // A mapping change resends what it affects: a full run that sends records whose mapped values changed.
    const force = job.force === true || (job.mode === 'full' && job.trigger !== 'mapping');
    let ready: DeliveryContext | undefined;
    const contextNow = async (): Promise<DeliveryContext> => {
      if (ready !== undefined) return ready;
      const described = await describing;
      try {
        assertMappedFieldsExist(mapping, described);
      } catch (error) {
        // Described again on the next run, so a field created meanwhile is seen at once.
        this.#deps.schemas.forget(salesforceOrgId);
        throw error;
      }
      ready = { db, integration, mapping, salesforceOrgId, client, describes: present(described), force, reading };
      return ready;
    };
    await this.#deliverBatches(integration, job, runId, mapping, contextNow, state);
  }

  async #deliverBatches(integration: IntegrationRow, job: SyncJob, runId: string, mapping: CompiledMapping, contextNow: () => Promise<DeliveryContext>, state: RunState): Promise<void> {
    const { db } = this.#deps;
    // Journal entries it had not sent were pruned while it was disabled (see engine/retention): a
    // full pass instead, the deletions since then included; read where the journal ends first.
    const gap = catchUpOf(integration, job);
    const head = gap === null ? 0 : await lastJournalSeq(db, integration.org_id);
    const mode = job.mode === 'full' || gap !== null ? 'full' : 'incremental';
    // A full pass continues where the run it continues got to (a catch-up pass starts over: its
    // watermark is where the journal ended when it began).
    const whole = gap === null && job.recordIds === undefined;
    const from = mode === 'full' && whole && job.continueFrom !== undefined ? await this.#positionOf(integration.org_id, job.continueFrom) : undefined;
    const selection = { mode, recordIds: job.recordIds, deletedSince: gap === null ? undefined : new Date(gap.since), from } as const;
    const started = Date.now();
    for await (const batch of select(db, integration, mapping, selection, this.#options.chunkSize)) {
      if ('toSeq' in batch) {
        state.fromSeq ??= integration.cursor_seq;
        state.toSeq = batch.toSeq;
        // Only while this run holds the lease: one taken over must not move the watermark.
        const moved = await db.query(
          'UPDATE integrations SET cursor_seq = GREATEST(cursor_seq, $3), lease_until = now() + ($4 || \' milliseconds\')::interval WHERE org_id = $1 AND id = $2 AND lease_run_id = $5 RETURNING id',
          [integration.org_id, integration.id, batch.toSeq, String(this.#options.leaseMs), runId],
        );
        if (moved.length === 0) throw new LeaseLostError(`Run ${runId} no longer holds the lease of integration ${integration.id}; its worker was presumed stopped.`);
        if (whole && (await this.#sliceUsed(integration, started))) {
          state.continues = true;
          break;
        }
        continue;
      }
      await this.#deliverBatch(await contextNow(), runId, batch.mapper, batch.candidates, state);
      if (batch.position !== undefined && whole) {
        await this.#saveProgress(integration.org_id, runId, state, batch.position);
        if (await this.#sliceUsed(integration, started)) {
          state.continues = true;
          break;
        }
      }
    }
    await contextNow();
    if (gap !== null) await this.#caughtUp(integration, runId, gap, head, state);
  }

  /**
   * A long run's position and counts so far, after each batch (page): a run that continues it
   * starts there, and a run cut off (its worker killed) still tells what it delivered.
   */
  async #saveProgress(orgId: string, runId: string, state: RunState, position: unknown): Promise<void> {
    const c = state.counts;
    await this.#deps.db.query(
      'UPDATE runs SET position = $3::jsonb, sent = $4, created = $5, updated = $6, skipped = $7, deleted = $8, failed = $9 WHERE org_id = $1 AND id = $2',
      [orgId, runId, JSON.stringify(position), c.sent, c.created, c.updated, c.skipped, c.deleted, c.failed],
    );
  }

  /** Where a run of this mode got to (none: it had not finished a batch or page, or is another mode). */
  async #positionOf<P = FullPosition>(orgId: string, runId: string, mode: RunMode = 'full'): Promise<P | undefined> {
    const [row] = await this.#deps.db.query<{ position: P | null; mode: string }>('SELECT position, mode FROM runs WHERE org_id = $1 AND id = $2', [orgId, runId]);
    return row?.mode === mode && row.position !== null ? row.position : undefined;
  }

  /** The process is stopping: runs in flight end after their batch, and what is left continues elsewhere. */
  stopAfterBatch(): void {
    this.#stopping = true;
  }

  /**
   * Fair queueing: a run has had its time slice when it has worked sliceMs and a run of another
   * integration waits to start (none waiting: it goes on, as yielding would gain nobody anything).
   * A stopping process's runs have had theirs.
   */
  async #sliceUsed(integration: IntegrationRow, started: number): Promise<boolean> {
    if (this.#stopping) return true;
    if (this.#options.sliceMs <= 0 || Date.now() - started < this.#options.sliceMs) return false;
    const waiting = await this.#deps.db.query(
      `SELECT 1 FROM pgboss.job WHERE name = 'integration-sync' AND state IN ('created', 'retry') AND start_after <= now()
         AND data->>'integrationId' <> $1 LIMIT 1`,
      [integration.id],
    );
    return waiting.length > 0;
  }

  /**
   * After a catch-up pass, the watermark moves to where the journal ended when the pass began
   * (every record was looked at since), and the gap is cleared unless pruning marked a newer one
   * meanwhile. Failed records have their events, as in any run.
   */
  async #caughtUp(integration: IntegrationRow, runId: string, gap: JournalGap, head: number, state: RunState): Promise<void> {
    state.fromSeq ??= integration.cursor_seq;
    state.toSeq = Math.max(head, integration.cursor_seq);
    const moved = await this.#deps.db.query(
      `UPDATE integrations SET cursor_seq = GREATEST(cursor_seq, $3), journal_gap = CASE WHEN journal_gap = $5::jsonb THEN NULL ELSE journal_gap END
       WHERE org_id = $1 AND id = $2 AND lease_run_id = $4 RETURNING id`,
      [integration.org_id, integration.id, head, runId, JSON.stringify(gap)],
    );
    if (moved.length === 0) throw new LeaseLostError(`Run ${runId} no longer holds the lease of integration ${integration.id}; its worker was presumed stopped.`);
    this.#deps.logger.info({ orgId: integration.org_id, integrationId: integration.id, runId, since: gap.since, toSeq: head }, 'caught up after pruning: every record looked at, the watermark moved to the end of the journal');
  }

  /**
   * One batch through plan (select/scope/map/check), write and record, in parts that overlap (see
   * partsOf): parts are planned one after the other, and each planned part goes on its own way
   * (parents, then the children of the parents Salesforce took, then recording) while the next
   * is planned, up to PARTS_IN_FLIGHT at once. Collections calls of all parts share the client's
   * call slots; parts are recorded in order.
   */
  async #deliverBatch(context: DeliveryContext, runId: string, mapper: ObjectMapper, candidates: Candidate[], state: RunState): Promise<void> {
    const { integration } = context;
    const parts = partsOf(candidates, integration.delivery);
    const pending: Promise<unknown>[] = [];
    const track = <T>(promise: Promise<T>): Promise<T> => {
      pending.push(promise);
      // Observed here so that a part failing while the loop awaits something else is not an
      // unhandled rejection; the loop (or the catch below) still sees its error.
      promise.catch(() => undefined);
      return promise;
    };
    try {
      await settleInterrupted(context, mapper, candidates.map((c) => c.record.id));
      let planning = track(this.#plan(context, mapper, parts[0] ?? []));
      let recorded: Promise<void> = Promise.resolve();
      const inFlight: Promise<void>[] = [];
      for (let i = 0; i < parts.length; i++) {
        const planned = await planning;
        if (i + 1 < parts.length) planning = track(this.#plan(context, mapper, parts[i + 1]!));
        recordPlanned(context, runId, planned, state);
        const previous = recorded;
        recorded = track(
          (async () => {
            const { outcome, children } = await writeParents(context, mapper, planned);
            await children?.();
            await previous;
            const linked = await recordWritten(context, runId, mapper, outcome, state);
            await markPlannedFailures(context, mapper, planned, state);
            if (mapper.definition.entity === 'accounts' && linked.length > 0) await this.#deps.afterAccountsDelivered?.(integration.org_id, linked);
          })(),
        );
        inFlight.push(recorded);
        // A failed part stops the batch before more parts go.
        if (inFlight.length >= PARTS_IN_FLIGHT) await inFlight.shift();
      }
      await recorded;
    } catch (error) {
      // Nothing is left running (nor rejecting unobserved) when a part fails: the others settle first.
      await Promise.allSettled(pending);
      throw error;
    }
  }

  /**
   * What a run would send now, without sending anything: the same select, scope, map and check
   * stages. With a connected credential the check uses the org's describes (one call per object,
   * cached); without one, values are not checked against Salesforce and parents not yet linked
   * show as named by external id, as the run would send them.
   */
  async preview(orgId: string, integrationId: string, mode: 'incremental' | 'full', limit: number): Promise<PreviewItem[] | undefined> {
    const integration = await this.#deps.integrations.row(orgId, integrationId);
    if (integration === undefined) return undefined;
    if ((IMPORT_ENTITY_TYPES as readonly string[]).includes(integration.entity_type)) {
      return (await this.#previewImport(integration, limit)).map((item) => ({
        entity: item.entity, id: item.id, object: item.object, key: item.key,
        action: item.action === 'retire' ? 'delete' : item.action, reason: item.reason, fields: item.fields,
      }));
    }
    const { db } = this.#deps;
    const mapping = this.#mappingOf(integration);
    let describes: Map<string, ObjectDescribe> | undefined;
    let client: SalesforceClient | undefined;
    if (integration.credential_id !== null && integration.salesforce_org_id !== null) {
      const opened = await this.#deps.credentials.open(orgId, integration.credential_id, this.#options.clientOptions);
      client = opened.client;
      describes = present(await this.#deps.schemas.describe(client, opened.identity.organizationId, objectsOf(mapping)));
    }
    const context: DeliveryContext = { db, integration, mapping, salesforceOrgId: integration.salesforce_org_id, client, describes, force: mode === 'full', verifyParents: true, reading: baseFields(integration) };
    const items: PreviewItem[] = [];
    for await (const batch of select(db, integration, mapping, { mode }, this.#options.chunkSize)) {
      if ('toSeq' in batch) continue;
      for (const p of await this.#plan(context, batch.mapper, batch.candidates)) {
        const base = { entity: batch.mapper.definition.entity, id: p.candidate.record.id, object: batch.mapper.object };
        if (p.action === 'upsert') items.push({ ...base, action: 'upsert', fields: p.fields, ...(p.children !== undefined ? { children: p.children.map((c) => c.fields) } : {}) });
        else if (p.action === 'delete') items.push({ ...base, action: 'delete', ...(p.reason !== undefined ? { reason: p.reason } : {}) });
        else if (p.action === 'skip') items.push({ ...base, action: 'skip', reason: p.reason });
        else items.push({ ...base, action: 'fail', reason: p.event.message, event: p.event.name });
        if (items.length >= limit) return items;
      }
    }
    return items;
  }
}

export { toIntegrationView };
