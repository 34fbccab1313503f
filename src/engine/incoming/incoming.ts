// Incoming sync: reads what changed in Salesforce, by polling since the stored (SystemModstamp, Id)
// position or from the change events the stream stored (change-events.ts), and applies the
// records (apply.ts: mapping, merge against the link's base, the store). Records are applied in
// batches, each in one transaction with its links, its sync log rows, any conflict and the
// position past it (the cursor, or the stored events it came from), so a crash between two
// batches neither loses a change nor applies one twice.
import { SalesforceError, type SalesforceClient } from '../../salesforce/index.ts';
import type { Database, Queryable } from '../../storage/index.ts';
import type { RunState } from '../delivery/context.ts';
import { isGone } from '../delivery/write.ts';
import { syncOf, type IntegrationRow } from '../integrations/integrations.ts';
import type { IntegrationSync } from '../integrations/schemas.ts';
import { EXTERNAL_ID_FIELD, LAST_SYSTEM_FIELD } from '../mapping/definition.ts';
import { effectiveRules } from '../mapping/stored.ts';
import { applyBatch, applyOne, DEAL_WON_FIELD, type Applying, type IncomingDeps, type SalesforceRow } from './apply.ts';
import { applyOpportunityEvents, applyStoredEvents } from './change-events.ts';
import { readEverything, type LoadPosition } from './initial-load.ts';
import { compileReading } from './reading.ts';

/** Records read per query; a run reads up to PAGES_PER_RUN pages, the next run goes on. */
export const PAGE_SIZE = 2000;
const PAGES_PER_RUN = 5;
/** Salesforce records given Ferry's id per round (a Bulk API job's worth). */
const PENDING_KEYS_PER_ROUND = 10_000;
/** Records applied in one transaction. */
export const BATCH_SIZE = 200;

export interface Cursor {
  modstamp: string;
  recordId: string;
}


/** A reading rule set with no field: the integration reads nothing, and says so. */
export class NothingToReadError extends Error {
  override name = 'NothingToReadError';
}

/** Salesforce's datetime (…+0000) as a SOQL datetime literal. */
function literal(modstamp: string): string {
  return modstamp.replace(/\+0000$/, 'Z');
}

/** Both switches: the organization's (every integration) and the integration's own. */
export async function incomingAllowed(db: Queryable, integration: IntegrationRow): Promise<boolean> {
  if (!syncOf(integration).incoming) return false;
  const rows = await db.query<{ incoming_sync: boolean }>('SELECT incoming_sync FROM organizations WHERE id = $1', [integration.org_id]);
  return rows[0]?.incoming_sync === true;
}

export type ReaderMode = 'polling' | 'cdc';

/** Where incoming sync stands for one object of one integration. */
export interface Position {
  mode: ReaderMode;
  /** Why this reader (the detection's answer, or the user's choice). */
  reason: string | null;
  /** The reader setting this was decided for. */
  setting: string | null;
  detectedAt: Date | null;
  cursor: Cursor;
  replayId: number | null;
  /** Set: changes since the cursor may have no stored event; re-read the object from it first. */
  catchUpSince: Date | null;
  catchUpReason: string | null;
  polledAt: Date | null;
  /** The last time a worker found the change event stream connected. */
  streamAliveAt: Date | null;
  streamWorkerId: string | null;
  streamConnectedAt: Date | null;
}

interface PositionRow {
  mode: ReaderMode; reason: string | null; setting: string | null; detected_at: Date | null; modstamp: string | null; record_id: string | null;
  replay_id: string | null; catch_up_since: Date | null; catch_up_reason: string | null; polled_at: Date | null; stream_alive_at: Date | null; stream_worker_id: string | null; stream_connected_at: Date | null;
}

export async function loadPosition(db: Queryable, orgId: string, integrationId: string, object: string): Promise<Position | undefined> {
  const [row] = await db.query<PositionRow>(
    `SELECT mode, reason, setting, detected_at, modstamp, record_id, replay_id, catch_up_since, catch_up_reason, polled_at, stream_alive_at, stream_worker_id, stream_connected_at
     FROM incoming_cursors WHERE org_id = $1 AND integration_id = $2 AND object = $3`,
    [orgId, integrationId, object],
  );
  if (row?.modstamp === null || row?.modstamp === undefined) return undefined;
  return {
    mode: row.mode, reason: row.reason, setting: row.setting, detectedAt: row.detected_at, cursor: { modstamp: row.modstamp, recordId: row.record_id ?? '' },
    replayId: row.replay_id === null ? null : Number(row.replay_id), catchUpSince: row.catch_up_since, catchUpReason: row.catch_up_reason,
    polledAt: row.polled_at, streamAliveAt: row.stream_alive_at, streamWorkerId: row.stream_worker_id, streamConnectedAt: row.stream_connected_at,
  };
}

export async function loadCursor(db: Queryable, orgId: string, integrationId: string, object: string): Promise<Cursor | undefined> {
  return (await loadPosition(db, orgId, integrationId, object))?.cursor;
}

export async function saveCursor(db: Queryable, orgId: string, integrationId: string, object: string, cursor: Cursor): Promise<void> {
  await db.query(
    `INSERT INTO incoming_cursors (org_id, integration_id, object, mode, modstamp, record_id, polled_at, updated_at) VALUES ($1, $2, $3, 'polling', $4, $5, now(), now())
     ON CONFLICT (org_id, integration_id, object) DO UPDATE SET modstamp = EXCLUDED.modstamp, record_id = EXCLUDED.record_id, polled_at = now(), updated_at = now()`,
    [orgId, integrationId, object, cursor.modstamp, cursor.recordId],
  );
}

async function markPolled(db: Queryable, orgId: string, integrationId: string, object: string): Promise<void> {
  await db.query('UPDATE incoming_cursors SET polled_at = now() WHERE org_id = $1 AND integration_id = $2 AND object = $3', [orgId, integrationId, object]);
}

/**
 * Decides how the integration reads the object: Change Data Capture when the org publishes change
 * events for it (its selection, read through the Tooling API), polling otherwise or when chosen.
 */
export async function detectReader(client: SalesforceClient, object: string, setting: IntegrationSync['reader']): Promise<{ mode: ReaderMode; reason: string }> {
  if (setting === 'polling') return { mode: 'polling', reason: 'polling chosen (sync.reader is "polling")' };
  if (setting === 'cdc') return { mode: 'cdc', reason: 'change events chosen (sync.reader is "cdc")' };
  if (object === DEAL_LINE_OBJECT) {
    // A deal's line items and its opportunity are read the same way: by change events only when the org publishes both.
    const opportunities = await detectReader(client, 'Opportunity', setting);
    if (opportunities.mode === 'polling') return { mode: 'polling', reason: `deals are read by polling: ${opportunities.reason}` };
  }
  try {
    return (await client.changeEventsSelected(object))
      ? { mode: 'cdc', reason: `the org publishes change events for ${object} (Change Data Capture)` }
      : { mode: 'polling', reason: `the org does not publish change events for ${object}: select it for Change Data Capture in Setup to get changes within a second, or keep polling` };
  } catch (error) {
    if (!(error instanceof SalesforceError) || error.info.kind === 'transient' || error.info.kind === 'auth' || error.info.kind === 'rate_limit') throw error;
    return { mode: 'polling', reason: `Ferry could not read the org's Change Data Capture selection (${error.info.errorCode}: ${error.info.message}): polling; give Ferry's user "View Setup and Configuration", or set sync.reader to "cdc"` };
  }
}

/**
 * Stores the reader decided for the object. A first position starts at the org's latest change:
 * what changed before the integration began reading is not replayed.
 */
export async function positionReader(db: Database, client: SalesforceClient, integration: IntegrationRow, object: string): Promise<Position> {
  const setting = syncOf(integration).reader;
  const decided = await detectReader(client, object, setting);
  const existing = await loadPosition(db, integration.org_id, integration.id, object);
  let cursor = existing?.cursor;
  if (cursor === undefined) {
    const [latest] = await client.queryAll<SalesforceRow>(`SELECT Id, SystemModstamp FROM ${object} ORDER BY SystemModstamp DESC, Id DESC LIMIT 1`, object);
    cursor = { modstamp: latest?.SystemModstamp ?? new Date(0).toISOString().replace('Z', '+0000'), recordId: latest?.Id ?? '' };
  }
  await db.query(
    `INSERT INTO incoming_cursors (org_id, integration_id, object, mode, reason, setting, detected_at, modstamp, record_id, polled_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, now(), $7, $8, now(), now())
     ON CONFLICT (org_id, integration_id, object) DO UPDATE SET mode = EXCLUDED.mode, reason = EXCLUDED.reason, setting = EXCLUDED.setting, detected_at = now(), updated_at = now(),
       -- Leaving change events: whatever they did not cover is read from the cursor by polling (the
       -- worker holding the stream closes it and lets go of it).
       replay_id = CASE WHEN EXCLUDED.mode = 'cdc' THEN incoming_cursors.replay_id END`,
    [integration.org_id, integration.id, object, decided.mode, decided.reason, setting, cursor.modstamp, cursor.recordId],
  );
  return (await loadPosition(db, integration.org_id, integration.id, object))!;
}


/**
 * One incoming run of an integration. The first run only takes its position (and decides the
 * reader). Then: change events the stream stored are applied in replay order, after re-reading
 * the object from the cursor when events may be missing; polling reads changes after the cursor,
 * oldest first.
 */
export async function readChanges(deps: IncomingDeps, integration: IntegrationRow, runId: string, client: SalesforceClient, ferryUserId: string, state: RunState, only: ReadOptions = {}): Promise<void> {
  const applying = await readWith(deps, integration, runId, client, ferryUserId, state, only);
  if (applying !== undefined) await bringFollowers(applying);
}

/**
 * The other fields of the record the reading rules' transforms read (a phone list reads Phone
 * and Fax; a deal's start reads `Opportunity.CloseDate`).
 */
function transformReads(reading: ReturnType<typeof compileReading>): string[] {
  return reading.fields.flatMap((f) => (f.transform?.reads ?? []).filter((name) => /^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*){0,4}$/.test(name)));
}

/** The line items of deals (Subscription integrations). */
export const DEAL_LINE_OBJECT = 'OpportunityLineItem';

/**
 * What a Subscription integration's transforms are told of the org and the integration: whether
 * the org schedules revenue (its Product2 has CanUseRevenueSchedule), what a price means without
 * it (sync.deals.valueMetric), and the currency of the subscriptions.
 */
async function dealBindings(client: SalesforceClient, sync: IntegrationSync): Promise<Record<string, unknown>> {
  const product = await client.describe('Product2');
  return { revenueScheduling: product.fields.some((f) => f.name === 'CanUseRevenueSchedule'), valueMetric: sync.deals.valueMetric, currency: sync.deals.currency };
}

/**
 * Deals: an opportunity that leaves Closed Won (or is deleted) changes none of its line items'
 * SystemModstamp, so a Subscription integration also reads the opportunities changed since its
 * second position (on Opportunity), and reads their line items again, deleted ones included.
 */
/** The line items of these opportunities as they are now (deleted ones included), read and applied. */
export async function applyLinesOf(a: Applying, opportunityIds: string[]): Promise<void> {
  for (let i = 0; i < opportunityIds.length; i += IDS_PER_QUERY) {
    const ids = opportunityIds.slice(i, i + IDS_PER_QUERY);
    const lines = await a.client.queryAll<SalesforceRow>(`SELECT ${a.fields.join(', ')} FROM ${DEAL_LINE_OBJECT} WHERE OpportunityId IN ('${ids.join("', '")}')`, DEAL_LINE_OBJECT);
    for (let j = 0; j < lines.length; j += BATCH_SIZE) await applyBatch(a, lines.slice(j, j + BATCH_SIZE));
  }
}

export async function pollDeals(a: Applying, pages: number): Promise<void> {
  const { integration, client } = a;
  const { db } = a.deps;
  const orgId = integration.org_id;
  let cursor = await loadCursor(db, orgId, integration.id, 'Opportunity');
  if (cursor === undefined) {
    // From where the line items were first read: an opportunity changed before then is not replayed.
    cursor = (await loadCursor(db, orgId, integration.id, DEAL_LINE_OBJECT)) ?? { modstamp: new Date().toISOString().replace('Z', '+0000'), recordId: '' };
    await saveCursor(db, orgId, integration.id, 'Opportunity', cursor);
  }
  for (let page = 0; page < pages; page++) {
    const deals: { Id: string; SystemModstamp: string }[] = await client.queryAll<{ Id: string; SystemModstamp: string }>(`SELECT Id, SystemModstamp FROM Opportunity WHERE ${afterCursor(cursor)} ORDER BY SystemModstamp, Id LIMIT ${PAGE_SIZE}`, 'Opportunity');
    await applyLinesOf(a, deals.map((d) => d.Id));
    const last: { Id: string; SystemModstamp: string } | undefined = deals.at(-1);
    if (last !== undefined) {
      cursor = { modstamp: last.SystemModstamp, recordId: last.Id };
      await saveCursor(db, orgId, integration.id, 'Opportunity', cursor);
    }
    if (deals.length < PAGE_SIZE) return;
  }
}

/** What an incoming run reads: the changes, everything (a load, continued from where one stopped), or given records. */
export interface ReadOptions {
  everything?: boolean;
  /** A load: where the one it continues got to, and where to keep its own position. */
  load?: { from?: LoadPosition | undefined; save: (position: LoadPosition) => Promise<void>; pageSize?: number | undefined; shouldStop?: (() => boolean) | undefined } | undefined;
  salesforceIds?: string[] | undefined;
  why?: string | undefined;
}

async function readWith(deps: IncomingDeps, integration: IntegrationRow, runId: string, client: SalesforceClient, ferryUserId: string, state: RunState, only: ReadOptions): Promise<Applying | undefined> {
  const { db } = deps;
  const reading = compileReading(integration.entity_type, effectiveRules(integration));
  if (reading.fields.length === 0) {
    throw new NothingToReadError('No rule of the mapping reads from Salesforce: give the fields Ferry should take from Salesforce direction "to_ferry" or "both" (PATCH /integrations/{id}/mapping).');
  }
  const orgId = integration.org_id;
  // A switch turned off since the run was queued: nothing is read, the position stays.
  if (!(await incomingAllowed(db, integration))) {
    state.skip(integration.id, 'incoming sync is switched off');
    return undefined;
  }
  await writePendingKeys(db, client, integration, reading.object);
  const sync = syncOf(integration);
  let position = await loadPosition(db, orgId, integration.id, reading.object);
  const match = sync.match;
  const selection = selectionFieldOf(integration.entity_type, sync);
  // The account's owner as its assigned user: a Ferry user found (or made) by the owner's e-mail.
  if (integration.entity_type === 'Account' && sync.importOwners) {
    reading.fields.push({ path: 'ownerUserId', salesforce: 'Owner.Email', kind: 'id', both: false, lookup: { target: 'users', required: false, byEmail: { name: 'Owner.Name' } } });
  }
  // A deal's line items carry none of Ferry's fields: Ferry only reads them.
  const deal = reading.object === DEAL_LINE_OBJECT;
  if (deal) reading.bindings = await dealBindings(client, sync);
  const fields = [...new Set([
    'Id', 'SystemModstamp', 'LastModifiedDate', 'LastModifiedById', 'IsDeleted', ...(deal ? [DEAL_WON_FIELD] : [EXTERNAL_ID_FIELD, LAST_SYSTEM_FIELD]),
    ...reading.fields.flatMap((f) => [f.salesforce, ...(f.lookup?.byEmail === undefined ? [] : [f.lookup.byEmail.name])]), ...transformReads(reading), ...(match === null ? [] : [match.salesforce]), ...(selection === undefined ? [] : [selection]),
  ])];
  const applying: Applying = { runId, deps, integration, sync, reading, ferryUserId, state, fields, client, selection, selectionWhere: selectionWhereOf(integration.entity_type, sync), broughtIn: new Set(), deal };
  if (only.salesforceIds !== undefined) {
    // Records named again (a refused change retried, or followers of a parent that came in):
    // read as they are now, the position untouched.
    await rereadRecords(applying, only.salesforceIds, only.why ?? 'read again (a refused change retried)');
    return applying;
  }
  if (only.everything === true) {
    // The position is taken first: what changes during the read is read again after it.
    if (position === undefined || position.setting !== sync.reader) await positionReader(db, client, integration, reading.object);
    await readEverything(applying, only.load);
    await markPolled(db, orgId, integration.id, reading.object);
    return applying;
  }
  if (position === undefined) {
    await positionReader(db, client, integration, reading.object);
    return undefined;
  }
  if (position.setting !== sync.reader) position = await positionReader(db, client, integration, reading.object);
  warnOfGap(applying, position);
  // Events stored while reading by change events (also those left when switching to polling) go first.
  const done = await applyStoredEvents(applying);
  if (done && position.mode === 'polling') await pollPages(applying, (await loadCursor(db, orgId, integration.id, reading.object)) ?? position.cursor, PAGES_PER_RUN);
  if (deal) {
    // Opportunities are read as the org allows for them: by their change events, or by polling.
    // Opportunities are read the way their line items are (the reader decided on both).
    let deals = await loadPosition(db, orgId, integration.id, 'Opportunity');
    if (deals === undefined || deals.setting !== sync.reader || deals.mode !== position.mode) {
      deals = await positionReader(db, client, integration, 'Opportunity');
      if (deals.mode !== position.mode) {
        await db.query('UPDATE incoming_cursors SET mode = $4, reason = $5, replay_id = NULL WHERE org_id = $1 AND integration_id = $2 AND object = $3', [orgId, integration.id, 'Opportunity', position.mode, `as the line items are read: ${position.reason}`]);
        deals = { ...deals, mode: position.mode };
      }
    }
    if (deals.mode === 'cdc') await applyOpportunityEvents(applying);
    else await pollDeals(applying, PAGES_PER_RUN);
  }
  await markPolled(db, orgId, integration.id, reading.object);
  return applying;
}

/** Who follows whom: the Salesforce object, and its field that names the parent. */
const FOLLOWERS: Record<string, { entityType: string; object: string; field: string }[]> = {
  accounts: [{ entityType: 'Contact', object: 'Contact', field: 'AccountId' }, { entityType: 'Subscription', object: DEAL_LINE_OBJECT, field: 'Opportunity.AccountId' }],
  contacts: [{ entityType: 'Ticket', object: 'Case', field: 'ContactId' }],
};

/**
 * Parents this run brought in (accounts, or contacts): the organization's integrations that read
 * their followers back (contacts by AccountId, cases by ContactId) read those now, in runs of
 * their own, since a follower that came before its parent was left out and has not changed since.
 */
async function bringFollowers(a: Applying): Promise<void> {
  const parents = [...(a.broughtIn ?? [])];
  const follow = a.deps.requestRead;
  if (parents.length === 0 || follow === undefined) return;
  // Too many parents to name (a first load): each reader of their followers reads everything.
  const overflow = a.broughtInOverflow === true && a.deps.requestFullRead !== undefined;
  for (const kind of FOLLOWERS[a.reading.entity] ?? []) {
    const readers = await a.deps.db.query<{ id: string }>(
      `SELECT id FROM integrations WHERE org_id = $1 AND id <> $2 AND entity_type = $3 AND enabled AND credential_id IS NOT NULL
         AND COALESCE(sync->>'direction', 'to_salesforce') <> 'to_salesforce' AND COALESCE((sync->>'incoming')::boolean, true)
         AND ($4::text IS NULL OR salesforce_org_id IS NULL OR salesforce_org_id = $4)`,
      [a.integration.org_id, a.integration.id, kind.entityType, a.integration.salesforce_org_id],
    );
    if (readers.length === 0) continue;
    if (overflow) {
      for (const reader of readers) await a.deps.requestFullRead!(a.integration.org_id, reader.id);
      continue;
    }
    const ids: string[] = [];
    for (let i = 0; i < parents.length; i += 200) {
      const chunk = parents.slice(i, i + 200);
      const rows = await a.client.queryAll<{ Id: string }>(`SELECT Id FROM ${kind.object} WHERE ${kind.field} IN ('${chunk.join("', '")}') AND IsDeleted = false`, kind.object);
      ids.push(...rows.map((r) => r.Id));
    }
    for (const reader of readers) {
      for (let i = 0; i < ids.length; i += 200) await follow(a.integration.org_id, reader.id, ids.slice(i, i + 200));
    }
  }
}

/** The checkbox field that selects which unlinked Salesforce accounts come in, if any (Account integrations). */
export function selectionFieldOf(entityType: string, sync: IntegrationSync): string | undefined {
  return entityType === 'Account' && sync.accountSelection !== 'all' && 'field' in sync.accountSelection ? sync.accountSelection.field : undefined;
}

/** The account filter (a SOQL condition) that selects unlinked accounts, if the integration has one. */
export function selectionWhereOf(entityType: string, sync: IntegrationSync): string | undefined {
  return entityType === 'Account' && sync.accountSelection !== 'all' && 'where' in sync.accountSelection ? sync.accountSelection.where : undefined;
}

/** How long Salesforce keeps a deleted record in its recycle bin (queryAll sees it meanwhile). */
export const RECYCLE_BIN_DAYS = 15;

/**
 * Reading resumes after longer than the recycle bin keeps deletes (a switch off, Ferry stopped):
 * records deleted there meanwhile and emptied from the bin are never seen as deleted. Changes and
 * creates are still read from the cursor; the user is told, and how to settle the deletes.
 */
function warnOfGap(a: Applying, position: Position): void {
  const last = Math.max(position.polledAt?.getTime() ?? 0, position.streamAliveAt?.getTime() ?? 0);
  const days = (Date.now() - last) / 86_400_000;
  if (last === 0 || days <= RECYCLE_BIN_DAYS) return;
  a.state.events.push({
    integrationId: a.integration.id, runId: a.runId, name: 'integration.incoming_gap.warning', entity: a.reading.entity,
    message: `Incoming sync had not read ${a.reading.object} changes since ${new Date(last).toISOString()} (${Math.floor(days)} days). Salesforce keeps deleted records ${RECYCLE_BIN_DAYS} days, so records deleted there before ${new Date(Date.now() - RECYCLE_BIN_DAYS * 86_400_000).toISOString()} and emptied from the recycle bin may not be seen as deleted; changes and new records are read as usual.`,
    hint: 'Read everything again to settle them: POST /api/v1/integrations/{id}/sync {"mode": "incoming_full"}. Linked records it no longer finds in Salesforce are deleted or flagged as sync.salesforceDeletes says.',
  });
}

/** Records read by Id per query (an Id list of 200 keeps the query well inside URL limits). */
const IDS_PER_QUERY = 200;

/**
 * The named records as they are now, deleted ones included (queryAll), with the fields the
 * integration reads; ids that are not Salesforce ids are left out. Ids of no record are absent.
 */
export async function readByIds(a: Applying, ids: string[]): Promise<SalesforceRow[]> {
  const valid = ids.filter((id) => /^[A-Za-z0-9]{15,18}$/.test(id));
  const rows: SalesforceRow[] = [];
  for (let i = 0; i < valid.length; i += IDS_PER_QUERY) {
    const chunk = valid.slice(i, i + IDS_PER_QUERY);
    rows.push(...(await a.client.queryAll<SalesforceRow>(`SELECT ${a.fields.join(', ')} FROM ${a.reading.object} WHERE Id IN ('${chunk.join("', '")}')`, a.reading.object)));
  }
  return rows;
}

/** Reads the named records as they are now and applies each; the reading position stays. */
async function rereadRecords(a: Applying, ids: string[], why: string): Promise<void> {
  const rows = await readByIds(a, ids);
  if (rows.length === 0) return;
  for (const row of rows) await applyOne(a, row, () => Promise.resolve(), why);
  await writePendingKeys(a.deps.db, a.client, a.integration, a.reading.object);
}

/**
 * The SOQL condition for records after a position: later by SystemModstamp, or as late and after
 * its Id; a position without an Id (an org that was empty, or a re-read from a change event's
 * time) takes that instant whole.
 */
function afterCursor(cursor: Cursor): string {
  const at = literal(cursor.modstamp);
  return cursor.recordId === '' ? `SystemModstamp >= ${at}` : `SystemModstamp > ${at} OR (SystemModstamp = ${at} AND Id > '${cursor.recordId}')`;
}

/**
 * Reads and applies the object's changes after `cursor`, oldest first, up to `pages` pages;
 * answers whether it read them all. Records of one SystemModstamp go in Id order; a cursor
 * without an Id (an org that was empty, or a re-read from a change event's time) takes that
 * instant whole.
 */
export async function pollPages(a: Applying, from: Cursor, pages: number): Promise<boolean> {
  const { integration, reading } = a;
  let cursor = from;
  for (let page = 0; page < pages; page++) {
    const rows: SalesforceRow[] = await a.client.queryAll<SalesforceRow>(
      `SELECT ${a.fields.join(', ')} FROM ${reading.object} WHERE ${afterCursor(cursor)} ORDER BY SystemModstamp, Id LIMIT ${PAGE_SIZE}`,
      reading.object,
    );
    // Each batch commits with the cursor past its last record.
    for (let i = 0; i < rows.length; i += BATCH_SIZE) {
      await applyBatch(a, rows.slice(i, i + BATCH_SIZE), (tx, last) => saveCursor(tx, integration.org_id, integration.id, reading.object, { modstamp: last.SystemModstamp, recordId: last.Id }));
    }
    const last = rows.at(-1);
    if (last !== undefined) cursor = { modstamp: last.SystemModstamp, recordId: last.Id };
    await writePendingKeys(a.deps.db, a.client, integration, reading.object);
    if (rows.length < PAGE_SIZE) return true;
  }
  return false;
}

/**
 * Writes Ferry's id to the Ferry_Id__c of Salesforce records Ferry created (or matched) from
 * them, then clears the mark. Runs after each page, and before any run reads or delivers, so a
 * crash in between never lets a delivery upsert by an external id the record does not carry yet
 * (which would create a second Salesforce record).
 */
export async function writePendingKeys(db: Queryable, client: SalesforceClient, integration: IntegrationRow, object: string): Promise<void> {
  for (;;) {
    const pending = await db.query<{ entity_id: string; salesforce_id: string; entity: string }>(
      'SELECT entity, entity_id, salesforce_id FROM links WHERE org_id = $1 AND integration_id = $2 AND key_pending ORDER BY entity_id LIMIT $3',
      [integration.org_id, integration.id, PENDING_KEYS_PER_ROUND],
    );
    if (pending.length === 0) return;
    // Above the bulk threshold (an initial load), one Bulk API job instead of a call per 200.
    const records = pending.map((p) => ({ Id: p.salesforce_id, [EXTERNAL_ID_FIELD]: p.entity_id }));
    const results = pending.length > integration.delivery.bulkThreshold ? await client.bulkUpdate(object, records) : await client.update(object, records);
    const done = pending.filter((_, i) => results[i]?.success === true || isGone(results[i]!));
    const refused = pending.flatMap((p, i) => {
      const result = results[i]!;
      return result.success || isGone(result) ? [] : [{ p, message: result.errors.map((e) => `${e.statusCode}: ${e.message}`).join('; ') }];
    });
    await db.query('UPDATE links SET key_pending = false WHERE org_id = $1 AND integration_id = $2 AND entity_id = ANY($3::uuid[])', [integration.org_id, integration.id, done.map((p) => p.entity_id)]);
    if (refused.length > 0) {
      // Left marked: deliveries of these records wait (see the runner) until the cause is fixed.
      throw new SalesforceError({ kind: 'fatal', errorCode: 'FERRY_ID_NOT_WRITTEN', message: `Ferry could not write its id to ${refused.length} Salesforce ${object} record(s) it linked (first: ${refused[0]!.p.salesforce_id}: ${refused[0]!.message}).` });
    }
  }
}

