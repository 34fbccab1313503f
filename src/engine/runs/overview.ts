import { z } from 'zod';
import type { Queryable } from '../../storage/index.ts';

/**
 * The console's overview: hourly figures of the last hours, each computed in one SQL query over
 * runs, request logs and the change journal (no figure is kept in memory or sampled).
 *
 * Latency of a change: from its journal entry (the change committed in Ferry) to the end of the
 * delivery run that sent it: an incremental run whose journal range (fromSeq, toSeq] holds the
 * entry, that considered the record and recorded no error event for it. Counted in the hour the run
 * finished. Changes that came from the same integration (read back from Salesforce) are left out.
 */
const count = z.number().int();
const ms = z.number().nullable();

export const overviewView = z
  .strictObject({
    from: z.string().meta({ description: 'Start of the first hour' }),
    to: z.string().meta({ description: 'End of the last hour (the current hour, not yet over)' }),
    buckets: z.array(z.strictObject({
      hour: z.string().meta({ description: 'Start of the hour (UTC)' }),
      runs: z.strictObject({
        complete: count,
        failed: count.meta({ description: 'ERROR, AUTH_FAILED or DISABLED' }),
        retrying: count.meta({ description: 'AWAITING_RETRY, RATE_LIMIT_RETRY or INTERRUPTED' }),
        inProgress: count.meta({ description: 'WAITING or STARTED' }),
      }).meta({ description: 'Runs created in the hour, by their status now' }),
      records: z.strictObject({ sent: count, failed: count }).meta({ description: 'Records of the runs that finished in the hour: sent to Salesforce, and refused' }),
      apiCalls: count.meta({ description: 'Salesforce calls Ferry made in the hour (request log rows)' }),
      apiUsed: z.number().nullable().meta({ description: 'The org\'s API usage of the last 24 hours as Salesforce last reported it in the hour (Sforce-Limit-Info)' }),
      latency: z.strictObject({ changes: count, averageMs: ms, p95Ms: ms, maxMs: ms })
        .meta({ description: 'From a change in Ferry (its journal entry) to the end of the run that delivered it, for the runs that finished in the hour' }),
    })),
    apiAllocation: z.number().nullable().meta({ description: 'The org\'s daily API allocation, as Salesforce last reported it (null before any call)' }),
    budgetShare: z.number().nullable().meta({ description: 'The smallest delivery.budgetShare of the enabled integrations: where the first of them pauses' }),
    apiBudget: z.number().nullable().meta({ description: 'budgetShare × apiAllocation, rounded down' }),
    integrations: z.strictObject({ total: count, connected: count }),
    openErrorEvents: count.meta({ description: 'Error events not marked actioned' }),
  })
  .meta({ id: 'Overview' });

export type OverviewView = z.infer<typeof overviewView>;

interface BucketRow {
  hour: Date;
  complete: number;
  failed_runs: number;
  retrying: number;
  in_progress: number;
  sent: number;
  failed_records: number;
  api_calls: number;
  api_used: number | null;
  changes: number;
  average_ms: number | null;
  p95_ms: number | null;
  max_ms: number | null;
}

interface TotalsRow {
  api_allocation: number | null;
  budget_share: number | null;
  total: number;
  connected: number;
  open_error_events: number;
}

export async function overview(db: Queryable, orgId: string, options: { hours: number }): Promise<OverviewView> {
  const rows = await db.query<BucketRow>(
    `WITH hours AS (
       SELECT generate_series(date_trunc('hour', now()) - make_interval(hours => $2::int - 1), date_trunc('hour', now()), interval '1 hour') AS hour
     ),
     since AS (SELECT min(hour) AS at FROM hours),
     run_counts AS (
       SELECT date_trunc('hour', created_at) AS hour,
              count(*) FILTER (WHERE status = 'COMPLETE')::int AS complete,
              count(*) FILTER (WHERE status IN ('ERROR', 'AUTH_FAILED', 'DISABLED'))::int AS failed_runs,
              count(*) FILTER (WHERE status IN ('AWAITING_RETRY', 'RATE_LIMIT_RETRY', 'INTERRUPTED'))::int AS retrying,
              count(*) FILTER (WHERE status IN ('WAITING', 'STARTED'))::int AS in_progress
       FROM runs WHERE org_id = $1 AND created_at >= (SELECT at FROM since) GROUP BY 1
     ),
     record_counts AS (
       SELECT date_trunc('hour', finished_at) AS hour, sum(sent)::int AS sent, sum(failed)::int AS failed_records
       FROM runs WHERE org_id = $1 AND finished_at >= (SELECT at FROM since) GROUP BY 1
     ),
     calls AS (
       SELECT date_trunc('hour', created_at) AS hour, count(*)::int AS api_calls,
              (array_agg(api_used ORDER BY id DESC) FILTER (WHERE api_used IS NOT NULL))[1] AS api_used
       FROM request_logs WHERE org_id = $1 AND created_at >= (SELECT at FROM since) GROUP BY 1
     ),
     delivered AS (
       SELECT date_trunc('hour', r.finished_at) AS hour, extract(epoch FROM r.finished_at - j.at) * 1000 AS latency_ms
       FROM runs r
       JOIN journal j ON j.org_id = r.org_id AND j.seq > r.from_seq AND j.seq <= r.to_seq AND j.entity_id = ANY(r.record_ids)
       WHERE r.org_id = $1 AND r.mode = 'incremental' AND r.sent > 0 AND r.finished_at >= (SELECT at FROM since)
         AND j.origin <> 'integration:' || r.integration_id::text
         AND NOT EXISTS (SELECT 1 FROM events e WHERE e.org_id = r.org_id AND e.run_id = r.id AND e.entity_id = j.entity_id AND e.severity = 'error')
     ),
     latency AS (
       SELECT hour, count(*)::int AS changes, avg(latency_ms)::float8 AS average_ms,
              percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms)::float8 AS p95_ms, max(latency_ms)::float8 AS max_ms
       FROM delivered GROUP BY hour
     )
     SELECT h.hour,
            COALESCE(rc.complete, 0) AS complete, COALESCE(rc.failed_runs, 0) AS failed_runs, COALESCE(rc.retrying, 0) AS retrying, COALESCE(rc.in_progress, 0) AS in_progress,
            COALESCE(rec.sent, 0) AS sent, COALESCE(rec.failed_records, 0) AS failed_records,
            COALESCE(c.api_calls, 0) AS api_calls, c.api_used,
            COALESCE(l.changes, 0) AS changes, l.average_ms, l.p95_ms, l.max_ms
     FROM hours h
     LEFT JOIN run_counts rc ON rc.hour = h.hour
     LEFT JOIN record_counts rec ON rec.hour = h.hour
     LEFT JOIN calls c ON c.hour = h.hour
     LEFT JOIN latency l ON l.hour = h.hour
     ORDER BY h.hour`,
    [orgId, options.hours],
  );
  const [totals] = await db.query<TotalsRow>(
    `SELECT (SELECT api_max FROM request_logs WHERE org_id = $1 AND api_max IS NOT NULL ORDER BY id DESC LIMIT 1) AS api_allocation,
            (SELECT min((delivery->>'budgetShare')::float8) FROM integrations WHERE org_id = $1 AND enabled) AS budget_share,
            (SELECT count(*)::int FROM integrations WHERE org_id = $1) AS total,
            (SELECT count(*)::int FROM integrations WHERE org_id = $1 AND enabled AND credential_id IS NOT NULL) AS connected,
            (SELECT count(*)::int FROM events WHERE org_id = $1 AND severity = 'error' AND actioned_at IS NULL) AS open_error_events`,
    [orgId],
  );
  const round = (value: number | null) => (value === null ? null : Math.round(value));
  const first = rows[0]!.hour;
  const last = rows[rows.length - 1]!.hour;
  const allocation = totals!.api_allocation;
  const share = totals!.budget_share;
  return {
    from: first.toISOString(),
    to: new Date(last.getTime() + 3_600_000).toISOString(),
    buckets: rows.map((row) => ({
      hour: row.hour.toISOString(),
      runs: { complete: row.complete, failed: row.failed_runs, retrying: row.retrying, inProgress: row.in_progress },
      records: { sent: row.sent, failed: row.failed_records },
      apiCalls: row.api_calls,
      apiUsed: row.api_used,
      latency: { changes: row.changes, averageMs: round(row.average_ms), p95Ms: round(row.p95_ms), maxMs: round(row.max_ms) },
    })),
    apiAllocation: allocation,
    budgetShare: share,
    apiBudget: allocation === null || share === null ? null : Math.floor(allocation * share),
    integrations: { total: totals!.total, connected: totals!.connected },
    openErrorEvents: totals!.open_error_events,
  };
}
