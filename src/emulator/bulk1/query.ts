// Bulk API 1.0 query batches: the SOQL run once, its rows kept as one result (`752...`) and
// served as CSV, JSON or XML; and PK chunking, which splits a query into one batch per range of
// record Ids (`WHERE Id >= lo AND Id < hi AND (original filter)`), as Salesforce does for
// `Sforce-Enable-PKChunking`.
import soqlParser from 'soql-parser-js';
import type { Org } from '../org.ts';
import type { Schema } from '../schema/schema.ts';
import type { ObjectDef } from '../schema/types.ts';
import { compareValues, type QueryColumn } from '../soql/engine.ts';
import { toCsv } from '../bulk/csv.ts';
import { isPlainObject } from '../http/types.ts';
import { parseDatetime, text } from '../store/values.ts';
import { DATALOAD_NS, XSI_NS, xmlText, type ContentType } from './wire.ts';

const { parseQuery, composeQuery } = soqlParser;

export interface QueryRows {
  columns: QueryColumn[];
  records: Record<string, unknown>[];
}

export type QueryRun = { ok: true; rows: QueryRows } | { ok: false; stateMessage: string };

/** What Bulk API query refuses that REST accepts: GROUP BY, OFFSET, TYPEOF, aggregates, subqueries. */
function unsupported(soql: string): string | null {
  let query;
  try {
    query = parseQuery(soql);
  } catch {
    return null; // the engine reports the syntax error itself
  }
  if (query.groupBy !== undefined) return 'GROUP BY';
  if (query.offset !== undefined) return 'OFFSET';
  for (const field of query.fields ?? []) {
    if (field.type === 'FieldTypeof') return 'TYPEOF';
    if (field.type === 'FieldFunctionExpression') return 'aggregate functions';
    if (field.type === 'FieldSubquery') return 'nested queries';
  }
  return null;
}

export function runBatchQuery(org: Org, soql: string, includeDeleted: boolean, apiVersion: string): QueryRun {
  const outcome = org.soql.run(soql, { includeDeleted, apiVersion, now: org.store.now() });
  if (!outcome.ok) return { ok: false, stateMessage: `InvalidBatch : Failed to process query: ${outcome.error.errorCode}: ${outcome.error.message}` };
  const refused = unsupported(soql);
  if (refused !== null) return { ok: false, stateMessage: `InvalidBatch : Failed to process query: FUNCTIONALITY_NOT_ENABLED: Bulk API does not support ${refused}` };
  return { ok: true, rows: { columns: outcome.result.columns, records: outcome.result.records } };
}

/** A CSV cell: text, so that numbers and booleans are quoted like every other value. */
function cell(record: Record<string, unknown>, path: string[]): string {
  let v: unknown = record;
  for (const p of path) v = isPlainObject(v) ? v[p] : null;
  return text(v);
}

/**
 * An sObject element of a query result: `<type>` first, nil for null, parents nested. A queried Id
 * comes twice, as Salesforce documents for XML query results (SOAP's sObject has an Id of its own).
 */
function xmlRecord(record: Record<string, unknown>): Record<string, unknown> {
  const attributes = isPlainObject(record['attributes']) ? record['attributes'] : {};
  const out: Record<string, unknown> = { '@_xsi:type': 'sObject', type: text(attributes['type']) };
  for (const [key, value] of Object.entries(record)) {
    if (key === 'attributes') continue;
    if (value === null || value === undefined) out[key] = { '@_xsi:nil': 'true' };
    else if (isPlainObject(value)) out[key] = xmlRecord(value);
    else out[key] = key === 'Id' ? [text(value), text(value)] : text(value);
  }
  return out;
}

/**
 * A record of a JSON query result. Bulk API 1.0 writes date and datetime fields as epoch
 * milliseconds there, not the REST API's strings (reported by several client libraries).
 */
function jsonRecord(schema: Schema, record: Record<string, unknown>): Record<string, unknown> {
  const attributes = isPlainObject(record['attributes']) ? record['attributes'] : {};
  const object = schema.get(text(attributes['type']));
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    const field = object?.fieldMap.get(key.toLowerCase());
    if (isPlainObject(value) && key !== 'attributes') out[key] = jsonRecord(schema, value);
    else if (typeof value === 'string' && (field?.type === 'datetime' || field?.type === 'date')) out[key] = parseDatetime(value) ?? value;
    else out[key] = value;
  }
  return out;
}

/** A query result in the job's content type. */
export function encodeQueryRows(schema: Schema, contentType: ContentType, rows: QueryRows): { body: string; type: string } {
  if (contentType === 'CSV') {
    const data = rows.records.map((r) => rows.columns.map((c) => cell(r, c.path)));
    return { body: toCsv(rows.columns.map((c) => c.name), data), type: 'text/csv' };
  }
  if (contentType === 'JSON') return { body: JSON.stringify(rows.records.map((r) => jsonRecord(schema, r))), type: 'application/json' };
  const attributes = { '@_xmlns': DATALOAD_NS, '@_xmlns:xsi': XSI_NS };
  return { body: xmlText('queryResult', { records: rows.records.map(xmlRecord) }, attributes), type: 'application/xml' };
}

/** The `Sforce-Enable-PKChunking` header: null when off, else the chunk size (default 100,000). */
export function pkChunkSize(header: string | string[] | undefined): number | null | { error: string } {
  const value = (Array.isArray(header) ? header.join(';') : (header ?? '')).trim();
  if (value === '' || /^false$/i.test(value)) return null;
  if (/^true$/i.test(value)) return 100_000;
  const m = /(?:^|;)\s*chunkSize\s*=\s*(\d+)/i.exec(value);
  if (m === null) return 100_000;
  const size = Number(m[1]);
  if (size < 1 || size > 250_000) return { error: `Invalid PK chunking chunkSize: ${m[1]}. It must be between 1 and 250000` };
  return size;
}

/** Quotes an Id for SOQL; ids are base62, so nothing needs escaping. */
function idLiteral(id: string): string {
  return `'${id}'`;
}

/**
 * The queries of a PK-chunked batch: one per `size` record Ids of the object, in the engine's Id
 * order, each the original query with its Id range ANDed in front of the original filter.
 */
export function pkChunkQueries(org: Org, object: ObjectDef, soql: string, includeDeleted: boolean, size: number): string[] {
  const idField = object.fieldMap.get('id');
  const table = org.store.table(object.name);
  if (idField === undefined || table === undefined) return [soql];
  const ids = [...table.rows.entries()].filter(([, row]) => includeDeleted || row.deletedAt === null).map(([id]) => id);
  ids.sort((a, b) => compareValues(idField, a, b));
  if (ids.length <= size) return [soql];
  const queries: string[] = [];
  for (let start = 0; start < ids.length; start += size) {
    const lower = ids[start];
    const upper = ids[start + size];
    const range = [lower === undefined ? null : `Id >= ${idLiteral(lower)}`, upper === undefined ? null : `Id < ${idLiteral(upper)}`].filter((c) => c !== null);
    queries.push(withCondition(soql, range.join(' AND ')));
  }
  return queries;
}

const PLACEHOLDER = '__FERRY_PK_RANGE__';

/** The query with `condition` ANDed before its WHERE clause (kept whole, in parentheses). */
function withCondition(soql: string, condition: string): string {
  const query = parseQuery(soql);
  const original = query.where === undefined ? '' : composeQuery({ fields: [{ type: 'Field', field: 'Id' }], sObject: query.sObject ?? '', where: query.where }).replace(/^.*? WHERE /s, '');
  query.where = { left: { field: 'Id', operator: '=', value: `'${PLACEHOLDER}'`, literalType: 'STRING' } };
  return composeQuery(query).replace(`Id = '${PLACEHOLDER}'`, original === '' ? condition : `${condition} AND (${original})`);
}
