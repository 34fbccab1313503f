import { createLogger, type Env } from '../../config/index.ts';
import { startEmulator } from '../../emulator/index.ts';
import { CliError, ExitCode } from '../exit-codes.ts';
import { startEngine } from '../engine-runtime.ts';
import { claimDataDir, openMigratedDatabase, resolveOrganization } from '../runtime.ts';

interface Printing {
  print: (line: string) => void;
  printError: (line: string) => void;
}

/** `ferry worker`: runs integrations from the shared queue until stopped. */
export async function workerCommand({ env, print, untilStopped }: { env: Env; print: (line: string) => void; untilStopped: Promise<void> }): Promise<void> {
  const release = claimDataDir(env);
  const db = await openMigratedDatabase(env);
  const engine = await startEngine(env, db, createLogger(env.FERRY_LOG_LEVEL), true);
  try {
    print(`Ferry worker running (${env.FERRY_WORKER_CONCURRENCY} concurrent runs) on ${env.DATABASE_URL !== undefined ? 'Postgres' : 'PGlite'}`);
    await untilStopped;
  } finally {
    await engine.stop();
    await db.close();
    release();
  }
}

/** `ferry sync INTEGRATION [--full]`: runs it in this process and prints the outcome. */
export async function syncCommand(options: { env: Env; integrationId: string; full: boolean; org?: string | undefined } & Printing): Promise<number> {
  const release = claimDataDir(options.env);
  const db = await openMigratedDatabase(options.env);
  const engine = await startEngine(options.env, db, createLogger(options.env.FERRY_LOG_LEVEL === 'info' ? 'warn' : options.env.FERRY_LOG_LEVEL), false);
  try {
    const orgId = await resolveOrganization(db, options.env, options.org);
    if (!(await engine.integrations.get(orgId, options.integrationId)).ok) throw new CliError(`No integration has id ${options.integrationId}.`, ExitCode.usage);
    const run = await engine.runner.execute({ orgId, integrationId: options.integrationId, trigger: 'manual', mode: options.full ? 'full' : 'incremental' });
    if (run === undefined) throw new CliError('The integration is running elsewhere right now; try again in a moment.');
    const c = run.counts;
    options.print(`run ${run.id}: ${run.status} — sent ${c.sent}, created ${c.created}, updated ${c.updated}, deleted ${c.deleted}, skipped ${c.skipped}, failed ${c.failed}`);
    if (run.error !== null) options.printError(`${run.error.errorCode}: ${run.error.message}`);
    return run.status === 'COMPLETE' ? ExitCode.ok : ExitCode.failure;
  } finally {
    await engine.stop();
    await db.close();
    release();
  }
}

/** `ferry salesforce check CREDENTIAL`: describes the org and lists what Ferry's objects lack. */
export async function checkCommand(options: { env: Env; credentialId: string; org?: string | undefined } & Printing): Promise<number> {
  const release = claimDataDir(options.env);
  const db = await openMigratedDatabase(options.env);
  const engine = await startEngine(options.env, db, createLogger('error'), false);
  try {
    const orgId = await resolveOrganization(db, options.env, options.org);
    const result = await engine.checkSalesforce(orgId, options.credentialId);
    if (!result.ok) throw new CliError(result.error.message, ExitCode.usage);
    const { organizationId, missing } = result.value;
    if (missing.length === 0) {
      options.print(`Salesforce org ${organizationId} has every object and field Ferry writes.`);
      return ExitCode.ok;
    }
    options.print(`Salesforce org ${organizationId} lacks:`);
    for (const item of missing) options.print(`  ${item.object}: ${item.fields === 'object' ? 'the whole object' : item.fields.join(', ')}`);
    options.print("Deploy Ferry's objects with `sf project deploy start --source-dir salesforce/force-app` (see salesforce/README.md).");
    return ExitCode.failure;
  } finally {
    await engine.stop();
    await db.close();
    release();
  }
}

/** `ferry emulator`: the emulated org alone, until stopped. */
export async function emulatorCommand(options: { port: number; host: string; snapshot?: string | undefined; untilStopped: Promise<void> }): Promise<void> {
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) throw new CliError('--port must be a number from 0 to 65535.', ExitCode.usage);
  const emulator = await startEmulator({ port: options.port, host: options.host, ...(options.snapshot !== undefined ? { snapshot: options.snapshot } : {}) });
  try {
    await options.untilStopped;
  } finally {
    await emulator.saveSnapshot();
    await emulator.stop();
  }
}
