// Runs the emulator on its own, without the rest of Ferry:
//   npx tsx src/emulator/main.ts [--port 8788] [--host 127.0.0.1] [--snapshot FILE]
// `ferry emulator` calls the same runEmulatorCommand.
import { Command } from 'commander';
import { DEFAULT_HOST, DEFAULT_PORT, runEmulatorCommand } from './index.ts';

const program = new Command('emulator')
  .description('Run the Salesforce emulator')
  .option('--port <port>', 'TCP port', String(DEFAULT_PORT))
  .option('--host <host>', 'interface to listen on', DEFAULT_HOST)
  .option('--snapshot <file>', 'keep the org data in this JSON file across restarts')
  .option('--log', 'print one line per request')
  .parse(process.argv);

const options = program.opts<{ port: string; host: string; snapshot?: string; log?: boolean }>();
process.exitCode = await runEmulatorCommand({
  port: options.port,
  host: options.host,
  ...(options.snapshot === undefined ? {} : { snapshot: options.snapshot }),
  log: options.log === true,
});
