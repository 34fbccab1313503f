/**
 * How long Ferry keeps what only grows: the change journal, runs, events, request logs and the
 * sync log. Days are counted from a row's creation; null keeps that kind of row forever.
 */
export interface RetentionSettings {
  /**
   * Journal entries older than this go once every enabled integration that sends their entity
   * has passed them. 30 days: the journal only carries changes to the integrations (and to
   * followers of GET /changes); a month leaves time to look into "what changed when" and to
   * re-enable a disabled integration before it needs a full pass.
   */
  journalDays: number | null;
  /**
   * Runs (and the reconciliation reports they wrote) older than this go, except a run still
   * WAITING or STARTED, the newest run of each integration and the run of each reconciliation's
   * current report. 90 days: a quarter of history, enough to compare a month-end with the last.
   */
  runsDays: number | null;
  /**
   * Events older than this go, except open errors (neither actioned nor retried): each says a
   * change was not delivered, and stays until a person deals with it. 90 days, like runs: events
   * are what a person reads about a run.
   */
  eventsDays: number | null;
  /**
   * Request logs (one row per Salesforce call: the largest table of a busy Ferry) older than this
   * go. 14 days: they serve to debug recent failures; a run and its events outlive them.
   */
  requestLogsDays: number | null;
  /**
   * Sync log rows (one per two-way operation) and settled conflicts older than this go; held
   * conflicts stay until settled. 30 days: enough to answer "why did this record change".
   */
  syncLogDays: number | null;
  /** Rows one DELETE removes at most: each batch is its own short transaction. */
  batchSize: number;
}

export const RETENTION_DEFAULTS: Readonly<RetentionSettings> = {
  journalDays: 30,
  runsDays: 90,
  eventsDays: 90,
  requestLogsDays: 14,
  syncLogDays: 30,
  batchSize: 5000,
};

/** Settings as given (environment, tests): what is left out takes its default. */
export type RetentionOptions = { [K in keyof RetentionSettings]?: RetentionSettings[K] | undefined };

export function retentionSettings(options: RetentionOptions = {}): RetentionSettings {
  const d = RETENTION_DEFAULTS;
  return {
    journalDays: options.journalDays === undefined ? d.journalDays : options.journalDays,
    runsDays: options.runsDays === undefined ? d.runsDays : options.runsDays,
    eventsDays: options.eventsDays === undefined ? d.eventsDays : options.eventsDays,
    requestLogsDays: options.requestLogsDays === undefined ? d.requestLogsDays : options.requestLogsDays,
    syncLogDays: options.syncLogDays === undefined ? d.syncLogDays : options.syncLogDays,
    batchSize: options.batchSize ?? d.batchSize,
  };
}

/**
 * Pruning runs on a worker once an hour by default (pg-boss cron, a singleton across workers), at
 * minute 23: away from the top of the hour, where hourly schedules of integrations cluster.
 */
export const PRUNE_SCHEDULE_DEFAULT = '23 * * * *';
