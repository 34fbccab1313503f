import { createHash } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import type { Logger } from 'pino';
import { toStoredRecord, type StoredRecord } from '../../platform/index.ts';
import { SalesforceError, type ClientOptions, type SalesforceClient, type SaveResult, type SalesforceErrorInfo } from '../../salesforce/index.ts';
import type { Database } from '../../storage/index.ts';
import type { Credentials } from '../credentials/credentials.ts';
import { compileAccountFilter } from '../filters/account-filter.ts';
import { toIntegrationView, type IntegrationRow, type Integrations } from '../integrations/integrations.ts';
import { EXTERNAL_ID_FIELD, LINE_ITEM_OBJECT, MAPPINGS, entitiesOf, mapLineItems, type LineItem, type ObjectMapping } from '../mapping/default-mappings.ts';
import type { Mailer } from '../notifications/mailer.ts';
import { Events, severityOf, type NewEvent } from '../runs/events.ts';
import { databaseRequestLogger } from '../runs/request-logs.ts';
import { Runs, type RunCounts, type RunView } from '../runs/runs.ts';
import { InvalidTransitionError, type RunStatus, type RunTrigger } from '../types.ts';
import { deleteIntents, deleteLinks, loadIntents, loadLinks, salesforceIdsAnywhere, saveIntents, saveLinks, type LinkWrite } from './links.ts';

export interface SyncJob {
  orgId: string;
  integrationId: string;
  trigger: RunTrigger;
  mode: 'incremental' | 'full';
  /** A run created beforehand (by the API) to fill in. */
  runId?: string | undefined;
  /** Only these records. */
  recordIds?: string[] | undefined;
  /** Send even records unchanged since their last delivery (a person's retry or replay, full sync). */
  force?: boolean | undefined;
  replayOf?: string | undefined;
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
  clientOptions?: ClientOptions;
}

export const RUNNER_DEFAULTS = { chunkSize: 10_000, rateLimitPauseMs: 15 * 60_000, retryDelayMs: 30_000, leaseMs: 10 * 60_000 } as const;

export interface RunnerDeps {
  db: Database;
  credentials: Credentials;
  integrations: Integrations;
  logger: Logger;
  mailer?: Mailer | undefined;
  /** Queues a follow-up run after `delayMs` (retries, rate-limit pauses, busy integrations). */
  requeue: (job: SyncJob, delayMs: number) => Promise<void>;
  /** This worker process, as registered in `workers`: leases and started runs name it. */
  workerId: string;
  /** Called after a run that moved its watermark: dispatches changes that arrived meanwhile. */
  afterRun?: (orgId: string, integrationId: string) => Promise<void>;
  /** Called when accounts reached Salesforce: records that waited for them can go now. */
  afterAccountsDelivered?: (orgId: string, accountIds: string[]) => Promise<void>;
}


interface Candidate {
  entity: string;
  record: StoredRecord;
  accountId: string | null;
  deleted: boolean;
}

interface RecordRowWithAccount {
  id: string;
  entity: string;
  version: number;
  key: string | null;
  account_id: string | null;
  parent_id: string | null;
  data: Record<string, unknown>;
  created_at: Date;
  updated_at: Date;
  deleted_at: Date | null;
}

export interface PreviewItem {
  entity: string;
  id: string;
  action: 'upsert' | 'delete' | 'skip';
  reason?: string | undefined;
  object: string;
  fields?: Record<string, unknown> | undefined;
}

const VALIDATION_CODES = new Set([
  'REQUIRED_FIELD_MISSING', 'STRING_TOO_LONG', 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', 'FIELD_CUSTOM_VALIDATION_EXCEPTION',
  'DUPLICATE_VALUE', 'INVALID_CROSS_REFERENCE_KEY', 'INVALID_FIELD', 'INVALID_TYPE_ON_FIELD_IN_RECORD', 'NUMBER_OUTSIDE_VALID_RANGE',
  'INVALID_EMAIL_ADDRESS', 'MALFORMED_ID', 'JSON_PARSER_ERROR', 'INVALID_FIELD_FOR_INSERT_UPDATE',
]);

const HINTS: Record<string, string> = {
  REQUIRED_FIELD_MISSING: 'Fill in the missing field on the Ferry record, then retry this event.',
  STRING_TOO_LONG: 'Shorten the value on the Ferry record (or widen the Salesforce field), then retry this event.',
  INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST: 'Add the value to the Salesforce picklist, or change it on the Ferry record, then retry this event.',
  FIELD_CUSTOM_VALIDATION_EXCEPTION: 'A Salesforce validation rule refused the record: correct the data or the rule, then retry this event.',
  DUPLICATE_VALUE: 'Another Salesforce record already holds this unique value: merge or clean it up, then retry this event.',
  INVALID_CROSS_REFERENCE_KEY: 'A referenced Salesforce record does not exist: deliver it first, then retry this event.',
  INVALID_FIELD: 'The org lacks a field Ferry writes: deploy Ferry\'s objects (salesforce/) or run `ferry salesforce check`.',
};

function hashOf(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value, (_key, v: unknown) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort()) : v))).digest('base64url');
}

function failureEvent(integrationId: string, runId: string, entity: string, entityId: string, object: string, result: Extract<SaveResult, { success: false }>): NewEvent {
  const first = result.errors[0] ?? { statusCode: 'UNKNOWN_ERROR', message: 'Salesforce refused the record without a reason', fields: [] };
  return {
    integrationId,
    runId,
    name: VALIDATION_CODES.has(first.statusCode) ? 'integration.validation.error' : 'integration.perform.error',
    entity,
    entityId,
    message: `Salesforce refused ${object} for ${entity} ${entityId}: ${first.statusCode}: ${first.message}`,
    salesforceError: { errorCode: first.statusCode, message: first.message, fields: first.fields },
    hint: HINTS[first.statusCode] ?? 'Correct the record in Ferry or Salesforce, then retry this event (or mark it actioned).',
  };
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

/** A delete Salesforce refused because the record is not there any more: as good as done. */
function isGone(result: SaveResult): boolean {
  return !result.success && result.errors.some((e) => e.statusCode === 'ENTITY_IS_DELETED' || e.statusCode === 'NOT_FOUND' || e.statusCode === 'INVALID_CROSS_REFERENCE_KEY');
}

/** Where a run stands while it works: counts, events, record ids. */
class RunState {
  counts: RunCounts = { sent: 0, created: 0, updated: 0, skipped: 0, deleted: 0, failed: 0 };
  events: NewEvent[] = [];
  successes = 0;
  recordIds = new Set<string>();
  fromSeq: number | null = null;
  toSeq: number | null = null;
  /** Accounts that records of this run waited for (missing account mapping). */
  waitingAccounts = new Set<string>();
}

/**
 * Executes integration runs: picks the records to consider (journal changes past the watermark,
 * everything for a full sync, or given records), filters them by the integration's settings, maps
 * them to Salesforce records, upserts them by Ferry_Id__c (collections, or Bulk API 2.0 above the
 * threshold), and records links, events, counts and the new watermark.
 */
export class Runner {
  readonly #deps: RunnerDeps;
  readonly #options: Required<RunnerOptions>;

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
    const manual = job.trigger !== 'change' && job.trigger !== 'schedule';
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
      // dispatches again when it finishes if more arrived. A requested run keeps its id and waits.
      if (job.trigger !== 'change' || job.runId !== undefined) await this.#deps.requeue(job, 1000);
      return undefined;
    }
    const log = this.#deps.logger.child({ orgId: job.orgId, integrationId: integration.id, runId });
    const run = await runs.create(job.orgId, integration.id, { id: runId, trigger: job.trigger, mode: job.mode, replayOf: job.replayOf, recordIds: job.recordIds });
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
      // Nothing to do costs no Salesforce call, not even a sign-in: the run just completes.
      if (await this.#hasWork(integration, job)) {
        checkStoredSettings(integration);
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
    await this.#deliverAll(integration, job, runId, client, identity.organizationId, state);
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
      });
    } catch (error) {
      if (!(error instanceof InvalidTransitionError)) throw error;
      // Closed meanwhile as INTERRUPTED (its worker was presumed stopped) and queued again: that
      // run is the one that counts now.
      this.#deps.logger.warn({ orgId: job.orgId, integrationId: integration.id, runId, reason: error.message }, 'run was closed by another worker while it ran');
      return (await new Runs(db).get(job.orgId, runId))!;
    }
    await this.#account(integration, state, runId);
    // Changes that arrived during the run are delivered at once, not after a poll. Only when the
    // watermark moved: a run that failed as a whole waits for the next change or retry instead of
    // looping on the same failure.
    if (status === 'COMPLETE' || (status === 'ERROR' && state.toSeq !== null)) await this.#deps.afterRun?.(job.orgId, integration.id);
    return finished;
  }

  /** Whether a run has anything to look at (always, unless incremental with no pending change). */
  async #hasWork(integration: IntegrationRow, job: SyncJob): Promise<boolean> {
    if (job.mode === 'full' || job.recordIds !== undefined) return true;
    const rows = await this.#deps.db.query('SELECT 1 FROM journal WHERE org_id = $1 AND entity = ANY($2::text[]) AND seq > $3 LIMIT 1', [
      integration.org_id, entitiesOf(integration.entity_type), integration.cursor_seq,
    ]);
    return rows.length > 0;
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
          name: info.errorCode === 'ORG_MISMATCH' ? 'integration.org_mismatch.error' : info.errorCode === 'INVALID_STORED_SETTING' ? 'integration.configuration.error' : 'integration.perform.error',
          message: `${info.errorCode}: ${info.message}`,
          hint: info.errorCode === 'ORG_MISMATCH' ? 'POST /integrations/{id}/purge-links to start over with the new org, or connect the original org again.'
            : info.errorCode === 'INVALID_STORED_SETTING' ? 'Correct the setting (PATCH /integrations/{id}); the held-back changes are sent on the next run.'
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
    if (row === undefined || !row.enabled || row.consecutive_errors < row.error_threshold) return;
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
  }

  async #notifyDisabled(integration: IntegrationRow, reason: string): Promise<void> {
    const ids = integration.settings.notifyUserIds;
    if (ids.length === 0) return;
    const log = this.#deps.logger.child({ orgId: integration.org_id, integrationId: integration.id });
    if (this.#deps.mailer === undefined) {
      log.warn('integration disabled, but no SMTP server is configured (FERRY_SMTP_URL): nobody was e-mailed');
      return;
    }
    const users = await this.#deps.db.query<{ email: string }>(
      "SELECT data->>'email' AS email FROM records WHERE org_id = $1 AND entity = 'users' AND id = ANY($2::uuid[]) AND deleted_at IS NULL",
      [integration.org_id, ids],
    );
    if (users.length === 0) return;
    const recent = await new Events(this.#deps.db).list(integration.org_id, { integrationId: integration.id, limit: 5 });
    try {
      await this.#deps.mailer.send({
        to: users.map((u) => u.email),
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

  // ---- selection ---------------------------------------------------------------------------------

  async #loadRecords(orgId: string, entity: string, ids: string[]): Promise<Candidate[]> {
    if (ids.length === 0) return [];
    const rows = await this.#deps.db.query<RecordRowWithAccount>(
      `SELECT id, entity, version, key, account_id, parent_id, data, created_at, updated_at, deleted_at FROM records
       WHERE org_id = $1 AND entity = $2 AND id = ANY($3::uuid[]) ORDER BY id`,
      [orgId, entity, ids],
    );
    return rows.map((row) => ({ entity, record: toStoredRecord(row), accountId: row.account_id, deleted: row.deleted_at !== null }));
  }

  /** Yields batches of candidates per mapping, in delivery order, with the journal seq they cover. */
  async *#batches(integration: IntegrationRow, job: SyncJob): AsyncGenerator<{ mapping: ObjectMapping; candidates: Candidate[]; toSeq?: number }> {
    const { db } = this.#deps;
    const mappings = MAPPINGS[integration.entity_type];
    if (job.recordIds !== undefined) {
      for (const mapping of mappings) yield { mapping, candidates: await this.#loadRecords(integration.org_id, mapping.entity, job.recordIds) };
      return;
    }
    if (job.mode === 'full') {
      for (const mapping of mappings) {
        let after = '00000000-0000-0000-0000-000000000000';
        for (;;) {
          const rows = await db.query<{ id: string }>(
            'SELECT id FROM records WHERE org_id = $1 AND entity = $2 AND deleted_at IS NULL AND id > $3 ORDER BY id LIMIT $4',
            [integration.org_id, mapping.entity, after, this.#options.chunkSize],
          );
          if (rows.length === 0) break;
          after = rows[rows.length - 1]!.id;
          yield { mapping, candidates: await this.#loadRecords(integration.org_id, mapping.entity, rows.map((r) => r.id)) };
        }
      }
      return;
    }
    let cursor = integration.cursor_seq;
    for (;;) {
      const entries = await db.query<{ seq: number; entity: string; entity_id: string }>(
        'SELECT seq, entity, entity_id FROM journal WHERE org_id = $1 AND entity = ANY($2::text[]) AND seq > $3 ORDER BY seq LIMIT $4',
        [integration.org_id, entitiesOf(integration.entity_type), cursor, this.#options.chunkSize],
      );
      if (entries.length === 0) return;
      const toSeq = entries[entries.length - 1]!.seq;
      for (const mapping of mappings) {
        const ids = [...new Set(entries.filter((e) => e.entity === mapping.entity).map((e) => e.entity_id))];
        if (ids.length > 0) yield { mapping, candidates: await this.#loadRecords(integration.org_id, mapping.entity, ids) };
      }
      // Reached only once every batch of this chunk was delivered: the watermark may move.
      yield { mapping: mappings[0]!, candidates: [], toSeq };
      cursor = toSeq;
      if (entries.length < this.#options.chunkSize) return;
    }
  }

  async #deliverAll(integration: IntegrationRow, job: SyncJob, runId: string, client: SalesforceClient, salesforceOrgId: string, state: RunState): Promise<void> {
    const force = job.mode === 'full' || job.force === true;
    for await (const batch of this.#batches(integration, job)) {
      if (batch.toSeq !== undefined) {
        state.fromSeq ??= integration.cursor_seq;
        state.toSeq = batch.toSeq;
        // Only while this run holds the lease: one taken over must not move the watermark.
        const moved = await this.#deps.db.query(
          'UPDATE integrations SET cursor_seq = GREATEST(cursor_seq, $3), lease_until = now() + ($4 || \' milliseconds\')::interval WHERE org_id = $1 AND id = $2 AND lease_run_id = $5 RETURNING id',
          [integration.org_id, integration.id, batch.toSeq, String(this.#options.leaseMs), runId],
        );
        if (moved.length === 0) throw new LeaseLostError(`Run ${runId} no longer holds the lease of integration ${integration.id}; its worker was presumed stopped.`);
        continue;
      }
      await this.#deliver(integration, runId, batch.mapping, batch.candidates, client, salesforceOrgId, force, state);
    }
  }

  // ---- filtering and mapping -----------------------------------------------------------------------

  async #plan(integration: IntegrationRow, mapping: ObjectMapping, candidates: Candidate[], client: SalesforceClient | undefined, salesforceOrgId: string | null, force: boolean) {
    const { db } = this.#deps;
    const orgId = integration.org_id;
    const settings = integration.settings;
    const included = new Set(settings.includedAccountIds);
    const excluded = new Set(settings.excludedAccountIds);
    const filter = settings.accountFilter === null ? undefined : compileAccountFilter(settings.accountFilter);
    // Fail closed: a stored filter that no longer compiles sends nothing (runs stop before this,
    // in execute; preview shows why every record would be held back).
    if (filter?.ok === false) {
      const reason = `the stored account filter no longer compiles (${filter.error.message} at character ${filter.error.position}): nothing is sent until it is fixed`;
      return candidates.map((candidate) => ({ candidate, action: 'skip' as const, reason }));
    }
    const accountIds = [...new Set(candidates.map((c) => c.accountId).filter((id): id is string => id !== null))];
    const accounts = new Map((await this.#loadRecords(orgId, 'accounts', accountIds)).map((c) => [c.record.id, c.record]));
    const links = await loadLinks(db, orgId, integration.id, mapping.entity, candidates.map((c) => c.record.id));

    type Planned = { candidate: Candidate; action: 'upsert'; fields: Record<string, unknown>; children: Record<string, unknown>[] | undefined; hash: string } | { candidate: Candidate; action: 'delete'; salesforceId: string | null; reason?: string } | { candidate: Candidate; action: 'skip'; reason: string } | { candidate: Candidate; action: 'fail'; event: Omit<NewEvent, 'integrationId' | 'runId'> };
    const planned: Planned[] = [];
    const live: Candidate[] = [];
    const outOfScope = (candidate: Candidate): string | undefined => {
      const accountId = candidate.accountId;
      if (included.size > 0 && (accountId === null || !included.has(accountId))) return 'account not in includedAccountIds';
      if (accountId !== null && excluded.has(accountId)) return 'account in excludedAccountIds';
      if (filter?.ok === true) {
        const account = accountId === null ? undefined : accounts.get(accountId);
        if (account === undefined || !filter.filter(account)) return 'account does not match the account filter';
      }
      if (mapping.entity === 'bills' && settings.onlyApprovedBills && candidate.record.status !== 'APPROVED') return 'bill not approved (onlyApprovedBills)';
      return undefined;
    };
    const unlinkedDeletes: Candidate[] = [];
    for (const candidate of candidates) {
      const link = links.get(candidate.record.id);
      if (candidate.deleted) {
        if (link !== undefined) planned.push({ candidate, action: 'delete', salesforceId: link.salesforceId });
        else if (outOfScope(candidate) !== undefined) planned.push({ candidate, action: 'skip', reason: 'deleted in Ferry and never delivered' });
        // No link, but in scope: it may have reached Salesforce just before a crash lost the
        // link. Salesforce is asked by external id below, so the delete is never skipped.
        else unlinkedDeletes.push(candidate);
        continue;
      }
      const reason = outOfScope(candidate);
      if (reason !== undefined) planned.push({ candidate, action: 'skip', reason });
      else live.push(candidate);
    }
    if (unlinkedDeletes.length > 0 && client === undefined) {
      for (const candidate of unlinkedDeletes) planned.push({ candidate, action: 'delete', salesforceId: null, reason: `not linked: deleted by ${EXTERNAL_ID_FIELD} if Salesforce has it` });
    } else if (unlinkedDeletes.length > 0 && client !== undefined) {
      const found = await this.#salesforceIdsByExternalId(client, mapping.object, unlinkedDeletes.map((c) => c.record.id));
      for (const candidate of unlinkedDeletes) {
        const salesforceId = found.get(candidate.record.id);
        planned.push(salesforceId === undefined ? { candidate, action: 'skip', reason: 'deleted in Ferry and never delivered' } : { candidate, action: 'delete', salesforceId });
      }
    }

    // Resolve the Salesforce Account of each record that needs one.
    const accountSfIds = new Map<string, string>();
    if (mapping.needsAccount) {
      const wanted = [...new Set(live.map((c) => c.accountId).filter((id): id is string => id !== null))];
      if (settings.useExternalMappingAccountCode) {
        const rows = await db.query<{ entity_id: string; external_id: string; integration_id: string | null }>(
          `SELECT data->>'entityId' AS entity_id, data->>'externalId' AS external_id, data->>'integrationId' AS integration_id FROM records
           WHERE org_id = $1 AND entity = 'external-mappings' AND deleted_at IS NULL AND data->>'entity' = 'accounts'
             AND lower(data->>'externalSystem') = 'salesforce' AND data->>'entityId' = ANY($2::text[])
             AND ($3::text IS NULL OR data->>'integrationId' = $3)
           ORDER BY (data->>'integrationId' IS NULL)`,
          [orgId, wanted, settings.enforceExternalMappings ? integration.id : null],
        );
        for (const row of rows) if (!accountSfIds.has(row.entity_id)) accountSfIds.set(row.entity_id, row.external_id);
      } else if (salesforceOrgId !== null) {
        for (const [id, sfId] of await salesforceIdsAnywhere(db, orgId, salesforceOrgId, 'accounts', wanted)) accountSfIds.set(id, sfId);
        const missing = wanted.filter((id) => !accountSfIds.has(id));
        // Accounts delivered some other way still carry Ferry's id: one query finds them.
        if (client !== undefined) for (const [id, sfId] of await this.#salesforceIdsByExternalId(client, 'Account', missing)) accountSfIds.set(id, sfId);
      }
    }
    const parentSfIds = new Map<string, string>();
    if (mapping.entity === 'balance-transactions' || mapping.entity === 'commitments') {
      const parentEntity = mapping.entity === 'balance-transactions' ? 'balances' : 'contracts';
      const field = mapping.entity === 'balance-transactions' ? 'balanceId' : 'contractId';
      const ids = live.map((c) => c.record[field]).filter((v): v is string => typeof v === 'string');
      if (salesforceOrgId !== null) for (const [id, sfId] of await salesforceIdsAnywhere(db, orgId, salesforceOrgId, parentEntity, ids)) parentSfIds.set(`${parentEntity}/${id}`, sfId);
    }

    for (const candidate of live) {
      const record = candidate.record;
      let accountSalesforceId: string | null = null;
      if (mapping.needsAccount) {
        accountSalesforceId = candidate.accountId === null ? null : (accountSfIds.get(candidate.accountId) ?? null);
        if (accountSalesforceId === null) {
          planned.push({
            candidate,
            action: 'fail',
            event: {
              name: 'integration.missing_account_mapping.error',
              entity: mapping.entity,
              entityId: record.id,
              message: settings.useExternalMappingAccountCode
                ? `No external mapping gives the Salesforce Account of account ${candidate.accountId}.`
                : `Account ${candidate.accountId} has not been delivered to this Salesforce org, and no Account there has Ferry_Id__c = ${candidate.accountId}.`,
              hint: settings.useExternalMappingAccountCode
                ? `Create an external mapping: POST /api/v1/external-mappings {"externalSystem":"salesforce","externalTable":"Account","externalId":"<Salesforce Account Id>","entity":"accounts","entityId":"${candidate.accountId}"${settings.enforceExternalMappings ? `,"integrationId":"${integration.id}"` : ''}}, then retry this event.`
                : 'Deliver the account first (an Account integration), or set Ferry_Id__c on the Salesforce Account, then retry this event.',
            },
          });
          continue;
        }
      }
      if (mapping.entity === 'balance-transactions' && !parentSfIds.has(`balances/${String(record.balanceId)}`)) {
        planned.push({ candidate, action: 'fail', event: { name: 'integration.perform.error', entity: mapping.entity, entityId: record.id, message: `Balance ${String(record.balanceId)} has not been delivered yet.`, hint: 'Retry this event once the balance is delivered.' } });
        continue;
      }
      const fields = { [EXTERNAL_ID_FIELD]: record.id, ...mapping.map(record, { accountSalesforceId, salesforceIdOf: (entity, id) => parentSfIds.get(`${entity}/${id}`) ?? null }) };
      let children: Record<string, unknown>[] | undefined;
      if (mapping.entity === 'bills') {
        const excludedTypes = new Set<string>(settings.excludedLineItemTypes);
        const items = (record.lineItems as LineItem[]).filter((item) => !excludedTypes.has(item.lineItemType));
        children = mapLineItems(record.id, items, '');
      }
      const hash = hashOf({ fields, children });
      if (!force && links.get(record.id)?.hash === hash) {
        planned.push({ candidate, action: 'skip', reason: 'unchanged since last delivery' });
        continue;
      }
      planned.push({ candidate, action: 'upsert', fields, children, hash });
    }
    return planned;
  }

  async #deliver(integration: IntegrationRow, runId: string, mapping: ObjectMapping, candidates: Candidate[], client: SalesforceClient, salesforceOrgId: string, force: boolean, state: RunState): Promise<void> {
    const { db } = this.#deps;
    const orgId = integration.org_id;
    const planned = await this.#plan(integration, mapping, candidates, client, salesforceOrgId, force);
    for (const p of planned) state.recordIds.add(p.candidate.record.id);
    const bulk = (count: number) => count > integration.delivery.bulkThreshold;
    const upserts = planned.filter((p): p is Extract<typeof p, { action: 'upsert' }> => p.action === 'upsert');
    for (const p of planned) {
      if (p.action === 'skip') state.counts.skipped++;
      if (p.action === 'fail') {
        state.counts.failed++;
        state.events.push({ integrationId: integration.id, runId, ...p.event });
        if (p.event.name === 'integration.missing_account_mapping.error' && p.candidate.accountId !== null) state.waitingAccounts.add(p.candidate.accountId);
      }
    }
    // Deletions: the Salesforce record goes too (master-detail children with it).
    const deletions = planned.filter((p): p is Extract<typeof p, { action: 'delete' }> => p.action === 'delete');
    if (deletions.length > 0) {
      const results = await client.delete(mapping.object, deletions.map((d) => d.salesforceId ?? ''));
      const gone: string[] = [];
      results.forEach((result, i) => {
        const d = deletions[i]!;
        state.counts.sent++;
        if (result.success || isGone(result)) {
          state.counts.deleted++;
          state.successes++;
          gone.push(d.candidate.record.id);
        } else {
          state.counts.failed++;
          state.events.push(failureEvent(integration.id, runId, mapping.entity, d.candidate.record.id, mapping.object, result));
        }
      });
      await deleteLinks(db, orgId, integration.id, mapping.entity, gone);
    }
    if (upserts.length === 0) return;

    const records = upserts.map((u) => u.fields);
    const results = bulk(records.length) ? await client.bulkUpsert(mapping.object, EXTERNAL_ID_FIELD, records) : await client.upsert(mapping.object, EXTERNAL_ID_FIELD, records);
    const delivered: { upsert: (typeof upserts)[number]; salesforceId: string; created: boolean }[] = [];
    results.forEach((result, i) => {
      const u = upserts[i]!;
      state.counts.sent++;
      if (result.success) delivered.push({ upsert: u, salesforceId: result.id, created: result.created });
      else {
        state.counts.failed++;
        state.events.push(failureEvent(integration.id, runId, mapping.entity, u.candidate.record.id, mapping.object, result));
      }
    });

    // Children (bill line items) follow their parent; a parent whose children failed is not
    // linked, so its next delivery sends it again.
    const childFailures = new Set<string>();
    const childIds = new Map<string, Record<string, string>>();
    const previous = await loadLinks(db, orgId, integration.id, mapping.entity, delivered.map((d) => d.upsert.candidate.record.id));
    const withChildren = delivered.filter((d) => d.upsert.children !== undefined);
    if (withChildren.length > 0) {
      const parentIds = withChildren.map((d) => d.upsert.candidate.record.id);
      const intents = await loadIntents(db, orgId, integration.id, mapping.entity, parentIds);
      const keysOf = (children: Record<string, unknown>[]) => children.map((child) => String(child[EXTERNAL_ID_FIELD]));
      // Before any child goes: every child that may exist in Salesforce once it has, so a crash
      // before the link is saved cannot leave one there that Ferry no longer knows of.
      await saveIntents(db, orgId, integration.id, mapping.entity, withChildren.map((d) => {
        const id = d.upsert.candidate.record.id;
        return { entityId: id, keys: [...new Set([...(intents.get(id) ?? []), ...Object.keys(previous.get(id)?.children ?? {}), ...keysOf(d.upsert.children!)])] };
      }));
      // A master-detail field can be set when the child is created, never on update (as in a
      // real org): children the link knows go without it, new ones with it. Ferry's knowledge can
      // be out of date after a crash, both ways, and the org says so: a child that exists without
      // Ferry knowing is refused INVALID_FIELD_FOR_INSERT_UPDATE on Bill__c and goes again without
      // it; one the link knows but the org no longer has (deleted before the link was updated) is
      // refused REQUIRED_FIELD_MISSING on Bill__c and goes again with it.
      const childRecords: { parent: string; parentSalesforceId: string; record: Record<string, unknown> }[] = [];
      for (const d of withChildren) {
        const known = previous.get(d.upsert.candidate.record.id)?.children ?? {};
        for (const child of d.upsert.children!) {
          const { Bill__c: _unset, ...rest } = child;
          childRecords.push({ parent: d.upsert.candidate.record.id, parentSalesforceId: d.salesforceId, record: String(child[EXTERNAL_ID_FIELD]) in known ? rest : { ...rest, Bill__c: d.salesforceId } });
        }
      }
      const send = (records: Record<string, unknown>[]) =>
        records.length === 0 ? Promise.resolve([]) : bulk(records.length) ? client.bulkUpsert(LINE_ITEM_OBJECT, EXTERNAL_ID_FIELD, records) : client.upsert(LINE_ITEM_OBJECT, EXTERNAL_ID_FIELD, records);
      const childResults = await send(childRecords.map((c) => c.record));
      const refusedFor = (result: SaveResult, code: string) => !result.success && result.errors.some((e) => e.statusCode === code && e.fields.includes('Bill__c'));
      const corrections = childResults.flatMap((result, i) => {
        const { record, parentSalesforceId } = childRecords[i]!;
        const { Bill__c: _unset, ...rest } = record;
        if (refusedFor(result, 'INVALID_FIELD_FOR_INSERT_UPDATE')) return [{ index: i, record: rest }];
        if (refusedFor(result, 'REQUIRED_FIELD_MISSING') && !('Bill__c' in record)) return [{ index: i, record: { ...rest, Bill__c: parentSalesforceId } }];
        return [];
      });
      if (corrections.length > 0) {
        const again = await send(corrections.map((c) => c.record));
        corrections.forEach((c, j) => (childResults[c.index] = again[j]!));
      }
      const failChildren = (parent: string, object: string, result: Extract<SaveResult, { success: false }>) => {
        if (childFailures.has(parent)) return;
        childFailures.add(parent);
        state.counts.failed++;
        state.events.push(failureEvent(integration.id, runId, mapping.entity, parent, object, result));
      };
      childResults.forEach((result, i) => {
        const { parent, record } = childRecords[i]!;
        if (result.success) {
          const ids = childIds.get(parent) ?? {};
          ids[String(record[EXTERNAL_ID_FIELD])] = result.id;
          childIds.set(parent, ids);
        } else failChildren(parent, LINE_ITEM_OBJECT, result);
      });
      // Line items dropped by a regeneration are deleted: those the link knows by id, and those
      // only an intent left by an interrupted delivery names, found by external id.
      const stale: { parent: string; salesforceId: string }[] = [];
      const unknown: { parent: string; key: string }[] = [];
      for (const d of withChildren) {
        const id = d.upsert.candidate.record.id;
        if (childFailures.has(id)) continue;
        const now = childIds.get(id) ?? {};
        const known = previous.get(id)?.children ?? {};
        for (const [key, sfId] of Object.entries(known)) if (!(key in now)) stale.push({ parent: id, salesforceId: sfId });
        for (const key of intents.get(id) ?? []) if (!(key in now) && !(key in known)) unknown.push({ parent: id, key });
      }
      if (unknown.length > 0) {
        const found = await this.#salesforceIdsByExternalId(client, LINE_ITEM_OBJECT, unknown.map((u) => u.key));
        for (const u of unknown) {
          const salesforceId = found.get(u.key);
          if (salesforceId !== undefined) stale.push({ parent: u.parent, salesforceId });
        }
      }
      if (stale.length > 0) {
        const results = await client.delete(LINE_ITEM_OBJECT, stale.map((s) => s.salesforceId));
        results.forEach((result, i) => {
          if (!result.success && !isGone(result)) failChildren(stale[i]!.parent, LINE_ITEM_OBJECT, result);
        });
      }
    }

    const linkWrites: LinkWrite[] = [];
    for (const d of delivered) {
      const id = d.upsert.candidate.record.id;
      if (childFailures.has(id)) continue;
      state.successes++;
      if (d.created) state.counts.created++;
      else state.counts.updated++;
      linkWrites.push({ entityId: id, salesforceId: d.salesforceId, version: d.upsert.candidate.record.version, hash: d.upsert.hash, children: d.upsert.children === undefined ? null : (childIds.get(id) ?? {}) });
    }
    // The link now names every child in Salesforce: the intent is settled with it, atomically.
    await db.transaction(async (tx) => {
      await saveLinks(tx, orgId, integration.id, mapping.entity, salesforceOrgId, mapping.object, linkWrites);
      await deleteIntents(tx, orgId, integration.id, mapping.entity, linkWrites.filter((l) => l.children !== null).map((l) => l.entityId));
    });
    if (mapping.entity === 'accounts' && linkWrites.length > 0) await this.#deps.afterAccountsDelivered?.(orgId, linkWrites.map((l) => l.entityId));
  }

  /** Salesforce ids of the records whose external id is one of these Ferry ids (one query per 200). */
  async #salesforceIdsByExternalId(client: SalesforceClient, object: string, ferryIds: string[]): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    for (let i = 0; i < ferryIds.length; i += 200) {
      const chunk = ferryIds.slice(i, i + 200);
      const rows = await client.query<{ Id: string; Ferry_Id__c: string }>(`SELECT Id, ${EXTERNAL_ID_FIELD} FROM ${object} WHERE ${EXTERNAL_ID_FIELD} IN (${chunk.map((id) => `'${id}'`).join(',')})`, object);
      for (const row of rows) found.set(row.Ferry_Id__c, row.Id);
    }
    return found;
  }

  /** What a run would send now, without sending anything (and without calling Salesforce). */
  async preview(orgId: string, integrationId: string, mode: 'incremental' | 'full', limit: number): Promise<PreviewItem[] | undefined> {
    const integration = await this.#deps.integrations.row(orgId, integrationId);
    if (integration === undefined) return undefined;
    const items: PreviewItem[] = [];
    for await (const batch of this.#batches(integration, { orgId, integrationId, trigger: 'manual', mode })) {
      if (batch.toSeq !== undefined) continue;
      const planned = await this.#plan(integration, batch.mapping, batch.candidates, undefined, integration.salesforce_org_id, mode === 'full');
      for (const p of planned) {
        const base = { entity: batch.mapping.entity, id: p.candidate.record.id, object: batch.mapping.object };
        if (p.action === 'upsert') items.push({ ...base, action: 'upsert', fields: p.fields });
        else if (p.action === 'delete') items.push({ ...base, action: 'delete', ...(p.reason !== undefined ? { reason: p.reason } : {}) });
        else if (p.action === 'skip') items.push({ ...base, action: 'skip', reason: p.reason });
        else items.push({ ...base, action: 'skip', reason: p.event.message });
        if (items.length >= limit) return items;
      }
    }
    return items;
  }
}

export { toIntegrationView };
