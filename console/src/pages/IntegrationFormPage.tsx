import { Title } from '@mantine/core';

export function IntegrationFormPage() {
  return <Title order={2}>Integration Form</Title>;
}
