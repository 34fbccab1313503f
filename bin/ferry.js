#!/usr/bin/env -S node --max-semi-space-size=2
// Ferry runs its TypeScript sources directly through tsx's loader: no build step to forget,
// and stack traces point at the real files. A 2 MB young generation (instead of V8's 16 MB
// semi-spaces, in this thread and tsx's loader thread) keeps an idle server ~70 MB smaller; the
// npm scripts pass the same flag.
import { setFlagsFromString } from 'node:v8';
import { register } from 'tsx/esm/api';

// V8 lets the old generation grow to up to four times what was alive after the last full
// collection before it collects again. A worker's live heap is small (tens of MB) but each batch
// it sends leaves as much garbage, promoted early by the small young generation: with the default
// a worker sending batches of 2,000 records peaked at 343 MiB RSS; at 1.3 times, 181 MiB, at
// about the same speed (bench:million). The factor is read at every collection, so setting it
// here, before any work, holds for the whole process (unless the node command line sets its own).
if (!process.execArgv.some((flag) => flag.startsWith('--heap-growing-percent'))) setFlagsFromString('--heap-growing-percent=30');

// Everything Ferry writes (the database, the secret key, the local admin token) is for its owner
// only: set before any file is created, so none is ever world-readable, even for a moment.
process.umask(0o077);
register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
// The command is done: whatever still holds the process open (a stopped worker's run still waiting
// on Salesforce after the graceful stop; the others took it over) gets two seconds, not longer.
globalThis.setTimeout(() => process.exit(), 2000).unref();
