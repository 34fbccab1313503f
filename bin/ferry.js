#!/usr/bin/env node
// Ferry runs its TypeScript sources directly through tsx's loader: no build step to forget,
// and stack traces point at the real files.
import { register } from 'tsx/esm/api';

// Everything Ferry writes (the database, the secret key, the local admin token) is for its owner
// only: set before any file is created, so none is ever world-readable, even for a moment.
process.umask(0o077);
register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
