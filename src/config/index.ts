export { envSchema, parseEnv, ConfigError, type Env } from './env.ts';
export { createLogger } from './logger.ts';
