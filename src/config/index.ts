export { envSchema, parseEnv, ConfigError, type Env } from './env.ts';
