import { AppShell, Anchor, Button, Group, NavLink, Text, Title } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { Link, useLocation, useNavigate } from 'react-router';
import { api } from '../api/client.ts';
import type { Session } from './session.ts';

const NAV = [
  { to: '/', label: 'Overview' },
  { to: '/integrations', label: 'Configurations' },
  { to: '/credentials', label: 'Credentials' },
  { to: '/runs', label: 'Runs' },
  { to: '/events', label: 'Events' },
  { to: '/request-logs', label: 'Request log' },
  { to: '/sync', label: 'Two-way sync' },
  { to: '/external-mappings', label: 'External mappings' },
  { to: '/api-keys', label: 'API keys' },
];

export function Layout({ session, children }: { session: Session; children: ReactNode }) {
  const location = useLocation();
  const navigate = useNavigate();
  const client = useQueryClient();
  const signOut = async () => {
    await api.DELETE('/api/v1/session');
    client.clear();
    client.setQueryData(['session'], null);
    await navigate('/sign-in');
  };
  const active = (to: string) => (to === '/' ? location.pathname === '/' : location.pathname.startsWith(to));
  return (
    <AppShell header={{ height: 56 }} navbar={{ width: 220, breakpoint: 'sm' }} padding="lg">
      <AppShell.Header>
        <Group h="100%" px="lg" justify="space-between">
          <Group gap="xs">
            <Title order={1} size="h3">
              Ferry
            </Title>
            <Text c="gray.7" size="sm">
              {session.organization.name}
            </Text>
          </Group>
          <Group gap="md">
            <Anchor href="/api/v1/docs" size="sm">
              API reference
            </Anchor>
            <Button variant="default" size="xs" onClick={() => void signOut()}>
              Sign out
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" aria-label="Console sections">
        <nav>
          {NAV.map((item) => (
            <NavLink key={item.to} component={Link} to={item.to} label={item.label} variant="filled" active={active(item.to)} aria-current={active(item.to) ? 'page' : undefined} />
          ))}
        </nav>
      </AppShell.Navbar>
      <AppShell.Main>{children}</AppShell.Main>
    </AppShell>
  );
}
