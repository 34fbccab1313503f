import { Badge } from '@mantine/core';

// Outlined, in dark tones whose text keeps a contrast above 7:1 on white and on the light greys
// of the console (WCAG AAA); the text says the status, the colour only repeats it.
const TONES: Record<string, string> = { green: '#1b5e20', red: '#b71c1c', orange: '#8a3c00', blue: '#1a4fa0', gray: '#424242' };
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
    <Badge color={TONES[COLORS[status] ?? 'gray'] ?? '#424242'} variant="outline" style={{ flexShrink: 0, minWidth: 'max-content' }}>
      {text}
    </Badge>
  );
}
