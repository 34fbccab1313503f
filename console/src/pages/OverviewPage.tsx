import { AreaChart, BarChart, LineChart } from '@mantine/charts';
import { Anchor, Paper, SimpleGrid, Stack, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api, unwrap, type Schemas } from '../api/client.ts';
import { ChartFigure } from '../components/activity/ChartFigure.tsx';
import { ErrorAlert } from '../components/ErrorAlert.tsx';
import { formatDuration, LIVE_REFRESH_MS } from '../components/format.ts';
import { PageTitle } from '../components/PageTitle.tsx';

type Bucket = Schemas['Overview']['buckets'][number];

const HOURS = 24;
const CONFLICTS_LIMIT = 1000;
const hourLabel = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const total = (values: number[]) => values.reduce((a, b) => a + b, 0);
const orDash = (value: number | null) => (value === null ? '—' : value);

function Tile({ label, value, to, linkText }: { label: string; value: string; to: string; linkText: string }) {
  return (
    <Paper withBorder p="md">
      <Text size="sm" c="gray.7" fw={600}>
        {label}
      </Text>
      <Text fz={28} fw={700} data-tile={label}>
        {value}
      </Text>
      <Anchor component={Link} to={to} size="sm">
        {linkText}
      </Anchor>
    </Paper>
  );
}

export function OverviewPage() {
  const overview = useQuery({
    queryKey: ['overview', HOURS],
    queryFn: async () => unwrap(await api.GET('/api/v1/overview', { params: { query: { hours: HOURS } } })),
    refetchInterval: LIVE_REFRESH_MS * 5,
  });
  const conflicts = useQuery({
    queryKey: ['conflicts', { open: true }],
    queryFn: async () => unwrap(await api.GET('/api/v1/conflicts', { params: { query: { open: 'true', limit: CONFLICTS_LIMIT } } })).data,
    refetchInterval: LIVE_REFRESH_MS * 5,
  });
  const data = overview.data;
  const rows = (data?.buckets ?? []).map((bucket: Bucket) => ({
    key: bucket.hour,
    hour: hourLabel.format(new Date(bucket.hour)),
    complete: bucket.runs.complete,
    failed: bucket.runs.failed,
    retrying: bucket.runs.retrying,
    inProgress: bucket.runs.inProgress,
    sent: bucket.records.sent,
    refused: bucket.records.failed,
    apiCalls: bucket.apiCalls,
    apiUsed: bucket.apiUsed,
    changes: bucket.latency.changes,
    averageMs: bucket.latency.averageMs,
    p95Ms: bucket.latency.p95Ms,
    maxMs: bucket.latency.maxMs,
  }));
  type Row = (typeof rows)[number];
  const hourColumn = { label: 'Hour starting', value: (row: Row) => row.hour };
  const runs = { complete: total(rows.map((r) => r.complete)), failed: total(rows.map((r) => r.failed)), retrying: total(rows.map((r) => r.retrying)), inProgress: total(rows.map((r) => r.inProgress)) };
  const sent = total(rows.map((r) => r.sent));
  const refused = total(rows.map((r) => r.refused));
  const calls = total(rows.map((r) => r.apiCalls));
  const latest = rows.findLast((r) => r.apiUsed !== null)?.apiUsed ?? null;
  const changes = total(rows.map((r) => r.changes));
  const slowest = Math.max(0, ...rows.map((r) => r.maxMs ?? 0));
  const weightedAverage = changes === 0 ? null : total(rows.map((r) => (r.averageMs ?? 0) * r.changes)) / changes;
  const referenceLines = [
    ...(data?.apiAllocation != null ? [{ y: data.apiAllocation, label: `Daily allocation ${data.apiAllocation.toLocaleString()}`, color: 'red.9' }] : []),
    ...(data?.apiBudget != null ? [{ y: data.apiBudget, label: `Ferry's budget ${data.apiBudget.toLocaleString()}`, color: 'orange.9' }] : []),
  ];
  const openConflicts = conflicts.data === undefined ? '…' : conflicts.data.length >= CONFLICTS_LIMIT ? `${CONFLICTS_LIMIT}+` : String(conflicts.data.length);

  return (
    <>
      <PageTitle title="Overview" />
      <ErrorAlert error={overview.error} title="The overview could not be read" />
      <ErrorAlert error={conflicts.error} title="The held conflicts could not be read" />
      <SimpleGrid cols={3} mb="lg">
        <Tile label="Integrations connected" value={data === undefined ? '…' : `${data.integrations.connected} / ${data.integrations.total}`} to="/integrations" linkText="See the integrations" />
        <Tile label="Open error events" value={data === undefined ? '…' : String(data.openErrorEvents)} to="/events?severity=error&actioned=false" linkText="See the open errors" />
        <Tile label="Held conflicts" value={openConflicts} to="/sync" linkText="Review the conflicts" />
      </SimpleGrid>
      {data !== undefined && (
        <Stack gap="lg">
          <SimpleGrid cols={2}>
            <ChartFigure
              title="Runs per hour"
              description={`Runs created in each of the last ${HOURS} hours, by their status now.`}
              summary={`${total(Object.values(runs))} runs: ${runs.complete} complete, ${runs.failed} failed, ${runs.retrying} waiting to retry, ${runs.inProgress} in progress.`}
              rows={rows}
              rowKey={(r) => r.key}
              columns={[hourColumn, { label: 'Complete', value: (r) => r.complete }, { label: 'Failed', value: (r) => r.failed }, { label: 'Retrying', value: (r) => r.retrying }, { label: 'In progress', value: (r) => r.inProgress }]}
            >
              <BarChart
                h={220}
                data={rows}
                dataKey="hour"
                type="stacked"
                withLegend
                yAxisProps={{ allowDecimals: false }}
                series={[
                  { name: 'complete', label: 'Complete', color: 'teal.7' },
                  { name: 'failed', label: 'Failed', color: 'red.8' },
                  { name: 'retrying', label: 'Retrying', color: 'orange.6' },
                  { name: 'inProgress', label: 'In progress', color: 'blue.6' },
                ]}
              />
            </ChartFigure>
            <ChartFigure
              title="Records delivered per hour"
              description="Records sent to Salesforce by the runs that finished in each hour, and the records Salesforce or Ferry's checks refused."
              summary={`${sent} records delivered, ${refused} refused.`}
              rows={rows}
              rowKey={(r) => r.key}
              columns={[hourColumn, { label: 'Delivered', value: (r) => r.sent }, { label: 'Refused', value: (r) => r.refused }]}
            >
              <BarChart
                h={220}
                data={rows}
                dataKey="hour"
                withLegend
                yAxisProps={{ allowDecimals: false }}
                series={[
                  { name: 'sent', label: 'Delivered', color: 'indigo.7' },
                  { name: 'refused', label: 'Refused', color: 'red.8' },
                ]}
              />
            </ChartFigure>
            <ChartFigure
              title="Salesforce API usage"
              description={`Ferry's calls to Salesforce per hour (bars), and the org's usage over the last 24 hours as Salesforce last reported it in each hour (line), against the org's daily allocation and Ferry's budget${data.budgetShare === null ? '' : ` (${Math.round(data.budgetShare * 100)}% of the allocation: the smallest budget share of the enabled integrations)`}, where Ferry starts pausing.`}
              summary={`${calls} calls by Ferry; org usage ${latest === null ? 'not reported yet' : latest.toLocaleString()} of ${data.apiAllocation === null ? 'an allocation not reported yet' : data.apiAllocation.toLocaleString()}${data.apiBudget === null ? '' : `, budget ${data.apiBudget.toLocaleString()}`}.`}
              rows={rows}
              rowKey={(r) => r.key}
              columns={[hourColumn, { label: "Ferry's calls", value: (r) => r.apiCalls }, { label: 'Org usage (24 h)', value: (r) => orDash(r.apiUsed) }]}
            >
              <Stack gap="xs">
                <BarChart h={120} data={rows} dataKey="hour" yAxisProps={{ allowDecimals: false }} series={[{ name: 'apiCalls', label: "Ferry's calls", color: 'indigo.7' }]} />
                <AreaChart h={160} data={rows} dataKey="hour" connectNulls referenceLines={referenceLines} series={[{ name: 'apiUsed', label: 'Org usage (24 h)', color: 'teal.7' }]} yAxisProps={{ domain: [0, data.apiAllocation ?? 'auto'], width: 80 }} valueFormatter={(value) => value.toLocaleString()} />
              </Stack>
            </ChartFigure>
            <ChartFigure
              title="Change-to-Salesforce latency"
              description="For each change delivered: from the moment it was committed in Ferry (its journal entry) to the end of the run that sent it to Salesforce (the run whose journal range held the change and that did not refuse the record), by the hour that run finished. Changes that came from Salesforce are not counted."
              summary={changes === 0 ? 'No change delivered in these hours.' : `${changes} changes delivered; average ${formatDuration(weightedAverage)}, slowest ${formatDuration(slowest)}.`}
              rows={rows}
              rowKey={(r) => r.key}
              columns={[hourColumn, { label: 'Changes', value: (r) => r.changes }, { label: 'Average ms', value: (r) => orDash(r.averageMs) }, { label: '95th percentile ms', value: (r) => orDash(r.p95Ms) }, { label: 'Slowest ms', value: (r) => orDash(r.maxMs) }]}
            >
              <LineChart
                h={220}
                data={rows}
                dataKey="hour"
                unit=" ms"
                withLegend
                connectNulls
                series={[
                  { name: 'averageMs', label: 'Average', color: 'indigo.7' },
                  { name: 'p95Ms', label: '95th percentile', color: 'orange.7' },
                  { name: 'maxMs', label: 'Slowest', color: 'red.8' },
                ]}
              />
            </ChartFigure>
          </SimpleGrid>
        </Stack>
      )}
    </>
  );
}
