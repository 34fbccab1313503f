import { Title } from '@mantine/core';

export function RunsPage() {
  return <Title order={2}>Runs</Title>;
}
