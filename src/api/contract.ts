import type { z } from 'zod';
import type { Database } from '../storage/index.ts';
import type { Engine } from '../engine/index.ts';
import type { RecordStore, SessionInfo } from '../platform/index.ts';
import type { ErrorCode } from './errors.ts';

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

/** What every handler may use. */
export interface ApiDeps {
  db: Database;
  store: RecordStore;
  /** How long a console session lasts. */
  sessionLifetimeMs: number;
  /** Present when the integration engine runs in this process. */
  engine?: Engine | undefined;
  /** Ferry's public base URL (for OAuth callbacks). */
  publicUrl: string;
}

/** Who a request acts as: the organization, and the key or console session that proved it. */
export interface Caller {
  /** The API key used (directly, or to open the console session); null for the local admin token. */
  apiKeyId: string | null;
  /** The console session the request came with, if it was authenticated by the session cookie. */
  session: { token: string; info: SessionInfo } | null;
  /** The session cookie the request carried, valid or not (sign-out closes it either way). */
  sessionCookie: string | undefined;
}

export interface HandlerContext<P, Q, B> {
  orgId: string;
  caller: Caller;
  params: P;
  query: Q;
  body: B;
  deps: ApiDeps;
}

export interface Reply {
  status: number;
  body?: unknown;
  /** Sets the console session cookie (sign-in), or clears it (null: sign-out). */
  sessionCookie?: { token: string; expiresAt: Date } | null;
}

/**
 * One endpoint, declared once: the server validates with these schemas, the OpenAPI document is
 * generated from them, and tests import their types.
 */
export interface Endpoint<P = unknown, Q = unknown, B = unknown> {
  method: HttpMethod;
  /** OpenAPI-style path: `/api/v1/accounts/{id}`. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: string;
  /**
   * True: an organization's API key. False for the few public endpoints (health, the OpenAPI
   * document). 'local': only the local admin token, from the same machine (see local-admin.ts).
   */
  auth: boolean | 'local';
  params?: z.ZodType<P>;
  query?: z.ZodType<Q>;
  body?: z.ZodType<B>;
  /**
   * The schema the body is checked against when the handler checks it itself (entity bodies are
   * merged with the stored record before validation). The request body is then only required
   * to be a JSON object at the door; this schema still describes it in the OpenAPI document.
   */
  documentedBody?: z.ZodType;
  success: { status: number; description: string; schema?: z.ZodType };
  errors: ErrorCode[];
  /** Needs the integration engine. */
  engine?: boolean;
  /** Content type of a non-JSON success (e.g. the OAuth callback's HTML page). */
  produces?: string;
  handler: (context: HandlerContext<P, Q, B>) => Promise<Reply>;
}

/** Keeps the type parameters of one endpoint while the list holds many. */
export function defineEndpoint<P, Q, B>(endpoint: Endpoint<P, Q, B>): Endpoint {
  return endpoint as unknown as Endpoint;
}
