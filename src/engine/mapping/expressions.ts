import jsonata from 'jsonata';
import { countryCodeOf } from '../../platform/index.ts';
import { addPeriods, moneyOf } from '../crm/subscriptions.ts';

/**
 * Transforms in field rules are JSONata expressions. JSONata was chosen over CEL because mapping
 * is data transformation, JSONata's purpose: it walks nested records and arrays by path
 * (`phones[type='WORK'].number`), and its function library covers what transforms need (string
 * slicing for an e-mail domain, `$join` for address lines, defaults with `?:`), where CEL is a
 * predicate language whose string helpers are extensions. The input is the Ferry record (a line
 * item for line item rules), `$value` is the value at the rule's own path, `$parent` the bill and
 * `$index` the line's position for line item rules.
 */

import type { ValueKind } from '../../salesforce/field-check.ts';

export type { ValueKind };

export interface ExpressionError {
  message: string;
  /** Zero-based character position, when JSONata gives one. */
  position?: number | undefined;
}

export interface Compiled {
  evaluate(input: unknown, bindings: Record<string, unknown>): Promise<unknown>;
  /** Top-level record fields the expression reads (for "changed fields touch the mapping"). */
  reads: string[];
  /** The result kind, when the expression's shape tells it (a string join, a comparison, ...). */
  kind: ValueKind;
}

type Node = { type: string; value?: unknown; position?: number; steps?: Node[]; arguments?: Node[]; procedure?: Node; lhs?: Node; rhs?: Node; expressions?: Node[]; condition?: Node; then?: Node; else?: Node; predicate?: unknown[]; stages?: unknown[]; group?: unknown; expression?: Node };

const STRING_FUNCTIONS = new Set(['string', 'substring', 'substringBefore', 'substringAfter', 'uppercase', 'lowercase', 'trim', 'pad', 'join', 'replace', 'formatNumber', 'formatBase', 'formatInteger', 'base64encode', 'base64decode', 'encodeUrl', 'decodeUrl', 'now']);
const NUMBER_FUNCTIONS = new Set(['number', 'abs', 'floor', 'ceil', 'round', 'power', 'sqrt', 'random', 'sum', 'max', 'min', 'average', 'count', 'length', 'toMillis', 'parseInteger']);
const BOOLEAN_FUNCTIONS = new Set(['boolean', 'not', 'exists', 'contains']);

function kindOf(node: Node): ValueKind {
  switch (node.type) {
    case 'string':
      return 'string';
    case 'number':
      return 'number';
    case 'value':
      return typeof node.value === 'boolean' ? 'boolean' : 'unknown';
    case 'binary': {
      const op = String(node.value);
      if (op === '&') return 'string';
      if (['+', '-', '*', '/', '%'].includes(op)) return 'number';
      if (['=', '!=', '<', '<=', '>', '>=', 'and', 'or', 'in'].includes(op)) return 'boolean';
      return 'unknown';
    }
    case 'function': {
      const name = node.procedure?.type === 'variable' ? String(node.procedure.value) : '';
      if (STRING_FUNCTIONS.has(name)) return 'string';
      if (NUMBER_FUNCTIONS.has(name)) return 'number';
      if (BOOLEAN_FUNCTIONS.has(name)) return 'boolean';
      return 'unknown';
    }
    case 'condition': {
      const then = node.then === undefined ? 'unknown' : kindOf(node.then);
      const otherwise = node.else === undefined ? then : kindOf(node.else);
      return then === otherwise ? then : 'unknown';
    }
    case 'block': {
      const last = node.expressions?.at(-1);
      return last === undefined ? 'unknown' : kindOf(last);
    }
    default:
      return 'unknown';
  }
}

/** The first step of every path in the tree: the record fields an expression depends on. */
function readsOf(node: unknown, out: Set<string>): void {
  if (Array.isArray(node)) {
    for (const item of node) readsOf(item, out);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  const n = node as Node;
  if (n.type === 'path' && Array.isArray(n.steps)) {
    // Only a path's first step names a record field; later steps are inside it. Predicates and
    // arguments within steps may hold paths of their own (relative ones included: over-counting
    // only makes a change look relevant, never the reverse).
    const [first, ...rest] = n.steps;
    if (first?.type === 'name' && typeof first.value === 'string') out.add(first.value);
    else readsOf(first, out);
    for (const step of rest) {
      const { type: _type, value: _value, ...inner } = step;
      readsOf(inner, out);
    }
    return;
  }
  if (n.type === 'name' && typeof n.value === 'string') out.add(n.value);
  for (const [key, value] of Object.entries(n)) if (key !== 'value' || typeof value === 'object') readsOf(value, out);
}

/** Every variable and function name an expression uses (`$value`, `$string`, `$` as '', `$$` as '$'). */
function variablesOf(node: unknown, out: Set<string>): void {
  if (Array.isArray(node)) {
    for (const item of node) variablesOf(item, out);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  const n = node as Node;
  if (n.type === 'variable' && typeof n.value === 'string') out.add(n.value);
  for (const value of Object.values(n)) if (typeof value === 'object') variablesOf(value, out);
}

/** Functions whose result is not fixed by their arguments: an expression using one is never memoised. */
const IMPURE = new Set(['now', 'millis', 'random', 'eval']);

/**
 * Whether the result depends only on the record's top-level fields the expression names and on
 * `$value` / `$index`: no context or root variable (`$`, `$$`) that could reach any field, no
 * `$parent`, no clock or randomness.
 */
function memoisable(variables: Set<string>): boolean {
  return ![...variables].some((v) => v === '' || v === '$' || v === 'parent' || IMPURE.has(v));
}

/**
 * The same inputs give the same result: a transform over line items ("USAGE 2") is evaluated once
 * per distinct input instead of once per line. Only plain values are kept (never a shared object).
 */
function memoised(evaluate: (input: unknown, bindings: Record<string, unknown>) => Promise<unknown>, reads: string[], variables: Set<string>): Compiled['evaluate'] {
  const results = new Map<string, unknown>();
  // Every variable the expression uses that a caller binds ($value, $index, a reading's
  // $currency) is part of the key; functions are not bound, so they never are.
  const bound = [...variables].sort();
  return async (input, bindings) => {
    const record = typeof input === 'object' && input !== null ? (input as Record<string, unknown>) : {};
    // undefined (absent) and null are different inputs to JSONata ($exists): keyed apart.
    const key = JSON.stringify([reads.map((r) => record[r]), bound.map((v) => (v in bindings ? bindings[v] : null))], (_k, v: unknown) => (v === undefined ? '\u0000undefined' : v));
    if (results.has(key)) return results.get(key);
    const value = await evaluate(input, bindings);
    if (value === null || value === undefined || typeof value !== 'object') {
      if (results.size >= 10_000) results.clear();
      results.set(key, value);
    }
    return value;
  };
}

const cache = new Map<string, Compiled | ExpressionError>();

/** Parses a transform once (cached by source); returns the error with its position when it does not parse. */
export function compileExpression(source: string): Compiled | ExpressionError {
  const cached = cache.get(source);
  if (cached !== undefined) return cached;
  let result: Compiled | ExpressionError;
  try {
    const expression = jsonata(source);
    // Ferry's own functions, for values read from Salesforce: a country as its ISO code (see
    // countryCodeOf), a date some installment periods on, and money rounded to its currency.
    expression.registerFunction('countryCode', (value: unknown) => countryCodeOf(value));
    expression.registerFunction('addPeriods', (date: unknown, period: unknown, count: unknown) => addPeriods(date, period, count));
    expression.registerFunction('money', (amount: unknown, currency: unknown, divisor?: unknown) => moneyOf(amount, currency, divisor));
    const ast = expression.ast() as unknown as Node;
    const reads = new Set<string>();
    readsOf(ast, reads);
    const variables = new Set<string>();
    variablesOf(ast, variables);
    const evaluate = (input: unknown, bindings: Record<string, unknown>) => expression.evaluate(input, bindings) as Promise<unknown>;
    result = {
      evaluate: memoisable(variables) ? memoised(evaluate, [...reads], variables) : evaluate,
      reads: [...reads].sort(),
      kind: kindOf(ast),
    };
  } catch (error) {
    const e = error as { message?: string; position?: number; token?: string };
    result = { message: e.message ?? String(error), position: typeof e.position === 'number' ? e.position : undefined };
  }
  if (cache.size > 10_000) cache.clear();
  cache.set(source, result);
  return result;
}

export function isExpressionError(value: Compiled | ExpressionError): value is ExpressionError {
  return !('evaluate' in value);
}
