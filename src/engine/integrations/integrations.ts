import { v7 as uuidv7 } from 'uuid';
import { externalMappingsScopedTo, fail, issuesFromZod, lastJournalSeq, liveRecordIds, ok, type Issue, type Result } from '../../platform/index.ts';
import type { Database, Queryable } from '../../storage/index.ts';
import { integrationInput, integrationSync, nextRunAt, type IntegrationDelivery, type IntegrationSettings, type IntegrationSync, type IntegrationTrigger, type IntegrationView, type IntegrationWithLastRun } from './schemas.ts';
import { readingProblems } from '../incoming/reading.ts';
import { DEFINITIONS } from '../mapping/entities/index.ts';
import { resolvePath } from '../mapping/paths.ts';
import { storedRules } from '../mapping/stored.ts';
import { asInput, withoutSecrets, type ReconciliationView } from '../reconciliation/schemas.ts';
import { contactSourceConflicts } from '../reconciliation/contact-source.ts';
import type { SecretBox } from '../credentials/secret-box.ts';
import type { JournalGap } from '../retention/journal.ts';
import type { EntityType, RunStatus, RunTrigger } from '../types.ts';

export interface IntegrationRow {
  org_id: string;
  id: string;
  name: string;
  entity_type: EntityType;
  destination: 'salesforce';
  credential_id: string | null;
  enabled: boolean;
  settings: IntegrationSettings;
  trigger: IntegrationTrigger;
  delivery: IntegrationDelivery;
  /** Direction and incoming settings ({} before any were set: the defaults). */
  sync: IntegrationSync;
  error_threshold: number;
  consecutive_errors: number;
  disabled_at: Date | null;
  disabled_reason: string | null;
  salesforce_org_id: string | null;
  cursor_seq: number;
  paused_until: Date | null;
  next_run_at: Date | null;
  last_run_at: Date | null;
  lease_run_id: string | null;
  lease_until: Date | null;
  /** The integration's mapping rules; null: its entity type's default mapping. */
  mapping: unknown[] | null;
  /** Reconciliation integrations: their configuration, header values left out (null for the others). */
  reconciliation: ReconciliationView | null;
  /** Secrets of its settings (a reconciliation source's headers), sealed. */
  sealed_secrets: string | null;
  /** Journal entries it had not sent were pruned (retention): its next delivery is a full pass. */
  journal_gap: JournalGap | null;
  version: number;
  created_at: Date;
  updated_at: Date;
}

export function toIntegrationView(row: IntegrationRow): IntegrationView {
  return {
    id: row.id,
    name: row.name,
    entityType: row.entity_type,
    destination: 'salesforce',
    credentialId: row.credential_id,
    status: !row.enabled ? 'DISABLED' : row.credential_id === null ? 'NOT_CONNECTED' : 'CONNECTED',
    enabled: row.enabled,
    errorThreshold: row.error_threshold,
    consecutiveErrors: row.consecutive_errors,
    disabledAt: row.disabled_at?.toISOString() ?? null,
    disabledReason: row.disabled_reason,
    salesforceOrgId: row.salesforce_org_id,
    cursorSeq: row.cursor_seq,
    pausedUntil: row.paused_until?.toISOString() ?? null,
    nextRunAt: row.next_run_at?.toISOString() ?? null,
    lastRunAt: row.last_run_at?.toISOString() ?? null,
    settings: row.settings,
    trigger: row.trigger,
    delivery: row.delivery,
    sync: syncOf(row),
    reconciliation: row.reconciliation ?? null,
    version: row.version,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

/** An integration row with its newest run's columns (LEFT JOIN: all null when it never ran). */
interface RowWithLastRun extends IntegrationRow {
  last_run_id: string | null;
  last_run_status: RunStatus | null;
  last_run_trigger: RunTrigger | null;
  last_run_finished_at: Date | null;
}

// The newest run by id (UUIDv7: time-ordered), through the runs_integration index.
const WITH_LAST_RUN = `SELECT i.*, r.id AS last_run_id, r.status AS last_run_status, r.trigger AS last_run_trigger, r.finished_at AS last_run_finished_at
  FROM integrations i
  LEFT JOIN LATERAL (SELECT id, status, trigger, finished_at FROM runs WHERE org_id = i.org_id AND integration_id = i.id ORDER BY id DESC LIMIT 1) r ON true`;

function withLastRun(row: RowWithLastRun): IntegrationWithLastRun {
  const { last_run_id: id, last_run_status: status, last_run_trigger: trigger, last_run_finished_at: finishedAt, ...integration } = row;
  return {
    ...toIntegrationView(integration),
    lastRun: id === null || status === null || trigger === null ? null : { id, status, trigger, finishedAt: finishedAt?.toISOString() ?? null },
  };
}

/** The integration's sync settings with defaults filled in (rows older than them hold {}). */
export function syncOf(row: Pick<IntegrationRow, 'sync'>): IntegrationSync {
  return integrationSync.parse(row.sync ?? {});
}

/** Integrations: their configuration, connection to a credential, and the org lock. */
export class Integrations {
  readonly #db: Database;

  readonly #box: SecretBox | undefined;

  /** `box` seals the secrets of integrations' own settings (a reconciliation source's headers). */
  constructor(db: Database, box?: SecretBox) {
    this.#box = box;
    this.#db = db;
  }

  async row(orgId: string, id: string, tx: Queryable = this.#db): Promise<IntegrationRow | undefined> {
    const rows = await tx.query<IntegrationRow>('SELECT * FROM integrations WHERE org_id = $1 AND id = $2', [orgId, id]);
    return rows[0];
  }

  async get(orgId: string, id: string): Promise<Result<IntegrationWithLastRun>> {
    const [row] = await this.#db.query<RowWithLastRun>(`${WITH_LAST_RUN} WHERE i.org_id = $1 AND i.id = $2`, [orgId, id]);
    return row === undefined ? fail('not_found', `No integration has id ${id}.`) : ok(withLastRun(row));
  }

  async list(orgId: string, filter: { entityType?: string | undefined } = {}): Promise<IntegrationWithLastRun[]> {
    const rows = await this.#db.query<RowWithLastRun>(
      `${WITH_LAST_RUN} WHERE i.org_id = $1 AND ($2::text IS NULL OR i.entity_type = $2) ORDER BY i.id`,
      [orgId, filter.entityType ?? null],
    );
    return rows.map(withLastRun);
  }

  async create(orgId: string, body: unknown): Promise<Result<IntegrationView>> {
    // A reconciliation runs daily at 02:00 UTC unless told otherwise; nothing it reads is a change to follow.
    const input0 = typeof body === 'object' && body !== null && (body as { entityType?: unknown }).entityType === 'Reconciliation' && !('trigger' in body)
      ? { ...body, trigger: { onChange: false, schedule: { cron: '0 2 * * *', timeZone: 'UTC' } } }
      : body;
    const parsed = integrationInput.safeParse(input0);
    // The input lets the messages tell a missing field ("is required") from a wrong one.
    if (!parsed.success) return fail('validation_failed', 'The integration is not valid.', issuesFromZod(parsed.error, input0));
    const input = parsed.data;
    const refs = await this.#checkReferences(orgId, input.credentialId, input.settings);
    if (refs.length > 0) return fail('reference_not_found', 'The integration refers to records that do not exist.', refs);
    const matchProblems = syncMatchProblems(input.entityType, input.sync);
    if (matchProblems.length > 0) return fail('validation_failed', 'The integration is not valid.', matchProblems);
    const sources = await contactSourceConflicts(this.#db, orgId, { ...input, reconciliation: input.reconciliation });
    if (sources.length > 0) return fail('validation_failed', 'Contact data would come from two sources; nothing was saved.', sources);
    const split = input.reconciliation === null ? undefined : withoutSecrets(input.reconciliation);
    const sealed = split?.headers === undefined || Object.keys(split.headers).length === 0 ? null : this.#seal(split.headers);
    // A new integration starts from the end of the journal: it delivers changes from now on; a
    // full sync sends what already exists.
    const [row] = await this.#db.query<IntegrationRow>(
      `INSERT INTO integrations (org_id, id, name, entity_type, destination, credential_id, enabled, settings, trigger, delivery, error_threshold, cursor_seq, next_run_at, sync, reconciliation, sealed_secrets)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
       RETURNING *`,
      [orgId, uuidv7(), input.name, input.entityType, input.destination, input.credentialId, input.enabled, input.settings, input.trigger, input.delivery, input.errorThreshold,
        await lastJournalSeq(this.#db, orgId), nextRunAt(input.trigger.schedule, new Date()), input.sync, split?.stored ?? null, sealed],
    );
    return ok(toIntegrationView(row!));
  }

  /** Changes fields; settings, trigger and delivery merge one level deep. */
  async update(orgId: string, id: string, body: unknown): Promise<Result<IntegrationView>> {
    const row = await this.row(orgId, id);
    if (row === undefined) return fail('not_found', `No integration has id ${id}.`);
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return fail('validation_failed', 'The body must be a JSON object.');
    const patch = body as Record<string, unknown>;
    const { version, ...changes } = patch;
    if (version !== undefined && version !== row.version) {
      return fail('version_conflict', `The integration is at version ${row.version}, not ${JSON.stringify(version)}.`, [{ path: ['version'], message: `current version is ${row.version}` }]);
    }
    for (const fixed of ['entityType', 'destination', 'credentialId', 'enabled']) {
      if (fixed in changes) {
        return fail('validation_failed', `${fixed} cannot be changed by PATCH.`, [
          { path: [fixed], message: fixed === 'entityType' || fixed === 'destination' ? 'create a new integration instead' : `use POST /integrations/${id}/${fixed === 'credentialId' ? 'connect or /disconnect' : 'enable or /disable'}` },
        ]);
      }
    }
    const merged = {
      name: row.name,
      entityType: row.entity_type,
      destination: row.destination,
      credentialId: row.credential_id,
      enabled: row.enabled,
      errorThreshold: row.error_threshold,
      ...changes,
      settings: { ...row.settings, ...(typeof changes.settings === 'object' && changes.settings !== null ? changes.settings : {}) },
      trigger: { ...row.trigger, ...(typeof changes.trigger === 'object' && changes.trigger !== null ? changes.trigger : {}) },
      delivery: { ...row.delivery, ...(typeof changes.delivery === 'object' && changes.delivery !== null ? changes.delivery : {}) },
      sync: { ...syncOf(row), ...(typeof changes.sync === 'object' && changes.sync !== null ? changes.sync : {}) },
      reconciliation: row.reconciliation === null || typeof changes.reconciliation !== 'object' || changes.reconciliation === null
        ? (changes.reconciliation === undefined ? (row.reconciliation === null ? null : asInput(row.reconciliation)) : changes.reconciliation)
        : { ...asInput(row.reconciliation), ...changes.reconciliation },
    };
    const parsed = integrationInput.safeParse(merged);
    if (!parsed.success) return fail('validation_failed', 'The integration is not valid.', issuesFromZod(parsed.error, merged));
    const input = parsed.data;
    const refs = await this.#checkReferences(orgId, null, input.settings);
    if (refs.length > 0) return fail('reference_not_found', 'The integration refers to records that do not exist.', refs);
    const matchProblems = syncMatchProblems(input.entityType, input.sync);
    if (matchProblems.length > 0) return fail('validation_failed', 'The integration is not valid.', matchProblems);
    if (input.sync.direction !== 'to_salesforce' && row.mapping !== null) {
      const unreadable = readingProblems(storedRules(row));
      if (unreadable.length > 0) {
        return fail('validation_failed', 'The mapping has rules that cannot be read back from Salesforce.', unreadable.map((p) => ({ path: ['sync', 'direction'], message: `mapping rule ${p.index}: ${p.message}` })));
      }
    }
    const sources = await contactSourceConflicts(this.#db, orgId, { ...input, id, enabled: row.enabled });
    if (sources.length > 0) return fail('validation_failed', 'Contact data would come from two sources; nothing was changed.', sources);
    // Header values are write-only: a change that leaves them out keeps the sealed ones of an
    // HTTPS source; {} removes them.
    let sealed = row.sealed_secrets;
    let stored: ReconciliationView | null = null;
    if (input.reconciliation !== null) {
      const wasHttp = row.reconciliation?.source.kind === 'http';
      const kept = wasHttp && row.reconciliation?.source.kind === 'http' ? row.reconciliation.source.headerNames : [];
      const split = withoutSecrets(input.reconciliation, kept);
      stored = split.stored;
      if (input.reconciliation.source.kind !== 'http') sealed = null;
      else if (split.headers !== undefined) sealed = Object.keys(split.headers).length === 0 ? null : this.#seal(split.headers);
      else if (!wasHttp) sealed = null;
    }
    const scheduleChanged = JSON.stringify(input.trigger.schedule) !== JSON.stringify(row.trigger.schedule);
    // Guarded by the version read above: a change made meanwhile (another request, a run that
    // disabled the integration) is never overwritten with the merge of stale values.
    const [updated] = await this.#db.query<IntegrationRow>(
      `UPDATE integrations SET name = $3, settings = $4, trigger = $5, delivery = $6, error_threshold = $7,
         next_run_at = CASE WHEN $8 THEN $9 ELSE next_run_at END, sync = $11, reconciliation = $12, sealed_secrets = $13, version = version + 1, updated_at = now()
       WHERE org_id = $1 AND id = $2 AND version = $10 RETURNING *`,
      [orgId, id, input.name, input.settings, input.trigger, input.delivery, input.errorThreshold, scheduleChanged, nextRunAt(input.trigger.schedule, new Date()), row.version, input.sync, stored, sealed],
    );
    if (updated === undefined) {
      return fail('version_conflict', `The integration changed while this update was being applied (it was at version ${row.version}); read it again and repeat the change.`, [{ path: ['version'], message: 'changed meanwhile' }]);
    }
    return ok(toIntegrationView(updated));
  }

  async delete(orgId: string, id: string): Promise<Result<{ id: string }>> {
    return this.#db.transaction(async (tx) => {
      // External mappings scoped to it would point at nothing (and refuse every later change):
      // they go first, on purpose, as integrations go before the credential they use.
      const scoped = await externalMappingsScopedTo(tx, orgId, id, 100);
      if (scoped.length > 0) {
        return fail('has_dependents', 'External mappings are scoped to this integration; delete them, or remove their integrationId, first.', scoped.map((m) => ({ path: ['externalMappings', m], message: 'is scoped to this integration' })));
      }
      const rows = await tx.query('DELETE FROM integrations WHERE org_id = $1 AND id = $2 RETURNING id', [orgId, id]);
      if (rows.length === 0) return fail('not_found', `No integration has id ${id}.`);
      await tx.query('DELETE FROM links WHERE org_id = $1 AND integration_id = $2', [orgId, id]);
      await tx.query('DELETE FROM delivery_intents WHERE org_id = $1 AND integration_id = $2', [orgId, id]);
      await tx.query('DELETE FROM import_rows WHERE org_id = $1 AND integration_id = $2', [orgId, id]);
      return ok({ id });
    });
  }

  /** Re-enabling resets the successive-error count. */
  async setEnabled(orgId: string, id: string, enabled: boolean): Promise<Result<IntegrationView>> {
    const current = enabled ? await this.row(orgId, id) : undefined;
    if (current !== undefined && !current.enabled) {
      const sources = await contactSourceConflicts(this.#db, orgId, { id, entityType: current.entity_type, enabled: true, sync: syncOf(current), reconciliation: current.reconciliation });
      if (sources.length > 0) return fail('validation_failed', 'Enabling it would make contact data come from two sources; it stays disabled.', sources);
    }
    const [row] = await this.#db.query<IntegrationRow>(
      `UPDATE integrations SET enabled = $3, consecutive_errors = CASE WHEN $3 THEN 0 ELSE consecutive_errors END,
         disabled_at = CASE WHEN $3 THEN NULL ELSE now() END, disabled_reason = CASE WHEN $3 THEN NULL ELSE 'disabled by hand' END,
         paused_until = CASE WHEN $3 THEN NULL ELSE paused_until END, version = version + 1, updated_at = now()
       WHERE org_id = $1 AND id = $2 RETURNING *`,
      [orgId, id, enabled],
    );
    return row === undefined ? fail('not_found', `No integration has id ${id}.`) : ok(toIntegrationView(row));
  }

  /**
   * Connects (or switches) to a credential. Refused when the credential's org (as last tested) is
   * not the org this integration already delivered to: its links would point at records there.
   */
  async connect(orgId: string, id: string, credentialId: string): Promise<Result<IntegrationView>> {
    const row = await this.row(orgId, id);
    if (row === undefined) return fail('not_found', `No integration has id ${id}.`);
    const credentials = await this.#db.query<{ salesforce_org_id: string | null }>('SELECT salesforce_org_id FROM credentials WHERE org_id = $1 AND id = $2', [orgId, credentialId]);
    const credential = credentials[0];
    if (credential === undefined) return fail('reference_not_found', `No credential has id ${credentialId}.`, [{ path: ['credentialId'], message: 'no such credential' }]);
    const lock = orgLockProblem(row.salesforce_org_id, credential.salesforce_org_id);
    if (lock !== undefined) return fail('org_mismatch', lock, [{ path: ['credentialId'], message: `connects to Salesforce org ${credential.salesforce_org_id}` }]);
    const [updated] = await this.#db.query<IntegrationRow>(
      'UPDATE integrations SET credential_id = $3, version = version + 1, updated_at = now() WHERE org_id = $1 AND id = $2 RETURNING *',
      [orgId, id, credentialId],
    );
    return ok(toIntegrationView(updated!));
  }

  async disconnect(orgId: string, id: string): Promise<Result<IntegrationView>> {
    const [row] = await this.#db.query<IntegrationRow>(
      'UPDATE integrations SET credential_id = NULL, version = version + 1, updated_at = now() WHERE org_id = $1 AND id = $2 RETURNING *',
      [orgId, id],
    );
    return row === undefined ? fail('not_found', `No integration has id ${id}.`) : ok(toIntegrationView(row));
  }

  /** Forgets every delivered record and the org lock: the next run treats the org as new. */
  async purgeLinks(orgId: string, id: string): Promise<Result<{ purged: number; integration: IntegrationView }>> {
    return this.#db.transaction(async (tx) => {
      const removed = await tx.query('DELETE FROM links WHERE org_id = $1 AND integration_id = $2 RETURNING entity_id', [orgId, id]);
      const imported = await tx.query('DELETE FROM import_rows WHERE org_id = $1 AND integration_id = $2 RETURNING key', [orgId, id]);
      const [row] = await tx.query<IntegrationRow>(
        'UPDATE integrations SET salesforce_org_id = NULL, version = version + 1, updated_at = now() WHERE org_id = $1 AND id = $2 RETURNING *',
        [orgId, id],
      );
      if (row === undefined) return fail('not_found', `No integration has id ${id}.`);
      return ok({ purged: removed.length + imported.length, integration: toIntegrationView(row) });
    });
  }

  #seal(secrets: Record<string, string>): string {
    if (this.#box === undefined) throw new Error('integrations were made without a secret box: they cannot keep a source\'s headers');
    return this.#box.seal(secrets);
  }

  /** The sealed secrets of an integration's settings, opened (for a run: never for the API). */
  openSecrets(row: Pick<IntegrationRow, 'sealed_secrets'>): Record<string, string> {
    if (row.sealed_secrets === null) return {};
    if (this.#box === undefined) throw new Error('integrations were made without a secret box: they cannot open a source\'s headers');
    return this.#box.open(row.sealed_secrets);
  }

  async #checkReferences(orgId: string, credentialId: string | null, settings: IntegrationSettings): Promise<Issue[]> {
    const issues: Issue[] = [];
    if (credentialId !== null) {
      const found = await this.#db.query('SELECT 1 FROM credentials WHERE org_id = $1 AND id = $2', [orgId, credentialId]);
      if (found.length === 0) issues.push({ path: ['credentialId'], message: `no credential has id ${credentialId}` });
    }
    const check = async (field: 'includedAccountIds' | 'excludedAccountIds' | 'notifyUserIds', entity: string) => {
      const ids = settings[field];
      if (ids.length === 0) return;
      const known = await liveRecordIds(this.#db, orgId, entity, ids);
      ids.forEach((value, index) => {
        if (!known.has(value)) issues.push({ path: ['settings', field, index], message: `no live ${entity === 'users' ? 'user' : 'account'} has id ${value}` });
      });
    };
    await check('includedAccountIds', 'accounts');
    await check('excludedAccountIds', 'accounts');
    await check('notifyUserIds', 'users');
    return issues;
  }
}

/** A match rule must name a field Ferry records of the integration's entity have. */
function syncMatchProblems(entityType: EntityType, sync: IntegrationSync): Issue[] {
  if (sync.match === null) return [];
  const entity = DEFINITIONS[entityType].objects[0]!.entity;
  const resolved = resolvePath(entity, sync.match.ferry);
  if (!resolved.ok) return [{ path: ['sync', 'match', 'ferry'], message: resolved.message }];
  if (resolved.field.kind !== 'string') return [{ path: ['sync', 'match', 'ferry'], message: 'must be a text field (such as "code")' }];
  return [];
}

export function orgLockProblem(lockedOrg: string | null, credentialOrg: string | null): string | undefined {
  if (lockedOrg === null || credentialOrg === null || lockedOrg === credentialOrg) return undefined;
  return `This integration has delivered to Salesforce org ${lockedOrg}; the credential connects to org ${credentialOrg}. Connecting would leave its links pointing at the old org. Purge its links on purpose (POST /integrations/{id}/purge-links) to start over with the new org.`;
}
