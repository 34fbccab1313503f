import { Anchor, Button, Code, Paper, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { api, unwrap, type Schemas } from '../api/client.ts';
import { IntegrationName } from '../components/activity/IntegrationName.tsx';
import { useIntegrationList, useIntegrationNames } from '../components/activity/integrations.ts';
import { CopyId } from '../components/CopyId.tsx';
import { ErrorAlert } from '../components/ErrorAlert.tsx';
import { EventsTable } from '../components/EventsTable.tsx';
import { IMPORT_POLL_MS, isRunning } from '../components/imports/follow.ts';
import { ImportProgressBar } from '../components/imports/ImportProgressBar.tsx';
import { IMPORTS, isImport } from '../components/imports/kinds.ts';
import { ObjectSummaryTable } from '../components/imports/ObjectSummaryTable.tsx';
import { durationBetween, formatDateTime, formatDuration, LIVE_REFRESH_MS } from '../components/format.ts';
import { PageTitle } from '../components/PageTitle.tsx';
import { RequestLogTable } from '../components/RequestLogTable.tsx';
import { StatusBadge } from '../components/StatusBadge.tsx';

const COUNTS = ['sent', 'created', 'updated', 'skipped', 'deleted', 'failed'] as const;

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div>
      <Text size="xs" c="gray.7" fw={600} tt="uppercase">
        {label}
      </Text>
      <Text size="sm" component="div">
        {children}
      </Text>
    </div>
  );
}

/** The step an import's bar names before the run names one, by what it imports. */
function firstStepOf(entityType: Schemas['Integration']['entityType'] | undefined): { firstStep?: string } {
  return entityType !== undefined && isImport(entityType) ? { firstStep: IMPORTS[entityType].firstStep } : {};
}

export function RunPage() {
  const { id = '' } = useParams();
  const navigate = useNavigate();
  const client = useQueryClient();
  const integrations = useIntegrationNames();
  const integrationList = useIntegrationList();
  const run = useQuery({
    queryKey: ['runs', id],
    queryFn: async () => unwrap(await api.GET('/api/v1/runs/{id}', { params: { path: { id } } })),
    // An import's bar moves as rows are written: read more often while one runs.
    refetchInterval: (query) => {
      const shown = query.state.data;
      return shown !== undefined && shown.progress !== null && isRunning(shown) ? IMPORT_POLL_MS : LIVE_REFRESH_MS;
    },
  });
  const replay = useMutation({
    mutationFn: async () => unwrap(await api.POST('/api/v1/runs/{id}/replay', { params: { path: { id } } })),
    onSuccess: async (created) => {
      await client.invalidateQueries({ queryKey: ['runs'] });
      await navigate(`/runs/${created.id}`);
    },
  });
  const data = run.data;
  const finished = data !== undefined && data.status !== 'WAITING' && data.status !== 'STARTED';

  return (
    <>
      <PageTitle title="Run">
        <Button onClick={() => replay.mutate()} loading={replay.isPending} disabled={!finished}>
          Replay
        </Button>
      </PageTitle>
      <ErrorAlert error={run.error} title="The run could not be read" />
      <ErrorAlert error={replay.error} title="The run could not be replayed" />
      {data !== undefined && (
        <Stack gap="lg">
          <Paper withBorder p="md">
            <SimpleGrid cols={4} spacing="md">
              <Fact label="Status">
                <div style={{ width: 'max-content' }}>
                  <StatusBadge status={data.status} />
                </div>
              </Fact>
              <Fact label="Integration">
                <IntegrationName id={data.integrationId} names={integrations.names} />
              </Fact>
              <Fact label="Trigger">{data.trigger}</Fact>
              <Fact label="Mode">{data.mode}</Fact>
              <Fact label="Created">{formatDateTime(data.createdAt)}</Fact>
              <Fact label="Started">{formatDateTime(data.startedAt)}</Fact>
              <Fact label="Finished">{formatDateTime(data.finishedAt)}</Fact>
              <Fact label="Duration">{formatDuration(durationBetween(data.startedAt, data.finishedAt))}</Fact>
              <Fact label="Run id">
                <CopyId value={data.id} label="run id" />
              </Fact>
              <Fact label="Journal range">{data.fromSeq === null ? '—' : `after ${data.fromSeq} up to ${data.toSeq ?? '—'}`}</Fact>
              <Fact label="Replay of">
                {data.replayOf === null ? (
                  '—'
                ) : (
                  <Anchor component={Link} to={`/runs/${data.replayOf}`} size="sm">
                    the run it replays
                  </Anchor>
                )}
              </Fact>
              <Fact label="Records considered">{data.recordIds.length}</Fact>
            </SimpleGrid>
          </Paper>
          {data.error !== null && (
            <Paper withBorder p="md">
              <Text size="sm">
                <Text span fw={600} size="sm">
                  Error:
                </Text>{' '}
                <Code>{data.error.errorCode}</Code> {data.error.message}
              </Text>
            </Paper>
          )}
          <Table withTableBorder aria-label="Record counts" maw={640}>
            <Table.Thead>
              <Table.Tr>
                {COUNTS.map((count) => (
                  <Table.Th key={count} ta="right">
                    {count[0]!.toUpperCase() + count.slice(1)}
                  </Table.Th>
                ))}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              <Table.Tr>
                {COUNTS.map((count) => (
                  <Table.Td key={count} ta="right">
                    {data.counts[count]}
                  </Table.Td>
                ))}
              </Table.Tr>
            </Table.Tbody>
          </Table>
          {data.progress !== null && !finished && <ImportProgressBar progress={data.progress} label="Import progress" {...firstStepOf(integrationList.data?.find((i) => i.id === data.integrationId)?.entityType)} />}
          {data.progress !== null && Object.keys(data.progress.objects).length > 0 && (
            <section aria-labelledby="run-objects">
              <Title order={3} size="h4" id="run-objects" mb="xs">
                Rows per Salesforce object
              </Title>
              <ObjectSummaryTable objects={data.progress.objects} labelledBy="run-objects" />
            </section>
          )}
          {data.skips.length > 0 && (
            <section aria-labelledby="run-skips">
              <Title order={3} size="h4" id="run-skips" mb="xs">
                Skipped records
              </Title>
              <Table aria-labelledby="run-skips">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Reason</Table.Th>
                    <Table.Th ta="right">Records</Table.Th>
                    <Table.Th>First record ids</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {data.skips.map((skip) => (
                    <Table.Tr key={skip.reason}>
                      <Table.Td>{skip.reason}</Table.Td>
                      <Table.Td ta="right">{skip.count}</Table.Td>
                      <Table.Td>
                        <Text size="xs" style={{ wordBreak: 'break-all' }}>
                          {skip.recordIds.join(', ')}
                        </Text>
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </section>
          )}
          <section aria-labelledby="run-events">
            <Title order={3} size="h4" id="run-events" mb="xs">
              Events
            </Title>
            <EventsTable runId={data.id} />
          </section>
          <section aria-labelledby="run-requests">
            <Title order={3} size="h4" id="run-requests" mb="xs">
              Salesforce requests
            </Title>
            <RequestLogTable runId={data.id} />
          </section>
        </Stack>
      )}
    </>
  );
}
