import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import type { Env } from '../config/index.ts';
import { Engine, SecretBox, smtpMailer, type RetentionOptions } from '../engine/index.ts';
import type { Database } from '../storage/index.ts';

/** The secret key: FERRY_SECRET_KEY, or a 0600 file generated in the data folder. */
export function secretBox(env: Env): SecretBox {
  if (env.FERRY_SECRET_KEY !== undefined) return SecretBox.fromBase64(env.FERRY_SECRET_KEY);
  return SecretBox.fromFile(join(resolve(env.FERRY_DATA_DIR), 'secret.key'));
}

/** The retention settings the environment gives (unset ones take the engine's defaults). */
export function retentionOf(env: Env): RetentionOptions {
  return {
    journalDays: env.FERRY_RETAIN_JOURNAL_DAYS,
    runsDays: env.FERRY_RETAIN_RUNS_DAYS,
    eventsDays: env.FERRY_RETAIN_EVENTS_DAYS,
    requestLogsDays: env.FERRY_RETAIN_REQUEST_LOGS_DAYS,
    syncLogDays: env.FERRY_RETAIN_SYNC_LOG_DAYS,
  };
}

export async function startEngine(env: Env, db: Database, logger: Logger, worker: boolean): Promise<Engine> {
  return Engine.start({
    db,
    box: secretBox(env),
    logger,
    connectionString: env.DATABASE_URL,
    mailer: env.FERRY_SMTP_URL === undefined ? undefined : smtpMailer(env.FERRY_SMTP_URL, env.FERRY_SMTP_FROM),
    worker,
    concurrency: env.FERRY_WORKER_CONCURRENCY,
    runner: { sliceMs: env.FERRY_RUN_SLICE_SECONDS * 1000, chunkSize: env.FERRY_BATCH_SIZE },
    incomingCheckMs: env.FERRY_INCOMING_CHECK_MS,
    // Beating five times per allowed silence leaves room for a slow database round trip or two.
    liveness: { deadAfterMs: env.FERRY_WORKER_DEAD_AFTER_MS, heartbeatMs: Math.max(200, Math.floor(env.FERRY_WORKER_DEAD_AFTER_MS / 5)) },
    // On the embedded database this process is the only one: leases left by a crash are stale.
    exclusive: env.DATABASE_URL === undefined,
    retention: retentionOf(env),
    pruneSchedule: env.FERRY_PRUNE_SCHEDULE,
  });
}
