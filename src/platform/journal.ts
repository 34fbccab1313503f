import type { Queryable } from '../storage/index.ts';

export type Operation = 'create' | 'update' | 'delete';

/** The NOTIFY channel that announces committed journal entries (payload: organization id). */
export const JOURNAL_CHANNEL = 'ferry_journal';

/**
 * Who made a change: the API, a bulk import, an integration (so sync never echoes its own
 * writes), or Ferry itself (a subscription expiring).
 */
export type Origin = 'api' | 'import' | 'system' | `integration:${string}`;

export interface JournalEntry {
  entity: string;
  entityId: string;
  operation: Operation;
  version: number;
  changedFields: string[];
}

export interface Change extends JournalEntry {
  seq: number;
  origin: Origin;
  at: Date;
}

/**
 * Appends entries in the caller's transaction. Call it last, just before commit: it takes the
 * organization's journal lock, which is held until the transaction ends, and only then draws
 * sequence numbers. Two writers of one organization therefore get their numbers in commit order,
 * so a reader that has seen `seq = n` has seen every committed change below n. The lock is held
 * only for the tail of each transaction, so writers still overlap on everything else.
 */
export async function appendJournal(tx: Queryable, orgId: string, origin: Origin, entries: readonly JournalEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await tx.query("SELECT pg_advisory_xact_lock(hashtextextended('ferry.journal/' || $1, 0))", [orgId]);
  // Delivered when the transaction commits, to every process listening (the sync dispatcher).
  await tx.query(`SELECT pg_notify('${JOURNAL_CHANNEL}', $1)`, [orgId]);
  await tx.query(
    `INSERT INTO journal (org_id, entity, entity_id, operation, version, origin, changed_fields)
     SELECT $1, x.entity, x.entity_id, x.operation, x.version, $2, x.changed_fields
     FROM jsonb_to_recordset($3::jsonb) AS x(ord integer, entity text, entity_id uuid, operation text, version integer, changed_fields text[])
     ORDER BY x.ord`,
    [
      orgId,
      origin,
      JSON.stringify(
        entries.map((entry, ord) => ({
          ord,
          entity: entry.entity,
          entity_id: entry.entityId,
          operation: entry.operation,
          version: entry.version,
          changed_fields: entry.changedFields,
        })),
      ),
    ],
  );
}

interface JournalRow {
  seq: number;
  entity: string;
  entity_id: string;
  operation: Operation;
  version: number;
  origin: Origin;
  changed_fields: string[];
  at: Date;
}

export interface ReadChangesOptions {
  after: number;
  limit: number;
  entity?: string | undefined;
}

/** Reads the organization's changes with `seq > after`, oldest first. */
export async function readChanges(db: Queryable, orgId: string, options: ReadChangesOptions): Promise<Change[]> {
  const params: unknown[] = [orgId, options.after, options.limit];
  let entityFilter = '';
  if (options.entity !== undefined) {
    params.push(options.entity);
    entityFilter = 'AND entity = $4';
  }
  const rows = await db.query<JournalRow>(
    `SELECT seq, entity, entity_id, operation, version, origin, changed_fields, at
     FROM journal WHERE org_id = $1 AND seq > $2 ${entityFilter} ORDER BY seq LIMIT $3`,
    params,
  );
  return rows.map((row) => ({
    seq: row.seq,
    entity: row.entity,
    entityId: row.entity_id,
    operation: row.operation,
    version: row.version,
    origin: row.origin,
    changedFields: row.changed_fields,
    at: row.at,
  }));
}

/**
 * The newest of the organization's entries that retention removed (null: none yet). Entries are
 * pruned oldest first once every integration has passed them (engine/retention): a follower of the
 * journal whose position is below this may have missed changes.
 */
export async function journalPrunedThrough(db: Queryable, orgId: string): Promise<number | null> {
  const [row] = await db.query<{ through_seq: string }>('SELECT through_seq::text AS through_seq FROM journal_pruned WHERE org_id = $1', [orgId]);
  return row === undefined ? null : Number(row.through_seq);
}
