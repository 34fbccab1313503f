import { Text } from '@mantine/core';

/** Placeholder until the page that owns this table fills it in. */
export function RunsTable(_props: { integrationId?: string }) {
  return <Text>RunsTable</Text>;
}
