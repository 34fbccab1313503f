import { salesforceAccountMappings } from '../../platform/index.ts';
import type { SalesforceClient } from '../../salesforce/index.ts';
import { fieldsFor, sameValue, valueAt } from '../incoming/reading.ts';
import { syncOf } from '../integrations/integrations.ts';
import { EXTERNAL_ID_FIELD, LAST_SYNCED_AT_FIELD, LAST_SYSTEM_FIELD, SYNC_MESSAGE_FIELD, SYNC_STATUS_FIELD } from '../mapping/definition.ts';
import { DEFINITIONS } from '../mapping/entities/index.ts';
import { mapRecord, type ObjectMapper, type PendingLookup } from '../mapping/mapping.ts';
import { hashOf, type Candidate, type ChildRecord, type DeliveryContext, type FailureEvent, type Planned } from './context.ts';
import { heldPaths, loadLinks, salesforceIdsAnywhere } from './links.ts';
import type { Scope } from './scope.ts';

/** The relationship name a reference field is reached by: Account__c → Account__r, AccountId → Account. */
export function relationshipOf(context: DeliveryContext, object: string, field: string): string {
  const described = context.describes?.get(object.toLowerCase())?.fields.find((f) => f.name.toLowerCase() === field.toLowerCase());
  if (described?.relationshipName) return described.relationshipName;
  if (field.endsWith('__c')) return `${field.slice(0, -3)}__r`;
  return field.endsWith('Id') ? field.slice(0, -2) : field;
}

/** The Salesforce object a Ferry entity is delivered as. */
function objectOfEntity(entity: string): string | undefined {
  for (const definition of Object.values(DEFINITIONS)) for (const o of definition.objects) if (o.entity === entity) return o.object;
  return undefined;
}

/** Salesforce ids of the records this org already holds for Ferry ids, per target entity. */
async function knownParents(context: DeliveryContext, lookups: PendingLookup[]): Promise<Map<string, string>> {
  const { db, integration } = context;
  const known = new Map<string, string>();
  const byTarget = new Map<string, Set<string>>();
  for (const l of lookups) if (l.ferryId !== null) byTarget.set(l.rule.target, (byTarget.get(l.rule.target) ?? new Set()).add(l.ferryId));
  for (const [target, ids] of byTarget) {
    if (target === 'accounts' && integration.settings.useExternalMappingAccountCode) {
      const mapped = await salesforceAccountMappings(db, integration.org_id, [...ids], integration.settings.enforceExternalMappings ? integration.id : null);
      for (const [id, sfId] of mapped) known.set(`${target}/${id}`, sfId);
    } else if (context.salesforceOrgId !== null) {
      for (const [id, sfId] of await salesforceIdsAnywhere(db, integration.org_id, context.salesforceOrgId, target, [...ids])) known.set(`${target}/${id}`, sfId);
    }
  }
  return known;
}

function missingAccount(context: DeliveryContext, entity: string, entityId: string, accountId: string): FailureEvent {
  const { integration } = context;
  const settings = integration.settings;
  return {
    name: 'integration.missing_account_mapping.error',
    entity,
    entityId,
    message: settings.useExternalMappingAccountCode
      ? `No external mapping gives the Salesforce Account of account ${accountId}.`
      : `Account ${accountId} has not been delivered to this Salesforce org, and no Account there has ${EXTERNAL_ID_FIELD} = ${accountId}.`,
    hint: settings.useExternalMappingAccountCode
      ? `Create an external mapping: POST /api/v1/external-mappings {"externalSystem":"salesforce","externalTable":"Account","externalId":"<Salesforce Account Id>","entity":"accounts","entityId":"${accountId}"${settings.enforceExternalMappings ? `,"integrationId":"${integration.id}"` : ''}}, then retry this event.`
      : 'Deliver the account first (an Account integration), or set Ferry_Id__c on the Salesforce Account, then retry this event.',
  };
}

/**
 * Sets each lookup's reference field: the parent's Salesforce Id when Ferry knows it, otherwise
 * (required lookups) the parent named by its external id in the write itself, which Salesforce
 * resolves, so no query is spent on it; an optional lookup whose parent is not there stays empty.
 * Through external mappings (useExternalMappingAccountCode) only the mapping counts.
 */
function resolveLookups(context: DeliveryContext, object: string, lookups: PendingLookup[], known: Map<string, string>, fields: Record<string, unknown>, hashed: Record<string, unknown>, parents: { target: string; ferryId: string }[], entity: string, entityId: string): FailureEvent | undefined {
  for (const { rule, ferryId } of lookups) {
    hashed[rule.salesforce] = ferryId === null ? null : `ferry:${ferryId}`;
    if (ferryId === null) {
      if (rule.required) return { name: 'integration.validation.error', entity, entityId, message: `${rule.ferry} is empty, but ${object}.${rule.salesforce} needs the ${rule.target.replace(/s$/, '')} it names.`, hint: `Set ${rule.ferry} on the Ferry record, or make the lookup optional in the mapping, then retry this event.` };
      fields[rule.salesforce] = null;
      continue;
    }
    const salesforceId = known.get(`${rule.target}/${ferryId}`);
    if (salesforceId !== undefined) {
      fields[rule.salesforce] = salesforceId;
      continue;
    }
    if (rule.target === 'accounts' && context.integration.settings.useExternalMappingAccountCode) {
      if (rule.required) return missingAccount(context, entity, entityId, ferryId);
      fields[rule.salesforce] = null;
      continue;
    }
    if (!rule.required) {
      fields[rule.salesforce] = null;
      continue;
    }
    fields[relationshipOf(context, object, rule.salesforce)] = { [EXTERNAL_ID_FIELD]: ferryId };
    parents.push({ target: rule.target, ferryId });
  }
  return undefined;
}

/**
 * Preview only: asks Salesforce (by external id, 200 a query) whether the parents a write would
 * name by external id are there, and shows the records whose parent is not as the run would
 * record them once Salesforce refused them.
 */
export async function verifyParents(context: DeliveryContext, entity: string, planned: Planned[]): Promise<Planned[]> {
  if (context.client === undefined) return planned;
  const wanted = new Map<string, Set<string>>();
  for (const p of planned) if (p.action === 'upsert') for (const parent of p.parents) wanted.set(parent.target, (wanted.get(parent.target) ?? new Set()).add(parent.ferryId));
  const present = new Set<string>();
  for (const [target, ids] of wanted) {
    const object = objectOfEntity(target);
    if (object === undefined) continue;
    for (const id of (await salesforceIdsByExternalId(context.client, object, [...ids])).keys()) present.add(`${target}/${id}`);
  }
  return planned.map((p) => {
    if (p.action !== 'upsert') return p;
    const absent = p.parents.find((parent) => !present.has(`${parent.target}/${parent.ferryId}`));
    if (absent === undefined) return p;
    const id = p.candidate.record.id;
    const event: FailureEvent = absent.target === 'accounts'
      ? missingAccount(context, entity, id, absent.ferryId)
      : { name: 'integration.perform.error', entity, entityId: id, message: `Its ${absent.target.replace(/s$/, '')} ${absent.ferryId} is not in the org yet.`, hint: `Deliver the ${absent.target.replace(/s$/, '')} first, then retry this event.` };
    return { candidate: p.candidate, action: 'fail', event };
  });
}

/** Salesforce ids of the records whose external id is one of these Ferry ids (one query per 200). */
export async function salesforceIdsByExternalId(client: SalesforceClient, object: string, ferryIds: string[]): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  for (let i = 0; i < ferryIds.length; i += 200) {
    const chunk = ferryIds.slice(i, i + 200);
    const rows = await client.query<{ Id: string; Ferry_Id__c: string }>(`SELECT Id, ${EXTERNAL_ID_FIELD} FROM ${object} WHERE ${EXTERNAL_ID_FIELD} IN (${chunk.map((id) => `'${id}'`).join(',')})`, object);
    for (const row of rows) found.set(row.Ferry_Id__c, row.Id);
  }
  return found;
}

/**
 * The map stage: what to do with each candidate. Deleted records are deleted in Salesforce (found
 * by external id when Ferry lost the link); records out of scope, unchanged since their last
 * delivery, or changed only in fields no rule sends are skipped with the reason; the others are
 * mapped to Salesforce fields and children.
 */
export async function plan(context: DeliveryContext, mapper: ObjectMapper, candidates: Candidate[], scope: Scope): Promise<Planned[]> {
  const { db, integration } = context;
  const links = await loadLinks(db, integration.org_id, integration.id, mapper.definition.entity, candidates.map((c) => c.record.id));
  const planned: Planned[] = [];
  const live: Candidate[] = [];
  const unlinkedDeletes: Candidate[] = [];
  const { ferryDeletes, statusFields } = syncOf(integration);
  for (const candidate of candidates) {
    const link = links.get(candidate.record.id);
    if (candidate.deleted && ferryDeletes !== 'propagate') {
      const reason = `deleted in Ferry: Salesforce keeps its record (ferryDeletes is ${ferryDeletes})`;
      planned.push(ferryDeletes === 'ignore' || link === undefined
        ? { candidate, action: 'skip', reason }
        : {
          candidate, action: 'skip', reason,
          event: {
            name: 'integration.deleted_in_ferry.warning', entity: mapper.definition.entity, entityId: candidate.record.id,
            message: `The ${mapper.definition.entity} record ${candidate.record.id} was deleted in Ferry; its Salesforce ${mapper.object} ${link.salesforceId} was kept.`,
            hint: 'Delete the Salesforce record too if it should go; then mark this event as actioned.',
          },
        });
      continue;
    }
    if (candidate.deleted) {
      if (link !== undefined) planned.push({ candidate, action: 'delete', salesforceId: link.salesforceId });
      else if (scope(candidate) !== undefined) planned.push({ candidate, action: 'skip', reason: 'deleted in Ferry and never delivered' });
      // No link, but in scope: it may have reached Salesforce just before a crash lost the link.
      // Salesforce is asked by external id below, so the delete is never skipped.
      else unlinkedDeletes.push(candidate);
      continue;
    }
    const reason = scope(candidate);
    if (reason !== undefined) {
      planned.push({ candidate, action: 'skip', reason });
      continue;
    }
    // Resync only on mapped fields: a record already in Salesforce whose changes touch nothing the
    // mapping sends has nothing new to say there.
    if (!context.force && link !== undefined && candidate.changedFields !== null && ![...candidate.changedFields].some((f) => mapper.reads.has(f))) {
      planned.push({ candidate, action: 'skip', reason: `no mapped field changed (changed: ${[...candidate.changedFields].join(', ') || 'nothing'})` });
      continue;
    }
    live.push(candidate);
  }
  if (unlinkedDeletes.length > 0) {
    if (context.client === undefined) {
      for (const candidate of unlinkedDeletes) planned.push({ candidate, action: 'delete', salesforceId: null, reason: `not linked: deleted by ${EXTERNAL_ID_FIELD} if Salesforce has it` });
    } else {
      const found = await salesforceIdsByExternalId(context.client, mapper.object, unlinkedDeletes.map((c) => c.record.id));
      for (const candidate of unlinkedDeletes) {
        const salesforceId = found.get(candidate.record.id);
        planned.push(salesforceId === undefined ? { candidate, action: 'skip', reason: 'deleted in Ferry and never delivered' } : { candidate, action: 'delete', salesforceId });
      }
    }
  }
  if (live.length === 0) return planned;

  const mapped = [];
  for (const candidate of live) mapped.push({ candidate, result: await mapRecord(mapper, candidate.record, integration.settings) });
  // A field held in a conflict keeps Salesforce's value until a person settles it: not sent.
  if (context.reading !== undefined) {
    const held = await heldPaths(db, integration.org_id, integration.id, live.map((c) => c.record.id));
    for (const m of mapped) {
      const paths = held.get(m.candidate.record.id);
      if (paths === undefined) continue;
      for (const field of mapper.main.fields) if (paths.has(field.rule.ferry)) delete m.result.fields[field.rule.salesforce];
    }
  }
  // Children's lookup to their parent is set in the write stage, from the parent's answer.
  const known = await knownParents(context, mapped.flatMap((m) => m.result.lookups));
  for (const { candidate, result } of mapped) {
    const fields: Record<string, unknown> = { [EXTERNAL_ID_FIELD]: candidate.record.id, ...result.fields };
    // A two-way integration marks its writes, so Salesforce users (and Ferry reading back) see who wrote last.
    if (context.reading !== undefined) fields[LAST_SYSTEM_FIELD] = 'Ferry';
    const hashed: Record<string, unknown> = { ...fields };
    const parents: { target: string; ferryId: string }[] = [];
    const failure = resolveLookups(context, mapper.object, result.lookups, known, fields, hashed, parents, mapper.definition.entity, candidate.record.id);
    if (failure !== undefined) {
      planned.push({ candidate, action: 'fail', event: failure });
      continue;
    }
    const children: ChildRecord[] | undefined = result.children?.map((child) => ({ key: child.key, fields: { [EXTERNAL_ID_FIELD]: child.key, ...child.fields } }));
    // The hash names parents by Ferry id, so a parent found later by its Salesforce Id does not
    // make the record look changed.
    const hash = hashOf({ fields: hashed, children: children?.map((c) => c.fields) });
    if (!context.force && links.get(candidate.record.id)?.hash === hash) {
      planned.push({ candidate, action: 'skip', reason: 'unchanged since last delivery' });
      continue;
    }
    // Two-way: a field Ferry has not changed since both sides last agreed on it is left out, so a
    // change made meanwhile in Salesforce (to be read back) is not overwritten with the old value.
    const agreed = links.get(candidate.record.id)?.base;
    if (context.reading !== undefined && agreed !== null && agreed !== undefined) {
      for (const field of fieldsFor(context.reading, candidate.record.type).fields) {
        if (field.lookup === undefined && field.path in agreed && sameValue(valueAt(field, candidate.record), agreed[field.path])) delete fields[field.salesforce];
      }
    }
    // Left out of the hash: the time changes with every write, and would make every record look changed.
    if (statusFields) Object.assign(fields, { [SYNC_STATUS_FIELD]: 'Synced', [LAST_SYNCED_AT_FIELD]: new Date().toISOString(), [SYNC_MESSAGE_FIELD]: null });
    planned.push({ candidate, action: 'upsert', fields, children, hash, parents });
  }
  return planned;
}
