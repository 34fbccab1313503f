// Runs the emulator on its own, without the rest of Ferry:
//   npx tsx src/emulator/main.ts [--port 8788] [--host 127.0.0.1] [--snapshot FILE] [--currencies USD,EUR]
// `ferry emulator` calls the same runEmulatorCommand.
import { Command } from 'commander';
import { DEFAULT_HOST, DEFAULT_PORT, runEmulatorCommand } from './index.ts';

const program = new Command('emulator')
  .description('Run the Salesforce emulator')
  .option('--port <port>', 'TCP port', String(DEFAULT_PORT))
  .option('--host <host>', 'interface to listen on', DEFAULT_HOST)
  .option('--snapshot <file>', 'keep the org data in this JSON file across restarts')
  .option('--log', 'print one line per request')
  .option('--currencies <codes>', 'active currencies, corporate first (two or more: a multi-currency org)', 'USD')
  .parse(process.argv);

const options = program.opts<{ port: string; host: string; snapshot?: string; log?: boolean; currencies: string }>();
process.exitCode = await runEmulatorCommand({
  port: options.port,
  host: options.host,
  ...(options.snapshot === undefined ? {} : { snapshot: options.snapshot }),
  log: options.log === true,
  currencies: options.currencies,
});
