// SOSL parsing. No maintained npm package parses SOSL (soql-parser-js and its forks handle SOQL
// only; tree-sitter-sfapex needs a native build), so this is a small hand-written parser for the
// grammar the REST API accepts:
//   FIND {expr} | FIND 'expr'
//   [IN ALL|NAME|EMAIL|PHONE|SIDEBAR FIELDS]
//   [RETURNING Obj [(fields [USING LISTVIEW=x] [WHERE ...] [ORDER BY ...] [LIMIT n] [OFFSET n])], ...]
//   [WITH ...]* [LIMIT n] [UPDATE TRACKING|VIEWSTAT]
// A RETURNING object's field list, WHERE and ORDER BY are kept as source text: the search runs
// them as SOQL through the SOQL engine rather than through a second evaluator.

export type SearchScope = 'ALL' | 'NAME' | 'EMAIL' | 'PHONE' | 'SIDEBAR';

/** The search expression inside the braces. */
export type SearchNode =
  | { kind: 'term'; text: string }
  | { kind: 'phrase'; text: string }
  | { kind: 'and'; left: SearchNode; right: SearchNode }
  | { kind: 'or'; left: SearchNode; right: SearchNode }
  | { kind: 'andNot'; left: SearchNode; right: SearchNode };

export interface ReturningObject {
  name: string;
  /** Position of the name in the SOSL text (0-based), for error carets. */
  at: number;
  /** Comma-separated field list as written; null when the object has no parentheses. */
  fields: string | null;
  where: string | null;
  orderBy: string | null;
  limit: number | null;
  offset: number | null;
}

export interface SoslQuery {
  search: SearchNode;
  scope: SearchScope;
  /** Null when the query has no RETURNING clause: every searchable object is searched. */
  returning: ReturningObject[] | null;
  limit: number | null;
  /** WITH METADATA = 'LABELS' asks for field labels next to the records. */
  metadataLabels: boolean;
}

export interface SoslError {
  errorCode: 'MALFORMED_SEARCH' | 'INVALID_SEARCH';
  message: string;
}

export class SoslSyntaxError extends Error {
  constructor(readonly error: SoslError) {
    super(error.message);
  }
}

/** Salesforce's syntax-error message: the query, a caret line, the position and the token. */
function unexpected(sosl: string, at: number, token: string): SoslSyntaxError {
  const col = at + 1;
  const shown = token === '' ? '<EOF>' : `'${token}'`;
  return new SoslSyntaxError({ errorCode: 'MALFORMED_SEARCH', message: `\n${sosl}\n${' '.repeat(Math.max(col - 1, 0))}^\nERROR at Row:1:Column:${col}\nunexpected token: ${shown}` });
}

const NO_TERM = 'No search term found. The search term must be enclosed in braces.';

// ---------------------------------------------------------------------------------------------
// Clause tokens (everything after the search expression)

interface Token {
  kind: 'word' | 'number' | 'string' | 'punct';
  text: string;
  start: number;
  end: number;
}

function tokenize(sosl: string, from: number): Token[] {
  const tokens: Token[] = [];
  let i = from;
  while (i < sosl.length) {
    const c = sosl[i] ?? '';
    if (/\s/.test(c)) {
      i += 1;
      continue;
    }
    const start = i;
    if (c === "'") {
      i += 1;
      while (i < sosl.length && sosl[i] !== "'") i += sosl[i] === '\\' ? 2 : 1;
      if (i >= sosl.length) throw unexpected(sosl, start, sosl.slice(start));
      i += 1;
      tokens.push({ kind: 'string', text: sosl.slice(start, i), start, end: i });
    } else if (/[A-Za-z_]/.test(c)) {
      while (i < sosl.length && /[\w.]/.test(sosl[i] ?? '')) i += 1;
      tokens.push({ kind: 'word', text: sosl.slice(start, i), start, end: i });
    } else if (/[0-9-]/.test(c) && /[0-9]/.test(sosl[i + (c === '-' ? 1 : 0)] ?? '')) {
      i += 1;
      // Numbers, dates and datetimes (2024-01-01T00:00:00Z) stay one token for WHERE clauses.
      while (i < sosl.length && /[\w.:+-]/.test(sosl[i] ?? '')) i += 1;
      tokens.push({ kind: 'number', text: sosl.slice(start, i), start, end: i });
    } else {
      const two = sosl.slice(i, i + 2);
      const len = two === '!=' || two === '<>' || two === '<=' || two === '>=' ? 2 : 1;
      i += len;
      tokens.push({ kind: 'punct', text: sosl.slice(start, i), start, end: i });
    }
  }
  return tokens;
}

class Cursor {
  #i = 0;
  constructor(
    readonly sosl: string,
    readonly tokens: Token[],
  ) {}

  peek(offset = 0): Token | undefined {
    return this.tokens[this.#i + offset];
  }

  next(): Token | undefined {
    const t = this.tokens[this.#i];
    this.#i += 1;
    return t;
  }

  isWord(word: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t !== undefined && t.kind === 'word' && t.text.toUpperCase() === word;
  }

  isPunct(p: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t !== undefined && t.kind === 'punct' && t.text === p;
  }

  fail(): SoslSyntaxError {
    const t = this.peek();
    return unexpected(this.sosl, t?.start ?? this.sosl.length, t?.text ?? '');
  }

  expectWord(word: string): Token {
    if (!this.isWord(word)) throw this.fail();
    return this.next() as Token;
  }

  expectPunct(p: string): Token {
    if (!this.isPunct(p)) throw this.fail();
    return this.next() as Token;
  }

  expectInteger(): number {
    const t = this.peek();
    if (t === undefined || t.kind !== 'number' || !/^\d+$/.test(t.text)) throw this.fail();
    this.next();
    return Number(t.text);
  }

  /** The source text from token `from` up to (not including) the current token. */
  textSince(from: Token): string {
    const end = this.tokens[this.#i - 1]?.end ?? from.end;
    return this.sosl.slice(from.start, end).trim();
  }
}

// ---------------------------------------------------------------------------------------------
// FIND clause

/** Finds the end of `{...}` (backslash escapes a brace) and returns the inner text. */
function braced(sosl: string, open: number): { inner: string; end: number } {
  let i = open + 1;
  while (i < sosl.length && sosl[i] !== '}') i += sosl[i] === '\\' ? 2 : 1;
  if (i >= sosl.length) throw unexpected(sosl, sosl.length, '');
  return { inner: sosl.slice(open + 1, i), end: i + 1 };
}

/** `'...'` with backslash escapes; the quotes are the delimiters, the escapes stay for the term parser. */
function quoted(sosl: string, open: number): { inner: string; end: number } {
  let i = open + 1;
  let inner = '';
  while (i < sosl.length && sosl[i] !== "'") {
    if (sosl[i] === '\\' && sosl[i + 1] === "'") {
      inner += "'";
      i += 2;
    } else {
      inner += sosl[i] ?? '';
      i += 1;
    }
  }
  if (i >= sosl.length) throw unexpected(sosl, open, sosl.slice(open));
  return { inner, end: i + 1 };
}

export function parseSosl(sosl: string): SoslQuery {
  const m = /^\s*FIND\b\s*/i.exec(sosl);
  if (m === null) {
    const first = /\S+/.exec(sosl);
    throw unexpected(sosl, first?.index ?? 0, first?.[0] ?? '');
  }
  const open = m[0].length;
  const delimiter = sosl[open];
  if (delimiter !== '{' && delimiter !== "'") throw new SoslSyntaxError({ errorCode: 'MALFORMED_SEARCH', message: NO_TERM });
  const { inner, end } = delimiter === '{' ? braced(sosl, open) : quoted(sosl, open);
  if (inner.trim() === '') throw new SoslSyntaxError({ errorCode: 'MALFORMED_SEARCH', message: NO_TERM });
  const search = parseSearchExpression(inner);
  const cursor = new Cursor(sosl, tokenize(sosl, end));
  const query: SoslQuery = { search, scope: 'ALL', returning: null, limit: null, metadataLabels: false };
  if (cursor.isWord('IN')) {
    cursor.next();
    const scope = cursor.next();
    const name = scope?.text.toUpperCase();
    if (scope === undefined || scope.kind !== 'word' || (name !== 'ALL' && name !== 'NAME' && name !== 'EMAIL' && name !== 'PHONE' && name !== 'SIDEBAR')) {
      throw unexpected(sosl, scope?.start ?? sosl.length, scope?.text ?? '');
    }
    query.scope = name;
    cursor.expectWord('FIELDS');
  }
  if (cursor.isWord('RETURNING')) {
    cursor.next();
    query.returning = [parseReturningObject(cursor)];
    while (cursor.isPunct(',')) {
      cursor.next();
      query.returning.push(parseReturningObject(cursor));
    }
  }
  parseTrailingClauses(cursor, query);
  return query;
}

/** WITH clauses (accepted; only METADATA changes the answer), LIMIT, UPDATE TRACKING|VIEWSTAT. */
function parseTrailingClauses(cursor: Cursor, query: SoslQuery): void {
  while (cursor.peek() !== undefined) {
    if (cursor.isWord('WITH')) {
      cursor.next();
      parseWith(cursor, query);
    } else if (cursor.isWord('LIMIT') && query.limit === null) {
      cursor.next();
      query.limit = cursor.expectInteger();
    } else if (cursor.isWord('UPDATE') && (cursor.isWord('TRACKING', 1) || cursor.isWord('VIEWSTAT', 1))) {
      cursor.next();
      cursor.next();
    } else {
      throw cursor.fail();
    }
  }
}

function parseWith(cursor: Cursor, query: SoslQuery): void {
  const head = cursor.next();
  const word = head?.kind === 'word' ? head.text.toUpperCase() : '';
  switch (word) {
    case 'METADATA': {
      cursor.expectPunct('=');
      const value = cursor.next();
      if (value === undefined || value.kind !== 'string') throw unexpected(cursor.sosl, value?.start ?? cursor.sosl.length, value?.text ?? '');
      query.metadataLabels = value.text.slice(1, -1).toUpperCase() === 'LABELS';
      return;
    }
    case 'DIVISION':
    case 'PRICEBOOKID':
    case 'SPELL_CORRECTION':
      cursor.expectPunct('=');
      if (cursor.next() === undefined) throw cursor.fail();
      return;
    case 'NETWORK':
      if (cursor.isWord('IN')) {
        cursor.next();
        skipParenthesised(cursor);
      } else {
        cursor.expectPunct('=');
        if (cursor.next() === undefined) throw cursor.fail();
      }
      return;
    case 'SNIPPET':
      if (cursor.isPunct('(')) skipParenthesised(cursor);
      return;
    case 'HIGHLIGHT':
    case 'USER_MODE':
    case 'SYSTEM_MODE':
    case 'SECURITY_ENFORCED':
      return;
    case 'DATA':
      // WITH DATA CATEGORY group AT|ABOVE|BELOW|ABOVE_OR_BELOW cat [AND ...]: accepted, no effect
      // (the emulator has no Knowledge data categories).
      cursor.expectWord('CATEGORY');
      while (cursor.peek() !== undefined && !cursor.isWord('WITH') && !cursor.isWord('LIMIT') && !cursor.isWord('UPDATE')) {
        if (cursor.isPunct('(')) skipParenthesised(cursor);
        else cursor.next();
      }
      return;
    default:
      throw unexpected(cursor.sosl, head?.start ?? cursor.sosl.length, head?.text ?? '');
  }
}

function skipParenthesised(cursor: Cursor): void {
  cursor.expectPunct('(');
  let depth = 1;
  while (depth > 0) {
    const t = cursor.next();
    if (t === undefined) throw cursor.fail();
    if (t.kind === 'punct' && t.text === '(') depth += 1;
    if (t.kind === 'punct' && t.text === ')') depth -= 1;
  }
}

const CLAUSE_WORDS = new Set(['WHERE', 'ORDER', 'LIMIT', 'OFFSET', 'USING']);

function parseReturningObject(cursor: Cursor): ReturningObject {
  const nameToken = cursor.next();
  if (nameToken === undefined || nameToken.kind !== 'word' || nameToken.text.includes('.')) {
    throw unexpected(cursor.sosl, nameToken?.start ?? cursor.sosl.length, nameToken?.text ?? '');
  }
  const spec: ReturningObject = { name: nameToken.text, at: nameToken.start, fields: null, where: null, orderBy: null, limit: null, offset: null };
  if (!cursor.isPunct('(')) return spec;
  cursor.next();
  spec.fields = readUntilClause(cursor, 'field list');
  while (!cursor.isPunct(')')) {
    const t = cursor.peek();
    const word = t?.kind === 'word' ? t.text.toUpperCase() : '';
    if (word === 'USING') {
      // USING LISTVIEW = name: accepted, the emulator has no list views.
      cursor.next();
      cursor.expectWord('LISTVIEW');
      cursor.expectPunct('=');
      if (cursor.next() === undefined) throw cursor.fail();
    } else if (word === 'WHERE' && spec.where === null) {
      cursor.next();
      spec.where = readUntilClause(cursor, 'condition');
    } else if (word === 'ORDER' && spec.orderBy === null && cursor.isWord('BY', 1)) {
      cursor.next();
      cursor.next();
      spec.orderBy = readUntilClause(cursor, 'order');
    } else if (word === 'LIMIT' && spec.limit === null) {
      cursor.next();
      spec.limit = cursor.expectInteger();
    } else if (word === 'OFFSET' && spec.offset === null) {
      cursor.next();
      spec.offset = cursor.expectInteger();
    } else {
      throw cursor.fail();
    }
  }
  cursor.next();
  return spec;
}

/** Source text up to the next clause keyword or the closing parenthesis, at nesting depth 0. */
function readUntilClause(cursor: Cursor, what: string): string {
  const first = cursor.peek();
  if (first === undefined) throw cursor.fail();
  let depth = 0;
  for (;;) {
    const t = cursor.peek();
    if (t === undefined) throw cursor.fail();
    if (depth === 0 && t.kind === 'punct' && t.text === ')') break;
    if (depth === 0 && t.kind === 'word' && CLAUSE_WORDS.has(t.text.toUpperCase()) && t !== first) {
      // ORDER is only a clause before BY; a field could be named Order__c but not ORDER.
      if (t.text.toUpperCase() !== 'ORDER' || cursor.isWord('BY', 1)) break;
    }
    if (t.kind === 'punct' && t.text === '(') depth += 1;
    if (t.kind === 'punct' && t.text === ')') depth -= 1;
    cursor.next();
  }
  const text = cursor.textSince(first);
  if (text === '' || (first.kind === 'word' && CLAUSE_WORDS.has(first.text.toUpperCase()) && what === 'field list')) throw unexpected(cursor.sosl, first.start, first.text);
  return text;
}

// ---------------------------------------------------------------------------------------------
// The search expression: terms, "phrases", AND, OR, AND NOT, parentheses; adjacent terms AND.

interface ExprToken {
  kind: 'term' | 'phrase' | 'and' | 'or' | 'andNot' | 'open' | 'close';
  text: string;
}

function tokenizeExpression(expr: string): ExprToken[] {
  const out: ExprToken[] = [];
  let i = 0;
  while (i < expr.length) {
    const c = expr[i] ?? '';
    if (/\s/.test(c)) {
      i += 1;
    } else if (c === '(' || c === ')') {
      out.push({ kind: c === '(' ? 'open' : 'close', text: c });
      i += 1;
    } else if (c === '"') {
      let text = '';
      i += 1;
      while (i < expr.length && expr[i] !== '"') {
        if (expr[i] === '\\' && i + 1 < expr.length) i += 1;
        text += expr[i] ?? '';
        i += 1;
      }
      if (i >= expr.length) throw new SoslSyntaxError({ errorCode: 'MALFORMED_SEARCH', message: `mismatched quotes in search term: ${expr}` });
      i += 1;
      out.push({ kind: 'phrase', text });
    } else {
      let text = '';
      while (i < expr.length && !/[\s()"]/.test(expr[i] ?? '')) {
        // An escaped character is literal: \* searches for an asterisk, \" for a quote.
        if (expr[i] === '\\' && i + 1 < expr.length) {
          text += `\\${expr[i + 1] ?? ''}`;
          i += 2;
        } else {
          text += expr[i] ?? '';
          i += 1;
        }
      }
      const upper = text.toUpperCase();
      if (upper === 'AND' || upper === 'OR' || upper === 'NOT') out.push({ kind: upper === 'AND' ? 'and' : upper === 'OR' ? 'or' : 'andNot', text });
      else out.push({ kind: 'term', text });
    }
  }
  // "AND NOT" is one operator; a NOT alone acts as AND NOT too (Salesforce reads "a NOT b" so).
  const merged: ExprToken[] = [];
  for (const t of out) {
    const last = merged[merged.length - 1];
    if (t.kind === 'andNot' && last?.kind === 'and') merged[merged.length - 1] = { kind: 'andNot', text: 'AND NOT' };
    else merged.push(t);
  }
  return merged;
}

/** Parses the text between the braces (also the `q` of a parameterized search). */
export function parseSearchExpression(expr: string): SearchNode {
  const tokens = tokenizeExpression(expr);
  let i = 0;
  const fail = (): SoslSyntaxError => new SoslSyntaxError({ errorCode: 'MALFORMED_SEARCH', message: `syntax error in search term: ${expr.trim()}` });
  const primary = (): SearchNode => {
    const t = tokens[i];
    if (t === undefined) throw fail();
    i += 1;
    if (t.kind === 'open') {
      const inner = or();
      if (tokens[i]?.kind !== 'close') throw fail();
      i += 1;
      return inner;
    }
    if (t.kind === 'term' || t.kind === 'phrase') {
      checkLength(t.text);
      return { kind: t.kind, text: t.text };
    }
    throw fail();
  };
  const and = (): SearchNode => {
    let left = primary();
    for (;;) {
      const t = tokens[i];
      if (t === undefined || t.kind === 'or' || t.kind === 'close') return left;
      if (t.kind === 'and' || t.kind === 'andNot') i += 1;
      const right = primary();
      left = { kind: t.kind === 'andNot' ? 'andNot' : 'and', left, right };
    }
  };
  const or = (): SearchNode => {
    let left = and();
    while (tokens[i]?.kind === 'or') {
      i += 1;
      left = { kind: 'or', left, right: and() };
    }
    return left;
  };
  const node = or();
  if (i < tokens.length) throw fail();
  return node;
}

/** Salesforce refuses a search term of fewer than two characters (wildcards not counted). */
function checkLength(text: string): void {
  const letters = text.replace(/\\(.)/g, '$1').replace(/[*?]/g, '').trim();
  if ([...letters].length < 2) {
    throw new SoslSyntaxError({ errorCode: 'INVALID_SEARCH', message: `search term must be longer than one character: ${text}` });
  }
}
