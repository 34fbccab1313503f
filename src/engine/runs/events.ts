import { z } from 'zod';
import { v7 as uuidv7 } from 'uuid';
import type { Queryable } from '../../storage/index.ts';
import { EVENT_NAMES, type EventName } from '../types.ts';

export interface NewEvent {
  integrationId: string;
  runId?: string | undefined;
  name: EventName;
  entity?: string | undefined;
  entityId?: string | undefined;
  /** The Salesforce record, for a change read back from it. */
  salesforceId?: string | undefined;
  message: string;
  salesforceError?: { errorCode: string; message: string; fields?: string[] | undefined } | undefined;
  hint?: string | undefined;
}

interface EventRow {
  id: string;
  integration_id: string;
  run_id: string | null;
  name: EventName;
  severity: 'error' | 'warning' | 'info';
  entity: string | null;
  entity_id: string | null;
  salesforce_id: string | null;
  message: string;
  salesforce_error: { errorCode: string; message: string; fields?: string[] } | null;
  hint: string | null;
  actioned_at: Date | null;
  retried_at: Date | null;
  retry_run_id: string | null;
  created_at: Date;
}

export const eventView = z
  .strictObject({
    id: z.uuid(),
    integrationId: z.uuid(),
    runId: z.string().nullable(),
    name: z.enum(EVENT_NAMES),
    severity: z.enum(['error', 'warning', 'info']),
    entity: z.string().nullable(),
    entityId: z.string().nullable(),
    salesforceId: z.string().nullable().meta({ description: 'The Salesforce record (a change read back from it).' }),
    message: z.string(),
    salesforceError: z.strictObject({ errorCode: z.string(), message: z.string(), fields: z.array(z.string()).optional() }).nullable(),
    hint: z.string().nullable().meta({ description: 'What to do about it.' }),
    actionedAt: z.string().nullable(),
    retriedAt: z.string().nullable(),
    retryRunId: z.string().nullable(),
    createdAt: z.string(),
  })
  .meta({ id: 'Event' });

export type EventView = z.infer<typeof eventView>;

const toView = (row: EventRow): EventView => ({
  id: row.id,
  integrationId: row.integration_id,
  runId: row.run_id,
  name: row.name,
  severity: row.severity,
  entity: row.entity,
  entityId: row.entity_id,
  salesforceId: row.salesforce_id,
  message: row.message,
  salesforceError: row.salesforce_error,
  hint: row.hint,
  actionedAt: row.actioned_at?.toISOString() ?? null,
  retriedAt: row.retried_at?.toISOString() ?? null,
  retryRunId: row.retry_run_id,
  createdAt: row.created_at.toISOString(),
});

export function severityOf(name: EventName): 'error' | 'warning' | 'info' {
  if (name.endsWith('.error')) return 'error';
  if (name.endsWith('.warning')) return 'warning';
  return 'info';
}

export class Events {
  readonly #db: Queryable;

  constructor(db: Queryable) {
    this.#db = db;
  }

  async record(orgId: string, events: NewEvent[]): Promise<EventView[]> {
    if (events.length === 0) return [];
    const rows = await this.#db.query<EventRow>(
      `INSERT INTO events (org_id, id, integration_id, run_id, name, severity, entity, entity_id, salesforce_id, message, salesforce_error, hint)
       SELECT $1, x.id, x.integration_id, x.run_id, x.name, x.severity, x.entity, x.entity_id, x.salesforce_id, x.message, x.salesforce_error, x.hint
       FROM jsonb_to_recordset($2::jsonb) AS x(id uuid, integration_id uuid, run_id uuid, name text, severity text, entity text, entity_id uuid, salesforce_id text, message text, salesforce_error jsonb, hint text)
       RETURNING *`,
      [orgId, JSON.stringify(events.map((e) => ({
        id: uuidv7(), integration_id: e.integrationId, run_id: e.runId ?? null, name: e.name, severity: severityOf(e.name),
        entity: e.entity ?? null, entity_id: e.entityId ?? null, salesforce_id: e.salesforceId ?? null, message: e.message, salesforce_error: e.salesforceError ?? null, hint: e.hint ?? null,
      })))],
    );
    return rows.map(toView);
  }

  async get(orgId: string, id: string): Promise<EventView | undefined> {
    const rows = await this.#db.query<EventRow>('SELECT * FROM events WHERE org_id = $1 AND id = $2', [orgId, id]);
    return rows[0] === undefined ? undefined : toView(rows[0]);
  }

  async list(orgId: string, filter: { integrationId?: string | undefined; runId?: string | undefined; name?: string | undefined; severity?: string | undefined; actioned?: boolean | undefined; limit: number; before?: string | undefined }): Promise<EventView[]> {
    const rows = await this.#db.query<EventRow>(
      `SELECT * FROM events WHERE org_id = $1 AND ($2::uuid IS NULL OR integration_id = $2) AND ($3::uuid IS NULL OR run_id = $3)
         AND ($4::text IS NULL OR name = $4) AND ($5::boolean IS NULL OR (actioned_at IS NOT NULL) = $5) AND ($6::uuid IS NULL OR id < $6)
         AND ($8::text IS NULL OR severity = $8)
       ORDER BY id DESC LIMIT $7`,
      [orgId, filter.integrationId ?? null, filter.runId ?? null, filter.name ?? null, filter.actioned ?? null, filter.before ?? null, filter.limit, filter.severity ?? null],
    );
    return rows.map(toView);
  }

  async markActioned(orgId: string, id: string): Promise<EventView | undefined> {
    const rows = await this.#db.query<EventRow>('UPDATE events SET actioned_at = COALESCE(actioned_at, now()) WHERE org_id = $1 AND id = $2 RETURNING *', [orgId, id]);
    return rows[0] === undefined ? undefined : toView(rows[0]);
  }

  async markRetried(orgId: string, id: string, runId: string): Promise<EventView | undefined> {
    const rows = await this.#db.query<EventRow>('UPDATE events SET retried_at = now(), retry_run_id = $3 WHERE org_id = $1 AND id = $2 RETURNING *', [orgId, id, runId]);
    return rows[0] === undefined ? undefined : toView(rows[0]);
  }
}
