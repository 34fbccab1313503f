// An emulated org in a process of its own, for bench/versus.ts: every contender (Ferry and the
// scripts alike) talks to an org whose CSV parsing and record processing do not share its event
// loop. Prints {"url": ...} once listening; stops on SIGTERM. Controls: /__emulator over HTTP.
import { DEFAULT_SFDX_PROJECT, startEmulator } from '../../src/emulator/index.ts';

// BENCH_CURRENCIES=USD,EUR: a multi-currency org (bench/catalogue.ts); BENCH_SFDX: SFDX projects
// besides Ferry's (a comma-separated list; bench/reconciliation.ts adds an Account field).
const currencies = process.env.BENCH_CURRENCIES?.split(',').filter((c) => c !== '');
const projects = process.env.BENCH_SFDX?.split(',').filter((p) => p !== '');
const emulator = await startEmulator({
  port: 0, host: '127.0.0.1',
  ...(currencies === undefined ? {} : { currencies }),
  ...(projects === undefined ? {} : { sfdxProjects: [DEFAULT_SFDX_PROJECT, ...projects] }),
});
process.stdout.write(`${JSON.stringify({ url: emulator.url, loginUrl: emulator.loginUrl })}\n`);
process.once('SIGTERM', () => {
  void emulator.stop().then(() => process.exit(0));
});
