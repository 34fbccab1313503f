import { Paper, Text, Title, VisuallyHidden } from '@mantine/core';
import { useId, type ReactNode } from 'react';

export interface FigureColumn<Row> {
  label: string;
  value: (row: Row) => string | number;
}

/**
 * A chart with its text alternative: a caption, a description (what is counted and how), a summary
 * sentence, and the figures as a table that screen readers read (hidden on screen).
 */
export function ChartFigure<Row>({ title, description, summary, rows, columns, rowKey, per = 'hour', children }: { title: string; description: ReactNode; summary: string; rows: Row[]; columns: FigureColumn<Row>[]; rowKey: (row: Row) => string; per?: string; children: ReactNode }) {
  const id = useId();
  return (
    <Paper withBorder p="md" component="figure" m={0} aria-labelledby={`${id}-title`} aria-describedby={`${id}-description ${id}-summary`}>
      <figcaption>
        <Title order={3} size="h4" id={`${id}-title`}>
          {title}
        </Title>
        <Text size="sm" c="gray.7" id={`${id}-description`} mb={4}>
          {description}
        </Text>
        <Text size="sm" id={`${id}-summary`} mb="sm" data-summary>
          {summary}
        </Text>
      </figcaption>
      {children}
      <VisuallyHidden>
        <table>
          <caption>
            {title}: the figures per {per}
          </caption>
          <thead>
            <tr>
              {columns.map((column) => (
                <th key={column.label} scope="col">
                  {column.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={rowKey(row)}>
                {columns.map((column) => (
                  <td key={column.label}>{column.value(row)}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </VisuallyHidden>
    </Paper>
  );
}
