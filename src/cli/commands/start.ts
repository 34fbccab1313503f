import { join, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../api/index.ts';
import { CliError, ExitCode } from '../exit-codes.ts';
import { createLogger, type Env } from '../../config/index.ts';
import { startEmulator, type RunningEmulator } from '../../emulator/index.ts';
import type { Engine } from '../../engine/index.ts';
import { ensureDefaultOrganization } from '../../platform/index.ts';
import { addApiKeyIfMissing } from '../../platform/organizations.ts';
import { seedDemo } from '../demo.ts';
import { startEngine } from '../engine-runtime.ts';
import { claimDataDir, openMigratedDatabase } from '../runtime.ts';

export interface StartOptions {
  env: Env;
  print: (line: string) => void;
  /** Resolves when the process should stop (signals); tests pass their own. */
  untilStopped: Promise<void>;
  /** Start an emulated Salesforce org with demo data and integrations beside Ferry. */
  demo: boolean;
}

/**
 * `ferry start`: the API, the integration worker (unless FERRY_WORKER=false) and, with the demo,
 * an emulated Salesforce org with sample data flowing into it — until a signal stops it.
 */
export async function startCommand({ env, print, untilStopped, demo }: StartOptions): Promise<void> {
  const release = claimDataDir(env);
  const logger = createLogger(env.FERRY_LOG_LEVEL);
  const db = await openMigratedDatabase(env);
  let engine: Engine | undefined;
  let emulator: RunningEmulator | undefined;
  let app: FastifyInstance | undefined;
  try {
    if (demo) {
      // The emulated org keeps its records in the data folder, so they outlive restarts as Ferry's links do.
      emulator = await startEmulator({ port: env.FERRY_EMULATOR_PORT, host: '127.0.0.1', snapshot: join(resolve(env.FERRY_DATA_DIR), 'emulated-org.json'), printIdentity: false }).catch((error: unknown) => {
        const busy = (error as { code?: string }).code === 'EADDRINUSE';
        throw new CliError(
          busy
            ? `Port ${env.FERRY_EMULATOR_PORT} for the emulated Salesforce org is in use. Set FERRY_EMULATOR_PORT to a free port, or start without the demo: ferry start --no-demo.`
            : `The emulated Salesforce org did not start: ${error instanceof Error ? error.message : String(error)}`,
          ExitCode.failure,
        );
      });
    }
    const { organization, apiKey } = await ensureDefaultOrganization(db, env.FERRY_API_KEY);
    if (apiKey === undefined && env.FERRY_API_KEY !== undefined) await addApiKeyIfMissing(db, organization.id, env.FERRY_API_KEY);
    engine = await startEngine(env, db, logger, env.FERRY_WORKER);
    app = buildServer({ db, engine, logger: logger.child({ component: 'api' }), bodyLimitBytes: env.FERRY_BODY_LIMIT_BYTES, publicUrl: env.FERRY_PUBLIC_URL });
    const url = await app.listen({ host: env.FERRY_HOST, port: env.FERRY_PORT });
    print(`Ferry is running at ${url}`);
    print(`  storage   ${env.DATABASE_URL !== undefined ? 'Postgres (DATABASE_URL)' : `PGlite in ${resolve(env.FERRY_DATA_DIR)}`}`);
    print(`  worker    ${env.FERRY_WORKER ? `on (${env.FERRY_WORKER_CONCURRENCY} concurrent runs)` : 'off (FERRY_WORKER=false): run `ferry worker` elsewhere'}`);
    print(`  API docs  ${url}/api/v1/docs   (OpenAPI: ${url}/api/v1/openapi.json)`);
    if (apiKey !== undefined) {
      print(`  API key   ${apiKey}`);
      print("            (the default organization's key: shown once, store it now)");
    }
    if (emulator !== undefined) {
      const { seeded } = await seedDemo(db, engine, organization.id, emulator);
      const id = emulator.identity;
      print('');
      print(`Emulated Salesforce org at ${emulator.url}${seeded ? ' — demo accounts, contracts, balances and bills are flowing into it now' : ''}`);
      print(`  login     ${id.username} / password ${id.password} + security token ${id.securityToken}; connected app ${id.clientId} / ${id.clientSecret}`);
      print('  query it:');
      print(`    TOKEN=$(curl -s ${emulator.url}/services/oauth2/token -d grant_type=password -d client_id=${id.clientId} -d client_secret=${id.clientSecret} -d username=${id.username} -d password=${id.password}${id.securityToken} | node -pe 'JSON.parse(require("fs").readFileSync(0)).access_token')`);
      print(`    curl -s -H "Authorization: Bearer $TOKEN" "${emulator.url}/services/data/v${id.apiVersion}/query?q=SELECT+Name,Total__c,Status__c+FROM+Ferry_Bill__c"`);
      print('  (start without it: ferry start --no-demo)');
    }
    print(`  try       curl -H "Authorization: Bearer <API key>" ${url}/api/v1/integrations`);
    await untilStopped;
  } finally {
    await app?.close();
    await engine?.stop();
    if (emulator !== undefined) {
      await emulator.saveSnapshot();
      await emulator.stop();
    }
    await db.close();
    release();
  }
}
