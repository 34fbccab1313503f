import { Group, Progress, Text } from '@mantine/core';
import type { RunProgress } from './follow.ts';

/**
 * Where an import stands: a bar of rows written against rows to write, and the step it is on
 * (`firstStep` until the run names one). The bar says its figures to screen readers in rows, or
 * another `unit` (Mantine's own would say a percentage).
 */
export function ImportProgressBar({ progress, label, firstStep = 'reading what to import', unit = 'rows' }: { progress: RunProgress | null; label: string; firstStep?: string; unit?: string }) {
  const done = progress?.done ?? 0;
  const total = progress?.total ?? 0;
  const percent = total === 0 ? (progress?.step === 'done' ? 100 : 0) : Math.min(100, (done / total) * 100);
  const rows = `${done.toLocaleString()} / ${total.toLocaleString()} ${unit}`;
  return (
    <div>
      <Group justify="space-between" gap="xs" mb={4}>
        <Text size="sm" fw={500}>
          {progress === null ? 'Waiting to start' : progress.step === 'done' ? 'Done' : `Step: ${progress.step === '' ? firstStep : progress.step}`}
        </Text>
        <Text size="sm">{rows}</Text>
      </Group>
      <Progress.Root size="lg" role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={total} aria-valuenow={done} aria-valuetext={rows}>
        <Progress.Section value={percent} withAria={false} />
      </Progress.Root>
    </div>
  );
}
