// SOQL evaluation over the store. Parsing is soql-parser-js's; this file resolves names against
// the schema, picks an index when the WHERE clause allows one (Id, unique/external-id fields,
// lookups, SystemModstamp order), and shapes results the way the REST API does.
import soqlParser, {
  type ConditionWithValueQuery,
  type FieldFunctionExpression,
  type FieldType as SoqlField,
  type OrderByClause,
  type Query,
  type Subquery,
} from 'soql-parser-js';
import { keyPrefixOf, normalizeId } from '../ids.ts';
import type { Schema } from '../schema/schema.ts';
import { makeField, readField, type FieldDef, type ObjectDef, type RecordValues } from '../schema/types.ts';
import type { Store, Table } from '../store/store.ts';
import { formatDatetime, parseDate, parseDatetime, text } from '../store/values.ts';
import { dateLiteralRange } from './date-literals.ts';
import { buildWhereTree, type WhereNode } from './where-tree.ts';

const { parseQuery } = soqlParser;

export interface QueryError {
  errorCode: 'MALFORMED_QUERY' | 'INVALID_FIELD' | 'INVALID_TYPE' | 'INVALID_QUERY_FILTER_OPERATOR' | 'NUMBER_OUTSIDE_VALID_RANGE';
  message: string;
}

/** A selected column: its output path, and for subqueries the child columns. */
export interface QueryColumn {
  name: string;
  path: string[];
  aggregate?: { display: string };
  children?: QueryColumn[];
}

export interface QueryResultSet {
  totalSize: number;
  records: Record<string, unknown>[];
  /** The object queried, for CLI column metadata. */
  object: ObjectDef;
  columns: QueryColumn[];
}

export type QueryOutcome = { ok: true; result: QueryResultSet } | { ok: false; error: QueryError };

export interface QueryOptions {
  includeDeleted: boolean;
  apiVersion: string;
  now: number;
}

class SoqlError extends Error {
  constructor(readonly error: QueryError) {
    super(error.message);
  }
}

type Getter = (row: RecordValues) => unknown;

interface ShapeField {
  kind: 'field';
  name: string;
  get: Getter;
}
interface ShapeParent {
  kind: 'parent';
  name: string;
  refField: FieldDef;
  shape: Shape;
}
interface ShapeChild {
  kind: 'child';
  name: string;
  plan: Plan;
  parentField: FieldDef;
}
interface Shape {
  object: ObjectDef;
  entries: (ShapeField | ShapeParent | ShapeChild)[];
}

interface OrderSpec {
  get: Getter;
  field: FieldDef;
  desc: boolean;
  nullsLast: boolean;
}

interface AggregateItem {
  name: string;
  /** The expression as written, e.g. COUNT(Id). */
  display: string;
  fn: string | null;
  get: Getter;
  field: FieldDef | null;
}

interface Plan {
  object: ObjectDef;
  table: Table;
  shape: Shape;
  where: ((row: RecordValues) => boolean) | null;
  whereTree: WhereNode | null;
  orderBy: OrderSpec[];
  limit: number | undefined;
  offset: number;
  aggregate: { items: AggregateItem[]; groupBy: Getter[]; countOnly: boolean; having: ((agg: Map<string, unknown>) => boolean) | null } | null;
  columns: QueryColumn[];
}

function unquote(raw: string): string {
  const inner = raw.startsWith("'") && raw.endsWith("'") ? raw.slice(1, -1) : raw;
  return inner.replace(/\\(.)/g, (_m, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : c === 'r' ? '\r' : c));
}

function isTextLike(field: FieldDef): boolean {
  switch (field.type) {
    case 'string':
    case 'textarea':
    case 'email':
    case 'phone':
    case 'url':
    case 'combobox':
    case 'picklist':
    case 'multipicklist':
    case 'address':
    case 'base64':
    case 'time':
      return true;
    case 'id':
    case 'reference':
    case 'boolean':
    case 'int':
    case 'double':
    case 'currency':
    case 'percent':
    case 'date':
    case 'datetime':
      return false;
  }
}

/** Orders two stored values of one field the way Salesforce sorts them (text case-insensitive). */
export function compareValues(field: FieldDef, a: unknown, b: unknown): number {
  if (isTextLike(field)) {
    const x = String(a).toLowerCase();
    const y = String(b).toLowerCase();
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' && typeof b === 'boolean') return a === b ? 0 : a ? 1 : -1;
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

export class SoqlEngine {
  readonly #store: Store;
  readonly #schema: Schema;

  constructor(store: Store) {
    this.#store = store;
    this.#schema = store.schema;
  }

  run(soql: string, options: QueryOptions): QueryOutcome {
    let parsed: Query;
    try {
      parsed = parseQuery(soql);
    } catch (error) {
      return { ok: false, error: { errorCode: 'MALFORMED_QUERY', message: this.#malformedMessage(soql, error) } };
    }
    try {
      const plan = this.#compile(soql, parsed, null, options);
      return { ok: true, result: this.#execute(plan, options) };
    } catch (error) {
      if (error instanceof SoqlError) return { ok: false, error: error.error };
      throw error;
    }
  }

  #malformedMessage(soql: string, error: unknown): string {
    const text = error instanceof Error ? error.message : String(error);
    const found = /but found(?: -->|:) ?'([^']*)'/.exec(text);
    const token = found?.[1] === '' || found === null ? '<EOF>' : (found[1] ?? '<EOF>');
    return `\n${soql}\n^\nERROR at Row:1:Column:1\nunexpected token: ${token === '<EOF>' ? '<EOF>' : `'${token}'`}`;
  }

  #columnOf(soql: string, name: string): number {
    const index = soql.toLowerCase().search(new RegExp(`\\b${name.toLowerCase().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`));
    return index < 0 ? 1 : index + 1;
  }

  /** `name` is reported; `at` (the whole path as written) locates the caret. */
  #fieldError(soql: string, name: string, object: ObjectDef, relationship: boolean, at: string = name): SoqlError {
    const col = this.#columnOf(soql, at);
    const detail = relationship
      ? `Didn't understand relationship '${name}' in field path. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.`
      : `No such column '${name}' on entity '${object.name}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`;
    return new SoqlError({
      errorCode: 'INVALID_FIELD',
      message: `\n${soql}\n${' '.repeat(col - 1)}^\nERROR at Row:1:Column:${col}\n${detail}`,
    });
  }

  /** A compound field (BillingAddress) is only ever selected whole: WHERE, ORDER BY and GROUP BY refuse it. */
  #refuseCompound(soql: string, field: FieldDef, at: string, use: 'filtered in query call' | 'sorted in a query call' | 'grouped in a query call'): void {
    if (field.type !== 'address') return;
    const col = this.#columnOf(soql, at);
    throw new SoqlError({ errorCode: 'INVALID_FIELD', message: `\n${soql}\n${' '.repeat(col - 1)}^\nERROR at Row:1:Column:${col}\nfield '${field.name}' can not be ${use}` });
  }

  /** Resolves `Account.Owner.Name` from `object`: the reference chain and the final field. */
  #resolvePath(soql: string, object: ObjectDef, path: string, alias?: string): { refs: FieldDef[]; field: FieldDef; get: Getter; names: string[] } {
    let segments = path.split('.');
    if (segments.length > 1 && (segments[0]?.toLowerCase() === object.name.toLowerCase() || (alias !== undefined && segments[0]?.toLowerCase() === alias.toLowerCase()))) {
      segments = segments.slice(1);
    }
    const refs: FieldDef[] = [];
    const names: string[] = [];
    let current = object;
    for (const seg of segments.slice(0, -1)) {
      const ref = this.#schema.parentRelationship(current, seg);
      const target = ref === undefined ? undefined : this.#schema.parentObject(ref);
      if (ref === undefined || target === undefined) throw this.#fieldError(soql, seg, current, true);
      refs.push(ref);
      names.push(ref.relationshipName ?? seg);
      current = target;
    }
    const last = segments[segments.length - 1] ?? '';
    const field = current.fieldMap.get(last.toLowerCase());
    if (field === undefined) throw this.#fieldError(soql, last, current, false, path);
    names.push(field.name);
    const store = this.#store;
    const get: Getter =
      refs.length === 0
        ? (row) => readField(field, row)
        : (row) => {
            let values: RecordValues | undefined = row;
            for (const ref of refs) {
              const id = values[ref.name];
              if (typeof id !== 'string') return null;
              const parent = store.get(id);
              if (parent === undefined) return null;
              values = parent.values;
            }
            return readField(field, values);
          };
    return { refs, field, get, names };
  }

  #addToShape(shape: Shape, refs: FieldDef[], name: string, get: Getter): void {
    let current = shape;
    for (const ref of refs) {
      const relName = ref.relationshipName ?? ref.name;
      let entry = current.entries.find((e): e is ShapeParent => e.kind === 'parent' && e.name === relName);
      if (entry === undefined) {
        const target = this.#schema.parentObject(ref);
        if (target === undefined) return;
        entry = { kind: 'parent', name: relName, refField: ref, shape: { object: target, entries: [] } };
        current.entries.push(entry);
      }
      current = entry.shape;
    }
    if (!current.entries.some((e) => e.kind === 'field' && e.name === name)) current.entries.push({ kind: 'field', name, get });
  }

  #compile(soql: string, query: Query | Subquery, parent: { object: ObjectDef } | null, options: QueryOptions): Plan {
    let object: ObjectDef | undefined;
    let parentField: FieldDef | undefined;
    if (parent === null) {
      object = this.#schema.get((query as Query).sObject ?? '');
      if (object === undefined || !object.queryable) {
        const name = (query as Query).sObject ?? '';
        const col = this.#columnOf(soql, name);
        throw new SoqlError({
          errorCode: 'INVALID_TYPE',
          message: `\n${soql}\n${' '.repeat(col - 1)}^\nERROR at Row:1:Column:${col}\nsObject type '${name}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.`,
        });
      }
      // ActivityHistory and OpenActivity are read through a parent only (SELECT (SELECT ... FROM ActivityHistories) FROM Account).
      if (object.view !== undefined) throw new SoqlError({ errorCode: 'MALFORMED_QUERY', message: `entity type ${object.name} does not support query` });
    } else {
      const rel = this.#schema.childRelationship(parent.object, (query as Subquery).relationshipName);
      if (rel === undefined) {
        const name = (query as Subquery).relationshipName;
        const col = this.#columnOf(soql, name);
        throw new SoqlError({
          errorCode: 'INVALID_TYPE',
          message: `\n${soql}\n${' '.repeat(col - 1)}^\nERROR at Row:1:Column:${col}\nDidn't understand relationship '${name}' in FROM part of query call. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.`,
        });
      }
      object = rel.child;
      parentField = rel.field;
    }
    const table = this.#store.table(object.name);
    if (table === undefined) throw new Error(`no table for ${object.name}`);
    const alias = query.sObjectAlias;
    const shape: Shape = { object, entries: [] };
    const columns: QueryColumn[] = [];
    const fields: SoqlField[] = query.fields ?? [];
    const groupByClauses = query.groupBy === undefined ? [] : Array.isArray(query.groupBy) ? query.groupBy : [query.groupBy];
    const isAggregate = groupByClauses.length > 0 || fields.some((f) => f.type === 'FieldFunctionExpression' && f.isAggregateFn === true);
    let aggregate: Plan['aggregate'] = null;
    if (isAggregate) {
      const items: AggregateItem[] = [];
      let exprIndex = 0;
      let countOnly = false;
      for (const f of fields) {
        if (f.type === 'FieldFunctionExpression' && f.isAggregateFn === true) {
          const param = f.parameters[0];
          if (f.functionName.toUpperCase() === 'COUNT' && param === undefined) {
            if (groupByClauses.length === 0 && fields.length === 1) countOnly = true;
            items.push({ name: f.alias ?? `expr${exprIndex++}`, display: 'COUNT()', fn: 'COUNT', get: () => 1, field: null });
            continue;
          }
          if (typeof param !== 'string') throw new SoqlError({ errorCode: 'MALFORMED_QUERY', message: `unexpected token: '${f.rawValue ?? f.functionName}'` });
          const resolved = this.#resolvePath(soql, object, param, alias);
          items.push({ name: f.alias ?? `expr${exprIndex++}`, display: f.rawValue ?? `${f.functionName}(${param})`, fn: f.functionName.toUpperCase(), get: resolved.get, field: resolved.field });
        } else if (f.type === 'Field' || f.type === 'FieldRelationship') {
          const path = f.type === 'Field' ? f.field : [...f.relationships, f.field].join('.');
          const resolved = this.#resolvePath(soql, object, path, alias);
          const fieldAlias = 'alias' in f && typeof f.alias === 'string' ? f.alias : undefined;
          items.push({ name: fieldAlias ?? resolved.field.name, display: path, fn: null, get: resolved.get, field: resolved.field });
        } else {
          throw new SoqlError({ errorCode: 'MALFORMED_QUERY', message: 'Aggregate queries support fields and aggregate functions only' });
        }
      }
      const groupBy = groupByClauses.map((g) => {
        if (!('field' in g)) throw new SoqlError({ errorCode: 'MALFORMED_QUERY', message: 'GROUP BY supports fields only' });
        const resolved = this.#resolvePath(soql, object, g.field, alias);
        this.#refuseCompound(soql, resolved.field, g.field, 'grouped in a query call');
        return resolved.get;
      });
      for (const item of items) {
        if (item.fn === null && groupByClauses.length === 0) {
          throw new SoqlError({
            errorCode: 'MALFORMED_QUERY',
            message: `Field must be grouped or aggregated: ${item.name}`,
          });
        }
      }
      aggregate = { items, groupBy, countOnly, having: null };
      if (query.having !== undefined) aggregate.having = this.#compileHaving(query.having, items);
      for (const item of items) columns.push({ name: item.name, path: [item.name], ...(item.fn === null ? {} : { aggregate: { display: item.display } }) });
    } else {
      for (const f of fields) this.#addSelectItem(soql, f, object, alias, shape, columns, options);
    }
    const whereTree = query.where === undefined ? null : buildWhereTree(query.where);
    const where = whereTree === null ? null : this.#compileWhere(soql, whereTree, object, alias, options);
    const orderClauses: OrderByClause[] = query.orderBy === undefined ? [] : Array.isArray(query.orderBy) ? query.orderBy : [query.orderBy];
    const orderBy: OrderSpec[] = orderClauses.map((o) => {
      if (!('field' in o)) throw new SoqlError({ errorCode: 'MALFORMED_QUERY', message: 'ORDER BY supports fields only' });
      const resolved = this.#resolvePath(soql, object, o.field, alias);
      this.#refuseCompound(soql, resolved.field, o.field, 'sorted in a query call');
      const desc = o.order === 'DESC';
      return { get: resolved.get, field: resolved.field, desc, nullsLast: o.nulls === 'LAST' };
    });
    if ((query.offset ?? 0) > 2000) {
      throw new SoqlError({ errorCode: 'NUMBER_OUTSIDE_VALID_RANGE', message: `Maximum SOQL offset allowed is 2000` });
    }
    const plan: Plan = {
      object,
      table,
      shape,
      where,
      whereTree,
      orderBy,
      limit: query.limit,
      offset: query.offset ?? 0,
      aggregate,
      columns,
    };
    if (parentField !== undefined) (plan as Plan & { parentField?: FieldDef }).parentField = parentField;
    return plan;
  }

  #addSelectItem(soql: string, f: SoqlField, object: ObjectDef, alias: string | undefined, shape: Shape, columns: Plan['columns'], options: QueryOptions): void {
    switch (f.type) {
      case 'Field':
      case 'FieldRelationship': {
        const path = f.type === 'Field' ? f.field : [...f.relationships, f.field].join('.');
        const resolved = this.#resolvePath(soql, object, path, alias);
        this.#addToShape(shape, resolved.refs, resolved.field.name, (row) => readField(resolved.field, row));
        columns.push({ name: resolved.names.join('.'), path: resolved.names });
        return;
      }
      case 'FieldFunctionExpression': {
        const fn = f.functionName.toUpperCase();
        if (fn === 'FIELDS') {
          const which = text(f.parameters[0] ?? 'ALL').toUpperCase();
          for (const field of object.fields) {
            if (which === 'CUSTOM' && !field.custom) continue;
            if (which === 'STANDARD' && field.custom) continue;
            this.#addToShape(shape, [], field.name, (row) => readField(field, row));
            columns.push({ name: field.name, path: [field.name] });
          }
          return;
        }
        // toLabel, FORMAT, convertCurrency: the emulator's labels and values are the stored ones.
        const param = f.parameters[0];
        if (typeof param !== 'string') throw new SoqlError({ errorCode: 'MALFORMED_QUERY', message: `unexpected token: '${f.rawValue ?? fn}'` });
        const resolved = this.#resolvePath(soql, object, param, alias);
        const name = f.alias ?? resolved.field.name;
        this.#addToShape(shape, resolved.refs, name, (row) => readField(resolved.field, row));
        columns.push({ name, path: [...resolved.names.slice(0, -1), name] });
        return;
      }
      case 'FieldSubquery': {
        const plan = this.#compile(soql, f.subquery, { object }, options);
        const parentField = (plan as Plan & { parentField?: FieldDef }).parentField;
        if (parentField === undefined) throw new Error('subquery without parent field');
        const rel = object.childRelationships.find((r) => r.relationshipName?.toLowerCase() === f.subquery.relationshipName.toLowerCase());
        shape.entries.push({ kind: 'child', name: rel?.relationshipName ?? f.subquery.relationshipName, plan, parentField });
        columns.push({ name: rel?.relationshipName ?? f.subquery.relationshipName, path: [], children: plan.columns });
        return;
      }
      case 'FieldTypeof':
        throw new SoqlError({ errorCode: 'MALFORMED_QUERY', message: 'TYPEOF is not supported by the emulator' });
    }
  }

  #literal(field: FieldDef, raw: string, literalType: string | undefined, options: QueryOptions): unknown {
    const type = literalType ?? 'STRING';
    if (type === 'NULL') return null;
    switch (field.type) {
      case 'id':
      case 'reference': {
        const s = unquote(raw);
        const id = normalizeId(s);
        if (id === undefined) {
          throw new SoqlError({ errorCode: 'INVALID_QUERY_FILTER_OPERATOR', message: `\ninvalid ID field: ${s}` });
        }
        return id;
      }
      case 'boolean':
        return raw.toUpperCase() === 'TRUE';
      case 'int':
      case 'double':
      case 'currency':
      case 'percent':
        return Number(raw.replace(/^[A-Z]{3}/, ''));
      case 'date': {
        if (type === 'DATE_LITERAL' || type === 'DATE_N_LITERAL') return this.#range(raw, options, 'date');
        const d = parseDate(unquote(raw));
        if (d === undefined) throw new SoqlError({ errorCode: 'MALFORMED_QUERY', message: `value of filter criterion for field '${field.name}' must be of type date and should not be enclosed in quotes` });
        return d;
      }
      case 'datetime': {
        if (type === 'DATE_LITERAL' || type === 'DATE_N_LITERAL') return this.#range(raw, options, 'datetime');
        const ms = type === 'DATE' ? parseDatetime(raw) : type === 'DATETIME' ? parseDatetime(raw) : undefined;
        if (ms === undefined) throw new SoqlError({ errorCode: 'MALFORMED_QUERY', message: `value of filter criterion for field '${field.name}' must be of type dateTime and should not be enclosed in quotes` });
        return formatDatetime(ms);
      }
      case 'string':
      case 'textarea':
      case 'email':
      case 'phone':
      case 'url':
      case 'combobox':
      case 'picklist':
      case 'multipicklist':
      case 'address':
      case 'base64':
      case 'time':
        // Equality is case-sensitive on unique case-sensitive fields (like Ferry_Id__c) only.
        return field.caseSensitive ? unquote(raw) : unquote(raw).toLowerCase();
    }
  }

  #range(raw: string, options: QueryOptions, as: 'date' | 'datetime'): { start: string; end: string } {
    const range = dateLiteralRange(raw, options.now);
    if (range === undefined) throw new SoqlError({ errorCode: 'MALFORMED_QUERY', message: `unexpected token: '${raw}'` });
    const fmt = (ms: number): string => (as === 'date' ? new Date(ms).toISOString().slice(0, 10) : formatDatetime(ms));
    return { start: fmt(range.start), end: fmt(range.end) };
  }

  #compileWhere(soql: string, node: WhereNode, object: ObjectDef, alias: string | undefined, options: QueryOptions): (row: RecordValues) => boolean {
    switch (node.kind) {
      case 'and': {
        const l = this.#compileWhere(soql, node.left, object, alias, options);
        const r = this.#compileWhere(soql, node.right, object, alias, options);
        return (row) => l(row) && r(row);
      }
      case 'or': {
        const l = this.#compileWhere(soql, node.left, object, alias, options);
        const r = this.#compileWhere(soql, node.right, object, alias, options);
        return (row) => l(row) || r(row);
      }
      case 'not': {
        const inner = this.#compileWhere(soql, node.operand, object, alias, options);
        return (row) => !inner(row);
      }
      case 'cond':
        return this.#compileCondition(soql, node.condition, object, alias, options);
    }
  }

  #compileCondition(soql: string, c: ConditionWithValueQuery, object: ObjectDef, alias: string | undefined, options: QueryOptions): (row: RecordValues) => boolean {
    if (!('field' in c)) throw new SoqlError({ errorCode: 'MALFORMED_QUERY', message: 'Functions in WHERE are not supported by the emulator' });
    const resolved = this.#resolvePath(soql, object, c.field, alias);
    this.#refuseCompound(soql, resolved.field, c.field, 'filtered in query call');
    const { field, get } = resolved;
    const op = c.operator;
    const textual = isTextLike(field) && !field.caseSensitive;
    const norm = (v: unknown): unknown => (v === null || v === undefined ? null : textual ? text(v).toLowerCase() : v);
    if ('valueQuery' in c) {
      const sub = this.#compile(soql, c.valueQuery, null, options);
      const subResult = this.#execute(sub, options);
      const set = new Set(subResult.records.map((r) => norm(Object.values(r).find((v, i) => i > 0 || typeof v !== 'object') ?? null)));
      return op === 'NOT IN' ? (row) => !set.has(norm(get(row))) : (row) => set.has(norm(get(row)));
    }
    const literalTypes = Array.isArray(c.literalType) ? c.literalType : [c.literalType];
    const rawValues = Array.isArray(c.value) ? c.value : [c.value];
    const values = rawValues.map((raw, i) => this.#literal(field, raw, literalTypes[i] ?? literalTypes[0], options));
    const value = values[0];
    const cmp = (a: unknown, b: unknown): number => compareValues(field, a, b);
    const isRange = (v: unknown): v is { start: string; end: string } => typeof v === 'object' && v !== null && 'start' in v;
    switch (op) {
      case '=':
        if (value === null) return (row) => get(row) === null || get(row) === undefined;
        if (isRange(value)) return (row) => inRange(get(row), value);
        return (row) => norm(get(row)) === value;
      case '!=':
        if (value === null) return (row) => get(row) !== null && get(row) !== undefined;
        if (isRange(value)) return (row) => !inRange(get(row), value);
        return (row) => norm(get(row)) !== value;
      case '<':
      case '<=':
      case '>':
      case '>=': {
        const bound = isRange(value) ? (op === '<' || op === '>=' ? value.start : value.end) : value;
        if (bound === null) return () => false;
        const test =
          op === '<' ? (n: number) => n < 0 : op === '<=' ? (n: number) => (isRange(value) ? n < 0 : n <= 0) : op === '>' ? (n: number) => (isRange(value) ? n >= 0 : n > 0) : (n: number) => n >= 0;
        return (row) => {
          const v = get(row);
          return v !== null && v !== undefined && test(cmp(v, bound));
        };
      }
      case 'LIKE': {
        const pattern = String(value);
        const re = likeToRegExp(pattern);
        return (row) => {
          const v = get(row);
          return v !== null && v !== undefined && re.test(text(v));
        };
      }
      case 'IN':
      case 'NOT IN': {
        const set = new Set(values);
        const hasNull = set.has(null);
        return op === 'IN'
          ? (row) => {
              const v = norm(get(row));
              return v === null ? hasNull : set.has(v);
            }
          : (row) => {
              const v = norm(get(row));
              return v === null ? !hasNull : !set.has(v);
            };
      }
      case 'INCLUDES':
      case 'EXCLUDES': {
        const groups = values.map((v) => String(v as string).split(';').map((s) => s.trim()));
        const includes = (row: RecordValues): boolean => {
          const v = get(row);
          if (v === null || v === undefined) return false;
          const chosen = new Set(text(v).toLowerCase().split(';'));
          return groups.some((g) => g.every((x) => chosen.has(x)));
        };
        return op === 'INCLUDES' ? includes : (row) => !includes(row);
      }
    }
  }

  #compileHaving(having: { left: ConditionWithValueQuery; operator?: string; right?: unknown }, items: AggregateItem[]): (agg: Map<string, unknown>) => boolean {
    const left = having.left as { fn?: FieldFunctionExpression; operator: string; value: string | string[] };
    const key = (left.fn?.rawValue ?? '').toUpperCase();
    const value = Number(Array.isArray(left.value) ? left.value[0] : left.value);
    const test = (v: unknown): boolean => {
      const n = Number(v);
      switch (left.operator) {
        case '=':
          return n === value;
        case '!=':
          return n !== value;
        case '<':
          return n < value;
        case '<=':
          return n <= value;
        case '>':
          return n > value;
        case '>=':
          return n >= value;
        default:
          return false;
      }
    };
    const rest = having.right === undefined ? null : this.#compileHaving(having.right as never, items);
    return (agg) => {
      const ok = test(agg.get(key));
      if (rest === null) return ok;
      return having.operator === 'OR' ? ok || rest(agg) : ok && rest(agg);
    };
  }

  /** Rows to consider, using an index when the WHERE clause pins a key. */
  #candidates(plan: Plan, includeDeleted: boolean): { ids: Iterable<string>; modstampOrdered: boolean } {
    const table = plan.table;
    const tree = plan.whereTree;
    if (tree !== null) {
      const keyed = this.#keyCandidates(plan, tree, includeDeleted);
      if (keyed !== undefined) return { ids: keyed, modstampOrdered: false };
    }
    const lower = tree === null ? undefined : this.#modstampLowerBound(plan, tree);
    if (lower !== undefined || this.#orderedByModstamp(plan)) {
      const start = lower === undefined ? 0 : table.logLowerBound(lower);
      const log = table.log;
      function* fromLog(): Generator<string> {
        for (let i = start; i < log.length; i += 1) {
          const e = log[i];
          if (e !== undefined && table.isLive(e)) yield e.id;
        }
      }
      return { ids: fromLog(), modstampOrdered: true };
    }
    return { ids: table.rows.keys(), modstampOrdered: false };
  }

  #orderedByModstamp(plan: Plan): boolean {
    const [first, second] = plan.orderBy;
    return (
      first !== undefined &&
      first.field.name === 'SystemModstamp' &&
      !first.desc &&
      plan.orderBy.length <= 2 &&
      (second === undefined || (second.field.name === 'Id' && !second.desc))
    );
  }

  #keyCandidates(plan: Plan, node: WhereNode, includeDeleted: boolean): string[] | undefined {
    if (node.kind === 'and') return this.#keyCandidates(plan, node.left, includeDeleted) ?? this.#keyCandidates(plan, node.right, includeDeleted);
    if (node.kind !== 'cond') return undefined;
    const c = node.condition;
    if (!('field' in c) || 'valueQuery' in c || c.field.includes('.')) return undefined;
    if (c.operator !== '=' && c.operator !== 'IN') return undefined;
    const field = plan.object.fieldMap.get(c.field.toLowerCase());
    if (field === undefined) return undefined;
    const raws = (Array.isArray(c.value) ? c.value : [c.value]).filter((v) => v.toUpperCase() !== 'NULL');
    if (raws.length === 0) return undefined;
    const table = plan.table;
    if (field.name === 'Id') {
      return raws.map((r) => normalizeId(unquote(r))).filter((id): id is string => id !== undefined && table.rows.has(id));
    }
    // Key and lookup indexes hold live rows only; queryAll must see the recycle bin too.
    if (includeDeleted) return undefined;
    if ((field.externalId || field.unique) && table.keyIndexes.has(field.name.toLowerCase()) && (field.type === 'string' || field.type === 'email')) {
      return raws.flatMap((r) => table.findByKey(field, field.caseSensitive ? unquote(r) : unquote(r).toLowerCase()));
    }
    if (field.type === 'reference' && table.parentIndexes.has(field.name.toLowerCase())) {
      return raws.flatMap((r) => {
        const id = normalizeId(unquote(r));
        return id === undefined ? [] : [...(table.childrenOf(field.name, id) ?? [])];
      });
    }
    return undefined;
  }

  #modstampLowerBound(plan: Plan, node: WhereNode): string | undefined {
    switch (node.kind) {
      case 'and': {
        const l = this.#modstampLowerBound(plan, node.left);
        const r = this.#modstampLowerBound(plan, node.right);
        if (l === undefined) return r;
        if (r === undefined) return l;
        return l > r ? l : r;
      }
      case 'or': {
        const l = this.#modstampLowerBound(plan, node.left);
        const r = this.#modstampLowerBound(plan, node.right);
        if (l === undefined || r === undefined) return undefined;
        return l < r ? l : r;
      }
      case 'not':
        return undefined;
      case 'cond': {
        const c = node.condition;
        if (!('field' in c) || 'valueQuery' in c || c.field.toLowerCase() !== 'systemmodstamp') return undefined;
        if (c.operator !== '>' && c.operator !== '>=' && c.operator !== '=') return undefined;
        if (Array.isArray(c.value) || c.literalType !== 'DATETIME') return undefined;
        const ms = parseDatetime(c.value);
        return ms === undefined ? undefined : formatDatetime(ms);
      }
    }
  }

  #execute(plan: Plan, options: QueryOptions): QueryResultSet {
    const rows = this.#matchingRows(plan, options.includeDeleted, null);
    if (plan.aggregate !== null) return this.#aggregate(plan, rows);
    const records = rows.map((row) => this.#project(plan.shape, row, options));
    return { totalSize: records.length, records, object: plan.object, columns: plan.columns };
  }

  #matchingRows(plan: Plan, includeDeleted: boolean, restrictTo: Iterable<string> | null): RecordValues[] {
    const table = plan.table;
    const { ids, modstampOrdered } = restrictTo === null ? this.#candidates(plan, includeDeleted) : { ids: restrictTo, modstampOrdered: false };
    const wanted = plan.limit === undefined ? Infinity : plan.limit + plan.offset;
    const where = plan.where;
    const matches: RecordValues[] = [];
    if (modstampOrdered && this.#orderedByModstamp(plan) && plan.aggregate === null) {
      // Stream the log in SystemModstamp order; rows sharing a stamp are sorted by Id, and the
      // walk stops as soon as LIMIT + OFFSET rows are in hand. This serves Ferry's cursors.
      let group: RecordValues[] = [];
      let groupStamp: unknown = undefined;
      const flush = (): void => {
        group.sort((a, b) => compareValues(ID_FIELD, a['Id'], b['Id']));
        for (const r of group) matches.push(r);
        group = [];
      };
      for (const id of ids) {
        const row = table.rows.get(id);
        if (row === undefined || (!includeDeleted && row.deletedAt !== null)) continue;
        if (where !== null && !where(row.values)) continue;
        if (row.values['SystemModstamp'] !== groupStamp) {
          flush();
          if (matches.length >= wanted) break;
          groupStamp = row.values['SystemModstamp'];
        }
        group.push(row.values);
      }
      flush();
      return matches.slice(plan.offset, wanted === Infinity ? undefined : wanted);
    }
    for (const id of ids) {
      const row = table.rows.get(id);
      if (row === undefined || (!includeDeleted && row.deletedAt !== null)) continue;
      if (where !== null && !where(row.values)) continue;
      matches.push(row.values);
      if (plan.orderBy.length === 0 && plan.aggregate === null && matches.length >= wanted) break;
    }
    this.#sortRows(plan, matches);
    if (plan.aggregate !== null) return matches;
    return matches.slice(plan.offset, wanted === Infinity ? undefined : wanted);
  }

  /** Sorts rows in place by the plan's ORDER BY (nulls first unless NULLS LAST, text case-insensitive). */
  #sortRows(plan: Plan, matches: RecordValues[]): void {
    if (plan.orderBy.length > 0) {
      const specs = plan.orderBy;
      matches.sort((a, b) => {
        for (const s of specs) {
          const x = s.get(a);
          const y = s.get(b);
          const xNull = x === null || x === undefined;
          const yNull = y === null || y === undefined;
          if (xNull || yNull) {
            if (xNull && yNull) continue;
            return (xNull ? -1 : 1) * (s.nullsLast ? -1 : 1);
          }
          const c = compareValues(s.field, x, y);
          if (c !== 0) return s.desc ? -c : c;
        }
        return 0;
      });
    }
  }

  /** A parent's rows for a subquery: its children, or for a view the source rows the view keeps. */
  #childRows(entry: ShapeChild, parentId: string, options: QueryOptions): RecordValues[] {
    const view = entry.plan.object.view;
    if (view === undefined) {
      const kids = entry.plan.table.childrenOf(entry.parentField.name, parentId);
      return kids === undefined ? [] : this.#matchingRows(entry.plan, options.includeDeleted, kids);
    }
    const viewed: RecordValues[] = [];
    for (const source of view.sources) {
      const table = this.#store.table(source);
      for (const childId of table?.childrenOf(entry.parentField.name, parentId) ?? []) {
        const row = table?.rows.get(childId);
        if (row === undefined || (!options.includeDeleted && row.deletedAt !== null)) continue;
        const record = view.select(row.values, source, options.now);
        if (record !== undefined && (entry.plan.where === null || entry.plan.where(record))) viewed.push(record);
      }
    }
    if (entry.plan.orderBy.length === 0) viewed.sort(view.order);
    else this.#sortRows(entry.plan, viewed);
    return viewed.slice(entry.plan.offset, entry.plan.limit === undefined ? undefined : entry.plan.offset + entry.plan.limit);
  }

  #aggregate(plan: Plan, rows: RecordValues[]): QueryResultSet {
    const agg = plan.aggregate;
    if (agg === null) throw new Error('not an aggregate plan');
    if (agg.countOnly) {
      const total = plan.limit === undefined ? rows.length : Math.min(rows.length, plan.limit);
      return { totalSize: total, records: [], object: plan.object, columns: [] };
    }
    const groups = new Map<string, RecordValues[]>();
    for (const row of rows) {
      const key = JSON.stringify(agg.groupBy.map((g) => g(row) ?? null));
      let list = groups.get(key);
      if (list === undefined) groups.set(key, (list = []));
      list.push(row);
    }
    if (agg.groupBy.length === 0 && groups.size === 0) groups.set('[]', []);
    const records: Record<string, unknown>[] = [];
    for (const members of groups.values()) {
      const out: Record<string, unknown> = { attributes: { type: 'AggregateResult' } };
      const byRaw = new Map<string, unknown>();
      for (const item of agg.items) {
        const values = members.map((m) => item.get(m)).filter((v) => v !== null && v !== undefined);
        let v: unknown;
        switch (item.fn) {
          case null:
            v = members[0] === undefined ? null : (item.get(members[0]) ?? null);
            break;
          case 'COUNT':
            v = item.field === null ? members.length : values.length;
            break;
          case 'COUNT_DISTINCT':
            v = new Set(values.map((x) => String(x as string).toLowerCase())).size;
            break;
          case 'SUM':
            v = values.length === 0 ? null : values.reduce((s: number, x) => s + Number(x), 0);
            break;
          case 'AVG':
            v = values.length === 0 ? null : values.reduce((s: number, x) => s + Number(x), 0) / values.length;
            break;
          case 'MIN':
          case 'MAX': {
            const field = item.field;
            if (values.length === 0 || field === null) v = null;
            else v = values.reduce((best, x) => ((compareValues(field, x, best) < 0) === (item.fn === 'MIN') ? x : best));
            break;
          }
          default:
            v = null;
        }
        out[item.name] = v;
        if (item.fn !== null) byRaw.set(`${item.fn}(${item.field?.name.toUpperCase() ?? ''})`, v);
      }
      if (agg.having !== null && !agg.having(byRaw)) continue;
      records.push(out);
    }
    const limited = records.slice(plan.offset, plan.limit === undefined ? undefined : plan.offset + plan.limit);
    return { totalSize: limited.length, records: limited, object: plan.object, columns: plan.columns };
  }

  #project(shape: Shape, values: RecordValues, options: QueryOptions): Record<string, unknown> {
    const id = values['Id'];
    // A polymorphic parent (What, Who) is typed Name, as Salesforce answers; its url names its own object.
    const urlObject = shape.object === this.#schema.nameObject && typeof id === 'string' ? (this.#schema.byPrefix(keyPrefixOf(id))?.name ?? shape.object.name) : shape.object.name;
    const out: Record<string, unknown> = {
      attributes: { type: shape.object.name, url: `/services/data/v${options.apiVersion}/sobjects/${urlObject}/${String(id)}` },
    };
    for (const entry of shape.entries) {
      switch (entry.kind) {
        case 'field': {
          const v = entry.get(values);
          out[entry.name] = v === undefined ? null : v;
          break;
        }
        case 'parent': {
          const parentId = values[entry.refField.name];
          const parent = typeof parentId === 'string' ? this.#store.get(parentId) : undefined;
          out[entry.name] = parent === undefined || parent.deleted ? null : this.#project(entry.shape, parent.values, options);
          break;
        }
        case 'child': {
          const rows = this.#childRows(entry, String(id), options);
          out[entry.name] =
            rows.length === 0 ? null : { totalSize: rows.length, done: true, records: rows.map((r) => this.#project(entry.plan.shape, r, options)) };
          break;
        }
      }
    }
    return out;
  }
}

// The Id column as makeField builds it, but compared case-sensitively (ids are base62).
const ID_FIELD: FieldDef = makeField('Id', 'id', { label: 'Id', caseSensitive: true, defaultedOnCreate: true });

/** SOQL LIKE: % any run, _ one character, backslash escapes; case-insensitive. */
export function likeToRegExp(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i += 1) {
    const c = pattern[i] ?? '';
    if (c === '\\' && i + 1 < pattern.length) {
      source += (pattern[++i] ?? '').replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    } else if (c === '%') {
      source += '.*';
    } else if (c === '_') {
      source += '.';
    } else {
      source += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${source}$`, 'is');
}

function inRange(v: unknown, range: { start: string; end: string }): boolean {
  if (v === null || v === undefined) return false;
  const s = text(v);
  return s >= range.start && s < range.end;
}
