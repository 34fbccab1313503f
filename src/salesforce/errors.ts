/**
 * What went wrong talking to Salesforce, sorted by what Ferry should do about it. Salesforce's own
 * errorCode, message and fields are kept intact all the way to the event log.
 */
export type SalesforceErrorKind =
  /** Credentials refused or session unusable after one refresh: stop, tell a person. */
  | 'auth'
  /** REQUEST_LIMIT_EXCEEDED, or Ferry's own budget share used up: pause until allowed. */
  | 'rate_limit'
  /** Worth retrying: row locks, 5xx, timeouts, dropped connections. */
  | 'transient'
  /** The org lacks an object or field Ferry needs: fix the org or the mapping. */
  | 'config'
  /** Anything else: a person must look. */
  | 'fatal';

export interface SalesforceErrorInfo {
  kind: SalesforceErrorKind;
  errorCode: string;
  message: string;
  fields?: string[];
  httpStatus?: number;
}

export class SalesforceError extends Error {
  override name = 'SalesforceError';
  readonly info: SalesforceErrorInfo;

  constructor(info: SalesforceErrorInfo, options?: { cause?: unknown }) {
    super(`${info.errorCode}: ${info.message}`, options);
    this.info = info;
  }
}

const TRANSIENT_CODES = new Set(['UNKNOWN_EXCEPTION', 'UNABLE_TO_LOCK_ROW', 'SERVER_UNAVAILABLE', 'REQUEST_RUNNING_TOO_LONG', 'QUERY_TIMEOUT', 'TIMEOUT']);
const AUTH_CODES = new Set(['INVALID_SESSION_ID', 'INVALID_LOGIN', 'invalid_grant', 'invalid_client', 'invalid_client_id', 'unsupported_grant_type', 'INVALID_AUTH_HEADER', 'LOGIN_MUST_USE_SECURITY_TOKEN', 'PASSWORD_LOCKOUT']);
const CONFIG_CODES = new Set(['INVALID_TYPE', 'INVALID_FIELD', 'NOT_FOUND_SOBJECT', 'INVALID_FIELD_FOR_INSERT_UPDATE']);
const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'UND_ERR_SOCKET', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED']);

export function kindOfCode(errorCode: string, httpStatus?: number): SalesforceErrorKind {
  // A bare 429 (from a proxy or gateway in front of the org, without Salesforce's body) means the
  // same as REQUEST_LIMIT_EXCEEDED: slow down, do not give up.
  if (errorCode === 'REQUEST_LIMIT_EXCEEDED' || httpStatus === 429) return 'rate_limit';
  if (AUTH_CODES.has(errorCode)) return 'auth';
  if (TRANSIENT_CODES.has(errorCode) || NETWORK_CODES.has(errorCode)) return 'transient';
  if (httpStatus !== undefined && httpStatus >= 500) return 'transient';
  if (CONFIG_CODES.has(errorCode)) return 'config';
  return 'fatal';
}

// jsforce names an error answer without Salesforce's JSON body after its status: ERROR_HTTP_503.
const BARE_HTTP = /^ERROR_HTTP_(\d{3})$/;
// jsforce's wrapper around a failed session refresh; what follows is Ferry's refresh function's
// own "CODE (HTTP nnn): message" (connect.ts refreshFailure), or another error's message.
const REFRESH_MESSAGE = /^Unable to refresh session due to: (?:([A-Za-z][A-Za-z0-9_]*)(?: \(HTTP (\d{3})\))?: )?([\s\S]*)$/;

/** Turns whatever jsforce or the network threw into a SalesforceError. */
export function toSalesforceError(error: unknown): SalesforceError {
  if (error instanceof SalesforceError) return error;
  const refresh = error instanceof Error ? REFRESH_MESSAGE.exec(error.message) : null;
  if (refresh !== null) {
    const [, code, status, reason = ''] = refresh;
    const httpStatus = status === undefined ? undefined : Number(status);
    const errorCode = code ?? 'REFRESH_FAILED';
    // A refresh the org refused for good (bad grant) is an authentication failure; one that
    // failed on the way (503, timeout, dropped connection) is worth retrying.
    const kind = kindOfCode(errorCode, httpStatus);
    return new SalesforceError(
      { kind: kind === 'fatal' ? 'auth' : kind, errorCode, message: `Refreshing the Salesforce session failed: ${reason || 'no reason given'}`, ...(httpStatus !== undefined ? { httpStatus } : {}) },
      { cause: error },
    );
  }
  const e = (typeof error === 'object' && error !== null ? error : {}) as {
    errorCode?: unknown;
    name?: unknown;
    code?: unknown;
    message?: unknown;
    fields?: unknown;
    statusCode?: unknown;
    content?: unknown;
    data?: unknown;
  };
  let message = typeof e.message === 'string' ? e.message : String(error);
  // jsforce's REST errors carry errorCode; its OAuth errors carry the code (or ERROR_HTTP_nnn) as name.
  const named =
    typeof e.errorCode === 'string' ? e.errorCode
    : typeof e.code === 'string' && NETWORK_CODES.has(e.code) ? e.code
    : typeof e.name === 'string' && e.name !== 'Error' && !e.name.endsWith('Error') ? e.name
    : '';
  const bare = BARE_HTTP.exec(named);
  const httpStatus = typeof e.statusCode === 'number' ? e.statusCode : bare !== null ? Number(bare[1]) : statusFromMessage(message);
  if (message.trim() === '' && httpStatus !== undefined) message = `Salesforce answered HTTP ${httpStatus} with an empty body`;
  let errorCode = named;
  // SOAP faults reach us as plain errors whose message starts with the code.
  if (errorCode === '') errorCode = /^([A-Z][A-Z_]+): /.exec(message)?.[1] ?? '';
  if (errorCode === '' && /aborted due to timeout|timed out/i.test(message)) errorCode = 'TIMEOUT';
  if (errorCode === '' && httpStatus !== undefined && httpStatus >= 500) errorCode = `HTTP_${httpStatus}`;
  if (errorCode === '' && /ECONNREFUSED|ECONNRESET|socket hang up|fetch failed/i.test(message)) errorCode = 'ECONNRESET';
  if (errorCode === '') errorCode = 'UNKNOWN_ERROR';
  const fields = Array.isArray(e.fields) ? e.fields.map(String) : undefined;
  return new SalesforceError(
    { kind: kindOfCode(errorCode, httpStatus), errorCode, message, ...(fields ? { fields } : {}), ...(httpStatus !== undefined ? { httpStatus } : {}) },
    { cause: error },
  );
}

function statusFromMessage(message: string): number | undefined {
  const match = /\b(?:HTTP|status(?: code)?)[ :]*([45]\d\d)\b/i.exec(message);
  return match ? Number(match[1]) : undefined;
}
