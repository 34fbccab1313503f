import { createReadStream, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parse } from 'csv-parse';
import type { EntityDefinition, Origin, RecordStore } from '../platform/index.ts';
import { isKnownColumn, rowToRecord } from './rows.ts';

export type ImportFormat = 'csv' | 'jsonl';

export interface ImportRowError {
  line: number;
  code: string;
  message: string;
  details: { path: string; message: string }[];
}

export interface ImportSummary {
  rows: number;
  created: number;
  updated: number;
  unchanged: number;
  failed: number;
  errors: ImportRowError[];
}

export interface ImportOptions {
  store: RecordStore;
  orgId: string;
  definition: EntityDefinition;
  file: string;
  format: ImportFormat;
  origin?: Origin;
  batchSize?: number;
  /** Called with bytes read so far and the file size, for a progress bar. */
  onProgress?: (bytesRead: number, totalBytes: number) => void;
}

export function formatFromFileName(file: string): ImportFormat | undefined {
  if (/\.csv$/i.test(file)) return 'csv';
  if (/\.(jsonl|ndjson)$/i.test(file)) return 'jsonl';
  return undefined;
}

/** A CSV header naming columns the entity does not have: the file is refused before any row. */
class UnknownColumnsError extends Error {
  override name = 'UnknownColumnsError';

  constructor(definition: EntityDefinition, readonly columns: string[]) {
    const fields = Object.keys(definition.schema.shape).join(', ');
    super(
      `unknown column${columns.length > 1 ? 's' : ''} ${columns.map((c) => JSON.stringify(c)).join(', ')}: a ${definition.label} has the fields ${fields} ` +
        '(nested ones by path, e.g. address.line1 or lineItems.0.amount). Rename or remove the column; nothing was imported.',
    );
  }
}

interface Row {
  line: number;
  record?: Record<string, unknown>;
  parseError?: string;
}

async function* readRows(definition: EntityDefinition, file: string, format: ImportFormat, onBytes: (bytes: number) => void): AsyncGenerator<Row> {
  const stream = createReadStream(file);
  stream.on('data', (chunk) => onBytes(chunk.length));
  if (format === 'jsonl') {
    let line = 0;
    for await (const text of createInterface({ input: stream, crlfDelay: Infinity })) {
      line++;
      if (text.trim() === '') continue;
      try {
        const value: unknown = JSON.parse(text);
        if (typeof value !== 'object' || value === null || Array.isArray(value)) yield { line, parseError: 'the line is not a JSON object' };
        else yield { line, record: value as Record<string, unknown> };
      } catch (error) {
        yield { line, parseError: `the line is not valid JSON (${(error as Error).message})` };
      }
    }
    return;
  }
  // The header is checked once: an unknown column is one mistake in the file, not one per row.
  const columns = (header: string[]) => {
    const unknown = header.filter((column) => !isKnownColumn(definition.schema, column));
    if (unknown.length > 0) throw new UnknownColumnsError(definition, unknown);
    return header;
  };
  const parser = stream.pipe(parse({ columns, bom: true, trim: false, skip_empty_lines: true, info: true, relax_column_count: false }));
  for await (const entry of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
    yield { line: entry.info.lines, record: rowToRecord(definition.schema, entry.record) };
  }
}

/**
 * Streams a CSV or JSON-lines file into the store in batches of upserts, never holding the whole
 * file. Each row is written or refused on its own: a refused row leaves nothing behind and is
 * reported with its line number.
 */
export async function importFile(options: ImportOptions): Promise<ImportSummary> {
  const { store, orgId, definition, file, format } = options;
  const batchSize = options.batchSize ?? 500;
  const totalBytes = statSync(file).size;
  let bytesRead = 0;
  const summary: ImportSummary = { rows: 0, created: 0, updated: 0, unchanged: 0, failed: 0, errors: [] };
  let batch: { line: number; record: Record<string, unknown> }[] = [];
  let keysInBatch = new Set<string>();
  const keyField = definition.keyField ?? 'externalKey';

  const flush = async () => {
    if (batch.length === 0) return;
    const results = await store.upsertMany(orgId, definition.name, batch.map((row) => row.record), options.origin ?? 'import');
    results.forEach((result, index) => {
      const line = batch[index]!.line;
      if (result.ok) {
        const status = result.value.status === 'deleted' ? 'updated' : result.value.status;
        summary[status]++;
      } else {
        summary.failed++;
        summary.errors.push({
          line,
          code: result.error.code,
          message: result.error.message,
          details: result.error.details.map((d) => ({ path: d.path.join('.'), message: d.message })),
        });
      }
    });
    batch = [];
    keysInBatch = new Set();
    options.onProgress?.(bytesRead, totalBytes);
  };

  try {
    for await (const row of readRows(definition, file, format, (bytes) => (bytesRead += bytes))) {
      summary.rows++;
      if (row.record === undefined) {
        summary.failed++;
        summary.errors.push({ line: row.line, code: 'malformed_row', message: row.parseError ?? 'unreadable row', details: [] });
        continue;
      }
      // A key seen twice in one file means "then change it": write the first before the second.
      const key = row.record[keyField];
      if (typeof key === 'string' && keysInBatch.has(key)) await flush();
      if (typeof key === 'string') keysInBatch.add(key);
      batch.push({ line: row.line, record: row.record });
      if (batch.length >= batchSize) await flush();
    }
  } catch (error) {
    if (error instanceof UnknownColumnsError) {
      summary.failed++;
      summary.errors.push({ line: 1, code: 'unknown_column', message: error.message, details: [] });
      return summary;
    }
    // csv-parse stops at a structural error (unclosed quote, wrong column count): report where.
    await flush();
    const message = error instanceof Error ? error.message : String(error);
    const line = /line (\d+)/i.exec(message)?.[1];
    summary.failed++;
    summary.errors.push({ line: line === undefined ? 0 : Number(line), code: 'malformed_file', message, details: [] });
    return summary;
  }
  await flush();
  options.onProgress?.(totalBytes, totalBytes);
  return summary;
}
