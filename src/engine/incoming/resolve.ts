// Settling held conflicts by hand: per field, Ferry's value, Salesforce's value, or another value.
import { z } from 'zod';
import { errorText, fail, issuesFromZod, ok, type RecordStore, type Result } from '../../platform/index.ts';
import type { Database } from '../../storage/index.ts';
import type { FieldConflict } from './merge.ts';
import { patchOf } from './reading.ts';
import { readPath } from '../mapping/paths.ts';

const choice = z.union([z.enum(['ferry', 'salesforce']), z.strictObject({ value: z.unknown() })], {
  error: 'must be "ferry", "salesforce" or {"value": ...}',
});

export const resolveBody = z
  .strictObject({
    ids: z.array(z.uuid({ error: 'must be a conflict id' })).min(1, 'name at least one conflict').max(500, 'at most 500 conflicts at once'),
    choose: z.enum(['ferry', 'salesforce'], { error: 'must be "ferry" or "salesforce"' }).optional()
      .meta({ description: 'The side every held field of these conflicts takes.' }),
    fields: z.record(z.string(), choice).optional()
      .meta({ description: 'Per Ferry path: "ferry", "salesforce" or {"value": ...}; wins over choose for that field.' }),
  })
  .refine((body) => body.choose !== undefined || body.fields !== undefined, { message: 'say what to keep: "choose" for every field, or "fields" per field', path: ['choose'] });

export type ResolveResult = { id: string; status: 'resolved'; entityId: string; integrationId: string } | { id: string; status: 'error'; code: string; message: string };

interface ConflictRow {
  id: string;
  integration_id: string;
  entity: string;
  entity_id: string;
  fields: FieldConflict[];
  outcome: string;
  resolved_at: Date | null;
}

/**
 * Settles held conflicts, each in one transaction: the chosen values are written to the Ferry
 * record through the store (origin api, so every integration delivers them), the link's base
 * becomes what Salesforce holds now (so Ferry's value reads as Ferry's change and goes out, and
 * Salesforce's own value reads as unchanged), and the conflict records what each field took.
 * The caller then queues a delivery of the records, whose held fields were not being sent.
 */
export async function resolveConflicts(db: Database, store: RecordStore, orgId: string, body: unknown): Promise<Result<ResolveResult[]>> {
  const parsed = resolveBody.safeParse(body);
  if (!parsed.success) return fail('validation_failed', 'The resolution is not valid; nothing was changed.', issuesFromZod(parsed.error, body));
  const { ids, choose, fields } = parsed.data;
  const results: ResolveResult[] = [];
  for (const id of ids) {
    results.push(
      await db.transaction(async (tx): Promise<ResolveResult> => {
        const [conflict] = await tx.query<ConflictRow>('SELECT id, integration_id, entity, entity_id, fields, outcome, resolved_at FROM conflicts WHERE org_id = $1 AND id = $2 FOR UPDATE', [orgId, id]);
        if (conflict === undefined) return { id, status: 'error', code: 'not_found', message: `No conflict has id ${id}.` };
        if (conflict.outcome !== 'held') return { id, status: 'error', code: 'version_conflict', message: `The conflict was settled by the ${conflict.outcome === 'ferry' ? 'ferry_wins' : 'salesforce_wins'} policy when it happened; only held conflicts wait for a person.` };
        if (conflict.resolved_at !== null) return { id, status: 'error', code: 'version_conflict', message: `The conflict was resolved at ${conflict.resolved_at.toISOString()}.` };
        const current = await store.getIn(tx, orgId, conflict.entity, conflict.entity_id, true);
        if (!current.ok) return { id, status: 'error', code: 'not_found', message: current.error.message };
        const writes: Record<string, unknown> = {};
        const base: Record<string, unknown> = {};
        const resolution: Record<string, { chose: string; value: unknown }> = {};
        for (const field of conflict.fields.filter((f) => f.outcome === 'held')) {
          const picked = fields?.[field.path] ?? choose;
          if (picked === undefined) return { id, status: 'error', code: 'validation_failed', message: `Say what ${field.path} keeps: "choose", or fields["${field.path}"].` };
          const value = picked === 'ferry' ? readPath(current.value, field.path) ?? null : picked === 'salesforce' ? field.salesforce : picked.value;
          if (picked !== 'ferry') writes[field.path] = value;
          base[field.path] = field.salesforce;
          resolution[field.path] = { chose: typeof picked === 'string' ? picked : 'value', value };
        }
        if (Object.keys(writes).length > 0) {
          const written = await store.updateIn(tx, orgId, conflict.entity, conflict.entity_id, patchOf(current.value, writes), 'api');
          if (!written.ok) {
            throw new RefusedResolution({ id, status: 'error', code: written.error.code, message: errorText(written.error) });
          }
        }
        await tx.query(
          "UPDATE links SET base = COALESCE(base, '{}'::jsonb) || $5::jsonb WHERE org_id = $1 AND integration_id = $2 AND entity = $3 AND entity_id = $4",
          [orgId, conflict.integration_id, conflict.entity, conflict.entity_id, JSON.stringify(base)],
        );
        await tx.query('UPDATE conflicts SET resolved_at = now(), resolution = $3 WHERE org_id = $1 AND id = $2', [orgId, id, JSON.stringify(resolution)]);
        return { id, status: 'resolved', entityId: conflict.entity_id, integrationId: conflict.integration_id };
      }).catch((error: unknown) => {
        if (error instanceof RefusedResolution) return error.result;
        throw error;
      }),
    );
  }
  return ok(results);
}

/** Rolls a resolution the store refused back, and carries its answer out. */
class RefusedResolution extends Error {
  readonly result: ResolveResult;

  constructor(result: ResolveResult) {
    super('refused');
    this.result = result;
  }
}
