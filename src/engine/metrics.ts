import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Queryable } from '../storage/index.ts';

/**
 * Ferry's Prometheus metrics, one registry per process (the API process and each worker expose
 * their own at /metrics): counters and histograms moved where the work happens (runs ending,
 * sync log entries, Salesforce calls, pruning), and gauges read from the database when scraped
 * (the queue's depth and age, the workers alive). prom-client renders the text format.
 *
 * Labels stay few: entity types, modes, outcomes, operations and organization ids (one series
 * per organization, not per record or run).
 */

const LATENCY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900, 3600];

export class Metrics {
  readonly registry = new Registry();
  readonly runs = new Counter({
    name: 'ferry_runs_total', help: 'Runs ended, by entity type, mode and status (COMPLETE, ERROR, AUTH_FAILED, ...).',
    labelNames: ['entity_type', 'mode', 'status'] as const, registers: [this.registry],
  });
  readonly delivered = new Counter({
    name: 'ferry_records_delivered_total', help: 'Records of runs to Salesforce, by entity type and outcome (created, updated, deleted, skipped, failed).',
    labelNames: ['entity_type', 'outcome'] as const, registers: [this.registry],
  });
  readonly received = new Counter({
    name: 'ferry_records_received_total', help: 'Salesforce records read into Ferry, by entity and outcome as the sync log says (applied, echo: Ferry\'s own write coming back, unchanged, conflict, ignored, refused, failed, ...).',
    labelNames: ['entity', 'outcome'] as const, registers: [this.registry],
  });
  readonly conflicts = new Counter({
    name: 'ferry_conflicts_total', help: 'Fields changed on both sides, by entity and how they were settled (held, ferry, salesforce).',
    labelNames: ['entity', 'outcome'] as const, registers: [this.registry],
  });
  readonly toSalesforceLatency = new Histogram({
    name: 'ferry_change_to_salesforce_seconds', help: 'From a change committed in Ferry to its record written in Salesforce (incremental deliveries).',
    labelNames: ['entity'] as const, buckets: LATENCY_BUCKETS, registers: [this.registry],
  });
  readonly toFerryLatency = new Histogram({
    name: 'ferry_salesforce_to_ferry_seconds', help: 'From a record changed in Salesforce (its SystemModstamp) to the change applied in Ferry.',
    labelNames: ['entity'] as const, buckets: LATENCY_BUCKETS, registers: [this.registry],
  });
  readonly apiCalls = new Counter({
    name: 'ferry_salesforce_api_calls_total', help: 'Salesforce calls made, by operation (upsert, query, bulk_open, ...) and status (Success, Failed).',
    labelNames: ['operation', 'status'] as const, registers: [this.registry],
  });
  readonly apiRemaining = new Gauge({
    name: 'ferry_salesforce_api_remaining', help: 'The org\'s remaining daily API allocation (Sforce-Limit-Info) as last seen, by Ferry organization.',
    labelNames: ['organization'] as const, registers: [this.registry],
  });
  readonly pruned = new Counter({
    name: 'ferry_pruned_rows_total', help: 'Rows removed by retention pruning, by table.',
    labelNames: ['table'] as const, registers: [this.registry],
  });
  readonly queueDepth = new Gauge({
    name: 'ferry_queue_depth', help: 'Jobs waiting in a queue (created or to retry), by queue.', labelNames: ['queue'] as const, registers: [this.registry],
  });
  readonly queueAge = new Gauge({
    name: 'ferry_queue_oldest_age_seconds', help: 'Age of the oldest job waiting in a queue that could start now, by queue (0: none).', labelNames: ['queue'] as const, registers: [this.registry],
  });
  readonly runsInFlight = new Gauge({ name: 'ferry_runs_in_flight', help: 'Runs STARTED, across workers.', registers: [this.registry] });
  readonly runsWaiting = new Gauge({ name: 'ferry_runs_waiting', help: 'Runs WAITING to start, across workers.', registers: [this.registry] });
  readonly workers = new Gauge({ name: 'ferry_workers_alive', help: 'Processes beating in the workers table.', registers: [this.registry] });
  #db: Queryable | undefined;

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'ferry_' });
  }

  /** The database the scrape-time gauges read (the queue, runs and workers tables). */
  useDatabase(db: Queryable): void {
    this.#db = db;
  }

  /** The text format, after reading the scrape-time gauges. */
  async render(): Promise<string> {
    const db = this.#db;
    if (db !== undefined) {
      const queues = await db.query<{ name: string; depth: number; age: number | null }>(
        `SELECT name, count(*)::int AS depth, EXTRACT(EPOCH FROM now() - min(created_on) FILTER (WHERE start_after <= now()))::float AS age
         FROM pgboss.job WHERE state IN ('created', 'retry') GROUP BY name`,
      ).catch(() => []);
      this.queueDepth.reset();
      this.queueAge.reset();
      for (const name of ['integration-sync', 'schedule-tick']) {
        this.queueDepth.set({ queue: name }, 0);
        this.queueAge.set({ queue: name }, 0);
      }
      for (const q of queues) {
        this.queueDepth.set({ queue: q.name }, q.depth);
        this.queueAge.set({ queue: q.name }, q.age ?? 0);
      }
      const [runs] = await db.query<{ started: number; waiting: number; workers: number }>(
        `SELECT (SELECT count(*)::int FROM runs WHERE status = 'STARTED') AS started, (SELECT count(*)::int FROM runs WHERE status = 'WAITING') AS waiting,
                (SELECT count(*)::int FROM workers) AS workers`,
      );
      this.runsInFlight.set(runs?.started ?? 0);
      this.runsWaiting.set(runs?.waiting ?? 0);
      this.workers.set(runs?.workers ?? 0);
    }
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

/** This process's metrics. */
export const metrics = new Metrics();
