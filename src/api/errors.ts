import type { Issue, StoreError, StoreErrorCode } from '../platform/index.ts';

/** One problem, pointing at where it is: `body.lineItems[0].amount`, `query.limit`, `path.id`. */
export interface ErrorDetail {
  path: string;
  message: string;
}

export interface ErrorBody {
  error: { code: string; message: string; details: ErrorDetail[] };
}

/** The error codes the API answers with, and their HTTP status. */
export const ERROR_STATUS = {
  validation_failed: 400,
  malformed_json: 400,
  unsupported_media_type: 415,
  unauthorized: 401,
  not_found: 404,
  route_not_found: 404,
  method_not_allowed: 405,
  version_conflict: 409,
  duplicate_key: 409,
  record_locked: 409,
  has_dependents: 409,
  reference_not_found: 422,
  org_mismatch: 409,
  /** The organization's last active API key cannot be revoked: nothing could sign in after it. */
  last_api_key: 409,
  payload_too_large: 413,
  /** /readyz: a check failed (the database, the queue, a worker's loop, or draining to stop). */
  not_ready: 503,
  /** Salesforce did not answer, or refused: details[0].message is the kind (transient, auth, ...). */
  salesforce_error: 502,
  internal_error: 500,
} as const satisfies Record<StoreErrorCode, number> & Record<string, number>;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** Renders a path array as `a.b[0].c`, behind a location prefix. */
export function formatPath(location: string, path: readonly (string | number)[]): string {
  let out = location;
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : out === '' ? part : `.${part}`;
  return out;
}

export function issuesToDetails(location: string, issues: readonly Issue[]): ErrorDetail[] {
  return issues.map((issue) => ({ path: formatPath(location, issue.path), message: issue.message }));
}

/** An expected failure of a request: thrown by handlers, rendered by the server's error handler. */
export class ApiError extends Error {
  override name = 'ApiError';
  readonly code: ErrorCode;
  readonly details: ErrorDetail[];

  constructor(code: ErrorCode, message: string, details: ErrorDetail[] = []) {
    super(message);
    this.code = code;
    this.details = details;
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }

  toBody(): ErrorBody {
    return { error: { code: this.code, message: this.message, details: this.details } };
  }

  static fromStore(error: StoreError, location = 'body'): ApiError {
    return new ApiError(error.code, error.message, issuesToDetails(location, error.details));
  }
}
