import { describe, expect, it } from 'vitest';
import { parseSearchExpression, parseSosl, SoslSyntaxError, type SoslError } from './parser.ts';

function errorOf(fn: () => unknown): SoslError {
  try {
    fn();
  } catch (error) {
    if (error instanceof SoslSyntaxError) return error.error;
    throw error;
  }
  throw new Error('expected a SOSL error');
}

describe('parseSosl', () => {
  it('reads the search term, scope and each RETURNING object with its clauses as SOQL text', () => {
    const sosl = "FIND {Acme} IN NAME FIELDS RETURNING Account(Id, Name WHERE Industry = 'Energy' AND (Rating = 'Hot' OR Rating = null) ORDER BY Name DESC NULLS LAST LIMIT 5 OFFSET 2), Contact LIMIT 20";
    const q = parseSosl(sosl);
    expect(q.search).toEqual({ kind: 'term', text: 'Acme' });
    expect(q.scope).toBe('NAME');
    expect(q.limit).toBe(20);
    expect(q.returning).toEqual([
      { name: 'Account', at: sosl.indexOf('Account'), fields: 'Id, Name', where: "Industry = 'Energy' AND (Rating = 'Hot' OR Rating = null)", orderBy: 'Name DESC NULLS LAST', limit: 5, offset: 2 },
      { name: 'Contact', at: sosl.indexOf('Contact'), fields: null, where: null, orderBy: null, limit: null, offset: null },
    ]);
  });

  it('accepts the quoted form, WITH clauses and UPDATE TRACKING', () => {
    const q = parseSosl("find 'it\\'s here' returning Lead(Name) WITH METADATA = 'LABELS' WITH SPELL_CORRECTION = false WITH SNIPPET (target_length=120) LIMIT 3 UPDATE TRACKING");
    expect(q.search).toEqual({ kind: 'and', left: { kind: 'term', text: "it's" }, right: { kind: 'term', text: 'here' } });
    expect(q.metadataLabels).toBe(true);
    expect(q.limit).toBe(3);
    expect(q.returning?.[0]?.fields).toBe('Name');
  });

  it('keeps a field named like a clause word when it is not one (Order__c, ORDER without BY)', () => {
    const q = parseSosl('FIND {ab} RETURNING Case(Order__c, Subject ORDER BY Subject)');
    expect(q.returning?.[0]).toMatchObject({ fields: 'Order__c, Subject', orderBy: 'Subject' });
  });

  it('refuses a query without braces, an empty term and a one-character term as Salesforce does', () => {
    expect(errorOf(() => parseSosl('FIND Acme'))).toEqual({ errorCode: 'MALFORMED_SEARCH', message: 'No search term found. The search term must be enclosed in braces.' });
    expect(errorOf(() => parseSosl('FIND {  }')).errorCode).toBe('MALFORMED_SEARCH');
    expect(errorOf(() => parseSosl('FIND {a}'))).toEqual({ errorCode: 'INVALID_SEARCH', message: 'search term must be longer than one character: a' });
    expect(errorOf(() => parseSosl('FIND {a*}')).errorCode).toBe('INVALID_SEARCH');
  });

  it('points at the unexpected token with row and column', () => {
    const e = errorOf(() => parseSosl('FIND {Acme} RETURNING Account(Name) BOGUS'));
    expect(e.errorCode).toBe('MALFORMED_SEARCH');
    expect(e.message).toBe("\nFIND {Acme} RETURNING Account(Name) BOGUS\n                                    ^\nERROR at Row:1:Column:37\nunexpected token: 'BOGUS'");
    expect(errorOf(() => parseSosl('FIND {Acme} RETURNING Account(Name')).message).toContain('unexpected token: <EOF>');
    expect(errorOf(() => parseSosl('FIND {Acme} IN TITLE FIELDS')).message).toContain("unexpected token: 'TITLE'");
    expect(errorOf(() => parseSosl('SELECT Id FROM Account')).message).toContain("unexpected token: 'SELECT'");
    expect(errorOf(() => parseSosl('FIND {Acme} RETURNING Account(WHERE Name = null)')).errorCode).toBe('MALFORMED_SEARCH');
  });

  it('lets an escaped brace stay inside the term', () => {
    expect(parseSosl('FIND {a\\}b} RETURNING Account').search).toEqual({ kind: 'term', text: 'a\\}b' });
  });
});

describe('parseSearchExpression', () => {
  it('binds AND tighter than OR, reads AND NOT, quoted phrases and parentheses', () => {
    expect(parseSearchExpression('acme OR "big corp" AND NOT test')).toEqual({
      kind: 'or',
      left: { kind: 'term', text: 'acme' },
      right: { kind: 'andNot', left: { kind: 'phrase', text: 'big corp' }, right: { kind: 'term', text: 'test' } },
    });
    expect(parseSearchExpression('(acme or globex) widgets')).toEqual({
      kind: 'and',
      left: { kind: 'or', left: { kind: 'term', text: 'acme' }, right: { kind: 'term', text: 'globex' } },
      right: { kind: 'term', text: 'widgets' },
    });
  });

  it('refuses dangling operators and unbalanced parentheses', () => {
    expect(errorOf(() => parseSearchExpression('acme AND')).errorCode).toBe('MALFORMED_SEARCH');
    expect(errorOf(() => parseSearchExpression('(acme')).errorCode).toBe('MALFORMED_SEARCH');
    expect(errorOf(() => parseSearchExpression('"acme')).errorCode).toBe('MALFORMED_SEARCH');
  });
});
