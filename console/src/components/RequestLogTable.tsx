import { Button, Code, Group, Select, Stack, Table, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Fragment, useState } from 'react';
import { api, unwrap, type Schemas } from '../api/client.ts';
import { IntegrationName } from './activity/IntegrationName.tsx';
import { clearButton } from './activity/filters.ts';
import { useIntegrationNames } from './activity/integrations.ts';
import { ErrorAlert } from './ErrorAlert.tsx';
import { formatDateTime, formatDuration, LIVE_REFRESH_MS } from './format.ts';
import { StatusBadge } from './StatusBadge.tsx';

type RequestStatus = Schemas['RequestLog']['status'];
const STATUSES: RequestStatus[] = ['Waiting', 'Success', 'Failed'];

/**
 * Every Salesforce call, newest first, refreshed while on screen: what it did, how it went, the
 * org's API usage it reported, and Salesforce's error (code, message, fields) behind a toggle.
 */
export function RequestLogTable({ integrationId, runId }: { integrationId?: string; runId?: string }) {
  const [chosenIntegration, setChosenIntegration] = useState<string | null>(null);
  const [status, setStatus] = useState<RequestStatus | null>(null);
  const [open, setOpen] = useState<Set<string>>(new Set());
  const integrations = useIntegrationNames();
  const scoped = integrationId !== undefined || runId !== undefined;
  const shownIntegration = integrationId ?? chosenIntegration ?? undefined;
  const logs = useQuery({
    queryKey: ['request-logs', { integrationId: shownIntegration, runId, status }],
    queryFn: async () =>
      unwrap(
        await api.GET('/api/v1/request-logs', {
          params: { query: { ...(shownIntegration !== undefined ? { integrationId: shownIntegration } : {}), ...(runId !== undefined ? { runId } : {}), ...(status !== null ? { status } : {}), limit: 100 } },
        }),
      ).data,
    refetchInterval: LIVE_REFRESH_MS,
  });
  const toggle = (id: string) =>
    setOpen((current) => {
      const next = new Set(current);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  const columns = scoped ? 8 : 9;

  return (
    <>
      <Group mb="sm" align="flex-end">
        {!scoped && <Select label="Integration" placeholder="All integrations" data={integrations.options} value={chosenIntegration} onChange={setChosenIntegration} clearable clearButtonProps={clearButton('integration')} searchable w={260} />}
        <Select label="Request status" placeholder="All statuses" data={STATUSES} value={status} onChange={(value) => setStatus(value)} clearable clearButtonProps={clearButton('request status')} w={200} />
      </Group>
      <ErrorAlert error={logs.error} title="The request log could not be read" />
      <ErrorAlert error={integrations.error} title="The integrations' names could not be read" />
      <Table.ScrollContainer minWidth={900}>
        <Table striped aria-label="Request log">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Time</Table.Th>
              {!scoped && <Table.Th>Integration</Table.Th>}
              <Table.Th>Operation, method</Table.Th>
              <Table.Th>Object</Table.Th>
              <Table.Th ta="right">Records</Table.Th>
              <Table.Th>Status, HTTP</Table.Th>
              <Table.Th ta="right">Duration</Table.Th>
              <Table.Th ta="right">API usage</Table.Th>
              <Table.Th>Error</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {(logs.data ?? []).map((log) => (
              <Fragment key={log.id}>
                <Table.Tr>
                  <Table.Td>{formatDateTime(log.createdAt)}</Table.Td>
                  {!scoped && <Table.Td>{log.integrationId === null ? <Text size="sm" c="gray.7">—</Text> : <IntegrationName id={log.integrationId} names={integrations.names} />}</Table.Td>}
                  <Table.Td>
                    <Text size="sm">{log.operation}</Text>
                    <Text size="xs" c="gray.7">
                      {log.method}
                    </Text>
                  </Table.Td>
                  <Table.Td>{log.object ?? '—'}</Table.Td>
                  <Table.Td ta="right">{log.records}</Table.Td>
                  <Table.Td style={{ whiteSpace: 'nowrap' }}>
                    <div style={{ width: 'max-content' }}>
                      <StatusBadge status={log.status} />
                    </div>
                    {log.httpStatus !== null && (
                      <Text size="xs" c="gray.7">
                        HTTP {log.httpStatus}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td ta="right">{formatDuration(log.durationMs)}</Table.Td>
                  <Table.Td ta="right" style={{ whiteSpace: 'nowrap' }}>{log.apiUsage === null ? '—' : `${log.apiUsage.used.toLocaleString()} / ${log.apiUsage.max.toLocaleString()}`}</Table.Td>
                  <Table.Td>
                    {log.error !== null && (
                      <Button variant="default" size="compact-sm" aria-expanded={open.has(log.id)} aria-controls={`request-error-${log.id}`} onClick={() => toggle(log.id)}>
                        <span aria-hidden="true">{open.has(log.id) ? '▾' : '▸'}</span>&nbsp;{log.error.errorCode}
                      </Button>
                    )}
                  </Table.Td>
                </Table.Tr>
                {log.error !== null && open.has(log.id) && (
                  <Table.Tr id={`request-error-${log.id}`}>
                    <Table.Td colSpan={columns}>
                      <Stack gap={4}>
                        <Text size="sm">
                          <Text span fw={600} size="sm">Error code:</Text> <Code>{log.error.errorCode}</Code>
                        </Text>
                        <Text size="sm">
                          <Text span fw={600} size="sm">Message:</Text> {log.error.message}
                        </Text>
                        {log.error.fields !== undefined && log.error.fields.length > 0 && (
                          <Text size="sm">
                            <Text span fw={600} size="sm">Fields:</Text> {log.error.fields.join(', ')}
                          </Text>
                        )}
                      </Stack>
                    </Table.Td>
                  </Table.Tr>
                )}
              </Fragment>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {logs.isSuccess && logs.data.length === 0 && (
        <Text c="gray.7" size="sm" mt="sm">
          No requests{status !== null || chosenIntegration !== null ? ' match these filters' : ' yet'}.
        </Text>
      )}
    </>
  );
}
