import { Alert, Anchor, Button, Checkbox, Group, List, Paper, Radio, Stack, Table, Text, TextInput } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { api, unwrap, type Schemas } from '../../api/client.ts';
import type { operations } from '../../api/schema.ts';
import { CopyId } from '../CopyId.tsx';
import { ErrorAlert } from '../ErrorAlert.tsx';
import { formatDateTime, LIVE_REFRESH_MS } from '../format.ts';

type Conflict = Schemas['Conflict'];
type ResolveBody = operations['resolve-conflicts']['requestBody']['content']['application/json'];
type ResolveAnswer = operations['resolve-conflicts']['responses'][200]['content']['application/json'];
type Choice = 'ferry' | 'salesforce' | 'other';

function show(value: unknown): string {
  if (value === null || value === undefined) return '(empty)';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** A typed value: JSON when the field holds something other than text (a number, true), else the text. */
function typed(text: string, like: unknown[]): unknown {
  if (like.every((value) => typeof value === 'string' || value === null)) return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * The review queue: conflicts held for a person (policy "hold"), each field with the base both
 * sides started from, Ferry's value and Salesforce's, settled one by one or several at once.
 */
export function ConflictQueue({ integrationNames }: { integrationNames: Map<string, string> }) {
  const client = useQueryClient();
  const open = useQuery({
    queryKey: ['conflicts', 'open'],
    queryFn: async () => unwrap(await api.GET('/api/v1/conflicts', { params: { query: { open: 'true', limit: 200 } } })).data,
    refetchInterval: LIVE_REFRESH_MS,
  });
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [choices, setChoices] = useState<Record<string, Choice>>({});
  const [others, setOthers] = useState<Record<string, string>>({});
  const [answer, setAnswer] = useState<ResolveAnswer | null>(null);
  const resolve = useMutation({
    mutationFn: async (body: ResolveBody) => unwrap(await api.POST('/api/v1/conflicts/resolve', { body })),
    onMutate: () => setAnswer(null),
    onSuccess: async (result) => {
      setAnswer(result);
      setSelected(new Set());
      await client.invalidateQueries({ queryKey: ['conflicts'] });
      await client.invalidateQueries({ queryKey: ['sync-log'] });
    },
  });
  const key = (conflict: Conflict, path: string) => `${conflict.id}/${path}`;
  const held = (conflict: Conflict) => conflict.fields.filter((field) => field.outcome === 'held');
  const resolveOne = (conflict: Conflict) => {
    const fields: NonNullable<ResolveBody['fields']> = {};
    for (const field of held(conflict)) {
      const choice = choices[key(conflict, field.path)] ?? 'salesforce';
      fields[field.path] = choice === 'other' ? { value: typed(others[key(conflict, field.path)] ?? '', [field.ferry, field.salesforce]) } : choice;
    }
    resolve.mutate({ ids: [conflict.id], fields });
  };
  const conflicts = open.data ?? [];
  const allSelected = conflicts.length > 0 && conflicts.every((c) => selected.has(c.id));

  return (
    <Stack>
      <ErrorAlert error={open.error} title="The conflicts could not be read" />
      <ErrorAlert error={resolve.error} title="Nothing was resolved" />
      {answer !== null && (
        <Alert
          styles={{ title: { color: 'var(--mantine-color-text)' } }}
          color={answer.results.every((r) => r.status === 'resolved') ? 'green' : 'orange'}
          title="Resolution results"
          role="status"
          withCloseButton
          closeButtonLabel="Dismiss"
          onClose={() => setAnswer(null)}
        >
          <List size="sm">
            {answer.results.map((result) => (
              <List.Item key={result.id}>
                Conflict <code>{result.id.slice(0, 8)}</code>:{' '}
                {result.status === 'resolved' ? (
                  <>resolved; record {result.entityId.slice(0, 8)} updated</>
                ) : (
                  <>
                    not resolved: <code>{result.code}</code> {result.message}
                  </>
                )}
              </List.Item>
            ))}
          </List>
          {answer.runs.length > 0 && (
            <Text size="sm" mt="xs">
              Deliveries queued to send the choices to Salesforce:{' '}
              {answer.runs.map((run, index) => (
                <span key={run.id}>
                  {index > 0 && ', '}
                  <Anchor component={Link} to={`/runs/${run.id}`}>
                    run {run.id.slice(0, 8)}
                  </Anchor>
                </span>
              ))}
            </Text>
          )}
        </Alert>
      )}
      {open.data !== undefined && conflicts.length === 0 && <Text c="gray.7">No conflict is waiting for review.</Text>}
      {conflicts.length > 0 && (
        <Group>
          <Checkbox
            label="Select all"
            checked={allSelected}
            indeterminate={selected.size > 0 && !allSelected}
            onChange={() => setSelected(allSelected ? new Set() : new Set(conflicts.map((c) => c.id)))}
          />
          <Button size="xs" variant="default" disabled={selected.size === 0} loading={resolve.isPending} onClick={() => resolve.mutate({ ids: [...selected], choose: 'ferry' })}>
            Keep Ferry&apos;s values for {selected.size} selected
          </Button>
          <Button size="xs" variant="default" disabled={selected.size === 0} loading={resolve.isPending} onClick={() => resolve.mutate({ ids: [...selected], choose: 'salesforce' })}>
            Take Salesforce&apos;s values for {selected.size} selected
          </Button>
        </Group>
      )}
      {conflicts.map((conflict) => (
        <Paper key={conflict.id} withBorder p="md" component="section" aria-label={`Conflict on ${conflict.entity} ${conflict.entityId}`}>
          <Group justify="space-between" align="flex-start" mb="xs">
            <Group align="flex-start">
              <Checkbox
                aria-label={`Select conflict on ${conflict.entity} ${conflict.entityId}`}
                checked={selected.has(conflict.id)}
                onChange={() => {
                  const next = new Set(selected);
                  if (next.has(conflict.id)) next.delete(conflict.id);
                  else next.add(conflict.id);
                  setSelected(next);
                }}
              />
              <Stack gap={2}>
                <Text size="sm" fw={500}>
                  {conflict.entity} held by {integrationNames.get(conflict.integrationId) ?? conflict.integrationId} · {formatDateTime(conflict.createdAt)}
                </Text>
                <Group gap="md">
                  <Group gap={4}>
                    <Text size="xs" c="gray.7">
                      Ferry
                    </Text>
                    <CopyId value={conflict.entityId} label="Ferry id" />
                  </Group>
                  <Group gap={4}>
                    <Text size="xs" c="gray.7">
                      Salesforce
                    </Text>
                    <CopyId value={conflict.salesforceId} label="Salesforce id" />
                  </Group>
                </Group>
              </Stack>
            </Group>
            <Button size="xs" loading={resolve.isPending && resolve.variables.ids.includes(conflict.id)} onClick={() => resolveOne(conflict)} aria-label={`Resolve conflict on ${conflict.entity} ${conflict.entityId}`}>
              Resolve
            </Button>
          </Group>
          <Table.ScrollContainer minWidth={960} type="native">
            <Table withTableBorder aria-label={`Fields in conflict on ${conflict.entity} ${conflict.entityId}`}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Field</Table.Th>
                  <Table.Th>Base (before both changes)</Table.Th>
                  <Table.Th>Ferry&apos;s value</Table.Th>
                  <Table.Th>Salesforce&apos;s value</Table.Th>
                  <Table.Th>Keep</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {held(conflict).map((field) => {
                  const k = key(conflict, field.path);
                  const choice = choices[k] ?? 'salesforce';
                  return (
                    <Table.Tr key={field.path}>
                      <Table.Td>
                        <code>{field.path}</code>
                      </Table.Td>
                      <Table.Td>{show(field.base)}</Table.Td>
                      <Table.Td>{show(field.ferry)}</Table.Td>
                      <Table.Td>{show(field.salesforce)}</Table.Td>
                      <Table.Td>
                        <Radio.Group value={choice} onChange={(value) => setChoices({ ...choices, [k]: value })} aria-label={`Value to keep for ${field.path}`}>
                          <Stack gap={4}>
                            <Radio value="ferry" label="Ferry's" />
                            <Radio value="salesforce" label="Salesforce's" />
                            <Radio value="other" label="Another value" />
                            {choice === 'other' && (
                              <TextInput size="xs" aria-label={`Value for ${field.path}`} value={others[k] ?? ''} onChange={(event) => setOthers({ ...others, [k]: event.currentTarget.value })} />
                            )}
                          </Stack>
                        </Radio.Group>
                      </Table.Td>
                    </Table.Tr>
                  );
                })}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Paper>
      ))}
    </Stack>
  );
}
