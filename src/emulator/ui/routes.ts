// Routes of the UI metadata resources: layouts, list views, quick actions, recent items, tabs,
// theme and query plans. They sit before the generic /sobjects routes (whose
// `/sobjects/X/{id}/{...}` patterns would read `describe/layouts` as a record), and wrap three
// routes of others without changing them: a record read and `GET /sobjects/X` (to note recently
// viewed records and fill `recentItems`) and `GET /query` (to answer `explain`), each handing the
// request on to the route that would have served it.
import { matchRoute } from '../http/dispatch.ts';
import { normalizeId } from '../ids.ts';
import type { Org } from '../org.ts';
import type { ObjectDef } from '../schema/types.ts';
import { isPlainObject, json, sfError, type EmuRequest, type EmuResponse, type Route } from '../http/types.ts';
import { apiRoute, userOf } from '../rest/sobjects.ts';
import { isLayoutable, layoutableObject } from './common.ts';
import { explainResponse } from './explain.ts';
import {
  approvalLayoutsResponse,
  compactLayoutResponse,
  compactLayoutsResponse,
  globalLayoutsResponse,
  layoutsResponse,
  namedLayoutResponse,
  recordTypeLayoutResponse,
} from './layouts.ts';
import { basicInfo, describeResponse, listViewOr404, listViewsOf, listViewsResponse, recentListViews, resultsResponse, type ListView } from './list-views.ts';
import { actionResource, listActions, type ActionOperation } from './quick-actions.ts';
import { RecentItems, recentRecordJson } from './recent.ts';
import { tabsResponse, themeResponse } from './tabs.ts';

type Handler = (req: EmuRequest) => EmuResponse | Promise<EmuResponse>;

/** Runs `handler` with the object named by the first path capture, or answers 404. */
function onObject(org: Org, handler: (def: ObjectDef, req: EmuRequest) => EmuResponse | Promise<EmuResponse>): Handler {
  return (req) => {
    const def = layoutableObject(org, req.params[0] ?? '');
    return 'status' in def ? def : handler(def, req);
  };
}

/**
 * Hands a request on to the first route after ours that matches it, exactly as the server would
 * have dispatched it without the UI routes (captures recomputed for that route's pattern).
 */
function passOn(all: () => Route[], mine: ReadonlySet<Route>, req: EmuRequest): EmuResponse | Promise<EmuResponse> {
  const match = matchRoute(all(), req.method, req.path, mine);
  return match === undefined ? sfError(404, 'NOT_FOUND', 'The requested resource does not exist') : match.route.handler({ ...req, params: match.params });
}

function recentResponse(org: Org, recent: RecentItems, req: EmuRequest): EmuResponse {
  const raw = req.query.get('limit');
  const limit = raw === null ? Infinity : Number(raw);
  if (raw !== null && (!Number.isInteger(limit) || limit < 1)) return sfError(400, 'INVALID_QUERY_PARAMETER_VALUE', `limit must be a positive integer: ${raw}`);
  const items = recent.records(userOf(org, req)).slice(0, limit);
  return json(200, items.map((item) => recentRecordJson(item, req.apiVersion)), items.length);
}

function quickActionRoutes(org: Org): Route[] {
  const object = (op: ActionOperation, withContext = false): Handler =>
    onObject(org, (def, req) => actionResource(org, def, req.params[1] ?? '', op, req, withContext ? (req.params[2] ?? null) : null));
  const global = (op: ActionOperation, withContext = false): Handler => (req) => actionResource(org, null, req.params[0] ?? '', op, req, withContext ? (req.params[1] ?? null) : null);
  return [
    apiRoute('GET', '/sobjects/([^/]+)/quickActions', 'rest', onObject(org, (def, req) => listActions(org, def, req))),
    apiRoute('GET', '/sobjects/([^/]+)/quickActions/([^/]+)', 'rest', object('get')),
    apiRoute('POST', '/sobjects/([^/]+)/quickActions/([^/]+)', 'rest', object('execute')),
    apiRoute('GET', '/sobjects/([^/]+)/quickActions/([^/]+)/describe', 'describe', object('describe')),
    apiRoute('GET', '/sobjects/([^/]+)/quickActions/([^/]+)/defaultValues', 'rest', object('defaultValues')),
    apiRoute('GET', '/sobjects/([^/]+)/quickActions/([^/]+)/defaultValues/([^/]+)', 'rest', object('defaultValues', true)),
    apiRoute('GET', '/quickActions', 'rest', (req) => listActions(org, null, req)),
    apiRoute('GET', '/quickActions/([^/]+)', 'rest', global('get')),
    apiRoute('POST', '/quickActions/([^/]+)', 'rest', global('execute')),
    apiRoute('GET', '/quickActions/([^/]+)/describe', 'describe', global('describe')),
    apiRoute('GET', '/quickActions/([^/]+)/defaultValues', 'rest', global('defaultValues')),
    apiRoute('GET', '/quickActions/([^/]+)/defaultValues/([^/]+)', 'rest', global('defaultValues', true)),
  ];
}

function layoutRoutes(org: Org): Route[] {
  return [
    // "Global" is not an object: it names the global publisher layout.
    apiRoute('GET', '/sobjects/Global/describe/layouts', 'describe', (req) => globalLayoutsResponse(org, req)),
    apiRoute('GET', '/sobjects/([^/]+)/describe/layouts', 'describe', onObject(org, (def, req) => layoutsResponse(org, def, req))),
    apiRoute('GET', '/sobjects/([^/]+)/describe/layouts/([^/]+)', 'describe', onObject(org, (def, req) => recordTypeLayoutResponse(org, def, req.params[1] ?? '', req))),
    apiRoute('GET', '/sobjects/([^/]+)/describe/namedLayouts/([^/]+)', 'describe', onObject(org, (def, req) => namedLayoutResponse(org, def, req.params[1] ?? '', req))),
    apiRoute('GET', '/sobjects/([^/]+)/describe/compactLayouts', 'describe', onObject(org, (def, req) => compactLayoutsResponse(def, req))),
    apiRoute('GET', '/sobjects/([^/]+)/describe/compactLayouts/([^/]+)', 'describe', onObject(org, (def, req) => compactLayoutResponse(def, req.params[1] ?? '', req))),
    apiRoute('GET', '/sobjects/([^/]+)/describe/approvalLayouts', 'describe', onObject(org, () => approvalLayoutsResponse(null))),
    apiRoute('GET', '/sobjects/([^/]+)/describe/approvalLayouts/([^/]+)', 'describe', onObject(org, (_def, req) => approvalLayoutsResponse(req.params[1] ?? ''))),
  ];
}

function listViewRoutes(org: Org, recent: RecentItems): Route[] {
  const view = (answer: (v: ListView, req: EmuRequest) => EmuResponse): Handler =>
    onObject(org, (def, req) => {
      const found = listViewOr404(org, def, req.params[1] ?? '');
      return 'status' in found ? found : answer(found, req);
    });
  return [
    apiRoute('GET', '/sobjects/([^/]+)/listviews', 'rest', onObject(org, (def, req) => listViewsResponse(def, listViewsOf(org, def), req.apiVersion))),
    apiRoute('GET', '/sobjects/([^/]+)/listviews/recent', 'rest', onObject(org, (def, req) => recentListViews(org, def, req, recent))),
    apiRoute('GET', '/sobjects/([^/]+)/listviews/([^/]+)', 'rest', view((v, req) => json(200, basicInfo(v, req.apiVersion)))),
    apiRoute('GET', '/sobjects/([^/]+)/listviews/([^/]+)/describe', 'rest', view((v, req) => describeResponse(org, v, req, recent))),
    apiRoute('GET', '/sobjects/([^/]+)/listviews/([^/]+)/results', 'query', view((v, req) => resultsResponse(org, v, req, recent))),
  ];
}

/** Applies `then` to a handler's answer, staying synchronous when the answer is (composite subrequests need that). */
function after(response: EmuResponse | Promise<EmuResponse>, then: (r: EmuResponse) => EmuResponse): EmuResponse | Promise<EmuResponse> {
  return response instanceof Promise ? response.then(then) : then(response);
}

/** Wrappers of other files' routes; see the file comment. */
function wrapperRoutes(org: Org, recent: RecentItems, all: () => Route[], mine: ReadonlySet<Route>): Route[] {
  return [
    apiRoute('GET', '/query', 'query', (req) => (req.query.has('explain') ? explainResponse(org, req, recent) : passOn(all, mine, req))),
    // Only record ids: /sobjects/X/describe and the like keep their own route and call kind.
    apiRoute('GET', '/sobjects/([^/]+)/([a-zA-Z0-9]{15}|[a-zA-Z0-9]{18})', 'rest', (req) =>
      after(passOn(all, mine, req), (response) => {
        const def = org.schema.get(decodeURIComponent(req.params[0] ?? ''));
        const id = normalizeId(decodeURIComponent(req.params[1] ?? ''));
        if (response.status === 200 && def !== undefined && id !== undefined && id.startsWith(def.keyPrefix)) recent.noteRecord(userOf(org, req), id);
        return response;
      }),
    ),
    apiRoute('GET', '/sobjects/([^/]+)', 'describe', (req) =>
      after(passOn(all, mine, req), (response) => {
        const def = org.schema.get(decodeURIComponent(req.params[0] ?? ''));
        if (response.status !== 200 || def === undefined || !isLayoutable(def) || !isPlainObject(response.body)) return response;
        const items = recent.records(userOf(org, req), def.name);
        return { ...response, body: { ...response.body, recentItems: items.map((item) => recentRecordJson(item, req.apiVersion)) } };
      }),
    ),
  ];
}

/**
 * The UI routes; `all` is the server's complete route list (ours included), through which the
 * wrappers hand requests on.
 */
export function uiRoutes(org: Org, all: () => Route[]): Route[] {
  const recent = new RecentItems(org);
  const mine = new Set<Route>();
  const routes = [
    ...layoutRoutes(org),
    ...listViewRoutes(org, recent),
    ...quickActionRoutes(org),
    apiRoute('GET', '/recent', 'rest', (req) => recentResponse(org, recent, req)),
    apiRoute('GET', '/tabs', 'describe', (req) => tabsResponse(org, req)),
    apiRoute('GET', '/theme', 'describe', (req) => themeResponse(org, req)),
    ...wrapperRoutes(org, recent, all, mine),
  ];
  for (const r of routes) mine.add(r);
  return routes;
}
