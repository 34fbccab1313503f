import cliProgress from 'cli-progress';
import { v7 as uuidv7 } from 'uuid';
import { createLogger, type Env } from '../../config/index.ts';
import { CATALOGUE_OBJECTS, REFERENCE_OBJECT, type RunView } from '../../engine/index.ts';
import { CliError, ExitCode } from '../exit-codes.ts';
import { startEngine } from '../engine-runtime.ts';
import { RemoteFerry } from '../remote.ts';
import { announceServer, checkId, requireExistingStore, resolveOrganization, runningServer, withLocalStore } from '../runtime.ts';

export interface ImportCatalogueOptions {
  env: Env;
  /** What to import: the catalogue, or the reference data. */
  kind: 'Catalogue' | 'ReferenceData';
  credentialId: string;
  org?: string | undefined;
  print: (line: string) => void;
  printError: (line: string) => void;
  /** Draw a progress bar (on a terminal); otherwise a line per step. */
  progress: boolean;
}

/** How long the command waits for the import run. */
const WAIT_MS = 60 * 60_000;

type Progress = NonNullable<RunView['progress']>;

/** Shows where a run stands: a bar on a terminal, a line each time it moves to another step otherwise. */
class ProgressView {
  readonly #bar: cliProgress.SingleBar | undefined;
  readonly #print: (line: string) => void;
  #step = '';
  #started = false;

  constructor(options: ImportCatalogueOptions) {
    this.#print = options.print;
    this.#bar = options.progress ? new cliProgress.SingleBar({ format: 'importing {bar} {percentage}% | {value}/{total} rows | {step}' }, cliProgress.Presets.shades_classic) : undefined;
  }

  show(progress: Progress | null): void {
    if (progress === null) return;
    if (this.#bar !== undefined) {
      if (!this.#started) this.#bar.start(progress.total, 0, { step: progress.step });
      this.#started = true;
      this.#bar.setTotal(progress.total);
      this.#bar.update(progress.done, { step: progress.step });
      return;
    }
    if (progress.step === this.#step) return;
    this.#step = progress.step;
    const share = progress.total === 0 ? 100 : Math.floor((progress.done * 100) / progress.total);
    this.#print(`${String(share).padStart(3)}% ${progress.done}/${progress.total} rows: ${progress.step}`);
  }

  stop(): void {
    if (this.#started) this.#bar?.stop();
    this.#started = false;
  }
}

/** Warnings worth a line at the terminal: picklist values the org lacks (reference data). */
function printWarnings(events: { name: string; message: string; hint: string | null }[], { printError }: ImportCatalogueOptions): void {
  for (const event of events) {
    if (event.name !== 'integration.picklist_values_missing.warning') continue;
    printError(`warning: ${event.message}`);
    if (event.hint !== null) printError(`  ${event.hint}`);
  }
}

const WRITE_ORDER = [...CATALOGUE_OBJECTS, REFERENCE_OBJECT];
const rank = (object: string): number => (WRITE_ORDER.includes(object) ? WRITE_ORDER.indexOf(object) : WRITE_ORDER.length);

function printOutcome(run: RunView, { print, printError }: ImportCatalogueOptions): number {
  const c = run.counts;
  print(`import run ${run.id}: ${run.status} — created ${c.created}, updated ${c.updated}, retired ${c.deleted}, skipped ${c.skipped}, failed ${c.failed}`);
  // In the order the import writes them (the run's record of them has no order), those it touched.
  const objects = Object.entries(run.progress?.objects ?? {})
    .filter(([, s]) => s.created + s.updated + s.unchanged + s.retired + s.failed > 0)
    .sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b));
  if (objects.length > 0) {
    const width = Math.max(...objects.map(([object]) => object.length));
    print(`  ${'object'.padEnd(width)}  created  updated  unchanged  retired  failed`);
    for (const [object, s] of objects) {
      print(`  ${object.padEnd(width)}  ${String(s.created).padStart(7)}  ${String(s.updated).padStart(7)}  ${String(s.unchanged).padStart(9)}  ${String(s.retired).padStart(7)}  ${String(s.failed).padStart(6)}`);
    }
  }
  for (const skip of run.skips) print(`  skipped ${skip.count}: ${skip.reason}`);
  if (run.error !== null) printError(`${run.error.errorCode}: ${run.error.message}`);
  if (c.failed > 0) printError(`${c.failed} record(s) were refused: see the run's events (GET /api/v1/events?runId=${run.id}).`);
  return run.status === 'COMPLETE' ? ExitCode.ok : ExitCode.failure;
}

/** Polls a run until it ends, showing its progress. */
async function follow(read: () => Promise<RunView>, view: ProgressView, runId: string, where: string): Promise<RunView> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const run = await read();
    view.show(run.progress);
    if (run.status !== 'WAITING' && run.status !== 'STARTED') return run;
    if (Date.now() > deadline) throw new CliError(`Import run ${runId} is still ${run.status} after ${WAIT_MS / 60_000} minutes; follow it at ${where}.`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/**
 * `ferry import-catalogue CREDENTIAL` and `ferry import-data CREDENTIAL`: imports the catalogue (or
 * the reference data) into the credential's org through its import integration (made the first
 * time) and shows the progress — in this process, or, while `ferry start` holds the embedded
 * database, through that server.
 */
export async function importIntoSalesforceCommand(options: ImportCatalogueOptions): Promise<number> {
  const command = options.kind === 'Catalogue' ? 'import-catalogue' : 'import-data';
  checkId(options.credentialId, 'a credential id');
  const view = new ProgressView(options);
  const server = runningServer(options.env);
  try {
    if (server !== undefined) {
      announceServer(server, options.env, options.printError);
      const remote = new RemoteFerry(server);
      const orgId = await remote.organization(options.org);
      const started = remote.expect<{ run: RunView; integration: { id: string; name: string }; created: boolean }>(
        await remote.request('POST', `/api/v1/credentials/${options.credentialId}/${command}`, { orgId }), 202,
      );
      if (started.created) options.print(`Made the ${started.integration.name} integration ${started.integration.id}.`);
      const run = await follow(async () => remote.expect<RunView>(await remote.request('GET', `/api/v1/runs/${started.run.id}`, { orgId }), 200), view, started.run.id, `${remote.url}/api/v1/runs/${started.run.id}`);
      view.stop();
      const code = printOutcome(run, options);
      printWarnings(remote.expect<{ data: { name: string; message: string; hint: string | null }[] }>(await remote.request('GET', `/api/v1/events?runId=${run.id}&limit=100`, { orgId }), 200).data, options);
      return code;
    }
    requireExistingStore(options.env, command);
    return await withLocalStore(options.env, options.printError, async (db) => {
      const engine = await startEngine(options.env, db, createLogger(options.env.FERRY_LOG_LEVEL === 'info' ? 'warn' : options.env.FERRY_LOG_LEVEL), false);
      try {
        const orgId = await resolveOrganization(db, options.env, options.org, options.print);
        const found = await engine.importIntegrationFor(orgId, options.credentialId, options.kind);
        if (!found.ok) throw new CliError(found.error.message, ExitCode.usage);
        if (found.value.created) options.print(`Made the ${options.kind === 'Catalogue' ? 'Catalogue' : 'Reference data'} integration ${found.value.id}.`);
        const runId = uuidv7();
        const running = engine.runner.execute({ orgId, integrationId: found.value.id, trigger: 'manual', mode: 'full', runId });
        let ended = false;
        void running.finally(() => (ended = true)).catch(() => undefined);
        // Shown from the run's row while it works, as the server would.
        while (!ended) {
          const run = await engine.runs.get(orgId, runId);
          if (run !== undefined) view.show(run.progress);
          await Promise.race([running, new Promise((resolve) => setTimeout(resolve, 250))]);
        }
        const run = await running;
        if (run !== undefined) view.show(run.progress);
        view.stop();
        if (run === undefined) throw new CliError('The import integration is running elsewhere right now; try again in a moment.');
        const code = printOutcome(run, options);
        printWarnings(await engine.events.list(orgId, { runId: run.id, limit: 100 }), options);
        return code;
      } finally {
        await engine.stop();
      }
    });
  } finally {
    view.stop();
  }
}
