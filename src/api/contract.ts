import type { z } from 'zod';
import type { Database } from '../storage/index.ts';
import type { Engine } from '../engine/index.ts';
import type { RecordStore } from '../platform/index.ts';
import type { ErrorCode } from './errors.ts';

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

/** What every handler may use. */
export interface ApiDeps {
  db: Database;
  store: RecordStore;
  /** Present when the integration engine runs in this process. */
  engine?: Engine | undefined;
  /** Ferry's public base URL (for OAuth callbacks). */
  publicUrl: string;
}

export interface HandlerContext<P, Q, B> {
  orgId: string;
  params: P;
  query: Q;
  body: B;
  deps: ApiDeps;
}

export interface Reply {
  status: number;
  body?: unknown;
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
