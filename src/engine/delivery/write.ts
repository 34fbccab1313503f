import type { SalesforceClient, SaveResult } from '../../salesforce/index.ts';
import { EXTERNAL_ID_FIELD } from '../mapping/definition.ts';
import type { ObjectMapper } from '../mapping/mapping.ts';
import type { DeliveryContext, PlannedUpsert, Planned } from './context.ts';
import { loadIntents, loadLinks, saveIntents, type Link } from './links.ts';
import { salesforceIdsByExternalId } from './map.ts';

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

/** Fields of an object that Salesforce sets on creation only (a master-detail field that cannot be reparented). */
function createOnlyFields(context: DeliveryContext, object: string): Set<string> {
  const describe = context.describes?.get(object.toLowerCase());
  return new Set((describe?.fields ?? []).filter((f) => f.createable && !f.updateable).map((f) => f.name));
}

/**
 * The write stage: deletes, then upserts by external id (sObject Collections, or Bulk API 2.0
 * above the integration's threshold), then the children of the parents Salesforce took.
 */
export async function write(context: DeliveryContext, mapper: ObjectMapper, planned: Planned[]): Promise<WriteOutcome> {
  const client = context.client!;
  const { db, integration } = context;
  const bulk = (count: number) => count > integration.delivery.bulkThreshold;
  const upsertAll = (object: string, records: Record<string, unknown>[]) =>
    records.length === 0 ? Promise.resolve([]) : bulk(records.length) ? client.bulkUpsert(object, EXTERNAL_ID_FIELD, records) : client.upsert(object, EXTERNAL_ID_FIELD, records);
  const outcome: WriteOutcome = { deleted: [], upserted: [], children: new Map(), previous: new Map() };

  // Deletions: the Salesforce record goes too (master-detail children with it).
  const deletions = planned.filter((p): p is Extract<Planned, { action: 'delete' }> => p.action === 'delete');
  if (deletions.length > 0) {
    const results = await client.delete(mapper.object, deletions.map((d) => d.salesforceId ?? ''));
    results.forEach((result, i) => outcome.deleted.push({ planned: deletions[i]!, result }));
  }
  const upserts = planned.filter((p): p is PlannedUpsert => p.action === 'upsert');
  if (upserts.length === 0) return outcome;
  const results = await upsertAll(mapper.object, upserts.map((u) => u.fields));
  results.forEach((result, i) => outcome.upserted.push({ planned: upserts[i]!, result }));

  const child = mapper.child;
  const delivered = outcome.upserted.filter((u) => u.result.success && u.planned.children !== undefined);
  outcome.previous = await loadLinks(db, integration.org_id, integration.id, mapper.definition.entity, outcome.upserted.filter((u) => u.result.success).map((u) => u.planned.candidate.record.id));
  if (child === undefined || delivered.length === 0) return outcome;
  await writeChildren(context, client, mapper, delivered as { planned: PlannedUpsert; result: Extract<SaveResult, { success: true }> }[], outcome, upsertAll);
  return outcome;
}

async function writeChildren(
  context: DeliveryContext,
  client: SalesforceClient,
  mapper: ObjectMapper,
  delivered: { planned: PlannedUpsert; result: Extract<SaveResult, { success: true }> }[],
  outcome: WriteOutcome,
  upsertAll: (object: string, records: Record<string, unknown>[]) => Promise<SaveResult[]>,
): Promise<void> {
  const { db, integration } = context;
  const orgId = integration.org_id;
  const entity = mapper.definition.entity;
  const object = mapper.child!.definition.object;
  const parentField = mapper.child!.mapper.lookups.find((l) => l.ferry === 'id' && l.target === entity)?.salesforce;
  const createOnly = createOnlyFields(context, object);
  const previous = outcome.previous;
  const parentIds = delivered.map((d) => d.planned.candidate.record.id);
  const intents = await loadIntents(db, orgId, integration.id, entity, parentIds);
  // Before any child goes: every child that may exist in Salesforce once it has, so a crash
  // before the link is saved cannot leave one there that Ferry no longer knows of.
  await saveIntents(db, orgId, integration.id, entity, delivered.map((d) => {
    const id = d.planned.candidate.record.id;
    return { entityId: id, keys: [...new Set([...(intents.get(id) ?? []), ...Object.keys(previous.get(id)?.children ?? {}), ...d.planned.children!.map((c) => c.key)])] };
  }));
  // A field Salesforce sets on creation only (the master-detail field to the parent) goes with
  // children the link does not know, and without it for those it knows. Ferry's knowledge can be
  // out of date after a crash, both ways, and the org says so: a child that exists without Ferry
  // knowing is refused INVALID_FIELD_FOR_INSERT_UPDATE and goes again without those fields; one
  // the link knows but the org no longer has is refused REQUIRED_FIELD_MISSING and goes again with them.
  const withoutCreateOnly = (record: Record<string, unknown>) => Object.fromEntries(Object.entries(record).filter(([k]) => !createOnly.has(k)));
  const rows: { parent: string; key: string; full: Record<string, unknown> }[] = [];
  for (const d of delivered) {
    for (const c of d.planned.children!) {
      rows.push({ parent: d.planned.candidate.record.id, key: c.key, full: parentField === undefined ? c.fields : { ...c.fields, [parentField]: d.result.id } });
    }
  }
  const firstSend = rows.map((r) => {
    const known = previous.get(r.parent)?.children ?? {};
    return r.key in known ? withoutCreateOnly(r.full) : r.full;
  });
  const results = await upsertAll(object, firstSend);
  const refusedFor = (result: SaveResult, code: string) => !result.success && result.errors.some((e) => e.statusCode === code && e.fields.some((f) => createOnly.has(f)));
  const corrections = results.flatMap((result, i) => {
    const sent = firstSend[i]!;
    if (refusedFor(result, 'INVALID_FIELD_FOR_INSERT_UPDATE')) return [{ index: i, record: withoutCreateOnly(sent) }];
    if (refusedFor(result, 'REQUIRED_FIELD_MISSING') && Object.keys(sent).length < Object.keys(rows[i]!.full).length) return [{ index: i, record: rows[i]!.full }];
    return [];
  });
  if (corrections.length > 0) {
    const again = await upsertAll(object, corrections.map((c) => c.record));
    corrections.forEach((c, j) => (results[c.index] = again[j]!));
  }
  const fail = (parent: string, result: Extract<SaveResult, { success: false }>) => {
    if (!outcome.children.has(parent) || 'ids' in outcome.children.get(parent)!) outcome.children.set(parent, { object, result });
  };
  for (const d of delivered) outcome.children.set(d.planned.candidate.record.id, { ids: {} });
  results.forEach((result, i) => {
    const { parent, key } = rows[i]!;
    const slot = outcome.children.get(parent)!;
    if (!('ids' in slot)) return;
    if (result.success) slot.ids[key] = result.id;
    else fail(parent, result);
  });
  // Children dropped since (a regenerated bill with fewer lines) are deleted: those the link
  // knows by id, and those only an intent left by an interrupted delivery names, by external id.
  const stale: { parent: string; salesforceId: string }[] = [];
  const unknown: { parent: string; key: string }[] = [];
  for (const d of delivered) {
    const id = d.planned.candidate.record.id;
    const slot = outcome.children.get(id)!;
    if (!('ids' in slot)) continue;
    const known = previous.get(id)?.children ?? {};
    for (const [key, sfId] of Object.entries(known)) if (!(key in slot.ids)) stale.push({ parent: id, salesforceId: sfId });
    for (const key of intents.get(id) ?? []) if (!(key in slot.ids) && !(key in known)) unknown.push({ parent: id, key });
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
