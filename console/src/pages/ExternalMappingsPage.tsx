import { Title } from '@mantine/core';

export function ExternalMappingsPage() {
  return <Title order={2}>External Mappings</Title>;
}
