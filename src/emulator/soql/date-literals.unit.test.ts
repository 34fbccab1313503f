import { describe, expect, it } from 'vitest';
import { dateLiteralRange } from './date-literals.ts';

// Wednesday 2024-05-15 13:45 UTC.
const NOW = Date.UTC(2024, 4, 15, 13, 45);
const iso = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString().slice(0, 10));

describe('date literals', () => {
  it('resolves TODAY, YESTERDAY and TOMORROW to whole UTC days', () => {
    expect(iso(dateLiteralRange('TODAY', NOW)?.start)).toBe('2024-05-15');
    expect(iso(dateLiteralRange('TODAY', NOW)?.end)).toBe('2024-05-16');
    expect(iso(dateLiteralRange('YESTERDAY', NOW)?.start)).toBe('2024-05-14');
    expect(iso(dateLiteralRange('TOMORROW', NOW)?.start)).toBe('2024-05-16');
  });

  it('counts LAST_N_DAYS back from today and includes today', () => {
    const r = dateLiteralRange('LAST_N_DAYS:7', NOW);
    expect(iso(r?.start)).toBe('2024-05-08');
    expect(iso(r?.end)).toBe('2024-05-16');
    expect(iso(dateLiteralRange('N_DAYS_AGO:2', NOW)?.start)).toBe('2024-05-13');
  });

  it('starts weeks on Sunday and quarters on Jan, Apr, Jul, Oct', () => {
    expect(iso(dateLiteralRange('THIS_WEEK', NOW)?.start)).toBe('2024-05-12');
    expect(iso(dateLiteralRange('THIS_QUARTER', NOW)?.start)).toBe('2024-04-01');
    expect(iso(dateLiteralRange('LAST_QUARTER', NOW)?.start)).toBe('2024-01-01');
    expect(iso(dateLiteralRange('THIS_MONTH', NOW)?.end)).toBe('2024-06-01');
    expect(iso(dateLiteralRange('LAST_YEAR', NOW)?.start)).toBe('2023-01-01');
    expect(iso(dateLiteralRange('NEXT_N_MONTHS:2', NOW)?.end)).toBe('2024-08-01');
  });

  it('rejects unknown literals and bad counts', () => {
    expect(dateLiteralRange('SOMEDAY', NOW)).toBeUndefined();
    expect(dateLiteralRange('LAST_N_DAYS:x', NOW)).toBeUndefined();
  });
});
