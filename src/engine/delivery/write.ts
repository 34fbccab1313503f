import type { SalesforceClient, SaveResult } from '../../salesforce/index.ts';
import { EXTERNAL_ID_FIELD } from '../mapping/definition.ts';
import type { ObjectMapper } from '../mapping/mapping.ts';
import type { DeliveryContext, PlannedUpsert, Planned } from './context.ts';
import { loadIntents, loadLinks, saveIntents, type Link } from './links.ts';
import { relationshipOf, salesforceIdsByExternalId } from './map.ts';

/** A delete Salesforce refused because the record is not there any more: as good as done. */
export function isGone(result: SaveResult): boolean {
  return !result.success && result.errors.some((e) => e.statusCode === 'ENTITY_IS_DELETED' || e.statusCode === 'NOT_FOUND' || e.statusCode === 'INVALID_CROSS_REFERENCE_KEY');
}

export interface WriteOutcome {
  deleted: { planned: Extract<Planned, { action: 'delete' }>; result: SaveResult }[];
  upserted: { planned: PlannedUpsert; result: SaveResult }[];
  /** Per delivered parent with children: the children's Salesforce ids by key, or the refusal of one of them. */
  children: Map<string, { ids: Record<string, string> } | { object: string; result: Extract<SaveResult, { success: false }> }>;
  previous: Map<string, Link>;
}

type Upsert = (object: string, records: Record<string, unknown>[]) => Promise<SaveResult[]>;

/** The children of a batch's parents as rows, ready before the parents are written. */
interface ChildPlan {
  object: string;
  rows: { parent: string; key: string; fields: Record<string, unknown> }[];
  /** The master-detail (or lookup) field to the parent, set from the parent's Salesforce Id. */
  parentField: string | undefined;
  /** Intents earlier deliveries left behind (loaded before this one's are saved): those were interrupted. */
  intents: Map<string, string[]>;
  /** Drops the fields Salesforce sets on creation only (and their parent references). */
  withoutCreateOnly: (record: Record<string, unknown>) => Record<string, unknown>;
  createOnly: Set<string>;
}

/** Parents written; their children (if any) still to go. */
export interface ParentsWritten {
  outcome: WriteOutcome;
  /** Sends the children of the parents Salesforce took and completes `outcome.children`. */
  children: (() => Promise<void>) | undefined;
}

/**
 * Before any part of a batch is written: an intent left behind for one of its records means a
 * delivery of their children was interrupted, and a Bulk job it started may still be writing
 * them. That job finishes first (one left open is aborted), so what it writes is seen as stale by
 * this delivery, not written after it. Done once per batch, before its parts run side by side, so
 * it never waits for (or aborts) a job of this very run.
 */
export async function settleInterrupted(context: DeliveryContext, mapper: ObjectMapper, ids: string[]): Promise<void> {
  if (mapper.child === undefined) return;
  const { db, integration } = context;
  const intents = await loadIntents(db, integration.org_id, integration.id, mapper.definition.entity, ids);
  if (intents.size > 0) await context.client!.settleBulkJobs(mapper.child.definition.object);
}

/**
 * The write stage: deletes, then upserts by external id (sObject Collections, or Bulk API 2.0
 * above the integration's threshold); the children of the parents Salesforce took go when the
 * caller calls `children()`, which lets it start the next parents meanwhile. The children's rows
 * are planned (and their intents saved) while the parents are on their way.
 */
export async function writeParents(context: DeliveryContext, mapper: ObjectMapper, planned: Planned[]): Promise<ParentsWritten> {
  const client = context.client!;
  const { db, integration } = context;
  const bulk = (count: number) => count > integration.delivery.bulkThreshold;
  const upsertAll: Upsert = (object, records) =>
    records.length === 0 ? Promise.resolve([]) : bulk(records.length) ? client.bulkUpsert(object, EXTERNAL_ID_FIELD, records) : client.upsert(object, EXTERNAL_ID_FIELD, records);
  const outcome: WriteOutcome = { deleted: [], upserted: [], children: new Map(), previous: new Map() };

  // Deletions: the Salesforce record goes too (master-detail children with it).
  const deletions = planned.filter((p): p is Extract<Planned, { action: 'delete' }> => p.action === 'delete');
  if (deletions.length > 0) {
    const results = await client.delete(mapper.object, deletions.map((d) => d.salesforceId ?? ''));
    results.forEach((result, i) => outcome.deleted.push({ planned: deletions[i]!, result }));
  }
  const upserts = planned.filter((p): p is PlannedUpsert => p.action === 'upsert');
  if (upserts.length === 0) return { outcome, children: undefined };
  outcome.previous = await loadLinks(db, integration.org_id, integration.id, mapper.definition.entity, upserts.map((u) => u.candidate.record.id));
  const withChildren = mapper.child === undefined ? [] : upserts.filter((u) => u.children !== undefined);
  // Intents only have to be saved before a child can reach Salesforce, so this runs beside the parents' write.
  const planning = withChildren.length === 0 ? undefined : planChildren(context, mapper, withChildren, outcome.previous);
  let results: SaveResult[];
  try {
    results = await upsertAll(mapper.object, upserts.map((u) => u.fields));
  } catch (error) {
    await planning?.catch(() => undefined);
    throw error;
  }
  results.forEach((result, i) => outcome.upserted.push({ planned: upserts[i]!, result }));
  const childPlan = await planning;
  if (childPlan === undefined) return { outcome, children: undefined };
  return {
    outcome,
    children: async () => {
      const delivered = new Map(outcome.upserted.filter((u) => u.result.success && u.planned.children !== undefined).map((u) => [u.planned.candidate.record.id, (u.result as Extract<SaveResult, { success: true }>).id]));
      await writeChildren(context, client, childPlan, delivered, outcome, upsertAll);
    },
  };
}

async function planChildren(context: DeliveryContext, mapper: ObjectMapper, parents: PlannedUpsert[], previous: Map<string, Link>): Promise<ChildPlan> {
  const { db, integration } = context;
  const entity = mapper.definition.entity;
  const object = mapper.child!.definition.object;
  const parentField = mapper.child!.mapper.lookups.find((l) => l.ferry === 'id' && l.target === entity)?.salesforce;
  const describe = context.describes?.get(object.toLowerCase());
  const createOnly = new Set((describe?.fields ?? []).filter((f) => f.createable && !f.updateable).map((f) => f.name));
  const createOnlyKeys = new Set([...createOnly, ...[...createOnly].map((f) => relationshipOf(context, object, f))]);
  const withoutCreateOnly = (record: Record<string, unknown>) => Object.fromEntries(Object.entries(record).filter(([k]) => !createOnlyKeys.has(k)));
  const ids = parents.map((p) => p.candidate.record.id);
  const intents = await loadIntents(db, integration.org_id, integration.id, entity, ids);
  // Before any child can reach Salesforce: every child that may exist there once it has, so a
  // crash before the link is saved cannot leave one there that Ferry no longer knows of.
  await saveIntents(db, integration.org_id, integration.id, entity, parents.map((p) => {
    const id = p.candidate.record.id;
    return { entityId: id, keys: [...new Set([...(intents.get(id) ?? []), ...Object.keys(previous.get(id)?.children ?? {}), ...p.children!.map((c) => c.key)])] };
  }));
  // A field Salesforce sets on creation only (the master-detail field to the parent) goes with
  // children the link does not know, and without it for those it knows. Ferry's knowledge can be
  // out of date after a crash, both ways, and the org says so (see writeChildren).
  const rows: ChildPlan['rows'] = [];
  for (const p of parents) for (const c of p.children!) rows.push({ parent: p.candidate.record.id, key: c.key, fields: c.fields });
  return { object, rows, intents, withoutCreateOnly, createOnly, parentField };
}

async function writeChildren(
  context: DeliveryContext,
  client: SalesforceClient,
  plan: ChildPlan,
  delivered: Map<string, string>,
  outcome: WriteOutcome,
  upsertAll: Upsert,
): Promise<void> {
  const { object, withoutCreateOnly, createOnly, parentField } = plan;
  const previous = outcome.previous;
  // Only the children of parents Salesforce took go, after them, naming them by their Id. A field
  // Salesforce sets on creation only (the master-detail field) goes with children the link does
  // not know, and without it for those it knows.
  const rows = plan.rows.filter((r) => delivered.has(r.parent)).map((r) => {
    const full = parentField === undefined ? r.fields : { ...r.fields, [parentField]: delivered.get(r.parent) };
    return { ...r, full, first: r.key in (previous.get(r.parent)?.children ?? {}) ? withoutCreateOnly(full) : full };
  });
  const results = await upsertAll(object, rows.map((r) => r.first));
  // A child that exists without Ferry knowing is refused INVALID_FIELD_FOR_INSERT_UPDATE and goes
  // again without the creation-only fields; one the link knows but the org no longer has is
  // refused REQUIRED_FIELD_MISSING and goes again with them.
  const refusedFor = (result: SaveResult, code: string) => !result.success && result.errors.some((e) => e.statusCode === code && e.fields.some((f) => createOnly.has(f)));
  const corrections = results.flatMap((result, i) => {
    const row = rows[i]!;
    if (refusedFor(result, 'INVALID_FIELD_FOR_INSERT_UPDATE')) return [{ index: i, record: withoutCreateOnly(row.full) }];
    if (refusedFor(result, 'REQUIRED_FIELD_MISSING') && row.first !== row.full) return [{ index: i, record: row.full }];
    return [];
  });
  if (corrections.length > 0) {
    const again = await upsertAll(object, corrections.map((c) => c.record));
    corrections.forEach((c, j) => (results[c.index] = again[j]!));
  }
  const fail = (parent: string, result: Extract<SaveResult, { success: false }>) => {
    const slot = outcome.children.get(parent);
    if (slot === undefined || 'ids' in slot) outcome.children.set(parent, { object, result });
  };
  for (const id of delivered.keys()) outcome.children.set(id, { ids: {} });
  results.forEach((result, i) => {
    const { parent, key } = rows[i]!;
    const slot = outcome.children.get(parent)!;
    if (!('ids' in slot)) return;
    if (result.success) slot.ids[key] = result.id;
    else fail(parent, result);
  });
  // Children dropped since (a regenerated bill with fewer lines) are deleted. The link's ids are
  // the truth only when no delivery since it was saved was interrupted (none left an intent).
  // After one was, they may be out of date: it may have deleted a child the link knows and a
  // later one created it again under a new id, and a delete by the old id answers NOT_FOUND,
  // which passes for done, while the new one stays. So then every dropped key, the link's and
  // the intent's, is looked up by external id.
  const stale: { parent: string; salesforceId: string }[] = [];
  const unknown: { parent: string; key: string }[] = [];
  for (const id of delivered.keys()) {
    const slot = outcome.children.get(id)!;
    if (!('ids' in slot)) continue;
    const known = previous.get(id)?.children ?? {};
    const interrupted = plan.intents.get(id);
    if (interrupted === undefined) {
      for (const [key, sfId] of Object.entries(known)) if (!(key in slot.ids)) stale.push({ parent: id, salesforceId: sfId });
    } else {
      for (const key of new Set([...Object.keys(known), ...interrupted])) if (!(key in slot.ids)) unknown.push({ parent: id, key });
    }
  }
  if (unknown.length > 0) {
    const found = await salesforceIdsByExternalId(client, object, unknown.map((u) => u.key));
    for (const u of unknown) {
      const salesforceId = found.get(u.key);
      if (salesforceId !== undefined) stale.push({ parent: u.parent, salesforceId });
    }
  }
  if (stale.length > 0) {
    const deleted = await client.delete(object, stale.map((s) => s.salesforceId));
    deleted.forEach((result, i) => {
      if (!result.success && !isGone(result)) fail(stale[i]!.parent, result);
    });
  }
}
