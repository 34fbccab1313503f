import { Title } from '@mantine/core';

export function IntegrationDetailsPage() {
  return <Title order={2}>Integration Details</Title>;
}
