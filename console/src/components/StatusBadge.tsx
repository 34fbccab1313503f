import { Badge } from '@mantine/core';

// Dark shades: the badges' text must keep its contrast (WCAG AA) on the light fill.
const COLORS: Record<string, string> = {
  CONNECTED: 'green',
  NOT_CONNECTED: 'orange',
  DISABLED: 'gray',
  COMPLETE: 'green',
  STARTED: 'blue',
  WAITING: 'gray',
  ERROR: 'red',
  AWAITING_RETRY: 'orange',
  AUTH_FAILED: 'red',
  RATE_LIMIT_RETRY: 'orange',
  INTERRUPTED: 'orange',
  Success: 'green',
  Failed: 'red',
  Waiting: 'gray',
  error: 'red',
  warning: 'orange',
  info: 'blue',
  connected: 'green',
  failed: 'red',
  untested: 'gray',
  awaiting_authorization: 'orange',
  unreadable: 'red',
  held: 'orange',
};

/** A status as a coloured label; the text says it, the colour only repeats it. */
export function StatusBadge({ status }: { status: string }) {
  const text = status === 'NOT_CONNECTED' ? 'NOT CONNECTED' : status.replaceAll('_', ' ');
  return (
    <Badge color={`${COLORS[status] ?? 'gray'}.9`} variant="light" autoContrast>
      {text}
    </Badge>
  );
}
