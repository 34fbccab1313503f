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
  };
  /** Once a minute: queue the integrations whose schedule is due. */
  'schedule-tick': Record<string, never>;
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
  return boss;
}
