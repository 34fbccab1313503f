import { createLogger, type Env } from '../../config/index.ts';
import { SalesforceError } from '../../salesforce/index.ts';
import type { FastifyInstance } from 'fastify';
import { CliError, ExitCode } from '../exit-codes.ts';
import { startEngine } from '../engine-runtime.ts';
import { RemoteFerry } from '../remote.ts';
import { announceServer, checkId, requireExistingStore, resolveOrganization, runningServer, withLocalStore } from '../runtime.ts';

interface Printing {
  print: (line: string) => void;
  printError: (line: string) => void;
}

/** How long `ferry sync` waits for a run it asked the running Ferry for. */
const REMOTE_RUN_WAIT_MS = 15 * 60_000;

interface RunOutcome {
  id: string;
  status: string;
  counts: { sent: number; created: number; updated: number; deleted: number; skipped: number; failed: number };
  error: { errorCode: string; message: string } | null;
}

function printRun(run: RunOutcome, { print, printError }: Printing): number {
  const c = run.counts;
  print(`run ${run.id}: ${run.status} — sent ${c.sent}, created ${c.created}, updated ${c.updated}, deleted ${c.deleted}, skipped ${c.skipped}, failed ${c.failed}`);
  if (run.error !== null) printError(`${run.error.errorCode}: ${run.error.message}`);
  return run.status === 'COMPLETE' ? ExitCode.ok : ExitCode.failure;
}

/** What a Salesforce failure means to the person at the terminal: one line and an exit code. */
function salesforceFailure(error: SalesforceError, loginUrl: string | undefined): CliError {
  const where = loginUrl === undefined ? "The credential's Salesforce org" : `The Salesforce org at ${loginUrl}`;
  if (error.info.kind === 'transient') return new CliError(`${where} did not answer (${error.message}). Check the credential's login URL and the network, then try again.`, ExitCode.unreachable, { cause: error });
  return new CliError(`${where} refused the request (${error.message}).`, ExitCode.failure, { cause: error });
}

/** `ferry worker`: runs integrations from the shared queue until stopped. */
export async function workerCommand({ env, print, printError, untilStopped }: { env: Env; untilStopped: Promise<void> } & Printing): Promise<void> {
  await withLocalStore(env, printError, async (db) => {
    const engine = await startEngine(env, db, createLogger(env.FERRY_LOG_LEVEL), true);
    let probes: FastifyInstance | undefined;
    try {
      print(`Ferry worker running (${env.FERRY_WORKER_CONCURRENCY} concurrent runs) on ${env.DATABASE_URL !== undefined ? 'Postgres' : 'PGlite'}`);
      if (env.FERRY_WORKER_PORT !== undefined) {
        const { buildProbeServer } = await import('../../api/health/health.ts');
        probes = buildProbeServer({ db, engine, metricsToken: env.FERRY_METRICS_TOKEN });
        const url = await probes.listen({ host: env.FERRY_HOST, port: env.FERRY_WORKER_PORT }).catch((error: unknown) => {
          throw new CliError(`The worker could not listen on ${env.FERRY_HOST}:${env.FERRY_WORKER_PORT} for its probes: ${error instanceof Error ? error.message : String(error)}. Set FERRY_WORKER_PORT to a free port.`, ExitCode.portInUse, { cause: error });
        });
        print(`  probes    ${url}/healthz, ${url}/readyz, ${url}/metrics`);
      }
      await untilStopped;
    } finally {
      // Not ready from here on (readyz answers 503) while the runs in flight finish or go back.
      await engine.stop();
      await probes?.close();
    }
  });
}

async function remoteSync(remote: RemoteFerry, options: { integrationId: string; full: boolean; org?: string | undefined } & Printing): Promise<number> {
  const orgId = await remote.organization(options.org);
  const queued = remote.expect<RunOutcome>(await remote.request('POST', `/api/v1/integrations/${options.integrationId}/sync`, { orgId, body: { mode: options.full ? 'full' : 'incremental' } }), 202);
  const deadline = Date.now() + REMOTE_RUN_WAIT_MS;
  let run = queued;
  while (run.status === 'WAITING' || run.status === 'STARTED') {
    if (Date.now() > deadline) throw new CliError(`Run ${run.id} is still ${run.status} after ${REMOTE_RUN_WAIT_MS / 60_000} minutes; follow it at ${remote.url}/api/v1/runs/${run.id}.`);
    await new Promise((resolve) => setTimeout(resolve, 250));
    run = remote.expect<RunOutcome>(await remote.request('GET', `/api/v1/runs/${run.id}`, { orgId }), 200);
  }
  return printRun(run, options);
}

/**
 * `ferry sync INTEGRATION [--full]`: runs it and prints the outcome — in this process, or, while
 * `ferry start` holds the embedded database, through that server.
 */
export async function syncCommand(options: { env: Env; integrationId: string; full: boolean; org?: string | undefined } & Printing): Promise<number> {
  checkId(options.integrationId, 'an integration id');
  const server = runningServer(options.env);
  if (server !== undefined) {
    announceServer(server, options.env, options.printError);
    return remoteSync(new RemoteFerry(server), options);
  }
  requireExistingStore(options.env, 'sync');
  return withLocalStore(options.env, options.printError, async (db) => {
    const engine = await startEngine(options.env, db, createLogger(options.env.FERRY_LOG_LEVEL === 'info' ? 'warn' : options.env.FERRY_LOG_LEVEL), false);
    try {
      const orgId = await resolveOrganization(db, options.env, options.org, options.print);
      if (!(await engine.integrations.get(orgId, options.integrationId)).ok) throw new CliError(`No integration has id ${options.integrationId}.`, ExitCode.usage);
      const run = await engine.runner.execute({ orgId, integrationId: options.integrationId, trigger: 'manual', mode: options.full ? 'full' : 'incremental' });
      if (run === undefined) throw new CliError('The integration is running elsewhere right now; try again in a moment.');
      return printRun(run, options);
    } finally {
      await engine.stop();
    }
  });
}

type Missing = { object: string; fields: string[] | 'object' }[];

function printCheck(organizationId: string, missing: Missing, { print }: Printing): number {
  if (missing.length === 0) {
    print(`Salesforce org ${organizationId} has every object and field Ferry writes.`);
    return ExitCode.ok;
  }
  print(`Salesforce org ${organizationId} lacks:`);
  for (const item of missing) print(`  ${item.object}: ${item.fields === 'object' ? 'the whole object' : item.fields.join(', ')}`);
  print("Deploy Ferry's objects with `sf project deploy start --source-dir salesforce/force-app` (see salesforce/README.md).");
  return ExitCode.failure;
}

/** `ferry salesforce check CREDENTIAL`: describes the org and lists what Ferry's objects lack. */
export async function checkCommand(options: { env: Env; credentialId: string; org?: string | undefined } & Printing): Promise<number> {
  checkId(options.credentialId, 'a credential id');
  const server = runningServer(options.env);
  if (server !== undefined) {
    announceServer(server, options.env, options.printError);
    const remote = new RemoteFerry(server);
    const orgId = await remote.organization(options.org);
    const result = remote.expect<{ organizationId: string; missing: Missing }>(await remote.request('POST', `/api/v1/credentials/${options.credentialId}/check`, { orgId }), 200);
    return printCheck(result.organizationId, result.missing, options);
  }
  requireExistingStore(options.env, 'check');
  return withLocalStore(options.env, options.printError, async (db) => {
    const engine = await startEngine(options.env, db, createLogger('error'), false);
    try {
      const orgId = await resolveOrganization(db, options.env, options.org, options.print);
      const credential = await engine.credentials.get(orgId, options.credentialId);
      if (!credential.ok) throw new CliError(credential.error.message, ExitCode.usage);
      const result = await engine.checkSalesforce(orgId, options.credentialId).catch((error: unknown) => {
        throw error instanceof SalesforceError ? salesforceFailure(error, credential.value.loginUrl ?? undefined) : error;
      });
      if (!result.ok) throw new CliError(result.error.message, ExitCode.usage);
      return printCheck(result.value.organizationId, result.value.missing, options);
    } finally {
      await engine.stop();
    }
  });
}
