// The Tooling API's query endpoint over the org's schema: EntityDefinition, FieldDefinition,
// CustomObject, CustomField and PlatformEventChannelMember (the objects selected for Change Data
// Capture). The rows are virtual (catalog.ts) and the SOQL engine evaluates the query, so WHERE,
// ORDER BY, LIMIT, relationship paths and COUNT() behave as in /query. Other Tooling objects are
// refused as unsupported, as an org without them would.
import soqlParser from 'soql-parser-js';
import type { Org } from '../org.ts';
import { SoqlEngine } from '../soql/engine.ts';
import { json, sfError, type EmuResponse, type Route } from '../http/types.ts';
import { columnTree } from '../rest/query.ts';
import { apiRoute } from '../rest/sobjects.ts';
import { HIDDEN_FIELDS, PLACEHOLDER_ID, toolingRows } from './catalog.ts';

const { parseQuery } = soqlParser;

// These rows all answer the same placeholder Id on a real org; their URLs name the DurableId.
const DEFINITIONS = new Set(['EntityDefinition', 'FieldDefinition']);
// Salesforce serves Metadata and FullName one record at a time.
const ONE_ROW_FIELDS = new Set(['metadata', 'fullname']);

function selectsMetadata(q: string): boolean {
  try {
    return (parseQuery(q).fields ?? []).some((f) => 'field' in f && typeof f.field === 'string' && ONE_ROW_FIELDS.has(f.field.toLowerCase()));
  } catch {
    // The engine reports the syntax error with Salesforce's message.
    return false;
  }
}

/** Tooling URLs, placeholder Ids and no emulator-only fields, at every nesting level. */
function toToolingRecord(record: Record<string, unknown>, urlIds: Map<string, string>, apiVersion: string): Record<string, unknown> {
  const attributes = record['attributes'] as { type: string; url: string } | undefined;
  const out: Record<string, unknown> = {};
  if (attributes !== undefined) {
    const key = attributes.url.slice(attributes.url.lastIndexOf('/') + 1);
    out['attributes'] = { type: attributes.type, url: `/services/data/v${apiVersion}/tooling/sobjects/${attributes.type}/${urlIds.get(key) ?? key}` };
  }
  for (const [name, value] of Object.entries(record)) {
    if (name === 'attributes' || HIDDEN_FIELDS.has(name)) continue;
    if (name === 'Id' && attributes !== undefined && DEFINITIONS.has(attributes.type)) out[name] = PLACEHOLDER_ID;
    else if (typeof value === 'object' && value !== null && !Array.isArray(value) && 'attributes' in value) out[name] = toToolingRecord(value, urlIds, apiVersion);
    else out[name] = value;
  }
  return out;
}

function toolingQuery(org: Org, q: string | null, apiVersion: string, columns: boolean): EmuResponse {
  if (q === null || q.trim() === '') return sfError(400, 'MALFORMED_QUERY', 'A query string is required: q');
  const rows = toolingRows(org);
  const outcome = new SoqlEngine(rows.store).run(q, { includeDeleted: false, apiVersion, now: org.store.now() });
  if (!outcome.ok) return sfError(400, outcome.error.errorCode, outcome.error.message);
  const result = outcome.result;
  if (columns) {
    // `sf data query --use-tooling-api` lays out its table from this, as for /query.
    const visible = result.columns.filter((c) => !HIDDEN_FIELDS.has(c.name));
    return json(200, { columnMetadata: columnTree(visible), entityName: result.object.name, groupBy: false, idSelected: visible.some((c) => c.name === 'Id'), keyPrefix: result.object.keyPrefix });
  }
  if (result.totalSize > 1 && selectsMetadata(q)) {
    return sfError(400, 'MALFORMED_QUERY', `When retrieving results with Metadata or FullName fields, the query qualifications must specify no more than one row for retrieval. Result size: ${result.totalSize}`);
  }
  const records = result.records.map((r) => toToolingRecord(r, rows.urlIds, apiVersion));
  return json(200, { size: result.totalSize, totalSize: result.totalSize, done: true, queryLocator: null, entityTypeName: result.object.name, records }, records.length);
}

export function toolingRoutes(org: Org): Route[] {
  return [apiRoute('GET', '/tooling/query', 'query', (req) => toolingQuery(org, req.query.get('q'), req.apiVersion, req.query.get('columns') === 'true'))];
}
