import { hostname } from 'node:os';
import type PgBoss from 'pg-boss';
import type { Logger } from 'pino';
import { v7 as uuidv7 } from 'uuid';
import { fail, issuesFromZod, JOURNAL_CHANNEL, ok, RecordStore, type Issue, type Result } from '../platform/index.ts';
import { startBoss, type JobMap } from '../queue/boss.ts';
import { SalesforceError, type ClientOptions, type SalesforceClient } from '../salesforce/index.ts';
import type { Database } from '../storage/index.ts';
import { Credentials } from './credentials/credentials.ts';
import type { SecretBox } from './credentials/secret-box.ts';
import { incomingAllowed, loadPosition, positionReader, selectionFieldOf, selectionWhereOf } from './incoming/incoming.ts';
import { ChangeStreams } from './incoming/streams.ts';
import { resolveConflicts, type ResolveResult } from './incoming/resolve.ts';
import { Integrations, syncOf, type IntegrationRow } from './integrations/integrations.ts';
import { integrationInput, integrationSync, type IncomingStatus, type IntegrationView } from './integrations/schemas.ts';
import { asInput, reconciliationInput, type ContactSource, type ReconciliationInput } from './reconciliation/schemas.ts';
import { describeContactSourceChange, type ContactSourceChange } from './reconciliation/contact-source.ts';
import { expireEndedSubscriptions } from './crm/expiry.ts';
import { Dispatcher } from './delivery/dispatcher.ts';
import { SchemaCache } from './delivery/schema-cache.ts';
import { DEFINITIONS, requiredSalesforceFields } from './mapping/entities/index.ts';
import { Mappings } from './mapping/mappings.ts';
import type { Mailer } from './notifications/mailer.ts';
import { RunAlerts } from './notifications/run-alerts.ts';
import { Webhooks, type WebhookOptions } from './notifications/webhooks.ts';
import { metrics } from './metrics.ts';
import { RunState } from './delivery/context.ts';
import { Runner, type RunnerOptions } from './runner/runner.ts';
import { Events, type EventView } from './runs/events.ts';
import { Runs, type RunView } from './runs/runs.ts';
import { databaseRequestLogger } from './runs/request-logs.ts';
import { Reconciliations } from './reconciliation/reports.ts';
import { copyInput, copyValue, linkInput, linkItems, type CopyOutcome, type LinkResult } from './reconciliation/actions.ts';
import { invoiceColumnsInput, readInvoiceColumns, writeInvoiceColumns, type InvoiceColumns } from './invoice-columns.ts';
import { readsFromSalesforce, type RunMode } from './types.ts';
import { ferryStatus, prune, PRUNE_SCHEDULE_DEFAULT, retentionSettings, type PruneReport, type RetentionOptions, type RetentionSettings, type StatusView } from './retention/index.ts';

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
  /** How often the worker looks for integrations due to read Salesforce changes (ms; default 5,000). */
  incomingCheckMs?: number;
  /** The only process on this database (embedded): leases left by a crash are released at start. */
  exclusive?: boolean;
  /** How often this worker says it lives, and how long a silent worker counts as stopped. */
  liveness?: Partial<Liveness>;
  /** How long journal entries, runs, events, request logs and the sync log are kept (see RETENTION_DEFAULTS). */
  retention?: RetentionOptions | undefined;
  /** Cron (UTC) of the background pruning on workers; null: off. Default PRUNE_SCHEDULE_DEFAULT (hourly). */
  pruneSchedule?: string | null | undefined;
  /** Webhook deliveries: timeout, attempts and backoff (see WEBHOOK_DEFAULTS). */
  webhooks?: Partial<WebhookOptions>;
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

const INTERRUPTED_ERROR = JSON.stringify({ errorCode: 'WORKER_STOPPED', message: 'The worker running this run stopped (killed or lost) before it finished; its work was queued again.' });

interface InterruptedRun {
  id: string;
  org_id: string;
  integration_id: string;
  mode: RunMode;
  record_ids: string[] | null;
}

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
  readonly mappings: Mappings;
  /** Reconciliation integrations' reports and uploaded files. */
  readonly reconciliations: Reconciliations;
  readonly dispatcher: Dispatcher;
  /** This worker's change event subscriptions (integrations that read by Change Data Capture). */
  readonly streams: ChangeStreams;
  /** Records, for the engine's own writes (incoming sync, settled conflicts). */
  readonly store: RecordStore;
  /** The organization's webhook and its deliveries (alerts beyond e-mail). */
  readonly webhooks: Webhooks;
  readonly schemas = new SchemaCache();
  readonly #db: Database;
  readonly #logger: Logger;
  readonly #boss: PgBoss;
  /** This process as a worker: named by the leases it holds and the runs it starts. */
  readonly workerId = uuidv7();
  readonly #liveness: Liveness;
  /** What pruning keeps (engine/retention), and when it runs in the background. */
  readonly retention: RetentionSettings;
  readonly #pruneSchedule: string | null;
  readonly #retentionLog: Logger;
  /** Aborted by stop(): a pruning in progress ends after its current batch. */
  readonly #stopping = new AbortController();
  /** When this process last beat (readiness: a worker whose loop stalled is not ready). */
  #lastBeat = Date.now();
  #isWorker = false;
  #stopListening: (() => Promise<void>) | undefined;
  #heartbeat: NodeJS.Timeout | undefined;
  #beating: Promise<void> | undefined;
  #streamCheck: NodeJS.Timeout | undefined;

  private constructor(options: EngineOptions, boss: PgBoss) {
    this.#db = options.db;
    this.#logger = options.logger.child({ component: 'engine' });
    this.#boss = boss;
    this.#liveness = { ...LIVENESS_DEFAULTS, ...options.liveness };
    this.retention = retentionSettings(options.retention);
    this.#pruneSchedule = options.pruneSchedule === undefined ? PRUNE_SCHEDULE_DEFAULT : options.pruneSchedule;
    this.#retentionLog = options.logger.child({ component: 'retention' });
    this.credentials = new Credentials(options.db, options.box, options.clientOptions, options.logger);
    this.integrations = new Integrations(options.db, options.box);
    this.reconciliations = new Reconciliations(options.db);
    this.runs = new Runs(options.db);
    this.events = new Events(options.db);
    this.dispatcher = new Dispatcher(options.db, boss, this.#logger);
    this.store = new RecordStore(options.db);
    this.webhooks = new Webhooks({ db: options.db, box: options.box, boss, logger: options.logger }, options.webhooks);
    this.streams = new ChangeStreams({
      db: options.db,
      credentials: this.credentials,
      logger: this.#logger,
      workerId: this.workerId,
      onStored: (orgId, integrationId) => this.dispatcher.enqueue({ orgId, integrationId, trigger: 'stream', mode: 'incoming' }),
    });
    this.runner = new Runner(
      {
        db: options.db,
        credentials: this.credentials,
        integrations: this.integrations,
        logger: this.#logger,
        mailer: options.mailer,
        alerts: new RunAlerts(options.db, this.webhooks),
        requeue: (job, delayMs) => this.dispatcher.enqueue(job, delayMs),
        workerId: this.workerId,
        afterRun: async (orgId, integrationId) => {
          await this.dispatcher.dispatch(orgId);
          await this.dispatcher.queueStoredEvents(orgId, integrationId);
        },
        afterAccountsDelivered: (orgId, accountIds) => this.dispatcher.retryWaitingForAccounts(orgId, accountIds),
        schemas: this.schemas,
        store: this.store,
      },
      { ...options.runner, clientOptions: { ...options.clientOptions, ...options.runner?.clientOptions } },
    );
    this.mappings = new Mappings({
      db: options.db,
      credentials: this.credentials,
      integrations: this.integrations,
      schemas: this.schemas,
      requestResync: async (orgId, integrationId) => {
        const run = await this.requestRun(orgId, integrationId, { mode: 'full', trigger: 'mapping' });
        return run.ok ? run.value.id : null;
      },
    });
  }

  static async start(options: EngineOptions): Promise<Engine> {
    const queueLog = options.logger.child({ component: 'queue' });
    const boss = await startBoss(options.db, options.connectionString, { onError: (error) => queueLog.error({ err: error }, 'queue error (pg-boss goes on and retries its own work)') });
    const engine = new Engine(options, boss);
    metrics.useDatabase(options.db);
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
    this.#isWorker = true;
    let interrupted: InterruptedRun[];
    if (options.exclusive === true) {
      // Nobody else can hold a lease on an embedded database: whatever is held was left by a
      // crash. Interrupted runs are closed and queued again (their upserts are idempotent).
      interrupted = await this.#db.transaction(async (tx) => {
        const runs = await tx.query<InterruptedRun>(
          `UPDATE runs SET status = 'INTERRUPTED', finished_at = now(), error = $1::jsonb WHERE status = 'STARTED' RETURNING id, org_id, integration_id, mode, record_ids`,
          [INTERRUPTED_ERROR],
        );
        await tx.query('UPDATE integrations SET lease_run_id = NULL, lease_worker_id = NULL, lease_until = NULL WHERE lease_run_id IS NOT NULL');
        await tx.query('DELETE FROM workers WHERE id <> $1', [this.workerId]);
        return runs;
      });
      // Webhook deliveries being sent when it stopped are sent again now.
      await this.webhooks.recover();
    } else {
      interrupted = await this.#reapStopped();
    }
    for (let i = 0; i < (options.concurrency ?? 2); i++) {
      this.dispatcher.workerIds.push(
        await this.#boss.work<JobMap['integration-sync']>('integration-sync', { pollingIntervalSeconds: 0.5, batchSize: 1 }, async ([job]) => {
          if (job !== undefined) await this.runner.execute(job.data);
        }),
      );
    }
    // Each delivery waits out its retries in its handler: two at a time, beside the runs.
    for (let i = 0; i < 2; i++) {
      this.webhooks.workerIds.push(
        await this.#boss.work<JobMap['webhook']>('webhook', { pollingIntervalSeconds: 1, batchSize: 1 }, async ([job]) => {
          if (job !== undefined) await this.webhooks.deliver(job.data.orgId, job.data.deliveryId);
        }),
      );
    }
    await this.#boss.work('schedule-tick', { pollingIntervalSeconds: 5 }, async () => {
      await this.dispatcher.tick();
      await expireEndedSubscriptions(this.#db, this.store);
      await this.webhooks.sweep();
    });
    await this.#boss.schedule('schedule-tick', '* * * * *');
    // Pruning is a queue of its own, so one runs at a time across every worker.
    await this.#boss.work('prune', { pollingIntervalSeconds: 30 }, async () => {
      try {
        await this.prune('schedule');
      } catch (error) {
        this.#retentionLog.error({ err: error }, 'pruning failed; the next scheduled one tries again');
        throw error;
      }
    });
    if (this.#pruneSchedule === null) await this.#boss.unschedule('prune');
    else await this.#boss.schedule('prune', this.#pruneSchedule);
    this.dispatcher.startPolling(options.incomingCheckMs ?? 5000);
    // Change event streams: opened for integrations that read by CDC, closed when switched off,
    // taken over from workers that stopped.
    this.#streamCheck = setInterval(() => {
      this.streams.reconcile().catch((error: unknown) => this.#logger.error({ err: error }, 'checking change event streams failed'));
    }, options.incomingCheckMs ?? 5000);
    this.#streamCheck.unref();
    this.#stopListening = await this.#db.listen(JOURNAL_CHANNEL, (orgId) => this.dispatcher.onJournal(orgId), {
      onError: (error) => this.#logger.error({ err: error }, 'the journal listener lost its connection: re-opening it (meanwhile the per-minute sweep delivers changes)'),
      onReconnect: () => {
        this.#logger.info('the journal listener is back: catching up on changes committed meanwhile');
        this.dispatcher.sweep().catch((error: unknown) => this.#logger.error({ err: error }, 'sweep after reconnecting failed'));
      },
    });
    await this.#requeueInterrupted(interrupted);
    // Changes committed while no worker was listening are picked up now.
    await this.dispatcher.sweep();
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
      this.#lastBeat = Date.now();
      if (alive.length === 0) {
        // Another worker took this one for stopped (it could not beat for too long) and closed
        // its runs; they were queued again. Carry on as a live worker.
        this.#logger.warn({ workerId: this.workerId }, 'this worker was taken for stopped by another (no heartbeat for too long): registering again');
        await this.#register();
      }
      const interrupted = await this.#reapStopped();
      await this.#requeueInterrupted(interrupted);
      // A stopped worker may also have fetched jobs it never started: no need to wait for them.
      if (interrupted.length > 0) await this.dispatcher.requeueOrphans(0);
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
      // A full run goes on from the record it got to.
      await this.requestRun(run.org_id, run.integration_id, { mode: run.mode, trigger: 'retry', recordIds: run.record_ids ?? undefined, continueFrom: run.mode === 'full' || run.mode === 'incoming_full' ? run.id : undefined });
    }
  }

  /** Creates an integration; a reconciliation's Salesforce fields are checked against its credential's org first. */
  async createIntegration(orgId: string, body: unknown): Promise<Result<IntegrationView>> {
    const parsed = integrationInput.safeParse(body);
    if (parsed.success && parsed.data.reconciliation !== null && parsed.data.credentialId !== null) {
      const issues = await this.#checkReconciliation(orgId, parsed.data.reconciliation, parsed.data.credentialId);
      if (issues.length > 0) return fail('validation_failed', 'The reconciliation names Salesforce fields the org does not have; nothing was saved.', issues);
    }
    return this.integrations.create(orgId, body);
  }

  /**
   * A reconciliation's Salesforce fields must be fields of the org's Account: each one missing is
   * named, with the Account fields there are. An org that cannot be reached is not checked here
   * (the run checks again: its query names the fields).
   */
  async #checkReconciliation(orgId: string, config: ReconciliationInput, credentialId: string): Promise<Issue[]> {
    let fields: { name: string; type: string; relationshipName: string | null; referenceTo: string[] }[];
    let client: SalesforceClient;
    let salesforceOrgId: string;
    try {
      const opened = await this.credentials.open(orgId, credentialId);
      client = opened.client;
      salesforceOrgId = opened.identity.organizationId;
      this.schemas.forget(salesforceOrgId);
      const account = (await this.schemas.describe(client, salesforceOrgId, ['Account'])).get('account');
      if (account === undefined || account === null) return [{ path: ['reconciliation'], message: 'the credential\'s org has no Account object' }];
      fields = account.fields;
    } catch (error) {
      if (!(error instanceof SalesforceError)) throw error;
      return [];
    }
    const names = new Map(fields.map((f) => [f.name.toLowerCase(), f.name]));
    const available = fields.filter((f) => f.type !== 'reference' && f.type !== 'id').map((f) => f.name).sort().join(', ');
    const problem = (name: string): string | undefined => {
      const found = names.get(name.toLowerCase());
      if (found === undefined) return `Account has no field ${name} in the credential's org; its fields: ${available}`;
      return found === name ? undefined : `is spelled ${found} in Salesforce: use the exact API name`;
    };
    // A field of a record the Account looks up ("Owner.Email"): the lookup by its relationship
    // name, then the field on the object it points to.
    const lookedUp = async (path: string): Promise<string | undefined> => {
      const [relationship, name] = path.split('.') as [string, string];
      const lookups = fields.filter((f) => f.relationshipName !== null && f.referenceTo.length > 0);
      const lookup = lookups.find((f) => f.relationshipName!.toLowerCase() === relationship.toLowerCase());
      if (lookup === undefined) return `Account has no lookup named ${relationship} in the credential's org; its lookups: ${lookups.map((f) => f.relationshipName).sort().join(', ')}`;
      if (lookup.relationshipName !== relationship) return `the lookup is spelled ${lookup.relationshipName} in Salesforce: use the exact name`;
      const target = lookup.referenceTo[0]!;
      let described: { fields: { name: string }[] } | null | undefined;
      try {
        described = (await this.schemas.describe(client, salesforceOrgId, [target])).get(target.toLowerCase());
      } catch (error) {
        // Not reachable now: the run checks again (its query names the field).
        if (error instanceof SalesforceError) return undefined;
        throw error;
      }
      const found = described?.fields.find((f) => f.name.toLowerCase() === name.toLowerCase());
      if (found === undefined) return `${target} (Account's ${relationship}) has no field ${name}; its fields: ${(described?.fields ?? []).map((f) => f.name).sort().join(', ')}`;
      return found.name === name ? undefined : `is spelled ${relationship}.${found.name} in Salesforce: use the exact API name`;
    };
    const issues: Issue[] = [];
    const billing = problem(config.salesforceBillingIdField);
    if (billing !== undefined) issues.push({ path: ['reconciliation', 'salesforceBillingIdField'], message: billing });
    for (const [index, field] of config.fields.entries()) {
      const wrong = field.salesforce === null ? undefined : field.salesforce.includes('.') ? await lookedUp(field.salesforce) : problem(field.salesforce);
      if (wrong !== undefined) issues.push({ path: ['reconciliation', 'fields', index, 'salesforce'], message: wrong });
    }
    return issues;
  }

  /**
   * Connects an integration to a credential after checking its mapping against that org (fields
   * exist, can be written, take the values): refused with the same errors as saving the mapping.
   * An org that cannot be reached is not a reason to refuse: runs check again before sending.
   */
  async connectIntegration(orgId: string, id: string, credentialId: string): Promise<Result<IntegrationView>> {
    const row = await this.integrations.row(orgId, id);
    if (row === undefined) return fail('not_found', `No integration has id ${id}.`);
    const found = await this.credentials.get(orgId, credentialId);
    if (found.ok) {
      const checked = await this.mappings.checkAgainstCredential(orgId, row, credentialId);
      if (!checked.ok && checked.error.code !== 'salesforce_error') return checked;
      if (!checked.ok) this.#logger.warn({ orgId, integrationId: id, reason: checked.error.message }, 'connected without checking the mapping against the org: it could not be reached');
      if (checked.ok && checked.value.issues.length > 0) {
        return fail('validation_failed', 'The integration\'s mapping does not fit this org; nothing was changed.', checked.value.issues.map((i) => ({ path: ['mapping', ...i.path], message: i.message })));
      }
      if (row.reconciliation !== null) {
        const issues = await this.#checkReconciliation(orgId, row.reconciliation, credentialId);
        if (issues.length > 0) return fail('validation_failed', 'The reconciliation names Salesforce fields this org does not have; nothing was changed.', issues);
      }
      const selection = await this.#checkSelection(orgId, row, credentialId);
      if (selection !== undefined) return fail('validation_failed', 'The integration\'s account selection does not fit this org; nothing was changed.', [{ path: ['sync', 'accountSelection'], message: selection }]);
    }
    const connected = await this.integrations.connect(orgId, id, credentialId);
    // An integration that reads from Salesforce learns now whether the org publishes change
    // events for its object; an org that cannot be reached is asked again by the first run.
    if (connected.ok && connected.value.sync.direction !== 'to_salesforce') {
      const detected = await this.detectIncomingReader(orgId, id);
      if (!detected.ok) this.#logger.warn({ orgId, integrationId: id, reason: detected.error.message }, 'could not ask the org how to read its changes: the first incoming run asks again');
    }
    return connected;
  }

  /**
   * The checkbox that selects accounts (sync.accountSelection) must be a boolean field of the
   * org's Account (a checkbox, or a checkbox formula): what is wrong with it, or undefined. An org
   * that cannot be reached is not checked here (the mapping check said so already).
   */
  async #checkSelection(orgId: string, row: IntegrationRow, credentialId: string): Promise<string | undefined> {
    const sync = syncOf(row);
    const field = selectionFieldOf(row.entity_type, sync);
    const where = selectionWhereOf(row.entity_type, sync);
    if (sync.direction === 'to_salesforce') return undefined;
    if (where !== undefined) {
      // The filter is asked of the org once: a field it lacks, or a condition it cannot parse, says so now.
      try {
        const { client } = await this.credentials.open(orgId, credentialId);
        await client.query(`SELECT Id FROM Account WHERE (${where}) LIMIT 1`, 'Account');
        return undefined;
      } catch (error) {
        if (!(error instanceof SalesforceError) || error.info.kind === 'transient' || error.info.kind === 'auth' || error.info.kind === 'rate_limit') return undefined;
        return `Salesforce cannot select accounts with this filter (${error.info.errorCode}: ${error.info.message}): give a SOQL condition on Account fields, such as "Type = 'Customer - Direct'"`;
      }
    }
    if (field === undefined) return undefined;
    try {
      const { client, identity } = await this.credentials.open(orgId, credentialId);
      const account = (await this.schemas.describe(client, identity.organizationId, ['Account'])).get('account');
      const found = account?.fields.find((f) => f.name.toLowerCase() === field.toLowerCase());
      if (found === undefined) return `the org's Account has no field ${field}: deploy Ferry's SFDX project (salesforce/), name another checkbox ({"field": "..."}), or take every account ("all")`;
      if (found.type !== 'boolean') return `${field} on Account is a ${found.type} field, not a checkbox: name a checkbox (or checkbox formula) field, or "all"`;
      return undefined;
    } catch (error) {
      if (!(error instanceof SalesforceError)) throw error;
      return undefined;
    }
  }

  /**
   * Settles held conflicts (see incoming/resolve.ts), then queues a delivery of each integration's
   * settled records: their held fields were not being sent.
   */
  async resolveConflicts(orgId: string, body: unknown): Promise<Result<{ results: ResolveResult[]; runs: RunView[] }>> {
    const resolved = await resolveConflicts(this.#db, this.store, orgId, body);
    if (!resolved.ok) return resolved;
    const byIntegration = new Map<string, string[]>();
    for (const r of resolved.value) if (r.status === 'resolved') byIntegration.set(r.integrationId, [...(byIntegration.get(r.integrationId) ?? []), r.entityId]);
    const runs: RunView[] = [];
    for (const [integrationId, recordIds] of byIntegration) {
      const run = await this.requestRun(orgId, integrationId, { mode: 'incremental', trigger: 'manual', recordIds: [...new Set(recordIds)], force: true });
      if (run.ok) runs.push(run.value);
    }
    return ok({ results: resolved.value, runs });
  }

  /** The organization's sync settings: its master switch for reading Salesforce changes back. */
  async syncSettings(orgId: string): Promise<{ incoming: boolean }> {
    const rows = await this.#db.query<{ incoming_sync: boolean }>('SELECT incoming_sync FROM organizations WHERE id = $1', [orgId]);
    return { incoming: rows[0]?.incoming_sync ?? true };
  }

  /**
   * Turns incoming sync on or off for every integration of the organization. Off stops reading at
   * once (a run already queued reads nothing); on again, each integration resumes from the
   * position it had reached, so no change made meanwhile is lost.
   */
  async setSyncSettings(orgId: string, settings: { incoming: boolean }): Promise<{ incoming: boolean }> {
    await this.#db.query('UPDATE organizations SET incoming_sync = $2 WHERE id = $1', [orgId, settings.incoming]);
    if (settings.incoming) {
      await this.dispatcher.pollDue();
      await this.streams.reconcile();
    } else {
      // Events that arrive from now on are not stored; they come again from the stored replay id.
      await this.streams.closeFor(orgId);
    }
    return this.syncSettings(orgId);
  }

  /**
   * Changes an integration. Turning its incoming switch off (or its direction to to_salesforce)
   * closes its change event stream at once; turning it on opens it again from where it stopped.
   */
  async updateIntegration(orgId: string, id: string, body: unknown): Promise<Result<IntegrationView>> {
    // A new account selection of a connected integration is checked against its org, as at connect.
    const row = await this.integrations.row(orgId, id);
    const changes = typeof body === 'object' && body !== null ? (body as { sync?: unknown }).sync : undefined;
    if (row !== undefined && row.credential_id !== null && typeof changes === 'object' && changes !== null && 'accountSelection' in changes) {
      const sync = integrationSync.safeParse({ ...syncOf(row), ...changes });
      if (sync.success) {
        const problem = await this.#checkSelection(orgId, { ...row, sync: sync.data }, row.credential_id);
        if (problem !== undefined) return fail('validation_failed', 'The account selection does not fit the integration\'s org; nothing was changed.', [{ path: ['sync', 'accountSelection'], message: problem }]);
      }
    }
    if (row !== undefined && row.credential_id !== null && row.reconciliation !== null && typeof body === 'object' && body !== null && 'reconciliation' in body) {
      const next = (body as { reconciliation?: unknown }).reconciliation;
      const merged = reconciliationInput.safeParse(typeof next === 'object' && next !== null ? { ...asInput(row.reconciliation), ...next } : next);
      if (merged.success) {
        const issues = await this.#checkReconciliation(orgId, merged.data, row.credential_id);
        if (issues.length > 0) return fail('validation_failed', 'The reconciliation names Salesforce fields the org does not have; nothing was changed.', issues);
      }
    }
    // Switching where contact data comes from is recorded, with what it replaces (said before the switch).
    const to = row?.reconciliation !== null && row !== undefined ? (body as { reconciliation?: { contactSource?: unknown } } | null)?.reconciliation?.contactSource : undefined;
    const switching = row !== undefined && row.reconciliation !== null && (to === 'ferry' || to === 'salesforce') && to !== row.reconciliation.contactSource
      ? await describeContactSourceChange(this.#db, orgId, { id, entityType: row.entity_type, enabled: row.enabled, sync: syncOf(row), reconciliation: row.reconciliation }, to)
      : undefined;
    const updated = await this.integrations.update(orgId, id, body);
    if (!updated.ok) return updated;
    if (switching !== undefined) {
      await new Events(this.#db).record(orgId, [{
        integrationId: id, name: 'integration.contact_source.changed',
        message: `Contact data now comes from ${switching.to === 'salesforce' ? 'Salesforce' : 'Ferry'} (it came from ${switching.current === 'salesforce' ? 'Salesforce' : 'Ferry'}). ${switching.message}`,
      }]);
    }
    const sync = updated.value.sync;
    if (!sync.incoming || sync.direction === 'to_salesforce' || !updated.value.enabled) await this.streams.closeFor(orgId, id);
    else {
      await this.dispatcher.pollDue();
      await this.streams.reconcile();
    }
    return updated;
  }

  /**
   * How the integration reads Salesforce changes and where it stands: the reader (detected when
   * it connected, or chosen) and why, the cursor, the stream's replay id and connection, the
   * change events waiting, and a re-read of the object in progress.
   */
  async incomingStatus(orgId: string, id: string): Promise<Result<IncomingStatus>> {
    const integration = await this.integrations.row(orgId, id);
    if (integration === undefined) return fail('not_found', `No integration has id ${id}.`);
    const object = DEFINITIONS[integration.entity_type].objects[0]!.object;
    const position = await loadPosition(this.#db, orgId, id, object);
    const [pending] = await this.#db.query<{ count: string }>('SELECT count(*)::text AS count FROM incoming_events WHERE org_id = $1 AND integration_id = $2', [orgId, id]);
    return ok({
      direction: syncOf(integration).direction,
      switchedOn: await incomingAllowed(this.#db, integration),
      object,
      reader: position?.mode ?? null,
      reason: position?.reason ?? null,
      detectedAt: position?.detectedAt?.toISOString() ?? null,
      cursor: position === undefined ? null : { systemModstamp: position.cursor.modstamp, id: position.cursor.recordId === '' ? null : position.cursor.recordId },
      replayId: position?.replayId ?? null,
      streamConnectedAt: position?.streamConnectedAt?.toISOString() ?? null,
      pendingEvents: Number(pending?.count ?? 0),
      rereading: position?.catchUpSince === null || position === undefined ? null : { since: position.catchUpSince.toISOString(), reason: position.catchUpReason ?? '' },
      lastReadAt: position?.polledAt?.toISOString() ?? null,
    });
  }

  /**
   * Decides (again) how the integration reads Salesforce changes: asks the org whether it
   * publishes change events for the object (unless the reader is chosen), and stores the answer.
   */
  async detectIncomingReader(orgId: string, id: string): Promise<Result<IncomingStatus>> {
    const integration = await this.integrations.row(orgId, id);
    if (integration === undefined) return fail('not_found', `No integration has id ${id}.`);
    if (syncOf(integration).direction === 'to_salesforce') {
      return fail('validation_failed', 'This integration does not read from Salesforce.', [{ path: ['sync', 'direction'], message: 'set it to "from_salesforce" or "both" first (PATCH /integrations/{id})' }]);
    }
    if (integration.credential_id === null) return fail('validation_failed', 'The integration is not connected to a credential.', [{ path: ['credentialId'], message: 'connect one first (POST /integrations/{id}/connect)' }]);
    const object = DEFINITIONS[integration.entity_type].objects[0]!.object;
    try {
      const { client } = await this.credentials.open(orgId, integration.credential_id);
      await positionReader(this.#db, client, integration, object);
    } catch (error) {
      if (!(error instanceof SalesforceError)) throw error;
      return fail('salesforce_error', `Ferry could not ask the org how to read its changes: ${error.info.errorCode}: ${error.info.message}`);
    }
    await this.streams.reconcile();
    return this.incomingStatus(orgId, id);
  }

  /** A run requested through the API: created WAITING now, executed by a worker. */
  async requestRun(orgId: string, integrationId: string, input: { mode: RunMode; trigger: 'manual' | 'retry' | 'replay' | 'mapping' | 'poll'; recordIds?: string[] | undefined; salesforceIds?: string[] | undefined; replayOf?: string | undefined; force?: boolean; continueFrom?: string | undefined }): Promise<Result<RunView>> {
    const integration = await this.integrations.row(orgId, integrationId);
    if (integration === undefined) return fail('not_found', `No integration has id ${integrationId}.`);
    if (readsFromSalesforce(input.mode) && syncOf(integration).direction === 'to_salesforce') {
      return fail('validation_failed', 'This integration does not read from Salesforce.', [{ path: ['mode'], message: 'set sync.direction to "from_salesforce" or "both" first (PATCH /integrations/{id})' }]);
    }
    if (readsFromSalesforce(input.mode) && !(await incomingAllowed(this.#db, integration))) {
      return fail('validation_failed', 'Incoming sync is switched off.', [{
        path: ['mode'],
        message: syncOf(integration).incoming ? 'the organization\'s switch is off: PUT /api/v1/sync/settings {"incoming": true}' : 'this integration\'s switch is off: PATCH /integrations/{id} {"sync": {"incoming": true}}',
      }]);
    }
    const run = await this.runs.create(orgId, integrationId, { id: uuidv7(), trigger: input.trigger, mode: input.mode, recordIds: input.recordIds, salesforceIds: input.salesforceIds, replayOf: input.replayOf, continuedFrom: input.continueFrom });
    await this.dispatcher.enqueue({ orgId, integrationId, trigger: input.trigger, mode: input.mode, runId: run.id, recordIds: input.recordIds, salesforceIds: input.salesforceIds, replayOf: input.replayOf, force: input.force, continueFrom: input.continueFrom });
    return ok(run);
  }

  /**
   * The organization's import integration of one type (Catalogue, ReferenceData) bound to a
   * credential: the oldest, or one made now (named "Catalogue" or "Reference data", run by hand
   * only) when there is none.
   */
  async importIntegrationFor(orgId: string, credentialId: string, entityType: 'Catalogue' | 'ReferenceData'): Promise<Result<{ id: string; created: boolean }>> {
    const [existing] = await this.#db.query<{ id: string }>(
      'SELECT id FROM integrations WHERE org_id = $1 AND credential_id = $2 AND entity_type = $3 ORDER BY created_at, id LIMIT 1',
      [orgId, credentialId, entityType],
    );
    if (existing !== undefined) return ok({ id: existing.id, created: false });
    const name = entityType === 'Catalogue' ? 'Catalogue' : 'Reference data';
    const made = await this.integrations.create(orgId, { name, entityType, credentialId, trigger: { onChange: false } });
    if (!made.ok) return made.error.code === 'reference_not_found' ? fail('not_found', `No credential has id ${credentialId}.`) : made;
    return ok({ id: made.value.id, created: true });
  }

  /** Import Catalogue or Import Data on a credential: a full run of its import integration (see importIntegrationFor). */
  async importInto(orgId: string, credentialId: string, entityType: 'Catalogue' | 'ReferenceData'): Promise<Result<{ integration: IntegrationView; run: RunView; created: boolean }>> {
    const found = await this.importIntegrationFor(orgId, credentialId, entityType);
    if (!found.ok) return found;
    const run = await this.requestRun(orgId, found.value.id, { mode: 'full', trigger: 'manual' });
    if (!run.ok) return run;
    const integration = await this.integrations.get(orgId, found.value.id);
    if (!integration.ok) return integration;
    return ok({ integration: integration.value, run: run.value, created: found.value.created });
  }

  /** What switching a reconciliation's contact data to another source replaces (nothing is changed). */
  async reconciliationContactSource(orgId: string, id: string, to: ContactSource): Promise<Result<ContactSourceChange>> {
    const row = await this.integrations.row(orgId, id);
    if (row === undefined) return fail('not_found', `No integration has id ${id}.`);
    if (row.reconciliation === null) return fail('validation_failed', `Integration ${id} is a ${row.entity_type} integration, not a Reconciliation.`, [{ path: ['id'], message: 'has no reconciliation settings' }]);
    return ok(await describeContactSourceChange(this.#db, orgId, { id, entityType: row.entity_type, enabled: row.enabled, sync: syncOf(row), reconciliation: row.reconciliation }, to));
  }

  /** Links groups of the latest reconciliation report explicitly (see reconciliation/actions.ts). */
  async reconciliationLink(orgId: string, id: string, body: unknown): Promise<Result<{ results: LinkResult[] }>> {
    const parsed = linkInput.safeParse(body);
    if (!parsed.success) return fail('validation_failed', 'The request is not valid.', issuesFromZod(parsed.error, body));
    const found = await this.reconciliations.latestItems(orgId, id, parsed.data.items);
    if (!found.ok) return found;
    const { integration, items, missing } = found.value;
    if (missing.length > 0) return fail('validation_failed', 'The latest report has no such item.', missing.map((n) => ({ path: ['items', parsed.data.items.indexOf(n)], message: `no item ${n} in the latest report` })));
    return ok({ results: await linkItems(this.store, orgId, integration.reconciliation!, items) });
  }

  /** Copies a compared value of a reconciliation report's item to Ferry, or from Ferry to Salesforce. */
  async reconciliationCopy(orgId: string, id: string, body: unknown): Promise<Result<CopyOutcome>> {
    const parsed = copyInput.safeParse(body);
    if (!parsed.success) return fail('validation_failed', 'The copy is not valid.', issuesFromZod(parsed.error, body));
    const found = await this.reconciliations.latestItems(orgId, id, [parsed.data.n]);
    if (!found.ok) return found;
    const { integration, items } = found.value;
    const [item] = items;
    if (item === undefined) return fail('validation_failed', 'The latest report has no such item.', [{ path: ['n'], message: `no item ${parsed.data.n} in the latest report` }]);
    return copyValue(this.#db, this.store, integration, integration.reconciliation!, item, parsed.data, async (integrationId, accountId) => {
      const run = await this.requestRun(orgId, integrationId, { mode: 'incremental', trigger: 'manual', recordIds: [accountId], force: true });
      if (!run.ok) throw new Error(`the delivery of account ${accountId} could not be queued: ${run.error.message}`);
      return run.value.id;
    });
  }

  /** The invoice list's columns as the credential's org holds them (the Ferry_Invoice_Column__c custom setting). */
  async invoiceColumns(orgId: string, credentialId: string): Promise<Result<InvoiceColumns>> {
    const found = await this.credentials.get(orgId, credentialId);
    if (!found.ok) return found;
    const { client, identity } = await this.credentials.open(orgId, credentialId, { logger: databaseRequestLogger(this.#db, { orgId, credentialId }) });
    return ok(await readInvoiceColumns(client, identity.organizationId));
  }

  /** Sets the invoice list's columns in the credential's org: every account page shows them on its next load. */
  async setInvoiceColumns(orgId: string, credentialId: string, body: unknown): Promise<Result<InvoiceColumns>> {
    const parsed = invoiceColumnsInput.safeParse(body);
    if (!parsed.success) return fail('validation_failed', 'The invoice columns are not valid.', issuesFromZod(parsed.error, body));
    const found = await this.credentials.get(orgId, credentialId);
    if (!found.ok) return found;
    const { client, identity } = await this.credentials.open(orgId, credentialId, { logger: databaseRequestLogger(this.#db, { orgId, credentialId }) });
    const written = await writeInvoiceColumns(client, identity.organizationId, parsed.data.columns);
    if ('issues' in written) return fail('validation_failed', 'The invoice columns were not saved.', written.issues);
    return ok(written.saved);
  }

  async replay(orgId: string, runId: string): Promise<Result<RunView>> {
    const run = await this.runs.get(orgId, runId);
    if (run === undefined) return fail('not_found', `No run has id ${runId}.`);
    if (run.status === 'WAITING' || run.status === 'STARTED') return fail('version_conflict', 'The run has not finished; replay it once it has.');
    if (run.recordIds.length === 0) return fail('validation_failed', 'The run considered no records, so there is nothing to replay.', [{ path: ['recordIds'], message: 'is empty' }]);
    const considered = run.counts.sent + run.counts.skipped;
    if (run.recordIds.length >= RunState.MAX_RECORD_IDS && considered > run.recordIds.length) {
      return fail('validation_failed', `The run considered ${considered} records; Ferry keeps the ids of the first ${RunState.MAX_RECORD_IDS} only, so it cannot be replayed record by record.`, [{ path: ['recordIds'], message: 'run a full sync instead: POST /api/v1/integrations/{id}/sync {"mode": "full"}' }]);
    }
    return this.requestRun(orgId, run.integrationId, { mode: run.mode, trigger: 'replay', recordIds: run.recordIds, replayOf: run.id, force: true });
  }

  /** Sends the event's record again (after the cause was fixed). */
  async retryEvent(orgId: string, eventId: string): Promise<Result<{ event: EventView; run: RunView }>> {
    const event = await this.events.get(orgId, eventId);
    if (event === undefined) return fail('not_found', `No event has id ${eventId}.`);
    // A change read back that Ferry refused is retried by reading the Salesforce record again.
    const run = (event.name === 'integration.incoming_refused.error' || event.name === 'integration.incoming_value_left_out.warning') && event.salesforceId !== null
      ? await this.requestRun(orgId, event.integrationId, { mode: 'incoming', trigger: 'retry', salesforceIds: [event.salesforceId] })
      : event.entityId === null
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
      const described = new Set((await client.describe(object)).fields.map((f: { name: string }) => f.name));
      const absent = [...fields].filter((field) => !described.has(field));
      if (absent.length > 0) missing.push({ object, fields: absent });
    }
    return ok({ organizationId: identity.organizationId, missing });
  }

  /** Removes what the retention settings let go, in short batches (see engine/retention). */
  async prune(trigger: 'schedule' | 'manual'): Promise<PruneReport> {
    return prune(this.#db, { settings: this.retention, trigger, logger: this.#retentionLog, signal: this.#stopping.signal });
  }

  /** Table sizes, the journal (of one organization, or all) and what holds it, the last pruning, the workers. */
  async status(orgId?: string): Promise<StatusView> {
    return ferryStatus(this.#db, { settings: this.retention, pruneSchedule: this.#pruneSchedule, orgId, deadAfterMs: this.#liveness.deadAfterMs });
  }

  /**
   * Whether this process can take work, for /readyz: the database answers, the queue is there,
   * and (a worker) its loop beats within the allowed silence and it is not draining to stop.
   */
  async readiness(): Promise<{ ready: boolean; checks: { name: string; ok: boolean; detail: string }[] }> {
    const timed = async (name: string, check: () => Promise<string>): Promise<{ name: string; ok: boolean; detail: string }> => {
      let timer: NodeJS.Timeout | undefined;
      try {
        const detail = await Promise.race([check(), new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('no answer within 2 s')), 2000)))]);
        return { name, ok: true, detail };
      } catch (error) {
        return { name, ok: false, detail: error instanceof Error ? error.message : String(error) };
      } finally {
        clearTimeout(timer);
      }
    };
    const checks = [
      await timed('database', async () => {
        await this.#db.query('SELECT 1');
        return this.#db.kind;
      }),
      await timed('queue', async () => {
        const queue = await this.#boss.getQueue('integration-sync');
        if (queue === null) throw new Error('the integration-sync queue does not exist');
        return 'integration-sync';
      }),
    ];
    if (this.#isWorker) {
      const silent = Date.now() - this.#lastBeat;
      const stopping = this.#stopping.signal.aborted;
      checks.push({
        name: 'worker',
        ok: !stopping && silent < this.#liveness.deadAfterMs,
        detail: stopping ? 'stopping: finishing or handing back its runs' : `last beat ${silent} ms ago (taken for stopped after ${this.#liveness.deadAfterMs} ms)`,
      });
    }
    return { ready: checks.every((c) => c.ok), checks };
  }

  async stop(): Promise<void> {
    this.#stopping.abort();
    // Runs in flight end after the batch (or result page) they are on, and what is left of them
    // is queued for another worker, which continues from where they got to.
    this.runner.stopAfterBatch();
    this.dispatcher.stop();
    clearInterval(this.#streamCheck);
    await this.streams.stop();
    await this.#stopListening?.();
    // Deliveries waiting between attempts are handed back at once, not waited for.
    await this.webhooks.stop();
    // Still beating meanwhile: the others must not take over runs that are finishing here.
    await this.#boss.stop({ graceful: true, wait: true, timeout: 10_000 });
    clearInterval(this.#heartbeat);
    await this.#beating;
    // Gone on purpose: a run still going after the graceful stop (a batch longer than 10 s) is
    // taken over by the others at their next beat, and the process exits (see ferry worker).
    await this.#db.query('DELETE FROM workers WHERE id = $1', [this.workerId]);
  }
}
