import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { createLogger, type Env } from '../../config/index.ts';
import type { RunView } from '../../engine/index.ts';
import { CliError, ExitCode } from '../exit-codes.ts';
import { startEngine } from '../engine-runtime.ts';
import { RemoteFerry } from '../remote.ts';
import { announceServer, checkId, requireExistingStore, resolveOrganization, runningServer, withLocalStore } from '../runtime.ts';

interface Printing {
  print: (line: string) => void;
  printError: (line: string) => void;
}

interface Common extends Printing {
  env: Env;
  integrationId: string;
  org?: string | undefined;
}

/** How long `ferry reconciliation run` waits for the run. */
const WAIT_MS = 60 * 60_000;

interface Summary {
  counts: Record<string, number>;
  read: Record<string, number>;
  withDifferences: number;
  matchedShare: number;
  people?: { owners?: Record<string, number>; contacts?: Record<string, number> } | undefined;
}

const CATEGORY_TEXT: [string, string][] = [
  ['all_three', 'on all three sides'], ['salesforce_ferry', 'Salesforce and Ferry'], ['salesforce_source', 'Salesforce and billing tool'], ['ferry_source', 'Ferry and billing tool'],
  ['salesforce_only', 'Salesforce only'], ['ferry_only', 'Ferry only'], ['source_only', 'billing tool only'], ['duplicate', 'keys shared by several records'],
];

function printReport(runId: string, summary: Summary, { print }: Printing): void {
  print(`report of run ${runId}: ${(summary.matchedShare * 100).toFixed(1)}% of the Salesforce Accounts matched on all three sides`);
  print(`  read: ${summary.read.salesforce} Salesforce Accounts, ${summary.read.ferry} Ferry accounts, ${summary.read.source} billing customers`);
  const width = Math.max(...CATEGORY_TEXT.map(([, text]) => text.length));
  for (const [key, text] of CATEGORY_TEXT) print(`  ${text.padEnd(width)}  ${String(summary.counts[key] ?? 0).padStart(7)}`);
  print(`  matched groups with differences: ${summary.withDifferences}`);
  const owners = summary.people?.owners;
  if (owners !== undefined) print(`  owners as assigned users: ${Object.entries(owners).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  const contacts = summary.people?.contacts;
  if (contacts !== undefined) print(`  contacts from Salesforce: ${Object.entries(contacts).map(([k, v]) => `${k} ${v}`).join(', ')}`);
}

/** The file's format: --format, or its extension (.csv, .jsonl, .ndjson). */
function formatOf(file: string, format: string | undefined): 'csv' | 'jsonl' {
  const chosen = format ?? ({ '.csv': 'csv', '.jsonl': 'jsonl', '.ndjson': 'jsonl' } as Record<string, string>)[extname(file).toLowerCase()];
  if (chosen === 'csv' || chosen === 'jsonl') return chosen;
  throw new CliError(format === undefined
    ? `Cannot tell the format of ${file} from its name: pass --format csv or --format jsonl.`
    : `--format must be csv or jsonl, not "${format}".`, ExitCode.usage);
}

/** A refusal from the API or the engine as lines: the message, then each detail. */
function refusal(error: { message: string; details: { path: (string | number)[] | string; message: string }[] }): string {
  return [error.message, ...error.details.map((d) => `  ${Array.isArray(d.path) ? d.path.join('.') : d.path}: ${d.message}`)].join('\n');
}

/**
 * `ferry reconciliation upload INTEGRATION FILE`: keeps the billing tool's customers for the next
 * run (read through first: a malformed file is refused with its line) — in this process, or
 * through the running `ferry start`.
 */
export async function uploadCommand(options: Common & { file: string; format?: string | undefined }): Promise<number> {
  checkId(options.integrationId, 'an integration id');
  const format = formatOf(options.file, options.format);
  const content = await readFile(options.file, 'utf8').catch((error: unknown) => {
    throw new CliError(`Cannot read ${options.file}: ${error instanceof Error ? error.message : String(error)}`, ExitCode.usage);
  });
  const body = { format, content };
  let kept: { records: number; bytes: number };
  const server = runningServer(options.env);
  if (server !== undefined) {
    announceServer(server, options.env, options.printError);
    const remote = new RemoteFerry(server);
    const orgId = await remote.organization(options.org);
    const answer = await remote.request('PUT', `/api/v1/integrations/${options.integrationId}/reconciliation/file`, { orgId, body });
    if (answer.status !== 200) {
      const error = (answer.body as { error?: { message: string; details: { path: string; message: string }[] } }).error;
      throw new CliError(error === undefined ? `The upload was refused (HTTP ${answer.status}).` : refusal(error), answer.status === 404 ? ExitCode.usage : ExitCode.failure);
    }
    kept = answer.body as { records: number; bytes: number };
  } else {
    requireExistingStore(options.env, 'reconciliation upload');
    kept = await withLocalStore(options.env, options.printError, async (db) => {
      const engine = await startEngine(options.env, db, createLogger('error'), false);
      try {
        const orgId = await resolveOrganization(db, options.env, options.org, options.print);
        const result = await engine.reconciliations.uploadFile(orgId, options.integrationId, body);
        if (!result.ok) throw new CliError(refusal(result.error), result.error.code === 'not_found' ? ExitCode.usage : ExitCode.failure);
        return result.value;
      } finally {
        await engine.stop();
      }
    });
  }
  options.print(`Kept ${kept.records} billing customer(s) (${kept.bytes} bytes of ${format}) for the next run of ${options.integrationId}.`);
  return ExitCode.ok;
}

/**
 * `ferry reconciliation run INTEGRATION`: runs the reconciliation now and prints its report's
 * summary — in this process, or through the running `ferry start`.
 */
export async function runCommand(options: Common): Promise<number> {
  checkId(options.integrationId, 'an integration id');
  const server = runningServer(options.env);
  let run: RunView;
  let summary: Summary | undefined;
  if (server !== undefined) {
    announceServer(server, options.env, options.printError);
    const remote = new RemoteFerry(server);
    const orgId = await remote.organization(options.org);
    const status = await remote.request('GET', `/api/v1/integrations/${options.integrationId}/reconciliation`, { orgId });
    if (status.status !== 200) {
      const error = (status.body as { error?: { message: string } } | undefined)?.error;
      throw new CliError(status.status === 404 || error === undefined ? `No reconciliation integration has id ${options.integrationId}.` : error.message, ExitCode.usage);
    }
    run = remote.expect<RunView>(await remote.request('POST', `/api/v1/integrations/${options.integrationId}/sync`, { orgId, body: { mode: 'full' } }), 202);
    const deadline = Date.now() + WAIT_MS;
    while (run.status === 'WAITING' || run.status === 'STARTED') {
      if (Date.now() > deadline) throw new CliError(`Run ${run.id} is still ${run.status} after ${WAIT_MS / 60_000} minutes; follow it at ${remote.url}/api/v1/runs/${run.id}.`);
      await new Promise((resolve) => setTimeout(resolve, 250));
      run = remote.expect<RunView>(await remote.request('GET', `/api/v1/runs/${run.id}`, { orgId }), 200);
    }
    const report = remote.expect<{ report: { runId: string; summary: Summary } | null }>(await remote.request('GET', `/api/v1/integrations/${options.integrationId}/reconciliation`, { orgId }), 200).report;
    summary = report?.runId === run.id ? report.summary : undefined;
  } else {
    requireExistingStore(options.env, 'reconciliation run');
    [run, summary] = await withLocalStore(options.env, options.printError, async (db) => {
      const engine = await startEngine(options.env, db, createLogger(options.env.FERRY_LOG_LEVEL === 'info' ? 'warn' : options.env.FERRY_LOG_LEVEL), false);
      try {
        const orgId = await resolveOrganization(db, options.env, options.org, options.print);
        const status = await engine.reconciliations.status(orgId, options.integrationId);
        if (!status.ok) throw new CliError(status.error.code === 'not_found' ? `No reconciliation integration has id ${options.integrationId}.` : status.error.message, ExitCode.usage);
        const ran = await engine.runner.execute({ orgId, integrationId: options.integrationId, trigger: 'manual', mode: 'full' });
        if (ran === undefined) throw new CliError('The reconciliation is running elsewhere right now; try again in a moment.');
        const after = await engine.reconciliations.status(orgId, options.integrationId);
        const report = after.ok ? after.value.report : null;
        return [ran, report?.runId === ran.id ? (report.summary as Summary) : undefined] as const;
      } finally {
        await engine.stop();
      }
    });
  }
  options.print(`run ${run.id}: ${run.status}`);
  if (run.error !== null) options.printError(`${run.error.errorCode}: ${run.error.message}`);
  if (summary !== undefined) printReport(run.id, summary, options);
  for (const skip of run.skips) options.print(`  skipped ${skip.count}: ${skip.reason}`);
  return run.status === 'COMPLETE' ? ExitCode.ok : ExitCode.failure;
}
