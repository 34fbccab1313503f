/** Dates and durations as the console shows them: the person's locale and time zone. */
const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

export function formatDateTime(value: string | null | undefined): string {
  if (value === null || value === undefined) return '—';
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : dateTime.format(date);
}

export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** The time between two instants, or since the first until now when the second is missing. */
export function durationBetween(start: string | null | undefined, end: string | null | undefined): number | null {
  if (start === null || start === undefined) return null;
  const to = end === null || end === undefined ? Date.now() : Date.parse(end);
  return to - Date.parse(start);
}

/** How often live lists (runs, events, request logs) refresh while they are on screen. */
export const LIVE_REFRESH_MS = 2000;
