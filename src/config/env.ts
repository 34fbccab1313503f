import { z } from 'zod';

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
