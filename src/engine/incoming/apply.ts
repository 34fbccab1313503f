// Applying Salesforce records to Ferry: each record's values pass through the mapping's reading
// rules, are merged field by field against the link's base, and are written through the store
// with the link, the sync log and any conflict, in the caller's transaction. Records are applied
// as a batch: a few statements for the whole batch (the links, the Ferry records, the matches,
// the lookups, one store write, one link write, one sync log insert), not several per record, so
// an initial load of 100,000 records costs hundreds of statements a page, not hundreds of thousands.
// The rare cases (deletes, undeletes, held conflicts) go record by record within the same batch.
import { v7 as uuidv7 } from 'uuid';
import { errorText, type RecordStore, type StoreError, type StoredRecord } from '../../platform/index.ts';
import type { SalesforceClient } from '../../salesforce/index.ts';
import { SqlState, sqlStateOf, type Database, type Queryable } from '../../storage/index.ts';
import type { RunState } from '../delivery/context.ts';
import type { IntegrationRow } from '../integrations/integrations.ts';
import type { IntegrationSync } from '../integrations/schemas.ts';
import { EXTERNAL_ID_FIELD, LAST_SYSTEM_FIELD } from '../mapping/definition.ts';
import { isContactData } from '../mapping/stored.ts';
import { metrics } from '../metrics.ts';
import { usersFor, type Person } from '../people/users.ts';
import { merge, type FieldConflict, type MergeOutcome } from './merge.ts';
import { currentValuesOf, ferryValuesOf, fieldsFor, normalise, patchOf, type ReadingMapping } from './reading.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type SyncOutcome = 'applied' | 'echo' | 'unchanged' | 'conflict' | 'ignored' | 'refused' | 'failed' | 'reread';

export interface SalesforceRow extends Record<string, unknown> {
  Id: string;
  SystemModstamp: string;
  LastModifiedDate?: string;
  LastModifiedById?: string;
  IsDeleted?: boolean;
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
  /** When the record changed in Salesforce (its SystemModstamp), for the latency metric; not stored. */
  changedAt?: string | undefined;
}

export async function writeSyncLog(db: Queryable, orgId: string, entries: SyncLogEntry[]): Promise<void> {
  if (entries.length === 0) return;
  const now = Date.now();
  for (const e of entries) {
    if (e.direction !== 'incoming') continue;
    metrics.received.inc({ entity: e.entity, outcome: e.outcome });
    const changed = e.changedAt === undefined ? Number.NaN : Date.parse(e.changedAt.replace(/\+0000$/, 'Z'));
    if (e.outcome === 'applied' && Number.isFinite(changed)) metrics.toFerryLatency.observe({ entity: e.entity }, Math.max(0, (now - changed) / 1000));
  }
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
  /**
   * Asks for another integration to read these Salesforce records again (in a run of its own,
   * trigger `follow`): records that follow a parent that has just come in.
   */
  requestRead?: ((orgId: string, integrationId: string, salesforceIds: string[]) => Promise<void>) | undefined;
  /** Asks another integration to read everything of its object (its followers of too many parents to name). */
  requestFullRead?: ((orgId: string, integrationId: string) => Promise<void>) | undefined;
}

/** Parents a run names to their followers' readers; past this, those readers read everything instead. */
export const MAX_BROUGHT_IN = 10_000;

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
  /** The checkbox an unlinked Salesforce record must have checked to come in (sync.accountSelection). */
  selection?: string | undefined;
  /** Or the account filter (a SOQL condition) it must meet, asked of Salesforce (see markSelected). */
  selectionWhere?: string | undefined;
  /** Salesforce records this run brought in (created or matched in Ferry): their followers come next. */
  broughtIn?: Set<string> | undefined;
  /** More than MAX_BROUGHT_IN came in (a first load): the followers' readers read everything instead. */
  broughtInOverflow?: boolean | undefined;
  /**
   * Deal line items (Subscription integrations): one counts while its opportunity is Closed Won
   * (`Opportunity.IsWon`), and its subscription goes when it stops counting or is deleted.
   */
  deal?: boolean | undefined;
}

/**
 * A related record's fields come back nested (`{"Opportunity": {"CloseDate": ...}}`); the reading
 * rules name them by path (`Opportunity.CloseDate`), as Bulk API results already do.
 */
function flattenRelationships(row: SalesforceRow, fields: string[]): void {
  for (const field of fields) {
    if (!field.includes('.') || field in row) continue;
    let node: unknown = row;
    for (const step of field.split('.')) node = typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[step] : undefined;
    row[field] = node ?? null;
  }
}

const isTrue = (value: unknown) => value === true || value === 'true';
/** What decides whether a deal's line item counts (read with every line item). */
export const DEAL_WON_FIELD = 'Opportunity.IsWon';

export function logEntry(a: Applying, row: Pick<SalesforceRow, 'Id'> & { SystemModstamp?: unknown }, outcome: SyncOutcome, entityId: string | null, changedFields: string[], reason: string | null): SyncLogEntry {
  const changedAt = typeof row.SystemModstamp === 'string' ? row.SystemModstamp : undefined;
  return { integrationId: a.integration.id, direction: 'incoming', object: a.reading.object, salesforceId: row.Id, entity: a.reading.entity, entityId, changedFields, outcome, reason, changedAt };
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

/** Why a record was refused when its key clashed with one a concurrent write had just taken. */
export function clashReason(a: Applying, error: unknown): string {
  return `another Ferry ${a.reading.entity} record already holds this key (${error instanceof Error ? error.message : String(error)})`;
}

/**
 * One Salesforce record, applied in one transaction with its log row and `after` (which moves the
 * position past it). `note` is added to the log row's reason (why the record was read).
 */
export async function applyOne(a: Applying, row: SalesforceRow, after: (tx: Queryable) => Promise<void>, note?: string, partial = false): Promise<void> {
  const { db } = a.deps;
  await markSelected(a, [row]);
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
    // A value another Ferry record already holds as its key (an account code), committed by a
    // write that raced this one: the change is refused like any invalid one, and reading goes on
    // past it. Other errors end the run, and the next one reads this record again.
    if (sqlStateOf(error) !== SqlState.uniqueViolation) throw error;
    a.state.counts.failed++;
    await db.transaction(async (tx) => {
      await writeSyncLog(tx, orgId, [refuse(a, row, null, [], clashReason(a, error))]);
      await after(tx);
    });
  }
}

/**
 * Records applied in one transaction with their log rows and `after(tx, last row)`. A batch that
 * meets a key a concurrent write has just taken rolls back whole: its counts are undone and its
 * records applied again one per transaction (`after` for each), so that record alone is refused.
 */
export async function applyBatch(a: Applying, rows: SalesforceRow[], after: (tx: Queryable, row: SalesforceRow) => Promise<void> = () => Promise.resolve()): Promise<void> {
  if (rows.length === 0) return;
  await markSelected(a, rows);
  const restore = a.state.checkpoint();
  try {
    await a.deps.db.transaction(async (tx) => {
      a.state.counts.sent += rows.length;
      await writeSyncLog(tx, a.integration.org_id, await applyRowsIn(tx, a, rows));
      await after(tx, rows.at(-1)!);
    });
  } catch (error) {
    if (sqlStateOf(error) !== SqlState.uniqueViolation) throw error;
    restore();
    for (const row of rows) await applyOne(a, row, (tx) => after(tx, row));
  }
}

/** Where markSelected notes that a record meets the account filter. */
const SELECTED = '$selected';

/**
 * The account filter (sync.accountSelection where): Salesforce says which of the rows meet it,
 * one query per 200, before their transaction; rows carrying Ferry's id (linked) are not asked.
 */
export async function markSelected(a: Applying, rows: SalesforceRow[]): Promise<void> {
  if (a.selectionWhere === undefined) return;
  const asked = rows.filter((r) => r.IsDeleted !== true && !(SELECTED in r) && (typeof r[EXTERNAL_ID_FIELD] !== 'string' || r[EXTERNAL_ID_FIELD] === ''));
  for (let i = 0; i < asked.length; i += 200) {
    const chunk = asked.slice(i, i + 200);
    const met = new Set((await a.client.queryAll<{ Id: string }>(`SELECT Id FROM ${a.reading.object} WHERE Id IN ('${chunk.map((r) => r.Id).join("', '")}') AND (${a.selectionWhere})`, a.reading.object)).map((r) => r.Id));
    for (const row of chunk) row[SELECTED] = met.has(row.Id);
  }
}

/** Decides and writes what one Salesforce record changes in Ferry; answers its sync log entry. */
export async function applyIn(tx: Queryable, a: Applying, row: SalesforceRow, partial = false): Promise<SyncLogEntry> {
  return (await applyRowsIn(tx, a, [row], partial))[0]!;
}

interface Target {
  entityId: string;
  base: Record<string, unknown> | null;
  linked: boolean;
  /** The Salesforce record lacks Ferry's id (matched by rule): it is written there after commit. */
  keyPending: boolean;
}

/** A record on its way to one store write: what it writes, and what follows once written. */
interface Planned {
  index: number;
  row: SalesforceRow;
  item: { kind: 'create'; input: Record<string, unknown> } | { kind: 'patch'; id: string; input: Record<string, unknown> } | undefined;
  /** Settles the record once its write (if any) succeeded: its link base, conflicts, counts, log entry. */
  done: (entityId: string) => Promise<SyncLogEntry>;
  /** Its write failed: the log entry. */
  failed: (reason: string) => SyncLogEntry;
  /** The write again without these Ferry paths (values Ferry refused); undefined: nothing left to write. */
  without: (paths: string[]) => Planned['item'];
  /** Why values were left out of the write, for its sync log entry. */
  leftOut?: string[];
  /** The store's first refusal, said if the write without those values is refused too. */
  refused?: StoreError;
}

/**
 * The reading paths whose values made the store refuse a write, or undefined when a refusal is
 * not only about such values (a required field missing, a key taken): a phone by its type, a
 * street line by the street point, a nested field by the path that reads it.
 */
function refusedPaths(reading: ReadingMapping, input: Record<string, unknown>, issues: { path: (string | number)[]; message: string }[]): Map<string, string[]> | undefined {
  const paths = reading.fields.map((f) => f.path);
  const found = new Map<string, string[]>();
  for (const issue of issues) {
    const [top, second] = issue.path;
    let path: string | undefined;
    if (top === 'phones' && typeof second === 'number') {
      const type = (input.phones as { type?: string }[] | undefined)?.[second]?.type;
      path = paths.find((p) => p === `phone.${type}`) ?? (paths.includes('phones') ? 'phones' : undefined);
    } else if (top === 'address' && typeof second === 'string' && second.startsWith('line') && paths.includes('address.street')) {
      path = 'address.street';
    } else {
      const joined = issue.path.join('.');
      path = paths.filter((p) => joined === p || joined.startsWith(`${p}.`)).sort((x, y) => y.length - x.length)[0];
    }
    if (path === undefined) return undefined;
    found.set(path, [...new Set([...(found.get(path) ?? []), issue.message])]);
  }
  return found.size === 0 ? undefined : found;
}

/**
 * Decides and writes what each Salesforce record changes in Ferry, in the caller's transaction;
 * answers their sync log entries, in order. The rows must name distinct Salesforce records. Two
 * rows that come to the same Ferry record (or would create one key twice) are applied one after
 * the other: the second in a second pass that sees what the first wrote.
 */
export async function applyRowsIn(tx: Queryable, a: Applying, rows: SalesforceRow[], partial = false): Promise<SyncLogEntry[]> {
  const { integration, reading, state } = a;
  const orgId = integration.org_id;
  const entries: SyncLogEntry[] = new Array<SyncLogEntry>(rows.length);
  const later: number[] = [];
  for (const row of rows) flattenRelationships(row, a.fields);
  const linkedTargets = await targetsOf(tx, a, rows);
  const pending: number[] = [];
  for (const [index, row] of rows.entries()) {
    const linked = linkedTargets[index];
    if (partial) {
      // A change event's values: the fields it did not change are as the base (read in this
      // transaction) holds them. Without a link and a full base it cannot be applied alone.
      const base = linked?.linked === true ? linked.base : null;
      if (base === null || reading.fields.some((f) => f.lookup === undefined && !(f.path in base))) {
        state.skip(row.Id, 'the link went away before this change event was applied');
        entries[index] = logEntry(a, row, 'ignored', linked?.entityId ?? null, [], 'the record\'s link went away before this change event was applied (deleted meanwhile)');
        continue;
      }
      for (const f of reading.fields) if (f.lookup === undefined && !(f.salesforce in row)) row[f.salesforce] = base[f.path];
    }
    pending.push(index);
  }
  const matches = await matchesOf(tx, a, pending.filter((i) => linkedTargets[i] === undefined && rows[i]!.IsDeleted !== true).map((i) => rows[i]!));

  // Each Ferry record once per pass.
  const targets = new Map<number, Target>();
  const claimed = new Set<string>();
  const live: number[] = [];
  for (const index of pending) {
    const row = rows[index]!;
    const target = linkedTargets[index] ?? (row.IsDeleted === true ? undefined : matches.get(row.Id));
    // A deal's line item counts only while its opportunity is Closed Won.
    if (a.deal === true && row.IsDeleted !== true && !isTrue(row[DEAL_WON_FIELD])) {
      if (target === undefined || 'ambiguous' in target || !target.linked) {
        state.skip(row.Id, 'its opportunity is not Closed Won');
        entries[index] = logEntry(a, row, 'ignored', null, [], 'its opportunity is not Closed Won: only the line items of won deals become subscriptions');
      } else entries[index] = await deletedIn(tx, a, row, target, 'its opportunity is no longer Closed Won');
      continue;
    }
    // Ferry takes only the selected accounts it has no link for (sync.accountSelection).
    if (linkedTargets[index] === undefined && row.IsDeleted !== true && a.selection !== undefined && !isTrue(row[a.selection])) {
      state.skip(row.Id, 'not selected');
      entries[index] = logEntry(a, row, 'ignored', null, [], `not selected: its ${a.selection} is not checked (sync.accountSelection); check it to bring the account in`);
      continue;
    }
    if (linkedTargets[index] === undefined && row.IsDeleted !== true && a.selectionWhere !== undefined && row[SELECTED] !== true) {
      state.skip(row.Id, 'not selected');
      entries[index] = logEntry(a, row, 'ignored', null, [], `not selected: it does not meet the account filter (sync.accountSelection where ${a.selectionWhere}); it comes in when it next changes and meets it`);
      continue;
    }
    if (target !== undefined && 'ambiguous' in target) {
      state.counts.failed++;
      entries[index] = refuse(a, row, null, [], `the match rule is ambiguous: ${target.ambiguous}; make the values unique, or set Ferry_Id__c on the Salesforce record to the Ferry id it belongs to`);
      continue;
    }
    if (target !== undefined) {
      if (claimed.has(target.entityId)) {
        later.push(index);
        continue;
      }
      claimed.add(target.entityId);
      targets.set(index, target);
    }
    if (row.IsDeleted === true) entries[index] = await deletedIn(tx, a, row, target);
    else live.push(index);
  }

  const records = await a.deps.store.getManyIn(tx, orgId, reading.entity, live.flatMap((i) => (targets.has(i) ? [targets.get(i)!.entityId] : [])), true);
  const lookups = await lookupsOf(tx, a, live.map((i) => rows[i]!));
  const planned: Planned[] = [];
  const links: LinkWrite[] = [];
  const claimedKeys = new Set<string>();
  for (const index of live) {
    const row = rows[index]!;
    const target = targets.get(index);
    const found = lookups.get(row.Id) ?? { resolved: new Map<string, string>(), unresolved: [], parents: [] };
    if (target === undefined) {
      const create = await creating(a, row, index, found, links);
      if ('entry' in create) {
        entries[index] = create.entry;
        continue;
      }
      const key = a.deps.store.keyOf(reading.entity, create.item!.input);
      if (key !== null && claimedKeys.has(key)) {
        later.push(index);
        continue;
      }
      if (key !== null) claimedKeys.add(key);
      planned.push(create);
      continue;
    }
    let record = records.get(target.entityId);
    let restored = false;
    if (record === undefined || record.deletedAt !== undefined) {
      // Deleted in Ferry because it was deleted in Salesforce (propagate), and now back there: the
      // undelete is propagated too. A record Ferry's side deleted stays deleted.
      const back = await undeletedIn(tx, a, record);
      if (back === undefined) {
        state.skip(target.entityId, 'the Ferry record is gone');
        const gone = record === undefined ? `No Ferry ${reading.entity} record has id ${target.entityId}.` : `The Ferry ${reading.entity} record ${target.entityId} was deleted at ${record.deletedAt}.`;
        entries[index] = logEntry(a, row, 'ignored', target.entityId, [], `${gone} It was deleted on Ferry's side, so a change in Salesforce does not bring it back.`);
        continue;
      }
      if ('error' in back) {
        state.counts.failed++;
        entries[index] = refuse(a, row, target.entityId, [], `undeleted in Salesforce, but Ferry cannot restore its record: ${back.error}`);
        continue;
      }
      restored = true;
      record = back.record;
    }
    planned.push(await updating(tx, a, row, index, target, record, restored, found, links));
  }

  const write = async (some: Planned[]) => {
    const written = await a.deps.store.writeManyIn(tx, orgId, reading.entity, some.flatMap((p) => (p.item === undefined ? [] : [p.item])), `integration:${integration.id}`);
    let next = 0;
    for (const p of some) results.set(p, p.item === undefined ? undefined : written[next++]!);
  };
  const results = new Map<Planned, Awaited<ReturnType<RecordStore['writeManyIn']>>[number] | undefined>();
  await write(planned);
  // A value Ferry refuses (a malformed e-mail address, a country it cannot name) is left out and
  // the rest of the record written, once; the sync log entry says what was left out and why.
  const again: Planned[] = [];
  for (const p of planned) {
    const result = results.get(p);
    if (result === undefined || result.ok || result.error.code !== 'validation_failed' || p.item === undefined) continue;
    const paths = refusedPaths(reading, p.item.input, result.error.details);
    if (paths === undefined) continue;
    p.leftOut = [...paths].map(([path, messages]) => {
      const field = reading.fields.find((f) => f.path === path)!.salesforce;
      return `left out ${path} (Salesforce ${field} ${JSON.stringify(p.row[field] ?? null)}): ${messages.join('; ')}`;
    });
    p.refused = result.error;
    p.item = p.without([...paths.keys()]);
    again.push(p);
  }
  if (again.length > 0) await write(again);
  for (const p of planned) {
    const result = results.get(p);
    if (result !== undefined && !result.ok) {
      state.counts.failed++;
      entries[p.index] = p.failed(errorText(p.refused ?? result.error));
      continue;
    }
    const entry = await p.done(result?.value.record.id ?? (p.item?.kind === 'patch' ? p.item.id : ''));
    if (p.leftOut !== undefined) {
      entry.reason = [...p.leftOut, ...(entry.reason === null ? [] : [entry.reason])].join('; ');
      state.events.push({
        integrationId: integration.id, runId: a.runId, name: 'integration.incoming_value_left_out.warning', entity: reading.entity, entityId: entry.entityId ?? undefined, salesforceId: p.row.Id,
        message: `Ferry took Salesforce ${reading.object} ${p.row.Id} without values it does not accept: ${p.leftOut.join('; ')}`,
        hint: 'Correct the value in Salesforce (or the mapping\'s rule for it), then retry this event: Ferry reads the record again.',
      });
    }
    entries[p.index] = entry;
  }
  await writeLinks(tx, a, links);

  if (later.length > 0) {
    const again = await applyRowsIn(tx, a, later.map((i) => rows[i]!), false);
    later.forEach((index, i) => { entries[index] = again[i]!; });
  }
  return entries;
}

/** Links (by Salesforce id) or Ferry ids (Ferry_Id__c, delivered by another integration) of the rows. */
async function targetsOf(tx: Queryable, a: Applying, rows: SalesforceRow[]): Promise<(Target | undefined)[]> {
  const { integration, reading } = a;
  const links = new Map(
    (await tx.query<{ salesforce_id: string; entity_id: string; base: Record<string, unknown> | null }>(
      'SELECT salesforce_id, entity_id, base FROM links WHERE org_id = $1 AND integration_id = $2 AND entity = $3 AND salesforce_id = ANY($4::text[])',
      [integration.org_id, integration.id, reading.entity, rows.map((r) => r.Id)],
    )).map((l) => [l.salesforce_id, l]),
  );
  // A record another integration of the organization reads from (or delivered to) this org is
  // the same Ferry record: linked to it, not created twice.
  const elsewhere = new Map<string, string>();
  const unlinked = rows.filter((r) => !links.has(r.Id)).map((r) => r.Id);
  if (unlinked.length > 0 && integration.salesforce_org_id !== null) {
    for (const l of await tx.query<{ salesforce_id: string; entity_id: string }>(
      'SELECT salesforce_id, entity_id FROM links WHERE org_id = $1 AND entity = $2 AND salesforce_id = ANY($3::text[]) AND salesforce_org_id = $4 AND integration_id <> $5',
      [integration.org_id, reading.entity, unlinked, integration.salesforce_org_id, integration.id],
    )) elsewhere.set(l.salesforce_id, l.entity_id);
  }
  return rows.map((row) => {
    const link = links.get(row.Id);
    if (link !== undefined) return { entityId: link.entity_id, base: link.base, linked: true, keyPending: false };
    const ferryId = row[EXTERNAL_ID_FIELD];
    if (typeof ferryId === 'string' && UUID.test(ferryId)) return { entityId: ferryId.toLowerCase(), base: null, linked: false, keyPending: false };
    const known = elsewhere.get(row.Id);
    if (known !== undefined) return { entityId: known, base: null, linked: false, keyPending: false };
    return undefined;
  });
}

/** The Ferry record the integration's match rule names for each row, if exactly one; ambiguous: a reason. */
async function matchesOf(tx: Queryable, a: Applying, rows: SalesforceRow[]): Promise<Map<string, Target | { ambiguous: string }>> {
  const out = new Map<string, Target | { ambiguous: string }>();
  const match = a.sync.match;
  if (match === null) return out;
  const valueOf = (row: SalesforceRow) => {
    const value = row[match.salesforce];
    return typeof value === 'string' && value !== '' ? value : undefined;
  };
  const values = [...new Set(rows.flatMap((r) => valueOf(r) ?? []))];
  if (values.length === 0) return out;
  const byValue = new Map<string, string[]>();
  // A Ferry record the integration has linked to another Salesforce record is not matched again:
  // a second Salesforce record with its value is a duplicate there, not a new owner of the link.
  for (const f of await tx.query<{ id: string; value: string }>(
    `SELECT id, data->>$3 AS value FROM records r WHERE org_id = $1 AND entity = $2 AND deleted_at IS NULL AND data->>$3 = ANY($4::text[])
       AND NOT EXISTS (SELECT 1 FROM links l WHERE l.org_id = r.org_id AND l.integration_id = $5 AND l.entity = r.entity AND l.entity_id = r.id)`,
    [a.integration.org_id, a.reading.entity, match.ferry, values, a.integration.id],
  )) byValue.set(f.value, [...(byValue.get(f.value) ?? []), f.id]);
  for (const row of rows) {
    const value = valueOf(row);
    const ids = value === undefined ? undefined : byValue.get(value);
    if (ids === undefined) continue;
    out.set(row.Id, ids.length > 1
      ? { ambiguous: `${ids.length} Ferry records have ${match.ferry} "${value}"` }
      : { entityId: ids[0]!, base: null, linked: false, keyPending: true });
  }
  return out;
}

/**
 * The Ferry records each row's lookups name (a Contact's AccountId: the Ferry account linked to
 * that Salesforce Account, by any integration of the organization delivering to this org), and
 * why any cannot be found. One query per lookup field.
 */
async function lookupsOf(tx: Queryable, a: Applying, rows: SalesforceRow[]): Promise<Map<string, Lookups>> {
  const out = new Map<string, Lookups>();
  for (const field of a.reading.fields) {
    if (field.lookup === undefined) continue;
    const wanted = [...new Set(rows.flatMap((r) => (typeof r[field.salesforce] === 'string' && r[field.salesforce] !== '' ? [r[field.salesforce] as string] : [])))];
    if (wanted.length === 0) continue;
    if (field.lookup.byEmail !== undefined) {
      const users = await usersByEmail(tx, a, rows, field.salesforce, field.lookup.byEmail.name);
      for (const row of rows) {
        const userId = typeof row[field.salesforce] === 'string' ? users.get((row[field.salesforce] as string).toLowerCase()) : undefined;
        if (userId === undefined) continue;
        let entry = out.get(row.Id);
        if (entry === undefined) out.set(row.Id, (entry = { resolved: new Map(), unresolved: [], parents: [] }));
        entry.resolved.set(row[field.salesforce] as string, userId);
      }
      continue;
    }
    const found = new Map<string, string>();
    for (const link of await tx.query<{ salesforce_id: string; entity_id: string }>(
      'SELECT salesforce_id, entity_id FROM links WHERE org_id = $1 AND entity = $2 AND salesforce_id = ANY($3::text[]) AND ($4::text IS NULL OR salesforce_org_id = $4)',
      [a.integration.org_id, field.lookup.target, wanted, a.integration.salesforce_org_id],
    )) if (!found.has(link.salesforce_id)) found.set(link.salesforce_id, link.entity_id);
    for (const row of rows) {
      const raw = row[field.salesforce];
      if (typeof raw !== 'string' || raw === '') continue;
      let entry = out.get(row.Id);
      if (entry === undefined) out.set(row.Id, (entry = { resolved: new Map(), unresolved: [], parents: [] }));
      const entityId = found.get(raw);
      if (entityId !== undefined) entry.resolved.set(raw, entityId);
      else {
        const why = `${field.path}: ${field.salesforce} ${raw} is not linked to a Ferry ${field.lookup.target} record (deliver it, or read it from Salesforce, first)`;
        entry.unresolved.push(why);
        if (field.lookup.required) entry.parents.push(why);
      }
    }
  }
  return out;
}

/**
 * Ferry users by lower-case e-mail for the rows' owners (sync.importOwners): matched by e-mail
 * whatever its case, and those Ferry lacks created with the owner's name. A user Ferry cannot
 * create (an address it refuses) is left out: the account keeps the owner it has.
 */
async function usersByEmail(tx: Queryable, a: Applying, rows: SalesforceRow[], emailField: string, nameField: string): Promise<Map<string, string>> {
  const people: Person[] = [];
  for (const row of rows) {
    const email = row[emailField];
    if (typeof email !== 'string' || email === '') continue;
    people.push({ email, name: typeof row[nameField] === 'string' ? row[nameField] : '' });
  }
  return usersFor(tx, a.deps.store, a.integration.org_id, people, `integration:${a.integration.id}`);
}

/** The paths of the contact points the mapping reads. */
function pointsOf(reading: ReadingMapping): Set<string> {
  return new Set(reading.fields.flatMap((f) => (f.point === undefined ? [] : [f.path])));
}

/** A link to write once the batch's records are: its base, and whether it is new. */
interface LinkWrite {
  salesforceId: string;
  target: Target;
  base: Record<string, unknown>;
}

type Lookups = { resolved: Map<string, string>; unresolved: string[]; parents: string[] };

/** A Salesforce record Ferry has no record for: to be created in Ferry and linked, or left alone. */
async function creating(a: Applying, row: SalesforceRow, index: number, lookups: Lookups, links: LinkWrite[]): Promise<Planned | { entry: SyncLogEntry }> {
  const { reading, state } = a;
  if (a.sync.salesforceCreates === 'ignore') {
    state.skip(row.Id, 'created in Salesforce: not linked to a Ferry record');
    return { entry: logEntry(a, row, 'ignored', null, [], 'created in Salesforce and not linked to a Ferry record (no Ferry_Id__c, no match); salesforceCreates is ignore') };
  }
  // A follower without its parent (a case with no contact) is not taken: there is nothing it follows.
  const orphaned = reading.fields.filter((f) => f.lookup?.required === true && (row[f.salesforce] === null || row[f.salesforce] === undefined || row[f.salesforce] === ''));
  if (orphaned.length > 0) {
    state.skip(row.Id, 'it has no parent');
    return { entry: logEntry(a, row, 'ignored', null, [], `follows its parent, and has none: ${orphaned.map((f) => `${f.salesforce} is empty`).join('; ')}; it comes in once it has one that is in Ferry`) };
  }
  if (lookups.parents.length > 0) {
    // It follows its parent (a contact its account): not taken until the parent is in Ferry.
    state.skip(row.Id, 'its parent is not in Ferry');
    return { entry: logEntry(a, row, 'ignored', null, [], `follows its parent, which is not in Ferry: ${lookups.parents.join('; ')}; it comes in when read again once the parent is`) };
  }
  if (lookups.unresolved.length > 0) {
    state.counts.failed++;
    return { entry: refuse(a, row, null, [], `created in Salesforce, but Ferry cannot create its record: ${lookups.unresolved.join('; ')}`) };
  }
  // A new contact's type (when a rule reads it) decides which contact point rules apply.
  const typeField = reading.fields.find((f) => f.path === 'type' && f.point === undefined);
  const values = await ferryValuesOf(fieldsFor(reading, typeField === undefined ? undefined : normalise('string', row[typeField.salesforce])), row, lookups.resolved);
  const inputOf = () => patchOf({}, Object.fromEntries(Object.entries(values).filter(([, v]) => v !== null)), pointsOf(reading));
  return {
    index, row, item: { kind: 'create', input: inputOf() },
    without: (paths) => {
      // Left out of the link's base too: read again, the value is tried again.
      for (const path of paths) delete values[path];
      return { kind: 'create', input: inputOf() };
    },
    failed: (reason) => refuse(a, row, null, Object.keys(values), `created in Salesforce, but Ferry cannot create its record: ${reason}; correct the record in Salesforce, or the mapping's rules that read it (direction to_ferry or both)`),
    done: (entityId) => {
      // Ferry's id goes to the Salesforce record, except to a deal's line item (Ferry only reads those).
      links.push({ salesforceId: row.Id, target: { entityId, base: null, linked: false, keyPending: a.deal !== true }, base: values });
      state.counts.created++;
      state.successes++;
      state.consider(entityId);
      return Promise.resolve(logEntry(a, row, 'applied', entityId, Object.keys(values).filter((k) => values[k] !== null), 'created in Salesforce: created in Ferry and linked'));
    },
  };
}

/** A Salesforce record linked (or matched) to a live Ferry record: merged against the base. */
async function updating(tx: Queryable, a: Applying, row: SalesforceRow, index: number, target: Target, record: StoredRecord, restored: boolean, lookups: Lookups, links: LinkWrite[]): Promise<Planned> {
  const { reading, state } = a;
  const applicable = fieldsFor(reading, record.type);
  const outcome: MergeOutcome = merge({
    base: target.base,
    ferry: currentValuesOf(applicable, record),
    salesforce: await ferryValuesOf(applicable, row, lookups.resolved),
    policy: a.sync.conflictPolicy,
    ferryChangedAt: new Date(record.updatedAt),
    salesforceChangedAt: new Date(row.LastModifiedDate ?? row.SystemModstamp),
    salesforceOwns: a.sync.contactData === 'salesforce' ? (path) => isContactData(a.integration.entity_type, path) : undefined,
  });
  let writes = Object.keys(outcome.toFerry).length > 0;
  return {
    index, row,
    item: writes ? { kind: 'patch', id: target.entityId, input: patchOf(record, outcome.toFerry, pointsOf(reading)) } : undefined,
    without: (paths) => {
      // Ferry keeps its value, and the base says so: read again, the value is tried again.
      const current = currentValuesOf(applicable, record);
      for (const path of paths) {
        delete outcome.toFerry[path];
        outcome.base[path] = current[path] ?? null;
      }
      outcome.salesforceChanged = outcome.salesforceChanged.filter((path) => !paths.includes(path));
      writes = Object.keys(outcome.toFerry).length > 0;
      return writes ? { kind: 'patch', id: target.entityId, input: patchOf(record, outcome.toFerry, pointsOf(reading)) } : undefined;
    },
    failed: (reason) => refuse(a, row, target.entityId, outcome.salesforceChanged, reason),
    done: async () => {
      if (writes) state.counts.updated++;
      links.push({ salesforceId: row.Id, target, base: outcome.base });
      await saveConflicts(tx, a, target.entityId, row.Id, outcome.conflicts);
      state.consider(target.entityId);
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
        // Told apart by values, not by timing: Salesforce holds what both sides last agreed on. A
        // record an org automation marked as a person's change is not Ferry's, whoever's session made it.
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
    },
  };
}

/**
 * Restores a Ferry record that incoming sync deleted (salesforceDeletes propagate, the last
 * change Salesforce's) when its Salesforce record is back; undefined when that does not apply.
 */
async function undeletedIn(tx: Queryable, a: Applying, record: StoredRecord | undefined): Promise<{ record: StoredRecord } | { error: string } | undefined> {
  if (a.sync.salesforceDeletes !== 'propagate' || record?.deletedAt === undefined || record.lastSystemToUpdate !== 'Salesforce') return undefined;
  const restored = await a.deps.store.restoreIn(tx, a.integration.org_id, a.reading.entity, record.id, `integration:${a.integration.id}`);
  if (!restored.ok) return { error: errorText(restored.error) };
  a.state.counts.created++;
  return { record: restored.value.record };
}

/** A record deleted in Salesforce, as the integration's salesforceDeletes setting says. */
async function deletedIn(tx: Queryable, a: Applying, row: SalesforceRow, target: Target | undefined, why = 'deleted in Salesforce'): Promise<SyncLogEntry> {
  const { integration, reading, state } = a;
  // A subscription follows its deal whatever salesforceDeletes says.
  const setting = a.deal === true ? 'propagate' : a.sync.salesforceDeletes;
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
  state.consider(target.entityId);
  // The link goes with the record; the deletion reaches the organization's other integrations.
  await tx.query('DELETE FROM links WHERE org_id = $1 AND integration_id = $2 AND entity = $3 AND entity_id = $4', [integration.org_id, integration.id, reading.entity, target.entityId]);
  return logEntry(a, row, 'applied', target.entityId, [], a.deal === true ? `${why}: its subscription is deleted in Ferry` : `${why}: deleted in Ferry (salesforceDeletes is propagate)`);
}

/**
 * Writes the batch's links: the base of those that exist; new ones for records first met through
 * their Ferry id, the match rule or a create (an empty hash makes the next delivery send them).
 */
async function writeLinks(tx: Queryable, a: Applying, writes: LinkWrite[]): Promise<void> {
  const { integration, reading } = a;
  const existing = writes.filter((w) => w.target.linked);
  if (existing.length > 0) {
    await tx.query(
      `UPDATE links SET base = x.base, read_at = now() FROM jsonb_to_recordset($4::jsonb) AS x(entity_id uuid, base jsonb)
       WHERE links.org_id = $1 AND links.integration_id = $2 AND links.entity = $3 AND links.entity_id = x.entity_id`,
      [integration.org_id, integration.id, reading.entity, JSON.stringify(existing.map((w) => ({ entity_id: w.target.entityId, base: w.base })))],
    );
  }
  const fresh = writes.filter((w) => !w.target.linked);
  for (const w of fresh) {
    if (!w.target.keyPending || a.broughtIn === undefined) continue;
    if (a.broughtIn.size < MAX_BROUGHT_IN) a.broughtIn.add(w.salesforceId);
    else a.broughtInOverflow = true;
  }
  if (fresh.length > 0) {
    await tx.query(
      `INSERT INTO links (org_id, integration_id, entity, entity_id, salesforce_org_id, salesforce_object, salesforce_id, synced_version, synced_hash, children, base, key_pending, read_at)
       SELECT $1, $2, $3, x.entity_id, $4, $5, x.salesforce_id, 0, '', NULL, x.base, x.key_pending, now()
       FROM jsonb_to_recordset($6::jsonb) AS x(entity_id uuid, salesforce_id text, base jsonb, key_pending boolean)
       ON CONFLICT (org_id, integration_id, entity, entity_id) DO UPDATE SET base = EXCLUDED.base, salesforce_id = EXCLUDED.salesforce_id, key_pending = EXCLUDED.key_pending, read_at = now()`,
      [integration.org_id, integration.id, reading.entity, integration.salesforce_org_id ?? '', reading.object,
        JSON.stringify(fresh.map((w) => ({ entity_id: w.target.entityId, salesforce_id: w.salesforceId, base: w.base, key_pending: w.target.keyPending })))],
    );
  }
}

/**
 * Records conflicts: those the policy settled as they happened; held ones in the record's one
 * open held conflict (a field held again takes its latest values), which waits for a person.
 */
async function saveConflicts(tx: Queryable, a: Applying, entityId: string, salesforceId: string, conflicts: FieldConflict[]): Promise<void> {
  if (conflicts.length === 0) return;
  const { integration } = a;
  const policy = a.sync.conflictPolicy;
  const insert = async (fields: FieldConflict[], outcome: FieldConflict['outcome']): Promise<string> => {
    const id = uuidv7();
    metrics.conflicts.inc({ entity: a.reading.entity, outcome }, 1);
    await tx.query(
      'INSERT INTO conflicts (org_id, id, integration_id, entity, entity_id, salesforce_id, fields, policy, outcome) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)',
      [integration.org_id, id, integration.id, a.reading.entity, entityId, salesforceId, JSON.stringify(fields), policy, outcome],
    );
    return id;
  };
  const settled = conflicts.filter((c) => c.outcome !== 'held');
  if (settled.length > 0) await insert(settled, settled[0]!.outcome);
  const held = conflicts.filter((c) => c.outcome === 'held');
  if (held.length === 0) return;
  const [open] = await tx.query<{ id: string; fields: FieldConflict[] }>(
    "SELECT id, fields FROM conflicts WHERE org_id = $1 AND integration_id = $2 AND entity_id = $3 AND outcome = 'held' AND resolved_at IS NULL FOR UPDATE",
    [integration.org_id, integration.id, entityId],
  );
  // Noted for the run's conflict.held webhook alert (RunAlerts): one delivery per run lists them.
  if (open === undefined) {
    a.state.heldConflicts.add(await insert(held, 'held'));
    return;
  }
  a.state.heldConflicts.add(open.id);
  const byPath = new Map(open.fields.map((f) => [f.path, f]));
  for (const field of held) byPath.set(field.path, field);
  await tx.query('UPDATE conflicts SET fields = $3, salesforce_id = $4 WHERE org_id = $1 AND id = $2', [integration.org_id, open.id, JSON.stringify([...byPath.values()]), salesforceId]);
}
