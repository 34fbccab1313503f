import { Table } from '@mantine/core';
import type { RunProgress } from './follow.ts';

const COLUMNS = ['created', 'updated', 'unchanged', 'retired', 'failed'] as const;

/** What an import did per Salesforce object: created, updated, unchanged, retired and failed rows. */
export function ObjectSummaryTable({ objects, labelledBy }: { objects: RunProgress['objects']; labelledBy: string }) {
  // Sorted by name: the run stores them as a JSON object, whose key order says nothing.
  const rows = Object.entries(objects).sort(([a], [b]) => a.localeCompare(b));
  return (
    <Table.ScrollContainer minWidth={640}>
      <Table withTableBorder striped aria-labelledby={labelledBy} maw={800}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Salesforce object</Table.Th>
            {COLUMNS.map((column) => (
              <Table.Th key={column} ta="right">
                {column[0]!.toUpperCase() + column.slice(1)}
              </Table.Th>
            ))}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map(([object, summary]) => (
            <Table.Tr key={object}>
              <Table.Th scope="row" fw={500}>
                {object}
              </Table.Th>
              {COLUMNS.map((column) => (
                <Table.Td key={column} ta="right" {...(column === 'failed' && summary.failed > 0 ? { c: 'red.9', fw: 700 } : {})}>
                  {summary[column]}
                </Table.Td>
              ))}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
