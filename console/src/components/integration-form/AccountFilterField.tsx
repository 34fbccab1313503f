import { Box, Code, Stack, Text, Textarea } from '@mantine/core';
import type { ChangeEvent } from 'react';

/** The API says where an expression fails as "(at character N: ...)", counting from 1. */
export function errorPosition(message: string | undefined): number | undefined {
  const match = message === undefined ? null : /\(at character (\d+)/.exec(message);
  return match === null ? undefined : Number(match[1]);
}

/** The line of the expression holding character `position` (from 1), and the column on it (from 0). */
function lineAt(source: string, position: number): { line: string; lineNumber: number; column: number } {
  let start = 0;
  const lines = source.split('\n');
  for (const [index, line] of lines.entries()) {
    if (position - 1 <= start + line.length) return { line, lineNumber: index + 1, column: Math.max(0, position - 1 - start) };
    start += line.length + 1;
  }
  const last = lines[lines.length - 1] ?? '';
  return { line: last, lineNumber: lines.length, column: last.length };
}

/**
 * The account filter expression, in a monospace field; when the API refused it, its message beside
 * the field and, under it, the expression's line with a caret at the character the message names.
 */
export function AccountFilterField({ value, error, onChange }: { value: string; error: string | undefined; onChange: (event: ChangeEvent<HTMLTextAreaElement>) => void }) {
  const position = errorPosition(error);
  const at = position === undefined ? undefined : lineAt(value, position);
  return (
    <Stack gap={4}>
      <Textarea
        label="Account filter"
        description={
          <>
            Only accounts the expression selects, e.g. <Code>customFields != null AND customFields.country == &quot;UK&quot;</Code>. Fields: id, name, code, address.*, currency,
            customFields.*. Empty: every account.
          </>
        }
        value={value}
        onChange={onChange}
        error={error}
        autosize
        minRows={2}
        spellCheck={false}
        styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
      />
      {at !== undefined && position !== undefined && (
        <Box data-testid="account-filter-position">
          <Text size="sm" c="red.9">
            Character {position}
            {value.includes('\n') ? ` (line ${at.lineNumber}, column ${at.column + 1})` : ''}:
          </Text>
          <Box component="pre" m={0} p="xs" bg="red.0" ff="monospace" fz="sm" style={{ overflowX: 'auto', whiteSpace: 'pre' }}>
            {at.line}
            {'\n'}
            <Text span c="red.9" fw={700} ff="monospace" fz="sm">
              {' '.repeat(at.column)}^
            </Text>
          </Box>
        </Box>
      )}
    </Stack>
  );
}
