import { Text } from '@mantine/core';

/** Placeholder until the page that owns this table fills it in. */
export function RequestLogTable(_props: { integrationId?: string; runId?: string }) {
  return <Text>RequestLogTable</Text>;
}
