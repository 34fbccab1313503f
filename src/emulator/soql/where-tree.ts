// soql-parser-js returns WHERE as a right-leaning chain of conditions with parenthesis counts
// attached to them, not as a tree. This rebuilds the tree with SOQL precedence (NOT, AND, OR).
import type { Condition, ConditionWithValueQuery, WhereClause } from 'soql-parser-js';

export type WhereNode =
  | { kind: 'and' | 'or'; left: WhereNode; right: WhereNode }
  | { kind: 'not'; operand: WhereNode }
  | { kind: 'cond'; condition: ConditionWithValueQuery };

type Token = '(' | ')' | 'AND' | 'OR' | 'NOT' | { condition: ConditionWithValueQuery };

function isCondition(node: Condition | ConditionWithValueQuery): boolean {
  return 'field' in node || 'fn' in node;
}

function tokenize(where: WhereClause): Token[] {
  const tokens: Token[] = [];
  let node: WhereClause | undefined = where;
  while (node !== undefined) {
    const left = node.left;
    if (left === null) {
      // `NOT <right>`: the operator is NOT and the operand is the rest of the chain.
    } else if (!isCondition(left)) {
      for (let i = 0; i < ((left as { openParen?: number }).openParen ?? 0); i += 1) tokens.push('(');
    } else {
      for (let i = 0; i < ((left as { openParen?: number }).openParen ?? 0); i += 1) tokens.push('(');
      tokens.push({ condition: left });
      for (let i = 0; i < ((left as { closeParen?: number }).closeParen ?? 0); i += 1) tokens.push(')');
    }
    const op = 'operator' in node ? node.operator : undefined;
    if (op !== undefined) tokens.push(op);
    node = 'right' in node ? node.right : undefined;
  }
  return tokens;
}

/** Parses the token chain; throws on unbalanced input, which the parser should never produce. */
export function buildWhereTree(where: WhereClause): WhereNode {
  const tokens = tokenize(where);
  let pos = 0;
  const peek = (): Token | undefined => tokens[pos];
  function parseOr(): WhereNode {
    let left = parseAnd();
    while (peek() === 'OR') {
      pos += 1;
      left = { kind: 'or', left, right: parseAnd() };
    }
    return left;
  }
  function parseAnd(): WhereNode {
    let left = parseUnary();
    while (peek() === 'AND') {
      pos += 1;
      left = { kind: 'and', left, right: parseUnary() };
    }
    return left;
  }
  function parseUnary(): WhereNode {
    const t = tokens[pos++];
    if (t === 'NOT') return { kind: 'not', operand: parseUnary() };
    if (t === '(') {
      const inner = parseOr();
      if (tokens[pos++] !== ')') throw new Error('unbalanced parentheses in WHERE');
      return inner;
    }
    if (typeof t === 'object') return { kind: 'cond', condition: t.condition };
    throw new Error(`unexpected token in WHERE: ${String(t)}`);
  }
  const tree = parseOr();
  if (pos !== tokens.length) throw new Error('trailing tokens in WHERE');
  return tree;
}
