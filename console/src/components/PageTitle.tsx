import { Group, Title } from '@mantine/core';
import { useEffect, type ReactNode } from 'react';

/** The page's heading (level 2, under the app's name) and the browser tab's title; actions on the right. */
export function PageTitle({ title, children }: { title: string; children?: ReactNode }) {
  useEffect(() => {
    document.title = `${title} · Ferry`;
  }, [title]);
  return (
    <Group justify="space-between" mb="md">
      <Title order={2}>{title}</Title>
      {children !== undefined && <Group gap="xs">{children}</Group>}
    </Group>
  );
}
