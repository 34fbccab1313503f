import jsep, { type Expression } from 'jsep';

/**
 * Account filter expressions decide which accounts an integration serves, e.g.
 *   customFields != null AND customFields.country == "UK"
 * jsep parses them (with the character position of any syntax error); this file only checks the
 * field names and evaluates the tree. Operators: == (or =), !=, <, <=, >, >=, IN [..], AND / &&,
 * OR / ||, NOT / !, parentheses; literals: "strings", numbers, true, false, null.
 * A missing field is null, so `customFields.country == "UK"` is simply false when it is absent.
 */

jsep.addBinaryOp('AND', 2);
jsep.addBinaryOp('and', 2);
jsep.addBinaryOp('OR', 1);
jsep.addBinaryOp('or', 1);
jsep.addBinaryOp('=', 6);
jsep.addBinaryOp('IN', 7);
jsep.addBinaryOp('in', 7);
jsep.addUnaryOp('NOT');
jsep.addUnaryOp('not');
// Arithmetic and bitwise operators have no meaning in a filter: refuse them at parse time.
for (const op of ['+', '-', '*', '/', '%', '|', '^', '&', '<<', '>>', '>>>', '===', '!==', '??']) jsep.removeBinaryOp(op);
for (const op of ['~', '+', '-']) jsep.removeUnaryOp(op);

/** The account fields a filter may use, and the nested fields of the structured ones. */
export const ACCOUNT_FILTER_FIELDS: Record<string, readonly string[] | 'any' | null> = {
  id: null,
  name: null,
  code: null,
  emailAddress: null,
  currency: null,
  type: null,
  status: null,
  billGroup: null,
  arTerm: null,
  parentAccountId: null,
  ownerUserId: null,
  address: ['line1', 'line2', 'line3', 'line4', 'locality', 'region', 'postCode', 'country'],
  customFields: 'any',
};

export interface FilterError {
  message: string;
  /** 0-based character index in the expression. */
  position: number;
}

export type CompiledFilter = (account: Record<string, unknown>) => boolean;

type Compiled = { ok: true; filter: CompiledFilter } | { ok: false; error: FilterError };

function positionOf(source: string, token: string): number {
  const match = new RegExp(`\\b${token.replaceAll(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`).exec(source);
  return match?.index ?? 0;
}

/** The dotted path of a member chain (`address.country` -> ['address', 'country']), or undefined. */
function pathOf(node: Expression): string[] | undefined {
  if (node.type === 'Identifier') return [node.name as string];
  if (node.type === 'MemberExpression') {
    const object = pathOf(node.object as Expression);
    const property = node.property as Expression;
    if (object === undefined) return undefined;
    if (!node.computed && property.type === 'Identifier') return [...object, property.name as string];
    if (node.computed && property.type === 'Literal' && typeof property.value === 'string') return [...object, property.value];
  }
  return undefined;
}

function check(node: Expression, source: string): FilterError | undefined {
  switch (node.type) {
    case 'Literal':
      return undefined;
    case 'ArrayExpression':
      for (const element of node.elements as Expression[]) {
        if (element.type !== 'Literal') return { message: 'lists may hold only literal values', position: positionOf(source, '[') };
      }
      return undefined;
    case 'Identifier':
    case 'MemberExpression': {
      const path = pathOf(node);
      if (path === undefined) return { message: 'only field names such as customFields.country can be read', position: 0 };
      const [root, child, ...rest] = path as [string, ...string[]];
      if (root === 'null' || root === 'true' || root === 'false') return undefined;
      if (!(root in ACCOUNT_FILTER_FIELDS)) {
        return { message: `unknown account field "${root}"; use one of ${Object.keys(ACCOUNT_FILTER_FIELDS).join(', ')}`, position: positionOf(source, root) };
      }
      const nested = ACCOUNT_FILTER_FIELDS[root];
      if (child !== undefined && nested === null) return { message: `"${root}" has no field "${child}"`, position: positionOf(source, child) };
      if (child !== undefined && Array.isArray(nested) && !nested.includes(child)) {
        return { message: `"${root}" has no field "${child}"; use one of ${nested.join(', ')}`, position: positionOf(source, child) };
      }
      if (rest.length > 0 && nested !== 'any') return { message: `"${root}.${child}" has no fields`, position: positionOf(source, rest[0]!) };
      return undefined;
    }
    case 'BinaryExpression':
      return check(node.left as Expression, source) ?? check(node.right as Expression, source);
    case 'UnaryExpression':
      return check(node.argument as Expression, source);
    case 'Compound':
      return { message: 'the expression continues where it should end; join conditions with AND or OR', position: source.length };
    default:
      return { message: `"${node.type}" is not allowed in a filter`, position: 0 };
  }
}

function get(value: unknown, path: string[]): unknown {
  let node = value;
  for (const part of path) {
    if (node === null || typeof node !== 'object') return null;
    node = (node as Record<string, unknown>)[part];
  }
  return node ?? null;
}

function evaluate(node: Expression, account: Record<string, unknown>): unknown {
  switch (node.type) {
    case 'Literal':
      return node.value;
    case 'ArrayExpression':
      return (node.elements as Expression[]).map((element) => element.value);
    case 'Identifier':
    case 'MemberExpression': {
      const path = pathOf(node)!;
      if (path.length === 1 && path[0] === 'null') return null;
      return get(account, path);
    }
    case 'UnaryExpression':
      return !truthy(evaluate(node.argument as Expression, account));
    case 'BinaryExpression': {
      const op = (node.operator as string).toUpperCase();
      if (op === 'AND' || op === '&&') return truthy(evaluate(node.left as Expression, account)) && truthy(evaluate(node.right as Expression, account));
      if (op === 'OR' || op === '||') return truthy(evaluate(node.left as Expression, account)) || truthy(evaluate(node.right as Expression, account));
      const left = evaluate(node.left as Expression, account);
      const right = evaluate(node.right as Expression, account);
      switch (op) {
        case '==':
        case '=':
          return left === right || (left === null && right === null);
        case '!=':
          return !(left === right || (left === null && right === null));
        case 'IN':
          return Array.isArray(right) && right.includes(left);
        case '<':
        case '<=':
        case '>':
        case '>=':
          return compare(op, left, right);
        default:
          return false;
      }
    }
    default:
      return false;
  }
}

function compare(op: string, left: unknown, right: unknown): boolean {
  if (left === null || right === null || typeof left !== typeof right) return false;
  const a = left as string | number;
  const b = right as string | number;
  return op === '<' ? a < b : op === '<=' ? a <= b : op === '>' ? a > b : a >= b;
}

function truthy(value: unknown): boolean {
  return value !== null && value !== undefined && value !== false && value !== 0 && value !== '';
}

/** Parses and checks an expression; a valid one comes back as a function of the account. */
export function compileAccountFilter(source: string): Compiled {
  if (source.trim() === '') return { ok: false, error: { message: 'the expression is empty', position: 0 } };
  let tree: Expression;
  try {
    tree = jsep(source);
  } catch (error) {
    const e = error as { description?: string; index?: number; message: string };
    return { ok: false, error: { message: e.description ?? e.message, position: e.index ?? 0 } };
  }
  const problem = check(tree, source);
  if (problem !== undefined) return { ok: false, error: problem };
  return { ok: true, filter: (account) => truthy(evaluate(tree, account)) };
}
