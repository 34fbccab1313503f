// Incoming sync: reads what changed in Salesforce, by polling since the stored (SystemModstamp, Id)
// position or from the change events the stream stored (change-events.ts), turns each record
// into Ferry values through the mapping's reading rules, merges them field by field against the
// link's base, and writes the result through the store. Each record is applied in one transaction
// with its link, its sync log row, any conflict and the position past it (the cursor, or the
// stored event it came from), so a crash between two records neither loses a change nor applies
// one twice.
import { v7 as uuidv7 } from 'uuid';
import { errorText, type RecordStore, type Result, type StoredRecord, type Written } from '../../platform/index.ts';
import { SalesforceError, type SalesforceClient } from '../../salesforce/index.ts';
import { SqlState, sqlStateOf, type Database, type Queryable } from '../../storage/index.ts';
import type { RunState } from '../delivery/context.ts';
import { isGone } from '../delivery/write.ts';
import { syncOf, type IntegrationRow } from '../integrations/integrations.ts';
import type { IntegrationSync } from '../integrations/schemas.ts';
import { EXTERNAL_ID_FIELD, LAST_SYSTEM_FIELD } from '../mapping/definition.ts';
import { storedRules } from '../mapping/stored.ts';
import { merge, type FieldConflict } from './merge.ts';
import { applyStoredEvents } from './change-events.ts';
import { readEverything } from './initial-load.ts';
import { compileReading, currentValuesOf, ferryValuesOf, patchOf, type ReadingMapping } from './reading.ts';

/** Records read per query; a run reads up to PAGES_PER_RUN pages, the next run goes on. */
export const PAGE_SIZE = 2000;
const PAGES_PER_RUN = 5;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type SyncOutcome = 'applied' | 'echo' | 'unchanged' | 'conflict' | 'ignored' | 'refused' | 'failed' | 'reread';

export interface Cursor {
  modstamp: string;
  recordId: string;
}

export interface SalesforceRow extends Record<string, unknown> {
  Id: string;
  SystemModstamp: string;
  LastModifiedDate?: string;
  LastModifiedById?: string;
  IsDeleted?: boolean;
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
  streamWorkerId: string | null;
  streamConnectedAt: Date | null;
}

interface PositionRow {
  mode: ReaderMode; reason: string | null; setting: string | null; detected_at: Date | null; modstamp: string | null; record_id: string | null;
  replay_id: string | null; catch_up_since: Date | null; catch_up_reason: string | null; polled_at: Date | null; stream_worker_id: string | null; stream_connected_at: Date | null;
}

export async function loadPosition(db: Queryable, orgId: string, integrationId: string, object: string): Promise<Position | undefined> {
  const [row] = await db.query<PositionRow>(
    `SELECT mode, reason, setting, detected_at, modstamp, record_id, replay_id, catch_up_since, catch_up_reason, polled_at, stream_worker_id, stream_connected_at
     FROM incoming_cursors WHERE org_id = $1 AND integration_id = $2 AND object = $3`,
    [orgId, integrationId, object],
  );
  if (row?.modstamp === null || row?.modstamp === undefined) return undefined;
  return {
    mode: row.mode, reason: row.reason, setting: row.setting, detectedAt: row.detected_at, cursor: { modstamp: row.modstamp, recordId: row.record_id ?? '' },
    replayId: row.replay_id === null ? null : Number(row.replay_id), catchUpSince: row.catch_up_since, catchUpReason: row.catch_up_reason,
    polledAt: row.polled_at, streamWorkerId: row.stream_worker_id, streamConnectedAt: row.stream_connected_at,
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

export interface SyncLogEntry {
  integrationId: string;
  direction: 'incoming' | 'outgoing';
  object: string;
  salesforceId: string | null;
  entity: string;
  entityId: string | null;
  changedFields: string[];
  outcome: SyncOutcome;
  reason: string | null;
}

export async function writeSyncLog(db: Queryable, orgId: string, entries: SyncLogEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await db.query(
    `INSERT INTO sync_log (org_id, id, integration_id, direction, object, salesforce_id, entity, entity_id, changed_fields, outcome, reason)
     SELECT $1, x.id, x.integration_id, x.direction, x.object, x.salesforce_id, x.entity, x.entity_id, ARRAY(SELECT jsonb_array_elements_text(x.changed_fields)), x.outcome, x.reason
     FROM jsonb_to_recordset($2::jsonb) AS x(id uuid, integration_id uuid, direction text, object text, salesforce_id text, entity text, entity_id uuid, changed_fields jsonb, outcome text, reason text)`,
    [orgId, JSON.stringify(entries.map((e) => ({
      id: uuidv7(), integration_id: e.integrationId, direction: e.direction, object: e.object, salesforce_id: e.salesforceId, entity: e.entity,
      entity_id: e.entityId, changed_fields: e.changedFields, outcome: e.outcome, reason: e.reason,
    })))],
  );
}

export interface IncomingDeps {
  db: Database;
  store: RecordStore;
}

/**
 * One incoming run of an integration. The first run only takes its position (and decides the
 * reader). Then: change events the stream stored are applied in replay order, after re-reading
 * the object from the cursor when events may be missing; polling reads changes after the cursor,
 * oldest first. Records are applied one at a time.
 */
export async function readChanges(deps: IncomingDeps, integration: IntegrationRow, runId: string, client: SalesforceClient, ferryUserId: string, state: RunState, only: { everything?: boolean; salesforceIds?: string[] | undefined } = {}): Promise<void> {
  const { db } = deps;
  const reading = compileReading(integration.entity_type, storedRules(integration));
  if (reading.fields.length === 0) {
    throw new NothingToReadError('No rule of the mapping reads from Salesforce: give the fields Ferry should take from Salesforce direction "to_ferry" or "both" (PATCH /integrations/{id}/mapping).');
  }
  const orgId = integration.org_id;
  // A switch turned off since the run was queued: nothing is read, the position stays.
  if (!(await incomingAllowed(db, integration))) {
    state.skip(integration.id, 'incoming sync is switched off');
    return;
  }
  await writePendingKeys(db, client, integration, reading.object);
  const sync = syncOf(integration);
  let position = await loadPosition(db, orgId, integration.id, reading.object);
  const match = sync.match;
  const fields = [...new Set(['Id', 'SystemModstamp', 'LastModifiedDate', 'LastModifiedById', 'IsDeleted', EXTERNAL_ID_FIELD, LAST_SYSTEM_FIELD, ...reading.fields.map((f) => f.salesforce), ...(match === null ? [] : [match.salesforce])])];
  const applying: Applying = { runId, deps, integration, sync, reading, ferryUserId, state, fields, client };
  if (only.salesforceIds !== undefined) {
    // Records named again (a refused change retried): read as they are now, the position untouched.
    await rereadRecords(applying, only.salesforceIds);
    return;
  }
  if (only.everything === true) {
    // The position is taken first: what changes during the read is read again after it.
    if (position === undefined || position.setting !== sync.reader) await positionReader(db, client, integration, reading.object);
    await readEverything(applying);
    return;
  }
  if (position === undefined) {
    await positionReader(db, client, integration, reading.object);
    return;
  }
  if (position.setting !== sync.reader) position = await positionReader(db, client, integration, reading.object);
  // Events stored while reading by change events (also those left when switching to polling) go first.
  const done = await applyStoredEvents(applying);
  if (done && position.mode === 'polling') await pollPages(applying, (await loadCursor(db, orgId, integration.id, reading.object)) ?? position.cursor, PAGES_PER_RUN);
  await markPolled(db, orgId, integration.id, reading.object);
}

/** Reads the named records as they are now and applies each; the reading position stays. */
async function rereadRecords(a: Applying, ids: string[]): Promise<void> {
  const valid = ids.filter((id) => /^[A-Za-z0-9]{15,18}$/.test(id));
  if (valid.length === 0) return;
  const rows = await a.client.queryAll<SalesforceRow>(`SELECT ${a.fields.join(', ')} FROM ${a.reading.object} WHERE Id IN ('${valid.join("', '")}')`, a.reading.object);
  for (const row of rows) await applyOne(a, row, () => Promise.resolve(), 'read again (a refused change retried)');
  await writePendingKeys(a.deps.db, a.client, a.integration, a.reading.object);
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
    const at = literal(cursor.modstamp);
    const after = cursor.recordId === '' ? `SystemModstamp >= ${at}` : `SystemModstamp > ${at} OR (SystemModstamp = ${at} AND Id > '${cursor.recordId}')`;
    const rows: SalesforceRow[] = await a.client.queryAll<SalesforceRow>(
      `SELECT ${a.fields.join(', ')} FROM ${reading.object} WHERE ${after} ORDER BY SystemModstamp, Id LIMIT ${PAGE_SIZE}`,
      reading.object,
    );
    for (const row of rows) {
      const next = { modstamp: row.SystemModstamp, recordId: row.Id };
      await applyOne(a, row, (tx) => saveCursor(tx, integration.org_id, integration.id, reading.object, next));
      cursor = next;
    }
    await writePendingKeys(a.deps.db, a.client, integration, reading.object);
    if (rows.length < PAGE_SIZE) return true;
  }
  return false;
}

interface Target {
  entityId: string;
  base: Record<string, unknown> | null;
  linked: boolean;
  /** The Salesforce record lacks Ferry's id (matched by rule): it is written there after commit. */
  keyPending: boolean;
}

async function targetOf(tx: Queryable, integration: IntegrationRow, reading: ReadingMapping, row: SalesforceRow): Promise<Target | undefined> {
  const links = await tx.query<{ entity_id: string; base: Record<string, unknown> | null }>(
    'SELECT entity_id, base FROM links WHERE org_id = $1 AND integration_id = $2 AND entity = $3 AND salesforce_id = $4',
    [integration.org_id, integration.id, reading.entity, row.Id],
  );
  if (links[0] !== undefined) return { entityId: links[0].entity_id, base: links[0].base, linked: true, keyPending: false };
  // Delivered by another integration (or before links existed): Ferry's id is on the record.
  const ferryId = row[EXTERNAL_ID_FIELD];
  if (typeof ferryId === 'string' && UUID.test(ferryId)) return { entityId: ferryId, base: null, linked: false, keyPending: false };
  return undefined;
}

/** The Ferry record the integration's match rule names, if exactly one; ambiguous: a reason. */
async function matchOf(tx: Queryable, a: Applying, row: SalesforceRow): Promise<Target | { ambiguous: string } | undefined> {
  const { integration, reading } = a;
  const match = a.sync.match;
  const value = match === null ? undefined : row[match.salesforce];
  if (match === null || typeof value !== 'string' || value === '') return undefined;
  const found = await tx.query<{ id: string }>(
    'SELECT id FROM records WHERE org_id = $1 AND entity = $2 AND deleted_at IS NULL AND data->>$3 = $4 LIMIT 2',
    [integration.org_id, reading.entity, match.ferry, value],
  );
  if (found.length > 1) return { ambiguous: `${found.length} or more Ferry records have ${match.ferry} "${value}"` };
  return found[0] === undefined ? undefined : { entityId: found[0].id, base: null, linked: false, keyPending: true };
}

export interface Applying {
  runId: string;
  deps: IncomingDeps;
  integration: IntegrationRow;
  reading: ReadingMapping;
  ferryUserId: string;
  /** The integration's sync settings, read once per run. */
  sync: IntegrationSync;
  state: RunState;
  /** The Salesforce fields a record is read with. */
  fields: string[];
  client: SalesforceClient;
}

/**
 * One Salesforce record, applied in one transaction with its log row and `after` (which moves the
 * position past it). `note` is added to the log row's reason (why the record was read).
 */
export async function applyOne(a: Applying, row: SalesforceRow, after: (tx: Queryable) => Promise<void>, note?: string, partial = false): Promise<void> {
  const { db } = a.deps;
  const orgId = a.integration.org_id;
  a.state.counts.sent++;
  try {
    await db.transaction(async (tx) => {
      const entry = await applyIn(tx, a, row, partial);
      if (note !== undefined) entry.reason = entry.reason === null ? note : `${entry.reason} (${note})`;
      await writeSyncLog(tx, orgId, [entry]);
      await after(tx);
    });
  } catch (error) {
    // A value another Ferry record already holds as its key (an account code): the change is
    // refused like any invalid one, and reading goes on past it. Other errors end the run, and
    // the next one reads this record again.
    if (sqlStateOf(error) !== SqlState.uniqueViolation) throw error;
    a.state.counts.failed++;
    await db.transaction(async (tx) => {
      await writeSyncLog(tx, orgId, [refuse(a, row, null, [], `another Ferry ${a.reading.entity} record already holds this key (${error instanceof Error ? error.message : String(error)})`)]);
      await after(tx);
    });
  }
}

export function logEntry(a: Applying, row: Pick<SalesforceRow, 'Id'>, outcome: SyncOutcome, entityId: string | null, changedFields: string[], reason: string | null): SyncLogEntry {
  return { integrationId: a.integration.id, direction: 'incoming', object: a.reading.object, salesforceId: row.Id, entity: a.reading.entity, entityId, changedFields, outcome, reason };
}

/**
 * A change Ferry refuses: its sync log entry, and an event naming the record, the reason and the
 * fix. Retrying the event reads the record from Salesforce again.
 */
export function refuse(a: Applying, row: Pick<SalesforceRow, 'Id'>, entityId: string | null, changedFields: string[], reason: string): SyncLogEntry {
  a.state.events.push({
    integrationId: a.integration.id, runId: a.runId, name: 'integration.incoming_refused.error', entity: a.reading.entity, entityId: entityId ?? undefined, salesforceId: row.Id,
    message: `Ferry refused the change to Salesforce ${a.reading.object} ${row.Id}${entityId === null ? '' : ` (${a.reading.entity} ${entityId})`}: ${reason}`,
    hint: 'Correct the record in Salesforce (or the value Ferry holds, or the integration\'s mapping), then retry this event: Ferry reads the record again.',
  });
  return logEntry(a, row, 'refused', entityId, changedFields, reason);
}

/** Decides and writes what one Salesforce record changes in Ferry; answers its sync log entry. */
export async function applyIn(tx: Queryable, a: Applying, row: SalesforceRow, partial = false): Promise<SyncLogEntry> {
  const { integration, reading, state } = a;
  const orgId = integration.org_id;
  const linked = await targetOf(tx, integration, reading, row);
  if (partial) {
    // A change event's values: the fields it did not change are as the base (read in this
    // transaction) holds them. Without a link and a full base it cannot be applied alone.
    const base = linked?.linked === true ? linked.base : null;
    if (base === null || reading.fields.some((f) => f.lookup === undefined && !(f.path in base))) {
      state.skip(row.Id, 'the link went away before this change event was applied');
      return logEntry(a, row, 'ignored', linked?.entityId ?? null, [], 'the record\'s link went away before this change event was applied (deleted meanwhile)');
    }
    for (const f of reading.fields) if (f.lookup === undefined && !(f.salesforce in row)) row[f.salesforce] = base[f.path];
  }
  if (row.IsDeleted === true) return deletedIn(tx, a, row, linked);
  const matched = linked ?? (await matchOf(tx, a, row));
  if (matched !== undefined && 'ambiguous' in matched) {
    state.counts.failed++;
    return refuse(a, row, null, [], `the match rule is ambiguous: ${matched.ambiguous}; make the values unique, or set Ferry_Id__c on the Salesforce record to the Ferry id it belongs to`);
  }
  if (matched === undefined) return createdIn(tx, a, row);
  const target = matched;
  const current = await a.deps.store.getIn(tx, orgId, reading.entity, target.entityId, true);
  let restored = false;
  let record: StoredRecord;
  if (current.ok) {
    record = current.value;
  } else {
    // Deleted in Ferry because it was deleted in Salesforce (propagate), and now back there: the
    // undelete is propagated too. A record Ferry's side deleted stays deleted.
    const back = await undeletedIn(tx, a, target.entityId);
    if (back === undefined) {
      state.skip(target.entityId, 'the Ferry record is gone');
      return logEntry(a, row, 'ignored', target.entityId, [], `${current.error.message} It was deleted on Ferry's side, so a change in Salesforce does not bring it back.`);
    }
    if (!back.ok) {
      state.counts.failed++;
      return refuse(a, row, target.entityId, [], `undeleted in Salesforce, but Ferry cannot restore its record: ${errorText(back.error)}`);
    }
    restored = true;
    record = back.value.record;
  }
  const lookups = await resolveLookups(tx, a, row);
  const outcome = merge({
    base: target.base,
    ferry: currentValuesOf(reading, record),
    salesforce: await ferryValuesOf(reading, row, lookups.resolved),
    policy: a.sync.conflictPolicy,
    ferryChangedAt: new Date(record.updatedAt),
    salesforceChangedAt: new Date(row.LastModifiedDate ?? row.SystemModstamp),
  });
  if (Object.keys(outcome.toFerry).length > 0) {
    const written = await a.deps.store.updateIn(tx, orgId, reading.entity, target.entityId, patchOf(record, outcome.toFerry), `integration:${integration.id}`);
    if (!written.ok) {
      state.counts.failed++;
      return refuse(a, row, target.entityId, outcome.salesforceChanged, errorText(written.error));
    }
    state.counts.updated++;
  }
  await saveBase(tx, integration, reading, row.Id, target, outcome.base);
  await saveConflicts(tx, integration, reading.entity, target.entityId, row.Id, a.sync.conflictPolicy, outcome.conflicts);
  state.recordIds.add(target.entityId);
  if (restored) {
    state.successes++;
    return logEntry(a, row, 'applied', target.entityId, outcome.salesforceChanged, 'undeleted in Salesforce: restored in Ferry (salesforceDeletes is propagate)');
  }
  if (outcome.salesforceChanged.length === 0 && lookups.unresolved.length > 0) {
    state.skip(target.entityId, 'a lookup names a record Ferry does not have');
    return logEntry(a, row, 'ignored', target.entityId, [], lookups.unresolved.join('; '));
  }
  if (outcome.salesforceChanged.length === 0) {
    state.skip(target.entityId, 'unchanged');
    // Told apart by values, not by timing: Salesforce holds what both sides last agreed on. A record
    // an org automation marked as a person's change is not Ferry's, whoever's session made it.
    const echo = row.LastModifiedById !== undefined && row.LastModifiedById.slice(0, 15) === a.ferryUserId.slice(0, 15) && row[LAST_SYSTEM_FIELD] !== 'Salesforce';
    return logEntry(a, row, echo ? 'echo' : 'unchanged', target.entityId, [], echo ? 'Ferry\'s own write' : 'no field the mapping reads changed');
  }
  state.successes++;
  const held = outcome.conflicts.filter((c) => c.outcome === 'held').map((c) => c.path);
  const reason = [
    ...lookups.unresolved,
    ...outcome.conflicts.filter((c) => c.outcome !== 'held').map((c) => `${c.path} changed on both sides: ${c.outcome === 'ferry' ? 'Ferry\'s' : 'Salesforce\'s'} value kept (${a.sync.conflictPolicy})`),
    ...(held.length > 0 ? [`held for review: ${held.join(', ')}`] : []),
  ].join('; ');
  return logEntry(a, row, outcome.conflicts.length > 0 ? 'conflict' : 'applied', target.entityId, outcome.salesforceChanged, reason === '' ? null : reason);
}

/**
 * Restores a Ferry record that incoming sync deleted (salesforceDeletes propagate, the last
 * change Salesforce's) when its Salesforce record is back; undefined when that does not apply.
 */
async function undeletedIn(tx: Queryable, a: Applying, entityId: string): Promise<Result<Written> | undefined> {
  if (a.sync.salesforceDeletes !== 'propagate') return undefined;
  const [row] = await tx.query<{ last_system: string | null; deleted_at: Date | null }>(
    'SELECT last_system, deleted_at FROM records WHERE org_id = $1 AND entity = $2 AND id = $3',
    [a.integration.org_id, a.reading.entity, entityId],
  );
  if (row?.deleted_at === null || row?.deleted_at === undefined || row.last_system !== 'Salesforce') return undefined;
  const restored = await a.deps.store.restoreIn(tx, a.integration.org_id, a.reading.entity, entityId, `integration:${a.integration.id}`);
  if (restored.ok) a.state.counts.created++;
  return restored;
}

/** A record deleted in Salesforce, as the integration's salesforceDeletes setting says. */
async function deletedIn(tx: Queryable, a: Applying, row: SalesforceRow, target: Target | undefined): Promise<SyncLogEntry> {
  const { integration, reading, state } = a;
  const setting = a.sync.salesforceDeletes;
  if (target === undefined || setting === 'ignore') {
    state.skip(target?.entityId ?? row.Id, 'deleted in Salesforce: Ferry keeps its record');
    return logEntry(a, row, 'ignored', target?.entityId ?? null, [], `deleted in Salesforce: Ferry keeps its record (${target === undefined ? 'not linked to one' : 'salesforceDeletes is ignore'})`);
  }
  if (setting === 'flag') {
    state.skip(target.entityId, 'deleted in Salesforce: flagged');
    state.events.push({
      integrationId: integration.id, runId: a.runId, name: 'integration.deleted_in_salesforce.warning', entity: reading.entity, entityId: target.entityId,
      message: `The Salesforce ${reading.object} ${row.Id} linked to this record was deleted in Salesforce; Ferry kept its record.`,
      hint: 'Delete the Ferry record too if it should go, or undelete the Salesforce record (its recycle bin keeps it 15 days); then mark this event as actioned.',
    });
    return logEntry(a, row, 'ignored', target.entityId, [], 'deleted in Salesforce: Ferry keeps its record and flagged it (event integration.deleted_in_salesforce.warning)');
  }
  const deleted = await a.deps.store.deleteIn(tx, integration.org_id, reading.entity, target.entityId, `integration:${integration.id}`);
  if (!deleted.ok) {
    if (deleted.error.code === 'not_found') return logEntry(a, row, 'unchanged', target.entityId, [], 'deleted on both sides');
    state.counts.failed++;
    return refuse(a, row, target.entityId, [], `deleted in Salesforce, but Ferry cannot delete its record: ${errorText(deleted.error)}`);
  }
  state.counts.deleted++;
  state.successes++;
  state.recordIds.add(target.entityId);
  // The link goes with the record; the deletion reaches the organization's other integrations.
  await tx.query('DELETE FROM links WHERE org_id = $1 AND integration_id = $2 AND entity = $3 AND entity_id = $4', [integration.org_id, integration.id, reading.entity, target.entityId]);
  return logEntry(a, row, 'applied', target.entityId, [], 'deleted in Salesforce: deleted in Ferry (salesforceDeletes is propagate)');
}

async function saveBase(tx: Queryable, integration: IntegrationRow, reading: ReadingMapping, salesforceId: string, target: Target, base: Record<string, unknown>): Promise<void> {
  if (target.linked) {
    await tx.query('UPDATE links SET base = $5 WHERE org_id = $1 AND integration_id = $2 AND entity = $3 AND entity_id = $4', [integration.org_id, integration.id, reading.entity, target.entityId, base]);
    return;
  }
  // First met through its Ferry id (or the match rule): linked now; an empty hash makes the next
  // delivery send it.
  await tx.query(
    `INSERT INTO links (org_id, integration_id, entity, entity_id, salesforce_org_id, salesforce_object, salesforce_id, synced_version, synced_hash, children, base, key_pending)
     VALUES ($1, $2, $3, $4, $5, $6, $7, 0, '', NULL, $8, $9)
     ON CONFLICT (org_id, integration_id, entity, entity_id) DO UPDATE SET base = EXCLUDED.base, salesforce_id = EXCLUDED.salesforce_id, key_pending = EXCLUDED.key_pending`,
    [integration.org_id, integration.id, reading.entity, target.entityId, integration.salesforce_org_id ?? '', reading.object, salesforceId, base, target.keyPending],
  );
}

/**
 * The Ferry records the record's lookups name (a Contact's AccountId: the Ferry account linked to
 * that Salesforce Account, by any integration of the organization delivering to this org), and
 * why any cannot be found.
 */
async function resolveLookups(tx: Queryable, a: Applying, row: SalesforceRow): Promise<{ resolved: Map<string, string>; unresolved: string[] }> {
  const resolved = new Map<string, string>();
  const unresolved: string[] = [];
  for (const field of a.reading.fields) {
    const raw = row[field.salesforce];
    if (field.lookup === undefined || typeof raw !== 'string' || raw === '') continue;
    const [link] = await tx.query<{ entity_id: string }>(
      'SELECT entity_id FROM links WHERE org_id = $1 AND entity = $2 AND salesforce_id = $3 AND ($4::text IS NULL OR salesforce_org_id = $4) LIMIT 1',
      [a.integration.org_id, field.lookup.target, raw, a.integration.salesforce_org_id],
    );
    if (link !== undefined) resolved.set(raw, link.entity_id);
    else unresolved.push(`${field.path}: ${field.salesforce} ${raw} is not linked to a Ferry ${field.lookup.target} record (deliver it, or read it from Salesforce, first)`);
  }
  return { resolved, unresolved };
}

/** A Salesforce record Ferry has no record for: created in Ferry and linked, or left alone. */
async function createdIn(tx: Queryable, a: Applying, row: SalesforceRow): Promise<SyncLogEntry> {
  const { integration, reading, state } = a;
  if (a.sync.salesforceCreates === 'ignore') {
    state.skip(row.Id, 'created in Salesforce: not linked to a Ferry record');
    return logEntry(a, row, 'ignored', null, [], 'created in Salesforce and not linked to a Ferry record (no Ferry_Id__c, no match); salesforceCreates is ignore');
  }
  const lookups = await resolveLookups(tx, a, row);
  if (lookups.unresolved.length > 0) {
    state.counts.failed++;
    return refuse(a, row, null, [], `created in Salesforce, but Ferry cannot create its record: ${lookups.unresolved.join('; ')}`);
  }
  const values = await ferryValuesOf(reading, row, lookups.resolved);
  const input = patchOf({}, Object.fromEntries(Object.entries(values).filter(([, v]) => v !== null)));
  const created = await a.deps.store.createIn(tx, integration.org_id, reading.entity, input, `integration:${integration.id}`);
  if (!created.ok) {
    state.counts.failed++;
    return refuse(a, row, null, Object.keys(values), `created in Salesforce, but Ferry cannot create its record: ${errorText(created.error)}; map the Salesforce fields that give the missing values (direction to_ferry or both), or fill them in Salesforce`);
  }
  const entityId = created.value.record.id;
  await saveBase(tx, integration, reading, row.Id, { entityId, base: null, linked: false, keyPending: true }, values);
  state.counts.created++;
  state.successes++;
  state.recordIds.add(entityId);
  return logEntry(a, row, 'applied', entityId, Object.keys(values).filter((k) => values[k] !== null), 'created in Salesforce: created in Ferry and linked');
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
      'SELECT entity, entity_id, salesforce_id FROM links WHERE org_id = $1 AND integration_id = $2 AND key_pending ORDER BY entity_id LIMIT 200',
      [integration.org_id, integration.id],
    );
    if (pending.length === 0) return;
    const results = await client.update(object, pending.map((p) => ({ Id: p.salesforce_id, [EXTERNAL_ID_FIELD]: p.entity_id })));
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

/**
 * Records conflicts: those the policy settled as they happened; held ones in the record's one
 * open held conflict (a field held again takes its latest values), which waits for a person.
 */
async function saveConflicts(tx: Queryable, integration: IntegrationRow, entity: string, entityId: string, salesforceId: string, policy: string, conflicts: FieldConflict[]): Promise<void> {
  const insert = (fields: FieldConflict[], outcome: FieldConflict['outcome']) =>
    tx.query(
      'INSERT INTO conflicts (org_id, id, integration_id, entity, entity_id, salesforce_id, fields, policy, outcome) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)',
      [integration.org_id, uuidv7(), integration.id, entity, entityId, salesforceId, JSON.stringify(fields), policy, outcome],
    );
  const settled = conflicts.filter((c) => c.outcome !== 'held');
  if (settled.length > 0) await insert(settled, settled[0]!.outcome);
  const held = conflicts.filter((c) => c.outcome === 'held');
  if (held.length === 0) return;
  const [open] = await tx.query<{ id: string; fields: FieldConflict[] }>(
    "SELECT id, fields FROM conflicts WHERE org_id = $1 AND integration_id = $2 AND entity_id = $3 AND outcome = 'held' AND resolved_at IS NULL FOR UPDATE",
    [integration.org_id, integration.id, entityId],
  );
  if (open === undefined) {
    await insert(held, 'held');
    return;
  }
  const byPath = new Map(open.fields.map((f) => [f.path, f]));
  for (const field of held) byPath.set(field.path, field);
  await tx.query('UPDATE conflicts SET fields = $3, salesforce_id = $4 WHERE org_id = $1 AND id = $2', [integration.org_id, open.id, JSON.stringify([...byPath.values()]), salesforceId]);
}
