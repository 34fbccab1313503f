// `GET /query?explain=<SOQL or list view id>`: query plans as Salesforce's Query Plan tool reports
// them. The query is checked by the SOQL engine (so a bad query gets the same error as /query);
// cardinalities are counted on the stored rows; a filter can lead with an index when it tests an
// indexed field (Salesforce's standard indexes plus the keys the emulator's store indexes) with
// =, IN, a range or a LIKE without a leading wildcard, and is one of the top-level ANDed
// conditions. Every plan ends with the table scan.
import soqlParser, { type ConditionWithValueQuery, type Query } from 'soql-parser-js';
import type { Org } from '../org.ts';
import type { FieldDef, ObjectDef } from '../schema/types.ts';
import type { Table } from '../store/store.ts';
import { json, sfError, type EmuRequest, type EmuResponse } from '../http/types.ts';
import { userOf } from '../rest/sobjects.ts';
import { buildWhereTree, type WhereNode } from '../soql/where-tree.ts';
import { findAnyListView, listViewQuery } from './list-views.ts';
import type { RecentItems } from './recent.ts';

const { composeQuery, parseQuery } = soqlParser;

type IndexKind = 'standard' | 'custom';

interface Plan {
  cardinality: number;
  fields: string[];
  leadingOperationType: 'Index' | 'TableScan';
  notes: { description: string; fields: string[]; tableEnumOrId: string }[];
  relativeCost: number;
  sobjectCardinality: number;
  sobjectType: string;
}

const OPTIMIZABLE = new Set(['=', 'IN', '<', '<=', '>', '>=', 'LIKE']);

/**
 * Salesforce indexes Id, Name, OwnerId, CreatedDate, SystemModstamp, lookups and master-details
 * (standard indexes), Email on Contact and Lead, and builds custom indexes for unique and external
 * id fields — which is also what the emulator's store keeps key indexes for.
 */
function indexKind(table: Table, field: FieldDef): IndexKind | null {
  if (['Id', 'CreatedDate', 'SystemModstamp'].includes(field.name) || field.nameField || field.type === 'reference') return 'standard';
  if (field.name === 'Email' && (table.def.name === 'Contact' || table.def.name === 'Lead')) return 'standard';
  if (table.keyIndexes.has(field.name.toLowerCase()) || field.externalId || field.unique) return 'custom';
  return null;
}

/**
 * Salesforce's selectivity thresholds: a standard index serves up to 30% of the first million
 * rows and 15% of the rest (at most 1,000,000), a custom index 10% and 5% (at most 333,333). A
 * relative cost above 1 means the plan is not selective.
 */
function threshold(kind: IndexKind, rows: number): number {
  const [first, rest, cap] = kind === 'standard' ? [0.3, 0.15, 1_000_000] : [0.1, 0.05, 333_333];
  const t = Math.min(rows, 1_000_000) * first + Math.max(rows - 1_000_000, 0) * rest;
  return Math.max(Math.min(t, cap), 1);
}

/** The top-level ANDed conditions: only those can lead a plan on their own. */
function conjuncts(node: WhereNode | null): { leading: ConditionWithValueQuery[]; all: ConditionWithValueQuery[] } {
  const leading: ConditionWithValueQuery[] = [];
  const all: ConditionWithValueQuery[] = [];
  const walk = (n: WhereNode, top: boolean): void => {
    if (n.kind === 'cond') {
      all.push(n.condition);
      if (top) leading.push(n.condition);
    } else if (n.kind === 'not') walk(n.operand, false);
    else {
      walk(n.left, top && n.kind === 'and');
      walk(n.right, top && n.kind === 'and');
    }
  };
  if (node !== null) walk(node, true);
  return { leading, all };
}

function isOptimizable(c: ConditionWithValueQuery): boolean {
  if (!('field' in c) || 'valueQuery' in c || c.field.includes('.') || !OPTIMIZABLE.has(c.operator.toUpperCase())) return false;
  const values = Array.isArray(c.value) ? c.value : [c.value];
  // Indexes hold no nulls, and a pattern starting with a wildcard cannot seek.
  if (values.length === 0 || values.some((v) => v.toUpperCase() === 'NULL')) return false;
  return c.operator.toUpperCase() !== 'LIKE' || !/^'[%_]/.test(values[0] ?? '');
}

function count(org: Org, object: ObjectDef, condition: ConditionWithValueQuery | null, version: string): number {
  const query: Query = { fields: [{ type: 'Field', field: 'Id' }], sObject: object.name };
  if (condition !== null) query.where = { left: { ...condition, openParen: 0, closeParen: 0 } };
  const outcome = org.soql.run(composeQuery(query), { includeDeleted: false, apiVersion: version, now: org.store.now() });
  if (!outcome.ok) throw new Error(`explain could not count ${object.name}: ${outcome.error.message}`, { cause: outcome.error });
  return outcome.result.totalSize;
}

function unindexedNote(object: ObjectDef, fields: string[]): Plan['notes'] {
  const named = [...(object.fieldMap.has('isdeleted') ? ['IsDeleted'] : []), ...fields.filter((f) => f !== 'IsDeleted')];
  return named.length === 0 ? [] : [{ description: 'Not considering filter for optimization because unindexed', fields: named, tableEnumOrId: object.name }];
}

function plansFor(org: Org, soql: string, object: ObjectDef, matching: number, version: string): Plan[] {
  const parsed = parseQuery(soql);
  const table = org.store.table(object.name);
  const rows = table === undefined ? 0 : [...table.rows.values()].filter((r) => r.deletedAt === null).length;
  const { leading, all } = conjuncts(parsed.where === undefined ? null : buildWhereTree(parsed.where));
  const fieldOf = (c: ConditionWithValueQuery): FieldDef | undefined => ('field' in c && !c.field.includes('.') ? object.fieldMap.get(c.field.toLowerCase()) : undefined);
  const unindexed = [...new Set(all.map(fieldOf).filter((f): f is FieldDef => f !== undefined && (table === undefined || indexKind(table, f) === null)).map((f) => f.name))];
  const notes = unindexedNote(object, unindexed);
  const plans: Plan[] = [];
  for (const c of leading) {
    const field = fieldOf(c);
    const kind = field === undefined || table === undefined ? null : indexKind(table, field);
    if (field === undefined || kind === null || !isOptimizable(c)) continue;
    const cardinality = count(org, object, c, version);
    plans.push({ cardinality, fields: [field.name], leadingOperationType: 'Index', notes, relativeCost: cardinality / threshold(kind, rows), sobjectCardinality: rows, sobjectType: object.name });
  }
  plans.push({ cardinality: matching, fields: [], leadingOperationType: 'TableScan', notes, relativeCost: rows === 0 ? 0 : rows / threshold('standard', rows), sobjectCardinality: rows, sobjectType: object.name });
  return plans.sort((a, b) => a.relativeCost - b.relativeCost);
}

export function explainResponse(org: Org, req: EmuRequest, recent: RecentItems): EmuResponse {
  const raw = (req.query.get('explain') ?? '').trim();
  if (raw === '') return sfError(400, 'MALFORMED_QUERY', 'A query string is required: explain');
  let soql = raw;
  // An id in place of a query names a list view (or a report, which the emulator does not have).
  if (/^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/.test(raw)) {
    const view = findAnyListView(org, raw);
    if (view === undefined) return sfError(400, 'INVALID_ID', `invalid ID: ${raw}`);
    soql = listViewQuery(org, view, userOf(org, req), recent).soql;
  }
  const outcome = org.soql.run(soql, { includeDeleted: false, apiVersion: req.apiVersion, now: org.store.now() });
  if (!outcome.ok) return sfError(400, outcome.error.errorCode, outcome.error.message);
  return json(200, { plans: plansFor(org, soql, outcome.result.object, outcome.result.totalSize, req.apiVersion), sourceQuery: soql });
}
