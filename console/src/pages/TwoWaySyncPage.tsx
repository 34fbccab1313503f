import { Title } from '@mantine/core';

export function TwoWaySyncPage() {
  return <Title order={2}>Two Way Sync</Title>;
}
