import { Button, Group, Loader, Select, Stack, Table, Text, TextInput, VisuallyHidden } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useId, useRef, useState } from 'react';
import { api, fieldErrors, unwrap, type Schemas } from '../../api/client.ts';
import { ErrorAlert } from '../ErrorAlert.tsx';
import { Notice } from '../integration-details/Notice.tsx';

type View = Schemas['InvoiceColumns'];

/** Most columns the list shows (the API refuses more). */
const MAX_COLUMNS = 20;

/** A column being edited; `key` names it while it moves, so its errors and focus move with it. */
interface Row {
  key: number;
  field: string | null;
  label: string;
}

const columnsKey = (credentialId: string) => ['credentials', credentialId, 'invoice-columns'] as const;

/**
 * The columns of the invoice list on the Salesforce Account page, as the credential's org holds
 * them (its Ferry_Invoice_Column__c custom setting), edited as a whole and saved in one PUT.
 */
export function InvoiceColumnsEditor({ credentialId, onClose }: { credentialId: string; onClose: () => void }) {
  const columns = useQuery({
    queryKey: columnsKey(credentialId),
    queryFn: async () => unwrap(await api.GET('/api/v1/credentials/{id}/invoice-columns', { params: { path: { id: credentialId } } })),
    staleTime: 0,
  });
  if (columns.isPending) return <Loader aria-label="Reading the columns from the org" />;
  if (columns.isError) {
    return (
      <Stack>
        <ErrorAlert error={columns.error} title="The columns could not be read from the org" />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Close
          </Button>
        </Group>
      </Stack>
    );
  }
  return <Editor credentialId={credentialId} view={columns.data} onClose={onClose} />;
}

/** Row keys: unique in the page, nothing more. */
let lastKey = 0;
const nextKey = () => ++lastKey;

function rowsOf(view: View): Row[] {
  return view.columns.map((column) => ({ key: nextKey(), field: column.field, label: column.label }));
}

function Editor({ credentialId, view, onClose }: { credentialId: string; view: View; onClose: () => void }) {
  const client = useQueryClient();
  const baseId = useId();
  const [rows, setRows] = useState<Row[]>(() => rowsOf(view));
  const [saved, setSaved] = useState(false);
  // Where the keyboard goes after a move: the moved column's button, or its other one at an end
  // (a button that becomes disabled loses the focus).
  const focusAfterMove = useRef<{ key: number; direction: 'up' | 'down' } | null>(null);

  const save = useMutation({
    mutationFn: async (submitted: Row[]) =>
      unwrap(await api.PUT('/api/v1/credentials/{id}/invoice-columns', { params: { path: { id: credentialId } }, body: { columns: submitted.map((row) => ({ field: row.field ?? '', label: row.label })) } })),
    onMutate: () => setSaved(false),
    onSuccess: (result) => {
      client.setQueryData(columnsKey(credentialId), result);
      setRows(rowsOf(result));
      setSaved(true);
    },
  });

  useEffect(() => {
    const focus = focusAfterMove.current;
    if (focus === null) return;
    focusAfterMove.current = null;
    const index = rows.findIndex((row) => row.key === focus.key);
    const atEnd = focus.direction === 'up' ? index === 0 : index === rows.length - 1;
    const direction = atEnd ? (focus.direction === 'up' ? 'down' : 'up') : focus.direction;
    document.getElementById(`${baseId}-${focus.key}-${direction}`)?.focus();
  }, [rows, baseId]);

  // The API's errors (body.columns[2].field) belong to the rows as they were sent: they follow a row that moves.
  const errorsByKey = new Map<number, { field?: string; label?: string }>();
  let listError: string | undefined;
  for (const [path, message] of Object.entries(fieldErrors(save.error))) {
    const match = /^columns\.(\d+)\.(field|label)$/.exec(path);
    const row = match === null ? undefined : save.variables?.[Number(match[1])];
    if (match === null || row === undefined) {
      listError = listError === undefined ? message : `${listError}; ${message}`;
      continue;
    }
    errorsByKey.set(row.key, { ...errorsByKey.get(row.key), [match[2]!]: message });
  }

  const labelOf = new Map(view.fields.map((field) => [field.name, field.label]));
  // A column may name a field the org no longer has: it stays choosable, so the select shows it.
  const options = [
    ...view.fields.map((field) => ({ value: field.name, label: `${field.label} (${field.name})` })),
    ...rows.filter((row) => row.field !== null && !labelOf.has(row.field)).map((row) => ({ value: row.field!, label: `${row.field!} (not in the org)` })),
  ].filter((option, index, all) => all.findIndex((o) => o.value === option.value) === index);

  const change = (nextRows: Row[]) => {
    setSaved(false);
    setRows(nextRows);
  };
  const update = (key: number, patch: Partial<Row>) => change(rows.map((row) => (row.key === key ? { ...row, ...patch } : row)));
  const move = (index: number, direction: 'up' | 'down') => {
    const to = direction === 'up' ? index - 1 : index + 1;
    const moved = [...rows];
    [moved[index], moved[to]] = [moved[to]!, moved[index]!];
    change(moved);
    focusAfterMove.current = { key: rows[index]!.key, direction };
  };
  const unchanged = rows.length === view.columns.length && rows.every((row, index) => row.field === view.columns[index]!.field && row.label === view.columns[index]!.label);

  return (
    <Stack>
      <Text size="sm">
        The invoice list on each Salesforce Account page shows these columns, in this order. Changes show on every Account page at its next load: the org holds them, nothing is deployed.
      </Text>
      <ErrorAlert error={save.error} title="The columns were not saved" />
      {saved && (
        <Notice color="green" title="Columns saved" role="status">
          {rows.length === 0 ? 'No columns: the invoice list shows its default columns.' : `${rows.length} column${rows.length === 1 ? '' : 's'} saved in the org.`}
        </Notice>
      )}
      <Table withTableBorder aria-label="Invoice columns" verticalSpacing="xs">
        <Table.Thead>
          <Table.Tr>
            <Table.Th w={40}>#</Table.Th>
            <Table.Th>Ferry_Bill__c field</Table.Th>
            <Table.Th>Label</Table.Th>
            <Table.Th>
              <VisuallyHidden>Actions</VisuallyHidden>
            </Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.length === 0 && (
            <Table.Tr>
              <Table.Td colSpan={4}>
                <Text size="sm">No columns: the invoice list shows its default columns (bill number, dates, status, total, currency).</Text>
              </Table.Td>
            </Table.Tr>
          )}
          {rows.map((row, index) => {
            const n = index + 1;
            const errors = errorsByKey.get(row.key);
            return (
              <Table.Tr key={row.key} {...(errors === undefined ? {} : { bg: 'red.0' })}>
                <Table.Td style={{ verticalAlign: 'top' }}>
                  <Text size="sm" mt={6}>
                    {n}
                  </Text>
                </Table.Td>
                <Table.Td style={{ verticalAlign: 'top' }}>
                  <Select
                    aria-label={`Field of column ${n}`}
                    miw={290}
                    placeholder="Choose a field"
                    data={options}
                    value={row.field}
                    searchable
                    nothingFoundMessage="Ferry_Bill__c has no such field"
                    allowDeselect={false}
                    error={errors?.field}
                    onChange={(field) => {
                      const previous = row.field === null ? undefined : labelOf.get(row.field);
                      // The label follows the field until the person writes one of their own.
                      const label = row.label.trim() === '' || row.label === previous ? (field === null ? '' : (labelOf.get(field) ?? field)) : row.label;
                      update(row.key, { field, label });
                    }}
                  />
                </Table.Td>
                <Table.Td style={{ verticalAlign: 'top' }}>
                  <TextInput miw={150} aria-label={`Label of column ${n}`} value={row.label} maxLength={80} error={errors?.label} onChange={(event) => update(row.key, { label: event.currentTarget.value })} />
                </Table.Td>
                <Table.Td style={{ verticalAlign: 'top' }}>
                  <Group gap={4} wrap="nowrap">
                    <Button id={`${baseId}-${row.key}-up`} size="xs" variant="default" aria-label={`Move column ${n} up`} disabled={index === 0} onClick={() => move(index, 'up')}>
                      Up
                    </Button>
                    <Button id={`${baseId}-${row.key}-down`} size="xs" variant="default" aria-label={`Move column ${n} down`} disabled={index === rows.length - 1} onClick={() => move(index, 'down')}>
                      Down
                    </Button>
                    <Button size="xs" variant="subtle" color="red" c="red.9" aria-label={`Remove column ${n}`} onClick={() => change(rows.filter((r) => r.key !== row.key))}>
                      Remove
                    </Button>
                  </Group>
                </Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
      {listError !== undefined && (
        <Text size="sm" c="red.9" role="alert">
          {listError}
        </Text>
      )}
      <Group justify="space-between">
        <Group gap="xs">
          <Button variant="default" onClick={() => change([...rows, { key: nextKey(), field: null, label: '' }])} disabled={rows.length >= MAX_COLUMNS}>
            Add column
          </Button>
          {rows.length >= MAX_COLUMNS && <Text size="sm">At most {MAX_COLUMNS} columns.</Text>}
        </Group>
        <Group gap="xs">
          <Button variant="default" onClick={onClose}>
            {unchanged ? 'Close' : 'Cancel'}
          </Button>
          <Button onClick={() => save.mutate(rows)} loading={save.isPending} disabled={unchanged && !save.isError}>
            Save columns
          </Button>
        </Group>
      </Group>
    </Stack>
  );
}
