import { Text } from '@mantine/core';

/** Placeholder until the page that owns this table fills it in. */
export function EventsTable(_props: { integrationId?: string; runId?: string }) {
  return <Text>EventsTable</Text>;
}
