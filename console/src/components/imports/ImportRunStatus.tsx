import { Anchor, Code, Group, List, Stack, Text } from '@mantine/core';
import { useQueries } from '@tanstack/react-query';
import { useId } from 'react';
import { Link } from 'react-router';
import { api, unwrap } from '../../api/client.ts';
import { ErrorAlert } from '../ErrorAlert.tsx';
import { Notice } from '../integration-details/Notice.tsx';
import { StatusBadge } from '../StatusBadge.tsx';
import { isRunning, useFollowedRun, type Run } from './follow.ts';
import { ImportProgressBar } from './ImportProgressBar.tsx';
import { IMPORTS, type ImportKind, type ImportText } from './kinds.ts';

const COUNTS = ['sent', 'created', 'updated', 'skipped', 'deleted', 'failed'] as const;

/**
 * The events of the finished run its kind shows with the outcome (the picklists a reference data
 * import found lacking Ferry's codes), read once the run has ended: the runner records them before
 * it closes the run.
 */
function OutcomeEvents({ run, outcome, linkToIntegration }: { run: Run; outcome: NonNullable<ImportText['outcome']>; linkToIntegration: boolean }) {
  const headingId = useId();
  const queries = useQueries({
    queries: outcome.events.map((name) => ({
      queryKey: ['events', { runId: run.id, name }],
      queryFn: async () => unwrap(await api.GET('/api/v1/events', { params: { query: { runId: run.id, name, limit: 100 } } })).data,
    })),
  });
  const events = queries.flatMap((query) => query.data ?? []);
  const error = queries.find((query) => query.error !== null)?.error;
  if (queries.some((query) => query.isPending)) return <Text size="sm">Reading what the run found…</Text>;
  return (
    <>
      <ErrorAlert error={error} title="The run's events could not be read" />
      {events.length > 0 && (
        <Stack component="section" gap={4} aria-labelledby={headingId}>
          <Text size="sm" fw={600} id={headingId}>
            {outcome.title}
          </Text>
          <List size="sm" spacing={4}>
            {events.map((event) => (
              <List.Item key={event.id}>
                {event.message}
                {event.hint !== null && (
                  <Text size="xs" c="gray.8">
                    {event.hint}
                  </Text>
                )}
              </List.Item>
            ))}
          </List>
          {linkToIntegration && (
            <Anchor component={Link} to={`/integrations/${run.integrationId}`} size="sm">
              {outcome.link}
            </Anchor>
          )}
        </Stack>
      )}
    </>
  );
}

/**
 * An import the person just started, followed live: its bar and step while it runs, then how it
 * ended (status, counts, Salesforce's error if any, what the run found for a person to do) and a
 * link to its run. Only the step and the outcome are announced (role="status"); the bar's figures
 * change too often to be read out.
 */
export function ImportRunStatus({ kind, started, target, linkToIntegration = false }: { kind: ImportKind; started: Run; target: string; linkToIntegration?: boolean }) {
  const text = IMPORTS[kind];
  const followed = useFollowedRun(started);
  const run = followed.data ?? started;
  const running = isRunning(run);
  const color = running ? 'blue' : run.status === 'COMPLETE' ? 'green' : 'red';
  const label = `${text.name} into ${target}`;
  return (
    <Notice color={color} title={running ? `Importing ${text.what} into ${target}` : label}>
      <Stack gap="xs">
        <ImportProgressBar progress={run.progress} label={label} firstStep={text.firstStep} />
        <Group gap="xs" role="status" aria-label={label}>
          {running ? (
            <Text size="sm">{run.status === 'WAITING' ? 'Queued; it starts when the integration is free.' : `Running: ${run.progress?.step === undefined || run.progress.step === '' ? text.firstStep : run.progress.step}.`}</Text>
          ) : (
            <>
              <StatusBadge status={run.status} />
              <Text size="sm">{COUNTS.map((count) => `${run.counts[count]} ${count}`).join(', ')}.</Text>
            </>
          )}
        </Group>
        {run.error !== null && (
          <Text size="sm">
            <Code>{run.error.errorCode}</Code> {run.error.message}
          </Text>
        )}
        {!running && text.outcome !== null && <OutcomeEvents run={run} outcome={text.outcome} linkToIntegration={linkToIntegration} />}
        <Anchor component={Link} to={`/runs/${run.id}`} size="sm">
          Open run {run.id}
        </Anchor>
        <ErrorAlert error={followed.error} title="The run could not be read" />
      </Stack>
    </Notice>
  );
}
