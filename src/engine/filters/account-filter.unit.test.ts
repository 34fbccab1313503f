import { describe, expect, it } from 'vitest';
import { compileAccountFilter } from './account-filter.ts';

function matches(expression: string, account: Record<string, unknown>): boolean {
  const compiled = compileAccountFilter(expression);
  if (!compiled.ok) throw new Error(`${compiled.error.message} at ${compiled.error.position}`);
  return compiled.filter(account);
}

const uk = { id: 'a1', name: 'Acme', code: 'ACME', currency: 'GBP', address: { country: 'GB' }, customFields: { country: 'UK', tier: 2 } };
const bare = { id: 'a2', name: 'Bare', code: 'BARE' };

describe('account filter expressions', () => {
  it('routes by a custom field, treating a missing one as null', () => {
    const expression = 'customFields != null AND customFields.country == "UK"';
    expect(matches(expression, uk)).toBe(true);
    expect(matches(expression, bare)).toBe(false);
    expect(matches('customFields.country != "UK"', bare)).toBe(true);
  });

  it('supports OR, NOT, IN, comparisons, = as ==, and lower-case keywords', () => {
    expect(matches('currency IN ["GBP", "EUR"] and not (customFields.tier < 2)', uk)).toBe(true);
    expect(matches('address.country = "GB" OR code == "X"', uk)).toBe(true);
    expect(matches('customFields.tier >= 3 || name == "Bare"', bare)).toBe(true);
    expect(matches('customFields.tier > "1"', uk)).toBe(false);
  });

  it('refuses a syntax error with the position where it went wrong', () => {
    const dangling = compileAccountFilter('customFields.country == ');
    expect(dangling).toEqual({ ok: false, error: { message: expect.stringMatching(/Expected expression/), position: 24 } });
    const unclosed = compileAccountFilter('(currency == "GBP"');
    expect(unclosed).toEqual({ ok: false, error: { message: expect.stringMatching(/Unclosed \(/), position: 18 } });
    const trailing = compileAccountFilter('customFields.country == "UK" AND');
    expect(trailing).toEqual({ ok: false, error: { message: expect.stringContaining('join conditions with AND or OR'), position: 32 } });
  });

  it('refuses unknown fields and arithmetic, pointing at them', () => {
    const unknown = compileAccountFilter('customFields.country == "UK" AND colour == "red"');
    expect(unknown).toEqual({ ok: false, error: { message: expect.stringContaining('unknown account field "colour"'), position: 33 } });
    const nested = compileAccountFilter('address.planet == "Mars"');
    expect(nested).toEqual({ ok: false, error: { message: expect.stringContaining('"address" has no field "planet"'), position: 8 } });
    const arithmetic = compileAccountFilter('customFields.tier + 1 == 3');
    expect(arithmetic.ok).toBe(false);
  });
});
