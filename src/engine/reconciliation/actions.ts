import { z } from 'zod';
import { fail, ok, type RecordData, type RecordStore, type Result } from '../../platform/index.ts';
import type { Database } from '../../storage/index.ts';
import type { IntegrationRow } from '../integrations/integrations.ts';
import { readPath } from '../mapping/paths.ts';
import type { ReconciliationView } from './schemas.ts';

/**
 * What a person does from a report: link a group's records explicitly (the external mapping or
 * field that names the other side), or copy a value from one side to Ferry (whose integrations
 * then deliver it to Salesforce, as any change), or from Ferry to Salesforce (a delivery of that
 * account now).
 */

export const linkInput = z.strictObject({
  items: z.array(z.number().int().min(0)).min(1, 'name at least one item (its n)').max(1000).meta({ description: 'Item numbers (n) of the latest report.' }),
});

export const copyInput = z.strictObject({
  n: z.number().int().min(0).meta({ description: 'The item\'s number (n) in the latest report.' }),
  field: z.string().min(1).max(64).meta({ description: 'A compared field that differs in the item.' }),
  from: z.enum(['salesforce', 'source', 'ferry'], { error: 'must be salesforce, source or ferry' }),
  to: z.enum(['ferry', 'salesforce'], { error: 'must be ferry or salesforce (Ferry does not write to the billing tool)' }),
}).refine((c) => c.from !== c.to, { message: 'from and to must be different sides', path: ['to'] });

export interface ReportItem {
  n: number;
  category: string;
  ferry_id: string | null;
  salesforce_id: string | null;
  source_id: string | null;
  differences: { field: string; ferry?: string | null | undefined; salesforce?: string | null | undefined; source?: string | null | undefined }[];
}

export interface LinkResult {
  n: number;
  status: 'linked' | 'already_linked' | 'refused';
  message: string;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A record's top-level patch that sets a (possibly nested) path: `customFields.x`, `address.locality`. */
function patchFor(record: RecordData, path: string, value: unknown): RecordData {
  const [top, ...rest] = path.split('.');
  if (rest.length === 0) return { [top!]: value };
  const current = record[top!];
  const copy: Record<string, unknown> = isObject(current) ? structuredClone(current) : {};
  let node = copy;
  for (const part of rest.slice(0, -1)) {
    const next = node[part];
    const child: Record<string, unknown> = isObject(next) ? next : {};
    node[part] = child;
    node = child;
  }
  node[rest[rest.length - 1]!] = value;
  return { [top!]: copy };
}

/** Links one side of a Ferry account explicitly: an external mapping, or the configured field. */
async function ensure(store: RecordStore, orgId: string, accountId: string, how: { field: string } | { externalMapping: { externalSystem: string; externalTable: string } }, externalId: string): Promise<'linked' | 'already_linked' | { refused: string }> {
  if ('field' in how) {
    const found = await store.get(orgId, 'accounts', accountId);
    if (!found.ok) return { refused: `Ferry account ${accountId} no longer exists` };
    const account = found.value;
    if (readPath(account, how.field) === externalId) return 'already_linked';
    const written = await store.update(orgId, 'accounts', accountId, patchFor(account, how.field, externalId), 'api');
    return written.ok ? 'linked' : { refused: `${written.error.message} ${written.error.details.map((d) => `${d.path.join('.')}: ${d.message}`).join('; ')}`.trim() };
  }
  const written = await store.upsertMany(orgId, 'external-mappings', [{ ...how.externalMapping, externalId, entity: 'accounts', entityId: accountId }], 'api');
  const [result] = written;
  if (result === undefined) return { refused: 'nothing written' };
  if (!result.ok) return { refused: `${result.error.message} ${result.error.details.map((d) => `${d.path.join('.')}: ${d.message}`).join('; ')}`.trim() };
  if (result.value.record.entityId !== accountId) return { refused: `external mapping ${externalId} names another Ferry account (${String(result.value.record.entityId)})` };
  return result.value.status === 'unchanged' ? 'already_linked' : 'linked';
}

/**
 * Makes each group's match explicit on the Ferry account: its billing-tool key (ferryToSource)
 * and, when Ferry names Salesforce by external mappings, its Account Id. A group without a Ferry
 * account, or with nothing to name, is refused with the reason.
 */
export async function linkItems(store: RecordStore, orgId: string, config: ReconciliationView, items: ReportItem[]): Promise<LinkResult[]> {
  const results: LinkResult[] = [];
  for (const item of items) {
    if (item.ferry_id === null) {
      results.push({ n: item.n, status: 'refused', message: 'the group has no Ferry account to link: create it in Ferry (or let an integration read it from Salesforce) first' });
      continue;
    }
    const steps: ('linked' | 'already_linked' | { refused: string })[] = [];
    if (item.source_id !== null) steps.push(await ensure(store, orgId, item.ferry_id, config.ferryToSource, item.source_id));
    if (item.salesforce_id !== null && config.ferryToSalesforce !== 'links') steps.push(await ensure(store, orgId, item.ferry_id, config.ferryToSalesforce, item.salesforce_id));
    const refused = steps.find((s): s is { refused: string } => typeof s === 'object');
    if (steps.length === 0) results.push({ n: item.n, status: 'refused', message: 'the group names nothing to link the Ferry account to (no billing customer, and Ferry names Salesforce by its links)' });
    else if (refused !== undefined) results.push({ n: item.n, status: 'refused', message: refused.refused });
    else if (steps.includes('linked')) results.push({ n: item.n, status: 'linked', message: 'linked' });
    else results.push({ n: item.n, status: 'already_linked', message: 'the Ferry account already names these records' });
  }
  return results;
}

export interface CopyOutcome {
  n: number;
  field: string;
  to: 'ferry' | 'salesforce';
  value: string | null;
  /** to ferry: the account as written (its integrations deliver the change). */
  accountVersion?: number | undefined;
  /** to salesforce: the delivery runs queued for the account. */
  runIds?: string[] | undefined;
}

/**
 * Copies a compared field's value of one side: to Ferry (a change of the account, delivered by
 * the organization's integrations like any other), or from Ferry to Salesforce (a delivery of the
 * account now, by the Account integrations that deliver to this org and map the field).
 */
export async function copyValue(
  db: Database, store: RecordStore, integration: IntegrationRow, config: ReconciliationView, item: ReportItem, input: z.infer<typeof copyInput>,
  requestDelivery: (integrationId: string, accountId: string) => Promise<string>,
): Promise<Result<CopyOutcome>> {
  const orgId = integration.org_id;
  const field = config.fields.find((f) => f.name === input.field);
  const difference = item.differences.find((d) => d.field === input.field);
  if (field === undefined || difference === undefined) {
    return fail('validation_failed', 'That field does not differ in this item.', [{ path: ['field'], message: `item ${item.n} differs in ${item.differences.map((d) => d.field).join(', ') || 'no field'}` }]);
  }
  if (!(input.from in difference)) return fail('validation_failed', `The item has no ${input.from} value of ${input.field}.`, [{ path: ['from'], message: `the ${input.from} side of ${input.field} is not in this item` }]);
  if (item.ferry_id === null) return fail('validation_failed', 'The group has no Ferry account: nothing to copy to or from.', [{ path: ['n'], message: 'no Ferry account in this group' }]);
  const value = difference[input.from] ?? null;
  if (input.to === 'ferry') {
    if (field.ferry === null) return fail('validation_failed', `${input.field} is not compared on Ferry.`, [{ path: ['to'], message: `${input.field} has no Ferry path in reconciliation.fields` }]);
    const found = await store.get(orgId, 'accounts', item.ferry_id);
    if (!found.ok) return fail('not_found', `Ferry account ${item.ferry_id} no longer exists.`);
    const written = await store.update(orgId, 'accounts', item.ferry_id, patchFor(found.value, field.ferry, value), 'api');
    if (!written.ok) return fail('validation_failed', `Ferry refused the value for ${field.ferry}: ${written.error.message}`, written.error.details.map((d) => ({ path: ['value', ...d.path], message: d.message })));
    return ok({ n: item.n, field: input.field, to: 'ferry', value, accountVersion: written.value.record.version });
  }
  // To Salesforce: Ferry's value, sent by the Account integrations that deliver to this org.
  if (input.from !== 'ferry') return fail('validation_failed', 'Values go to Salesforce from Ferry only (copy to Ferry first: its integrations send it on).', [{ path: ['from'], message: 'must be ferry when to is salesforce' }]);
  const deliverers = await db.query<{ id: string }>(
    `SELECT id FROM integrations WHERE org_id = $1 AND entity_type = 'Account' AND enabled AND credential_id IS NOT NULL
       AND COALESCE(sync->>'direction', 'to_salesforce') <> 'from_salesforce' AND (salesforce_org_id = $2 OR salesforce_org_id IS NULL) ORDER BY id`,
    [orgId, integration.salesforce_org_id],
  );
  if (deliverers.length === 0) return fail('validation_failed', 'No enabled Account integration delivers to this org: create one (it sends Ferry\'s values), then copy again.', [{ path: ['to'], message: 'no Account integration sends to this Salesforce org' }]);
  const runIds: string[] = [];
  for (const d of deliverers) runIds.push(await requestDelivery(d.id, item.ferry_id));
  return ok({ n: item.n, field: input.field, to: 'salesforce', value, runIds });
}
