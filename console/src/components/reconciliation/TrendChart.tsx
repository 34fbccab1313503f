import { LineChart } from '@mantine/charts';
import { Text } from '@mantine/core';
import { ChartFigure } from '../activity/ChartFigure.tsx';
import { ErrorAlert } from '../ErrorAlert.tsx';
import { formatDateTime } from '../format.ts';
import { formatShare, useTrend } from './queries.ts';

/** How many reports the trend shows. */
const REPORTS = 30;
const reportLabel = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });

/** The matched share over the last reports, oldest first, with its figures in text. */
export function TrendChart({ integrationId, runId }: { integrationId: string; runId: string }) {
  const trend = useTrend(integrationId, runId, REPORTS);
  if (trend.isError) return <ErrorAlert error={trend.error} title="The trend could not be read" />;
  if (trend.data === undefined) return <Text size="sm">Reading the trend…</Text>;
  const rows = trend.data.map((point) => ({
    key: point.runId,
    report: reportLabel.format(new Date(point.createdAt)),
    time: formatDateTime(point.createdAt),
    share: point.matchedShare,
    // The chart's axis in percent, to a tenth.
    matched: Math.round(point.matchedShare * 1000) / 10,
  }));
  const shares = rows.map((row) => row.share);
  const latest = rows.at(-1);
  const summary =
    latest === undefined
      ? 'No report yet.'
      : `${rows.length} report${rows.length === 1 ? '' : 's'}; the latest ${formatShare(latest.share)}, lowest ${formatShare(Math.min(...shares))}, highest ${formatShare(Math.max(...shares))}.`;
  return (
    <ChartFigure
      title="Matched share over the last reports"
      description={`The share of Salesforce Accounts matched on all three sides in each of the last ${REPORTS} reports, oldest first.`}
      summary={summary}
      rows={rows}
      rowKey={(row) => row.key}
      per="report"
      columns={[
        { label: 'Report', value: (row) => row.time },
        { label: 'Matched share', value: (row) => formatShare(row.share) },
      ]}
    >
      <LineChart h={200} data={rows} dataKey="report" unit="%" yAxisProps={{ domain: [0, 100] }} series={[{ name: 'matched', label: 'Matched share', color: 'indigo.7' }]} />
    </ChartFigure>
  );
}
