import type { ObjectDescribe, SalesforceClient, SaveResult } from '../../salesforce/index.ts';
import type { Database, Queryable } from '../../storage/index.ts';
import { hashOf, type RunState } from '../delivery/context.ts';
import { failureEvent } from '../delivery/record.ts';
import { isGone } from '../delivery/write.ts';
import type { IntegrationRow } from '../integrations/integrations.ts';
import { EXTERNAL_ID_FIELD } from '../mapping/definition.ts';

/**
 * An import (the catalogue, reference data) makes Salesforce hold what Ferry holds: it computes
 * every record Salesforce should have, as rows keyed by their Ferry_Id__c, and reconciles them with
 * what it wrote before (import_rows): new and changed rows are upserted by external id, unchanged
 * ones skipped, rows no longer in Ferry retired (deleted, or deactivated where quotes may point at
 * them). Run again after a crash, it converges: every write is an upsert by key, and a row is
 * recorded before its record is sent.
 */

/** A reference to another imported row, by object and key: set to that row's Salesforce Id. */
export interface RowRef {
  object: string;
  key: string;
}

export interface ImportRow {
  key: string;
  /** The Ferry record it comes from: events and skips name it. */
  entity: string;
  entityId: string;
  fields: Record<string, unknown>;
  /** Reference fields filled from other rows' Salesforce Ids (those rows go earlier). */
  refs: Record<string, RowRef>;
}

/** One step: rows of one object, written after the steps before it. */
export interface ImportStep {
  object: string;
  /** Shown in progress: "price book entries (standard)". */
  label: string;
  rows: ImportRow[];
}

/** What happens to an object's rows no longer in Ferry: deleted, or kept with these values. */
export type Retire = 'delete' | Record<string, unknown>;

export interface ImportPlan {
  steps: ImportStep[];
  retire: Record<string, Retire>;
}

/** Per object: what a run did. */
export interface ObjectSummary {
  created: number;
  updated: number;
  unchanged: number;
  retired: number;
  failed: number;
}

export interface ImportProgress {
  step: string;
  done: number;
  total: number;
  objects: Record<string, ObjectSummary>;
}

export interface ImportContext {
  db: Database;
  integration: IntegrationRow;
  runId: string;
  client: SalesforceClient;
  salesforceOrgId: string;
  describes: Map<string, ObjectDescribe>;
  /** Send rows even when unchanged since they were last sent. */
  force: boolean;
  state: RunState;
  /** Told where the run stands after each part (saved on the run for the CLI and console). */
  onProgress: (progress: ImportProgress) => Promise<void>;
}

/** A preview line: what a run would do with one row. */
export interface ImportPreviewItem {
  object: string;
  key: string;
  entity: string;
  id: string;
  action: 'upsert' | 'skip' | 'retire' | 'fail';
  reason?: string | undefined;
  fields?: Record<string, unknown> | undefined;
}

interface StoredRow {
  key: string;
  salesforce_id: string | null;
  hash: string;
  entity: string;
  entity_id: string;
}

const RETIRED = 'retired';
/**
 * Rows per part: each part is upserted, then recorded, before the next. Large enough that a part
 * of new rows goes as one Bulk API job (above the integration's threshold), small enough that
 * progress moves every few seconds.
 */
const PART_SIZE = 10_000;

async function storedRows(db: Queryable, integration: IntegrationRow, object: string): Promise<Map<string, StoredRow>> {
  const rows = await db.query<StoredRow>(
    'SELECT key, salesforce_id, hash, entity, entity_id FROM import_rows WHERE org_id = $1 AND integration_id = $2 AND object = $3',
    [integration.org_id, integration.id, object],
  );
  return new Map(rows.map((r) => [r.key, r]));
}

/** The hash of what a row sends: its fields and the keys (not Ids) of the rows it points at. */
function rowHash(row: ImportRow): string {
  return hashOf({ fields: row.fields, refs: Object.entries(row.refs).map(([field, ref]) => [field, ref.object, ref.key]) });
}

function emptySummary(): ObjectSummary {
  return { created: 0, updated: 0, unchanged: 0, retired: 0, failed: 0 };
}

/**
 * What a run would do, without writing: each row upserted (with the fields it would send) or
 * skipped as unchanged, and the rows it would retire.
 */
export async function previewImport(db: Queryable, integration: IntegrationRow, plan: ImportPlan, force: boolean, limit: number): Promise<ImportPreviewItem[]> {
  const items: ImportPreviewItem[] = [];
  const wanted = new Map<string, Set<string>>();
  const stored = new Map<string, Map<string, StoredRow>>();
  for (const step of plan.steps) {
    const known = stored.get(step.object) ?? (await storedRows(db, integration, step.object));
    stored.set(step.object, known);
    const keys = wanted.get(step.object) ?? new Set<string>();
    wanted.set(step.object, keys);
    for (const row of step.rows) {
      keys.add(row.key);
      if (items.length >= limit) continue;
      const before = known.get(row.key);
      const base = { object: step.object, key: row.key, entity: row.entity, id: row.entityId };
      if (!force && before?.salesforce_id !== null && before?.hash === rowHash(row)) items.push({ ...base, action: 'skip', reason: 'unchanged since last import' });
      else items.push({ ...base, action: 'upsert', fields: { [EXTERNAL_ID_FIELD]: row.key, ...row.fields, ...Object.fromEntries(Object.entries(row.refs).map(([f, r]) => [f, `${r.object}:${r.key}`])) } });
    }
  }
  for (const [object, known] of stored) {
    const retire = plan.retire[object] ?? 'delete';
    for (const row of known.values()) {
      if (items.length >= limit) return items;
      if (wanted.get(object)?.has(row.key) === true || row.hash === RETIRED) continue;
      items.push({ object, key: row.key, entity: row.entity, id: row.entity_id, action: 'retire', reason: retire === 'delete' ? 'no longer in Ferry: deleted in Salesforce' : `no longer in Ferry: kept in Salesforce with ${JSON.stringify(retire)}` });
    }
  }
  return items;
}

/** Runs an import plan: every step in order, then the retirement of what Ferry no longer has. */
export async function runImport(context: ImportContext, plan: ImportPlan): Promise<ImportProgress> {
  const { db, integration } = context;
  const total = plan.steps.reduce((n, s) => n + s.rows.length, 0);
  const progress: ImportProgress = { step: '', done: 0, total, objects: {} };
  /** Salesforce Ids of rows by object and key: what later steps' references are set from. */
  const ids = new Map<string, Map<string, string>>();
  const wanted = new Map<string, Set<string>>();
  const stored = new Map<string, Map<string, StoredRow>>();
  for (const step of plan.steps) {
    progress.step = step.label;
    const known = stored.get(step.object) ?? (await storedRows(db, integration, step.object));
    stored.set(step.object, known);
    const objectIds = ids.get(step.object) ?? new Map<string, string>();
    ids.set(step.object, objectIds);
    for (const [key, row] of known) if (row.salesforce_id !== null && row.hash !== RETIRED) objectIds.set(key, row.salesforce_id);
    const keys = wanted.get(step.object) ?? new Set<string>();
    wanted.set(step.object, keys);
    const summary = (progress.objects[step.object] ??= emptySummary());
    for (let start = 0; start < step.rows.length; start += PART_SIZE) {
      const part = step.rows.slice(start, start + PART_SIZE);
      for (const row of part) keys.add(row.key);
      await writePart(context, step.object, part, known, ids, summary);
      progress.done += part.length;
      await context.onProgress(progress);
    }
  }
  progress.step = 'retiring what Ferry no longer has';
  await context.onProgress(progress);
  // Children first: a parent deleted takes its master-detail children with it anyway.
  for (const object of [...stored.keys()].reverse()) {
    const summary = (progress.objects[object] ??= emptySummary());
    await retireRows(context, object, plan.retire[object] ?? 'delete', stored.get(object)!, wanted.get(object) ?? new Set(), summary);
  }
  progress.step = 'done';
  await context.onProgress(progress);
  return progress;
}

/** One part of a step: resolve references, skip the unchanged, record intents, upsert, record answers. */
async function writePart(context: ImportContext, object: string, rows: ImportRow[], known: Map<string, StoredRow>, ids: Map<string, Map<string, string>>, summary: ObjectSummary): Promise<void> {
  const { db, integration, client, state } = context;
  const describe = context.describes.get(object.toLowerCase());
  const createOnly = new Set((describe?.fields ?? []).filter((f) => f.createable && !f.updateable).map((f) => f.name));
  const sending: { row: ImportRow; hash: string; full: Record<string, unknown>; first: Record<string, unknown> }[] = [];
  for (const row of rows) {
    const hash = rowHash(row);
    const before = known.get(row.key);
    if (!context.force && before !== undefined && before.salesforce_id !== null && before.hash === hash) {
      summary.unchanged++;
      state.skip(row.entityId, 'unchanged since last import');
      continue;
    }
    const fields: Record<string, unknown> = { [EXTERNAL_ID_FIELD]: row.key, ...row.fields };
    const missing = Object.values(row.refs).find((ref) => !ids.get(ref.object)?.has(ref.key));
    if (missing !== undefined) {
      summary.failed++;
      state.counts.failed++;
      state.events.push({
        integrationId: integration.id, runId: context.runId, name: 'integration.perform.error', entity: row.entity, entityId: row.entityId,
        message: `${object} ${row.key} was not imported: the ${missing.object} ${missing.key} it belongs to is not in Salesforce (refused earlier in this run).`,
        hint: 'Correct the refusal reported for that record, then run the import again.',
      });
      continue;
    }
    for (const [field, ref] of Object.entries(row.refs)) fields[field] = ids.get(ref.object)!.get(ref.key);
    // Fields Salesforce sets on creation only go with rows it does not have yet.
    const first = before?.salesforce_id !== null && before !== undefined ? Object.fromEntries(Object.entries(fields).filter(([k]) => !createOnly.has(k))) : fields;
    sending.push({ row, hash, full: fields, first });
  }
  if (sending.length === 0) return;
  // Recorded before they are sent: a crash after Salesforce took them leaves them known.
  const fresh = sending.filter((s) => !known.has(s.row.key));
  await saveRows(db, context, object, fresh.map((s) => ({ row: s.row, salesforceId: null, hash: '' })));
  for (const s of fresh) known.set(s.row.key, { key: s.row.key, salesforce_id: null, hash: '', entity: s.row.entity, entity_id: s.row.entityId });

  const upsert = (records: Record<string, unknown>[]) =>
    records.length > integration.delivery.bulkThreshold ? client.bulkUpsert(object, EXTERNAL_ID_FIELD, records) : client.upsert(object, EXTERNAL_ID_FIELD, records);
  const results = await upsert(sending.map((s) => s.first));
  // A record Salesforce has that Ferry did not know of (a crash between write and record) is
  // refused for its creation-only fields and goes again without them; one Ferry knew of but the
  // org no longer has goes again with them.
  const refusedFor = (result: SaveResult, code: string) => !result.success && result.errors.some((e) => e.statusCode === code && e.fields.some((f) => createOnly.has(f)));
  const corrections = results.flatMap((result, i) => {
    const s = sending[i]!;
    if (refusedFor(result, 'INVALID_FIELD_FOR_INSERT_UPDATE')) return [{ index: i, record: Object.fromEntries(Object.entries(s.full).filter(([k]) => !createOnly.has(k))) }];
    if (refusedFor(result, 'REQUIRED_FIELD_MISSING') && s.first !== s.full) return [{ index: i, record: s.full }];
    return [];
  });
  if (corrections.length > 0) {
    const again = await upsert(corrections.map((c) => c.record));
    corrections.forEach((c, j) => (results[c.index] = again[j]!));
  }
  const saved: { row: ImportRow; salesforceId: string; hash: string }[] = [];
  const objectIds = ids.get(object)!;
  results.forEach((result, i) => {
    const { row, hash } = sending[i]!;
    state.counts.sent++;
    state.recordIds.add(row.entityId);
    if (!result.success) {
      summary.failed++;
      state.counts.failed++;
      state.events.push(failureEvent(integration.id, context.runId, row.entity, row.entityId, object, result));
      return;
    }
    state.successes++;
    if (result.created) {
      summary.created++;
      state.counts.created++;
    } else {
      summary.updated++;
      state.counts.updated++;
    }
    objectIds.set(row.key, result.id);
    saved.push({ row, salesforceId: result.id, hash });
    known.set(row.key, { key: row.key, salesforce_id: result.id, hash, entity: row.entity, entity_id: row.entityId });
  });
  await saveRows(db, context, object, saved);
}

async function saveRows(db: Queryable, context: ImportContext, object: string, rows: { row: ImportRow; salesforceId: string | null; hash: string }[]): Promise<void> {
  const { integration } = context;
  for (let start = 0; start < rows.length; start += 1000) {
    const chunk = rows.slice(start, start + 1000);
    await db.query(
      `INSERT INTO import_rows (org_id, integration_id, object, key, salesforce_org_id, salesforce_id, hash, entity, entity_id)
       SELECT $1, $2, $3, r.key, $4, r.salesforce_id, r.hash, r.entity, r.entity_id
       FROM unnest($5::text[], $6::text[], $7::text[], $8::text[], $9::uuid[]) AS r(key, salesforce_id, hash, entity, entity_id)
       ON CONFLICT (org_id, integration_id, object, key) DO UPDATE SET salesforce_id = COALESCE(EXCLUDED.salesforce_id, import_rows.salesforce_id), hash = EXCLUDED.hash, synced_at = now()`,
      [integration.org_id, integration.id, object, context.salesforceOrgId, chunk.map((r) => r.row.key), chunk.map((r) => r.salesforceId), chunk.map((r) => r.hash), chunk.map((r) => r.row.entity), chunk.map((r) => r.row.entityId)],
    );
  }
}

/**
 * Rows Ferry no longer has: deleted in Salesforce, or deactivated (kept, with the retire values).
 * One recorded without its Salesforce Id (a crash before the answer was recorded) is looked up by
 * external id first.
 */
async function retireRows(context: ImportContext, object: string, retire: Retire, known: Map<string, StoredRow>, wanted: Set<string>, summary: ObjectSummary): Promise<void> {
  const { db, integration, client, state } = context;
  const gone = [...known.values()].filter((r) => !wanted.has(r.key) && r.hash !== RETIRED);
  if (gone.length === 0) return;
  const unknown = gone.filter((r) => r.salesforce_id === null).map((r) => r.key);
  const found = new Map<string, string>();
  for (let i = 0; i < unknown.length; i += 200) {
    const chunk = unknown.slice(i, i + 200);
    const rows = await client.query<{ Id: string; Ferry_Id__c: string }>(`SELECT Id, ${EXTERNAL_ID_FIELD} FROM ${object} WHERE ${EXTERNAL_ID_FIELD} IN (${chunk.map((k) => `'${k.replace(/['\\]/g, '\\$&')}'`).join(',')})`, object);
    for (const row of rows) found.set(row.Ferry_Id__c, row.Id);
  }
  const forget: string[] = [];
  const targets: { row: StoredRow; salesforceId: string }[] = [];
  for (const row of gone) {
    const salesforceId = row.salesforce_id ?? found.get(row.key);
    if (salesforceId === undefined) forget.push(row.key);
    else targets.push({ row, salesforceId });
  }
  const results = targets.length === 0 ? [] : retire === 'delete'
    ? await client.delete(object, targets.map((t) => t.salesforceId))
    : await client.update(object, targets.map((t) => ({ Id: t.salesforceId, ...retire })));
  const retired: string[] = [];
  results.forEach((result, i) => {
    const { row } = targets[i]!;
    state.counts.sent++;
    if (result.success || isGone(result)) {
      summary.retired++;
      state.counts.deleted++;
      state.successes++;
      if (retire === 'delete' || isGone(result)) forget.push(row.key);
      else retired.push(row.key);
      return;
    }
    summary.failed++;
    state.counts.failed++;
    state.events.push(failureEvent(integration.id, context.runId, row.entity, row.entity_id, object, result));
  });
  if (forget.length > 0) await db.query('DELETE FROM import_rows WHERE org_id = $1 AND integration_id = $2 AND object = $3 AND key = ANY($4::text[])', [integration.org_id, integration.id, object, forget]);
  if (retired.length > 0) await db.query(`UPDATE import_rows SET hash = '${RETIRED}', synced_at = now() WHERE org_id = $1 AND integration_id = $2 AND object = $3 AND key = ANY($4::text[])`, [integration.org_id, integration.id, object, retired]);
}
