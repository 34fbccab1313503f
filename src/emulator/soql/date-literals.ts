// SOQL date literals (TODAY, LAST_N_DAYS:n, THIS_QUARTER, ...) as half-open UTC ranges
// [start, end) in epoch ms. The emulator's org runs in GMT, so "today" is the UTC day; weeks
// start on Sunday as in the en_US locale.

const DAY = 86_400_000;

export interface DateRange {
  start: number;
  end: number;
}

function startOfDay(ms: number): number {
  return Math.floor(ms / DAY) * DAY;
}

function monthStart(year: number, month: number): number {
  return Date.UTC(year, month, 1);
}

function addMonths(ms: number, months: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, d.getUTCDate());
}

/** Resolves a date literal to its range, or undefined when the literal is unknown. */
export function dateLiteralRange(literal: string, now: number): DateRange | undefined {
  const [rawName, rawN] = literal.toUpperCase().split(':');
  const name = rawName ?? '';
  const n = rawN === undefined ? 0 : Number(rawN);
  if (rawN !== undefined && (!Number.isInteger(n) || n < 0)) return undefined;
  const today = startOfDay(now);
  const d = new Date(today);
  const year = d.getUTCFullYear();
  const month = d.getUTCMonth();
  const weekStart = today - d.getUTCDay() * DAY;
  const quarterStart = monthStart(year, month - (month % 3));
  switch (name) {
    case 'YESTERDAY':
      return { start: today - DAY, end: today };
    case 'TODAY':
      return { start: today, end: today + DAY };
    case 'TOMORROW':
      return { start: today + DAY, end: today + 2 * DAY };
    case 'LAST_WEEK':
      return { start: weekStart - 7 * DAY, end: weekStart };
    case 'THIS_WEEK':
      return { start: weekStart, end: weekStart + 7 * DAY };
    case 'NEXT_WEEK':
      return { start: weekStart + 7 * DAY, end: weekStart + 14 * DAY };
    case 'LAST_MONTH':
      return { start: monthStart(year, month - 1), end: monthStart(year, month) };
    case 'THIS_MONTH':
      return { start: monthStart(year, month), end: monthStart(year, month + 1) };
    case 'NEXT_MONTH':
      return { start: monthStart(year, month + 1), end: monthStart(year, month + 2) };
    case 'LAST_90_DAYS':
      return { start: today - 90 * DAY, end: today + DAY };
    case 'NEXT_90_DAYS':
      return { start: today + DAY, end: today + 91 * DAY };
    case 'THIS_QUARTER':
      return { start: quarterStart, end: addMonths(quarterStart, 3) };
    case 'LAST_QUARTER':
      return { start: addMonths(quarterStart, -3), end: quarterStart };
    case 'NEXT_QUARTER':
      return { start: addMonths(quarterStart, 3), end: addMonths(quarterStart, 6) };
    case 'THIS_YEAR':
      return { start: Date.UTC(year, 0, 1), end: Date.UTC(year + 1, 0, 1) };
    case 'LAST_YEAR':
      return { start: Date.UTC(year - 1, 0, 1), end: Date.UTC(year, 0, 1) };
    case 'NEXT_YEAR':
      return { start: Date.UTC(year + 1, 0, 1), end: Date.UTC(year + 2, 0, 1) };
    case 'LAST_N_DAYS':
      return { start: today - n * DAY, end: today + DAY };
    case 'NEXT_N_DAYS':
      return { start: today + DAY, end: today + (n + 1) * DAY };
    case 'N_DAYS_AGO':
      return { start: today - n * DAY, end: today - (n - 1) * DAY };
    case 'LAST_N_WEEKS':
      return { start: weekStart - n * 7 * DAY, end: weekStart };
    case 'NEXT_N_WEEKS':
      return { start: weekStart + 7 * DAY, end: weekStart + (n + 1) * 7 * DAY };
    case 'N_WEEKS_AGO':
      return { start: weekStart - n * 7 * DAY, end: weekStart - (n - 1) * 7 * DAY };
    case 'LAST_N_MONTHS':
      return { start: monthStart(year, month - n), end: monthStart(year, month) };
    case 'NEXT_N_MONTHS':
      return { start: monthStart(year, month + 1), end: monthStart(year, month + 1 + n) };
    case 'N_MONTHS_AGO':
      return { start: monthStart(year, month - n), end: monthStart(year, month - n + 1) };
    case 'LAST_N_QUARTERS':
      return { start: addMonths(quarterStart, -3 * n), end: quarterStart };
    case 'NEXT_N_QUARTERS':
      return { start: addMonths(quarterStart, 3), end: addMonths(quarterStart, 3 * (n + 1)) };
    case 'LAST_N_YEARS':
      return { start: Date.UTC(year - n, 0, 1), end: Date.UTC(year, 0, 1) };
    case 'NEXT_N_YEARS':
      return { start: Date.UTC(year + 1, 0, 1), end: Date.UTC(year + 1 + n, 0, 1) };
    case 'N_YEARS_AGO':
      return { start: Date.UTC(year - n, 0, 1), end: Date.UTC(year - n + 1, 0, 1) };
    default:
      return undefined;
  }
}
