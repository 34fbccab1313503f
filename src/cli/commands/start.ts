import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../api/index.ts';
import { CliError, ExitCode } from '../exit-codes.ts';
import { createLogger, type Env } from '../../config/index.ts';
import type { RunningEmulator } from '../../emulator/index.ts';
import type { Engine } from '../../engine/index.ts';
import { ensureDefaultOrganization } from '../../platform/index.ts';
import { addApiKeyIfMissing } from '../../platform/organizations.ts';
import type { Database } from '../../storage/index.ts';
import { findDemoReconciliation, findDemoSetup, removeDemoSetup, seedDemo } from '../demo.ts';
import { startEngine } from '../engine-runtime.ts';
import { claimDataDir, dataDirOf, describeStore, newLocalAdminToken, openMigratedDatabase, publishServer, showKey } from '../runtime.ts';

export interface StartOptions {
  env: Env;
  print: (line: string) => void;
  /** Resolves when the process should stop (signals); tests pass their own. */
  untilStopped: Promise<void>;
  /** Start an emulated Salesforce org with demo data and integrations beside Ferry. */
  demo: boolean;
  /** With --no-demo: delete the demo's credential and integrations left from an earlier start. */
  removeDemo: boolean;
}

const isPortBusy = (error: unknown) => (error as { code?: string }).code === 'EADDRINUSE';

async function startDemoEmulator(env: Env): Promise<RunningEmulator> {
  // Loaded only with the demo: the emulator's code is not needed otherwise.
  const { startEmulator } = await import('../../emulator/index.ts');
  // The emulated org keeps its records in the data folder, so they outlive restarts as Ferry's links do.
  return startEmulator({ port: env.FERRY_EMULATOR_PORT, host: '127.0.0.1', snapshot: join(dataDirOf(env), 'emulated-org.json'), printIdentity: false }).catch((error: unknown) => {
    throw new CliError(
      isPortBusy(error)
        ? `Port ${env.FERRY_EMULATOR_PORT} for the emulated Salesforce org is in use. Set FERRY_EMULATOR_PORT to a free port, or start without the demo: npx ferry start --no-demo.`
        : `The emulated Salesforce org did not start: ${error instanceof Error ? error.message : String(error)}`,
      isPortBusy(error) ? ExitCode.portInUse : ExitCode.failure,
      { cause: error },
    );
  });
}

/** Without the demo, integrations left by an earlier demo start send to an org that no longer runs. */
async function reportDemoLeftovers(engine: Engine, orgId: string, remove: boolean, print: (line: string) => void): Promise<void> {
  const setup = await findDemoSetup(engine, orgId);
  if (setup === undefined) return;
  if (remove) {
    const removed = await removeDemoSetup(engine, orgId, setup);
    print(`  demo      removed the demo's credential and its ${removed} integrations (the sample records stay)`);
    return;
  }
  print(`  demo      ${setup.integrationIds.length} demo integrations still send to the emulated org, which does not run with --no-demo: their runs will fail.`);
  print('            Remove them with: npx ferry start --no-demo --remove-demo   (or start with the demo again: npx ferry start)');
}

/**
 * `ferry start`: the API, the integration worker (unless FERRY_WORKER=false) and, with the demo,
 * an emulated Salesforce org with sample data flowing into it — until a signal stops it.
 */
export async function startCommand({ env, print, untilStopped, demo, removeDemo }: StartOptions): Promise<void> {
  if (demo && removeDemo) throw new CliError('--remove-demo goes with --no-demo: npx ferry start --no-demo --remove-demo.', ExitCode.usage);
  const release = claimDataDir(env);
  const logger = createLogger(env.FERRY_LOG_LEVEL);
  let db: Database | undefined;
  let engine: Engine | undefined;
  let emulator: RunningEmulator | undefined;
  let app: FastifyInstance | undefined;
  let unpublish: (() => void) | undefined;
  try {
    db = await openMigratedDatabase(env);
    if (demo) emulator = await startDemoEmulator(env);
    engine = await startEngine(env, db, logger, env.FERRY_WORKER);
    // Only the embedded store needs it: on Postgres other commands open the database themselves.
    const localAdminToken = env.DATABASE_URL === undefined ? newLocalAdminToken() : undefined;
    app = buildServer({ db, engine, logger: logger.child({ component: 'api' }), bodyLimitBytes: env.FERRY_BODY_LIMIT_BYTES, publicUrl: env.FERRY_PUBLIC_URL, localAdminToken, sessionLifetimeMs: env.FERRY_SESSION_HOURS * 3600_000, metricsToken: env.FERRY_METRICS_TOKEN });
    const url = await app.listen({ host: env.FERRY_HOST, port: env.FERRY_PORT }).catch((error: unknown) => {
      if (!isPortBusy(error)) throw error;
      throw new CliError(`Port ${env.FERRY_PORT} on ${env.FERRY_HOST} is in use by another program. Stop it, or set FERRY_PORT to a free port (FERRY_PORT=0 picks one).`, ExitCode.portInUse, { cause: error });
    });
    if (localAdminToken !== undefined) unpublish = publishServer(env, url, localAdminToken);
    // The default organization and its key are made only now that the server listens: a start that
    // failed earlier leaves no key behind that nobody saw, and the next start shows it.
    const { organization, apiKey } = await ensureDefaultOrganization(db, env.FERRY_API_KEY);
    if (apiKey === undefined && env.FERRY_API_KEY !== undefined) await addApiKeyIfMissing(db, organization.id, env.FERRY_API_KEY);
    print(`Ferry is running at ${url}`);
    print(`  console   ${url}/   (sign in with an API key${apiKey !== undefined ? ': the one below' : ''})`);
    print(`  storage   ${describeStore(env)}`);
    print(`  worker    ${env.FERRY_WORKER ? `on (${env.FERRY_WORKER_CONCURRENCY} concurrent runs)` : 'off (FERRY_WORKER=false): run `npx ferry worker` elsewhere'}`);
    print(`  API docs  ${url}/api/v1/docs   (OpenAPI: ${url}/api/v1/openapi.json)`);
    print('  CLI       npx ferry --help   (from this folder; `npx ferry org key create` issues a new API key)');
    if (apiKey !== undefined) {
      print(`  API key   ${showKey(apiKey, env)}`);
      print("            (the default organization's key)");
    }
    if (emulator === undefined) await reportDemoLeftovers(engine, organization.id, removeDemo, print);
    else {
      const { seeded } = await seedDemo(db, engine, organization.id, emulator);
      const id = emulator.identity;
      print('');
      print(`Emulated Salesforce org at ${emulator.url}${seeded ? ' — demo accounts, contracts, balances and bills are flowing into it now' : ''}`);
      print(`  login     ${id.username} / password ${id.password} + security token ${id.securityToken}; connected app ${id.clientId} / ${id.clientSecret}`);
      print('  query it:');
      print(`    TOKEN=$(curl -s ${emulator.url}/services/oauth2/token -d grant_type=password -d client_id=${id.clientId} -d client_secret=${id.clientSecret} -d username=${id.username} -d password=${id.password}${id.securityToken} | node -pe 'JSON.parse(require("fs").readFileSync(0)).access_token')`);
      print(`    curl -s -H "Authorization: Bearer $TOKEN" "${emulator.url}/services/data/v${id.apiVersion}/query?q=SELECT+Name,Total__c,Status__c+FROM+Ferry_Bill__c"`);
      const reconciliationId = await findDemoReconciliation(engine, organization.id);
      if (reconciliationId !== undefined) print(`  reconcile npx ferry reconciliation run ${reconciliationId}   (its customers against samples/billing-customers.csv)`);
      print('  (start without it: npx ferry start --no-demo)');
    }
    print(`  try       curl -H "Authorization: Bearer <API key>" ${url}/api/v1/integrations`);
    await untilStopped;
  } finally {
    unpublish?.();
    await app?.close();
    await engine?.stop();
    if (emulator !== undefined) {
      await emulator.saveSnapshot();
      await emulator.stop();
    }
    await db?.close();
    release();
  }
}
