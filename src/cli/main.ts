import { Command, CommanderError } from 'commander';
import { buildOpenApi, allEndpoints, API_VERSION } from '../api/index.ts';
import { ConfigError, parseEnv } from '../config/index.ts';
import { createOrganization, ENTITY_NAMES } from '../platform/index.ts';
import { importCommand } from './commands/import.ts';
import { startCommand } from './commands/start.ts';
import { checkCommand, emulatorCommand, syncCommand, workerCommand } from './commands/engine-commands.ts';
import { CliError, ExitCode } from './exit-codes.ts';
import { claimDataDir, openMigratedDatabase } from './runtime.ts';

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
    .action(async (options: { demo: boolean }) => {
      await startCommand({ env: env(), print, untilStopped: io.untilStopped(), demo: options.demo });
    });

  program
    .command('worker')
    .description('Run only the integration worker (scale-out on a Postgres server: DATABASE_URL)')
    .action(async () => {
      await workerCommand({ env: env(), print, untilStopped: io.untilStopped() });
    });

  program
    .command('sync')
    .argument('<integration>', 'integration id')
    .option('--full', 'send every record, not only pending changes')
    .option('--org <id>', 'organization id (default: the default organization)')
    .description('Run an integration now and wait for the outcome')
    .action(async (integrationId: string, options: { full?: boolean; org?: string }) => {
      exitCode = await syncCommand({ env: env(), integrationId, full: options.full === true, org: options.org, print, printError });
    });

  program
    .command('emulator')
    .description('Run the Salesforce emulator alone')
    .option('--port <port>', 'port to listen on', '8788')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--snapshot <file>', 'keep the org\'s data in this file across restarts')
    .action(async (options: { port: string; host: string; snapshot?: string }) => {
      await emulatorCommand({ port: Number(options.port), host: options.host, snapshot: options.snapshot, untilStopped: io.untilStopped() });
    });

  program
    .command('salesforce')
    .description('Salesforce org tools')
    .command('check')
    .argument('<credential>', 'credential id')
    .option('--org <id>', 'organization id (default: the default organization)')
    .description("List Ferry's objects and fields missing in the credential's org")
    .action(async (credentialId: string, options: { org?: string }) => {
      exitCode = await checkCommand({ env: env(), credentialId, org: options.org, print, printError });
    });

  program
    .command('migrate')
    .description('Apply pending database migrations (safe when several processes run it at once)')
    .action(async () => {
      const config = env();
      const release = claimDataDir(config);
      try {
        const db = await openMigratedDatabase(config);
        await db.close();
        print('Database is up to date.');
      } finally {
        release();
      }
    });

  program
    .command('org')
    .description('Manage organizations')
    .command('create')
    .argument('<name>', 'organization name')
    .description('Create an organization and print its API key (shown once)')
    .action(async (name: string) => {
      const config = env();
      const release = claimDataDir(config);
      const db = await openMigratedDatabase(config);
      try {
        const { organization, apiKey } = await createOrganization(db, name);
        print(`Organization ${organization.name}`);
        print(`  id       ${organization.id}`);
        print(`  API key  ${apiKey}   (shown once: store it now)`);
      } finally {
        await db.close();
        release();
      }
    });

  program
    .command('import')
    .argument('<entity>', `one of: ${ENTITY_NAMES.join(', ')}`)
    .argument('<file>', 'a .csv file (columns name fields: code, address.line1, lineItems.0.amount) or .jsonl (one JSON object a line)')
    .option('--format <format>', 'csv or jsonl, when the file name does not tell')
    .option('--org <id>', 'organization id (default: the default organization)')
    .description('Create or update records from a file, by their key (code, billNumber, or externalKey)')
    .action(async (entity: string, file: string, options: { format?: string; org?: string }) => {
      exitCode = await importCommand({ env: env(), entity, file, format: options.format, org: options.org, print, printError, progress: io.isTty });
    });

  program
    .command('openapi')
    .description('Print the OpenAPI 3.1 document')
    .action(() => {
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
