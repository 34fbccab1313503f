import { Button, Code, Group, List, Select, Stack, Table, Text } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, unwrap } from '../../api/client.ts';
import { ErrorAlert } from '../ErrorAlert.tsx';
import { StatusBadge } from '../StatusBadge.tsx';
import { CATEGORIES, CATEGORY_TEXT, isCategory, reconciliationKey, SIDE_TEXT, useItems, type Category, type Difference, type Item, type Report, type Side } from './queries.ts';

/** Groups a page shows. */
const PAGE_SIZE = 50;
const ALL = 'all';

/** A side's value in a difference: a side not compared is a dash, a compared side without a value "empty". */
function SideValue({ difference, side }: { difference: Difference; side: Side }) {
  const value = difference[side];
  if (value === undefined) return <span title={`${SIDE_TEXT[side]}: not compared`}>—</span>;
  if (value === null) return <em title={`${SIDE_TEXT[side]}: no value`}>empty</em>;
  return <span title={SIDE_TEXT[side]}>{value}</span>;
}

interface Duplicate {
  side: Side;
  key: string;
  records: string[];
  total: number;
}

/** A duplicate's detail as the API writes it (the side, the key, up to 20 records and how many). */
function duplicateOf(detail: Item['detail']): Duplicate | undefined {
  if (detail === null) return undefined;
  const { side, key, records, total } = detail;
  if ((side !== 'salesforce' && side !== 'ferry' && side !== 'source') || typeof key !== 'string' || !Array.isArray(records) || typeof total !== 'number') return undefined;
  return { side, key, records: records.map(String), total };
}

function Ids({ item }: { item: Item }) {
  const ids: [string, string | null][] = [
    ['Salesforce', item.salesforceId],
    ['Ferry', item.ferryId],
    ['Billing tool', item.sourceId],
  ];
  const shown = ids.filter((id): id is [string, string] => id[1] !== null);
  if (shown.length === 0) return <>—</>;
  return (
    <Stack gap={2}>
      {shown.map(([side, id]) => (
        <Text key={side} size="xs">
          {side}: <Code>{id}</Code>
        </Text>
      ))}
    </Stack>
  );
}

/**
 * A report's groups, of one category or all, a page at a time: each with its name, its records'
 * ids on each side, and its differences (Ferry / Salesforce / billing tool), each dismissed or
 * with a button that dismisses it; a duplicate with the records that share its key.
 */
export function ItemsTable({ integrationId, report }: { integrationId: string; report: Report }) {
  const client = useQueryClient();
  const [category, setCategory] = useState<Category | null>(null);
  // The `after` of each page shown so far: the last is the current page's.
  const [pages, setPages] = useState<(number | null)[]>([null]);
  const after = pages.at(-1) ?? null;
  const items = useItems(integrationId, report.runId, category, after, PAGE_SIZE);
  const dismiss = useMutation({
    mutationFn: async ({ n, field }: { n: number; field: string }) =>
      unwrap(await api.POST('/api/v1/integrations/{id}/reconciliation/dismissals', { params: { path: { id: integrationId } }, body: { n, field } })),
    onSuccess: async () => {
      await client.invalidateQueries({ queryKey: reconciliationKey(integrationId) });
    },
  });
  const total = category === null ? CATEGORIES.reduce((sum, c) => sum + report.summary.counts[c], 0) : report.summary.counts[category];
  const options = [
    { value: ALL, label: `All groups (${CATEGORIES.reduce((sum, c) => sum + report.summary.counts[c], 0).toLocaleString()})` },
    ...CATEGORIES.map((c) => ({ value: c, label: `${CATEGORY_TEXT[c].label} (${report.summary.counts[c].toLocaleString()})` })),
  ];
  const csv = `/api/v1/integrations/${integrationId}/reconciliation/items.csv${category === null ? '' : `?category=${category}`}`;
  const first = (pages.length - 1) * PAGE_SIZE;
  const shown = items.data?.data ?? [];
  return (
    <Stack gap="sm">
      <Group align="flex-end" justify="space-between">
        <Select
          label="Category"
          data={options}
          value={category ?? ALL}
          allowDeselect={false}
          w={320}
          onChange={(value) => {
            setCategory(isCategory(value) ? value : null);
            setPages([null]);
          }}
        />
        <Button component="a" href={csv} download={`reconciliation-${category ?? 'all'}.csv`} variant="default">
          Export CSV
        </Button>
      </Group>
      <ErrorAlert error={items.error} title="The groups could not be read" />
      <ErrorAlert error={dismiss.error} title="The difference was not dismissed" />
      {items.isPending && <Text size="sm">Reading the groups…</Text>}
      {items.data !== undefined && shown.length === 0 && <Text size="sm">No group in this category.</Text>}
      {shown.length > 0 && (
        <Table.ScrollContainer minWidth={900}>
          <Table striped withTableBorder aria-label="Groups of the report" verticalSpacing="xs">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th>Category</Table.Th>
                <Table.Th>Records</Table.Th>
                <Table.Th>Differences (Ferry / Salesforce / billing tool)</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {shown.map((item) => {
                const name = item.name ?? `group ${item.n}`;
                const duplicate = item.category === 'duplicate' ? duplicateOf(item.detail) : undefined;
                return (
                  <Table.Tr key={item.n}>
                    <Table.Td>{item.name ?? <em>no name</em>}</Table.Td>
                    <Table.Td>{CATEGORY_TEXT[item.category].label}</Table.Td>
                    <Table.Td>
                      {duplicate === undefined ? (
                        <Ids item={item} />
                      ) : (
                        <Text size="xs">
                          {duplicate.total} {SIDE_TEXT[duplicate.side]} records share a {duplicate.key}: {duplicate.records.join(', ')}
                          {duplicate.total > duplicate.records.length && ` and ${duplicate.total - duplicate.records.length} more`}
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td>
                      {item.differences.length === 0 ? (
                        <Text size="sm" c="gray.7">
                          None
                        </Text>
                      ) : (
                        <List size="sm" listStyleType="none" spacing={4}>
                          {item.differences.map((difference) => (
                            <List.Item key={difference.field}>
                              <Group gap={6} wrap="nowrap">
                                <span>
                                  <strong>{difference.field}</strong>: <SideValue difference={difference} side="ferry" /> / <SideValue difference={difference} side="salesforce" /> / <SideValue difference={difference} side="source" />
                                </span>
                                {difference.dismissed ? (
                                  <StatusBadge status="dismissed" />
                                ) : (
                                  <Button
                                    size="compact-xs"
                                    variant="default"
                                    aria-label={`Dismiss the ${difference.field} difference of ${name}`}
                                    loading={dismiss.isPending && dismiss.variables.n === item.n && dismiss.variables.field === difference.field}
                                    onClick={() => dismiss.mutate({ n: item.n, field: difference.field })}
                                  >
                                    Dismiss
                                  </Button>
                                )}
                              </Group>
                            </List.Item>
                          ))}
                        </List>
                      )}
                    </Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {items.data !== undefined && (pages.length > 1 || items.data.next !== null) && (
        <Group justify="space-between">
          <Text size="sm">
            Groups {(first + 1).toLocaleString()}–{(first + shown.length).toLocaleString()} of {total.toLocaleString()}
          </Text>
          <Group gap="xs">
            <Button variant="default" disabled={pages.length === 1} onClick={() => setPages(pages.slice(0, -1))}>
              Previous page
            </Button>
            <Button variant="default" disabled={items.data.next === null} onClick={() => items.data.next !== null && setPages([...pages, items.data.next])}>
              Next page
            </Button>
          </Group>
        </Group>
      )}
    </Stack>
  );
}
