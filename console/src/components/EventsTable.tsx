import { Anchor, Button, Checkbox, Code, Group, Select, Stack, Table, Text } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { api, ApiFailure, unwrap, type Schemas } from '../api/client.ts';
import { EventFix } from './activity/EventFix.tsx';
import { IntegrationName } from './activity/IntegrationName.tsx';
import { clearButton } from './activity/filters.ts';
import { useIntegrationNames } from './activity/integrations.ts';
import { ErrorAlert } from './ErrorAlert.tsx';
import { formatDateTime, LIVE_REFRESH_MS } from './format.ts';
import { StatusBadge } from './StatusBadge.tsx';

type Event = Schemas['Event'];
type EventName = Event['name'];
type Severity = Event['severity'];

// Every event name of the API's enum, checked by the compiler: a new one fails the build until listed.
const NAME_SET: Record<EventName, true> = {
  'integration.validation.error': true,
  'integration.missing_account_mapping.error': true,
  'integration.authentication.error': true,
  'integration.perform.error': true,
  'integration.rate_limit.warning': true,
  'integration.org_mismatch.error': true,
  'integration.configuration.error': true,
  'integration.internal.error': true,
  'integration.disabled': true,
  'integration.deleted_in_salesforce.warning': true,
  'integration.incoming_refused.error': true,
  'integration.incoming_value_left_out.warning': true,
  'integration.deleted_in_ferry.warning': true,
  'integration.incoming_gap.warning': true,
  'integration.picklist_values_missing.warning': true,
  'integration.contact_source.changed': true,
  'integration.journal_gap.warning': true,
};
const NAMES = Object.keys(NAME_SET) as EventName[];
const SEVERITIES: Severity[] = ['error', 'warning', 'info'];
const ACTIONED = [
  { value: 'false', label: 'Open (not actioned)' },
  { value: 'true', label: 'Actioned' },
];

export interface EventFilters {
  name?: EventName | undefined;
  severity?: Severity | undefined;
  actioned?: boolean | undefined;
  integrationId?: string | undefined;
}

interface Failure {
  eventId: string;
  error: unknown;
}

const recordOf = (event: Event) => (event.entity === null ? null : `${event.entity} ${event.entityId ?? ''}`.trim());

/**
 * Events, newest first, refreshed while on screen: what happened, Salesforce's own error, what to
 * do and a link to where it is fixed. One or many are marked actioned or retried.
 */
export function EventsTable({ integrationId, runId, initialFilters = {} }: { integrationId?: string; runId?: string; initialFilters?: EventFilters }) {
  const [chosenIntegration, setChosenIntegration] = useState<string | null>(initialFilters.integrationId ?? null);
  const [name, setName] = useState<EventName | null>(initialFilters.name ?? null);
  const [severity, setSeverity] = useState<Severity | null>(initialFilters.severity ?? null);
  const [actioned, setActioned] = useState<string | null>(initialFilters.actioned === undefined ? null : String(initialFilters.actioned));
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [busy, setBusy] = useState(false);
  const [failures, setFailures] = useState<Failure[]>([]);
  const client = useQueryClient();
  const integrations = useIntegrationNames();
  const scoped = integrationId !== undefined || runId !== undefined;
  const shownIntegration = integrationId ?? chosenIntegration ?? undefined;
  const query = {
    ...(shownIntegration !== undefined ? { integrationId: shownIntegration } : {}),
    ...(runId !== undefined ? { runId } : {}),
    ...(name !== null ? { name } : {}),
    ...(severity !== null ? { severity } : {}),
    ...(actioned !== null ? { actioned: actioned as 'true' | 'false' } : {}),
    limit: 200,
  };
  const events = useQuery({
    queryKey: ['events', query],
    queryFn: async () => unwrap(await api.GET('/api/v1/events', { params: { query } })).data,
    refetchInterval: LIVE_REFRESH_MS,
  });
  const shown = events.data ?? [];
  const chosen = shown.filter((event) => selected.has(event.id));
  const allChosen = shown.length > 0 && chosen.length === shown.length;

  const toggle = (id: string, on: boolean) =>
    setSelected((current) => {
      const next = new Set(current);
      if (on) next.add(id);
      else next.delete(id);
      return next;
    });

  /** Sends one request per event; every refusal is kept and shown with the event it is about. */
  const act = async (kind: 'action' | 'retry', ids: string[]) => {
    setBusy(true);
    setFailures([]);
    const results = await Promise.allSettled(
      ids.map(async (id) => {
        const params = { params: { path: { id } } };
        if (kind === 'action') unwrap(await api.POST('/api/v1/events/{id}/action', params));
        else unwrap(await api.POST('/api/v1/events/{id}/retry', params));
        return id;
      }),
    );
    const failed: Failure[] = [];
    results.forEach((result, i) => {
      if (result.status === 'rejected') failed.push({ eventId: ids[i]!, error: result.reason });
    });
    setFailures(failed);
    setSelected((current) => new Set([...current].filter((id) => failed.some((f) => f.eventId === id))));
    setBusy(false);
    await client.invalidateQueries({ queryKey: ['events'] });
    if (kind === 'retry') await client.invalidateQueries({ queryKey: ['runs'] });
  };

  return (
    <>
      <Group mb="sm" align="flex-end" wrap="wrap">
        {!scoped && <Select label="Integration" placeholder="All integrations" data={integrations.options} value={chosenIntegration} onChange={setChosenIntegration} clearable clearButtonProps={clearButton('integration')} searchable w={220} />}
        <Select label="Event name" placeholder="All names" data={NAMES} value={name} onChange={(value) => setName(value)} clearable clearButtonProps={clearButton('event name')} searchable w={340} />
        <Select label="Severity" placeholder="All severities" data={SEVERITIES} value={severity} onChange={(value) => setSeverity(value)} clearable clearButtonProps={clearButton('severity')} w={160} />
        <Select label="Actioned" placeholder="Open and actioned" data={ACTIONED} value={actioned} onChange={setActioned} clearable clearButtonProps={clearButton('actioned')} w={200} />
      </Group>
      <Group mb="sm" gap="xs">
        <Button size="xs" variant="default" disabled={chosen.length === 0 || busy} onClick={() => void act('action', chosen.map((e) => e.id))}>
          Mark selected actioned ({chosen.length})
        </Button>
        <Button size="xs" variant="default" disabled={chosen.length === 0 || busy} onClick={() => void act('retry', chosen.map((e) => e.id))}>
          Retry selected ({chosen.length})
        </Button>
      </Group>
      <ErrorAlert error={events.error} title="The events could not be read" />
      <ErrorAlert error={integrations.error} title="The integrations' names could not be read" />
      {failures.map((failure) => (
        <ErrorAlert key={failure.eventId} error={failure.error} title={`Event ${failure.eventId}: ${failure.error instanceof ApiFailure ? failure.error.code : 'failed'}`} />
      ))}
      <Table.ScrollContainer minWidth={960}>
        <Table striped aria-label="Events" verticalSpacing="sm" layout="fixed">
          <Table.Thead>
            <Table.Tr>
              <Table.Th w={44}>
                <Checkbox
                  aria-label="Select all events shown"
                  checked={allChosen}
                  indeterminate={chosen.length > 0 && !allChosen}
                  onChange={(e) => setSelected(e.currentTarget.checked ? new Set(shown.map((event) => event.id)) : new Set())}
                />
              </Table.Th>
              <Table.Th w={130}>Event</Table.Th>
              <Table.Th>What happened and what to do</Table.Th>
              <Table.Th w={170}>Record</Table.Th>
              <Table.Th w={140}>State</Table.Th>
              <Table.Th w={150}>Actions</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {shown.map((event) => (
              <Table.Tr key={event.id} data-event-id={event.id}>
                <Table.Td>
                  <Checkbox aria-label={`Select event ${event.name} ${recordOf(event) ?? ''} ${formatDateTime(event.createdAt)}`.replace(/\s+/g, ' ')} checked={selected.has(event.id)} onChange={(e) => toggle(event.id, e.currentTarget.checked)} />
                </Table.Td>
                <Table.Td>
                  <Stack gap={4} align="flex-start">
                    <div style={{ width: 'max-content' }}>
                      <StatusBadge status={event.severity} />
                    </div>
                    <Text size="xs" c="gray.7">
                      {formatDateTime(event.createdAt)}
                    </Text>
                  </Stack>
                </Table.Td>
                <Table.Td>
                  <Stack gap={4}>
                    <Text size="sm" fw={600} style={{ overflowWrap: 'anywhere' }}>
                      {event.name}
                    </Text>
                    <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
                      {event.message}
                    </Text>
                    {event.salesforceError !== null && (
                      <Text size="sm">
                        Salesforce: <Code>{event.salesforceError.errorCode}</Code> {event.salesforceError.message}
                        {event.salesforceError.fields !== undefined && event.salesforceError.fields.length > 0 && <> (fields: {event.salesforceError.fields.join(', ')})</>}
                      </Text>
                    )}
                    {event.hint !== null && (
                      <Text size="sm" c="gray.7" style={{ overflowWrap: 'anywhere' }}>
                        What to do: {event.hint}
                      </Text>
                    )}
                    <EventFix event={event} />
                  </Stack>
                </Table.Td>
                <Table.Td>
                  <Stack gap={2}>
                    {event.entity !== null && <Text size="sm">{event.entity}</Text>}
                    {event.entityId !== null && (
                      <Text size="xs" ff="monospace" style={{ overflowWrap: 'anywhere' }}>
                        {event.entityId}
                      </Text>
                    )}
                    {event.salesforceId !== null && <Text size="sm">Salesforce {event.salesforceId}</Text>}
                    {!scoped && <IntegrationName id={event.integrationId} names={integrations.names} />}
                    {event.runId !== null && runId === undefined && (
                      <Anchor component={Link} to={`/runs/${event.runId}`} size="sm">
                        Its run
                      </Anchor>
                    )}
                  </Stack>
                </Table.Td>
                <Table.Td>
                  <Stack gap={2}>
                    {event.actionedAt !== null ? <Text size="sm">Actioned {formatDateTime(event.actionedAt)}</Text> : <Text size="sm">Open</Text>}
                    {event.retriedAt !== null && (
                      <Text size="sm">
                        Retried {formatDateTime(event.retriedAt)}
                        {event.retryRunId !== null && (
                          <>
                            {' '}
                            (
                            <Anchor component={Link} to={`/runs/${event.retryRunId}`} size="sm">
                              retry run
                            </Anchor>
                            )
                          </>
                        )}
                      </Text>
                    )}
                  </Stack>
                </Table.Td>
                <Table.Td>
                  <Stack gap={4} align="flex-start">
                    <Button size="compact-sm" variant="default" disabled={busy} onClick={() => void act('retry', [event.id])}>
                      Retry
                    </Button>
                    {event.actionedAt === null && (
                      <Button size="compact-sm" variant="default" disabled={busy} onClick={() => void act('action', [event.id])}>
                        Mark actioned
                      </Button>
                    )}
                  </Stack>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {events.isSuccess && shown.length === 0 && (
        <Text c="gray.7" size="sm" mt="sm">
          No events{name !== null || severity !== null || actioned !== null || chosenIntegration !== null ? ' match these filters' : ' yet'}.
        </Text>
      )}
    </>
  );
}
