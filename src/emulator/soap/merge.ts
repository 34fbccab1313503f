// merge(): a master record and one or two others of the same type (Account, Contact or Lead).
// Each request is its own transaction: the master takes the field values sent with it, the
// others' related records move to the master, and the others go to the recycle bin with
// MasterRecordId naming the master (queryAll shows them). Every write is a store save, so the
// usual rules, audit fields and change events apply.
import { normalizeId } from '../ids.ts';
import type { Org } from '../org.ts';
import type { ObjectDef } from '../schema/types.ts';
import type { WriteContext } from '../store/store.ts';
import type { FieldError } from '../store/values.ts';
import { answer, errorsXml, refuse, type Outcome, type SoapCall } from './call.ts';
import { readSObject } from './records.ts';
import { childrenNamed, escapeXml, leaf, sfFault, type XmlElement } from './xml.ts';

const MERGEABLE = new Set(['Account', 'Contact', 'Lead']);
const MAX_REQUESTS = 200;
const MAX_OTHERS = 2;

type MergeOutcome = { success: true; id: string; merged: string[]; related: string[] } | { success: false; id: string | null; errors: FieldError[] };

function failure(id: string | null, statusCode: string, message: string, fields: string[] = []): MergeOutcome {
  return { success: false, id, errors: [{ statusCode, message, fields }] };
}

/** A live record of `def` by id, or why it can't take part in a merge. */
function mergeable(org: Org, def: ObjectDef, rawId: string): { id: string } | { error: FieldError } {
  const id = normalizeId(rawId);
  const found = id === undefined ? undefined : org.store.get(id);
  if (id === undefined) return { error: { statusCode: 'MALFORMED_ID', message: `malformed id ${rawId}`, fields: [] } };
  if (found === undefined || found.table.def !== def) return { error: { statusCode: 'INVALID_CROSS_REFERENCE_KEY', message: 'invalid cross reference id', fields: [] } };
  if (found.deleted) return { error: { statusCode: 'ENTITY_IS_DELETED', message: 'entity is deleted', fields: [] } };
  // A converted lead is read-only; it can't be merged either (message unverified).
  if (found.values['IsConverted'] === true) return { error: { statusCode: 'CANNOT_UPDATE_CONVERTED_LEAD', message: 'cannot reference converted lead', fields: [] } };
  return { id };
}

/**
 * Points the loser's related records at the master. Lookups a client could write move, and so do
 * master-detail children (deleting the loser would otherwise take them with it); read-only system
 * references (MasterRecordId, a converted lead's ConvertedAccountId) stay as they are.
 */
function reparent(org: Org, def: ObjectDef, loserId: string, masterId: string, ctx: WriteContext): { related: string[] } | { errors: FieldError[] } {
  const related: string[] = [];
  for (const rel of def.childRelationships) {
    const table = org.store.table(rel.childSObject);
    const field = table?.def.fieldMap.get(rel.field.toLowerCase());
    if (table === undefined || field === undefined || !(field.updateable || field.cascadeDelete)) continue;
    for (const kidId of [...(table.childrenOf(field.name, loserId) ?? [])]) {
      const kid = table.rows.get(kidId);
      if (kid === undefined || kid.deletedAt !== null || kidId === masterId) continue;
      const saved = org.store.update(table.def.name, kidId, { [field.name]: masterId }, { ...ctx, system: true });
      if (!saved.success) return { errors: saved.errors };
      related.push(kidId);
    }
  }
  return { related };
}

/** The object a request's masterRecord names, when it is one merge supports. */
function mergeableObject(org: Org, request: XmlElement): ObjectDef | undefined {
  const masterEl = childrenNamed(request, 'masterRecord')[0];
  const type = masterEl === undefined ? undefined : readSObject(masterEl).type;
  const def = type === undefined ? undefined : org.schema.get(type);
  return def !== undefined && MERGEABLE.has(def.name) ? def : undefined;
}

function mergeOne(org: Org, def: ObjectDef, request: XmlElement, ctx: WriteContext): MergeOutcome {
  const masterEl = childrenNamed(request, 'masterRecord')[0];
  if (masterEl === undefined) return failure(null, 'MISSING_ARGUMENT', 'masterRecord not specified');
  const master = readSObject(masterEl);
  if (master.id === undefined) return failure(null, 'MISSING_ARGUMENT', 'Id not specified in the masterRecord');
  const masterOk = mergeable(org, def, master.id);
  if ('error' in masterOk) return { success: false, id: master.id, errors: [masterOk.error] };
  const others = childrenNamed(request, 'recordToMergeIds').map((el) => el.text.trim()).filter((s) => s !== '');
  // Messages for these two are unverified; the limits are the documented ones (up to three records).
  if (others.length === 0) return failure(masterOk.id, 'MISSING_ARGUMENT', 'recordToMergeIds not specified');
  if (others.length > MAX_OTHERS) return failure(masterOk.id, 'LIMIT_EXCEEDED', `A merge request can merge at most ${MAX_OTHERS} records into the master record`);
  const losers: string[] = [];
  for (const raw of others) {
    const ok = mergeable(org, def, raw);
    if ('error' in ok) return { success: false, id: masterOk.id, errors: [ok.error] };
    if (ok.id === masterOk.id || losers.includes(ok.id)) return failure(masterOk.id, 'INVALID_ID_FIELD', 'Cannot merge a record with itself');
    losers.push(ok.id);
  }
  return org.store.transaction((): { commit: boolean; value: MergeOutcome } => {
    const fail = (errors: FieldError[]): { commit: boolean; value: MergeOutcome } => ({ commit: false, value: { success: false, id: masterOk.id, errors } });
    if (Object.keys(master.values).length > 0) {
      const updated = org.store.update(def.name, masterOk.id, master.values, ctx);
      if (!updated.success) return fail(updated.errors);
    }
    const related: string[] = [];
    for (const loser of losers) {
      const moved = reparent(org, def, loser, masterOk.id, ctx);
      if ('errors' in moved) return fail(moved.errors);
      related.push(...moved.related);
      const marked = org.store.update(def.name, loser, { MasterRecordId: masterOk.id }, { ...ctx, system: true });
      if (!marked.success) return fail(marked.errors);
      const deleted = org.store.delete(loser, ctx);
      if (!deleted.success) return fail(deleted.errors);
    }
    return { commit: true, value: { success: true, id: masterOk.id, merged: losers, related } };
  });
}

function resultXml(r: MergeOutcome): string {
  if (!r.success) return `<result>${errorsXml(r.errors)}${leaf('id', r.id)}<success>false</success></result>`;
  const ids = (name: string, list: string[]) => list.map((id) => `<${name}>${escapeXml(id)}</${name}>`).join('');
  return `<result>${leaf('id', r.id)}${ids('mergedRecordIds', r.merged)}<success>true</success>${ids('updatedRelatedIds', r.related)}</result>`;
}

/**
 * Every element under `<merge>` is a MergeRequest: the WSDL names it `request`, jsforce sends
 * `mergeRequests`, other clients `mergeRequest`, and Salesforce reads them all.
 */
export function merge(call: SoapCall): Outcome {
  const requests = call.op.children;
  if (requests.length > MAX_REQUESTS) return refuse(sfFault('LIMIT_EXCEEDED', `Too many merge requests: ${requests.length}, max ${MAX_REQUESTS}`));
  // A request for an object that can't be merged fails the whole call before anything is
  // written, as a real org answers an Opportunity merge.
  const work: { request: XmlElement; def: ObjectDef }[] = [];
  for (const request of requests) {
    const def = mergeableObject(call.org, request);
    if (def === undefined) return refuse(sfFault('INVALID_TYPE_FOR_OPERATION', 'entity type does not support merge'));
    work.push({ request, def });
  }
  const ctx: WriteContext = { userId: call.userId };
  const results = work.map(({ request, def }) => mergeOne(call.org, def, request, ctx));
  const written = results.reduce((n, r) => n + (r.success ? 1 + r.merged.length + r.related.length : 0), 0);
  return answer(`<mergeResponse>${results.map(resultXml).join('')}</mergeResponse>`, written);
}
