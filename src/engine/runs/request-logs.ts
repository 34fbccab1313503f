import { z } from 'zod';
import { v7 as uuidv7 } from 'uuid';
import { metrics } from '../metrics.ts';
import type { RequestLogger } from '../../salesforce/index.ts';
import type { Queryable } from '../../storage/index.ts';

interface RequestLogRow {
  id: string;
  integration_id: string | null;
  run_id: string | null;
  credential_id: string | null;
  operation: string;
  method: string;
  object: string | null;
  records: number;
  status: 'Waiting' | 'Success' | 'Failed';
  http_status: number | null;
  duration_ms: number | null;
  api_used: number | null;
  api_max: number | null;
  error: { errorCode: string; message: string; fields?: string[] } | null;
  created_at: Date;
}

export const requestLogView = z
  .strictObject({
    id: z.uuid(),
    integrationId: z.string().nullable(),
    runId: z.string().nullable(),
    credentialId: z.string().nullable(),
    operation: z.string(),
    method: z.string(),
    object: z.string().nullable(),
    records: z.number(),
    status: z.enum(['Waiting', 'Success', 'Failed']),
    httpStatus: z.number().nullable(),
    durationMs: z.number().nullable(),
    apiUsage: z.strictObject({ used: z.number(), max: z.number() }).nullable(),
    error: z.strictObject({ errorCode: z.string(), message: z.string(), fields: z.array(z.string()).optional() }).nullable(),
    createdAt: z.string(),
  })
  .meta({ id: 'RequestLog' });

export type RequestLogView = z.infer<typeof requestLogView>;

const toView = (row: RequestLogRow): RequestLogView => ({
  id: row.id,
  integrationId: row.integration_id,
  runId: row.run_id,
  credentialId: row.credential_id,
  operation: row.operation,
  method: row.method,
  object: row.object,
  records: row.records,
  status: row.status,
  httpStatus: row.http_status,
  durationMs: row.duration_ms,
  apiUsage: row.api_used === null || row.api_max === null ? null : { used: row.api_used, max: row.api_max },
  error: row.error,
  createdAt: row.created_at.toISOString(),
});

/** Writes a Waiting row when a call starts and settles it with the outcome. */
export function databaseRequestLogger(db: Queryable, scope: { orgId: string; integrationId?: string | undefined; runId?: string | undefined; credentialId?: string | undefined }): RequestLogger {
  return {
    async start(entry) {
      const id = uuidv7();
      await db.query(
        `INSERT INTO request_logs (org_id, id, integration_id, run_id, credential_id, operation, method, object, records, status)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'Waiting')`,
        [scope.orgId, id, scope.integrationId ?? null, scope.runId ?? null, scope.credentialId ?? null, entry.operation, entry.method, entry.object ?? null, entry.records],
      );
      return async (outcome) => {
        metrics.apiCalls.inc({ operation: entry.operation, status: outcome.status });
        if (outcome.apiUsed !== undefined && outcome.apiMax !== undefined) metrics.apiRemaining.set({ organization: scope.orgId }, outcome.apiMax - outcome.apiUsed);
        await db.query(
          `UPDATE request_logs SET status = $3, http_status = $4, duration_ms = $5, api_used = $6, api_max = $7, error = $8 WHERE org_id = $1 AND id = $2`,
          [scope.orgId, id, outcome.status, outcome.httpStatus ?? null, outcome.durationMs, outcome.apiUsed ?? null, outcome.apiMax ?? null,
            outcome.error === undefined ? null : { errorCode: outcome.error.errorCode, message: outcome.error.message, ...(outcome.error.fields ? { fields: outcome.error.fields } : {}) }],
        );
      };
    },
  };
}

export async function listRequestLogs(db: Queryable, orgId: string, filter: { integrationId?: string | undefined; runId?: string | undefined; status?: string | undefined; limit: number; before?: string | undefined }): Promise<RequestLogView[]> {
  const rows = await db.query<RequestLogRow>(
    `SELECT * FROM request_logs WHERE org_id = $1 AND ($2::uuid IS NULL OR integration_id = $2) AND ($3::uuid IS NULL OR run_id = $3)
       AND ($4::text IS NULL OR status = $4) AND ($5::uuid IS NULL OR id < $5) ORDER BY id DESC LIMIT $6`,
    [orgId, filter.integrationId ?? null, filter.runId ?? null, filter.status ?? null, filter.before ?? null, filter.limit],
  );
  return rows.map(toView);
}
