import { Command, CommanderError } from 'commander';
import { API_VERSION } from '../api/version.ts';
import { ConfigError, parseEnv } from '../config/index.ts';
import { ENTITY_NAMES } from '../platform/entities.ts';
import { addEmulatorOptions, emulatorCommandOptions, type EmulatorFlags } from '../emulator/command-line.ts';
import { CliError, ExitCode } from './exit-codes.ts';
import { withLocalStore } from './runtime.ts';

// Each command loads its own modules when it runs: the API, the engine with jsforce, and the
// emulator are tens of megabytes that `ferry migrate` or `ferry org create` never use.
const commands = {
  start: () => import('./commands/start.ts'),
  engine: () => import('./commands/engine-commands.ts'),
  org: () => import('./commands/org.ts'),
  import: () => import('./commands/import.ts'),
  importIntoSalesforce: () => import('./commands/import-into-salesforce.ts'),
  reconciliation: () => import('./commands/reconciliation.ts'),
  retention: () => import('./commands/retention.ts'),
  api: () => import('../api/index.ts'),
  emulator: () => import('../emulator/command.ts'),
};

export interface CliIo {
  env: Record<string, string | undefined>;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  isTty: boolean;
  untilStopped: () => Promise<void>;
}

function waitForSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

const defaultIo = (): CliIo => ({
  env: process.env,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  isTty: process.stderr.isTTY,
  untilStopped: waitForSignal,
});

/** Runs the `ferry` command line and returns its exit code. */
export async function main(argv: string[], io: CliIo = defaultIo()): Promise<number> {
  const print = (line: string) => io.stdout(`${line}\n`);
  const printError = (line: string) => io.stderr(`${line}\n`);
  let exitCode: number = ExitCode.ok;
  const env = () => parseEnv(io.env);

  const program = new Command()
    .name('ferry')
    .description('Keeps a billing platform\'s data and Salesforce in step.')
    .version(API_VERSION)
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });

  program
    .command('start')
    .description('Run the API and the integration worker (embedded PGlite in FERRY_DATA_DIR, or DATABASE_URL), with an emulated Salesforce org and demo data')
    .option('--no-demo', 'start clean: no emulated org, no demo data')
    .option('--remove-demo', "with --no-demo: delete the demo's credential and integrations left from an earlier start")
    .action(async (options: { demo: boolean; removeDemo?: boolean }) => {
      const { startCommand } = await commands.start();
      await startCommand({ env: env(), print, untilStopped: io.untilStopped(), demo: options.demo, removeDemo: options.removeDemo === true });
    });

  program
    .command('worker')
    .description('Run only the integration worker (scale-out on a Postgres server: DATABASE_URL)')
    .action(async () => {
      const { workerCommand } = await commands.engine();
      await workerCommand({ env: env(), print, printError, untilStopped: io.untilStopped() });
    });

  program
    .command('sync')
    .argument('<integration>', 'integration id')
    .option('--full', 'send every record, not only pending changes')
    .option('--org <id>', 'organization id (default: the default organization)')
    .description('Run an integration now and wait for the outcome')
    .action(async (integrationId: string, options: { full?: boolean; org?: string }) => {
      const { syncCommand } = await commands.engine();
      exitCode = await syncCommand({ env: env(), integrationId, full: options.full === true, org: options.org, print, printError });
    });

  addEmulatorOptions(program.command('emulator').description('Run the Salesforce emulator alone')).action(async (flags: EmulatorFlags) => {
    const { runEmulatorCommand } = await commands.emulator();
    const stopped = new AbortController();
    void io.untilStopped().then(() => stopped.abort());
    exitCode = await runEmulatorCommand({ ...emulatorCommandOptions(flags), signal: stopped.signal, write: io.stdout, writeError: io.stderr });
  });

  program
    .command('salesforce')
    .description('Salesforce org tools')
    .command('check')
    .argument('<credential>', 'credential id')
    .option('--org <id>', 'organization id (default: the default organization)')
    .description("List Ferry's objects and fields missing in the credential's org")
    .action(async (credentialId: string, options: { org?: string }) => {
      const { checkCommand } = await commands.engine();
      exitCode = await checkCommand({ env: env(), credentialId, org: options.org, print, printError });
    });

  program
    .command('migrate')
    .description('Apply pending database migrations (safe when several processes run it at once)')
    .action(async () => {
      await withLocalStore(env(), printError, () => Promise.resolve());
      print('Database is up to date.');
    });

  const org = program.command('org').description('Manage organizations and their API keys');
  org
    .command('create')
    .argument('<name>', 'organization name')
    .description('Create an organization and print its API key (shown once); works while ferry start runs')
    .action(async (name: string) => {
      const { orgCreateCommand } = await commands.org();
      await orgCreateCommand({ env: env(), name, print, printError });
    });
  org
    .command('key')
    .description("Manage an organization's API keys")
    .command('create')
    .option('--org <id>', 'organization id (default: the default organization)')
    .description('Issue a new API key for an organization (shown once), from the machine that holds the data')
    .action(async (options: { org?: string }) => {
      const { orgKeyCreateCommand } = await commands.org();
      await orgKeyCreateCommand({ env: env(), org: options.org, print, printError });
    });

  program
    .command('import')
    .argument('<entity>', `one of: ${ENTITY_NAMES.join(', ')}`)
    .argument('<file>', 'a .csv file (columns name fields: code, address.line1, lineItems.0.amount) or .jsonl (one JSON object a line)')
    .option('--format <format>', 'csv or jsonl, when the file name does not tell')
    .option('--org <id>', 'organization id (default: the default organization)')
    .description('Create or update records from a file, by their key (code, billNumber, or externalKey)')
    .action(async (entity: string, file: string, options: { format?: string; org?: string }) => {
      const { importCommand } = await commands.import();
      exitCode = await importCommand({ env: env(), entity, file, format: options.format, org: options.org, print, printError, progress: io.isTty });
    });

  program
    .command('import-catalogue')
    .argument('<credential>', 'credential id: the Salesforce org to import into')
    .option('--org <id>', 'organization id (default: the default organization)')
    .description("Import the catalogue (products with their prices, services, rate plans) into the credential's org, showing the progress")
    .action(async (credentialId: string, options: { org?: string }) => {
      const { importIntoSalesforceCommand } = await commands.importIntoSalesforce();
      exitCode = await importIntoSalesforceCommand({ env: env(), kind: 'Catalogue', credentialId, org: options.org, print, printError, progress: io.isTty });
    });

  program
    .command('import-data')
    .argument('<credential>', 'credential id: the Salesforce org to import into')
    .option('--org <id>', 'organization id (default: the default organization)')
    .description("Import the reference data (account types and statuses, contact types, countries and states, owners, bill groups, AR terms) into the credential's org, and report the picklist values it lacks")
    .action(async (credentialId: string, options: { org?: string }) => {
      const { importIntoSalesforceCommand } = await commands.importIntoSalesforce();
      exitCode = await importIntoSalesforceCommand({ env: env(), kind: 'ReferenceData', credentialId, org: options.org, print, printError, progress: io.isTty });
    });

  const reconciliation = program.command('reconciliation').description('Reconciliations: the billing tool\'s customers, and runs with their report');
  reconciliation
    .command('upload')
    .argument('<integration>', 'the Reconciliation integration\'s id')
    .argument('<file>', 'the billing tool\'s customers: a .csv file with a header row, or .jsonl (one JSON object a line)')
    .option('--format <format>', 'csv or jsonl, when the file name does not tell')
    .option('--org <id>', 'organization id (default: the default organization)')
    .description('Keep the billing tool\'s customers for the next run (checked first: a malformed file is refused with its line)')
    .action(async (integrationId: string, file: string, options: { format?: string; org?: string }) => {
      const { uploadCommand } = await commands.reconciliation();
      exitCode = await uploadCommand({ env: env(), integrationId, file, format: options.format, org: options.org, print, printError });
    });
  reconciliation
    .command('run')
    .argument('<integration>', 'the Reconciliation integration\'s id')
    .option('--org <id>', 'organization id (default: the default organization)')
    .description('Run the reconciliation now and print its report: matched, on one side only, duplicates, differences')
    .action(async (integrationId: string, options: { org?: string }) => {
      const { runCommand } = await commands.reconciliation();
      exitCode = await runCommand({ env: env(), integrationId, org: options.org, print, printError });
    });

  program
    .command('status')
    .option('--org <id>', 'only this organization\'s journal (default: every organization)')
    .option('--json', 'print the status as JSON (every table)')
    .description('Show table sizes, each organization\'s journal and the integration holding it back, the last pruning and the workers')
    .action(async (options: { org?: string; json?: boolean }) => {
      const { statusCommand } = await commands.retention();
      exitCode = await statusCommand({ env: env(), org: options.org, json: options.json === true, print, printError });
    });

  program
    .command('prune')
    .option('--json', 'print what was removed as JSON')
    .description('Remove now what the retention settings (FERRY_RETAIN_*_DAYS) let go, as the hourly pruning does; says which integration holds the journal back')
    .action(async (options: { json?: boolean }) => {
      const { pruneCommand } = await commands.retention();
      exitCode = await pruneCommand({ env: env(), json: options.json === true, print, printError });
    });

  program
    .command('openapi')
    .description('Print the OpenAPI 3.1 document')
    .action(async () => {
      const { buildOpenApi, allEndpoints } = await commands.api();
      print(JSON.stringify(buildOpenApi(allEndpoints(), { version: API_VERSION }), null, 2));
    });

  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    if (error instanceof ConfigError) {
      printError(error.message);
      return ExitCode.config;
    }
    if (error instanceof CliError) {
      printError(error.message);
      return error.exitCode;
    }
    printError(error instanceof Error ? (error.stack ?? error.message) : String(error));
    return ExitCode.failure;
  }
}
