import { describe, expect, it } from 'vitest';
import { compileSearch, phoneWords, wordsOf } from './matcher.ts';
import { parseSearchExpression } from './parser.ts';

function finds(expr: string, ...fields: string[]): boolean {
  return compileSearch(parseSearchExpression(expr))(fields.map((f) => wordsOf(f)));
}

describe('compileSearch', () => {
  it('matches whole words case-insensitively, not substrings', () => {
    expect(finds('acme', 'ACME Corp')).toBe(true);
    expect(finds('acm', 'Acme Corp')).toBe(false);
  });

  it('reads * as any run and ? as one character', () => {
    expect(finds('ac*', 'Acme Corp')).toBe(true);
    expect(finds('a?me', 'Acme')).toBe(true);
    expect(finds('a?e', 'Acme')).toBe(false);
  });

  it('matches a phrase only as consecutive words in one field', () => {
    expect(finds('"acme corp"', 'Acme Corp')).toBe(true);
    expect(finds('"acme corp"', 'Corp Acme')).toBe(false);
    expect(finds('"acme corp"', 'Acme', 'Corp')).toBe(false);
  });

  it('treats a term with punctuation inside as the phrase of its words (emails, hyphens)', () => {
    expect(finds('jane.doe@acme.com', 'jane.doe@acme.com')).toBe(true);
    expect(finds('jane.doe@acme.com', 'john.doe@acme.com')).toBe(false);
  });

  it('combines terms with AND (also implicit), OR and AND NOT across fields', () => {
    expect(finds('acme widgets', 'Acme', 'Sells widgets')).toBe(true);
    expect(finds('acme AND gadgets', 'Acme', 'Sells widgets')).toBe(false);
    expect(finds('globex OR widgets', 'Acme', 'Sells widgets')).toBe(true);
    expect(finds('acme AND NOT widgets', 'Acme', 'Sells widgets')).toBe(false);
    expect(finds('acme AND NOT gadgets', 'Acme', 'Sells widgets')).toBe(true);
  });

  it('finds a phone number by its digits alone', () => {
    const test = compileSearch(parseSearchExpression('4155551212'));
    expect(test([phoneWords('(415) 555-1212')])).toBe(true);
    expect(test([wordsOf('(415) 555-1212')])).toBe(false);
  });
});
