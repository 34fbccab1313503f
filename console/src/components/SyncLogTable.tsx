import { Text } from '@mantine/core';

/** Placeholder until the page that owns this table fills it in. */
export function SyncLogTable(_props: { integrationId?: string }) {
  return <Text>SyncLogTable</Text>;
}
