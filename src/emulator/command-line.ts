// The emulator's command-line options, declared once for `ferry emulator` (src/cli/main.ts) and
// for running it alone (src/emulator/main.ts). Light on purpose: Ferry's CLI loads this module for
// every command, and the emulator itself only when `ferry emulator` runs.
import type { Command } from 'commander';
import { DEFAULT_HOST, DEFAULT_PORT } from './options.ts';
import type { EmulatorCommandOptions } from './command.ts';

/** What commander parses the options below into. */
export interface EmulatorFlags {
  port: string;
  host: string;
  snapshot?: string;
  log?: boolean;
  currencies?: string;
  https?: boolean;
  httpsPort?: string;
  sfdxProject?: string[];
  jwtCert?: string;
  user?: string[];
  latency?: string;
}

const repeat = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

export function addEmulatorOptions(command: Command): Command {
  return command
    .option('--port <port>', 'port to listen on (0: any free port; the URL is printed)', String(DEFAULT_PORT))
    .option('--host <host>', 'address to listen on', DEFAULT_HOST)
    .option('--snapshot <file>', "keep the org's data in this JSON file across restarts")
    .option('--https', 'serve HTTPS on --port with a self-signed certificate made at start (its file is printed)')
    .option('--https-port <port>', 'serve HTTPS on this port too, beside HTTP on --port')
    .option('--sfdx-project <dir>', "an SFDX project whose objects and fields extend the schema, besides the repository's salesforce/ (repeatable)", repeat)
    .option('--jwt-cert <file>', "the connected app's certificate (PEM) for the OAuth JWT bearer flow")
    .option('--user <username:password[:token]>', 'one more user, besides integration@ and rep@ferry.test (repeatable)', repeat)
    .option('--latency <fixed[,perRecord]>', 'milliseconds added to every Salesforce call, and per record it reads or writes')
    .option('--currencies <codes>', 'active currencies, corporate first (two or more: a multi-currency org)')
    .option('--log', 'print one line per request');
}

/** Commander's values as runEmulatorCommand takes them. */
export function emulatorCommandOptions(flags: EmulatorFlags): EmulatorCommandOptions {
  return {
    port: flags.port,
    host: flags.host,
    log: flags.log === true,
    https: flags.https === true,
    ...(flags.snapshot === undefined ? {} : { snapshot: flags.snapshot }),
    ...(flags.currencies === undefined ? {} : { currencies: flags.currencies }),
    ...(flags.httpsPort === undefined ? {} : { httpsPort: flags.httpsPort }),
    ...(flags.sfdxProject === undefined ? {} : { sfdxProject: flags.sfdxProject }),
    ...(flags.jwtCert === undefined ? {} : { jwtCert: flags.jwtCert }),
    ...(flags.user === undefined ? {} : { user: flags.user }),
    ...(flags.latency === undefined ? {} : { latency: flags.latency }),
  };
}
