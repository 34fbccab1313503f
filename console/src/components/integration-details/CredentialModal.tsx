import { Anchor, Button, Group, Modal, Radio, Stack, Table, Text, VisuallyHidden } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { api, unwrap } from '../../api/client.ts';
import { ErrorAlert } from '../ErrorAlert.tsx';
import { StatusBadge } from '../StatusBadge.tsx';
import { useCredentials, useRefreshIntegration, type Integration } from './queries.ts';

/**
 * Picks one of the organization's credentials and connects the integration to it. Connecting
 * checks the mapping against that org and refuses a credential of another Salesforce org than the
 * one the integration already delivered to (org_mismatch): the API's answer is shown as it is.
 */
export function CredentialModal({ integration, opened, onClose }: { integration: Integration; opened: boolean; onClose: () => void }) {
  const credentials = useCredentials(opened);
  const refresh = useRefreshIntegration(integration.id);
  const [chosen, setChosen] = useState<string | null>(null);
  const selected = chosen ?? integration.credentialId ?? '';
  const connect = useMutation({
    mutationFn: async (credentialId: string) =>
      unwrap(await api.POST('/api/v1/integrations/{id}/connect', { params: { path: { id: integration.id } }, body: { credentialId } })),
    onSuccess: async (updated) => {
      await refresh(updated);
      close();
    },
  });
  const close = () => {
    setChosen(null);
    connect.reset();
    onClose();
  };
  const title = integration.credentialId === null ? 'Add credential' : 'Update credential';
  const list = credentials.data ?? [];
  return (
    <Modal closeButtonProps={{ 'aria-label': 'Close' }} opened={opened} onClose={close} title={title} size="xl">
      <Stack>
        <Text size="sm">
          Choose the Salesforce credential this integration sends with. Connecting checks the integration&apos;s mapping against that org
          {integration.salesforceOrgId !== null && (
            <>
              ; it already delivered to org <code>{integration.salesforceOrgId}</code>, and a credential of another org is refused until its links are purged
            </>
          )}
          .
        </Text>
        <ErrorAlert error={credentials.error} title="The credentials could not be listed" />
        {credentials.isSuccess && list.length === 0 && <Text>This organization has no credential yet.</Text>}
        {list.length > 0 && (
          <Radio.Group value={selected} onChange={setChosen} label="Credential" name="credential">
            <Table.ScrollContainer minWidth={640}>
              <Table verticalSpacing="xs">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>
                      <VisuallyHidden>Choose</VisuallyHidden>
                    </Table.Th>
                    <Table.Th>Name</Table.Th>
                    <Table.Th>Type</Table.Th>
                    <Table.Th>Status</Table.Th>
                    <Table.Th>Salesforce org</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {list.map((credential) => (
                    <Table.Tr key={credential.id}>
                      <Table.Td>
                        <Radio value={credential.id} aria-label={credential.name} />
                      </Table.Td>
                      <Table.Td>
                        {credential.name}
                        {credential.id === integration.credentialId && (
                          <Text span size="xs" c="gray.7">
                            {' '}
                            (current)
                          </Text>
                        )}
                      </Table.Td>
                      <Table.Td>{credential.type}</Table.Td>
                      <Table.Td>
                        <StatusBadge status={credential.status} />
                      </Table.Td>
                      <Table.Td>{credential.salesforceOrgId ?? <Text span c="gray.7">not tested yet</Text>}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          </Radio.Group>
        )}
        <ErrorAlert error={connect.error} title="The integration was not connected" />
        <Group justify="space-between">
          <Anchor component={Link} to="/credentials" size="sm">
            Create a new credential
          </Anchor>
          <Group gap="xs">
            <Button variant="default" onClick={close}>
              Cancel
            </Button>
            <Button onClick={() => connect.mutate(selected)} disabled={selected === ''} loading={connect.isPending}>
              Save and connect
            </Button>
          </Group>
        </Group>
      </Stack>
    </Modal>
  );
}
