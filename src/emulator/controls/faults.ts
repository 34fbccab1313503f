// Injected faults and the latency model. Faults answer the next N requests that match a method
// and path pattern with a chosen status and errorCode, or hold them until the client gives up.

export interface FaultSpec {
  /** HTTP method to match; any when absent. */
  method?: string;
  /** Glob over the request path without its query string; `*` matches anything. */
  path?: string;
  /** A regular expression over the path, instead of `path`. */
  pathRegex?: string;
  /** How many matching requests fail; default 1. */
  count?: number;
  status?: number;
  errorCode?: string;
  message?: string;
  /** Hold the request this long (ms) before answering, to exercise client timeouts. */
  hangMs?: number;
  /**
   * Answer with a plain-text body instead of Salesforce's JSON error array, as a proxy, a load
   * balancer or the login server in front of an org sometimes does (e.g. a bare 429 or 503).
   */
  plain?: boolean;
}

export interface Fault {
  id: number;
  path: string;
  count: number;
  method: string | null;
  matcher: RegExp;
  status: number;
  errorCode: string;
  message: string;
  hangMs: number | null;
  plain: boolean;
  remaining: number;
}

const SPEC_FIELDS: Record<keyof FaultSpec, 'string' | 'number' | 'boolean'> = {
  method: 'string', path: 'string', pathRegex: 'string', count: 'number', status: 'number', errorCode: 'string', message: 'string', hangMs: 'number', plain: 'boolean',
};

/** Checks a fault described over HTTP; answers what is wrong, field by field. */
export function parseFaultSpec(input: Record<string, unknown>): { ok: true; spec: FaultSpec } | { ok: false; message: string } {
  const problems: string[] = [];
  for (const [key, value] of Object.entries(input)) {
    const type = SPEC_FIELDS[key as keyof FaultSpec] as string | undefined;
    if (type === undefined) problems.push(`unknown field ${key} (known: ${Object.keys(SPEC_FIELDS).join(', ')})`);
    else if (typeof value !== type) problems.push(`${key} must be a ${type}`);
  }
  if (typeof input.status === 'number' && !(Number.isInteger(input.status) && input.status >= 100 && input.status <= 599)) problems.push('status must be an HTTP status from 100 to 599');
  if (typeof input.count === 'number' && !(Number.isInteger(input.count) && input.count >= 1)) problems.push('count must be a whole number of at least 1');
  if (typeof input.pathRegex === 'string') {
    try {
      new RegExp(input.pathRegex);
    } catch (error) {
      problems.push(`pathRegex is not a regular expression: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return problems.length > 0 ? { ok: false, message: problems.join('; ') } : { ok: true, spec: input };
}

const DEFAULTS: Record<string, { status: number; message: string }> = {
  REQUEST_LIMIT_EXCEEDED: { status: 403, message: 'TotalRequests Limit exceeded.' },
  UNABLE_TO_LOCK_ROW: { status: 400, message: 'unable to obtain exclusive access to this record or 1 records' },
  INVALID_SESSION_ID: { status: 401, message: 'Session expired or invalid' },
  UNKNOWN_EXCEPTION: { status: 500, message: 'An unexpected error occurred. Please include this ErrorId if you contact support: 1234567890-12345 (-1234567890)' },
  SERVER_UNAVAILABLE: { status: 503, message: 'Server temporarily unavailable' },
};

function globToRegExp(pattern: string): RegExp {
  return new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
}

export class Faults {
  #faults: Fault[] = [];
  #nextId = 1;

  add(spec: FaultSpec): Fault {
    const code = spec.errorCode ?? 'UNKNOWN_EXCEPTION';
    const defaults = DEFAULTS[code] ?? { status: spec.status ?? 400, message: code };
    const fault: Fault = {
      id: this.#nextId++,
      method: spec.method?.toUpperCase() ?? null,
      path: spec.pathRegex ?? spec.path ?? '*',
      matcher: spec.pathRegex !== undefined ? new RegExp(spec.pathRegex) : globToRegExp(spec.path ?? '*'),
      count: spec.count ?? 1,
      remaining: spec.count ?? 1,
      status: spec.status ?? defaults.status,
      errorCode: code,
      message: spec.message ?? defaults.message,
      hangMs: spec.hangMs ?? null,
      plain: spec.plain === true,
    };
    this.#faults.push(fault);
    return fault;
  }

  /** Takes one use of the first fault matching the request, if any. */
  take(method: string, path: string): Fault | undefined {
    const fault = this.#faults.find((f) => f.remaining > 0 && (f.method === null || f.method === method) && f.matcher.test(path));
    if (fault === undefined) return undefined;
    fault.remaining -= 1;
    if (fault.remaining === 0) this.#faults = this.#faults.filter((f) => f !== fault);
    return fault;
  }

  list(): Omit<Fault, 'matcher'>[] {
    return this.#faults.map(({ matcher: _matcher, ...rest }) => rest);
  }

  clear(): void {
    this.#faults = [];
  }
}

export interface LatencyModel {
  /** Added to every Salesforce call. */
  fixedMs: number;
  /** Added per record read or written by the call. */
  perRecordMs: number;
}

export const NO_LATENCY: LatencyModel = { fixedMs: 0, perRecordMs: 0 };
