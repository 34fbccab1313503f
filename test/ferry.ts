// A whole Ferry in the test process: database, integration engine with its worker, HTTP API,
// and an emulated Salesforce org beside it, all on 127.0.0.1.
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { buildServer } from '../src/api/index.ts';
import { DEFAULT_IDENTITY, startEmulator, type EmulatorOptions, type RunningEmulator } from '../src/emulator/index.ts';
import { Engine, entitiesOf, SecretBox, type Mailer, type RunnerOptions, type WebhookOptions } from '../src/engine/index.ts';
import type { ClientOptions } from '../src/salesforce/index.ts';
import { createOrganization } from '../src/platform/index.ts';
import type { Database } from '../src/storage/index.ts';
import type { HttpResult } from './api.ts';
import { openTestDatabase } from './db.ts';
import { apiClient } from './net.ts';
import { eventually as waitUntil } from './wait.ts';

export interface TestFerry {
  url: string;
  db: Database;
  engine: Engine;
  emulator: RunningEmulator;
  apiKey: string;
  orgId: string;
  call<T = any>(method: string, path: string, body?: unknown, options?: { key?: string | null }): Promise<HttpResult<T>>;
  /** A password credential for the emulator's admin, tested. */
  credential(overrides?: Record<string, unknown>): Promise<any>;
  /** Polls `check` until it returns a value (not undefined), or fails after `timeoutMs`. */
  eventually<T>(check: () => Promise<T | undefined>, timeoutMs?: number): Promise<T>;
  /**
   * The one run of the integration that matches (by default: that sent records). A delivering run
   * may be followed by empty ones that another integration's dispatch queued, so "the newest" is
   * not it; exactly one must match.
   */
  deliveringRun(integrationId: string, matches?: (run: any) => boolean): Promise<any>;
  /** Waits until the integration has no queued or running work and its watermark is current. */
  settle(integrationId: string, timeoutMs?: number): Promise<any>;
  /**
   * Stops the engine and the API as a shutdown would, runs `whileDown` (the emulated org keeps
   * going), then starts them again on the same database: `engine`, `url` and `call` change.
   */
  restart(whileDown?: () => Promise<void>): Promise<void>;
  stop(): Promise<void>;
}

export interface TestFerryOptions {
  emulator?: EmulatorOptions;
  mailer?: Mailer;
  runner?: RunnerOptions;
  clientOptions?: ClientOptions;
  db?: Database;
  /** How often the worker queues due incoming runs (ms); tests that start them by hand set it long. */
  incomingCheckMs?: number;
  /** Webhook delivery timings (tests make the backoff short). */
  webhooks?: Partial<WebhookOptions>;
  /** Runs at once in this worker (2 unless set). */
  concurrency?: number;
}

export async function startTestFerry(options: TestFerryOptions = {}): Promise<TestFerry> {
  const db = options.db ?? (await openTestDatabase());
  const emulator = await startEmulator({ port: 0, host: '127.0.0.1', ...options.emulator });
  const logger = pino({ level: process.env.FERRY_TEST_LOG ?? 'silent' });
  const box = new SecretBox(randomBytes(32));
  const startEngine = () => Engine.start({
    db,
    box,
    logger,
    mailer: options.mailer,
    runner: { retryDelayMs: 1000, rateLimitPauseMs: 2000, ...options.runner },
    clientOptions: { backoffMs: 20, timeoutMs: 5000, ...options.clientOptions },
    exclusive: true,
    ...(options.incomingCheckMs !== undefined ? { incomingCheckMs: options.incomingCheckMs } : {}),
    ...(options.webhooks !== undefined ? { webhooks: options.webhooks } : {}),
    ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
  });
  let engine = await startEngine();
  const { organization, apiKey } = await createOrganization(db, 'Test org');
  let app = buildServer({ db, engine });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  const call: TestFerry['call'] = apiClient(url, apiKey);
  const eventually: TestFerry['eventually'] = (check, timeoutMs = 15_000) => waitUntil(check, { timeoutMs });
  const entitiesOfIntegration = async (integrationId: string) => {
    const [row] = await db.query<{ entity_type: Parameters<typeof entitiesOf>[0] }>('SELECT entity_type FROM integrations WHERE id = $1', [integrationId]);
    return row === undefined ? [] : entitiesOf(row.entity_type);
  };
  const ferry: TestFerry = {
    url,
    db,
    engine,
    emulator,
    apiKey,
    orgId: organization.id,
    call,
    eventually,
    async credential(overrides = {}) {
      const created = await ferry.call('POST', '/api/v1/credentials', {
        name: 'Emulated org',
        type: 'password',
        loginUrl: emulator.loginUrl,
        username: DEFAULT_IDENTITY.username,
        password: DEFAULT_IDENTITY.password,
        securityToken: DEFAULT_IDENTITY.securityToken,
        ...overrides,
      });
      if (created.status !== 201) throw new Error(`credential: ${JSON.stringify(created.body)}`);
      const tested = await ferry.call('POST', `/api/v1/credentials/${created.body.id}/test`);
      if (tested.body.ok !== true) throw new Error(`credential test: ${JSON.stringify(tested.body)}`);
      return created.body;
    },
    async deliveringRun(integrationId, matches = (run: any) => run.counts.sent > 0) {
      const runs = (await ferry.call('GET', `/api/v1/runs?integrationId=${integrationId}`)).body.data as any[];
      const found = runs.filter(matches);
      if (found.length !== 1) throw new Error(`expected exactly one matching run, found ${found.length}: ${JSON.stringify(runs.map((r) => [r.status, r.counts]))}`);
      return found[0];
    },
    async settle(integrationId, timeoutMs = 20_000) {
      return eventually(async () => {
        const [pending] = await db.query<{ n: number }>(
          `SELECT (SELECT count(*)::int FROM runs WHERE integration_id = $1 AND status IN ('WAITING', 'STARTED'))
                + (SELECT count(*)::int FROM integrations i WHERE i.id = $1 AND i.lease_run_id IS NOT NULL) AS n`,
          [integrationId],
        );
        const [jobs] = await db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'integration-sync' AND state IN ('created', 'retry', 'active') AND data->>'integrationId' = $1 AND start_after < now() + interval '1 second'`,
          [integrationId],
        );
        // Changes committed but not yet dispatched also count as pending work.
        const [behind] = await db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM integrations i JOIN journal j ON j.org_id = i.org_id AND j.seq > i.cursor_seq
           WHERE i.id = $1 AND i.enabled AND j.entity = ANY($2::text[])
             -- A failed run leaves the watermark behind on purpose: settled once a run saw the change.
             AND j.at >= COALESCE((SELECT max(started_at) FROM runs r WHERE r.integration_id = i.id AND r.status NOT IN ('WAITING', 'STARTED')), '-infinity')`,
          [integrationId, await entitiesOfIntegration(integrationId)],
        );
        return pending!.n === 0 && jobs!.n === 0 && behind!.n === 0 ? (await ferry.call('GET', `/api/v1/integrations/${integrationId}`)).body : undefined;
      }, timeoutMs);
    },
    async restart(whileDown) {
      await app.close();
      await engine.stop();
      await whileDown?.();
      engine = await startEngine();
      app = buildServer({ db, engine });
      ferry.url = await app.listen({ host: '127.0.0.1', port: 0 });
      ferry.engine = engine;
      ferry.call = apiClient(ferry.url, apiKey);
    },
    async stop() {
      await app.close();
      await engine.stop();
      await emulator.stop();
      if (options.db === undefined) await db.close();
    },
  };
  return ferry;
}
