import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import type { Env } from '../config/index.ts';
import { Engine, SecretBox, smtpMailer } from '../engine/index.ts';
import type { Database } from '../storage/index.ts';

/** The secret key: FERRY_SECRET_KEY, or a 0600 file generated in the data folder. */
export function secretBox(env: Env): SecretBox {
  if (env.FERRY_SECRET_KEY !== undefined) return SecretBox.fromBase64(env.FERRY_SECRET_KEY);
  return SecretBox.fromFile(join(resolve(env.FERRY_DATA_DIR), 'secret.key'));
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
    incomingCheckMs: env.FERRY_INCOMING_CHECK_MS,
    // Beating five times per allowed silence leaves room for a slow database round trip or two.
    liveness: { deadAfterMs: env.FERRY_WORKER_DEAD_AFTER_MS, heartbeatMs: Math.max(200, Math.floor(env.FERRY_WORKER_DEAD_AFTER_MS / 5)) },
    // On the embedded database this process is the only one: leases left by a crash are stale.
    exclusive: env.DATABASE_URL === undefined,
  });
}
