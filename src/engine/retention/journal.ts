import type { Queryable } from '../../storage/index.ts';
import { IMPORT_ENTITY_TYPES, READ_ONLY_ENTITY_TYPES, REPORT_ENTITY_TYPES } from '../integrations/schemas.ts';
import { entitiesOf } from '../mapping/entities/index.ts';
import type { EntityType } from '../types.ts';

/**
 * Journal entries an integration had not sent were pruned while it did not hold the journal: its
 * next delivery is a full pass (see runner.ts), which clears it. `since`: a little before the
 * oldest entry it lost, so the records deleted since then are among those the pass looks at.
 */
export interface JournalGap {
  since: string;
  prunedAt: string;
}

/** An integration of a type that delivers journal entries record by record. */
export interface JournalReader {
  id: string;
  name: string;
  entityType: EntityType;
  enabled: boolean;
  cursorSeq: number;
  gap: JournalGap | null;
  /** Enabled and sending to Salesforce: pruning never removes an entry of its entities it has not passed. */
  holds: boolean;
}

const NOT_FOLLOWING: readonly string[] = [...IMPORT_ENTITY_TYPES, ...REPORT_ENTITY_TYPES, ...READ_ONLY_ENTITY_TYPES];

/**
 * Whether integrations of this type follow the journal. Imports read the whole catalogue or
 * reference data at each run (the journal only tells them that something changed); reconciliations
 * and read-only types send nothing Ferry holds.
 */
export function followsJournal(type: EntityType): boolean {
  return !NOT_FOLLOWING.includes(type);
}

/**
 * The organization's integrations that follow the journal. A disabled one, or one that only reads
 * from Salesforce (its watermark does not move), does not hold the journal: entries it has not
 * passed may go, and it is then marked to catch up with a full pass (JournalGap).
 */
export async function journalReaders(db: Queryable, orgId: string): Promise<JournalReader[]> {
  const rows = await db.query<{ id: string; name: string; entity_type: EntityType; enabled: boolean; cursor_seq: string | number; journal_gap: JournalGap | null; direction: string }>(
    `SELECT id, name, entity_type, enabled, cursor_seq, journal_gap, COALESCE(sync->>'direction', 'to_salesforce') AS direction
     FROM integrations WHERE org_id = $1 ORDER BY id`,
    [orgId],
  );
  return rows.filter((r) => followsJournal(r.entity_type)).map((r) => ({
    id: r.id,
    name: r.name,
    entityType: r.entity_type,
    enabled: r.enabled,
    cursorSeq: Number(r.cursor_seq),
    gap: r.journal_gap,
    holds: r.enabled && r.direction !== 'from_salesforce',
  }));
}

/** The same test as JournalReader.holds, in SQL, for guarded updates. */
export const HOLDS_SQL = "(enabled AND COALESCE(sync->>'direction', 'to_salesforce') <> 'from_salesforce')";

/**
 * The oldest journal entry of the integration's entities it has not passed (one index probe per
 * entity), or null when it is caught up. Entries of other entities never hold it: its watermark
 * only moves over its own.
 */
export async function firstPending(db: Queryable, orgId: string, reader: Pick<JournalReader, 'entityType' | 'cursorSeq'>): Promise<{ seq: number; at: Date } | null> {
  const [row] = await db.query<{ seq: string; at: Date }>(
    `SELECT j.seq::text AS seq, j.at FROM unnest($2::text[]) AS e(entity)
     CROSS JOIN LATERAL (SELECT seq, at FROM journal WHERE org_id = $1 AND entity = e.entity AND seq > $3 ORDER BY seq LIMIT 1) j
     ORDER BY j.seq LIMIT 1`,
    [orgId, entitiesOf(reader.entityType), reader.cursorSeq],
  );
  return row === undefined ? null : { seq: Number(row.seq), at: row.at };
}

export interface Holder {
  reader: JournalReader;
  first: { seq: number; at: Date };
}

/** Of the integrations that hold the journal, the one whose oldest pending entry is the oldest. */
export async function oldestHolder(db: Queryable, orgId: string, readers: JournalReader[]): Promise<Holder | null> {
  let holder: Holder | null = null;
  for (const reader of readers) {
    if (!reader.holds) continue;
    const first = await firstPending(db, orgId, reader);
    if (first !== null && (holder === null || first.seq < holder.first.seq)) holder = { reader, first };
  }
  return holder;
}

/** How many journal entries of the integration's entities follow its watermark. */
export async function pendingEntries(db: Queryable, orgId: string, reader: Pick<JournalReader, 'entityType' | 'cursorSeq'>): Promise<number> {
  const [row] = await db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM journal WHERE org_id = $1 AND entity = ANY($2::text[]) AND seq > $3',
    [orgId, entitiesOf(reader.entityType), reader.cursorSeq],
  );
  return row?.n ?? 0;
}
