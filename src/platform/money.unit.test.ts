import { describe, expect, it } from 'vitest';
import { equalAmounts, sum } from './money.ts';

describe('money sums', () => {
  it('add the largest amounts Ferry accepts without losing a digit', () => {
    // With decimal.js's default of 20 significant digits these give 1000000000000000000 and
    // 123456789012345678.12.
    expect(sum(['999999999999999999.99', '0.02']).toFixed()).toBe('1000000000000000000.01');
    expect(sum(['123456789012345678.123456789012', '0']).toFixed()).toBe('123456789012345678.123456789012');
    expect(sum(['999999999999999999.999999999999', '0.000000000001', '-0.5']).toFixed()).toBe('999999999999999999.5');
    expect(equalAmounts(sum(['123456789012345678.12', '0.01']), '123456789012345678.13')).toBe(true);
    expect(equalAmounts(sum(['123456789012345678.12', '0.01']), '123456789012345678.12')).toBe(false);
  });
});
