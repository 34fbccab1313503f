import { Anchor, Group, Select, Switch, Table, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api, unwrap, type Schemas } from '../api/client.ts';
import { ErrorAlert } from '../components/ErrorAlert.tsx';
import { formatDateTime, LIVE_REFRESH_MS } from '../components/format.ts';
import { PageTitle } from '../components/PageTitle.tsx';
import { SyncLogTable } from '../components/SyncLogTable.tsx';
import { ConflictQueue } from '../components/sync/ConflictQueue.tsx';
import { INCOMING_ENTITY_TYPES, READ_ONLY_ENTITY_TYPES } from '../components/integration-form/options.ts';

type Integration = Schemas['Integration'];
type SyncPatch = Partial<Pick<Integration['sync'], 'incoming' | 'direction' | 'conflictPolicy'>>;


const DIRECTIONS = [
  { value: 'to_salesforce', label: 'Ferry → Salesforce' },
  { value: 'from_salesforce', label: 'Salesforce → Ferry' },
  { value: 'both', label: 'Both ways' },
];
const POLICIES = [
  { value: 'hold', label: 'Hold for review' },
  { value: 'ferry_wins', label: 'Ferry wins' },
  { value: 'salesforce_wins', label: 'Salesforce wins' },
  { value: 'newest_wins', label: 'Newest wins' },
];

function IncomingCell({ integration }: { integration: Integration }) {
  const status = useQuery({
    queryKey: ['incoming', integration.id],
    queryFn: async () => unwrap(await api.GET('/api/v1/integrations/{id}/incoming', { params: { path: { id: integration.id } } })),
    refetchInterval: LIVE_REFRESH_MS,
  });
  if (status.error !== null) return <ErrorAlert error={status.error} title="Not readable" />;
  const s = status.data;
  if (s === undefined) return <Text size="sm">…</Text>;
  if (s.direction === 'to_salesforce') return <Text size="sm">Not reading (sends only)</Text>;
  return (
    <Text size="sm" component="div">
      <div>{s.switchedOn ? 'Reading' : 'Switched off'}{s.reader === null ? '' : ` by ${s.reader === 'cdc' ? 'change events' : 'polling'}`}</div>
      <Text size="xs" c="gray.7">
        Last read {formatDateTime(s.lastReadAt)}
        {s.pendingEvents > 0 && ` · ${s.pendingEvents} events waiting`}
        {s.rereading !== null && ` · re-reading since ${formatDateTime(s.rereading.since)}: ${s.rereading.reason}`}
      </Text>
    </Text>
  );
}

function IntegrationRow({ integration }: { integration: Integration }) {
  const client = useQueryClient();
  const update = useMutation({
    mutationFn: async (sync: SyncPatch) =>
      unwrap(await api.PATCH('/api/v1/integrations/{id}', { params: { path: { id: integration.id } }, body: { version: integration.version, sync } })),
    onSuccess: async () => {
      await client.invalidateQueries({ queryKey: ['integrations'] });
      await client.invalidateQueries({ queryKey: ['incoming', integration.id] });
    },
  });
  const sync = integration.sync;
  const name = integration.name;
  return (
    <>
      <Table.Tr>
        <Table.Td>
          <Anchor component={Link} to={`/integrations/${integration.id}`}>
            {name}
          </Anchor>
          <Text size="xs" c="gray.7">
            {integration.entityType}
          </Text>
        </Table.Td>
        <Table.Td>
          <Switch aria-label={`Read Salesforce changes for ${name}`} checked={sync.incoming} disabled={update.isPending} onChange={(event) => update.mutate({ incoming: event.currentTarget.checked })} />
        </Table.Td>
        <Table.Td>
          <Select
            aria-label={`Direction of ${name}`}
            size="xs"
            w={180}
            allowDeselect={false}
            disabled={READ_ONLY_ENTITY_TYPES.includes(integration.entityType) || update.isPending}
            data={DIRECTIONS}
            value={sync.direction}
            onChange={(value) => value !== null && update.mutate({ direction: value as Integration['sync']['direction'] })}
          />
        </Table.Td>
        <Table.Td>
          <Select
            aria-label={`Conflict policy of ${name}`}
            size="xs"
            w={170}
            allowDeselect={false}
            disabled={update.isPending}
            data={POLICIES}
            value={sync.conflictPolicy}
            onChange={(value) => value !== null && update.mutate({ conflictPolicy: value as Integration['sync']['conflictPolicy'] })}
          />
        </Table.Td>
        <Table.Td>
          <IncomingCell integration={integration} />
        </Table.Td>
      </Table.Tr>
      {update.error !== null && (
        <Table.Tr>
          <Table.Td colSpan={5}>
            <ErrorAlert error={update.error} title={`${name} was not changed`} />
          </Table.Td>
        </Table.Tr>
      )}
    </>
  );
}

/** Two-way sync: the organization's switch, each reading integration's, the conflict queue and the log. */
export function TwoWaySyncPage() {
  const client = useQueryClient();
  const settings = useQuery({ queryKey: ['sync-settings'], queryFn: async () => unwrap(await api.GET('/api/v1/sync/settings')) });
  const integrations = useQuery({ queryKey: ['integrations'], queryFn: async () => unwrap(await api.GET('/api/v1/integrations')).data });
  const master = useMutation({
    mutationFn: async (incoming: boolean) => unwrap(await api.PUT('/api/v1/sync/settings', { body: { incoming } })),
    onSuccess: async (saved) => {
      client.setQueryData(['sync-settings'], saved);
      await client.invalidateQueries({ queryKey: ['incoming'] });
    },
  });
  const reading = (integrations.data ?? []).filter((i) => INCOMING_ENTITY_TYPES.includes(i.entityType));
  const names = new Map((integrations.data ?? []).map((i) => [i.id, i.name]));

  return (
    <>
      <PageTitle title="Two-way sync" />
      <ErrorAlert error={settings.error} title="The sync settings could not be read" />
      <ErrorAlert error={master.error} title="The switch was not changed" />
      {settings.data !== undefined && (
        <Group mb="xs">
          <Switch
            size="md"
            label="Read Salesforce changes back (the organization's master switch)"
            checked={settings.data.incoming}
            disabled={master.isPending}
            onChange={(event) => master.mutate(event.currentTarget.checked)}
          />
        </Group>
      )}
      <Text size="sm" c="gray.7" mb="lg">
        Off: no integration reads Salesforce changes, whatever its own switch; each resumes where it stopped when switched on again. Ferry&apos;s own writes never come back as changes.
      </Text>

      <Title order={3} mb="sm">
        Integrations that can read back
      </Title>
      <ErrorAlert error={integrations.error} title="The integrations could not be read" />
      {integrations.data !== undefined && reading.length === 0 && <Text c="gray.7">No Account, Contact, Ticket or Subscription integration yet.</Text>}
      {reading.length > 0 && (
        <Table.ScrollContainer minWidth={960} type="native">
          <Table striped aria-label="Integrations that can read back">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Integration</Table.Th>
                <Table.Th>Reads</Table.Th>
                <Table.Th>Direction</Table.Th>
                <Table.Th>Conflict policy</Table.Th>
                <Table.Th>Incoming</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {reading.map((integration) => (
                <IntegrationRow key={`${integration.id}-${integration.version}`} integration={integration} />
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}

      <Title order={3} mt="xl" mb="sm">
        Conflicts waiting for review
      </Title>
      <ConflictQueue integrationNames={names} />

      <Title order={3} mt="xl" mb="sm">
        Sync log
      </Title>
      <SyncLogTable />
    </>
  );
}
