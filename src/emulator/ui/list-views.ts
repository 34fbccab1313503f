// List views: every object with records gets the views a Developer Edition org shows for a
// standard object (All, My, New This Week, Recently Viewed). Their results run the view's SOQL
// through the emulator's SOQL engine, so they see exactly what a query would.
import { normalizeId } from '../ids.ts';
import type { Org } from '../org.ts';
import type { FieldDef, FieldType, ObjectDef } from '../schema/types.ts';
import { json, sfError, type EmuRequest, type EmuResponse } from '../http/types.ts';
import { userOf } from '../rest/sobjects.ts';
import { isLayoutable, layoutFields, metadataId, nameFieldOf, NOT_FOUND, objectNumber, PREFIX } from './common.ts';
import type { RecentItems } from './recent.ts';

type Filter = 'all' | 'mine' | 'newThisWeek' | 'recent';

export interface ListView {
  id: string;
  def: ObjectDef;
  developerName: string;
  label: string;
  filter: Filter;
}

interface Column {
  path: string;
  label: string;
  /** describe's field type; a parent field's path reads as a string column. */
  type: FieldType;
  selectListItem: string;
  hidden: boolean;
}

const FILTERS: Filter[] = ['all', 'mine', 'newThisWeek', 'recent'];

/** Objects whose records users list: those with layouts that can be queried and created. */
export function hasListViews(def: ObjectDef): boolean {
  return isLayoutable(def) && def.queryable && def.createable;
}

function viewOf(org: Org, def: ObjectDef, filter: Filter): ListView | undefined {
  const id = metadataId(PREFIX.listView, objectNumber(org, def) * 8 + FILTERS.indexOf(filter));
  const plural = def.labelPlural.replace(/[^A-Za-z0-9]/g, '');
  switch (filter) {
    case 'all':
      // A custom object's default view is plain "All"; standard objects name their records.
      return def.custom ? { id, def, developerName: 'All', label: 'All', filter } : { id, def, developerName: `All${plural}`, label: `All ${def.labelPlural}`, filter };
    case 'mine':
      return def.fieldMap.has('ownerid') ? { id, def, developerName: `My${plural}`, label: `My ${def.labelPlural}`, filter } : undefined;
    case 'newThisWeek':
      return def.fieldMap.has('createddate') ? { id, def, developerName: 'NewThisWeek', label: 'New This Week', filter } : undefined;
    case 'recent':
      return { id, def, developerName: `RecentlyViewed${plural}`, label: `Recently Viewed ${def.labelPlural}`, filter };
  }
}

export function listViewsOf(org: Org, def: ObjectDef): ListView[] {
  if (!hasListViews(def)) return [];
  return FILTERS.map((f) => viewOf(org, def, f)).filter((v): v is ListView => v !== undefined);
}

/** A list view of `def` by its 15- or 18-character id. */
export function findListView(org: Org, def: ObjectDef, rawId: string): ListView | undefined {
  const id = normalizeId(decodeURIComponent(rawId));
  return id === undefined ? undefined : listViewsOf(org, def).find((v) => v.id === id);
}

/** A list view of any object (for `query?explain=<list view id>`). */
export function findAnyListView(org: Org, rawId: string): ListView | undefined {
  const id = normalizeId(rawId);
  if (id === undefined || !id.startsWith(PREFIX.listView)) return undefined;
  for (const def of org.schema.objects) {
    const view = listViewsOf(org, def).find((v) => v.id === id);
    if (view !== undefined) return view;
  }
  return undefined;
}

// Standard objects show the columns of their default views in a Developer Edition org; other
// objects show their name field and the next three fields of their layout.
const STANDARD_COLUMNS: Record<string, string[]> = {
  Account: ['Site', 'BillingState', 'Phone', 'Type'],
  Contact: ['Account.Name', 'Title', 'Phone', 'Email'],
  Lead: ['Company', 'State', 'Email', 'Status'],
  Opportunity: ['Account.Name', 'Amount', 'CloseDate', 'StageName'],
  Case: ['Subject', 'Status', 'Priority'],
};

/** The field at the end of `path` (Account.Name -> Account's Name), or undefined. */
function resolvePath(org: Org, def: ObjectDef, path: string): FieldDef | undefined {
  const parts = path.split('.');
  let object: ObjectDef | undefined = def;
  for (const rel of parts.slice(0, -1)) {
    const ref: FieldDef | undefined = object === undefined ? undefined : org.schema.parentRelationship(object, rel);
    object = ref?.referenceTo.length === 1 ? org.schema.get(ref.referenceTo[0] ?? '') : undefined;
  }
  return object?.fieldMap.get((parts.at(-1) ?? '').toLowerCase());
}

function columnFor(org: Org, def: ObjectDef, path: string, hidden = false, label?: string): Column | undefined {
  const f = resolvePath(org, def, path);
  if (f === undefined) return undefined;
  const isParentName = path.includes('.') && f.nameField;
  const type: FieldType = path.includes('.') ? 'string' : f.type;
  const select = f.type === 'picklist' && !path.includes('.') ? `toLabel(${path})` : path;
  return { path, label: label ?? (isParentName ? `${path.split('.')[0] ?? ''} Name` : f.label), type, selectListItem: select, hidden };
}

function columnsOf(org: Org, def: ObjectDef): Column[] {
  const name = nameFieldOf(def);
  const preferred = STANDARD_COLUMNS[def.name];
  const others =
    preferred ??
    layoutFields(def)
      .filter((f) => f !== name && f.type !== 'textarea' && f.type !== 'reference' && f.type !== 'multipicklist' && !f.name.endsWith('Street'))
      .slice(0, 3)
      .map((f) => f.name);
  const visible = [...(name === undefined ? [] : [name.name]), ...others].map((p) => columnFor(org, def, p));
  const owner = def.fieldMap.has('ownerid') ? columnFor(org, def, 'Owner.Alias', false, `${def.label} Owner Alias`) : undefined;
  const hidden = ['Id', 'CreatedDate', 'LastModifiedDate', 'SystemModstamp'].map((p) => columnFor(org, def, p, true, p === 'Id' ? `${def.label} ID` : undefined));
  return [...visible, owner, ...hidden].filter((c): c is Column => c !== undefined);
}

const NUMBER_LABELS: [string, string] = ['9-0', '0-9'];
const DATE_LABELS: [string, string] = ['New to Old', 'Old to New'];
const PICKLIST_LABELS: [string, string] = ['Low to High', 'High to Low'];
// Text columns read "Z-A" ascending in Salesforce's own examples; the rest follow the same guide.
const SORT_LABELS: Partial<Record<FieldType, [string, string]>> = {
  picklist: PICKLIST_LABELS,
  multipicklist: PICKLIST_LABELS,
  phone: NUMBER_LABELS,
  int: NUMBER_LABELS,
  double: NUMBER_LABELS,
  currency: NUMBER_LABELS,
  percent: NUMBER_LABELS,
  date: DATE_LABELS,
  datetime: DATE_LABELS,
  time: DATE_LABELS,
};

function sortLabels(type: FieldType): [string, string] {
  return SORT_LABELS[type] ?? ['Z-A', 'A-Z'];
}

function columnJson(c: Column, sortIndex: number | null): Record<string, unknown> {
  const [ascendingLabel, descendingLabel]: [string | null, string | null] = c.hidden ? [null, null] : sortLabels(c.type);
  return {
    ascendingLabel,
    descendingLabel,
    fieldNameOrPath: c.path,
    hidden: c.hidden,
    label: c.label,
    selectListItem: c.selectListItem,
    sortDirection: sortIndex === null ? null : 'ascending',
    sortIndex,
    sortable: !c.hidden,
    type: c.type,
  };
}

function columnsJson(columns: Column[]): Record<string, unknown>[] {
  return columns.map((c, i) => columnJson(c, i === 0 ? 0 : null));
}

function quote(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** The view's filter: a WHERE clause and describe's `whereCondition` and `scope`. */
function filterOf(view: ListView, userId: string, recent: RecentItems): { where: string | null; whereCondition: Record<string, unknown>; scope: string | null } {
  const none = { conditions: [], conjunction: 'and' };
  switch (view.filter) {
    case 'all':
      return { where: null, whereCondition: none, scope: 'everything' };
    case 'mine':
      return { where: `OwnerId = ${quote(userId)}`, whereCondition: none, scope: 'mine' };
    case 'newThisWeek':
      return { where: 'CreatedDate = THIS_WEEK', whereCondition: { field: 'CreatedDate', operator: 'equals', values: ['THIS_WEEK'] }, scope: null };
    case 'recent': {
      // Salesforce reads its most-recently-used list; the emulator names the records it holds.
      const ids = recent.records(userId, view.def.name).map((r) => quote(r.id));
      return { where: ids.length === 0 ? 'Id = null' : `Id IN (${ids.join(', ')})`, whereCondition: none, scope: 'mru' };
    }
  }
}

export interface ListViewQuery {
  columns: Column[];
  soql: string;
  whereCondition: Record<string, unknown>;
  scope: string | null;
}

/** The SOQL a view runs for `userId`, as describe reports it and results execute it. */
export function listViewQuery(org: Org, view: ListView, userId: string, recent: RecentItems): ListViewQuery {
  const columns = columnsOf(org, view.def);
  const filter = filterOf(view, userId, recent);
  const first = columns[0]?.path ?? 'Id';
  const order = view.filter === 'recent' ? '' : ` ORDER BY ${first} ASC NULLS FIRST, Id ASC NULLS FIRST`;
  const soql = `SELECT ${columns.map((c) => c.selectListItem).join(', ')} FROM ${view.def.name}${filter.where === null ? '' : ` WHERE ${filter.where}`}${order}`;
  return { columns, soql, whereCondition: filter.whereCondition, scope: filter.scope };
}

function id15(id: string): string {
  return id.slice(0, 15);
}

export function basicInfo(view: ListView, version: string): Record<string, unknown> {
  const url = `/services/data/v${version}/sobjects/${view.def.name}/listviews/${view.id}`;
  return { describeUrl: `${url}/describe`, developerName: view.developerName, id: view.id, label: view.label, resultsUrl: `${url}/results`, soqlCompatible: true, url };
}

export function listViewsResponse(def: ObjectDef, views: ListView[], version: string): EmuResponse {
  return json(200, { done: true, listviews: views.map((v) => basicInfo(v, version)), nextRecordsUrl: null, size: views.length, sobjectType: def.name });
}

export function describeResponse(org: Org, view: ListView, req: EmuRequest, recent: RecentItems): EmuResponse {
  const user = userOf(org, req);
  recent.noteListView(user, view.id);
  const q = listViewQuery(org, view, user, recent);
  const first = q.columns[0]?.path ?? 'Id';
  return json(200, {
    columns: columnsJson(q.columns),
    id: id15(view.id),
    orderBy: view.filter === 'recent' ? [] : [
      { fieldNameOrPath: first, nullsPosition: 'first', sortDirection: 'ascending' },
      { fieldNameOrPath: 'Id', nullsPosition: 'first', sortDirection: 'ascending' },
    ],
    query: q.soql,
    relatedEntityId: null,
    scope: q.scope,
    scopeEntityId: null,
    sobjectType: view.def.name,
    whereCondition: q.whereCondition,
  });
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Datetimes in list view results read like Java's Date.toString in GMT: "Fri Aug 01 21:15:46 GMT 2014". */
function javaDate(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${DAYS[d.getUTCDay()] ?? ''} ${MONTHS[d.getUTCMonth()] ?? ''} ${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} GMT ${d.getUTCFullYear()}`;
}

function cellValue(record: Record<string, unknown>, column: Column): string | null {
  let value: unknown = record;
  for (const part of column.path.split('.')) value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[part] : undefined;
  if (value === null || value === undefined) return null;
  if (column.type === 'datetime' && typeof value === 'string') return javaDate(value);
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

function pagingOf(req: EmuRequest): { limit: number; offset: number } | EmuResponse {
  const rawLimit = req.query.get('limit');
  const rawOffset = req.query.get('offset');
  const limit = rawLimit === null ? 25 : Number(rawLimit);
  const offset = rawOffset === null ? 0 : Number(rawOffset);
  if (!Number.isInteger(limit) || limit < 1 || limit > 2000) return sfError(400, 'INVALID_QUERY_PARAMETER_VALUE', `limit must be an integer between 1 and 2000: ${rawLimit ?? ''}`);
  if (!Number.isInteger(offset) || offset < 0) return sfError(400, 'INVALID_QUERY_PARAMETER_VALUE', `offset must be a non-negative integer: ${rawOffset ?? ''}`);
  return { limit, offset };
}

export function resultsResponse(org: Org, view: ListView, req: EmuRequest, recent: RecentItems): EmuResponse {
  const paging = pagingOf(req);
  if ('status' in paging) return paging;
  const user = userOf(org, req);
  recent.noteListView(user, view.id);
  const q = listViewQuery(org, view, user, recent);
  const outcome = org.soql.run(q.soql, { includeDeleted: false, apiVersion: req.apiVersion, now: org.store.now() });
  // The view's query is built from the schema; the engine refusing it is an emulator bug.
  if (!outcome.ok) throw new Error(`list view ${view.developerName} on ${view.def.name} built a query the SOQL engine refuses: ${outcome.error.message}`, { cause: outcome.error });
  let records = outcome.result.records;
  if (view.filter === 'recent') {
    const order = new Map(recent.records(user, view.def.name).map((r, i) => [r.id, i]));
    records = [...records].sort((a, b) => (order.get(String(a['Id'])) ?? 0) - (order.get(String(b['Id'])) ?? 0));
  }
  const page = records.slice(paging.offset, paging.offset + paging.limit);
  return json(
    200,
    {
      columns: columnsJson(q.columns),
      developerName: view.developerName,
      done: paging.offset + page.length >= records.length,
      id: id15(view.id),
      label: view.label,
      records: page.map((r) => ({ columns: q.columns.map((c) => ({ fieldNameOrPath: c.path, value: cellValue(r, c) })) })),
      size: page.length,
    },
    page.length,
  );
}

/** The list views the user opened last, as `listviews/recent` lists them. */
export function recentListViews(org: Org, def: ObjectDef, req: EmuRequest, recent: RecentItems): EmuResponse {
  const views = listViewsOf(org, def);
  const byId = new Map(views.map((v) => [v.id, v]));
  const opened = recent
    .listViews(userOf(org, req))
    .map((id) => byId.get(id))
    .filter((v): v is ListView => v !== undefined);
  return listViewsResponse(def, opened, req.apiVersion);
}

export function listViewOr404(org: Org, def: ObjectDef, rawId: string): ListView | EmuResponse {
  return findListView(org, def, rawId) ?? NOT_FOUND();
}

