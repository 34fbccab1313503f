import { Anchor, Alert, Button, Group, Modal, Stack, Table, Text } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Fragment, useState } from 'react';
import { Link } from 'react-router';
import { api, unwrap } from '../api/client.ts';
import { ConfirmModal } from '../components/admin/ConfirmModal.tsx';
import { CopyId } from '../components/CopyId.tsx';
import { CredentialForm, type Credential } from '../components/credentials/CredentialForm.tsx';
import { InvoiceColumnsEditor } from '../components/credentials/InvoiceColumnsEditor.tsx';
import { TestResult, type TestOutcome } from '../components/credentials/TestResult.tsx';
import { ErrorAlert } from '../components/ErrorAlert.tsx';
import { ImportRunStatus } from '../components/imports/ImportRunStatus.tsx';
import { IMPORTS, type ImportKind } from '../components/imports/kinds.ts';
import { formatDateTime, LIVE_REFRESH_MS } from '../components/format.ts';
import { PageTitle } from '../components/PageTitle.tsx';
import { StatusBadge } from '../components/StatusBadge.tsx';

/** The imports a credential starts, each into its org: the same order as their buttons. */
const IMPORT_KINDS: ImportKind[] = ['Catalogue', 'ReferenceData'];

/**
 * An import into a credential's org: it runs the credential's integration of that kind (made the
 * first time), and the page follows the run it answers with.
 */
function useImport(kind: ImportKind) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (credential: Credential) => {
      const options = { params: { path: { id: credential.id } } };
      const started = kind === 'Catalogue' ? await api.POST('/api/v1/credentials/{id}/import-catalogue', options) : await api.POST('/api/v1/credentials/{id}/import-data', options);
      return { name: credential.name, started: unwrap(started) };
    },
    onSuccess: async () => {
      await client.invalidateQueries({ queryKey: ['integrations'] });
      await client.invalidateQueries({ queryKey: ['runs'] });
    },
  });
}

/** Salesforce credentials: created per flow, tested, authorized in a browser, changed, deleted, imported into, and the org's invoice columns. */
export function CredentialsPage() {
  const client = useQueryClient();
  // While a person approves access in another tab, the list is read again until the credential connects.
  const [connecting, setConnecting] = useState<{ id: string; name: string; url: string } | null>(null);
  const credentials = useQuery({
    queryKey: ['credentials'],
    queryFn: async () => unwrap(await api.GET('/api/v1/credentials')).data,
    refetchInterval: connecting === null ? false : LIVE_REFRESH_MS,
  });
  const integrations = useQuery({ queryKey: ['integrations'], queryFn: async () => unwrap(await api.GET('/api/v1/integrations')).data });
  const [editing, setEditing] = useState<Credential | 'new' | null>(null);
  const [deleting, setDeleting] = useState<Credential | null>(null);
  const [tested, setTested] = useState<{ name: string; outcome: TestOutcome } | null>(null);
  const refresh = () => client.invalidateQueries({ queryKey: ['credentials'] });

  const test = useMutation({
    mutationFn: async (credential: Credential) => ({ name: credential.name, outcome: unwrap(await api.POST('/api/v1/credentials/{id}/test', { params: { path: { id: credential.id } } })) }),
    onMutate: () => setTested(null),
    onSuccess: async (result) => {
      setTested(result);
      await refresh();
    },
  });
  const imports = { Catalogue: useImport('Catalogue'), ReferenceData: useImport('ReferenceData') };
  const [columnsOf, setColumnsOf] = useState<Credential | null>(null);
  const authorize = useMutation({
    mutationFn: async (credential: Credential) => ({ credential, answer: unwrap(await api.POST('/api/v1/credentials/{id}/authorize', { params: { path: { id: credential.id } } })) }),
    onSuccess: ({ credential, answer }) => {
      setConnecting({ id: credential.id, name: credential.name, url: answer.authorizeUrl });
      window.open(answer.authorizeUrl, '_blank', 'noopener');
    },
  });
  const remove = useMutation({
    mutationFn: async (id: string) => unwrap(await api.DELETE('/api/v1/credentials/{id}', { params: { path: { id } } })),
    onSuccess: async () => {
      setDeleting(null);
      await refresh();
    },
  });

  const connectingNow = connecting === null ? undefined : credentials.data?.find((c) => c.id === connecting.id);
  const users = (id: string) => (integrations.data ?? []).filter((i) => i.credentialId === id);

  return (
    <>
      <PageTitle title="Credentials">
        <Button onClick={() => setEditing('new')}>New credential</Button>
      </PageTitle>
      <Text size="sm" c="gray.7" mb="md">
        How Ferry signs in to a Salesforce org. Secrets are stored sealed and never shown again; an integration uses one credential, and a credential stays bound to the org it first
        connected to.
      </Text>
      <Stack gap="sm" mb="md">
        <ErrorAlert error={credentials.error} title="The credentials could not be read" />
        <ErrorAlert error={test.error} title="The test did not run" />
        <ErrorAlert error={authorize.error} title="Connect did not start" />
        {tested !== null && <TestResult name={tested.name} outcome={tested.outcome} />}
        {IMPORT_KINDS.map((kind) => {
          const started = imports[kind];
          return (
            <Fragment key={kind}>
              <ErrorAlert error={started.error} title={`The ${IMPORTS[kind].name.toLowerCase()} did not start`} />
              {started.data !== undefined && (
                <ImportRunStatus key={started.data.started.run.id} kind={kind} started={started.data.started.run} target={`the org of "${started.data.name}"`} linkToIntegration />
              )}
            </Fragment>
          );
        })}
        {connecting !== null && (
          <Alert
            styles={{ title: { color: 'var(--mantine-color-text)' } }}
            color={connectingNow?.status === 'connected' ? 'green' : connectingNow?.status === 'failed' ? 'red' : 'indigo'}
            title={connectingNow?.status === 'connected' ? `"${connecting.name}" is connected` : `Connecting "${connecting.name}"`}
            role="status"
            withCloseButton
            closeButtonLabel="Dismiss"
            onClose={() => setConnecting(null)}
          >
            {connectingNow?.status === 'connected' ? (
              <Text size="sm">
                Salesforce approved access: org <code>{connectingNow.salesforceOrgId}</code>, user <code>{connectingNow.salesforceUserId}</code>.
              </Text>
            ) : connectingNow?.status === 'failed' ? (
              <Text size="sm">
                Approved, but the connection test failed: {connectingNow.lastError?.errorCode}: {connectingNow.lastError?.message}
              </Text>
            ) : (
              <Text size="sm">
                Approve access in the Salesforce page that opened in a new tab; this page updates when it is done. If no tab opened,{' '}
                <Anchor href={connecting.url} target="_blank" rel="noopener noreferrer">
                  open Salesforce&apos;s approval page
                </Anchor>
                .
              </Text>
            )}
          </Alert>
        )}
      </Stack>
      {credentials.data !== undefined && (
        <Table.ScrollContainer minWidth={960} type="native">
          <Table striped aria-label="Credentials" verticalSpacing="sm">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th>Type</Table.Th>
                <Table.Th miw={150}>Status</Table.Th>
                <Table.Th>Salesforce org</Table.Th>
                <Table.Th>Last tested</Table.Th>
                <Table.Th>Last error</Table.Th>
                <Table.Th>Actions</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {credentials.data.length === 0 && (
                <Table.Tr>
                  <Table.Td colSpan={7}>
                    <Text c="gray.7">No credentials yet. Create one to connect an integration to Salesforce.</Text>
                  </Table.Td>
                </Table.Tr>
              )}
              {credentials.data.map((credential) => (
                <Table.Tr key={credential.id}>
                  <Table.Td>
                    <Text size="sm" fw={500}>
                      {credential.name}
                    </Text>
                    <Text size="xs" c="gray.7">
                      {credential.settings.username ?? credential.settings.clientId ?? ''}
                    </Text>
                  </Table.Td>
                  <Table.Td>{credential.type}</Table.Td>
                  <Table.Td>
                    <StatusBadge status={credential.status} />
                  </Table.Td>
                  <Table.Td>
                    {credential.salesforceOrgId === null ? (
                      <Text size="sm" c="gray.7">
                        Not connected yet
                      </Text>
                    ) : (
                      <>
                        <CopyId value={credential.salesforceOrgId} label="Salesforce org id" />
                        <Text size="xs" c="gray.7">
                          {credential.instanceUrl}
                        </Text>
                      </>
                    )}
                  </Table.Td>
                  <Table.Td>{formatDateTime(credential.lastTestedAt)}</Table.Td>
                  <Table.Td maw={280}>
                    {credential.lastError === null ? (
                      '—'
                    ) : (
                      <Text size="sm">
                        <code>{credential.lastError.errorCode}</code>: {credential.lastError.message}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>
                    {/* The credential's own actions, then what it does in its org (wrapped to the column's width). */}
                    <Stack gap={6}>
                      <Group gap={6} wrap="nowrap">
                        {credential.type === 'authorization_code' && (
                          <Button size="xs" aria-label={`Connect ${credential.name}`} loading={authorize.isPending && authorize.variables.id === credential.id} onClick={() => authorize.mutate(credential)}>
                            Connect
                          </Button>
                        )}
                        <Button
                          size="xs"
                          variant="default"
                          aria-label={`Test connection of ${credential.name}`}
                          loading={test.isPending && test.variables.id === credential.id}
                          onClick={() => test.mutate(credential)}
                        >
                          Test connection
                        </Button>
                        <Button size="xs" variant="default" aria-label={`Edit ${credential.name}`} onClick={() => setEditing(credential)}>
                          Edit
                        </Button>
                        <Button
                          size="xs"
                          variant="default"
                          aria-label={`Delete ${credential.name}`}
                          onClick={() => {
                            remove.reset();
                            setDeleting(credential);
                          }}
                        >
                          Delete
                        </Button>
                      </Group>
                      <Group gap={6}>
                        {IMPORT_KINDS.map((kind) => {
                          const start = imports[kind];
                          return (
                            <Button
                              key={kind}
                              size="xs"
                              variant="default"
                              aria-label={`${IMPORTS[kind].action} into ${credential.name}`}
                              loading={start.isPending && start.variables.id === credential.id}
                              onClick={() => start.mutate(credential)}
                            >
                              {IMPORTS[kind].action}
                            </Button>
                          );
                        })}
                        <Button size="xs" variant="default" aria-label={`Invoice columns of ${credential.name}`} onClick={() => setColumnsOf(credential)}>
                          Invoice columns
                        </Button>
                      </Group>
                    </Stack>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}

      <Modal closeButtonProps={{ 'aria-label': 'Close' }} opened={editing !== null} onClose={() => setEditing(null)} title={editing === 'new' ? 'New credential' : `Change "${editing?.name ?? ''}"`} centered size="lg">
        {editing !== null && (
          <CredentialForm
            {...(editing === 'new' ? {} : { credential: editing })}
            onCancel={() => setEditing(null)}
            onSaved={() => {
              setEditing(null);
              setTested(null);
              void refresh();
            }}
          />
        )}
      </Modal>

      <Modal
        closeButtonProps={{ 'aria-label': 'Close' }}
        opened={columnsOf !== null}
        onClose={() => setColumnsOf(null)}
        title={`Invoice columns in the org of "${columnsOf?.name ?? ''}"`}
        centered
        size="xl"
      >
        {columnsOf !== null && <InvoiceColumnsEditor credentialId={columnsOf.id} onClose={() => setColumnsOf(null)} />}
      </Modal>

      <ConfirmModal
        opened={deleting !== null}
        title="Delete credential"
        confirmLabel="Delete"
        pending={remove.isPending}
        error={remove.error}
        onConfirm={() => deleting !== null && remove.mutate(deleting.id)}
        onClose={() => setDeleting(null)}
      >
        Delete <strong>{deleting?.name}</strong>? Its secrets are erased.
        {deleting !== null && users(deleting.id).length > 0 && (
          <>
            {' '}
            These integrations use it, so Ferry will refuse until they are disconnected or switched to another credential:{' '}
            {users(deleting.id).map((integration, index) => (
              <span key={integration.id}>
                {index > 0 && ', '}
                <Anchor component={Link} to={`/integrations/${integration.id}`}>
                  {integration.name}
                </Anchor>
              </span>
            ))}
            .
          </>
        )}
      </ConfirmModal>
    </>
  );
}
