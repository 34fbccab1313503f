import { Anchor, Button, Paper, Stack, Text, Title } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { Link, useParams } from 'react-router';
import { api, unwrap } from '../api/client.ts';
import { ErrorAlert } from '../components/ErrorAlert.tsx';
import { Notice } from '../components/integration-details/Notice.tsx';
import { useIntegration, useRefreshIntegration, type Integration } from '../components/integration-details/queries.ts';
import { PageTitle } from '../components/PageTitle.tsx';
import { ItemsTable } from '../components/reconciliation/ItemsTable.tsx';
import { useReconciliation } from '../components/reconciliation/queries.ts';
import { ReportSummary } from '../components/reconciliation/ReportSummary.tsx';
import { RunStatus } from '../components/reconciliation/RunStatus.tsx';
import { SourceFile } from '../components/reconciliation/SourceFile.tsx';
import { TrendChart } from '../components/reconciliation/TrendChart.tsx';

function Section({ id, title, children }: { id: string; title: string; children: ReactNode }) {
  return (
    <Paper component="section" withBorder p="md" aria-labelledby={id}>
      <Title order={3} size="h4" id={id} mb="sm">
        {title}
      </Title>
      {children}
    </Paper>
  );
}

/** A URL without its query string: a source's query may carry a key. */
function withoutQuery(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return url;
  }
}

/** A Reconciliation integration's report (/integrations/:id/reconciliation): the latest report, its trend, the source and the groups. */
export function ReconciliationPage() {
  const { id = '' } = useParams();
  const integration = useIntegration(id);
  if (integration.isPending) return <PageTitle title="Reconciliation" />;
  if (integration.isError) {
    return (
      <>
        <PageTitle title="Reconciliation" />
        <ErrorAlert error={integration.error} title="The integration could not be read" />
      </>
    );
  }
  const found = integration.data;
  if (found.entityType !== 'Reconciliation' || found.reconciliation === null) {
    return (
      <>
        <PageTitle title="Reconciliation" />
        <Notice color="gray" title="No report">
          {found.name} is a {found.entityType} integration: only Reconciliation integrations have a report.{' '}
          <Anchor component={Link} to={`/integrations/${found.id}`}>
            Open {found.name}
          </Anchor>
        </Notice>
      </>
    );
  }
  return <Reconciliation integration={found} config={found.reconciliation} />;
}

function Reconciliation({ integration, config }: { integration: Integration; config: NonNullable<Integration['reconciliation']> }) {
  const refresh = useRefreshIntegration(integration.id);
  const status = useReconciliation(integration.id);
  const start = useMutation({
    mutationFn: async () => unwrap(await api.POST('/api/v1/integrations/{id}/sync', { params: { path: { id: integration.id } }, body: { mode: 'full' } })),
    onSuccess: async () => refresh(),
  });
  const connected = integration.credentialId !== null;
  const report = status.data?.report ?? null;
  const source = config.source;
  return (
    <>
      <PageTitle title={`Reconciliation: ${integration.name}`}>
        <Button component={Link} to={`/integrations/${integration.id}`} variant="default">
          Integration
        </Button>
        <Button onClick={() => start.mutate()} loading={start.isPending} disabled={!connected}>
          Run now
        </Button>
      </PageTitle>
      <Stack gap="lg">
        {!connected && (
          <Notice color="orange" title="Not connected" role="status">
            A run reads the credential&apos;s org: add a credential on the integration&apos;s page first.
          </Notice>
        )}
        <ErrorAlert error={start.error} title="The run did not start" />
        {start.data !== undefined && <RunStatus key={start.data.id} integrationId={integration.id} started={start.data} />}

        <Section id="latest-report" title="Latest report">
          <ErrorAlert error={status.error} title="The report could not be read" />
          {status.isPending && <Text size="sm">Reading the report…</Text>}
          {status.data !== undefined && report === null && (
            <Text size="sm">No report yet: {source.kind === 'file' && status.data.file === null ? 'upload the billing tool\u2019s customers below, then ' : ''}Run now compares the three sides.</Text>
          )}
          {report !== null && <ReportSummary report={report} />}
        </Section>

        {report !== null && <TrendChart integrationId={integration.id} runId={report.runId} />}

        <Section id="billing-customers" title="Billing tool's customers">
          {source.kind === 'file' ? (
            status.data !== undefined && <SourceFile integrationId={integration.id} configured={source.format} file={status.data.file} />
          ) : (
            <Text size="sm">
              Read at each run from <code>{withoutQuery(source.url)}</code>, page by page
              {source.headerNames.length > 0 ? `, with the headers ${source.headerNames.join(', ')} (their values sealed)` : ''}. Change it in the integration&apos;s settings.
            </Text>
          )}
        </Section>

        {report !== null && (
          <Section id="report-groups" title="Groups">
            <ItemsTable key={report.runId} integrationId={integration.id} report={report} />
          </Section>
        )}
      </Stack>
    </>
  );
}
