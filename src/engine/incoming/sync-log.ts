// Reading the sync log and the conflicts two-way sync records (see incoming.ts).
import { z } from 'zod';
import type { Queryable } from '../../storage/index.ts';

export const SYNC_OUTCOMES = ['applied', 'echo', 'unchanged', 'conflict', 'ignored', 'refused', 'failed', 'reread'] as const;

export const syncLogView = z
  .strictObject({
    id: z.uuid(),
    integrationId: z.uuid(),
    direction: z.enum(['incoming', 'outgoing']),
    object: z.string(),
    salesforceId: z.string().nullable(),
    entity: z.string(),
    entityId: z.string().nullable(),
    changedFields: z.array(z.string()).meta({ description: 'Ferry paths the operation changed (incoming: what Salesforce changed).' }),
    outcome: z.enum(SYNC_OUTCOMES).meta({ description: 'applied; echo (Ferry\'s own write coming back: nothing to do); unchanged (no mapped field changed); conflict (a field changed on both sides, settled by the policy or held); ignored (with the reason); refused (Ferry\'s validation said no, with the reason); failed; reread (the whole object re-read from its cursor: change events were lost, with the reason).' }),
    reason: z.string().nullable(),
    at: z.string(),
  })
  .meta({ id: 'SyncLogEntry' });
export type SyncLogView = z.infer<typeof syncLogView>;

export const conflictView = z
  .strictObject({
    id: z.uuid(),
    integrationId: z.uuid(),
    entity: z.string(),
    entityId: z.string(),
    salesforceId: z.string(),
    fields: z.array(z.strictObject({ path: z.string(), base: z.unknown(), ferry: z.unknown(), salesforce: z.unknown(), outcome: z.enum(['ferry', 'salesforce', 'held']) })),
    policy: z.string(),
    outcome: z.enum(['ferry', 'salesforce', 'held']),
    createdAt: z.string(),
    resolvedAt: z.string().nullable().meta({ description: 'A held conflict settled by a person (POST /conflicts/resolve).' }),
    resolution: z.record(z.string(), z.strictObject({ chose: z.string(), value: z.unknown() })).nullable(),
  })
  .meta({ id: 'Conflict' });
export type ConflictView = z.infer<typeof conflictView>;

interface SyncLogRow {
  id: string; integration_id: string; direction: 'incoming' | 'outgoing'; object: string; salesforce_id: string | null; entity: string;
  entity_id: string | null; changed_fields: string[]; outcome: SyncLogView['outcome']; reason: string | null; at: Date;
}

export interface SyncLogFilter {
  integrationId?: string | undefined;
  entityId?: string | undefined;
  salesforceId?: string | undefined;
  outcome?: SyncLogView['outcome'] | undefined;
  direction?: SyncLogView['direction'] | undefined;
  since?: string | undefined;
  limit: number;
  before?: string | undefined;
}

/** Newest first; filter by integration, record (Ferry or Salesforce id), direction, outcome and time. */
export async function listSyncLog(db: Queryable, orgId: string, filter: SyncLogFilter): Promise<SyncLogView[]> {
  const rows = await db.query<SyncLogRow>(
    `SELECT * FROM sync_log WHERE org_id = $1 AND ($2::uuid IS NULL OR integration_id = $2) AND ($3::uuid IS NULL OR entity_id = $3)
       AND ($4::text IS NULL OR salesforce_id = $4) AND ($5::text IS NULL OR outcome = $5) AND ($6::timestamptz IS NULL OR at >= $6)
       AND ($7::uuid IS NULL OR id < $7) AND ($9::text IS NULL OR direction = $9) ORDER BY id DESC LIMIT $8`,
    [orgId, filter.integrationId ?? null, filter.entityId ?? null, filter.salesforceId ?? null, filter.outcome ?? null, filter.since ?? null, filter.before ?? null, filter.limit, filter.direction ?? null],
  );
  return rows.map((r) => ({
    id: r.id, integrationId: r.integration_id, direction: r.direction, object: r.object, salesforceId: r.salesforce_id, entity: r.entity,
    entityId: r.entity_id, changedFields: r.changed_fields, outcome: r.outcome, reason: r.reason, at: r.at.toISOString(),
  }));
}

interface ConflictRow {
  id: string; integration_id: string; entity: string; entity_id: string; salesforce_id: string; fields: ConflictView['fields'];
  policy: string; outcome: ConflictView['outcome']; created_at: Date; resolved_at: Date | null; resolution: ConflictView['resolution'];
}

export async function listConflicts(db: Queryable, orgId: string, filter: { integrationId?: string | undefined; entityId?: string | undefined; outcome?: ConflictView['outcome'] | undefined; open?: boolean | undefined; limit: number; before?: string | undefined }): Promise<ConflictView[]> {
  const rows = await db.query<ConflictRow>(
    `SELECT * FROM conflicts WHERE org_id = $1 AND ($2::uuid IS NULL OR integration_id = $2) AND ($3::text IS NULL OR outcome = $3)
       AND ($4::uuid IS NULL OR id < $4) AND ($6::uuid IS NULL OR entity_id = $6)
       AND ($7::boolean IS NULL OR (outcome = 'held' AND resolved_at IS NULL) = $7) ORDER BY id DESC LIMIT $5`,
    [orgId, filter.integrationId ?? null, filter.outcome ?? null, filter.before ?? null, filter.limit, filter.entityId ?? null, filter.open ?? null],
  );
  return rows.map((r) => ({
    id: r.id, integrationId: r.integration_id, entity: r.entity, entityId: r.entity_id, salesforceId: r.salesforce_id, fields: r.fields,
    policy: r.policy, outcome: r.outcome, createdAt: r.created_at.toISOString(), resolvedAt: r.resolved_at?.toISOString() ?? null, resolution: r.resolution,
  }));
}
