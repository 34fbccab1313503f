import { Button, Code, Group, SegmentedControl, Stack, Table, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api, unwrap } from '../../api/client.ts';
import { ErrorAlert } from '../ErrorAlert.tsx';

type Mode = 'incremental' | 'full';

function show(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

function Fields({ fields }: { fields: Record<string, unknown> }) {
  return (
    <Stack gap={2}>
      {Object.entries(fields).map(([name, value]) => (
        <Text key={name} size="xs">
          <Code>{name}</Code> {show(value)}
        </Text>
      ))}
    </Stack>
  );
}

/** What a run would send now, from the same stages as a run, without sending anything. */
export function PreviewPanel({ integrationId }: { integrationId: string }) {
  const [mode, setMode] = useState<Mode>('incremental');
  const [requested, setRequested] = useState(false);
  const preview = useQuery({
    queryKey: ['integrations', integrationId, 'preview', mode],
    queryFn: async () => unwrap(await api.GET('/api/v1/integrations/{id}/preview', { params: { path: { id: integrationId }, query: { mode, limit: 100 } } })).data,
    enabled: requested,
    staleTime: 0,
  });
  // Imports name each Salesforce row by its key (Ferry_Id__c): one Ferry product gives several rows.
  const keyed = preview.data?.some((item) => item.key !== undefined) ?? false;
  return (
    <Stack>
      <Group align="end">
        <Stack gap={4}>
          <Text size="sm" fw={500} id="preview-mode-label">
            Preview mode
          </Text>
          <SegmentedControl
            aria-labelledby="preview-mode-label"
            value={mode}
            onChange={(value) => setMode(value)}
            data={[
              { value: 'incremental', label: 'Incremental' },
              { value: 'full', label: 'Full' },
            ]}
          />
        </Stack>
        <Button variant="default" onClick={() => (requested ? void preview.refetch() : setRequested(true))} loading={preview.isFetching}>
          Preview
        </Button>
      </Group>
      <Text size="sm" c="gray.7">
        What a run would send now (first 100 records), from the same select, scope, map and check stages as a run. Nothing is sent.
      </Text>
      <ErrorAlert error={preview.error} title="The preview failed" />
      {preview.data !== undefined && preview.data.length === 0 && <Text>A {mode} run would send nothing now.</Text>}
      {preview.data !== undefined && preview.data.length > 0 && (
        <Table.ScrollContainer minWidth={800}>
          <Table striped withTableBorder aria-label="Preview of a run">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Salesforce object</Table.Th>
                <Table.Th>Operation</Table.Th>
                <Table.Th>Ferry record</Table.Th>
                {keyed && <Table.Th>Key (Ferry_Id__c)</Table.Th>}
                <Table.Th>Field values / reason</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {preview.data.map((item) => (
                <Table.Tr key={`${item.entity}:${item.id}:${item.object}:${item.key ?? ''}`}>
                  <Table.Td>{item.object}</Table.Td>
                  <Table.Td>
                    <Text size="sm" fw={700}>
                      {item.action}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{item.entity}</Text>
                    <Text size="xs" c="gray.7">
                      {item.id}
                    </Text>
                  </Table.Td>
                  {keyed && (
                    <Table.Td>
                      <Text size="xs" style={{ wordBreak: 'break-all' }}>
                        {item.key ?? '—'}
                      </Text>
                    </Table.Td>
                  )}
                  <Table.Td>
                    {item.fields !== undefined && <Fields fields={item.fields} />}
                    {item.children !== undefined && item.children.length > 0 && (
                      <Stack gap={2} mt="xs">
                        <Text size="xs" fw={600}>
                          {item.children.length} child record(s)
                        </Text>
                        {item.children.map((child, index) => (
                          // Children have no id of their own before they are sent: their place names them.
                          <Fields key={index} fields={child} />
                        ))}
                      </Stack>
                    )}
                    {item.reason !== undefined && <Text size="sm">{item.reason}</Text>}
                    {item.event !== undefined && (
                      <Text size="sm" c="red.9">
                        would record {item.event}
                      </Text>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Stack>
  );
}
