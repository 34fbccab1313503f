import { Alert, Button, Code, CopyButton, Group, Modal, Stack, Table, Text, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, fieldErrors, unwrap, type Schemas } from '../api/client.ts';
import { ConfirmModal } from '../components/admin/ConfirmModal.tsx';
import { ErrorAlert } from '../components/ErrorAlert.tsx';
import { formatDateTime } from '../components/format.ts';
import { PageTitle } from '../components/PageTitle.tsx';

type ApiKey = Schemas['ApiKey'];

/** The organization's API keys: issued (shown once), listed by prefix, revoked. */
export function ApiKeysPage() {
  const client = useQueryClient();
  const keys = useQuery({ queryKey: ['api-keys'], queryFn: async () => unwrap(await api.GET('/api/v1/api-keys')).data });
  const [creating, setCreating] = useState(false);
  const [issued, setIssued] = useState<{ name: string; apiKey: string } | null>(null);
  const [revoking, setRevoking] = useState<ApiKey | null>(null);

  const form = useForm({ initialValues: { name: '' } });
  const create = useMutation({
    mutationFn: async (values: { name: string }) => unwrap(await api.POST('/api/v1/api-keys', { body: values })),
    onSuccess: async (result) => {
      setCreating(false);
      form.reset();
      setIssued({ name: result.key.name, apiKey: result.apiKey });
      await client.invalidateQueries({ queryKey: ['api-keys'] });
    },
    onError: (error) => form.setErrors(fieldErrors(error)),
  });
  const revoke = useMutation({
    mutationFn: async (id: string) => unwrap(await api.DELETE('/api/v1/api-keys/{id}', { params: { path: { id } } })),
    onSuccess: async () => {
      setRevoking(null);
      await client.invalidateQueries({ queryKey: ['api-keys'] });
    },
  });

  return (
    <>
      <PageTitle title="API keys">
        <Button
          onClick={() => {
            create.reset();
            setCreating(true);
          }}
        >
          Create API key
        </Button>
      </PageTitle>
      <Text size="sm" c="gray.7" mb="md">
        Keys authenticate calls to Ferry&apos;s API and sign-ins to this console. Ferry stores only a hash of each key; the prefix tells them apart.
      </Text>
      <ErrorAlert error={keys.error} title="The API keys could not be read" />
      {keys.data !== undefined && (
        <Table.ScrollContainer minWidth={960} type="native">
          <Table striped aria-label="API keys">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th>Prefix</Table.Th>
                <Table.Th>Created</Table.Th>
                <Table.Th>Revoked</Table.Th>
                <Table.Th>Actions</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {keys.data.map((key) => (
                <Table.Tr key={key.id}>
                  <Table.Td>
                    <Group gap="xs">
                      {key.name}
                      {key.current && (
                        <Text size="sm" c="gray.7">
                          (this session&apos;s key)
                        </Text>
                      )}
                    </Group>
                  </Table.Td>
                  <Table.Td>
                    <Code>{key.prefix}…</Code>
                  </Table.Td>
                  <Table.Td>{formatDateTime(key.createdAt)}</Table.Td>
                  <Table.Td>{key.revokedAt === null ? 'Active' : formatDateTime(key.revokedAt)}</Table.Td>
                  <Table.Td>
                    {key.revokedAt === null && (
                      <Button
                        size="xs"
                        variant="default"
                        aria-label={`Revoke ${key.name}`}
                        onClick={() => {
                          revoke.reset();
                          setRevoking(key);
                        }}
                      >
                        Revoke
                      </Button>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}

      <Modal closeButtonProps={{ 'aria-label': 'Close' }} opened={creating} onClose={() => setCreating(false)} title="Create an API key" centered>
        <form onSubmit={form.onSubmit((values) => create.mutate(values))}>
          <Stack>
            <TextInput label="Name" description="What the key is for, e.g. the system that uses it" required data-autofocus {...form.getInputProps('name')} />
            <ErrorAlert error={create.error !== null && Object.keys(fieldErrors(create.error)).length === 0 ? create.error : null} title="The key was not created" />
            <Group justify="flex-end">
              <Button variant="default" onClick={() => setCreating(false)}>
                Cancel
              </Button>
              <Button type="submit" loading={create.isPending}>
                Create
              </Button>
            </Group>
          </Stack>
        </form>
      </Modal>

      <Modal closeButtonProps={{ 'aria-label': 'Close' }} opened={issued !== null} onClose={() => setIssued(null)} title={`API key "${issued?.name ?? ''}" created`} centered size="lg" closeOnClickOutside={false}>
        {issued !== null && (
          <Stack>
            <Alert color="orange" styles={{ title: { color: 'var(--mantine-color-text)' } }} title="Copy it now: you will not see it again" role="status">
              Ferry keeps only a hash of the key. Store it somewhere safe; if it is lost, create another and revoke this one.
            </Alert>
            <Code block aria-label="The new API key">
              {issued.apiKey}
            </Code>
            <Group justify="flex-end">
              <CopyButton value={issued.apiKey}>
                {({ copied, copy }) => (
                  <Button variant={copied ? 'light' : 'filled'} onClick={copy}>
                    {copied ? 'Copied' : 'Copy key'}
                  </Button>
                )}
              </CopyButton>
              <Button variant="default" onClick={() => setIssued(null)}>
                Done
              </Button>
            </Group>
          </Stack>
        )}
      </Modal>

      <ConfirmModal
        opened={revoking !== null}
        title="Revoke API key"
        confirmLabel="Revoke"
        pending={revoke.isPending}
        error={revoke.error}
        onConfirm={() => revoking !== null && revoke.mutate(revoking.id)}
        onClose={() => setRevoking(null)}
      >
        Revoke <strong>{revoking?.name}</strong> (<code>{revoking?.prefix}…</code>)? Calls made with it are refused from now on{revoking?.current === true ? ', and this console session ends' : ''}. This cannot be undone.
      </ConfirmModal>
    </>
  );
}
