import { Button, Group, Modal, Paper, Stack, Tabs, Text, Title } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { api, unwrap } from '../api/client.ts';
import { ErrorAlert } from '../components/ErrorAlert.tsx';
import { EventsTable } from '../components/EventsTable.tsx';
import { formatDateTime } from '../components/format.ts';
import { CredentialModal } from '../components/integration-details/CredentialModal.tsx';
import { Notice } from '../components/integration-details/Notice.tsx';
import { IntegrationSummary } from '../components/integration-details/IntegrationSummary.tsx';
import { MappingEditor } from '../components/integration-details/MappingEditor.tsx';
import { PicklistReport } from '../components/integration-details/PicklistReport.tsx';
import { PreviewPanel } from '../components/integration-details/PreviewPanel.tsx';
import { useIntegration, useRefreshIntegration, type Integration } from '../components/integration-details/queries.ts';
import { MAPPED_OBJECTS } from '../components/integration-form/options.ts';
import { IMPORTS, isImport } from '../components/imports/kinds.ts';
import { SyncNow } from '../components/integration-details/SyncNow.tsx';
import { PageTitle } from '../components/PageTitle.tsx';
import { ReportPanel } from '../components/reconciliation/ReportPanel.tsx';
import { RequestLogTable } from '../components/RequestLogTable.tsx';
import { RunsTable } from '../components/RunsTable.tsx';
import { StatusBadge } from '../components/StatusBadge.tsx';
import { SyncLogTable } from '../components/SyncLogTable.tsx';

/** One integration: its state, what it is configured to do, its mapping, and what it did. */
export function IntegrationDetailsPage() {
  const { id = '' } = useParams();
  const integration = useIntegration(id);
  if (integration.isPending) return <PageTitle title="Integration" />;
  if (integration.isError) {
    return (
      <>
        <PageTitle title="Integration" />
        <ErrorAlert error={integration.error} title="The integration could not be read" />
      </>
    );
  }
  return <Details integration={integration.data} />;
}

function Details({ integration }: { integration: Integration }) {
  const refresh = useRefreshIntegration(integration.id);
  const [credentialOpen, setCredentialOpen] = useState(false);
  const [confirmDisconnect, setConfirmDisconnect] = useState(false);
  const action = useMutation({
    mutationFn: async (which: 'enable' | 'disable' | 'disconnect') => {
      const options = { params: { path: { id: integration.id } } };
      switch (which) {
        case 'enable':
          return unwrap(await api.POST('/api/v1/integrations/{id}/enable', options));
        case 'disable':
          return unwrap(await api.POST('/api/v1/integrations/{id}/disable', options));
        case 'disconnect':
          return unwrap(await api.POST('/api/v1/integrations/{id}/disconnect', options));
      }
    },
    onSuccess: async (updated, which) => {
      if (which === 'disconnect') setConfirmDisconnect(false);
      await refresh(updated);
    },
  });
  const connected = integration.credentialId !== null;
  const reads = integration.sync.direction !== 'to_salesforce';
  const entityType = integration.entityType;
  const importKind = isImport(entityType) ? entityType : null;
  // A reconciliation writes nothing: no mapping, no preview; its report is its outcome.
  const reconciliation = integration.reconciliation;
  return (
    <>
      <PageTitle title={integration.name}>
        <Button component={Link} to={`/integrations/${integration.id}/edit`} variant="default">
          Edit
        </Button>
        <Button variant="default" onClick={() => setCredentialOpen(true)}>
          {connected ? 'Update credential' : 'Add credential'}
        </Button>
        {connected && (
          <Button variant="default" onClick={() => setConfirmDisconnect(true)}>
            Disconnect
          </Button>
        )}
        {integration.enabled ? (
          <Button variant="default" onClick={() => action.mutate('disable')} loading={action.isPending && action.variables === 'disable'}>
            Disable
          </Button>
        ) : (
          <Button variant="default" onClick={() => action.mutate('enable')} loading={action.isPending && action.variables === 'enable'}>
            Enable
          </Button>
        )}
      </PageTitle>
      <Stack gap="lg">
        <Group gap="xs" role="group" aria-labelledby="integration-status">
          <Text fw={600} id="integration-status">
            Status
          </Text>
          <StatusBadge status={integration.status} />
        </Group>
        <ErrorAlert error={action.error} title={`The integration could not be ${action.variables === 'enable' ? 'enabled' : action.variables === 'disable' ? 'disabled' : 'disconnected'}`} />
        {!connected && (
          <Notice color="orange" title="Not connected" role="status">
            This integration sends nothing (and reads nothing) until a credential is added and connected: choose one with Add credential.
          </Notice>
        )}
        {!integration.enabled && (
          <Notice color="gray" title="Disabled" role="status">
            {integration.disabledReason ?? 'Disabled'}
            {integration.disabledAt !== null && ` (since ${formatDateTime(integration.disabledAt)})`}. Nothing runs until it is enabled again; enabling resets the successive-error count.
          </Notice>
        )}
        {connected && integration.enabled && integration.lastRun === null && integration.sync.direction !== 'from_salesforce' && (
          <Notice color="blue" title="No run yet" role="status">
            {importKind !== null
              ? `Nothing is imported yet: ${IMPORTS[importKind].action} below writes ${IMPORTS[importKind].what}.`
              : reconciliation !== null
                ? 'No report yet: Run now on the reconciliation report compares the three sides (it also runs on its schedule).'
                : <>This integration sends the changes made since it was created. To send the records that exist already, choose &ldquo;Full: every Ferry record&rdquo; in Sync now below.</>}
          </Notice>
        )}
        {integration.pausedUntil !== null && (
          <Notice color="yellow" title="Paused">
            Runs wait until {formatDateTime(integration.pausedUntil)} (the org&apos;s API limit).
          </Notice>
        )}

        <Paper withBorder p="md">
          <Title order={3} size="h4" mb="sm">
            Configuration
          </Title>
          <IntegrationSummary integration={integration} />
        </Paper>

        {reconciliation !== null ? (
          <Paper component="section" withBorder p="md" aria-labelledby="reconciliation-report">
            <Title order={3} size="h4" mb="sm" id="reconciliation-report">
              Reconciliation report
            </Title>
            <ReportPanel integrationId={integration.id} fileSource={reconciliation.source.kind === 'file'} />
          </Paper>
        ) : (
          <Paper withBorder p="md">
            <Title order={3} size="h4" mb="sm">
              {importKind === null ? 'Sync now' : 'Import'}
            </Title>
            <SyncNow integration={integration} />
          </Paper>
        )}

        {entityType === 'ReferenceData' && (
          <Paper component="section" withBorder p="md" aria-labelledby="picklist-report">
            <Title order={3} size="h4" mb="sm" id="picklist-report">
              Picklists
            </Title>
            <PicklistReport integrationId={integration.id} connected={connected} />
          </Paper>
        )}

        {entityType !== 'Reconciliation' && (
          <Paper withBorder p="md">
            <Title order={3} size="h4" mb="sm">
              Field mapping
            </Title>
            {entityType === 'ReferenceData' ? (
              <Text size="sm">Reference data has fixed fields: each value is a Ferry_Reference__c record (its type, code, name and what its type adds), so there is no mapping to edit.</Text>
            ) : (
              <MappingEditor integrationId={integration.id} defaultObject={MAPPED_OBJECTS[entityType]} />
            )}
          </Paper>
        )}

        {integration.sync.direction !== 'from_salesforce' && entityType !== 'Reconciliation' && (
          <Paper withBorder p="md">
            <Title order={3} size="h4" mb="sm">
              Preview
            </Title>
            <PreviewPanel integrationId={integration.id} />
          </Paper>
        )}

        <Tabs defaultValue="runs" keepMounted={false}>
          <Tabs.List aria-label="Activity">
            <Tabs.Tab value="runs">Runs</Tabs.Tab>
            <Tabs.Tab value="events">Events</Tabs.Tab>
            <Tabs.Tab value="requests">Request log</Tabs.Tab>
            {reads && <Tabs.Tab value="sync-log">Sync log</Tabs.Tab>}
          </Tabs.List>
          <Tabs.Panel value="runs" pt="md">
            <RunsTable integrationId={integration.id} />
          </Tabs.Panel>
          <Tabs.Panel value="events" pt="md">
            <EventsTable integrationId={integration.id} />
          </Tabs.Panel>
          <Tabs.Panel value="requests" pt="md">
            <RequestLogTable integrationId={integration.id} />
          </Tabs.Panel>
          {reads && (
            <Tabs.Panel value="sync-log" pt="md">
              <SyncLogTable integrationId={integration.id} />
            </Tabs.Panel>
          )}
        </Tabs>
      </Stack>

      <CredentialModal integration={integration} opened={credentialOpen} onClose={() => setCredentialOpen(false)} />
      <Modal closeButtonProps={{ 'aria-label': 'Close' }} opened={confirmDisconnect} onClose={() => setConfirmDisconnect(false)} title="Disconnect this integration?">
        <Stack>
          <Text size="sm">
            It stops sending{reads ? ' and reading' : ''} until a credential is connected again. The records it delivered stay linked, so connecting a credential of the same Salesforce org carries on where it stopped.
          </Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setConfirmDisconnect(false)}>
              Cancel
            </Button>
            <Button color="red.9" onClick={() => action.mutate('disconnect')} loading={action.isPending}>
              Disconnect
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}
