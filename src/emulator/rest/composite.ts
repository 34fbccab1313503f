// Composite resources: sObject collections (create, update, upsert, delete, retrieve),
// /composite with references, /composite/batch and /composite/tree.
import { normalizeId } from '../ids.ts';
import type { Org } from '../org.ts';
import type { ObjectDef, RecordValues } from '../schema/types.ts';
import type { SaveResult } from '../store/store.ts';
import { ROLLED_BACK, text, type FieldError } from '../store/values.ts';
import type { SyncDispatcher } from '../http/dispatch.ts';
import { isPlainObject, json, parseJsonBody, sfError, type EmuRequest, type EmuResponse, type Route } from '../http/types.ts';
import { apiRoute, recordToJson, userOf } from './sobjects.ts';

const MAX_COLLECTION = 200;

type CollectionResult = { id?: string | null; success: boolean; errors: FieldError[]; created?: boolean };

function toCollectionResult(r: SaveResult, withCreated: boolean): CollectionResult {
  const out: CollectionResult = r.success ? { id: r.id, success: true, errors: [] } : { success: false, errors: r.errors };
  if (!r.success && r.id !== null) out.id = r.id;
  if (withCreated && r.success) out.created = r.created;
  return out;
}

/**
 * Runs one operation per record inside one transaction. With allOrNone, any failure rolls back
 * every write and the records that were valid report ALL_OR_NONE_OPERATION_ROLLED_BACK.
 */
function runCollection(org: Org, allOrNone: boolean, count: number, op: (i: number) => SaveResult, withCreated: boolean): CollectionResult[] {
  return org.store.transaction(() => {
    const results: SaveResult[] = [];
    for (let i = 0; i < count; i += 1) results.push(op(i));
    const failed = results.some((r) => !r.success);
    if (allOrNone && failed) {
      // Upsert results always carry `created`; after a rollback nothing was created, so every
      // row (the failing one and the rolled-back ones) answers false, as Salesforce does.
      const value = results.map((r): CollectionResult => {
        const out = r.success ? { success: false, errors: [ROLLED_BACK] } : toCollectionResult(r, false);
        return withCreated ? { ...out, created: false } : out;
      });
      return { commit: false, value };
    }
    return { commit: true, value: results.map((r) => toCollectionResult(r, withCreated)) };
  });
}

function collectionBody(req: EmuRequest): { allOrNone: boolean; records: Record<string, unknown>[] } | EmuResponse {
  const parsed = parseJsonBody(req);
  if (!parsed.ok) return parsed.response;
  const body = parsed.value;
  if (!isPlainObject(body) || !Array.isArray(body['records'])) return sfError(400, 'JSON_PARSER_ERROR', 'The request body must contain a records array');
  const records = body['records'] as unknown[];
  if (records.length > MAX_COLLECTION) return sfError(400, 'EXCEEDED_ID_LIMIT', `Record limit exceeded: ${records.length} records were sent, the maximum is ${MAX_COLLECTION}`);
  if (!records.every(isPlainObject)) return sfError(400, 'JSON_PARSER_ERROR', 'Each record must be a JSON object');
  return { allOrNone: body['allOrNone'] === true, records };
}

function typeOf(org: Org, record: Record<string, unknown>): ObjectDef | undefined {
  const attributes = record['attributes'];
  const type = isPlainObject(attributes) ? attributes['type'] : undefined;
  return typeof type === 'string' ? org.schema.get(type) : undefined;
}

const NO_TYPE: SaveResult = { success: false, id: null, errors: [{ statusCode: 'INVALID_TYPE', message: 'Must send a concrete entity type.', fields: [] }] };

function withoutMeta(record: Record<string, unknown>): RecordValues {
  const out: RecordValues = {};
  for (const [k, v] of Object.entries(record)) if (k !== 'attributes' && k.toLowerCase() !== 'id') out[k] = v;
  return out;
}

function idsParam(req: EmuRequest, bodyIds?: unknown): string[] {
  if (Array.isArray(bodyIds)) return bodyIds.map(String);
  const raw = req.query.get('ids');
  return raw === null || raw === '' ? [] : raw.split(',');
}

function retrieve(org: Org, req: EmuRequest, def: ObjectDef, ids: string[], fields: string[]): EmuResponse {
  if (ids.length > 2000) return sfError(400, 'EXCEEDED_ID_LIMIT', 'Maximum number of ids allowed is 2000');
  const bad = fields.find((f) => !def.fieldMap.has(f.toLowerCase()));
  if (bad !== undefined) return sfError(400, 'INVALID_FIELD', `No such column '${bad}' on sobject of type ${def.name}`);
  const out = ids.map((raw) => {
    const id = normalizeId(raw);
    const found = id === undefined ? undefined : org.store.get(id);
    if (found === undefined || found.deleted || found.table.def !== def) return null;
    return recordToJson(org, def, found.values, req.apiVersion, fields.length === 0 ? undefined : fields);
  });
  return json(200, out, out.length);
}

export function compositeRoutes(org: Org, dispatch: SyncDispatcher): Route[] {
  return [
    apiRoute('POST', '/composite/sobjects', 'composite', (req) => {
      const input = collectionBody(req);
      if ('status' in input) return input;
      const userId = userOf(org, req);
      const results = runCollection(
        org,
        input.allOrNone,
        input.records.length,
        (i) => {
          const record = input.records[i] ?? {};
          const def = typeOf(org, record);
          if (def === undefined || !def.createable || def.isEvent) return NO_TYPE;
          if (record['id'] !== undefined || record['Id'] !== undefined) {
            return { success: false, id: null, errors: [{ statusCode: 'INVALID_FIELD', message: 'Record ID: cannot specify Id in an insert call', fields: ['Id'] }] };
          }
          return org.store.create(def.name, withoutMeta(record), { userId });
        },
        false,
      );
      return json(200, results, results.length);
    }),
    apiRoute('PATCH', '/composite/sobjects', 'composite', (req) => {
      const input = collectionBody(req);
      if ('status' in input) return input;
      const userId = userOf(org, req);
      const results = runCollection(
        org,
        input.allOrNone,
        input.records.length,
        (i) => {
          const record = input.records[i] ?? {};
          const def = typeOf(org, record);
          if (def === undefined) return NO_TYPE;
          const id = record['id'] ?? record['Id'];
          if (typeof id !== 'string') return { success: false, id: null, errors: [{ statusCode: 'MISSING_ARGUMENT', message: 'Id not specified in an update call', fields: [] }] };
          return org.store.update(def.name, id, withoutMeta(record), { userId });
        },
        false,
      );
      return json(200, results, results.length);
    }),
    apiRoute('DELETE', '/composite/sobjects', 'composite', (req) => {
      const ids = idsParam(req);
      if (ids.length > MAX_COLLECTION) return sfError(400, 'EXCEEDED_ID_LIMIT', `Maximum number of ids allowed is ${MAX_COLLECTION}`);
      const userId = userOf(org, req);
      const results = runCollection(org, req.query.get('allOrNone') === 'true', ids.length, (i) => org.store.delete(ids[i] ?? '', { userId }), false);
      return json(200, results, results.length);
    }),
    apiRoute('GET', '/composite/sobjects/([^/]+)', 'composite', (req) => {
      const def = org.schema.get(req.params[0] ?? '');
      if (def === undefined) return sfError(404, 'NOT_FOUND', 'The requested resource does not exist');
      const fields = (req.query.get('fields') ?? '').split(',').filter((f) => f !== '');
      return retrieve(org, req, def, idsParam(req), fields);
    }),
    apiRoute('POST', '/composite/sobjects/([^/]+)', 'composite', (req) => {
      const def = org.schema.get(req.params[0] ?? '');
      if (def === undefined) return sfError(404, 'NOT_FOUND', 'The requested resource does not exist');
      const parsed = parseJsonBody(req);
      if (!parsed.ok) return parsed.response;
      const body = isPlainObject(parsed.value) ? parsed.value : {};
      const fields = Array.isArray(body['fields']) ? body['fields'].map(String) : [];
      return retrieve(org, req, def, idsParam(req, body['ids']), fields);
    }),
    apiRoute('PATCH', '/composite/sobjects/([^/]+)/([^/]+)', 'composite', (req) => {
      const def = org.schema.get(req.params[0] ?? '');
      if (def === undefined) return sfError(404, 'NOT_FOUND', 'The requested resource does not exist');
      const fieldName = decodeURIComponent(req.params[1] ?? '');
      const keyField = def.fieldMap.get(fieldName.toLowerCase());
      if (keyField === undefined || !(keyField.externalId || keyField.name === 'Id')) {
        return sfError(400, 'INVALID_FIELD', `Field name provided, ${fieldName} is not an External ID or indexed field for ${def.name}`);
      }
      const input = collectionBody(req);
      if ('status' in input) return input;
      const userId = userOf(org, req);
      const results = runCollection(
        org,
        input.allOrNone,
        input.records.length,
        (i) => {
          const record = input.records[i] ?? {};
          const keyEntry = Object.entries(record).find(([k]) => k.toLowerCase() === keyField.name.toLowerCase());
          const keyValue = keyEntry?.[1] ?? null;
          if (keyValue === null || keyValue === '') {
            return { success: false, id: null, errors: [{ statusCode: 'MISSING_ARGUMENT', message: `${keyField.name} not specified`, fields: [] }] };
          }
          const result = org.store.upsert(def.name, keyField, keyValue, withoutMeta(record), { userId });
          if ('multiple' in result) {
            return { success: false, id: null, errors: [{ statusCode: 'DUPLICATE_EXTERNAL_ID', message: `${keyField.name}: more than one record found for external id field: ${result.multiple.join(', ')}`, fields: [keyField.name] }] };
          }
          return result;
        },
        true,
      );
      return json(200, results, results.length);
    }),
    apiRoute('POST', '/composite', 'composite', (req) => composite(org, req, dispatch)),
    apiRoute('POST', '/composite/batch', 'composite', (req) => batch(req, dispatch)),
    apiRoute('POST', '/composite/tree/([^/]+)', 'composite', (req) => tree(org, req)),
  ];
}

/** Resolves `@{ref.path}` against earlier subrequest results: `@{newAccount.id}`, `@{q.records[0].Id}`. */
function substitute(value: unknown, results: Map<string, unknown>): { ok: true; value: unknown } | { ok: false; ref: string } {
  let missing: string | null = null;
  const replace = (s: string): string =>
    s.replace(/@\{([^}]+)\}/g, (whole, expr: string) => {
      const parts = expr.split(/[.[\]]/).filter((p) => p !== '');
      let current: unknown = results.get(parts[0] ?? '');
      for (const part of parts.slice(1)) {
        current = isPlainObject(current) ? current[part] : Array.isArray(current) ? (current as unknown[])[Number(part)] : undefined;
      }
      if (current === undefined || current === null) {
        missing = expr;
        return whole;
      }
      return text(current);
    });
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return replace(v);
    if (Array.isArray(v)) return v.map(walk);
    if (isPlainObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  const out = walk(value);
  return missing === null ? { ok: true, value: out } : { ok: false, ref: missing };
}

function composite(org: Org, req: EmuRequest, dispatch: SyncDispatcher): EmuResponse {
  const parsed = parseJsonBody(req);
  if (!parsed.ok) return parsed.response;
  const body = parsed.value;
  if (!isPlainObject(body) || !Array.isArray(body['compositeRequest'])) return sfError(400, 'JSON_PARSER_ERROR', 'compositeRequest is required');
  const subs = body['compositeRequest'] as Record<string, unknown>[];
  if (subs.length > 25) return sfError(400, 'INVALID_API_INPUT', 'Maximum number of subrequests allowed is 25');
  const allOrNone = body['allOrNone'] === true;
  const halted = [{ errorCode: 'PROCESSING_HALTED', message: 'The transaction was rolled back since another operation in the same transaction failed.' }];
  return org.store.transaction(() => {
    const results = new Map<string, unknown>();
    const responses: { body: unknown; httpHeaders: Record<string, string>; httpStatusCode: number; referenceId: string }[] = [];
    let failedAt = -1;
    let records = 0;
    subs.forEach((sub, i) => {
      const referenceId = String(sub['referenceId']);
      if (allOrNone && failedAt >= 0) {
        responses.push({ body: halted, httpHeaders: {}, httpStatusCode: 400, referenceId });
        return;
      }
      const url = substitute(sub['url'], results);
      const subBody = substitute(sub['body'], results);
      if (!url.ok || !subBody.ok) {
        const ref = !url.ok ? url.ref : !subBody.ok ? subBody.ref : '';
        responses.push({
          body: [{ errorCode: 'PROCESSING_HALTED', message: `Invalid reference specified. No value for ${ref} found in ${ref.split('.')[0] ?? ref}. Provided referenceId ${ref.split('.')[0] ?? ref} does not exist or has been erased.` }],
          httpHeaders: {},
          httpStatusCode: 400,
          referenceId,
        });
        if (failedAt < 0) failedAt = i;
        return;
      }
      const res = dispatch({ method: String(sub['method']), url: String(url.value), body: subBody.value, headers: isPlainObject(sub['httpHeaders']) ? (sub['httpHeaders'] as Record<string, string>) : {} }, req);
      records += res.records ?? 0;
      const resBody = res.body ?? null;
      results.set(referenceId, resBody);
      const headers: Record<string, string> = {};
      if (res.status === 201 && isPlainObject(resBody) && typeof resBody['id'] === 'string') {
        headers['Location'] = `${String(url.value).replace(/\/$/, '')}/${resBody['id']}`;
      }
      responses.push({ body: resBody, httpHeaders: headers, httpStatusCode: res.status, referenceId });
      if (res.status >= 400 && failedAt < 0) failedAt = i;
    });
    if (allOrNone && failedAt >= 0) {
      // Everything before the failure is rolled back too and says so.
      for (let i = 0; i < failedAt; i += 1) {
        const r = responses[i];
        if (r !== undefined) responses[i] = { ...r, body: halted, httpHeaders: {}, httpStatusCode: 400 };
      }
      return { commit: false, value: json(200, { compositeResponse: responses }, records) };
    }
    return { commit: true, value: json(200, { compositeResponse: responses }, records) };
  });
}

function batch(req: EmuRequest, dispatch: SyncDispatcher): EmuResponse {
  const parsed = parseJsonBody(req);
  if (!parsed.ok) return parsed.response;
  const body = parsed.value;
  if (!isPlainObject(body) || !Array.isArray(body['batchRequests'])) return sfError(400, 'JSON_PARSER_ERROR', 'batchRequests is required');
  const subs = body['batchRequests'] as Record<string, unknown>[];
  if (subs.length > 25) return sfError(400, 'INVALID_API_INPUT', 'Maximum number of subrequests allowed is 25');
  const haltOnError = body['haltOnError'] === true;
  let hasErrors = false;
  let records = 0;
  const results = subs.map((sub) => {
    if (haltOnError && hasErrors) {
      return { statusCode: 412, result: [{ errorCode: 'BATCH_PROCESSING_HALTED', message: 'Batch processing halted per request' }] };
    }
    const res = dispatch({ method: String(sub['method']), url: String(sub['url']), body: sub['richInput'] }, req);
    records += res.records ?? 0;
    if (res.status >= 400) hasErrors = true;
    return { statusCode: res.status, result: res.body ?? null };
  });
  return json(200, { hasErrors, results }, records);
}

interface TreeNode {
  def: ObjectDef;
  referenceId: string;
  values: RecordValues;
  children: { field: string; nodes: TreeNode[] }[];
}

function tree(org: Org, req: EmuRequest): EmuResponse {
  const root = org.schema.get(req.params[0] ?? '');
  if (root === undefined) return sfError(404, 'NOT_FOUND', 'The requested resource does not exist');
  const parsed = parseJsonBody(req);
  if (!parsed.ok) return parsed.response;
  const body = parsed.value;
  if (!isPlainObject(body) || !Array.isArray(body['records'])) return sfError(400, 'JSON_PARSER_ERROR', 'records is required');
  let total = 0;
  const parse = (def: ObjectDef, raw: unknown): TreeNode | string => {
    if (!isPlainObject(raw)) return 'Each record must be a JSON object';
    total += 1;
    const attributes = isPlainObject(raw['attributes']) ? raw['attributes'] : {};
    const node: TreeNode = { def, referenceId: text(attributes['referenceId'] ?? `ref${total}`), values: {}, children: [] };
    for (const [k, v] of Object.entries(raw)) {
      if (k === 'attributes') continue;
      const rel = isPlainObject(v) && Array.isArray(v['records']) ? org.schema.childRelationship(def, k) : undefined;
      if (rel !== undefined && isPlainObject(v)) {
        const nodes: TreeNode[] = [];
        for (const child of v['records'] as unknown[]) {
          const parsedChild = parse(rel.child, child);
          if (typeof parsedChild === 'string') return parsedChild;
          nodes.push(parsedChild);
        }
        node.children.push({ field: rel.field.name, nodes });
      } else {
        node.values[k] = v;
      }
    }
    return node;
  };
  const roots: TreeNode[] = [];
  for (const raw of body['records'] as unknown[]) {
    const node = parse(root, raw);
    if (typeof node === 'string') return sfError(400, 'INVALID_INPUT', node);
    roots.push(node);
  }
  if (total > MAX_COLLECTION) return sfError(400, 'EXCEEDED_ID_LIMIT', `Maximum number of records allowed is ${MAX_COLLECTION}`);
  const userId = userOf(org, req);
  return org.store.transaction(() => {
    const created: { referenceId: string; id: string }[] = [];
    const errors: { referenceId: string; errors: FieldError[] }[] = [];
    const insert = (node: TreeNode, parent?: { field: string; id: string }): void => {
      const values = parent === undefined ? node.values : { ...node.values, [parent.field]: parent.id };
      const result = org.store.create(node.def.name, values, { userId });
      if (!result.success) {
        errors.push({ referenceId: node.referenceId, errors: result.errors });
        return;
      }
      created.push({ referenceId: node.referenceId, id: result.id });
      for (const group of node.children) for (const child of group.nodes) insert(child, { field: group.field, id: result.id });
    };
    for (const node of roots) insert(node);
    if (errors.length > 0) return { commit: false, value: json(400, { hasErrors: true, results: errors }) };
    return { commit: true, value: json(201, { hasErrors: false, results: created }, created.length) };
  });
}
