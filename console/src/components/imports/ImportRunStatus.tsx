import { Anchor, Code, Group, Stack, Text } from '@mantine/core';
import { Link } from 'react-router';
import { ErrorAlert } from '../ErrorAlert.tsx';
import { Notice } from '../integration-details/Notice.tsx';
import { StatusBadge } from '../StatusBadge.tsx';
import { isRunning, useFollowedRun, type Run } from './follow.ts';
import { ImportProgressBar } from './ImportProgressBar.tsx';

const COUNTS = ['sent', 'created', 'updated', 'skipped', 'deleted', 'failed'] as const;

/**
 * An import the person just started, followed live: its bar and step while it runs, then how it
 * ended (status, counts, Salesforce's error if any) and a link to its run. Only the step and the
 * outcome are announced (role="status"); the bar's figures change too often to be read out.
 */
export function ImportRunStatus({ started, target }: { started: Run; target: string }) {
  const followed = useFollowedRun(started);
  const run = followed.data ?? started;
  const running = isRunning(run);
  const color = running ? 'blue' : run.status === 'COMPLETE' ? 'green' : 'red';
  return (
    <Notice color={color} title={running ? `Importing the catalogue into ${target}` : `Catalogue import into ${target}`}>
      <Stack gap="xs">
        <ImportProgressBar progress={run.progress} label={`Catalogue import into ${target}`} />
        <Group gap="xs" role="status" aria-label={`Catalogue import into ${target}`}>
          {running ? (
            <Text size="sm">{run.status === 'WAITING' ? 'Queued; it starts when the integration is free.' : `Running: ${run.progress?.step === undefined || run.progress.step === '' ? 'reading the catalogue' : run.progress.step}.`}</Text>
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
        <Anchor component={Link} to={`/runs/${run.id}`} size="sm">
          Open run {run.id}
        </Anchor>
        <ErrorAlert error={followed.error} title="The run could not be read" />
      </Stack>
    </Notice>
  );
}
