import { Anchor, Button, Group, Loader, Paper, Select, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { api, unwrap, type Schemas } from '../api/client.ts';
import { ErrorAlert } from '../components/ErrorAlert.tsx';
import { formatDateTime, LIVE_REFRESH_MS } from '../components/format.ts';
import { PageTitle } from '../components/PageTitle.tsx';
import { StatusBadge } from '../components/StatusBadge.tsx';
import { ENTITY_TYPES, isEntityType, STATUSES, type EntityType, type IntegrationStatus } from '../components/integration-form/options.ts';

type Listed = Schemas['IntegrationWithLastRun'];

/** Configurations: every integration, grouped by entity type and destination, with how each stands. */
export function ConfigurationsPage() {
  const [entityType, setEntityType] = useState<EntityType | null>(null);
  const [status, setStatus] = useState<IntegrationStatus | null>(null);
  const [text, setText] = useState('');
  const integrations = useQuery({
    queryKey: ['integrations'],
    queryFn: async () => unwrap(await api.GET('/api/v1/integrations')).data,
    refetchInterval: LIVE_REFRESH_MS,
  });
  const needle = text.trim().toLowerCase();
  const shown = (integrations.data ?? []).filter(
    (integration) => (status === null || integration.status === status) && (needle === '' || integration.name.toLowerCase().includes(needle)),
  );
  const filtering = status !== null || needle !== '';
  return (
    <>
      <PageTitle title="Configurations" />
      <Group align="flex-end" mb="lg" gap="md">
        <Select
          label="Entity type"
          placeholder="All entity types"
          data={ENTITY_TYPES}
          value={entityType}
          onChange={(value) => setEntityType(isEntityType(value) ? value : null)}
          clearable
          w={200}
        />
        <Select
          label="Status"
          placeholder="Any status"
          data={STATUSES}
          value={status}
          onChange={(value) => setStatus(STATUSES.find((s) => s.value === value)?.value ?? null)}
          clearable
          w={200}
        />
        <TextInput label="Name" placeholder="Search by name" value={text} onChange={(event) => setText(event.currentTarget.value)} w={260} type="search" />
      </Group>
      <ErrorAlert error={integrations.error} title="The integrations could not be read" />
      {integrations.isPending && <Loader aria-label="Loading integrations" />}
      {integrations.data !== undefined && (
        <Stack gap="lg">
          {ENTITY_TYPES.filter((type) => entityType === null || type === entityType).map((type) => {
            const all = integrations.data.filter((integration) => integration.entityType === type);
            // Filtering by status or name leaves out the groups with nothing to show, except the one asked for.
            if (filtering && entityType === null && !shown.some((integration) => integration.entityType === type)) return null;
            return <IntegrationGroup key={type} entityType={type} integrations={shown.filter((integration) => integration.entityType === type)} total={all.length} />;
          })}
          {filtering && entityType === null && shown.length === 0 && <Text>No integration matches these filters.</Text>}
        </Stack>
      )}
    </>
  );
}

function IntegrationGroup({ entityType, integrations, total }: { entityType: EntityType; integrations: Listed[]; total: number }) {
  const headingId = `group-${entityType}`;
  return (
    <Paper component="section" withBorder p="md" aria-labelledby={headingId}>
      <Group justify="space-between" mb="sm">
        <Title order={3} size="h4" id={headingId}>
          {entityType} → Salesforce
        </Title>
        <Button component={Link} to={`/integrations/new?entityType=${entityType}`} variant="light" size="xs">
          Create new {entityType} integration
        </Button>
      </Group>
      {total === 0 ? (
        <Text c="gray.7" size="sm">
          No {entityType} integration yet.
        </Text>
      ) : integrations.length === 0 ? (
        <Text c="gray.7" size="sm">
          None of the {total} {entityType} integrations matches these filters.
        </Text>
      ) : (
        <Table.ScrollContainer minWidth={800}>
          <Table striped aria-labelledby={headingId}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>Connected</Table.Th>
                <Table.Th>Last run</Table.Th>
                <Table.Th>Outcome</Table.Th>
                <Table.Th>Errors in a row</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {integrations.map((integration) => (
                <Table.Tr key={integration.id}>
                  <Table.Td>
                    <Anchor component={Link} to={`/integrations/${integration.id}`}>
                      {integration.name}
                    </Anchor>
                  </Table.Td>
                  <Table.Td>
                    <StatusBadge status={integration.status} />
                  </Table.Td>
                  <Table.Td>{integration.credentialId === null ? 'No' : 'Yes'}</Table.Td>
                  <Table.Td>{integration.lastRun === null ? 'Never' : integration.lastRun.finishedAt === null ? 'Not finished yet' : formatDateTime(integration.lastRun.finishedAt)}</Table.Td>
                  <Table.Td>
                    {integration.lastRun === null ? (
                      <Text c="gray.7" size="sm">
                        —
                      </Text>
                    ) : (
                      <Group gap={6} wrap="nowrap">
                        <Anchor component={Link} to={`/runs/${integration.lastRun.id}`} aria-label={`Last run of ${integration.name}: ${integration.lastRun.status}`}>
                          <StatusBadge status={integration.lastRun.status} />
                        </Anchor>
                        <Text size="sm" c="gray.7">
                          {integration.lastRun.trigger}
                        </Text>
                      </Group>
                    )}
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm" c={integration.consecutiveErrors > 0 ? 'red.9' : 'gray.9'}>
                      {integration.consecutiveErrors} / {integration.errorThreshold}
                    </Text>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Paper>
  );
}
