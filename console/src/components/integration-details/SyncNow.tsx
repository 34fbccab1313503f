import { Anchor, Button, Group, Select, Text } from '@mantine/core';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { api, unwrap } from '../../api/client.ts';
import { ImportRunStatus } from '../imports/ImportRunStatus.tsx';
import { IMPORTS, isImport, type ImportKind } from '../imports/kinds.ts';
import { Notice } from './Notice.tsx';
import { ErrorAlert } from '../ErrorAlert.tsx';
import { LIVE_REFRESH_MS } from '../format.ts';
import { StatusBadge } from '../StatusBadge.tsx';
import { useRefreshIntegration, type Integration } from './queries.ts';

type Mode = 'incremental' | 'full' | 'incoming' | 'incoming_full';

const SENDING: { value: Mode; label: string }[] = [
  { value: 'incremental', label: 'Incremental: pending Ferry changes' },
  { value: 'full', label: 'Full: every Ferry record' },
];
const READING: { value: Mode; label: string }[] = [
  { value: 'incoming', label: 'Incoming: Salesforce changes now' },
  { value: 'incoming_full', label: 'Incoming full: every Salesforce record' },
];

/**
 * An import integration's one action: a full run of it, followed live. Both modes would write the
 * whole set, so no mode is offered. It is what the import button on its credential starts, but of
 * this integration (a credential's button runs its oldest integration of the kind).
 */
function ImportNow({ integration, kind }: { integration: Integration; kind: ImportKind }) {
  const refresh = useRefreshIntegration(integration.id);
  const text = IMPORTS[kind];
  const start = useMutation({
    mutationFn: async () => unwrap(await api.POST('/api/v1/integrations/{id}/sync', { params: { path: { id: integration.id } }, body: { mode: 'full' } })),
    onSuccess: async () => refresh(),
  });
  return (
    <>
      <Group align="end" gap="xs">
        <Button onClick={() => start.mutate()} loading={start.isPending}>
          {text.action}
        </Button>
        <Text size="sm" c="gray.7">
          Writes {text.what} as Ferry holds it now: unchanged rows are skipped, removed ones retired.
        </Text>
      </Group>
      <ErrorAlert error={start.error} title={`The ${text.name.toLowerCase()} did not start`} />
      {start.data !== undefined && <ImportRunStatus key={start.data.id} kind={kind} started={start.data} target="Salesforce" />}
    </>
  );
}

/** Queues a run now and shows it, with a link to its page; an import integration gets its import button instead. */
export function SyncNow({ integration }: { integration: Integration }) {
  const entityType = integration.entityType;
  if (isImport(entityType)) return <ImportNow integration={integration} kind={entityType} />;
  return <Sync integration={integration} />;
}

function Sync({ integration }: { integration: Integration }) {
  const direction = integration.sync.direction;
  const modes = direction === 'from_salesforce' ? READING : direction === 'both' ? [...SENDING, ...READING] : SENDING;
  const [mode, setMode] = useState<Mode>(modes[0]!.value);
  const refresh = useRefreshIntegration(integration.id);
  const sync = useMutation({
    mutationFn: async () => unwrap(await api.POST('/api/v1/integrations/{id}/sync', { params: { path: { id: integration.id } }, body: { mode } })),
    onSuccess: async () => refresh(),
  });
  const queued = sync.data;
  // The queued run as it goes on, until it finishes.
  const run = useQuery({
    queryKey: ['integration-details', 'queued-run', queued?.id],
    queryFn: async () => unwrap(await api.GET('/api/v1/runs/{id}', { params: { path: { id: queued!.id } } })),
    enabled: queued !== undefined,
    initialData: queued,
    refetchInterval: (query) => (query.state.data === undefined || ['WAITING', 'STARTED'].includes(query.state.data.status) ? LIVE_REFRESH_MS : false),
  });
  const shown = run.data ?? queued;
  return (
    <>
      <Group align="end" gap="xs">
        <Select
          label="Sync mode"
          data={modes}
          value={mode}
          onChange={(value) => value !== null && setMode(value)}
          allowDeselect={false}
          w={300}
        />
        <Button onClick={() => sync.mutate()} loading={sync.isPending}>
          Sync now
        </Button>
      </Group>
      <ErrorAlert error={sync.error} title="The run was not queued" />
      <ErrorAlert error={run.error} title="The run could not be read" />
      {shown !== undefined && (
        <Notice color="blue" title="Run queued" role="status">
          <Group gap="xs">
            <span>
              {shown.mode} run ({shown.trigger}):
            </span>
            <StatusBadge status={shown.status} />
            <Anchor component={Link} to={`/runs/${shown.id}`}>
              Open run {shown.id}
            </Anchor>
          </Group>
        </Notice>
      )}
    </>
  );
}
