// A Bulk API 1.0 ingest batch read into store records, and its results written back, in the
// job's content type. CSV is Bulk 2.0's dialect (header row, `#N/A` for null, relationship
// columns such as `Account__r.Ferry_Id__c`); JSON is an array of records with parents as nested
// objects; XML is `<sObjects><sObject>` with `xsi:nil="true"` for null and parents as nested
// elements. Every format is checked column by column against the object before any row is saved.
import type { Schema } from '../schema/schema.ts';
import type { ObjectDef } from '../schema/types.ts';
import type { SaveResult } from '../store/store.ts';
import { isPlainObject } from '../http/types.ts';
import { parseCsv, rowToRecord, toCsv } from '../bulk/csv.ts';
import { headerError } from '../bulk/header.ts';
import { saveErrorText } from '../bulk/save-row.ts';
import { parseXml, xmlText, type ContentType } from './wire.ts';

export type ParsedBatch = { ok: true; records: Record<string, unknown>[] } | { ok: false; stateMessage: string };

function invalid(message: string): ParsedBatch {
  return { ok: false, stateMessage: `InvalidBatch : ${message}` };
}

/** The columns a JSON or XML record names, in CSV header spelling, for the header check. */
function columnsOf(record: Record<string, unknown>): string[] {
  const columns: string[] = [];
  for (const [key, value] of Object.entries(record)) {
    if (key === 'attributes') continue;
    if (!isPlainObject(value)) {
      columns.push(key);
      continue;
    }
    const type = isPlainObject(value['attributes']) && typeof value['attributes']['type'] === 'string' ? `${value['attributes']['type']}:` : '';
    for (const inner of Object.keys(value)) if (inner !== 'attributes') columns.push(`${type}${key}.${inner}`);
  }
  return columns;
}

function checkColumns(schema: Schema, object: ObjectDef, records: Record<string, unknown>[]): ParsedBatch {
  const columns = [...new Set(records.flatMap(columnsOf))];
  const error = headerError(schema, object, columns);
  return error === null ? { ok: true, records } : { ok: false, stateMessage: error };
}

function parseCsvBatch(text: string): ParsedBatch {
  try {
    const parsed = parseCsv(text, ',');
    return { ok: true, records: parsed.rows.map((row) => rowToRecord(parsed.header, row)) };
  } catch (error) {
    return invalid(`Failed to parse CSV. ${error instanceof Error ? error.message : String(error)}`);
  }
}

function parseJsonBatch(text: string): ParsedBatch {
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch (error) {
    return invalid(`Failed to parse JSON. ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!Array.isArray(value) || !value.every(isPlainObject)) return invalid('Failed to parse JSON. The batch must be an array of records');
  return { ok: true, records: value.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => k !== 'attributes'))) };
}

/** One XML element's value: nil is null, an element with children is a parent reference. */
function xmlValue(node: unknown): unknown {
  if (!isPlainObject(node)) return node;
  if (node['@_nil'] === 'true') return null;
  const ref: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (key.startsWith('@_')) continue;
    if (key === 'type') ref['attributes'] = { type: value };
    else ref[key] = xmlValue(value);
  }
  return ref;
}

function parseXmlBatch(text: string): ParsedBatch {
  const parsed = parseXml(text);
  if (!parsed.ok) return invalid(`Failed to parse XML. ${parsed.message}`);
  const root = parsed.value['sObjects'];
  if (!isPlainObject(root)) return invalid('Failed to parse XML. The root element must be sObjects');
  const list = root['sObject'];
  const items = Array.isArray(list) ? list : [];
  const records = items.map((item) => {
    const record: Record<string, unknown> = {};
    if (!isPlainObject(item)) return record;
    for (const [key, node] of Object.entries(item)) {
      if (key.startsWith('@_') || node === '') continue;
      record[key] = xmlValue(node);
    }
    return record;
  });
  return { ok: true, records };
}

/** The batch's records, or the state message that fails the batch before any row is saved. */
export function parseIngestBatch(schema: Schema, object: ObjectDef, contentType: ContentType, text: string): ParsedBatch {
  const parsed = contentType === 'CSV' ? parseCsvBatch(text) : contentType === 'JSON' ? parseJsonBatch(text) : parseXmlBatch(text);
  return parsed.ok ? checkColumns(schema, object, parsed.records) : parsed;
}

/** Ingest results in the job's content type: CSV `Id,Success,Created,Error`, JSON, or XML. */
export function ingestResults(contentType: ContentType, results: SaveResult[]): { body: string; type: string } {
  if (contentType === 'CSV') {
    const rows = results.map((r) => [r.id ?? '', r.success ? 'true' : 'false', r.success && r.created ? 'true' : 'false', r.success ? '' : saveErrorText(r)]);
    return { body: toCsv(['Id', 'Success', 'Created', 'Error'], rows), type: 'text/csv' };
  }
  const items = results.map((r) => ({
    ...(r.id === null ? {} : { id: r.id }),
    success: r.success,
    created: r.success && r.created,
    errors: r.success ? [] : r.errors.map((e) => ({ fields: e.fields, message: e.message, statusCode: e.statusCode })),
  }));
  if (contentType === 'JSON') return { body: JSON.stringify(items), type: 'application/json' };
  // SOAP's SaveResult order: errors first, then id, success, created.
  const ordered = items.map((item) => ({ ...(item.errors.length > 0 ? { errors: item.errors } : {}), ...('id' in item ? { id: item.id } : {}), success: item.success, created: item.created }));
  return { body: xmlText('results', { result: ordered }), type: 'application/xml' };
}
