import { Button, Group, Select, Table, Text, TextInput } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api, unwrap } from '../api/client.ts';
import type { operations } from '../api/schema.ts';
import { CopyId } from './CopyId.tsx';
import { ErrorAlert } from './ErrorAlert.tsx';
import { formatDateTime, LIVE_REFRESH_MS } from './format.ts';

type Outcome = NonNullable<NonNullable<operations['list-sync-log']['parameters']['query']>['outcome']>;
const OUTCOMES: Outcome[] = ['applied', 'echo', 'unchanged', 'conflict', 'ignored', 'refused', 'failed', 'reread'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PAGE = 50;

/**
 * The two-way sync log, newest first and live: every operation with its outcome, filtered by
 * integration (unless given), record (a Ferry id or a Salesforce id), outcome and time.
 */
export function SyncLogTable({ integrationId }: { integrationId?: string }) {
  const [chosenIntegration, setChosenIntegration] = useState<string | null>(null);
  const [record, setRecord] = useState('');
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [since, setSince] = useState('');
  const [pages, setPages] = useState<string[]>([]);
  const before = pages.at(-1);
  const integrations = useQuery({
    queryKey: ['integrations'],
    queryFn: async () => unwrap(await api.GET('/api/v1/integrations')).data,
    enabled: integrationId === undefined,
  });
  const forIntegration = integrationId ?? chosenIntegration ?? undefined;
  const recordText = record.trim();
  const sinceIso = since === '' || Number.isNaN(Date.parse(since)) ? undefined : new Date(since).toISOString();
  const query = {
    limit: PAGE,
    ...(forIntegration === undefined ? {} : { integrationId: forIntegration }),
    ...(recordText === '' ? {} : UUID.test(recordText) ? { entityId: recordText } : { salesforceId: recordText }),
    ...(outcome === null ? {} : { outcome }),
    ...(sinceIso === undefined ? {} : { since: sinceIso }),
    ...(before === undefined ? {} : { before }),
  };
  const log = useQuery({
    queryKey: ['sync-log', query],
    queryFn: async () => unwrap(await api.GET('/api/v1/sync-log', { params: { query } })).data,
    // Only the first page moves: older pages stay as they were read.
    refetchInterval: before === undefined ? LIVE_REFRESH_MS : false,
  });
  const integrationName = (id: string) => integrations.data?.find((i) => i.id === id)?.name ?? id.slice(0, 8);
  const filtered = (apply: () => void) => {
    apply();
    setPages([]);
  };

  return (
    <>
      <Group align="flex-end" mb="sm" gap="sm">
        {integrationId === undefined && (
          <Select
            label="Integration"
            placeholder="All"
            clearable
            w={220}
            data={(integrations.data ?? []).map((i) => ({ value: i.id, label: i.name }))}
            value={chosenIntegration}
            onChange={(value) => filtered(() => setChosenIntegration(value))}
          />
        )}
        <TextInput
          label="Record"
          description="Ferry id or Salesforce id"
         
          w={300}
          value={record}
          onChange={(event) => {
            const value = event.currentTarget.value;
            filtered(() => setRecord(value));
          }}
        />
        <Select label="Outcome" placeholder="All" clearable w={150} data={OUTCOMES} value={outcome} onChange={(value) => filtered(() => setOutcome(value))} />
        <TextInput
          label="Since"
          type="datetime-local"
          step={1}
          w={230}
          value={since}
          onChange={(event) => {
            const value = event.currentTarget.value;
            filtered(() => setSince(value));
          }}
        />
      </Group>
      <ErrorAlert error={log.error ?? integrations.error} title="The sync log could not be read" />
      {log.data !== undefined && (
        <>
          <Table.ScrollContainer minWidth={960} type="native">
            <Table striped aria-label="Sync log">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>At</Table.Th>
                  {integrationId === undefined && <Table.Th>Integration</Table.Th>}
                  <Table.Th>Direction</Table.Th>
                  <Table.Th>Record</Table.Th>
                  <Table.Th>Changed fields</Table.Th>
                  <Table.Th>Outcome</Table.Th>
                  <Table.Th>Reason</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {log.data.length === 0 && (
                  <Table.Tr>
                    <Table.Td colSpan={7}>
                      <Text c="gray.7">No sync operations match.</Text>
                    </Table.Td>
                  </Table.Tr>
                )}
                {log.data.map((entry) => (
                  <Table.Tr key={entry.id}>
                    <Table.Td style={{ whiteSpace: 'nowrap' }}>{formatDateTime(entry.at)}</Table.Td>
                    {integrationId === undefined && <Table.Td>{integrationName(entry.integrationId)}</Table.Td>}
                    <Table.Td>{entry.direction === 'incoming' ? 'Salesforce → Ferry' : 'Ferry → Salesforce'}</Table.Td>
                    <Table.Td>
                      <Text size="xs" c="gray.7">
                        {entry.entity} · {entry.object}
                      </Text>
                      {entry.entityId !== null && <CopyId value={entry.entityId} label="Ferry id" />}
                      {entry.salesforceId !== null && <CopyId value={entry.salesforceId} label="Salesforce id" />}
                    </Table.Td>
                    <Table.Td>{entry.changedFields.length === 0 ? '—' : entry.changedFields.join(', ')}</Table.Td>
                    <Table.Td>
                      <Text size="sm" fw={600}>
                        {entry.outcome}
                      </Text>
                    </Table.Td>
                    <Table.Td maw={320}>{entry.reason ?? '—'}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          <Group mt="sm">
            <Button variant="default" size="xs" disabled={pages.length === 0} onClick={() => setPages(pages.slice(0, -1))}>
              Newer
            </Button>
            <Button variant="default" size="xs" disabled={log.data.length < PAGE} onClick={() => setPages([...pages, log.data.at(-1)!.id])}>
              Older
            </Button>
          </Group>
        </>
      )}
    </>
  );
}
