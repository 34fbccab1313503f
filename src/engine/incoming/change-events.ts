// Applies the change events the stream stored (streams.ts), in replay order. An event says which
// records changed and how; Ferry re-reads the records whose change matters (one query for many)
// and applies their current state through the same merge as polling, so an event applied twice,
// or several events of one record, give the same result. What the event itself settles costs no
// call: Ferry's own writes coming back (echoes), updates of fields the mapping does not read, and
// deletes. Each record is applied in one transaction that also deletes the event once its last
// record is done, so a crash never loses an event nor applies one twice.
import { isDeepStrictEqual } from 'node:util';
import type { Queryable } from '../../storage/index.ts';
import { EXTERNAL_ID_FIELD, LAST_SYSTEM_FIELD } from '../mapping/definition.ts';
import { SqlState, sqlStateOf } from '../../storage/index.ts';
import { applyIn, clashReason, logEntry, markSelected, refuse, writeSyncLog, type Applying, type SalesforceRow, type SyncLogEntry } from './apply.ts';
import { applyLinesOf, pollDeals, pollPages, readByIds, writePendingKeys } from './incoming.ts';
import { ferryValuesOf, normalise } from './reading.ts';

/** Events applied per round; a run goes on for up to ROUNDS rounds, the next run goes on. */
const EVENTS_PER_ROUND = 500;
const ROUNDS = 20;
/** Events applied in one transaction (one record at a time only after a key clash). */
const EVENTS_PER_TRANSACTION = 50;
/** Pages a re-read of the object from its cursor takes per run. */
const CATCH_UP_PAGES = 5;
/**
 * A re-read starts this long before the cursor. The cursor follows the commit times of the events
 * applied, but a record's SystemModstamp is set when the transaction changes it, which may be well
 * before that transaction commits (a large load, a long Apex transaction): a transaction still
 * open when the cursor moved past its start would otherwise be missed.
 */
export const CATCH_UP_LOOKBACK_MS = 10 * 60_000;

export interface ChangeEventHeader {
  entityName: string;
  recordIds: string[];
  changeType: string;
  commitTimestamp: number;
  commitUser: string;
  changedFields?: string[];
  nulledFields?: string[];
  transactionKey?: string;
  sequenceNumber?: number;
}

export interface StoredEvent {
  replay_id: string;
  header: ChangeEventHeader;
  payload: Record<string, unknown>;
}

type Step =
  | { id: string; action: 'read'; note?: string }
  /** An update applied from the event's own values (the fields it did not change keep the base's). */
  | { id: string; action: 'event'; row: SalesforceRow }
  | { id: string; action: 'delete' }
  | { id: string; action: 'echo' | 'unchanged'; entityId: string | null; changed: string[]; reason: string };

/** A compound field's part as its own field: BillingAddress.City is BillingCity, Name.FirstName is FirstName. */
export function flatName(compound: string, part: string): string {
  return compound.endsWith('Address') ? `${compound.slice(0, -'Address'.length)}${part}` : part;
}

/** An event's field values with compound fields laid flat, as REST and SOQL name them. */
export function flatValues(payload: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(payload)) {
    if (key === 'ChangeEventHeader') continue;
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const [part, inner] of Object.entries(value)) out[flatName(key, part)] = inner;
    } else {
      out[key] = value;
    }
  }
  return out;
}

/** The fields an event changed, laid flat (BillingAddress.City is BillingCity). */
export function changedFieldsOf(header: ChangeEventHeader, payload: Record<string, unknown>): string[] {
  const named = header.changeType === 'UPDATE' ? [...(header.changedFields ?? []), ...(header.nulledFields ?? [])] : Object.keys(flatValues(payload));
  return [...new Set(named.map((f) => {
    const dot = f.indexOf('.');
    return dot === -1 ? f : flatName(f.slice(0, dot), f.slice(dot + 1));
  }))];
}

function modstampOf(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

/**
 * Applies the stored events of the integration's object, oldest first, re-reading the object from
 * its cursor first when events may be missing. Answers whether it got through all of them.
 */
export async function applyStoredEvents(a: Applying): Promise<boolean> {
  const { db } = a.deps;
  const { integration, reading } = a;
  const key = [integration.org_id, integration.id, reading.object];
  for (let round = 0; round < ROUNDS; round++) {
    // catch_up_since as text: a JavaScript Date would lose its microseconds, and the comparison below.
    const [position] = await db.query<{ catch_up_since: string | null; modstamp: string | null; record_id: string | null }>(
      'SELECT catch_up_since::text AS catch_up_since, modstamp, record_id FROM incoming_cursors WHERE org_id = $1 AND integration_id = $2 AND object = $3',
      key,
    );
    if (position?.catch_up_since !== null && position?.catch_up_since !== undefined && position.modstamp !== null) {
      // A cursor an event moved (no Id) is looked back from; one a re-read page moved is gone on from.
      const from = position.record_id === '' || position.record_id === null
        ? { modstamp: modstampOf(Date.parse(position.modstamp.replace('+0000', 'Z')) - CATCH_UP_LOOKBACK_MS), recordId: '' }
        : { modstamp: position.modstamp, recordId: position.record_id };
      const done = await pollPages(a, from, CATCH_UP_PAGES);
      if (!done) return false;
      // Cleared only if nothing asked for another re-read meanwhile.
      await db.query('UPDATE incoming_cursors SET catch_up_since = NULL, catch_up_reason = NULL WHERE org_id = $1 AND integration_id = $2 AND object = $3 AND catch_up_since::text = $4', [...key, position.catch_up_since]);
    }
    const events = await db.query<StoredEvent>(
      'SELECT replay_id, header, payload FROM incoming_events WHERE org_id = $1 AND integration_id = $2 AND object = $3 ORDER BY replay_id LIMIT $4',
      [...key, EVENTS_PER_ROUND],
    );
    if (events.length === 0) return true;
    const batch = distinctRecords(events);
    const overflowed = await applyEvents(a, batch);
    // Records created from Salesforce carry Ferry's id there before anything upserts by it.
    await writePendingKeys(db, a.client, integration, reading.object);
    if (!overflowed && batch.length === events.length && events.length < EVENTS_PER_ROUND) return true;
  }
  return false;
}

/** Moves the object's position up to an applied event's commit time (never back); a later time drops the Id. */
async function movePast(tx: Queryable, key: string[], commitTimestamp: number): Promise<void> {
  await tx.query(
    'UPDATE incoming_cursors SET modstamp = GREATEST(modstamp, $4), record_id = CASE WHEN $4 > modstamp THEN \'\' ELSE record_id END, updated_at = now() WHERE org_id = $1 AND integration_id = $2 AND object = $3',
    [...key, modstampOf(commitTimestamp)],
  );
}

/**
 * Deals read by change events (Subscription integrations): an opportunity's event (its stage
 * changed, it was deleted or undeleted) has its line items read again, deleted ones included, and
 * applied as any line item is. Events that may have lost some (a gap, an overflow, a re-read the
 * stream asked for) have the opportunities changed since the position read again instead.
 */
export async function applyOpportunityEvents(a: Applying): Promise<void> {
  const { db } = a.deps;
  const { integration } = a;
  const key = [integration.org_id, integration.id, 'Opportunity'];
  for (let round = 0; round < ROUNDS; round++) {
    const [position] = await db.query<{ catch_up_since: string | null }>('SELECT catch_up_since::text AS catch_up_since FROM incoming_cursors WHERE org_id = $1 AND integration_id = $2 AND object = $3', key);
    const events = await db.query<StoredEvent>('SELECT replay_id, header, payload FROM incoming_events WHERE org_id = $1 AND integration_id = $2 AND object = $3 ORDER BY replay_id LIMIT $4', [...key, EVENTS_PER_ROUND]);
    const gap = events.some((e) => e.header.changeType.startsWith('GAP_'));
    if (position?.catch_up_since !== null && position?.catch_up_since !== undefined || gap) {
      await pollDeals(a, CATCH_UP_PAGES);
      await db.query('UPDATE incoming_cursors SET catch_up_since = NULL, catch_up_reason = NULL WHERE org_id = $1 AND integration_id = $2 AND object = $3', key);
    }
    if (events.length === 0) return;
    await applyLinesOf(a, [...new Set(events.filter((e) => !e.header.changeType.startsWith('GAP_')).flatMap((e) => e.header.recordIds))]);
    const last = events.at(-1)!;
    await db.transaction(async (tx) => {
      await movePast(tx, key, Math.max(...events.map((e) => e.header.commitTimestamp)));
      await tx.query('DELETE FROM incoming_events WHERE org_id = $1 AND integration_id = $2 AND object = $3 AND replay_id <= $4', [...key, last.replay_id]);
    });
    if (events.length < EVENTS_PER_ROUND) return;
  }
}

/**
 * The leading events that name each record once: a batch decides echoes and applies event values
 * against the links as they were when it began, so a record's next event waits for the next
 * batch, which sees what the previous one wrote.
 */
export function distinctRecords(events: StoredEvent[]): StoredEvent[] {
  const seen = new Set<string>();
  for (const [index, event] of events.entries()) {
    if (index > 0 && event.header.recordIds.some((id) => seen.has(id))) return events.slice(0, index);
    for (const id of event.header.recordIds) seen.add(id);
  }
  return events;
}

/** Applies events in order; stops after an overflow event (the object is re-read first). */
async function applyEvents(a: Applying, events: StoredEvent[]): Promise<boolean> {
  const { integration, reading } = a;
  const orgId = integration.org_id;
  const ids = [...new Set(events.flatMap((e) => e.header.recordIds))];
  const links = new Map(
    (await a.deps.db.query<{ salesforce_id: string; entity_id: string; base: Record<string, unknown> | null }>(
      'SELECT salesforce_id, entity_id, base FROM links WHERE org_id = $1 AND integration_id = $2 AND entity = $3 AND salesforce_id = ANY($4::text[])',
      [orgId, integration.id, reading.entity, ids],
    )).map((l) => [l.salesforce_id, l]),
  );
  const plans = await Promise.all(events.map(async (event) => ({ event, steps: await stepsOf(a, event, links) })));
  const rows = await readRows(a, [...new Set(plans.flatMap((p) => p.steps.filter((s) => s.action === 'read').map((s) => s.id)))]);
  const after = (event: StoredEvent, last: boolean) => async (tx: Queryable) => {
    await movePast(tx, [orgId, integration.id, reading.object], event.header.commitTimestamp);
    if (last) await tx.query('DELETE FROM incoming_events WHERE org_id = $1 AND integration_id = $2 AND object = $3 AND replay_id = $4', [orgId, integration.id, reading.object, event.replay_id]);
  };
  /** One record of an event, in the caller's transaction: its sync log entry. */
  const stepIn = async (tx: Queryable, event: StoredEvent, step: Step): Promise<SyncLogEntry> => {
    switch (step.action) {
      case 'read': {
        const row = rows.get(step.id);
        if (row === undefined) return logEntry(a, { Id: step.id }, 'ignored', links.get(step.id)?.entity_id ?? null, [], 'no longer in Salesforce (deleted and emptied from its recycle bin, or not visible to Ferry\'s user)');
        a.state.counts.sent++;
        const entry = await applyIn(tx, a, row);
        if (step.note !== undefined) entry.reason = entry.reason === null ? step.note : `${entry.reason} (${step.note})`;
        return entry;
      }
      case 'delete':
        a.state.counts.sent++;
        return applyIn(tx, a, { Id: step.id, SystemModstamp: modstampOf(event.header.commitTimestamp), IsDeleted: true });
      case 'event':
        a.state.counts.sent++;
        return applyIn(tx, a, step.row, true);
      case 'echo':
      case 'unchanged':
        a.state.skip(step.entityId ?? step.id, step.action === 'echo' ? 'Ferry\'s own write' : 'unchanged');
        return logEntry(a, { Id: step.id }, step.action, step.entityId, step.changed, step.reason);
    }
  };
  for (let start = 0; start < plans.length; start += EVENTS_PER_TRANSACTION) {
    const group = plans.slice(start, start + EVENTS_PER_TRANSACTION);
    const overflow = group.findIndex((p) => p.event.header.changeType === 'GAP_OVERFLOW');
    const ordinary = overflow === -1 ? group : group.slice(0, overflow);
    // The group's records in one transaction; one that meets a key another record holds rolls it
    // back, and the group is applied again one record per transaction, so that record alone is refused.
    const restore = a.state.checkpoint();
    try {
      await a.deps.db.transaction(async (tx) => {
        const entries: SyncLogEntry[] = [];
        for (const { event, steps } of ordinary) {
          for (const step of steps) entries.push(await stepIn(tx, event, step));
          await after(event, true)(tx);
        }
        await writeSyncLog(tx, orgId, entries);
      });
    } catch (error) {
      if (sqlStateOf(error) !== SqlState.uniqueViolation) throw error;
      restore();
      for (const { event, steps } of ordinary) {
        if (steps.length === 0) await a.deps.db.transaction(after(event, true));
        for (const [index, step] of steps.entries()) {
          const last = index === steps.length - 1;
          try {
            await a.deps.db.transaction(async (tx) => {
              await writeSyncLog(tx, orgId, [await stepIn(tx, event, step)]);
              await after(event, last)(tx);
            });
          } catch (clash) {
            if (sqlStateOf(clash) !== SqlState.uniqueViolation) throw clash;
            a.state.counts.failed++;
            await a.deps.db.transaction(async (tx) => {
              await writeSyncLog(tx, orgId, [refuse(a, { Id: step.id }, null, [], clashReason(a, clash))]);
              await after(event, last)(tx);
            });
          }
        }
      }
    }
    if (overflow !== -1) {
      const { event } = group[overflow]!;
      await a.deps.db.transaction(async (tx) => {
        await requestCatchUp(tx, orgId, integration.id, reading.object, reading.entity, `a GAP_OVERFLOW event (replay id ${event.replay_id}): one Salesforce transaction changed more ${reading.object} records than change events can describe`);
        await after(event, true)(tx);
      });
      return true;
    }
  }
  return false;
}

/** What to do for each record an event names. */
async function stepsOf(a: Applying, event: StoredEvent, links: Map<string, { entity_id: string; base: Record<string, unknown> | null }>): Promise<Step[]> {
  const { header, payload } = event;
  const type = header.changeType;
  if (type === 'GAP_OVERFLOW') return [];
  if (type.startsWith('GAP_')) return header.recordIds.map((id) => ({ id, action: 'read', note: `re-read after a ${type} event` }));
  if (type === 'DELETE') return header.recordIds.map((id) => ({ id, action: 'delete' }));
  if (type === 'UNDELETE') return header.recordIds.map((id) => ({ id, action: 'read', note: 'undeleted in Salesforce' }));
  const changed = changedFieldsOf(header, payload);
  const read = a.reading.fields;
  // A transform may read any field of the record: every change may matter to it.
  const watched = new Set([EXTERNAL_ID_FIELD, ...read.map((f) => f.salesforce), ...(a.sync.match === null ? [] : [a.sync.match.salesforce]), ...(a.selection === undefined ? [] : [a.selection])]);
  const anyTransform = read.some((f) => f.transform !== undefined);
  const relevant = anyTransform ? changed : changed.filter((f) => watched.has(f));
  const values = flatValues(payload);
  const nulled = new Set(changedFieldsOf({ ...header, changeType: 'UPDATE', changedFields: [] }, payload));
  // Ferry's user, and not marked as a person's change by an org automation.
  const ours = header.commitUser.slice(0, 15) === a.ferryUserId.slice(0, 15) && values[LAST_SYSTEM_FIELD] !== 'Salesforce';
  const steps: Step[] = [];
  for (const id of header.recordIds) {
    const link = links.get(id);
    if (type === 'UPDATE' && relevant.length === 0) {
      steps.push({ id, action: 'unchanged', entityId: link?.entity_id ?? null, changed: [], reason: 'no field the mapping reads changed' });
      continue;
    }
    // Ferry's own write: an echo when every field it changed holds what Ferry last wrote.
    if (ours && !anyTransform && link?.base !== null && link?.base !== undefined) {
      const base = link.base;
      const fields = read.filter((f) => relevant.includes(f.salesforce));
      const computed = await ferryValuesOf({ ...a.reading, fields }, values);
      const echo = fields.every((f) => f.path in base && isDeepStrictEqual(normalise(f.kind, base[f.path]), computed[f.path]));
      if (echo) {
        steps.push({ id, action: 'echo', entityId: link.entity_id, changed: [], reason: 'Ferry\'s own write' });
        continue;
      }
    }
    // Someone else's update of fields read plainly (no transform, no lookup, not the keys), on a
    // record whose base holds every field: the event's values are the change, no call needed.
    // Contact points are left to a re-read: which of them a field feeds depends on the contact's type.
    const plain = type === 'UPDATE' && !anyTransform && !read.some((f) => f.point !== undefined) && link?.base !== null && link?.base !== undefined
      && read.every((f) => f.path in link.base!)
      && relevant.every((f) => f !== EXTERNAL_ID_FIELD && f !== a.sync.match?.salesforce && read.some((r) => r.salesforce === f && r.lookup === undefined))
      && relevant.every((f) => nulled.has(f) || values[f] !== undefined);
    if (plain) {
      const row: SalesforceRow = {
        Id: id, SystemModstamp: modstampOf(header.commitTimestamp), LastModifiedById: header.commitUser, IsDeleted: false,
        LastModifiedDate: typeof values['LastModifiedDate'] === 'string' ? values['LastModifiedDate'] : modstampOf(header.commitTimestamp),
        [LAST_SYSTEM_FIELD]: values[LAST_SYSTEM_FIELD] ?? null,
      };
      for (const f of relevant) row[f] = nulled.has(f) ? null : values[f];
      steps.push({ id, action: 'event', row });
      continue;
    }
    steps.push({ id, action: 'read' });
  }
  return steps;
}

/** The records' current state, deleted ones included (queryAll), by Id. */
async function readRows(a: Applying, ids: string[]): Promise<Map<string, SalesforceRow>> {
  const rows = await readByIds(a, ids);
  await markSelected(a, rows);
  return new Map(rows.map((row) => [row.Id, row]));
}

/** Asks the next round (or run) to re-read the object from its cursor, and logs why. */
export async function requestCatchUp(tx: Queryable, orgId: string, integrationId: string, object: string, entity: string, reason: string): Promise<void> {
  await tx.query(
    'UPDATE incoming_cursors SET catch_up_since = COALESCE(catch_up_since, now()), catch_up_reason = $4, updated_at = now() WHERE org_id = $1 AND integration_id = $2 AND object = $3',
    [orgId, integrationId, object, reason],
  );
  await writeSyncLog(tx, orgId, [{
    integrationId, direction: 'incoming', object, salesforceId: null, entity, entityId: null, changedFields: [],
    outcome: 'reread', reason: `Ferry re-reads ${object} from its cursor: ${reason}`,
  }]);
}
