// Runs a parsed SOSL search over the store. Text matching picks each object's candidate records;
// the RETURNING clause's field list, WHERE, ORDER BY, LIMIT and OFFSET then run as one SOQL
// query per object through the SOQL engine, restricted to those candidates by Id.
import type { Org } from '../org.ts';
import type { FieldDef, ObjectDef } from '../schema/types.ts';
import { compileSearch, phoneWords, wordsOf, type FieldWords } from './matcher.ts';
import type { ReturningObject, SearchScope, SoslQuery } from './parser.ts';

/** Salesforce's cap on records one search returns. */
export const MAX_SEARCH_RESULTS = 2000;

export interface SearchError {
  errorCode: string;
  message: string;
}

export interface SearchOptions {
  /** The SOSL text, for error carets; null for a parameterized search. */
  sosl: string | null;
  apiVersion: string;
  overallLimit?: number | undefined;
  /** Per-object limit where RETURNING names none (parameterized search's defaultLimit). */
  defaultLimit?: number | undefined;
}

export interface SearchResponseBody {
  searchRecords: Record<string, unknown>[];
  metadata?: { entityMetadata: { entityName: string; fieldMetadata: { name: string; label: string }[] }[] };
}

export type SearchOutcome = { ok: true; body: SearchResponseBody } | { ok: false; error: SearchError };

// Objects a real org does not index for search (or the emulator keeps as plumbing).
const NOT_SEARCHABLE = new Set(['organization', 'currencytype', 'pricebookentry', 'opportunitylineitem']);
// Name fields beyond the object's name field: the parts of a person's name and a case's subject.
const NAME_PARTS = new Set(['FirstName', 'LastName', 'MiddleName', 'Subject']);

function isSearchable(def: ObjectDef): boolean {
  // Read-only views over other objects (ActivityHistory, OpenActivity) are not indexed either.
  const view = (def as { view?: unknown }).view;
  return def.queryable && !def.isEvent && def.customSetting !== true && view === undefined && !NOT_SEARCHABLE.has(def.name.toLowerCase());
}

function inScope(field: FieldDef, scope: SearchScope): boolean {
  switch (scope) {
    case 'ALL':
    case 'SIDEBAR':
      return field.type === 'string' || field.type === 'textarea' || field.type === 'email' || field.type === 'phone' || field.type === 'url';
    case 'NAME':
      return (field.nameField && field.type === 'string') || NAME_PARTS.has(field.name);
    case 'EMAIL':
      return field.type === 'email';
    case 'PHONE':
      return field.type === 'phone';
  }
}

function caret(sosl: string, at: number, detail: string): string {
  return `\n${sosl}\n${' '.repeat(at)}^\nERROR at Row:1:Column:${at + 1}\n${detail}`;
}

function typeError(name: string, at: number, options: SearchOptions): SearchError {
  const detail = `sObject type '${name}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.`;
  return { errorCode: 'INVALID_TYPE', message: options.sosl === null ? detail : caret(options.sosl, at, detail) };
}

/** Ids of the live records of `def` the search expression finds, in the table's order. */
function matchingIds(org: Org, def: ObjectDef, test: (fields: FieldWords[]) => boolean, scope: SearchScope): string[] {
  const table = org.store.table(def.name);
  if (table === undefined) return [];
  const fields = def.fields.filter((f) => inScope(f, scope));
  if (fields.length === 0) return [];
  const ids: string[] = [];
  for (const [id, row] of table.rows) {
    if (row.deletedAt !== null) continue;
    const words: FieldWords[] = [];
    for (const f of fields) {
      const v = row.values[f.name];
      if (typeof v !== 'string' || v === '') continue;
      words.push(f.type === 'phone' ? phoneWords(v) : wordsOf(v));
    }
    if (words.length > 0 && test(words)) ids.push(id);
  }
  return ids;
}

function soqlFor(def: ObjectDef, spec: ReturningObject, ids: string[], defaultLimit: number | undefined): string {
  // No candidates: keep the query (so that a bad field or WHERE is still reported) but match nothing.
  const idFilter = ids.length === 0 ? 'Id = null' : `Id IN (${ids.map((id) => `'${id}'`).join(',')})`;
  const limit = spec.limit ?? defaultLimit;
  return [
    `SELECT ${spec.fields ?? 'Id'} FROM ${def.name}`,
    `WHERE ${idFilter}${spec.where === null ? '' : ` AND (${spec.where})`}`,
    spec.orderBy === null ? '' : `ORDER BY ${spec.orderBy}`,
    limit === undefined ? '' : `LIMIT ${limit}`,
    spec.offset === null ? '' : `OFFSET ${spec.offset}`,
  ]
    .filter((s) => s !== '')
    .join(' ');
}

/**
 * Restates a SOQL engine error against the SOSL text: the detail line is kept, the caret points
 * at the offending name inside this object's RETURNING clause.
 */
function fromSoqlError(error: { errorCode: string; message: string }, spec: ReturningObject, options: SearchOptions): SearchError {
  const lines = error.message.split('\n').filter((l) => l !== '');
  const detail = lines[lines.length - 1] ?? error.message;
  const errorCode = error.errorCode === 'MALFORMED_QUERY' ? 'MALFORMED_SEARCH' : error.errorCode;
  if (options.sosl === null) return { errorCode, message: detail };
  const named = /(?:column|relationship|token:) '([^']+)'/.exec(detail)?.[1];
  let at = spec.at;
  if (named !== undefined) {
    const found = options.sosl.toLowerCase().indexOf(named.toLowerCase(), spec.at);
    if (found >= 0) at = found;
  }
  return { errorCode, message: caret(options.sosl, at, detail) };
}

export function runSearch(org: Org, query: SoslQuery, options: SearchOptions): SearchOutcome {
  const targets: ReturningObject[] =
    query.returning ??
    org.schema.objects.filter(isSearchable).map((o) => ({ name: o.name, at: 0, fields: null, where: null, orderBy: null, limit: null, offset: null }));
  const test = compileSearch(query.search);
  const overall = Math.min(query.limit ?? options.overallLimit ?? MAX_SEARCH_RESULTS, MAX_SEARCH_RESULTS);
  const records: Record<string, unknown>[] = [];
  const metadata: NonNullable<SearchResponseBody['metadata']>['entityMetadata'] = [];
  for (const spec of targets) {
    const def = org.schema.get(spec.name);
    if (def === undefined || !isSearchable(def)) return { ok: false, error: typeError(spec.name, spec.at, options) };
    const ids = matchingIds(org, def, test, query.scope);
    // Without WHERE or ORDER BY only the first rows can be returned: keep the SOQL text short.
    if (spec.where === null && spec.orderBy === null) ids.splice((spec.offset ?? 0) + Math.min(spec.limit ?? options.defaultLimit ?? overall, overall));
    const outcome = org.soql.run(soqlFor(def, spec, ids, options.defaultLimit), { includeDeleted: false, apiVersion: options.apiVersion, now: org.store.now() });
    if (!outcome.ok) return { ok: false, error: fromSoqlError(outcome.error, spec, options) };
    records.push(...outcome.result.records);
    if (query.metadataLabels) {
      metadata.push({
        entityName: def.name,
        fieldMetadata: outcome.result.columns.map((c) => ({ name: c.name, label: def.fieldMap.get(c.name.toLowerCase())?.label ?? c.name })),
      });
    }
  }
  const body: SearchResponseBody = { searchRecords: records.slice(0, overall) };
  if (query.metadataLabels) body.metadata = { entityMetadata: metadata };
  return { ok: true, body };
}
