import { Anchor, Paper, SimpleGrid, Stack, Text } from '@mantine/core';
import { useId, type ReactNode } from 'react';
import { Link } from 'react-router';
import { formatDateTime } from '../format.ts';
import { CATEGORIES, CATEGORY_TEXT, formatShare, SIDE_TEXT, type Report, type Side } from './queries.ts';

/** A figure with its name: a group named by its label, so each can be found and read on its own. */
function Figure({ label, value, children }: { label: string; value: string; children?: ReactNode }) {
  const id = useId();
  return (
    <Paper withBorder p="sm" role="group" aria-labelledby={id}>
      <Text size="sm" fw={600} c="gray.8" id={id}>
        {label}
      </Text>
      <Text fz={26} fw={700} data-value>
        {value}
      </Text>
      {children !== undefined && (
        <Text size="xs" c="gray.7">
          {children}
        </Text>
      )}
    </Paper>
  );
}

const SIDES: Side[] = ['salesforce', 'ferry', 'source'];

/** The latest report in figures: when and by which run, the matched share, the differences, what was read, and each category's count. */
export function ReportSummary({ report }: { report: Report }) {
  const { summary } = report;
  return (
    <Stack gap="sm">
      <Text size="sm">
        Report of {formatDateTime(report.createdAt)}, written by{' '}
        <Anchor component={Link} to={`/runs/${report.runId}`}>
          run {report.runId}
        </Anchor>
        .
      </Text>
      <SimpleGrid cols={3} spacing="sm">
        <Figure label="Matched share" value={formatShare(summary.matchedShare)}>
          of the Salesforce Accounts matched on all three sides
        </Figure>
        <Figure label="Groups with differences" value={summary.withDifferences.toLocaleString()}>
          matched groups with a compared field that differs (dismissed differences left out)
        </Figure>
        <Paper withBorder p="sm" role="group" aria-label="Records read">
          <Text size="sm" fw={600} c="gray.8" aria-hidden>
            Records read
          </Text>
          <SimpleGrid cols={3} spacing={4} component="dl" m={0}>
            {SIDES.map((side) => (
              <div key={side}>
                <Text component="dt" size="xs" c="gray.7">
                  {side === 'source' ? 'Billing tool' : SIDE_TEXT[side]}
                </Text>
                <Text component="dd" m={0} fz={20} fw={700} data-side={side}>
                  {summary.read[side].toLocaleString()}
                </Text>
              </div>
            ))}
          </SimpleGrid>
        </Paper>
      </SimpleGrid>
      <SimpleGrid cols={4} spacing="sm">
        {CATEGORIES.map((category) => (
          <Figure key={category} label={CATEGORY_TEXT[category].label} value={summary.counts[category].toLocaleString()}>
            {CATEGORY_TEXT[category].description}
          </Figure>
        ))}
      </SimpleGrid>
    </Stack>
  );
}
