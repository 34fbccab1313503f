import fastifyCookie from '@fastify/cookie';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify';
import { z } from 'zod';
import { findApiKey, issuesFromZod, listOrganizations, RecordStore, sessionOf } from '../platform/index.ts';
import type { Database } from '../storage/index.ts';
import type { Engine } from '../engine/index.ts';
import { listChanges } from './changes/list-changes.ts';
import { credentialEndpoints } from './credentials/endpoints.ts';
import { integrationEndpoints } from './integrations/endpoints.ts';
import { reconciliationEndpoints } from './reconciliation/endpoints.ts';
import { runEndpoints } from './runs/endpoints.ts';
import type { ApiDeps, Caller, Endpoint } from './contract.ts';
import { serveConsole } from './console/serve-console.ts';
import { serveDocs } from './docs/docs-page.ts';
import { entityEndpoints } from './entities/endpoints.ts';
import { ApiError, issuesToDetails } from './errors.ts';
import { healthz, readyz, registerMetrics } from './health/health.ts';
import { localAdminEndpoints } from './local-admin/endpoints.ts';
import { isLocalAdminToken, isLoopback, LOCAL_ORG_HEADER } from './local-admin/local-admin.ts';
import { buildOpenApi } from './openapi.ts';
import { sessionEndpoints } from './session/endpoints.ts';
import { statusEndpoints } from './status/endpoints.ts';
import { webhookEndpoints } from './webhooks/endpoints.ts';
import { API_VERSION } from './version.ts';

export { API_VERSION };

export interface ServerOptions {
  db: Database;
  logger?: FastifyBaseLogger | undefined;
  bodyLimitBytes?: number | undefined;
  engine?: Engine | undefined;
  /** Base URL people and Salesforce reach Ferry at (OAuth callback); defaults to the listen address. */
  publicUrl?: string | undefined;
  /** The local admin token (`ferry start` writes it into the data folder); none: local endpoints refuse all. */
  localAdminToken?: string | undefined;
  /** How long a console session lasts (default 12 hours). */
  sessionLifetimeMs?: number | undefined;
  /** The built console (console/dist by default); a folder that does not exist serves a page saying how to build it. */
  consoleDir?: string | undefined;
  /** FERRY_METRICS_TOKEN: when set, GET /metrics needs it as a bearer token. */
  metricsToken?: string | undefined;
}

/** The console session cookie's name. */
export const SESSION_COOKIE = 'ferry_session';

/** Every endpoint of the API, in the order the OpenAPI document lists them. */
export function allEndpoints(): Endpoint[] {
  return [healthz, readyz, listChanges, ...entityEndpoints(), ...credentialEndpoints, ...integrationEndpoints, ...runEndpoints, ...reconciliationEndpoints, ...webhookEndpoints, ...sessionEndpoints, ...statusEndpoints, ...localAdminEndpoints];
}

function checkPart<T>(schema: z.ZodType<T> | undefined, value: unknown, location: string): T {
  if (schema === undefined) return value as T;
  const parsed = schema.safeParse(value ?? {});
  if (parsed.success) return parsed.data;
  const details = issuesToDetails(location, issuesFromZod(parsed.error, value ?? {}));
  const what = location === 'body' ? 'request body' : location === 'path' ? 'path' : 'query string';
  throw new ApiError('validation_failed', `The ${what} is not valid.`, details);
}

function bearer(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header === undefined) return undefined;
  const match = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  if (match === null) throw new ApiError('unauthorized', "Send your organization's API key as 'Authorization: Bearer <key>'.");
  return match[1]!;
}

function isLocalAdmin(request: FastifyRequest, presented: string | undefined, token: string | undefined): boolean {
  return presented !== undefined && isLocalAdminToken(presented, token) && isLoopback(request);
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * A request that a session cookie authenticates must come from the console's own pages. The
 * cookie is SameSite=Strict, so browsers do not send it from other sites; as a second guard, a
 * request that changes something is refused when the browser says it comes from another origin.
 */
function checkSameOrigin(request: FastifyRequest): void {
  if (SAFE_METHODS.has(request.method)) return;
  const site = request.headers['sec-fetch-site'];
  const origin = request.headers.origin;
  const host = request.headers.host;
  const crossSite = (typeof site === 'string' && site !== 'same-origin' && site !== 'none') || (typeof origin === 'string' && origin !== 'null' && host !== undefined && new URL(origin).host !== host);
  if (crossSite) throw new ApiError('unauthorized', 'A request from another site cannot use the console session; send an API key as a bearer token instead.');
}

/** The organization a request acts for: its API key's, its console session's, or the one the local admin token names. */
async function authenticate(request: FastifyRequest, db: Database, localAdminToken: string | undefined): Promise<{ orgId: string; caller: Caller }> {
  const presented = bearer(request);
  const sessionCookie = request.cookies[SESSION_COOKIE];
  if (isLocalAdmin(request, presented, localAdminToken)) {
    const named = request.headers[LOCAL_ORG_HEADER];
    const orgId = typeof named === 'string' ? named.trim() : '';
    const known = z.uuid().safeParse(orgId).success && (await listOrganizations(db)).some((org) => org.id === orgId);
    if (!known) throw new ApiError('unauthorized', `With the local admin token, name the organization to act for in a ${LOCAL_ORG_HEADER} header (an existing organization id).`);
    return { orgId, caller: { apiKeyId: null, session: null, sessionCookie } };
  }
  if (presented !== undefined) {
    const key = await findApiKey(db, presented);
    if (key === undefined) throw new ApiError('unauthorized', 'The API key is not valid (unknown or revoked).');
    return { orgId: key.orgId, caller: { apiKeyId: key.keyId, session: null, sessionCookie } };
  }
  if (sessionCookie !== undefined) {
    const info = await sessionOf(db, sessionCookie);
    if (info === undefined) throw new ApiError('unauthorized', 'Your console session has ended (it expired, you signed out, or its API key was revoked): sign in again.');
    checkSameOrigin(request);
    return { orgId: info.orgId, caller: { apiKeyId: info.apiKeyId, session: { token: sessionCookie, info }, sessionCookie } };
  }
  throw new ApiError('unauthorized', "Send your organization's API key as 'Authorization: Bearer <key>', or sign in to the console.");
}

function authenticateLocalAdmin(request: FastifyRequest, localAdminToken: string | undefined): void {
  if (!isLocalAdmin(request, bearer(request), localAdminToken)) {
    throw new ApiError('unauthorized', 'Only the local admin token (admin.token in the data folder), sent from the same machine, is accepted here.');
  }
}

/** Maps Fastify's own request errors (body parsing, size, media type) to Ferry's error shape. */
function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  const code = typeof error === 'object' && error !== null && 'code' in error ? String((error).code) : '';
  const message = error instanceof Error ? error.message : String(error);
  switch (code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new ApiError('malformed_json', 'The body is not valid JSON.', [{ path: 'body', message }]);
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError('payload_too_large', 'The body is larger than this server accepts; send fewer items per request.', [
        { path: 'body', message },
      ]);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ApiError('unsupported_media_type', "Send JSON with 'Content-Type: application/json'.", [{ path: 'headers.content-type', message }]);
    default:
      if (error instanceof SyntaxError) return new ApiError('malformed_json', 'The body is not valid JSON.', [{ path: 'body', message }]);
      return new ApiError('internal_error', 'Something went wrong on the server; the request changed nothing it did not report.');
  }
}

export function buildServer(options: ServerOptions): FastifyInstance {
  const app: FastifyInstance = Fastify({
    ...(options.logger !== undefined ? { loggerInstance: options.logger } : {}),
    bodyLimit: options.bodyLimitBytes ?? 16 * 1024 * 1024,
    // Per-request lines would drown the log; failures are logged by the error handler.
    logController: new LogController({ disableRequestLogging: true }),
  });
  const deps: ApiDeps = {
    db: options.db,
    store: new RecordStore(options.db),
    engine: options.engine,
    publicUrl: options.publicUrl ?? '',
    sessionLifetimeMs: options.sessionLifetimeMs ?? 12 * 3600_000,
  };
  const endpoints = allEndpoints().filter((endpoint) => endpoint.engine !== true || options.engine !== undefined);
  const openapi = buildOpenApi(endpoints, { version: API_VERSION });
  void app.register(fastifyCookie);

  app.setErrorHandler((error, request, reply) => {
    const apiError = toApiError(error);
    if (apiError.code === 'internal_error') request.log.error({ err: error, url: request.url }, 'request failed');
    void reply.status(apiError.status).send(apiError.toBody());
  });
  registerMetrics(app, options.metricsToken);
  const consolePages = serveConsole(app, options.consoleDir);
  app.setNotFoundHandler((request, reply) => {
    if (consolePages.answers(request)) return consolePages.page(reply);
    const error = new ApiError('route_not_found', `No endpoint answers ${request.method} ${request.url.split('?')[0]}; see /api/v1/docs.`);
    void reply.status(error.status).send(error.toBody());
  });

  for (const endpoint of endpoints) {
    app.route({
      method: endpoint.method,
      url: endpoint.path.replaceAll(/\{(\w+)\}/g, ':$1'),
      handler: async (request, reply) => {
        let orgId = '';
        let caller: Caller = { apiKeyId: null, session: null, sessionCookie: request.cookies[SESSION_COOKIE] };
        if (endpoint.auth === 'local') authenticateLocalAdmin(request, options.localAdminToken);
        else if (endpoint.auth) ({ orgId, caller } = await authenticate(request, options.db, options.localAdminToken));
        const params = checkPart(endpoint.params, request.params, 'path');
        const query = checkPart(endpoint.query, request.query, 'query');
        const body = checkPart(endpoint.body, request.body, 'body');
        const result = await endpoint.handler({ orgId, caller, params, query, body, deps });
        if (endpoint.produces !== undefined) void reply.type(endpoint.produces);
        if (result.sessionCookie === null) void reply.clearCookie(SESSION_COOKIE, { path: '/' });
        else if (result.sessionCookie !== undefined) {
          void reply.setCookie(SESSION_COOKIE, result.sessionCookie.token, {
            path: '/', httpOnly: true, sameSite: 'strict', secure: 'auto', expires: result.sessionCookie.expiresAt,
          });
        }
        return reply.status(result.status).send(result.body);
      },
    });
  }
  app.addHook('onListen', () => {
    if (deps.publicUrl === '') {
      const address = app.server.address();
      if (typeof address === 'object' && address !== null) deps.publicUrl = `http://${address.address.includes(':') ? `[${address.address}]` : address.address}:${address.port}`;
    }
  });
  app.get('/api/v1/openapi.json', (_request, reply) => reply.send(openapi));
  serveDocs(app, openapi);
  return app;
}
