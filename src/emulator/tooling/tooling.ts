// The Tooling API's query endpoint, for the one object a sync client asks it about:
// PlatformEventChannelMember, the objects selected for Change Data Capture on the standard
// ChangeEvents channel. Other Tooling objects are refused as unsupported, as an org without them
// would.
import soqlParser, { type Condition, type Query, type WhereClause } from 'soql-parser-js';
import type { Org } from '../org.ts';
import { idChecksum, toBase62 } from '../ids.ts';
import { changeEventName } from '../streaming/change-events.ts';
import { json, sfError, type EmuResponse, type Route } from '../http/types.ts';
import { apiRoute } from '../rest/sobjects.ts';

const { parseQuery } = soqlParser;
const MEMBER_FIELDS = ['Id', 'DeveloperName', 'EventChannel', 'SelectedEntity'] as const;

function memberId(index: number): string {
  // 0v8 is the key prefix of PlatformEventChannelMember.
  const id15 = `0v8${toBase62(index + 1, 12)}`;
  return `${id15}${idChecksum(id15)}`;
}

function matches(where: WhereClause | undefined, row: Record<string, string>): boolean | string {
  if (where === undefined) return true;
  const left = where.left as Condition & { field?: string; operator?: string; value?: string | string[] };
  let result: boolean;
  if (left.field === undefined || left.operator === undefined) return 'only field = \'value\' conditions are supported here';
  const field = MEMBER_FIELDS.find((f) => f.toLowerCase() === left.field!.toLowerCase());
  if (field === undefined) return `No such column '${left.field}' on entity 'PlatformEventChannelMember'.`;
  const values = (Array.isArray(left.value) ? left.value : [left.value ?? '']).map((v) => v.replace(/^'(.*)'$/, '$1'));
  if (left.operator === '=') result = row[field] === values[0];
  else if (left.operator === '!=') result = row[field] !== values[0];
  else if (left.operator.toUpperCase() === 'IN') result = values.includes(row[field] ?? '');
  else return `operator ${left.operator} is not supported here`;
  if (!('right' in where) || where.right === undefined) return result;
  const rest = matches(where.right, row);
  if (typeof rest === 'string') return rest;
  return where.operator === 'OR' ? result || rest : result && rest;
}

function toolingQuery(org: Org, q: string | null, apiVersion: string): EmuResponse {
  if (q === null || q.trim() === '') return sfError(400, 'MALFORMED_QUERY', 'A query string is required: q');
  let parsed: Query;
  try {
    parsed = parseQuery(q);
  } catch (error) {
    return sfError(400, 'MALFORMED_QUERY', error instanceof Error ? error.message : String(error));
  }
  if (parsed.sObject?.toLowerCase() !== 'platformeventchannelmember') {
    return sfError(400, 'INVALID_TYPE', `sObject type '${parsed.sObject ?? ''}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name.`);
  }
  const selected: string[] = [];
  for (const f of parsed.fields ?? []) {
    const name = 'field' in f && typeof f.field === 'string' ? f.field : '';
    const field = MEMBER_FIELDS.find((m) => m.toLowerCase() === name.toLowerCase());
    if (field === undefined) return sfError(400, 'INVALID_FIELD', `No such column '${name}' on entity 'PlatformEventChannelMember'.`);
    selected.push(field);
  }
  const objects = org.schema.objects.filter((o) => !o.isEvent && o.queryable && o.name !== 'User' && o.name !== 'Organization').map((o) => o.name);
  const records: Record<string, unknown>[] = [];
  for (const [index, object] of org.cdc.selected(objects).entries()) {
    const entity = changeEventName(object);
    const row: Record<string, string> = { Id: memberId(index), DeveloperName: `ChangeEvents_${entity}`, EventChannel: 'ChangeEvents', SelectedEntity: entity };
    const keep = matches(parsed.where, row);
    if (typeof keep === 'string') return sfError(400, 'MALFORMED_QUERY', keep);
    if (!keep) continue;
    const out: Record<string, unknown> = { attributes: { type: 'PlatformEventChannelMember', url: `/services/data/v${apiVersion}/tooling/sobjects/PlatformEventChannelMember/${row.Id}` } };
    for (const field of selected) out[field] = row[field];
    records.push(out);
  }
  return json(200, { size: records.length, totalSize: records.length, done: true, queryLocator: null, entityTypeName: 'PlatformEventChannelMember', records }, records.length);
}

export function toolingRoutes(org: Org): Route[] {
  return [
    apiRoute('GET', '/tooling/query', 'query', (req) => toolingQuery(org, req.query.get('q'), req.apiVersion)),
  ];
}
