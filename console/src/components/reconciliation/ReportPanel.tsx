import { Anchor, Stack, Text } from '@mantine/core';
import { Link } from 'react-router';
import { ErrorAlert } from '../ErrorAlert.tsx';
import { formatDateTime } from '../format.ts';
import { formatBytes, formatShare, useReconciliation } from './queries.ts';

/** The latest report in a sentence on the integration's page, and the way to the whole of it. */
export function ReportPanel({ integrationId, fileSource }: { integrationId: string; fileSource: boolean }) {
  const status = useReconciliation(integrationId);
  const report = status.data?.report ?? null;
  const file = status.data?.file ?? null;
  return (
    <Stack gap="xs">
      <ErrorAlert error={status.error} title="The report could not be read" />
      {status.isPending && <Text size="sm">Reading the report…</Text>}
      {status.data !== undefined && (
        <Text size="sm">
          {report === null
            ? 'No report yet.'
            : `Latest report ${formatDateTime(report.createdAt)}: ${formatShare(report.summary.matchedShare)} of the Salesforce Accounts matched on all three sides; ${report.summary.withDifferences.toLocaleString()} groups with differences.`}{' '}
          {fileSource && (file === null ? 'No file of the billing tool\u2019s customers uploaded yet.' : `Billing tool\u2019s file: ${formatBytes(file.bytes)}, uploaded ${formatDateTime(file.uploadedAt)}.`)}
        </Text>
      )}
      <Anchor component={Link} to={`/integrations/${integrationId}/reconciliation`} size="sm">
        Open the reconciliation report
      </Anchor>
    </Stack>
  );
}
