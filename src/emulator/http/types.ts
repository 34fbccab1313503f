// The small request/response model every route handler works with. Handlers return data;
// the server turns it into bytes, adds Sforce-Limit-Info and applies faults and latency.
import type { IncomingHttpHeaders } from 'node:http';
import type { Session } from '../auth/auth-service.ts';

export interface EmuRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** Path captures of the matched route. */
  params: string[];
  session: Session | null;
  /** "60.0" for /services/data/v60.0/..., else the emulator's default. */
  apiVersion: string;
  /** scheme://host:port as the client addressed us; instance URLs are built from it. */
  baseUrl: string;
  /** Aborted when the client goes away (long polls stop waiting). */
  signal: AbortSignal;
}

export interface EmuResponse {
  status: number;
  headers?: Record<string, string>;
  /** JSON-serialised unless `raw` is given. */
  body?: unknown;
  raw?: string | Buffer;
  contentType?: string;
  /** Records this call read or wrote, for the latency model and counters. */
  records?: number;
}

export type Handler = (req: EmuRequest) => EmuResponse | Promise<EmuResponse>;

export type CallKind = 'auth' | 'rest' | 'query' | 'composite' | 'bulk' | 'streaming' | 'describe' | 'limits';

export interface Route {
  method: string;
  pattern: RegExp;
  /** Whether the route needs a session, and whether it counts against the daily API limit. */
  auth: boolean;
  counted: boolean;
  kind: CallKind;
  handler: Handler;
}

export const JSON_TYPE = 'application/json;charset=UTF-8';

export function json(status: number, body: unknown, records?: number): EmuResponse {
  return records === undefined ? { status, body } : { status, body, records };
}

export interface ApiError {
  message: string;
  errorCode: string;
  fields?: string[];
}

/** Salesforce's REST error shape: a JSON array of {message, errorCode, fields?}. */
export function sfError(status: number, errorCode: string, message: string, fields?: string[]): EmuResponse {
  const error: ApiError = { message, errorCode };
  if (fields !== undefined) error.fields = fields;
  return { status, body: [error] };
}

export function parseJsonBody(req: EmuRequest): { ok: true; value: unknown } | { ok: false; response: EmuResponse } {
  const text = req.body.toString('utf8');
  try {
    return { ok: true, value: text === '' ? {} : (JSON.parse(text) as unknown) };
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return { ok: false, response: sfError(400, 'JSON_PARSER_ERROR', `Unexpected character in JSON body: ${detail}`) };
  }
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
