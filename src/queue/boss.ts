import PgBoss from 'pg-boss';
import type { Database } from '../storage/index.ts';

/** Every queue Ferry uses and the payload of its jobs. */
export interface JobMap {
  /** Run one integration: deliver its pending changes (or everything, for a full sync). */
  'integration-sync': {
    orgId: string;
    integrationId: string;
    trigger: 'change' | 'schedule' | 'manual' | 'retry' | 'replay' | 'mapping' | 'poll' | 'stream' | 'follow';
    mode: 'incremental' | 'full' | 'incoming' | 'incoming_full';
    runId?: string;
    recordIds?: string[];
    salesforceIds?: string[];
    replayOf?: string;
    force?: boolean;
    /** The run this one continues (a time slice used up, or its worker stopped): a full run starts where it got to. */
    continueFrom?: string;
  };
  /** Once a minute: queue the integrations whose schedule is due. */
  'schedule-tick': Record<string, never>;
  /** Once an hour (FERRY_PRUNE_SCHEDULE): remove what the retention settings let go (engine/retention). */
  prune: Record<string, never>;
  /** Send one webhook delivery (its row says what and where; see engine/notifications/webhooks.ts). */
  webhook: {
    orgId: string;
    deliveryId: string;
  };
}

export type JobName = keyof JobMap;

export interface QueueOptions {
  /** Where pg-boss reports failures of its own (maintenance, polling, lost connections). */
  onError: (error: Error) => void;
}

/**
 * pg-boss on Ferry's own database. On a Postgres server it opens its own pool; on PGlite it runs
 * through the embedded connection (multi-statement scripts, such as pg-boss's own migrations, go
 * through `exec`, which the single-statement extended protocol cannot run).
 */
export async function startBoss(db: Database, connectionString: string | undefined, options: QueueOptions): Promise<PgBoss> {
  const common = {
    schema: 'pgboss',
    // Ferry schedules through one pg-boss cron job; integrations' own schedules are rows it reads.
    cronMonitorIntervalSeconds: 30,
    maintenanceIntervalSeconds: 120,
    monitorStateIntervalSeconds: 60,
  };
  const boss =
    connectionString !== undefined
      ? new PgBoss({ ...common, connectionString, max: 4 })
      : new PgBoss({
          ...common,
          db: {
            executeSql: async (text: string, values?: unknown[]) => {
              if (values === undefined || values.length === 0) return { rows: await db.execRows(text) };
              return { rows: await db.query(text, values) };
            },
          },
        });
  // pg-boss keeps running after these (it retries its own work), but they are never hidden.
  boss.on('error', options.onError);
  await boss.start();
  await boss.createQueue('integration-sync', { name: 'integration-sync', policy: 'short', retryLimit: 3, retryDelay: 5, retryBackoff: true, expireInSeconds: 3600 });
  await boss.createQueue('schedule-tick', { name: 'schedule-tick', policy: 'singleton' });
  // One pruning at a time across every worker; a long one (a first pruning of a large database)
  // may take a while, and one that failed waits for the next hour rather than being retried.
  await boss.createQueue('prune', { name: 'prune', policy: 'stately', retryLimit: 0, expireInSeconds: 4 * 3600 });
  // One queued job per delivery (its id is the singleton key). The handler retries the receiver
  // itself (about a minute); pg-boss retries only a handler that failed (the database, say), and a
  // job that outlived its expiry is one whose worker stopped: the delivery's row outlasts both.
  await boss.createQueue('webhook', { name: 'webhook', policy: 'short', retryLimit: 2, retryDelay: 30, expireInSeconds: 600 });
  return boss;
}
