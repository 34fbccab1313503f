import { Badge, Button, Code, CopyButton, Group, Paper, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { api, unwrap } from '../../api/client.ts';
import { ErrorAlert } from '../ErrorAlert.tsx';
import { Notice } from './Notice.tsx';

type Check = Awaited<ReturnType<typeof readReport>>[number];

async function readReport(integrationId: string) {
  return unwrap(await api.GET('/api/v1/integrations/{id}/picklist-report', { params: { path: { id: integrationId } } })).data;
}

/** The metadata file that adds the missing values, to copy into an SFDX project and deploy. */
function MetadataFile({ metadata }: { metadata: NonNullable<Check['metadata']> }) {
  return (
    <Stack gap={4}>
      <Group justify="space-between" wrap="nowrap" gap="xs">
        <Text size="sm">
          Deploy <Code>{metadata.path}</Code> (the whole value set: deploying replaces it), or add the values in Setup.
        </Text>
        <CopyButton value={metadata.content}>
          {({ copied, copy }) => (
            <Button size="xs" variant="default" style={{ flexShrink: 0 }} onClick={copy} aria-label={`${copied ? 'Copied' : 'Copy'} ${metadata.path}`}>
              {copied ? 'Copied' : 'Copy'}
            </Button>
          )}
        </CopyButton>
      </Group>
      {/* A region, so the scrolled file can be reached and scrolled with the keyboard. */}
      <Code block role="region" aria-label={`Content of ${metadata.path}`} mah={320} style={{ overflow: 'auto' }} tabIndex={0}>
        {metadata.content}
      </Code>
    </Stack>
  );
}

function CheckResult({ check }: { check: Check }) {
  const name = `${check.object}.${check.field}`;
  const headingId = useId();
  return (
    <Paper component="section" withBorder p="sm" aria-labelledby={headingId}>
      <Stack gap="xs">
        <Group gap="xs">
          <Title order={4} size="h5" id={headingId}>
            {name}
          </Title>
          <Text size="sm" c="gray.7">
            codes of {check.entity}
          </Text>
        </Group>
        {check.problem !== null ? (
          <Text size="sm" c="red.9">
            Not checked: {check.problem}.
          </Text>
        ) : check.missing.length === 0 ? (
          <Text size="sm">Offers every code.</Text>
        ) : (
          <>
            <Group gap={6}>
              <Text size="sm">
                Lacks {check.missing.length} code{check.missing.length === 1 ? '' : 's'}:
              </Text>
              {check.missing.map((code) => (
                <Badge key={code} variant="outline" color="red.9" tt="none">
                  {code}
                </Badge>
              ))}
            </Group>
            {check.metadata !== null && <MetadataFile metadata={check.metadata} />}
          </>
        )}
      </Stack>
    </Paper>
  );
}

/**
 * The picklists a ReferenceData integration checks (settings.picklists), read from the org on
 * demand: the codes each lacks and the metadata that adds them. Ferry deploys no metadata itself.
 */
export function PicklistReport({ integrationId, connected }: { integrationId: string; connected: boolean }) {
  const [requested, setRequested] = useState(false);
  const report = useQuery({
    queryKey: ['integrations', integrationId, 'picklist-report'],
    queryFn: async () => readReport(integrationId),
    enabled: requested,
    staleTime: 0,
  });
  return (
    <Stack>
      <Group align="center">
        <Button variant="default" onClick={() => (requested ? void report.refetch() : setRequested(true))} loading={report.isFetching} disabled={!connected}>
          Check picklists
        </Button>
        <Text size="sm" c="gray.7">
          {connected ? 'Reads the org now: the codes of Ferry\u2019s values each picklist named in the configuration does not offer.' : 'Reads the org: connect a credential first.'}
        </Text>
      </Group>
      <ErrorAlert error={report.error} title="The picklists could not be checked" />
      {report.data !== undefined && report.data.length === 0 && <Text size="sm">No picklists are named in the configuration: nothing to check.</Text>}
      {report.data !== undefined && report.data.length > 0 && (
        <Stack gap="sm">
          {report.data.every((check) => check.problem === null && check.missing.length === 0) && (
            <Notice color="green" title="Every picklist offers Ferry's codes" role="status">
              Nothing to deploy.
            </Notice>
          )}
          {report.data.map((check, index) => (
            // The same picklist may be named twice (for two entities): its place tells them apart.
            <CheckResult key={`${index}:${check.entity}:${check.object}.${check.field}`} check={check} />
          ))}
        </Stack>
      )}
    </Stack>
  );
}
