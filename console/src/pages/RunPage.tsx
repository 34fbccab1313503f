import { Title } from '@mantine/core';

export function RunPage() {
  return <Title order={2}>Run</Title>;
}
