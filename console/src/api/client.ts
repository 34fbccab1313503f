import createClient, { type Middleware } from 'openapi-fetch';
import type { components, paths } from './schema.ts';

/** The console talks to the API it is served by; the session cookie authenticates it. */
export const api = createClient<paths>({ baseUrl: '', credentials: 'same-origin' });

export type Schemas = components['schemas'];

export interface ErrorDetail {
  path: string;
  message: string;
}

/** A request the API refused: its code, message and the fields at fault, as the API said them. */
export class ApiFailure extends Error {
  override name = 'ApiFailure';
  readonly status: number;
  readonly code: string;
  readonly details: ErrorDetail[];

  constructor(status: number, code: string, message: string, details: ErrorDetail[]) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

interface ErrorBody {
  error?: { code?: string; message?: string; details?: ErrorDetail[] };
}

/** The body of a successful answer, or an ApiFailure with what the API said. */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.response.ok) return result.data as T;
  const body = (result.error ?? {}) as ErrorBody;
  throw new ApiFailure(
    result.response.status,
    body.error?.code ?? 'http_error',
    body.error?.message ?? `The server answered ${result.response.status} ${result.response.statusText}.`,
    body.error?.details ?? [],
  );
}

/** Called when a request finds the session gone (expired, signed out elsewhere, key revoked). */
let onSessionEnded: (() => void) | undefined;
export function whenSessionEnds(callback: () => void): void {
  onSessionEnded = callback;
}

const sessionWatch: Middleware = {
  onResponse({ request, response }) {
    if (response.status === 401 && !request.url.endsWith('/api/v1/session')) onSessionEnded?.();
    return undefined;
  },
};
api.use(sessionWatch);

/**
 * The API's error details keyed the way forms name their fields: `body.settings.includedAccountIds[0]`
 * becomes `settings.includedAccountIds.0`. Details outside the body (path, query) are left out.
 */
export function fieldErrors(error: unknown, location = 'body'): Record<string, string> {
  if (!(error instanceof ApiFailure)) return {};
  const errors: Record<string, string> = {};
  for (const detail of error.details) {
    if (!detail.path.startsWith(`${location}.`) && detail.path !== location) continue;
    const key = detail.path.slice(location.length + 1).replaceAll(/\[(\d+)\]/g, '.$1');
    errors[key] = errors[key] === undefined ? detail.message : `${errors[key]}; ${detail.message}`;
  }
  return errors;
}

/** What to say about a failed request: the API's message, or the error's. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
