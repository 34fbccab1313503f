import { resolve } from 'node:path';
import { buildServer } from '../../api/index.ts';
import { createLogger, type Env } from '../../config/index.ts';
import { ensureDefaultOrganization } from '../../platform/index.ts';
import { addApiKeyIfMissing } from '../../platform/organizations.ts';
import { claimDataDir, openMigratedDatabase } from '../runtime.ts';

export interface StartOptions {
  env: Env;
  print: (line: string) => void;
  /** Resolves when the process should stop (signals); tests pass their own. */
  untilStopped: Promise<void>;
}

/** `ferry start`: the API on the embedded default (or DATABASE_URL), until a signal stops it. */
export async function startCommand({ env, print, untilStopped }: StartOptions): Promise<void> {
  const release = claimDataDir(env);
  const logger = createLogger(env.FERRY_LOG_LEVEL);
  const db = await openMigratedDatabase(env);
  try {
    const { organization, apiKey } = await ensureDefaultOrganization(db, env.FERRY_API_KEY);
    if (apiKey === undefined && env.FERRY_API_KEY !== undefined) await addApiKeyIfMissing(db, organization.id, env.FERRY_API_KEY);
    const app = buildServer({ db, logger: logger.child({ component: 'api' }), bodyLimitBytes: env.FERRY_BODY_LIMIT_BYTES });
    const url = await app.listen({ host: env.FERRY_HOST, port: env.FERRY_PORT });
    print(`Ferry is running at ${url}`);
    print(`  storage   ${env.DATABASE_URL !== undefined ? 'Postgres (DATABASE_URL)' : `PGlite in ${resolve(env.FERRY_DATA_DIR)}`}`);
    print(`  API docs  ${url}/api/v1/docs   (OpenAPI: ${url}/api/v1/openapi.json)`);
    if (apiKey !== undefined) {
      print(`  API key   ${apiKey}`);
      print('            (the default organization\'s key: shown once, store it now)');
    }
    print(`  try       curl -H "Authorization: Bearer <API key>" ${url}/api/v1/accounts`);
    await untilStopped;
    await app.close();
  } finally {
    await db.close();
    release();
  }
}
