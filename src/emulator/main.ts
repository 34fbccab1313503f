// Runs the emulator on its own, without the rest of Ferry (`npm run emulator` runs `ferry
// emulator`, which takes the same options):
//   npx tsx src/emulator/main.ts [--port 8788] [--host 127.0.0.1] [--https] [--snapshot FILE] ...
import { Command, CommanderError } from 'commander';
import { addEmulatorOptions, emulatorCommandOptions, type EmulatorFlags } from './command-line.ts';
import { EMULATOR_EXIT, runEmulatorCommand } from './command.ts';

const program = addEmulatorOptions(new Command('emulator').description('Run the Salesforce emulator')).exitOverride();
try {
  program.parse(process.argv);
  process.exitCode = await runEmulatorCommand(emulatorCommandOptions(program.opts<EmulatorFlags>()));
} catch (error) {
  // Commander has printed what was wrong (an unknown option, a missing value); --help exits 0.
  if (!(error instanceof CommanderError)) throw error;
  process.exitCode = error.exitCode === 0 ? EMULATOR_EXIT.ok : EMULATOR_EXIT.usage;
}
