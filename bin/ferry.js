#!/usr/bin/env node
// Ferry runs its TypeScript sources directly through tsx's loader: no build step to forget,
// and stack traces point at the real files.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
