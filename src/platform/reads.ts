import type { Queryable } from '../storage/index.ts';
import type { Operation } from './journal.ts';
import { toStoredRecord, type StoredRecord } from './store.ts';

/**
 * Reads of the platform's tables (records, journal) for the engine: it never writes SQL against
 * them itself, so their layout can change here without the engine noticing.
 */

export interface RecordWithAccount {
  record: StoredRecord;
  accountId: string | null;
  deleted: boolean;
}

/** Records by id (deleted ones included, with `deleted` set), in id order. */
export async function loadRecordsWithAccount(db: Queryable, orgId: string, entity: string, ids: string[]): Promise<RecordWithAccount[]> {
  if (ids.length === 0) return [];
  const rows = await db.query<{ id: string; version: number; key: string | null; account_id: string | null; parent_id: string | null; data: Record<string, unknown>; created_at: Date; updated_at: Date; deleted_at: Date | null; last_system: 'Ferry' | 'Salesforce' | null; entity: string }>(
    `SELECT id, entity, version, key, account_id, parent_id, data, created_at, updated_at, deleted_at, last_system FROM records
     WHERE org_id = $1 AND entity = $2 AND id = ANY($3::uuid[]) ORDER BY id`,
    [orgId, entity, ids],
  );
  return rows.map((row) => ({ record: toStoredRecord(row), accountId: row.account_id, deleted: row.deleted_at !== null }));
}

/** Every live record of an entity, read in pages of 5,000 (for sets that fit in memory: a catalogue, reference data). */
export async function liveRecordsOf(db: Queryable, orgId: string, entity: string): Promise<StoredRecord[]> {
  const out: StoredRecord[] = [];
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const ids = await liveRecordIdsAfter(db, orgId, entity, after, 5000);
    if (ids.length === 0) return out;
    after = ids[ids.length - 1]!;
    for (const r of await loadRecordsWithAccount(db, orgId, entity, ids)) out.push(r.record);
  }
}

/**
 * Ids of live records of an entity after `afterId`, in id order: pages of a full pass. With
 * `itemsPath` (a bill's `lineItems`) a record weighs one plus the items of that array, and a page
 * holds as many records as fit in `limit` (always at least one): a page of bills is then bounded
 * by what it sends, not by its bills alone.
 */
export async function liveRecordIdsAfter(db: Queryable, orgId: string, entity: string, afterId: string, limit: number, itemsPath?: string): Promise<string[]> {
  if (itemsPath === undefined) {
    const rows = await db.query<{ id: string }>(
      'SELECT id FROM records WHERE org_id = $1 AND entity = $2 AND deleted_at IS NULL AND id > $3 ORDER BY id LIMIT $4',
      [orgId, entity, afterId, limit],
    );
    return rows.map((r) => r.id);
  }
  const rows = await db.query<{ id: string }>(
    `SELECT id FROM (
       SELECT id, row_number() OVER (ORDER BY id) AS n, sum(weight) OVER (ORDER BY id) AS total FROM (
         SELECT id, 1 + CASE WHEN jsonb_typeof(data -> $5) = 'array' THEN jsonb_array_length(data -> $5) ELSE 0 END AS weight
         FROM records WHERE org_id = $1 AND entity = $2 AND deleted_at IS NULL AND id > $3 ORDER BY id LIMIT $4
       ) page
     ) weighed WHERE total <= $4 OR n = 1 ORDER BY id`,
    [orgId, entity, afterId, limit, itemsPath],
  );
  return rows.map((r) => r.id);
}

/**
 * Ids of records of an entity deleted at or after `since`, after `afterId`, in id order: the
 * deletions a full pass must also send when the journal entries that carried them were pruned.
 */
export async function deletedRecordIdsSince(db: Queryable, orgId: string, entity: string, since: Date, afterId: string, limit: number): Promise<string[]> {
  const rows = await db.query<{ id: string }>(
    'SELECT id FROM records WHERE org_id = $1 AND entity = $2 AND deleted_at >= $3 AND id > $4 ORDER BY id LIMIT $5',
    [orgId, entity, since, afterId, limit],
  );
  return rows.map((r) => r.id);
}

/** Which of these ids are live records of the entity. */
export async function liveRecordIds(db: Queryable, orgId: string, entity: string, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db.query<{ id: string }>('SELECT id FROM records WHERE org_id = $1 AND entity = $2 AND id = ANY($3::uuid[]) AND deleted_at IS NULL', [orgId, entity, ids]);
  return new Set(rows.map((r) => r.id));
}

/** The account of each record (by id), for records of any entity. */
export async function accountIdsOf(db: Queryable, orgId: string, ids: string[]): Promise<Map<string, string | null>> {
  if (ids.length === 0) return new Map();
  const rows = await db.query<{ id: string; account_id: string | null }>('SELECT id, account_id FROM records WHERE org_id = $1 AND id = ANY($2::uuid[])', [orgId, ids]);
  return new Map(rows.map((r) => [r.id, r.account_id]));
}

export interface JournalRead {
  seq: number;
  entity: string;
  entityId: string;
  operation: Operation;
  changedFields: string[] | null;
  /** Who made the change (api, import, integration:<id>). */
  origin: string;
}

/**
 * Journal entries of these entities after `afterSeq`, in commit order, up to `limit`. With
 * `itemsPaths` (entity to child array: bills to `lineItems`) an entry weighs one plus the items
 * its record holds now, and a page holds the entries that fit in `limit` (always at least one).
 * `full` says the page was cut by the limit: more entries may follow at once.
 */
export async function journalAfter(db: Queryable, orgId: string, entities: string[], afterSeq: number, limit: number, itemsPaths: Record<string, string> = {}): Promise<{ entries: JournalRead[]; full: boolean }> {
  type Row = { seq: number; entity: string; entity_id: string; operation: Operation; changed_fields: string[] | null; origin: string };
  const toRead = (r: Row): JournalRead => ({ seq: Number(r.seq), entity: r.entity, entityId: r.entity_id, operation: r.operation, changedFields: r.changed_fields, origin: r.origin });
  const weighed = Object.entries(itemsPaths).filter(([entity]) => entities.includes(entity));
  if (weighed.length === 0) {
    const rows = await db.query<Row>(
      'SELECT seq, entity, entity_id, operation, changed_fields, origin FROM journal WHERE org_id = $1 AND entity = ANY($2::text[]) AND seq > $3 ORDER BY seq LIMIT $4',
      [orgId, entities, afterSeq, limit],
    );
    return { entries: rows.map(toRead), full: rows.length === limit };
  }
  const rows = await db.query<Row & { cut: boolean }>(
    `SELECT seq, entity, entity_id, operation, changed_fields, origin, scanned = $4 OR max_total > $4 AS cut FROM (
       SELECT page.*, row_number() OVER (ORDER BY seq) AS n, sum(weight) OVER (ORDER BY seq) AS total,
              count(*) OVER () AS scanned, sum(weight) OVER () AS max_total FROM (
         SELECT j.seq, j.entity, j.entity_id, j.operation, j.changed_fields, j.origin,
                1 + CASE WHEN jsonb_typeof(r.data -> p.path) = 'array' THEN jsonb_array_length(r.data -> p.path) ELSE 0 END AS weight
         FROM journal j
         LEFT JOIN unnest($5::text[], $6::text[]) AS p (entity, path) ON p.entity = j.entity
         LEFT JOIN records r ON p.path IS NOT NULL AND r.org_id = j.org_id AND r.id = j.entity_id
         WHERE j.org_id = $1 AND j.entity = ANY($2::text[]) AND j.seq > $3 ORDER BY j.seq LIMIT $4
       ) page
     ) weighed WHERE total <= $4 OR n = 1 ORDER BY seq`,
    [orgId, entities, afterSeq, limit, weighed.map(([entity]) => entity), weighed.map(([, path]) => path)],
  );
  return { entries: rows.map(toRead), full: rows[0]?.cut === true };
}

/** Whether any entry of these entities follows `afterSeq`. */
export async function hasJournalAfter(db: Queryable, orgId: string, entities: string[], afterSeq: number): Promise<boolean> {
  const rows = await db.query('SELECT 1 FROM journal WHERE org_id = $1 AND entity = ANY($2::text[]) AND seq > $3 LIMIT 1', [orgId, entities, afterSeq]);
  return rows.length > 0;
}

/** The latest journal seq of each entity (0 when none), one index probe per entity. */
export async function latestJournalSeqs(db: Queryable, orgId: string, entities: string[]): Promise<Map<string, number>> {
  if (entities.length === 0) return new Map();
  const rows = await db.query<{ entity: string; seq: number | null }>(
    'SELECT e AS entity, (SELECT max(seq) FROM journal j WHERE j.org_id = $1 AND j.entity = e) AS seq FROM unnest($2::text[]) AS e',
    [orgId, entities],
  );
  return new Map(rows.map((r) => [r.entity, Number(r.seq ?? 0)]));
}

/**
 * The organization's latest journal seq (0 when empty): where a new reader starts. Retention may
 * have pruned the newest entries too (journal_pruned): the position is past them all the same.
 */
export async function lastJournalSeq(db: Queryable, orgId: string): Promise<number> {
  const [row] = await db.query<{ seq: number | null }>(
    'SELECT GREATEST((SELECT max(seq) FROM journal WHERE org_id = $1), (SELECT through_seq FROM journal_pruned WHERE org_id = $1)) AS seq',
    [orgId],
  );
  return Number(row?.seq ?? 0);
}

/** E-mail addresses of live users. */
export async function userEmails(db: Queryable, orgId: string, ids: string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await db.query<{ email: string }>("SELECT data->>'email' AS email FROM records WHERE org_id = $1 AND entity = 'users' AND id = ANY($2::uuid[]) AND deleted_at IS NULL", [orgId, ids]);
  return rows.map((r) => r.email);
}

/** Codes of the live records of a reference list (contact types, account types, ...). */
export async function referenceCodes(db: Queryable, orgId: string, entity: string): Promise<string[]> {
  const rows = await db.query<{ code: string }>("SELECT data->>'code' AS code FROM records WHERE org_id = $1 AND entity = $2 AND deleted_at IS NULL ORDER BY 1", [orgId, entity]);
  return rows.map((r) => r.code);
}

/**
 * The Salesforce Account Id that external mappings give each of these accounts. With
 * `integrationId`, only mappings scoped to it count; otherwise a mapping scoped to an integration
 * wins over one scoped to none.
 */
export async function salesforceAccountMappings(db: Queryable, orgId: string, accountIds: string[], integrationId: string | null): Promise<Map<string, string>> {
  if (accountIds.length === 0) return new Map();
  const rows = await db.query<{ entity_id: string; external_id: string }>(
    `SELECT data->>'entityId' AS entity_id, data->>'externalId' AS external_id FROM records
     WHERE org_id = $1 AND entity = 'external-mappings' AND deleted_at IS NULL AND data->>'entity' = 'accounts'
       AND lower(data->>'externalSystem') = 'salesforce' AND data->>'entityId' = ANY($2::text[])
       AND ($3::text IS NULL OR data->>'integrationId' = $3)
     ORDER BY (data->>'integrationId' IS NULL)`,
    [orgId, accountIds, integrationId],
  );
  const out = new Map<string, string>();
  for (const row of rows) if (!out.has(row.entity_id)) out.set(row.entity_id, row.external_id);
  return out;
}

/** Live external mappings scoped to an integration (at most `limit`). */
export async function externalMappingsScopedTo(db: Queryable, orgId: string, integrationId: string, limit: number): Promise<string[]> {
  const rows = await db.query<{ id: string }>(
    "SELECT id FROM records WHERE org_id = $1 AND entity = 'external-mappings' AND deleted_at IS NULL AND data->>'integrationId' = $2 ORDER BY id LIMIT $3",
    [orgId, integrationId, limit],
  );
  return rows.map((r) => r.id);
}
