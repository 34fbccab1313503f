import { Anchor, Code, Group, Stack, Text } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { Link } from 'react-router';
import { ErrorAlert } from '../ErrorAlert.tsx';
import { isRunning, useFollowedRun, type Run } from '../imports/follow.ts';
import { ImportProgressBar } from '../imports/ImportProgressBar.tsx';
import { Notice } from '../integration-details/Notice.tsx';
import { StatusBadge } from '../StatusBadge.tsx';
import { reconciliationKey } from './queries.ts';

const LABEL = 'Reconciliation run';

/**
 * A reconciliation run the person started, followed live: the side it reads and its records, then
 * how it ended (the error, if any) with a link to the run. When it ends the report is read again:
 * a complete run wrote a new one. Only the step and the outcome are announced (role="status").
 */
export function RunStatus({ integrationId, started }: { integrationId: string; started: Run }) {
  const client = useQueryClient();
  const followed = useFollowedRun(started);
  const run = followed.data ?? started;
  const running = isRunning(run);
  useEffect(() => {
    if (running) return;
    void client.invalidateQueries({ queryKey: reconciliationKey(integrationId) });
    // The integration's last run and last run time change too.
    void client.invalidateQueries({ queryKey: ['integrations'] });
  }, [running, client, integrationId]);
  const color = running ? 'blue' : run.status === 'COMPLETE' ? 'green' : 'red';
  return (
    <Notice color={color} title={running ? 'Reconciling: reading the three sides' : LABEL}>
      <Stack gap="xs">
        {/* The bar while it works: a reconciliation names no last step, and its outcome says the rest. */}
        {running && <ImportProgressBar progress={run.progress} label={LABEL} firstStep="starting" unit="records" />}
        <Group gap="xs" role="status" aria-label={LABEL}>
          {running ? (
            <Text size="sm">{run.status === 'WAITING' ? 'Queued; it starts when the integration is free.' : `Running: ${run.progress === null || run.progress.step === '' ? 'starting' : run.progress.step}.`}</Text>
          ) : (
            <>
              <StatusBadge status={run.status} />
              <Text size="sm">{run.status === 'COMPLETE' ? 'The report below is the new one.' : 'No new report: the last one stays.'}</Text>
            </>
          )}
        </Group>
        {run.error !== null && (
          <Text size="sm">
            <Code>{run.error.errorCode}</Code> {run.error.message}
          </Text>
        )}
        <Anchor component={Link} to={`/runs/${run.id}`} size="sm">
          Open run {run.id}
        </Anchor>
        <ErrorAlert error={followed.error} title="The run could not be read" />
      </Stack>
    </Notice>
  );
}
