import { Anchor, Group, Select, Table, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { api, unwrap, type Schemas } from '../api/client.ts';
import { IntegrationName } from './activity/IntegrationName.tsx';
import { clearButton } from './activity/filters.ts';
import { useIntegrationNames } from './activity/integrations.ts';
import { ErrorAlert } from './ErrorAlert.tsx';
import { durationBetween, formatDateTime, formatDuration, LIVE_REFRESH_MS } from './format.ts';
import { StatusBadge } from './StatusBadge.tsx';

type RunStatus = Schemas['Run']['status'];

// Every status of the API's enum, checked by the compiler: a new one fails the build until listed.
const STATUS_SET: Record<RunStatus, true> = {
  WAITING: true, STARTED: true, COMPLETE: true, ERROR: true, AWAITING_RETRY: true, AUTH_FAILED: true, RATE_LIMIT_RETRY: true, DISABLED: true, INTERRUPTED: true,
};
const STATUSES = Object.keys(STATUS_SET) as RunStatus[];

const COUNTS = ['sent', 'created', 'updated', 'skipped', 'deleted', 'failed'] as const;

/**
 * Runs, newest first, refreshed while on screen. Without `integrationId` it offers a filter by
 * integration; a filter by status always.
 */
export function RunsTable({ integrationId }: { integrationId?: string }) {
  const [chosenIntegration, setChosenIntegration] = useState<string | null>(null);
  const [status, setStatus] = useState<RunStatus | null>(null);
  const integrations = useIntegrationNames();
  const shownIntegration = integrationId ?? chosenIntegration ?? undefined;
  const runs = useQuery({
    queryKey: ['runs', { integrationId: shownIntegration, status }],
    queryFn: async () =>
      unwrap(await api.GET('/api/v1/runs', { params: { query: { ...(shownIntegration !== undefined ? { integrationId: shownIntegration } : {}), ...(status !== null ? { status } : {}), limit: 100 } } })).data,
    refetchInterval: LIVE_REFRESH_MS,
  });

  return (
    <>
      <Group mb="sm" align="flex-end">
        {integrationId === undefined && (
          <Select label="Integration" placeholder="All integrations" data={integrations.options} value={chosenIntegration} onChange={setChosenIntegration} clearable clearButtonProps={clearButton('integration')} searchable w={260} />
        )}
        <Select
          label="Status"
          placeholder="All statuses"
          data={STATUSES.map((s) => ({ value: s, label: s.replaceAll('_', ' ') }))}
          value={status}
          onChange={(value) => setStatus(value)}
          clearable clearButtonProps={clearButton('status')}
          w={220}
        />
      </Group>
      <ErrorAlert error={runs.error} title="The runs could not be read" />
      <ErrorAlert error={integrations.error} title="The integrations' names could not be read" />
      <Table.ScrollContainer minWidth={960}>
        <Table striped highlightOnHover aria-label="Runs">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Started</Table.Th>
              <Table.Th>Status</Table.Th>
              {integrationId === undefined && <Table.Th>Integration</Table.Th>}
              <Table.Th>Trigger</Table.Th>
              <Table.Th>Mode</Table.Th>
              {COUNTS.map((count) => (
                <Table.Th key={count} ta="right">
                  {count[0]!.toUpperCase() + count.slice(1)}
                </Table.Th>
              ))}
              <Table.Th ta="right">Duration</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {(runs.data ?? []).map((run) => (
              <Table.Tr key={run.id}>
                <Table.Td>
                  <Anchor component={Link} to={`/runs/${run.id}`} size="sm" aria-label={`Run of ${formatDateTime(run.startedAt ?? run.createdAt)} (${run.id})`}>
                    {formatDateTime(run.startedAt ?? run.createdAt)}
                  </Anchor>
                </Table.Td>
                <Table.Td>
                  <div style={{ width: 'max-content' }}>
                    <StatusBadge status={run.status} />
                  </div>
                </Table.Td>
                {integrationId === undefined && (
                  <Table.Td>
                    <IntegrationName id={run.integrationId} names={integrations.names} />
                  </Table.Td>
                )}
                <Table.Td>{run.trigger}</Table.Td>
                <Table.Td>{run.mode}</Table.Td>
                {COUNTS.map((count) => (
                  <Table.Td key={count} ta="right" {...(count === 'failed' && run.counts.failed > 0 ? { c: 'red.9' } : {})}>
                    {run.counts[count]}
                  </Table.Td>
                ))}
                <Table.Td ta="right">{formatDuration(durationBetween(run.startedAt, run.finishedAt))}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {runs.isSuccess && runs.data.length === 0 && (
        <Text c="gray.7" size="sm" mt="sm">
          No runs{status !== null || shownIntegration !== undefined ? ' match these filters' : ' yet'}.
        </Text>
      )}
    </>
  );
}
