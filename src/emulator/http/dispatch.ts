// In-process dispatch of subrequests (/composite, /composite/batch): they run through the same
// routes as top-level calls but count as part of their parent call, as in Salesforce.
import { sfError, type EmuRequest, type EmuResponse, type Route } from './types.ts';

export interface SubRequest {
  method: string;
  /** `/services/data/v60.0/sobjects/Account` or, as /composite/batch allows, `v60.0/sobjects/Account`. */
  url: string;
  body?: unknown;
  headers?: Record<string, string>;
}

export type SyncDispatcher = (sub: SubRequest, parent: EmuRequest) => EmuResponse;

export function createDispatcher(routes: () => Route[]): SyncDispatcher {
  return (sub, parent) => {
    const rawUrl = sub.url.startsWith('/') ? sub.url : `/services/data/${sub.url}`;
    const url = new URL(rawUrl, 'http://emulator.invalid');
    const method = sub.method.toUpperCase();
    for (const route of routes()) {
      const m = route.pattern.exec(url.pathname);
      if (m === null || route.method !== method) continue;
      if (!route.counted) return sfError(400, 'INVALID_API_INPUT', `${url.pathname} is not supported in a composite request`);
      const captures = m.slice(1).map((c) => c ?? '');
      const body = sub.body === undefined || sub.body === null ? Buffer.alloc(0) : Buffer.from(JSON.stringify(sub.body));
      const req: EmuRequest = {
        ...parent,
        method,
        path: url.pathname,
        query: url.searchParams,
        headers: { ...parent.headers, 'content-type': 'application/json', ...(sub.headers ?? {}) },
        body,
        apiVersion: captures[0] ?? parent.apiVersion,
        params: captures.slice(1),
        session: parent.session,
      };
      const result = route.handler(req);
      if (result instanceof Promise) return sfError(400, 'INVALID_API_INPUT', `${url.pathname} is not supported in a composite request`);
      return result;
    }
    return sfError(404, 'NOT_FOUND', 'The requested resource does not exist');
  };
}
