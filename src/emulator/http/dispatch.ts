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

export interface RouteMatch {
  route: Route;
  /** The API version a counted route's pattern captures first. */
  apiVersion: string | undefined;
  /** The captures the handler reads as `req.params` (after the version for counted routes). */
  params: string[];
}

/** The first of `routes` (leaving out `skip`) that serves this method and path. */
export function matchRoute(routes: Iterable<Route>, method: string, path: string, skip?: ReadonlySet<Route>): RouteMatch | undefined {
  for (const route of routes) {
    if (route.method !== method || skip?.has(route) === true) continue;
    const m = route.pattern.exec(path);
    if (m === null) continue;
    const captures = m.slice(1).map((c) => c ?? '');
    return route.counted ? { route, apiVersion: captures[0], params: captures.slice(1) } : { route, apiVersion: undefined, params: captures };
  }
  return undefined;
}

export function createDispatcher(routes: () => Route[]): SyncDispatcher {
  return (sub, parent) => {
    const rawUrl = sub.url.startsWith('/') ? sub.url : `/services/data/${sub.url}`;
    const url = new URL(rawUrl, 'http://emulator.invalid');
    const method = sub.method.toUpperCase();
    const match = matchRoute(routes(), method, url.pathname);
    if (match === undefined) return sfError(404, 'NOT_FOUND', 'The requested resource does not exist');
    if (!match.route.counted) return sfError(400, 'INVALID_API_INPUT', `${url.pathname} is not supported in a composite request`);
    const body = sub.body === undefined || sub.body === null ? Buffer.alloc(0) : Buffer.from(JSON.stringify(sub.body));
    const req: EmuRequest = {
      ...parent,
      method,
      path: url.pathname,
      query: url.searchParams,
      headers: { ...parent.headers, 'content-type': 'application/json', ...(sub.headers ?? {}) },
      body,
      apiVersion: match.apiVersion ?? parent.apiVersion,
      params: match.params,
      session: parent.session,
    };
    const result = match.route.handler(req);
    if (result instanceof Promise) return sfError(400, 'INVALID_API_INPUT', `${url.pathname} is not supported in a composite request`);
    return result;
  };
}
