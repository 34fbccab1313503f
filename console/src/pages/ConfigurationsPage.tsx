import { Title } from '@mantine/core';

export function ConfigurationsPage() {
  return <Title order={2}>Configurations</Title>;
}
