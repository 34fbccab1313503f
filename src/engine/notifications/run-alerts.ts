import type { Queryable } from '../../storage/index.ts';
import { Events } from '../runs/events.ts';
import type { Webhooks } from './webhooks.ts';

/** The integration an alert is about, as its payload names it. */
export interface AlertIntegration {
  org_id: string;
  id: string;
  name: string;
  entity_type: string;
}

/** Error events shown with an alert: the integration's most recent. */
const RECENT_ERRORS = 5;
/** Held conflicts listed in one conflict.held delivery (the count says how many there were). */
const MAX_CONFLICTS = 100;

/**
 * What runs tell the organization's webhook: the payloads of integration.disabled, runs.failed
 * and conflict.held. Payloads carry ids, names, event messages and field paths; never a secret
 * (credentials, a source's headers), and not the conflicting values themselves (the receiver
 * reads them with GET /api/v1/conflicts if it must).
 */
export class RunAlerts {
  readonly #db: Queryable;
  readonly #webhooks: Webhooks;

  constructor(db: Queryable, webhooks: Webhooks) {
    this.#db = db;
    this.#webhooks = webhooks;
  }

  /**
   * A failed run brought the integration's successive failed runs to `failedRuns`: the alert goes
   * when that reaches the webhook's threshold. The count goes up by one per failed run (one run of
   * an integration at a time holds its lease) and back to 0 on a run that delivers, so "equals"
   * is once per streak; a threshold lowered below a running streak applies from the next one.
   */
  async failedRuns(integration: AlertIntegration, runId: string, failedRuns: number): Promise<void> {
    await this.#webhooks.enqueue(integration.org_id, 'runs.failed', async () => ({
      integration: this.#integration(integration),
      runId,
      failedRuns,
      recentErrors: await this.#recentErrors(integration),
    }), { integrationId: integration.id, when: (settings) => failedRuns === settings.failedRunsThreshold });
  }

  /** The integration disabled itself (auto-disable). */
  async disabled(integration: AlertIntegration, runId: string, reason: string, failedRuns: number): Promise<void> {
    await this.#webhooks.enqueue(integration.org_id, 'integration.disabled', async () => ({
      integration: this.#integration(integration),
      runId,
      reason,
      failedRuns,
      recentErrors: await this.#recentErrors(integration),
    }), { integrationId: integration.id });
  }

  /**
   * Conflicts a run of incoming sync held (opened, or held again with more fields): one delivery
   * listing those still open when the run ended.
   */
  async conflictsHeld(integration: AlertIntegration, runId: string, conflictIds: string[]): Promise<void> {
    if (conflictIds.length === 0) return;
    await this.#webhooks.enqueue(integration.org_id, 'conflict.held', async () => {
      const rows = await this.#db.query<{ id: string; entity: string; entity_id: string; salesforce_id: string; fields: { path: string; outcome: string }[]; created_at: Date }>(
        `SELECT id, entity, entity_id, salesforce_id, fields, created_at FROM conflicts
         WHERE org_id = $1 AND integration_id = $2 AND id = ANY($3::uuid[]) AND outcome = 'held' AND resolved_at IS NULL ORDER BY id`,
        [integration.org_id, integration.id, conflictIds],
      );
      // Settled already (or rolled back with the batch that held them): nothing waits for a person.
      if (rows.length === 0) return undefined;
      return {
        integration: this.#integration(integration),
        runId,
        count: rows.length,
        conflicts: rows.slice(0, MAX_CONFLICTS).map((row) => ({
          id: row.id,
          entity: row.entity,
          entityId: row.entity_id,
          salesforceId: row.salesforce_id,
          fields: row.fields.filter((f) => f.outcome === 'held').map((f) => f.path),
          createdAt: row.created_at.toISOString(),
        })),
      };
    }, { integrationId: integration.id });
  }

  #integration(integration: AlertIntegration) {
    return { id: integration.id, name: integration.name, entityType: integration.entity_type };
  }

  async #recentErrors(integration: AlertIntegration) {
    const events = await new Events(this.#db).list(integration.org_id, { integrationId: integration.id, severity: 'error', limit: RECENT_ERRORS });
    return events.map((e) => ({
      id: e.id, name: e.name, message: e.message, runId: e.runId, entity: e.entity, entityId: e.entityId, salesforceError: e.salesforceError, createdAt: e.createdAt,
    }));
  }
}
