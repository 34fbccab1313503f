import { Button, Group, Modal, Select, Stack, Table, Text, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useSearchParams } from 'react-router';
import { api, fieldErrors, unwrap, type Schemas } from '../api/client.ts';
import { ConfirmModal } from '../components/admin/ConfirmModal.tsx';
import { RecordPicker } from '../components/admin/RecordPicker.tsx';
import { CopyId } from '../components/CopyId.tsx';
import { ErrorAlert } from '../components/ErrorAlert.tsx';
import { formatDateTime } from '../components/format.ts';
import { PageTitle } from '../components/PageTitle.tsx';

type Mapping = Schemas['ExternalMappingRecord'];
type Entity = Schemas['ExternalMapping']['entity'];

const ENTITIES: Entity[] = ['accounts', 'contacts', 'contracts', 'commitments', 'balances', 'balance-transactions', 'bills', 'products', 'services', 'rate-plans', 'subscriptions', 'tickets', 'users'];

interface FormValues {
  externalSystem: string;
  externalTable: string;
  externalId: string;
  entity: Entity;
  entityId: string;
  integrationId: string;
}

/**
 * What a link from a missing-account-mapping event asks for: the Salesforce Account of a Ferry
 * account, which deliveries find through the mapping (externalSystem "salesforce", table "Account").
 */
function prefill(params: URLSearchParams): FormValues {
  const entity = params.get('entity');
  const known = ENTITIES.find((e) => e === entity) ?? 'accounts';
  return {
    externalSystem: params.get('externalSystem') ?? (known === 'accounts' ? 'salesforce' : ''),
    externalTable: params.get('externalTable') ?? (known === 'accounts' ? 'Account' : ''),
    externalId: params.get('externalId') ?? '',
    entity: known,
    entityId: params.get('entityId') ?? '',
    integrationId: params.get('integrationId') ?? '',
  };
}

export function ExternalMappingsPage() {
  const client = useQueryClient();
  const [params, setParams] = useSearchParams();
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors.at(-1);
  const mappings = useQuery({
    queryKey: ['external-mappings', cursor],
    queryFn: async () => unwrap(await api.GET('/api/v1/external-mappings', { params: { query: { limit: 50, ...(cursor === undefined ? {} : { cursor }) } } })),
  });
  const integrations = useQuery({ queryKey: ['integrations'], queryFn: async () => unwrap(await api.GET('/api/v1/integrations')).data });
  const integrationName = (id: string | undefined) => integrations.data?.find((i) => i.id === id)?.name;

  const creating = params.get('create') === '1';
  const form = useForm<FormValues>({ initialValues: prefill(params) });
  const openCreate = () => {
    form.setValues(prefill(new URLSearchParams()));
    form.clearErrors();
    create.reset();
    setParams({ create: '1' });
  };
  const closeCreate = () => setParams({});

  const create = useMutation({
    mutationFn: async (values: FormValues) => {
      const { integrationId, ...rest } = values;
      return unwrap(await api.POST('/api/v1/external-mappings', { body: { ...rest, ...(integrationId === '' ? {} : { integrationId }) } }));
    },
    onSuccess: async () => {
      closeCreate();
      await client.invalidateQueries({ queryKey: ['external-mappings'] });
    },
    onError: (error) => form.setErrors(fieldErrors(error)),
  });
  const [deleting, setDeleting] = useState<Mapping | null>(null);
  const remove = useMutation({
    mutationFn: async (mapping: Mapping) => unwrap(await api.DELETE('/api/v1/external-mappings/{id}', { params: { path: { id: mapping.id }, query: { version: mapping.version } } })),
    onSuccess: async () => {
      setDeleting(null);
      await client.invalidateQueries({ queryKey: ['external-mappings'] });
    },
  });
  const unplaced = create.error !== null && Object.keys(fieldErrors(create.error)).length === 0;

  return (
    <>
      <PageTitle title="External mappings">
        <Button onClick={openCreate}>Create mapping</Button>
      </PageTitle>
      <Text size="sm" c="gray.7" mb="md">
        A mapping ties a record of another system (system, table, id) to a Ferry record. Integrations that find the Salesforce Account through external mappings read the
        mappings with system &quot;salesforce&quot; and table &quot;Account&quot;; a mapping scoped to an integration counts only for it when the integration enforces its own mappings.
      </Text>
      <ErrorAlert error={mappings.error} title="The mappings could not be read" />
      {mappings.data !== undefined && (
        <>
          <Table.ScrollContainer minWidth={960} type="native">
            <Table striped aria-label="External mappings">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>External system</Table.Th>
                  <Table.Th>Table</Table.Th>
                  <Table.Th>External id</Table.Th>
                  <Table.Th>Ferry record</Table.Th>
                  <Table.Th>Integration</Table.Th>
                  <Table.Th>Created</Table.Th>
                  <Table.Th>Actions</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {mappings.data.data.length === 0 && (
                  <Table.Tr>
                    <Table.Td colSpan={7}>
                      <Text c="gray.7">No external mappings yet.</Text>
                    </Table.Td>
                  </Table.Tr>
                )}
                {mappings.data.data.map((mapping) => (
                  <Table.Tr key={mapping.id}>
                    <Table.Td>{mapping.externalSystem}</Table.Td>
                    <Table.Td>{mapping.externalTable}</Table.Td>
                    <Table.Td>
                      <code>{mapping.externalId}</code>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">{mapping.entity}</Text>
                      <CopyId value={mapping.entityId} label="Ferry record id" />
                    </Table.Td>
                    <Table.Td>{mapping.integrationId === undefined ? 'Any' : (integrationName(mapping.integrationId) ?? mapping.integrationId)}</Table.Td>
                    <Table.Td>{formatDateTime(mapping.createdAt)}</Table.Td>
                    <Table.Td>
                      <Button
                        size="xs"
                        variant="default"
                        aria-label={`Delete mapping ${mapping.externalSystem} ${mapping.externalTable} ${mapping.externalId}`}
                        onClick={() => {
                          remove.reset();
                          setDeleting(mapping);
                        }}
                      >
                        Delete
                      </Button>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          <Group mt="sm">
            <Button variant="default" size="xs" disabled={cursors.length === 0} onClick={() => setCursors(cursors.slice(0, -1))}>
              Previous page
            </Button>
            <Button variant="default" size="xs" disabled={mappings.data.nextCursor === null} onClick={() => mappings.data.nextCursor !== null && setCursors([...cursors, mappings.data.nextCursor])}>
              Next page
            </Button>
          </Group>
        </>
      )}

      <Modal closeButtonProps={{ 'aria-label': 'Close' }} opened={creating} onClose={closeCreate} title="Create an external mapping" centered size="lg">
        <form onSubmit={form.onSubmit((values) => create.mutate(values))}>
          <Stack>
            <Group grow align="flex-start">
              <TextInput label="External system" required {...form.getInputProps('externalSystem')} />
              <TextInput label="External table" required {...form.getInputProps('externalTable')} />
            </Group>
            <TextInput
              label="External id"
             
              description={form.values.externalSystem === 'salesforce' && form.values.externalTable === 'Account' ? 'The Salesforce Account Id (15 or 18 characters)' : undefined}
              required
              data-autofocus
              {...form.getInputProps('externalId')}
            />
            <Select
              label="Ferry entity"
              required
              allowDeselect={false}
              data={ENTITIES}
              {...form.getInputProps('entity')}
              onChange={(value) => {
                form.setFieldValue('entity', (value ?? 'accounts') as Entity);
                form.setFieldValue('entityId', '');
              }}
            />
            <RecordPicker
              key={form.values.entity}
              entity={form.values.entity}
              label="Ferry record"
              required
              value={form.values.entityId}
              onChange={(id) => form.setFieldValue('entityId', id)}
              error={form.errors.entityId}
            />
            <Select
              label="Integration"
             
              description="Optional: the mapping counts only for this integration when it enforces its own mappings"
              clearable
              data={(integrations.data ?? []).map((i) => ({ value: i.id, label: `${i.name} (${i.entityType})` }))}
              value={form.values.integrationId === '' ? null : form.values.integrationId}
              onChange={(value) => form.setFieldValue('integrationId', value ?? '')}
              error={form.errors.integrationId}
            />
            <ErrorAlert error={integrations.error} title="The integrations could not be read" />
            <ErrorAlert error={unplaced ? create.error : null} title="The mapping was not created" />
            <Group justify="flex-end">
              <Button variant="default" onClick={closeCreate}>
                Cancel
              </Button>
              <Button type="submit" loading={create.isPending}>
                Create mapping
              </Button>
            </Group>
          </Stack>
        </form>
      </Modal>

      <ConfirmModal
        opened={deleting !== null}
        title="Delete external mapping"
        confirmLabel="Delete"
        pending={remove.isPending}
        error={remove.error}
        onConfirm={() => deleting !== null && remove.mutate(deleting)}
        onClose={() => setDeleting(null)}
      >
        Delete the mapping of {deleting?.externalSystem} {deleting?.externalTable} <code>{deleting?.externalId}</code> to {deleting?.entity} <code>{deleting?.entityId}</code>?
        Integrations that rely on it will no longer find the record.
      </ConfirmModal>
    </>
  );
}
