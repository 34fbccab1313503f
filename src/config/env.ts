import { CronExpressionParser } from 'cron-parser';
import { z } from 'zod';

/** Days a kind of row is kept: a whole number from 1, or "forever" (null); unset: undefined (the default). */
function retentionDays() {
  return z
    .string()
    .trim()
    .refine((value) => value === 'forever' || (/^\d+$/.test(value) && Number(value) >= 1 && Number(value) <= 36_500), 'must be a whole number of days from 1 to 36500, or forever')
    .optional()
    .transform((value) => (value === undefined ? undefined : value === 'forever' ? null : Number(value)));
}

function isCron(value: string): boolean {
  if (value.split(/\s+/).length !== 5) return false;
  try {
    CronExpressionParser.parse(value, { tz: 'UTC' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Every environment variable Ferry reads, in one schema. It is parsed once, at the entry point;
 * library modules take typed options and never read process.env themselves.
 */
export const envSchema = z.object({
  FERRY_DATA_DIR: z.string().min(1).default('./.ferry'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  FERRY_HOST: z.string().min(1).default('127.0.0.1'),
  FERRY_PORT: z.coerce.number().int().min(0).max(65535).default(8787),
  FERRY_API_KEY: z
    .string()
    .min(24, 'must be at least 24 characters so it cannot be guessed')
    .optional(),
  FERRY_BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).default(16 * 1024 * 1024),
  FERRY_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  FERRY_SECRET_KEY: z
    .string()
    .refine((value) => Buffer.from(value, 'base64').length === 32, 'must be the base64 of 32 random bytes (e.g. `openssl rand -base64 32`)')
    .optional(),
  FERRY_SMTP_URL: z.string().regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL, e.g. smtp://user:pass@mail.example.com:587').optional(),
  FERRY_SMTP_FROM: z.string().min(3).default('Ferry <ferry@localhost>'),
  FERRY_PUBLIC_URL: z.url({ error: 'must be the URL people and Salesforce reach Ferry at, e.g. https://ferry.example.com' }).optional(),
  FERRY_SESSION_HOURS: z.coerce.number().min(0.05, 'must be at least 0.05 (3 minutes)').max(720, 'must be at most 720 (30 days)').default(12),
  FERRY_EMULATOR_PORT: z.coerce.number().int().min(0).max(65535).default(8788),
  FERRY_WORKER: z.enum(['true', 'false'], { error: 'must be true or false' }).default('true').transform((value) => value === 'true'),
  /** Records (or journal entries) a run reads and delivers at a time: what bounds a worker's memory during a large sync, and how far back a killed full sync starts again. */
  FERRY_BATCH_SIZE: z.coerce.number().int().min(10).max(100_000).default(10_000),
  /** Fair queueing: a run that has worked this long while others wait ends and continues behind them (0: never). */
  FERRY_RUN_SLICE_SECONDS: z.coerce.number().int().min(0).max(86_400).default(60),
  /** ferry worker: listens on FERRY_HOST at this port for /healthz, /readyz and /metrics (unset: no listener). */
  FERRY_WORKER_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  /** When set, GET /metrics needs `Authorization: Bearer <token>`. */
  FERRY_METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  FERRY_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(2),
  FERRY_INCOMING_CHECK_MS: z.coerce.number().int().min(100, 'must be at least 100 (ms)').max(600_000).default(5000),
  FERRY_WORKER_DEAD_AFTER_MS: z.coerce.number().int().min(1000, 'must be at least 1000 (ms), so a busy worker is not taken for stopped').max(3_600_000).default(10_000),
  // Retention (src/engine/retention/settings.ts says why each default): unset takes the default.
  FERRY_RETAIN_JOURNAL_DAYS: retentionDays(),
  FERRY_RETAIN_RUNS_DAYS: retentionDays(),
  FERRY_RETAIN_EVENTS_DAYS: retentionDays(),
  FERRY_RETAIN_REQUEST_LOGS_DAYS: retentionDays(),
  FERRY_RETAIN_SYNC_LOG_DAYS: retentionDays(),
  FERRY_PRUNE_SCHEDULE: z
    .string()
    .trim()
    .refine((value) => value === 'off' || isCron(value), 'must be a cron expression in UTC (minute hour day month weekday, e.g. "23 * * * *") or off')
    .optional()
    .transform((value) => (value === 'off' ? null : value)),
});

export type Env = z.infer<typeof envSchema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses the environment, listing every bad variable at once. */
export function parseEnv(source: Record<string, string | undefined>): Env {
  const result = envSchema.safeParse(source);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
  throw new ConfigError(`Invalid environment:\n${lines.join('\n')}`);
}
