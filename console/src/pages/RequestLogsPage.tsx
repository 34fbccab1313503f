import { Title } from '@mantine/core';

export function RequestLogsPage() {
  return <Title order={2}>Request Logs</Title>;
}
