import type { SaveResult } from '../../salesforce/index.ts';
import type { ObjectMapper } from '../mapping/mapping.ts';
import type { NewEvent } from '../runs/events.ts';
import type { DeliveryContext, Planned, RunState } from './context.ts';
import { writeSyncLog, type SyncLogEntry } from '../incoming/apply.ts';
import { metrics } from '../metrics.ts';
import { currentValuesOf } from '../incoming/reading.ts';
import { syncOf } from '../integrations/integrations.ts';
import { SYNC_MESSAGE_FIELD, SYNC_STATUS_FIELD } from '../mapping/definition.ts';
import { deleteIntents, deleteLinks, loadLinks, saveLinks, type LinkWrite } from './links.ts';
import { isGone, type WriteOutcome } from './write.ts';

const VALIDATION_CODES = new Set([
  'REQUIRED_FIELD_MISSING', 'STRING_TOO_LONG', 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', 'FIELD_CUSTOM_VALIDATION_EXCEPTION',
  'DUPLICATE_VALUE', 'INVALID_CROSS_REFERENCE_KEY', 'INVALID_FIELD', 'INVALID_TYPE_ON_FIELD_IN_RECORD', 'NUMBER_OUTSIDE_VALID_RANGE',
  'INVALID_EMAIL_ADDRESS', 'MALFORMED_ID', 'JSON_PARSER_ERROR', 'INVALID_FIELD_FOR_INSERT_UPDATE',
]);

export const HINTS: Record<string, string> = {
  REQUIRED_FIELD_MISSING: 'Fill in the missing field on the Ferry record, then retry this event.',
  STRING_TOO_LONG: 'Shorten the value on the Ferry record (or widen the Salesforce field), then retry this event.',
  INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST: 'Add the value to the Salesforce picklist, or change it on the Ferry record, then retry this event.',
  FIELD_CUSTOM_VALIDATION_EXCEPTION: 'A Salesforce validation rule refused the record: correct the data or the rule, then retry this event.',
  DUPLICATE_VALUE: 'Another Salesforce record already holds this unique value: merge or clean it up, then retry this event.',
  INVALID_CROSS_REFERENCE_KEY: 'A referenced Salesforce record does not exist: deliver it first, then retry this event.',
  INVALID_FIELD: 'The org lacks a field Ferry writes: deploy Ferry\'s objects (salesforce/) or run `ferry salesforce check`.',
};

/** Salesforce's answer when a parent named by external id is not there: "Foreign key external ID: X not found for field F in entity E". */
const FOREIGN_KEY_NOT_FOUND = /Foreign key external ID: (\S+) not found for field \S+ in entity (\w+)/;

export function failureEvent(integrationId: string, runId: string, entity: string, entityId: string, object: string, result: Extract<SaveResult, { success: false }>): NewEvent {
  const first = result.errors[0] ?? { statusCode: 'UNKNOWN_ERROR', message: 'Salesforce refused the record without a reason', fields: [] };
  const salesforceError = { errorCode: first.statusCode, message: first.message, fields: first.fields };
  const missing = FOREIGN_KEY_NOT_FOUND.exec(first.message);
  if (missing !== null && missing[2] === 'Account') {
    return {
      integrationId, runId, name: 'integration.missing_account_mapping.error', entity, entityId, salesforceError,
      message: `Account ${missing[1]} has not been delivered to this Salesforce org, and no Account there has Ferry_Id__c = ${missing[1]}.`,
      hint: 'Deliver the account first (an Account integration), or set Ferry_Id__c on the Salesforce Account, then retry this event.',
    };
  }
  return {
    integrationId,
    runId,
    name: VALIDATION_CODES.has(first.statusCode) ? 'integration.validation.error' : 'integration.perform.error',
    entity,
    entityId,
    message: missing !== null
      ? `Salesforce refused ${object} for ${entity} ${entityId}: its parent ${missing[2]} ${missing[1]} is not in the org yet (${first.statusCode}: ${first.message})`
      : `Salesforce refused ${object} for ${entity} ${entityId}: ${first.statusCode}: ${first.message}`,
    salesforceError,
    hint: missing !== null ? `Deliver the ${missing[2]} first, then retry this event.` : (HINTS[first.statusCode] ?? 'Correct the record in Ferry or Salesforce, then retry this event (or mark it actioned).'),
  };
}

/** Skips and failures found before anything was sent (scope, map, check). */
export function recordPlanned(context: DeliveryContext, runId: string, planned: Planned[], state: RunState): void {
  for (const p of planned) {
    state.consider(p.candidate.record.id);
    if (p.action === 'skip') {
      state.skip(p.candidate.record.id, p.reason);
      if (p.event !== undefined) state.events.push({ integrationId: context.integration.id, runId, ...p.event });
    }
    if (p.action === 'fail') {
      state.counts.failed++;
      state.events.push({ integrationId: context.integration.id, runId, ...p.event });
      if (p.event.name === 'integration.missing_account_mapping.error' && p.candidate.accountId !== null) state.waitingAccounts.add(p.candidate.accountId);
    }
  }
}

/**
 * The record stage: links for what Salesforce took (with the children's ids, settling the
 * delivery intent in the same transaction), links dropped for what it deleted, an event per
 * refusal, and the run's counts. A parent whose children failed is not linked, so its next
 * delivery sends it again.
 */
export async function recordWritten(context: DeliveryContext, runId: string, mapper: ObjectMapper, outcome: WriteOutcome, state: RunState): Promise<string[]> {
  const { db, integration } = context;
  const orgId = integration.org_id;
  const entity = mapper.definition.entity;
  const gone: string[] = [];
  // A two-way integration logs its outgoing operations beside the incoming ones.
  const log: SyncLogEntry[] = [];
  const logged = (planned: Planned, salesforceId: string | null, outcome: 'applied' | 'refused', reason: string): void => {
    if (context.reading === undefined) return;
    log.push({
      integrationId: integration.id, direction: 'outgoing', object: mapper.object, salesforceId, entity, entityId: planned.candidate.record.id,
      changedFields: [...(planned.candidate.changedFields ?? [])].sort(), outcome, reason,
    });
  };
  // From the change in Ferry to Salesforce holding it: incremental deliveries only (a full sync
  // sends records that may not have changed in months).
  const arrived = (planned: Planned): void => {
    if (!context.force) metrics.toSalesforceLatency.observe({ entity }, Math.max(0, (Date.now() - Date.parse(planned.candidate.record.updatedAt)) / 1000));
  };
  const refusal = (result: Extract<SaveResult, { success: false }>): string => `Salesforce refused it: ${result.errors.map((e) => `${e.statusCode}: ${e.message}`).join('; ')}`;
  for (const { planned, result } of outcome.deleted) {
    state.counts.sent++;
    if (result.success || isGone(result)) {
      state.counts.deleted++;
      state.successes++;
      gone.push(planned.candidate.record.id);
      arrived(planned);
      logged(planned, planned.action === 'delete' ? planned.salesforceId : null, 'applied', 'deleted in Ferry: deleted in Salesforce');
    } else {
      state.counts.failed++;
      state.events.push(failureEvent(integration.id, runId, entity, planned.candidate.record.id, mapper.object, result));
      logged(planned, planned.action === 'delete' ? planned.salesforceId : null, 'refused', refusal(result));
    }
  }
  await deleteLinks(db, orgId, integration.id, entity, gone);

  const linkWrites: LinkWrite[] = [];
  const failedMarks: { id: string; message: string }[] = [];
  for (const { planned, result } of outcome.upserted) {
    const id = planned.candidate.record.id;
    state.counts.sent++;
    if (!result.success) {
      state.counts.failed++;
      logged(planned, null, 'refused', refusal(result));
      failedMarks.push({ id, message: refusal(result) });
      const event = failureEvent(integration.id, runId, entity, id, mapper.object, result);
      state.events.push(event);
      if (event.name === 'integration.missing_account_mapping.error' && planned.candidate.accountId !== null) state.waitingAccounts.add(planned.candidate.accountId);
      continue;
    }
    const children = outcome.children.get(id);
    if (children !== undefined && !('ids' in children)) {
      state.counts.failed++;
      state.events.push(failureEvent(integration.id, runId, entity, id, children.object, children.result));
      logged(planned, result.id, 'refused', `its ${children.object} records: ${refusal(children.result)}`);
      continue;
    }
    state.successes++;
    if (result.created) state.counts.created++;
    else state.counts.updated++;
    arrived(planned);
    logged(planned, result.id, 'applied', result.created ? 'created in Salesforce' : 'updated in Salesforce');
    const base = context.reading === undefined ? null : currentValuesOf(context.reading, planned.candidate.record);
    linkWrites.push({ entityId: id, salesforceId: result.id, version: planned.candidate.record.version, hash: planned.hash, children: planned.children === undefined ? null : (children?.ids ?? {}), base });
  }
  if (context.salesforceOrgId !== null) {
    const salesforceOrgId = context.salesforceOrgId;
    await db.transaction(async (tx) => {
      await saveLinks(tx, orgId, integration.id, entity, salesforceOrgId, mapper.object, linkWrites);
      await deleteIntents(tx, orgId, integration.id, entity, linkWrites.filter((l) => l.children !== null).map((l) => l.entityId));
      await writeSyncLog(tx, orgId, log);
    });
  } else {
    await writeSyncLog(db, orgId, log);
  }
  if (failedMarks.length > 0 && syncOf(integration).statusFields) await markFailed(context, mapper, failedMarks, state);
  return linkWrites.map((l) => l.entityId);
}

/** Sync status fields: records that failed before they were sent (mapping, the org's field checks) are marked Failed too. */
export async function markPlannedFailures(context: DeliveryContext, mapper: ObjectMapper, planned: Planned[], state: RunState): Promise<void> {
  if (!syncOf(context.integration).statusFields) return;
  const failed = planned.flatMap((p) => (p.action === 'fail' ? [{ id: p.candidate.record.id, message: p.event.message }] : []));
  if (failed.length > 0) await markFailed(context, mapper, failed, state);
}

/**
 * Sync status fields: records Salesforce refused that exist there (linked) are marked Failed with
 * the reason, by one more call per 200. A mark Salesforce refuses too is a skip of the run, named.
 */
async function markFailed(context: DeliveryContext, mapper: ObjectMapper, failed: { id: string; message: string }[], state: RunState): Promise<void> {
  const links = await loadLinks(context.db, context.integration.org_id, context.integration.id, mapper.definition.entity, failed.map((f) => f.id));
  const marks = failed.flatMap((f) => {
    const salesforceId = links.get(f.id)?.salesforceId;
    return salesforceId === undefined ? [] : [{ id: f.id, record: { Id: salesforceId, [SYNC_STATUS_FIELD]: 'Failed', [SYNC_MESSAGE_FIELD]: f.message.slice(0, 4000) } }];
  });
  if (marks.length === 0 || context.client === undefined) return;
  // Sent again next time even if its values go back to what was delivered last (which wrote Synced).
  await context.db.query('UPDATE links SET synced_hash = \'\' WHERE org_id = $1 AND integration_id = $2 AND entity = $3 AND entity_id = ANY($4::uuid[])',
    [context.integration.org_id, context.integration.id, mapper.definition.entity, marks.map((m) => m.id)]);
  const results = await context.client.update(mapper.object, marks.map((m) => m.record));
  results.forEach((result, i) => {
    if (!result.success) state.skip(marks[i]!.id, `could not mark it Failed in Salesforce: ${result.errors.map((e) => `${e.statusCode}: ${e.message}`).join('; ')}`);
  });
}
