import type { Logger } from 'pino';
import { v7 as uuidv7 } from 'uuid';
import { metrics } from '../metrics.ts';
import type { Database } from '../../storage/index.ts';
import { entitiesOf } from '../mapping/entities/index.ts';
import { Events } from '../runs/events.ts';
import { HOLDS_SQL, journalReaders, oldestHolder, type JournalReader } from './journal.ts';
import type { RetentionSettings } from './settings.ts';

/** The tables pruning removes rows from, as the report names them. */
export const PRUNED_TABLES = ['journal', 'runs', 'reconciliation_reports', 'reconciliation_items', 'events', 'request_logs', 'sync_log', 'conflicts'] as const;
export type PrunedTable = (typeof PRUNED_TABLES)[number];

/** An organization's journal entries older than the retention that could not go, and the integration that holds them. */
export interface JournalHold {
  orgId: string;
  integrationId: string;
  name: string;
  cursorSeq: number;
  /** When its oldest pending entry was written. */
  pendingSince: string;
  /** Entries older than the retention kept because of it. */
  entriesHeld: number;
}

/** An integration marked to catch up: entries it had not sent were pruned while it did not hold the journal. */
export interface JournalGapMarked {
  orgId: string;
  integrationId: string;
  name: string;
  since: string;
}

export interface PruneReport {
  id: string;
  trigger: 'schedule' | 'manual';
  startedAt: string;
  finishedAt: string;
  removed: Record<PrunedTable, number>;
  held: JournalHold[];
  gaps: JournalGapMarked[];
  /** The process was stopping: pruning stopped between two batches (the next one goes on). */
  stopped: boolean;
}

export interface PruneOptions {
  settings: RetentionSettings;
  trigger: 'schedule' | 'manual';
  /** Where the one line a pruning logs goes (component "retention"). */
  logger?: Logger | undefined;
  /** Aborted when the process stops: pruning ends after the batch in hand. */
  signal?: AbortSignal | undefined;
}

/** Prunings kept in the prunings table (the status shows the newest). */
const PRUNINGS_KEPT = 100;

/**
 * A journal entry's time is its transaction's start, its seq is drawn at commit: a little out of
 * step. The catch-up of an integration that lost entries looks at records deleted from this long
 * before the oldest entry it lost, so a delete committed late is not missed.
 */
const GAP_MARGIN_MS = 3600_000;

class Stopped extends Error {
  override name = 'Stopped';
}

/** One table pruned by age, oldest first; `keep` (SQL on the row `x`) spares rows a person still needs. */
interface AgedTable {
  table: 'runs' | 'events' | 'request_logs' | 'sync_log' | 'conflicts';
  time: 'created_at' | 'at';
  keep: string | null;
}

const RUNS: AgedTable = {
  table: 'runs',
  time: 'created_at',
  // Running or waiting; the newest of an integration that still exists (by id: UUIDv7, time-ordered,
  // as the API's "last run"); the run of a reconciliation's current report.
  keep: `x.status IN ('WAITING', 'STARTED')
    OR (NOT EXISTS (SELECT 1 FROM runs n WHERE n.org_id = x.org_id AND n.integration_id = x.integration_id AND n.id > x.id)
        AND EXISTS (SELECT 1 FROM integrations i WHERE i.org_id = x.org_id AND i.id = x.integration_id))
    OR EXISTS (SELECT 1 FROM reconciliation_reports r WHERE r.org_id = x.org_id AND r.run_id = x.id
               AND NOT EXISTS (SELECT 1 FROM reconciliation_reports n WHERE n.org_id = r.org_id AND n.integration_id = r.integration_id AND n.run_id > r.run_id))`,
};
// An open error says a change was not delivered: it stays until actioned or retried.
const EVENTS: AgedTable = { table: 'events', time: 'created_at', keep: "x.severity = 'error' AND x.actioned_at IS NULL AND x.retried_at IS NULL" };
const REQUEST_LOGS: AgedTable = { table: 'request_logs', time: 'created_at', keep: null };
const SYNC_LOG: AgedTable = { table: 'sync_log', time: 'at', keep: null };
// A held conflict waits for a person.
const CONFLICTS: AgedTable = { table: 'conflicts', time: 'created_at', keep: "x.outcome = 'held' AND x.resolved_at IS NULL" };

/**
 * Removes what the retention settings let go, in batches of `batchSize` rows: each batch is one
 * statement, its own short transaction, so no lock is held longer than a batch takes. Tables are
 * walked by age through an index, resuming after the last row looked at, so rows kept on purpose
 * are read once. Records the pruning (prunings) and returns what it removed per table.
 */
export async function prune(db: Database, options: PruneOptions): Promise<PruneReport> {
  const { settings, signal } = options;
  const id = uuidv7();
  const [started] = await db.query<{ started_at: Date }>('INSERT INTO prunings (id, trigger) VALUES ($1, $2) RETURNING started_at', [id, options.trigger]);
  const removed = Object.fromEntries(PRUNED_TABLES.map((t) => [t, 0])) as Record<PrunedTable, number>;
  const held: JournalHold[] = [];
  const gaps: JournalGapMarked[] = [];
  const stop = () => {
    if (signal?.aborted === true) throw new Stopped('the process is stopping');
  };
  let stopped = false;
  let failure: Error | undefined;
  try {
    const cutoff = async (days: number | null) => {
      if (days === null) return null;
      const [row] = await db.query<{ cutoff: string }>('SELECT (now() - make_interval(days => $1))::text AS cutoff', [days]);
      return row!.cutoff;
    };
    const journalCutoff = await cutoff(settings.journalDays);
    if (journalCutoff !== null) {
      const orgs = await db.query<{ id: string }>('SELECT id FROM organizations ORDER BY id');
      for (const org of orgs) {
        const outcome = await pruneJournal(db, org.id, journalCutoff, settings, stop);
        removed.journal += outcome.removed;
        if (outcome.hold !== null) held.push(outcome.hold);
        gaps.push(...outcome.gaps);
      }
    }
    const runsCutoff = await cutoff(settings.runsDays);
    if (runsCutoff !== null) {
      removed.runs = await pruneAged(db, RUNS, runsCutoff, settings.batchSize, stop);
      const reports = await pruneReports(db, runsCutoff, settings.batchSize, stop);
      removed.reconciliation_reports = reports.reports;
      removed.reconciliation_items = reports.items;
    }
    const eventsCutoff = await cutoff(settings.eventsDays);
    if (eventsCutoff !== null) removed.events = await pruneAged(db, EVENTS, eventsCutoff, settings.batchSize, stop);
    const requestLogsCutoff = await cutoff(settings.requestLogsDays);
    if (requestLogsCutoff !== null) removed.request_logs = await pruneAged(db, REQUEST_LOGS, requestLogsCutoff, settings.batchSize, stop);
    const syncLogCutoff = await cutoff(settings.syncLogDays);
    if (syncLogCutoff !== null) {
      removed.sync_log = await pruneAged(db, SYNC_LOG, syncLogCutoff, settings.batchSize, stop);
      removed.conflicts = await pruneAged(db, CONFLICTS, syncLogCutoff, settings.batchSize, stop);
    }
    await db.query('DELETE FROM prunings WHERE id NOT IN (SELECT id FROM prunings ORDER BY id DESC LIMIT $1)', [PRUNINGS_KEPT]);
    // PGlite runs no autovacuum: without a VACUUM the space of removed rows would never be used
    // again, and the tables would grow all the same. On a Postgres server autovacuum does it.
    if (db.kind === 'pglite') {
      for (const table of PRUNED_TABLES) if (removed[table] > 0) await db.exec(`VACUUM (ANALYZE) ${table}`);
    }
  } catch (error) {
    if (error instanceof Stopped) stopped = true;
    else failure = error instanceof Error ? error : new Error('pruning failed', { cause: error });
  }
  const [finished] = await db.query<{ finished_at: Date }>(
    'UPDATE prunings SET finished_at = now(), removed = $2::jsonb, held = $3::jsonb, error = $4 WHERE id = $1 RETURNING finished_at',
    [id, JSON.stringify(removed), JSON.stringify(held), failure?.message ?? (stopped ? 'stopped: the process was stopping' : null)],
  );
  if (failure !== undefined) throw failure;
  const report: PruneReport = {
    id,
    trigger: options.trigger,
    startedAt: started!.started_at.toISOString(),
    finishedAt: (finished?.finished_at ?? new Date()).toISOString(),
    removed,
    held,
    gaps,
    stopped,
  };
  const total = PRUNED_TABLES.reduce((sum, t) => sum + removed[t], 0);
  for (const table of PRUNED_TABLES) if (removed[table] > 0) metrics.pruned.inc({ table }, removed[table]);
  const log = options.logger;
  if (total > 0 || held.length > 0 || gaps.length > 0) log?.info({ removed, held, gaps, stopped }, 'pruned');
  else log?.debug({ stopped }, 'pruned: nothing to remove');
  return report;
}

interface JournalOutcome {
  removed: number;
  hold: JournalHold | null;
  gaps: JournalGapMarked[];
}

/**
 * One organization's journal: entries older than the cutoff go, up to the oldest entry an
 * integration that holds the journal has not passed (entries of entities it does not follow do
 * not hold it). Integrations that do not hold it and lose entries they had not sent are marked
 * first (JournalGap), so none of them misses the loss.
 */
async function pruneJournal(db: Database, orgId: string, cutoff: string, settings: RetentionSettings, stop: () => void): Promise<JournalOutcome> {
  stop();
  const readers = await journalReaders(db, orgId);
  const holder = await oldestHolder(db, orgId, readers);
  const boundary = holder?.first.seq ?? null;
  const [anything] = await db.query('SELECT 1 FROM journal WHERE org_id = $1 AND at < $2::timestamptz AND ($3::bigint IS NULL OR seq < $3) LIMIT 1', [orgId, cutoff, boundary]);
  const gaps: JournalGapMarked[] = [];
  if (anything !== undefined) {
    for (const reader of readers.filter((r) => !r.holds)) {
      const marked = await markGap(db, orgId, reader, cutoff, boundary, settings);
      if (marked === 'holds now') return { removed: 0, hold: null, gaps };
      if (marked !== null) gaps.push(marked);
    }
  }
  let removed = 0;
  let throughSeq = 0;
  let after = { at: '-infinity', seq: '0' };
  while (anything !== undefined) {
    stop();
    const [batch] = await db.query<{ scanned: number; removed: number; max_seq: string | null; last_at: string | null; last_seq: string | null }>(
      `WITH w AS (
         SELECT seq, at FROM journal
         WHERE org_id = $1 AND at < $2::timestamptz AND (org_id, at, seq) > ($1::uuid, $3::timestamptz, $4::bigint)
         ORDER BY org_id, at, seq LIMIT $6
       ), gone AS (
         DELETE FROM journal j USING w WHERE j.seq = w.seq AND ($5::bigint IS NULL OR j.seq < $5) RETURNING j.seq
       )
       SELECT (SELECT count(*)::int FROM w) AS scanned, (SELECT count(*)::int FROM gone) AS removed, (SELECT max(seq)::text FROM gone) AS max_seq,
              (SELECT at::text FROM w ORDER BY at DESC, seq DESC LIMIT 1) AS last_at, (SELECT seq::text FROM w ORDER BY at DESC, seq DESC LIMIT 1) AS last_seq`,
      [orgId, cutoff, after.at, after.seq, boundary, settings.batchSize],
    );
    removed += batch!.removed;
    if (batch!.max_seq !== null) throughSeq = Math.max(throughSeq, Number(batch!.max_seq));
    if (batch!.scanned < settings.batchSize || batch!.last_at === null || batch!.last_seq === null) break;
    after = { at: batch!.last_at, seq: batch!.last_seq };
  }
  if (throughSeq > 0) {
    await db.query(
      `INSERT INTO journal_pruned (org_id, through_seq) VALUES ($1, $2)
       ON CONFLICT (org_id) DO UPDATE SET through_seq = GREATEST(journal_pruned.through_seq, EXCLUDED.through_seq), pruned_at = now()`,
      [orgId, throughSeq],
    );
  }
  let hold: JournalHold | null = null;
  if (holder !== null) {
    const [kept] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM journal WHERE org_id = $1 AND at < $2::timestamptz AND seq >= $3', [orgId, cutoff, holder.first.seq]);
    if (kept !== undefined && kept.n > 0) {
      hold = { orgId, integrationId: holder.reader.id, name: holder.reader.name, cursorSeq: holder.reader.cursorSeq, pendingSince: holder.first.at.toISOString(), entriesHeld: kept.n };
    }
  }
  return { removed, hold, gaps };
}

/**
 * Marks an integration that does not hold the journal when entries of its entities it has not
 * passed are about to go. Guarded where the state lives: one that holds the journal by now (enabled
 * meanwhile) is not marked, and the organization's journal is left alone this time ('holds now').
 * A disabled one gets an event that says what happens when it is enabled again.
 */
async function markGap(db: Database, orgId: string, reader: JournalReader, cutoff: string, boundary: number | null, settings: RetentionSettings): Promise<JournalGapMarked | null | 'holds now'> {
  const [lost] = await db.query<{ at: Date }>(
    `SELECT j.at FROM unnest($2::text[]) AS e(entity)
     CROSS JOIN LATERAL (SELECT at FROM journal WHERE org_id = $1 AND entity = e.entity AND seq > $3 AND ($4::bigint IS NULL OR seq < $4) AND at < $5::timestamptz ORDER BY seq LIMIT 1) j
     ORDER BY j.at LIMIT 1`,
    [orgId, entitiesOf(reader.entityType), reader.cursorSeq, boundary, cutoff],
  );
  if (lost === undefined) return null;
  const since = new Date(lost.at.getTime() - GAP_MARGIN_MS).toISOString();
  const marked = await db.query(
    `UPDATE integrations SET journal_gap = jsonb_build_object('since', $3::text, 'prunedAt', now())
     WHERE org_id = $1 AND id = $2 AND NOT ${HOLDS_SQL}
       AND (journal_gap IS NULL OR (journal_gap->>'since')::timestamptz > $3::timestamptz)
     RETURNING id`,
    [orgId, reader.id, since],
  );
  if (marked.length === 0) {
    const [now] = await db.query<{ holds: boolean }>(`SELECT ${HOLDS_SQL} AS holds FROM integrations WHERE org_id = $1 AND id = $2`, [orgId, reader.id]);
    return now?.holds === true ? 'holds now' : null;
  }
  if (reader.gap !== null) return null;
  if (!reader.enabled) {
    await new Events(db).record(orgId, [{
      integrationId: reader.id,
      name: 'integration.journal_gap.warning',
      message: `Changes this integration had not sent (from ${since}) were pruned from the journal after ${settings.journalDays} days while it was disabled. When it is enabled again, its next delivery sends every record that differs from what it last sent, and the deletions since then, instead of following the journal.`,
      hint: 'Nothing to do: the catch-up runs by itself once the integration is enabled (POST /integrations/{id}/enable). To keep a disabled integration\'s changes longer, raise FERRY_RETAIN_JOURNAL_DAYS.',
    }]);
  }
  return { orgId, integrationId: reader.id, name: reader.name, since };
}

/**
 * Removes a table's rows created before the cutoff, oldest first, `batchSize` a statement. The walk
 * resumes after the last row it looked at (time, id), so rows `keep` spares are read only once.
 */
async function pruneAged(db: Database, t: AgedTable, cutoff: string, batchSize: number, stop: () => void): Promise<number> {
  let removed = 0;
  let after = { at: '-infinity', id: '00000000-0000-0000-0000-000000000000' };
  for (;;) {
    stop();
    const [batch] = await db.query<{ scanned: number; removed: number; last_at: string | null; last_id: string | null }>(
      `WITH w AS (
         SELECT org_id, id, ${t.time} AS t FROM ${t.table}
         WHERE ${t.time} < $1::timestamptz AND (${t.time}, id) > ($2::timestamptz, $3::uuid)
         ORDER BY ${t.time}, id LIMIT $4
       ), gone AS (
         DELETE FROM ${t.table} x USING w WHERE x.org_id = w.org_id AND x.id = w.id${t.keep === null ? '' : ` AND NOT COALESCE((${t.keep}), false)`} RETURNING 1
       )
       SELECT (SELECT count(*)::int FROM w) AS scanned, (SELECT count(*)::int FROM gone) AS removed,
              (SELECT t::text FROM w ORDER BY t DESC, id DESC LIMIT 1) AS last_at, (SELECT id::text FROM w ORDER BY t DESC, id DESC LIMIT 1) AS last_id`,
      [cutoff, after.at, after.id, batchSize],
    );
    removed += batch!.removed;
    if (batch!.scanned < batchSize || batch!.last_at === null || batch!.last_id === null) return removed;
    after = { at: batch!.last_at, id: batch!.last_id };
  }
}

/**
 * Reconciliation reports written before the cutoff, but not the current report of a reconciliation
 * that still exists: their items first (a report can hold 100,000), a batch at a time, then the report.
 */
async function pruneReports(db: Database, cutoff: string, batchSize: number, stop: () => void): Promise<{ reports: number; items: number }> {
  let reports = 0;
  let items = 0;
  for (;;) {
    stop();
    const old = await db.query<{ org_id: string; run_id: string }>(
      `SELECT r.org_id, r.run_id FROM reconciliation_reports r
       WHERE r.created_at < $1::timestamptz
         AND (EXISTS (SELECT 1 FROM reconciliation_reports n WHERE n.org_id = r.org_id AND n.integration_id = r.integration_id AND n.run_id > r.run_id)
              OR NOT EXISTS (SELECT 1 FROM integrations i WHERE i.org_id = r.org_id AND i.id = r.integration_id))
       ORDER BY r.created_at, r.run_id LIMIT 20`,
      [cutoff],
    );
    if (old.length === 0) return { reports, items };
    for (const report of old) {
      for (;;) {
        stop();
        const [batch] = await db.query<{ n: number }>(
          `WITH gone AS (
             DELETE FROM reconciliation_items WHERE (org_id, run_id, n) IN (SELECT org_id, run_id, n FROM reconciliation_items WHERE org_id = $1 AND run_id = $2 ORDER BY n LIMIT $3)
             RETURNING 1
           ) SELECT count(*)::int AS n FROM gone`,
          [report.org_id, report.run_id, batchSize],
        );
        items += batch!.n;
        if (batch!.n < batchSize) break;
      }
      const gone = await db.query('DELETE FROM reconciliation_reports WHERE org_id = $1 AND run_id = $2 RETURNING run_id', [report.org_id, report.run_id]);
      reports += gone.length;
    }
  }
}
