import type { Database, Queryable } from '../../storage/index.ts';
import { SalesforceError } from '../../salesforce/index.ts';
import type { IntegrationRow } from '../integrations/integrations.ts';
import type { ReconciliationView } from './schemas.ts';
import { readFileSource, readHttpSource, SourceError } from './sources.ts';

export interface UploadedFile {
  format: 'csv' | 'jsonl';
  bytes: number;
  records: number;
  uploadedAt: string;
}

/**
 * Keeps the billing tool's customers uploaded for a reconciliation (one file: a new upload replaces
 * it). The file is read through once first, so a malformed one is refused with the line that is
 * wrong, and the previous file stays.
 */
export async function saveReconciliationFile(db: Database, orgId: string, integrationId: string, format: 'csv' | 'jsonl', content: string): Promise<{ ok: true; file: UploadedFile } | { ok: false; line: number | undefined; message: string }> {
  let records = 0;
  try {
    for await (const page of readFileSource(content, format)) records += page.length;
  } catch (error) {
    if (error instanceof SourceError) return { ok: false, line: error.line, message: error.message };
    throw error;
  }
  const bytes = Buffer.byteLength(content);
  const [row] = await db.query<{ uploaded_at: Date }>(
    `INSERT INTO reconciliation_files (org_id, integration_id, format, content, bytes) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (org_id, integration_id) DO UPDATE SET format = EXCLUDED.format, content = EXCLUDED.content, bytes = EXCLUDED.bytes, uploaded_at = now()
     RETURNING uploaded_at`,
    [orgId, integrationId, format, content, bytes],
  );
  return { ok: true, file: { format, bytes, records, uploadedAt: row!.uploaded_at.toISOString() } };
}

export async function reconciliationFileInfo(db: Queryable, orgId: string, integrationId: string): Promise<{ format: 'csv' | 'jsonl'; bytes: number; uploadedAt: string } | undefined> {
  const [row] = await db.query<{ format: 'csv' | 'jsonl'; bytes: number; uploaded_at: Date }>('SELECT format, bytes, uploaded_at FROM reconciliation_files WHERE org_id = $1 AND integration_id = $2', [orgId, integrationId]);
  return row === undefined ? undefined : { format: row.format, bytes: row.bytes, uploadedAt: row.uploaded_at.toISOString() };
}

/**
 * The pages of the billing tool's customers a run reads: the uploaded file, or the HTTPS source
 * with its headers (opened from their seal only here, for the requests).
 */
export async function reconciliationSource(db: Queryable, integration: IntegrationRow, config: ReconciliationView, openSecrets: (row: IntegrationRow) => Record<string, string>): Promise<() => AsyncIterable<Record<string, unknown>[]>> {
  if (config.source.kind === 'http') {
    const { headerNames: _names, ...source } = config.source;
    const headers = openSecrets(integration);
    return () => readHttpSource(source, { headers });
  }
  const [file] = await db.query<{ format: 'csv' | 'jsonl'; content: string }>('SELECT format, content FROM reconciliation_files WHERE org_id = $1 AND integration_id = $2', [integration.org_id, integration.id]);
  if (file === undefined) {
    throw new SalesforceError({ kind: 'config', errorCode: 'NO_SOURCE_FILE', message: `No file of the billing tool's customers has been uploaded: PUT /api/v1/integrations/${integration.id}/reconciliation/file (CSV or JSON lines), then run again.`, fields: ['reconciliation.source'] });
  }
  // Read as it was checked when uploaded (an upload must match the setting's format).
  return () => readFileSource(file.content, file.format);
}
