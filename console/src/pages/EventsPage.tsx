import { Title } from '@mantine/core';

export function EventsPage() {
  return <Title order={2}>Events</Title>;
}
