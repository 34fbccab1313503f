import type { Queryable } from '../../storage/index.ts';
import { journalReaders, oldestHolder, pendingEntries, type JournalGap } from './journal.ts';
import type { JournalHold } from './prune.ts';
import type { StatusView } from './schemas.ts';
import type { RetentionSettings } from './settings.ts';

export interface StatusOptions {
  settings: RetentionSettings;
  /** The background pruning's cron; null: off. */
  pruneSchedule: string | null;
  /** One organization (an API key's); all of them when left out (the local administrator). */
  orgId?: string | undefined;
  /** A worker silent this long is taken for stopped. */
  deadAfterMs: number;
}

/** A table never analyzed (PGlite runs no autovacuum) under this size is counted instead. */
const COUNT_BELOW_BYTES = 32 * 1024 * 1024;

/**
 * What the database holds and what holds it: table sizes, each organization's journal and the
 * integration furthest behind, the last pruning, and the processes registered as workers.
 */
export async function ferryStatus(db: Queryable, options: StatusOptions): Promise<StatusView> {
  const { settings } = options;
  const orgs = options.orgId !== undefined ? [options.orgId] : (await db.query<{ id: string }>('SELECT id FROM organizations ORDER BY created_at, id')).map((o) => o.id);
  const [cutoff] = settings.journalDays === null ? [] : await db.query<{ text: string; at: Date }>(
    'SELECT (now() - make_interval(days => $1))::text AS text, now() - make_interval(days => $1) AS at', [settings.journalDays],
  );
  const journal: StatusView['journal'] = [];
  for (const orgId of orgs) journal.push(await orgJournal(db, orgId, cutoff));
  return {
    retention: {
      journalDays: settings.journalDays,
      runsDays: settings.runsDays,
      eventsDays: settings.eventsDays,
      requestLogsDays: settings.requestLogsDays,
      syncLogDays: settings.syncLogDays,
      pruneSchedule: options.pruneSchedule,
    },
    tables: await tableSizes(db),
    journal,
    lastPruning: await lastPruning(db, options.orgId),
    workers: (await db.query<{ id: string; hostname: string; pid: number; started_at: Date; heartbeat_at: Date; alive: boolean }>(
      'SELECT id, hostname, pid, started_at, heartbeat_at, heartbeat_at > now() - make_interval(secs => $1) AS alive FROM workers ORDER BY started_at, id',
      [options.deadAfterMs / 1000],
    )).map((w) => ({ id: w.id, hostname: w.hostname, pid: w.pid, startedAt: w.started_at.toISOString(), heartbeatAt: w.heartbeat_at.toISOString(), alive: w.alive })),
  };
}

async function orgJournal(db: Queryable, orgId: string, cutoff: { text: string; at: Date } | undefined): Promise<StatusView['journal'][number]> {
  const [counts] = await db.query<{ entries: number; oldest_seq: string | null; newest_seq: string | null; older: number | null }>(
    `SELECT count(*)::int AS entries, min(seq)::text AS oldest_seq, max(seq)::text AS newest_seq,
            CASE WHEN $2::timestamptz IS NULL THEN NULL ELSE (SELECT count(*)::int FROM journal o WHERE o.org_id = $1 AND o.at < $2::timestamptz) END AS older
     FROM journal WHERE org_id = $1`,
    [orgId, cutoff?.text ?? null],
  );
  const oldestSeq = counts?.oldest_seq ?? null;
  const [oldest] = oldestSeq === null ? [] : await db.query<{ at: Date }>('SELECT at FROM journal WHERE seq = $1', [oldestSeq]);
  const [pruned] = await db.query<{ through_seq: string }>('SELECT through_seq::text AS through_seq FROM journal_pruned WHERE org_id = $1', [orgId]);
  const readers = await journalReaders(db, orgId);
  const holder = await oldestHolder(db, orgId, readers);
  return {
    orgId,
    entries: counts?.entries ?? 0,
    oldestSeq: oldestSeq === null ? null : Number(oldestSeq),
    oldestAt: oldest?.at.toISOString() ?? null,
    newestSeq: counts?.newest_seq == null ? null : Number(counts.newest_seq),
    olderThanRetention: counts?.older ?? null,
    prunedThroughSeq: pruned === undefined ? null : Number(pruned.through_seq),
    heldBy: holder === null ? null : {
      integrationId: holder.reader.id,
      name: holder.reader.name,
      entityType: holder.reader.entityType,
      cursorSeq: holder.reader.cursorSeq,
      pendingEntries: await pendingEntries(db, orgId, holder.reader),
      pendingSince: holder.first.at.toISOString(),
      pastRetention: cutoff !== undefined && holder.first.at.getTime() < cutoff.at.getTime(),
    },
    catchingUp: readers.filter((r): r is typeof r & { gap: JournalGap } => r.gap !== null).map((r) => ({ integrationId: r.id, name: r.name, since: r.gap.since })),
  };
}

async function tableSizes(db: Queryable): Promise<StatusView['tables']> {
  const rows = await db.query<{ schema: string; name: string; quoted: string; reltuples: number; bytes: number }>(
    `SELECT n.nspname AS schema, c.relname AS name, quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS quoted,
            c.reltuples::float8 AS reltuples, pg_total_relation_size(c.oid)::float8 AS bytes
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind IN ('r', 'p') AND n.nspname IN ('public', 'pgboss')
     ORDER BY bytes DESC, n.nspname, c.relname`,
  );
  const out: StatusView['tables'] = [];
  for (const row of rows) {
    const name = row.schema === 'public' ? row.name : `${row.schema}.${row.name}`;
    // reltuples is -1 until the table is first vacuumed or analyzed.
    if (row.reltuples >= 0) out.push({ name, rows: Math.round(row.reltuples), estimated: true, bytes: row.bytes });
    else if (row.bytes < COUNT_BELOW_BYTES) {
      const [count] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${row.quoted}`);
      out.push({ name, rows: count?.n ?? 0, estimated: false, bytes: row.bytes });
    } else out.push({ name, rows: null, estimated: true, bytes: row.bytes });
  }
  return out;
}

async function lastPruning(db: Queryable, orgId: string | undefined): Promise<StatusView['lastPruning']> {
  const [row] = await db.query<{ id: string; trigger: 'schedule' | 'manual'; started_at: Date; finished_at: Date | null; removed: Record<string, number>; held: JournalHold[]; error: string | null }>(
    'SELECT id, trigger, started_at, finished_at, removed, held, error FROM prunings ORDER BY id DESC LIMIT 1',
  );
  if (row === undefined) return null;
  return {
    id: row.id,
    trigger: row.trigger,
    startedAt: row.started_at.toISOString(),
    finishedAt: row.finished_at?.toISOString() ?? null,
    removed: row.removed,
    // An organization sees only what holds its own journal.
    held: orgId === undefined ? row.held : row.held.filter((h) => h.orgId === orgId),
    error: row.error,
  };
}
