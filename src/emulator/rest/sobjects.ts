// /services/data: versions, resources, describeGlobal, describe, single-record CRUD, upsert by
// external id, getUpdated/getDeleted, and platform event publishing.
import { normalizeId } from '../ids.ts';
import type { Org } from '../org.ts';
import { readField, type ObjectDef, type RecordValues } from '../schema/types.ts';
import type { SaveResult } from '../store/store.ts';
import { parseDatetime, formatDatetime } from '../store/values.ts';
import { isPlainObject, json, parseJsonBody, sfError, type EmuRequest, type EmuResponse, type Route } from '../http/types.ts';
import { describeGlobalEntry, describeObject } from './describe.ts';
import { publishPlatformEvent } from '../streaming/platform-events.ts';

export const API_PREFIX = '/services/data/v(\\d+\\.\\d)';

export function apiRoute(method: string, sub: string, kind: Route['kind'], handler: Route['handler']): Route {
  return { method, pattern: new RegExp(`^${API_PREFIX}${sub}/?$`), auth: true, counted: true, kind, handler };
}

export function supportedVersions(latest: string): string[] {
  const versions: string[] = [];
  for (let v = 31; v <= Number(latest); v += 1) versions.push(`${v}.0`);
  return versions;
}

export function objectOr404(org: Org, name: string): ObjectDef | EmuResponse {
  const def = org.schema.get(decodeURIComponent(name));
  return def ?? sfError(404, 'NOT_FOUND', 'The requested resource does not exist');
}

/** A stored record as REST returns it: attributes first, then fields in schema order. */
export function recordToJson(org: Org, def: ObjectDef, values: RecordValues, version: string, fields?: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {
    attributes: { type: def.name, url: `/services/data/v${version}/sobjects/${def.name}/${String(values['Id'])}` },
  };
  const names = fields ?? def.fields.map((f) => f.name);
  for (const name of names) {
    const f = def.fieldMap.get(name.toLowerCase());
    if (f !== undefined) out[f.name] = readField(f, values) ?? null;
  }
  return out;
}

/** Errors of a failed save as the REST single-record API returns them (errorCode, not statusCode). */
export function saveErrorResponse(result: Extract<SaveResult, { success: false }>): EmuResponse {
  const status = result.errors.some((e) => e.statusCode === 'ENTITY_IS_DELETED' || e.statusCode === 'NOT_FOUND') ? 404 : 400;
  return {
    status,
    body: result.errors.map((e) => ({ message: e.message, errorCode: e.statusCode, fields: e.fields })),
  };
}

export function userOf(org: Org, req: EmuRequest): string {
  return org.effectiveUser(req.session?.userId ?? org.adminUserId);
}

function fieldsParam(def: ObjectDef, req: EmuRequest): string[] | EmuResponse | undefined {
  const raw = req.query.get('fields');
  if (raw === null || raw === '') return undefined;
  const names = raw.split(',').map((s) => s.trim());
  const bad = names.find((n) => !def.fieldMap.has(n.toLowerCase()));
  if (bad !== undefined) return sfError(400, 'INVALID_FIELD', `No such column '${bad}' on sobject of type ${def.name}`);
  return names;
}

function getRecord(org: Org, def: ObjectDef, rawId: string, req: EmuRequest): EmuResponse {
  const id = normalizeId(rawId);
  const found = id === undefined ? undefined : org.store.get(id);
  if (found === undefined || found.table.def !== def) {
    return sfError(404, 'NOT_FOUND', 'The requested resource does not exist');
  }
  if (found.deleted) return sfError(404, 'ENTITY_IS_DELETED', 'entity is deleted');
  const fields = fieldsParam(def, req);
  if (fields !== undefined && !Array.isArray(fields)) return fields;
  return json(200, recordToJson(org, def, found.values, req.apiVersion, fields), 1);
}

function dateWindow(req: EmuRequest, maxDays: number): { start: number; end: number } | EmuResponse {
  const start = parseDatetime(req.query.get('start') ?? '');
  const end = parseDatetime(req.query.get('end') ?? '');
  if (start === undefined || end === undefined) return sfError(400, 'MALFORMED_QUERY', 'start and end must be valid dateTime values');
  if (end < start) return sfError(400, 'INVALID_REPLICATION_DATE', 'end date must be after the start date');
  if (end - start > maxDays * 86_400_000) return sfError(400, 'INVALID_REPLICATION_DATE', `start date cannot be more than ${maxDays} days before the end date`);
  return { start, end };
}

const MAX_REPLICATION_IDS = 600_000;

export function sobjectRoutes(org: Org): Route[] {
  const v = org.options.apiVersion;
  return [
    {
      method: 'GET',
      pattern: /^\/services\/data\/?$/,
      auth: false,
      counted: false,
      kind: 'rest',
      handler: () => json(200, supportedVersions(v).map((ver) => ({ label: `Emulator ${ver}`, url: `/services/data/v${ver}`, version: ver }))),
    },
    apiRoute('GET', '', 'rest', (req) => {
      const base = `/services/data/v${req.apiVersion}`;
      const names = ['sobjects', 'query', 'queryAll', 'composite', 'limits', 'jobs/ingest', 'jobs/query'];
      const resources: Record<string, string> = {};
      for (const n of names) resources[n] = `${base}/${n}`;
      resources['identity'] = `${req.baseUrl}/id/${org.orgId}/${req.session?.userId ?? org.adminUserId}`;
      return json(200, resources);
    }),
    apiRoute('GET', '/sobjects', 'describe', (req) =>
      json(200, { encoding: 'UTF-8', maxBatchSize: 200, sobjects: org.schema.objects.map((o) => describeGlobalEntry(o, req.apiVersion)) }),
    ),
    apiRoute('GET', '/sobjects/([^/]+)/describe', 'describe', (req) => {
      const def = objectOr404(org, req.params[0] ?? '');
      if (!('fields' in def)) return def;
      return json(200, describeObject(def, req.apiVersion));
    }),
    apiRoute('GET', '/sobjects/([^/]+)', 'describe', (req) => {
      const def = objectOr404(org, req.params[0] ?? '');
      if (!('fields' in def)) return def;
      return json(200, { objectDescribe: describeGlobalEntry(def, req.apiVersion), recentItems: [] });
    }),
    apiRoute('POST', '/sobjects/([^/]+)', 'rest', (req) => {
      const def = objectOr404(org, req.params[0] ?? '');
      if (!('fields' in def)) return def;
      const body = parseJsonBody(req);
      if (!body.ok) return body.response;
      if (!isPlainObject(body.value)) return sfError(400, 'JSON_PARSER_ERROR', 'The request body must be a JSON object');
      if (def.isEvent) return publishPlatformEvent(org, def, body.value, userOf(org, req));
      if (!def.createable) return sfError(400, 'INVALID_TYPE', `entity type ${def.name} does not support insert`);
      const result = org.store.create(def.name, body.value, { userId: userOf(org, req) });
      if (!result.success) return saveErrorResponse(result);
      return json(201, { id: result.id, success: true, errors: [] }, 1);
    }),
    apiRoute('GET', '/sobjects/([^/]+)/updated', 'rest', (req) => {
      const def = objectOr404(org, req.params[0] ?? '');
      if (!('fields' in def)) return def;
      const window = dateWindow(req, 30);
      if ('status' in window) return window;
      const table = org.store.table(def.name);
      const ids: string[] = [];
      const startStamp = formatDatetime(window.start);
      const endStamp = formatDatetime(window.end);
      if (table !== undefined) {
        for (let i = table.logLowerBound(startStamp); i < table.log.length; i += 1) {
          const e = table.log[i];
          if (e === undefined || e.stamp >= endStamp) break;
          if (table.isLive(e) && table.rows.get(e.id)?.deletedAt === null) ids.push(e.id);
        }
      }
      if (ids.length > MAX_REPLICATION_IDS) return sfError(400, 'EXCEEDED_ID_LIMIT', 'record limit reached. narrow the date range');
      return json(200, { ids, latestDateCovered: formatDatetime(Math.min(window.end, org.store.now())) }, ids.length);
    }),
    apiRoute('GET', '/sobjects/([^/]+)/deleted', 'rest', (req) => {
      const def = objectOr404(org, req.params[0] ?? '');
      if (!('fields' in def)) return def;
      const window = dateWindow(req, 15);
      if ('status' in window) return window;
      const table = org.store.table(def.name);
      const deletedRecords: { id: string; deletedDate: string }[] = [];
      let earliest: number | null = null;
      for (const [id, row] of table?.rows ?? []) {
        if (row.deletedAt === null) continue;
        if (earliest === null || row.deletedAt < earliest) earliest = row.deletedAt;
        if (row.deletedAt >= window.start && row.deletedAt < window.end) deletedRecords.push({ id, deletedDate: formatDatetime(row.deletedAt) });
      }
      if (deletedRecords.length > MAX_REPLICATION_IDS) return sfError(400, 'EXCEEDED_ID_LIMIT', 'record limit reached. narrow the date range');
      return json(
        200,
        {
          deletedRecords,
          earliestDateAvailable: formatDatetime(earliest ?? window.start),
          latestDateCovered: formatDatetime(Math.min(window.end, org.store.now())),
        },
        deletedRecords.length,
      );
    }),
    apiRoute('GET', '/sobjects/([^/]+)/([^/]+)', 'rest', (req) => {
      const def = objectOr404(org, req.params[0] ?? '');
      if (!('fields' in def)) return def;
      return getRecord(org, def, decodeURIComponent(req.params[1] ?? ''), req);
    }),
    apiRoute('PATCH', '/sobjects/([^/]+)/([^/]+)', 'rest', (req) => {
      const def = objectOr404(org, req.params[0] ?? '');
      if (!('fields' in def)) return def;
      const rawId = decodeURIComponent(req.params[1] ?? '');
      const id = normalizeId(rawId);
      const found = id === undefined ? undefined : org.store.get(id);
      if (found === undefined || found.table.def !== def) return sfError(404, 'NOT_FOUND', 'The requested resource does not exist');
      if (found.deleted) return sfError(404, 'ENTITY_IS_DELETED', 'entity is deleted');
      const body = parseJsonBody(req);
      if (!body.ok) return body.response;
      if (!isPlainObject(body.value)) return sfError(400, 'JSON_PARSER_ERROR', 'The request body must be a JSON object');
      const result = org.store.update(def.name, found.values['Id'] as string, body.value, { userId: userOf(org, req) });
      if (!result.success) return saveErrorResponse(result);
      return { status: 204, records: 1 };
    }),
    apiRoute('DELETE', '/sobjects/([^/]+)/([^/]+)', 'rest', (req) => {
      const def = objectOr404(org, req.params[0] ?? '');
      if (!('fields' in def)) return def;
      const id = normalizeId(decodeURIComponent(req.params[1] ?? ''));
      const found = id === undefined ? undefined : org.store.get(id);
      if (found === undefined || found.table.def !== def) return sfError(404, 'NOT_FOUND', 'The requested resource does not exist');
      if (found.deleted) return sfError(404, 'ENTITY_IS_DELETED', 'entity is deleted');
      const result = org.store.delete(found.values['Id'] as string, { userId: userOf(org, req) });
      if (!result.success) return saveErrorResponse(result);
      return { status: 204, records: 1 };
    }),
    apiRoute('GET', '/sobjects/([^/]+)/([^/]+)/([^/]+)', 'rest', (req) => {
      const def = objectOr404(org, req.params[0] ?? '');
      if (!('fields' in def)) return def;
      const field = def.fieldMap.get(decodeURIComponent(req.params[1] ?? '').toLowerCase());
      if (field === undefined || !field.idLookup) return sfError(404, 'NOT_FOUND', 'The requested resource does not exist');
      const value = decodeURIComponent(req.params[2] ?? '');
      const ids = field.name === 'Id' ? [value] : (org.store.table(def.name)?.findByKey(field, value) ?? []);
      if (ids.length > 1) return { status: 300, body: ids.map((id) => `/services/data/v${req.apiVersion}/sobjects/${def.name}/${id}`) };
      const [id] = ids;
      if (id === undefined) return sfError(404, 'NOT_FOUND', 'The requested resource does not exist');
      return getRecord(org, def, id, req);
    }),
    apiRoute('PATCH', '/sobjects/([^/]+)/([^/]+)/([^/]*)', 'rest', (req) => upsertOne(org, req)),
    apiRoute('POST', '/sobjects/([^/]+)/([^/]+)/([^/]*)', 'rest', (req) => upsertOne(org, req)),
    apiRoute('DELETE', '/sobjects/([^/]+)/([^/]+)/([^/]+)', 'rest', (req) => {
      const def = objectOr404(org, req.params[0] ?? '');
      if (!('fields' in def)) return def;
      const field = def.fieldMap.get(decodeURIComponent(req.params[1] ?? '').toLowerCase());
      if (field === undefined || !field.idLookup) return sfError(404, 'NOT_FOUND', 'The requested resource does not exist');
      const ids = org.store.table(def.name)?.findByKey(field, decodeURIComponent(req.params[2] ?? '')) ?? [];
      if (ids.length > 1) return { status: 300, body: ids.map((id) => `/services/data/v${req.apiVersion}/sobjects/${def.name}/${id}`) };
      const [id] = ids;
      if (id === undefined) return sfError(404, 'NOT_FOUND', 'The requested resource does not exist');
      const result = org.store.delete(id, { userId: userOf(org, req) });
      if (!result.success) return saveErrorResponse(result);
      return { status: 204, records: 1 };
    }),
  ];
}

/** `PATCH /sobjects/X/{field}/{value}`: 201 created, 200 updated, 300 when several match. */
function upsertOne(org: Org, req: EmuRequest): EmuResponse {
  const def = objectOr404(org, req.params[0] ?? '');
  if (!('fields' in def)) return def;
  const fieldName = decodeURIComponent(req.params[1] ?? '');
  const field = def.fieldMap.get(fieldName.toLowerCase());
  if (field === undefined || !(field.externalId || field.name === 'Id')) {
    return sfError(404, 'NOT_FOUND', `Provided external ID field does not exist or is not accessible: ${fieldName}`);
  }
  const body = parseJsonBody(req);
  if (!body.ok) return body.response;
  if (!isPlainObject(body.value)) return sfError(400, 'JSON_PARSER_ERROR', 'The request body must be a JSON object');
  const value = decodeURIComponent(req.params[2] ?? '');
  const result = org.store.upsert(def.name, field, value === '' ? null : value, body.value, { userId: userOf(org, req) }, { updateOnly: req.query.get('updateOnly') === 'true' });
  if ('multiple' in result) {
    return { status: 300, body: result.multiple.map((id) => `/services/data/v${req.apiVersion}/sobjects/${def.name}/${id}`) };
  }
  if (!result.success) return saveErrorResponse(result);
  return json(result.created ? 201 : 200, { id: result.id, success: true, errors: [], created: result.created }, 1);
}
