// CSV as Bulk API 2.0 speaks it: a header row of field names (relationship columns like
// Account__r.Ferry_Id__c), `#N/A` for "set to null", an empty cell for "leave unchanged".
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { relationshipColumn } from './header.ts';

export type ColumnDelimiter = 'COMMA' | 'TAB' | 'PIPE' | 'SEMICOLON' | 'CARET' | 'BACKQUOTE';

const DELIMITERS: Record<ColumnDelimiter, string> = { COMMA: ',', TAB: '\t', PIPE: '|', SEMICOLON: ';', CARET: '^', BACKQUOTE: '`' };

export function delimiterOf(name: ColumnDelimiter): string {
  return DELIMITERS[name];
}

export function isColumnDelimiter(value: unknown): value is ColumnDelimiter {
  return typeof value === 'string' && value in DELIMITERS;
}

export interface ParsedCsv {
  header: string[];
  rows: string[][];
}

export function parseCsv(text: string, delimiter: string): ParsedCsv {
  const rows: string[][] = parse(text, { delimiter, relax_column_count: false, skip_empty_lines: true, bom: true });
  const [header = [], ...data] = rows;
  return { header, rows: data };
}

/**
 * Builds a record for the store from one CSV row: `#N/A` is null, empty cells are left out, and a
 * relationship column becomes the JSON shape of a parent by key, `Account__r.Ferry_Id__c` ->
 * `{ Account__r: { Ferry_Id__c } }` (`Type:What.Key__c` adds `attributes: { type }`). Two columns
 * of one relationship land in one object, which the store refuses as Salesforce does.
 */
export function rowToRecord(header: string[], row: string[]): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  header.forEach((column, i) => {
    const cell = row[i] ?? '';
    if (cell === '') return;
    const value = cell === '#N/A' ? null : cell;
    const rel = relationshipColumn(column);
    if (rel === undefined) {
      record[column] = value;
      return;
    }
    const existing = record[rel.relationship];
    const ref: Record<string, unknown> = typeof existing === 'object' && existing !== null ? (existing as Record<string, unknown>) : {};
    if (rel.type !== null) ref['attributes'] = { type: rel.type };
    ref[rel.keyField] = value;
    record[rel.relationship] = ref;
  });
  return record;
}

export function toCsv(header: string[], rows: unknown[][], delimiter = ',', lineEnding: 'LF' | 'CRLF' = 'LF'): string {
  return stringify([header, ...rows], {
    delimiter,
    record_delimiter: lineEnding === 'CRLF' ? 'windows' : 'unix',
    cast: { boolean: (v) => (v ? 'true' : 'false'), number: (v) => String(v) },
    quoted_string: true,
  });
}
