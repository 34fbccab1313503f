import { Title } from '@mantine/core';

export function CredentialsPage() {
  return <Title order={2}>Credentials</Title>;
}
