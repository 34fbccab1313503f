import { timingSafeEqual } from 'node:crypto';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import { z } from 'zod';
import { metrics, type Engine } from '../../engine/index.ts';
import type { Database } from '../../storage/index.ts';
import { defineEndpoint } from '../contract.ts';
import { ApiError } from '../errors.ts';

export const healthz = defineEndpoint({
  method: 'GET',
  path: '/healthz',
  operationId: 'healthz',
  summary: 'Liveness: the process answers',
  tag: 'Health',
  auth: false,
  success: { status: 200, description: 'Alive', schema: z.strictObject({ status: z.literal('ok') }) },
  errors: [],
  handler: () => Promise.resolve({ status: 200, body: { status: 'ok' } }),
});

const check = z.strictObject({ name: z.string(), ok: z.boolean(), detail: z.string() });

/** Readiness: the database, and with the engine in this process the queue and (a worker) its loop. */
export async function readinessOf(db: Database, engine: Engine | undefined): Promise<{ ready: boolean; checks: z.infer<typeof check>[] }> {
  if (engine !== undefined) return engine.readiness();
  try {
    await db.query('SELECT 1');
    return { ready: true, checks: [{ name: 'database', ok: true, detail: db.kind }] };
  } catch (error) {
    return { ready: false, checks: [{ name: 'database', ok: false, detail: error instanceof Error ? error.message : String(error) }] };
  }
}

export const readyz = defineEndpoint({
  method: 'GET',
  path: '/readyz',
  operationId: 'readyz',
  summary: 'Readiness: the database answers, the queue is there, and a worker\'s loop beats (503 otherwise)',
  description: 'Each check with its outcome. A worker draining to stop (SIGTERM) answers 503, so an orchestrator sends it nothing new.',
  tag: 'Health',
  auth: false,
  success: { status: 200, description: 'Ready', schema: z.strictObject({ status: z.literal('ready'), database: z.string(), checks: z.array(check) }) },
  errors: ['not_ready'],
  handler: async ({ deps }) => {
    const { ready, checks } = await readinessOf(deps.db, deps.engine);
    if (!ready) throw new ApiError('not_ready', `Not ready: ${checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`).join('; ')}.`, checks.filter((c) => !c.ok).map((c) => ({ path: c.name, message: c.detail })));
    return { status: 200, body: { status: 'ready', database: deps.db.kind, checks } };
  },
});

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * GET /metrics in Prometheus's text format (this process's: each API and worker process has its
 * own). With a token (FERRY_METRICS_TOKEN), only `Authorization: Bearer <token>` reads it.
 */
export function registerMetrics(app: FastifyInstance, token: string | undefined): void {
  app.get('/metrics', async (request, reply) => {
    if (token !== undefined && !sameToken(request.headers.authorization ?? '', `Bearer ${token}`)) {
      const error = new ApiError('unauthorized', 'The metrics need `Authorization: Bearer <FERRY_METRICS_TOKEN>`.');
      return reply.status(error.status).send(error.toBody());
    }
    return reply.type(metrics.contentType).send(await metrics.render());
  });
}

/**
 * What `ferry worker` listens with (FERRY_WORKER_PORT), having no API: /healthz, /readyz (the
 * worker's loop included) and /metrics, for orchestrators and Prometheus.
 */
export function buildProbeServer(options: { db: Database; engine: Engine; metricsToken?: string | undefined }): FastifyInstance {
  const app = Fastify({ logController: new LogController({ disableRequestLogging: true }) });
  app.get('/healthz', async (_request, reply) => reply.send({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const { ready, checks } = await readinessOf(options.db, options.engine);
    if (ready) return reply.send({ status: 'ready', database: options.db.kind, checks });
    const error = new ApiError('not_ready', `Not ready: ${checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`).join('; ')}.`, checks.filter((c) => !c.ok).map((c) => ({ path: c.name, message: c.detail })));
    return reply.status(error.status).send(error.toBody());
  });
  registerMetrics(app, options.metricsToken);
  return app;
}
