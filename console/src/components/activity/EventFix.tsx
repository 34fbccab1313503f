import { Anchor, Code, Group, Stack, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api, messageOf, unwrap, type Schemas } from '../../api/client.ts';

type Event = Schemas['Event'];

// The records that name an account: the event's record is read to find the account to map.
const ACCOUNT_OF: Record<string, (id: string) => Promise<string | null | undefined>> = {
  bills: async (id) => unwrap(await api.GET('/api/v1/bills/{id}', { params: { path: { id } } })).accountId,
  contacts: async (id) => unwrap(await api.GET('/api/v1/contacts/{id}', { params: { path: { id } } })).accountId,
  contracts: async (id) => unwrap(await api.GET('/api/v1/contracts/{id}', { params: { path: { id } } })).accountId,
  commitments: async (id) => unwrap(await api.GET('/api/v1/commitments/{id}', { params: { path: { id } } })).accountId,
  balances: async (id) => unwrap(await api.GET('/api/v1/balances/{id}', { params: { path: { id } } })).accountId,
  subscriptions: async (id) => unwrap(await api.GET('/api/v1/subscriptions/{id}', { params: { path: { id } } })).accountId,
  tickets: async (id) => unwrap(await api.GET('/api/v1/tickets/{id}', { params: { path: { id } } })).accountId,
};

/** Where the external mappings page opens its form filled in for this account and integration. */
export function mappingFixUrl(integrationId: string, accountId: string | null): string {
  const query = new URLSearchParams({ create: '1', entity: 'accounts', ...(accountId !== null ? { entityId: accountId } : {}), integrationId });
  return `/external-mappings?${query.toString()}`;
}

function MissingMappingFix({ event }: { event: Event }) {
  const direct = event.entity === 'accounts' ? event.entityId : null;
  const lookup = event.entity !== null && event.entityId !== null ? ACCOUNT_OF[event.entity] : undefined;
  const account = useQuery({
    queryKey: ['event-account', event.entity, event.entityId],
    queryFn: async () => (await lookup!(event.entityId!)) ?? null,
    enabled: direct === null && lookup !== undefined,
    staleTime: Infinity,
  });
  const accountId = direct ?? account.data ?? null;
  if (account.isPending && lookup !== undefined && direct === null) return <Text size="sm" c="gray.7">Finding the record&apos;s account…</Text>;
  return (
    <Stack gap={2}>
      <Anchor component={Link} to={mappingFixUrl(event.integrationId, accountId)} size="sm">
        Create the missing account mapping
      </Anchor>
      {account.error !== null && (
        <Text size="sm" c="red.9">
          The record&apos;s account could not be read ({messageOf(account.error)}); choose the account in the form.
        </Text>
      )}
    </Stack>
  );
}

/** Links to where the cause of an event is fixed. */
export function EventFix({ event }: { event: Event }) {
  const record = event.entity !== null && event.entityId !== null ? `/api/v1/${event.entity}/${event.entityId}` : null;
  if (event.name === 'integration.missing_account_mapping.error') return <MissingMappingFix event={event} />;
  if (event.name !== 'integration.validation.error' && event.name !== 'integration.incoming_refused.error') return null;
  return (
    <Group gap="md">
      <Anchor component={Link} to={`/integrations/${event.integrationId}`} size="sm">
        Open the integration&apos;s mapping
      </Anchor>
      {record !== null && (
        <Anchor href={record} size="sm" target="_blank" rel="noreferrer">
          Open the record <Code>{`${event.entity}/${event.entityId}`}</Code> (API)
        </Anchor>
      )}
    </Group>
  );
}
