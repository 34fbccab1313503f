// Bulk API 2.0: ingest jobs (insert, update, upsert, delete, hardDelete; CSV in; successful,
// failed and unprocessed results out) and query jobs with locator paging. Jobs run after the
// request that closes them returns, in chunks that yield to the event loop, as real jobs run
// asynchronously; clients poll the job state as they would against Salesforce.
import { IdGenerator } from '../ids.ts';
import type { Org } from '../org.ts';
import type { FieldDef, ObjectDef } from '../schema/types.ts';
import { formatDatetime, text } from '../store/values.ts';
import { isPlainObject, json, parseJsonBody, sfError, type EmuRequest, type EmuResponse, type Route } from '../http/types.ts';
import { apiRoute, userOf } from '../rest/sobjects.ts';
import { delimiterOf, isColumnDelimiter, parseCsv, rowToRecord, toCsv, type ColumnDelimiter } from './csv.ts';
import { headerError } from './header.ts';
import { INGEST_OPERATIONS, saveErrorText, saveRecord, type IngestOperation } from './save-row.ts';

type JobState = 'Open' | 'UploadComplete' | 'InProgress' | 'JobComplete' | 'Failed' | 'Aborted';

const CHUNK = 2000;
const MAX_UPLOAD_BYTES = 150 * 1024 * 1024;

interface IngestJob {
  kind: 'ingest';
  id: string;
  object: ObjectDef;
  operation: IngestOperation;
  externalIdField: FieldDef | null;
  state: JobState;
  createdById: string;
  createdDate: number;
  modstamp: number;
  delimiter: ColumnDelimiter;
  lineEnding: 'LF' | 'CRLF';
  apiVersion: string;
  uploads: string[];
  header: string[];
  processed: number;
  failed: number;
  errorMessage: string | null;
  successful: unknown[][];
  failures: unknown[][];
  unprocessed: string[][];
  startedAt: number | null;
  finishedAt: number | null;
}

interface QueryJob {
  kind: 'query';
  id: string;
  object: ObjectDef | null;
  operation: 'query' | 'queryAll';
  query: string;
  state: JobState;
  createdById: string;
  createdDate: number;
  modstamp: number;
  delimiter: ColumnDelimiter;
  lineEnding: 'LF' | 'CRLF';
  apiVersion: string;
  header: string[];
  rows: unknown[][];
  errorMessage: string | null;
}

function ingestInfo(job: IngestJob): Record<string, unknown> {
  return {
    id: job.id,
    operation: job.operation,
    object: job.object.name,
    createdById: job.createdById,
    createdDate: formatDatetime(job.createdDate),
    systemModstamp: formatDatetime(job.modstamp),
    state: job.state,
    ...(job.externalIdField === null ? {} : { externalIdFieldName: job.externalIdField.name }),
    concurrencyMode: 'Parallel',
    contentType: 'CSV',
    apiVersion: Number(job.apiVersion),
    contentUrl: `services/data/v${job.apiVersion}/jobs/ingest/${job.id}/batches`,
    lineEnding: job.lineEnding,
    columnDelimiter: job.delimiter,
    jobType: 'V2Ingest',
    retries: 0,
    numberRecordsProcessed: job.processed,
    numberRecordsFailed: job.failed,
    totalProcessingTime: job.startedAt === null ? 0 : (job.finishedAt ?? job.startedAt) - job.startedAt,
    apiActiveProcessingTime: 0,
    apexProcessingTime: 0,
    ...(job.errorMessage === null ? {} : { errorMessage: job.errorMessage }),
  };
}

function queryInfo(job: QueryJob): Record<string, unknown> {
  return {
    id: job.id,
    operation: job.operation,
    object: job.object?.name ?? null,
    createdById: job.createdById,
    createdDate: formatDatetime(job.createdDate),
    systemModstamp: formatDatetime(job.modstamp),
    state: job.state,
    concurrencyMode: 'Parallel',
    contentType: 'CSV',
    apiVersion: Number(job.apiVersion),
    jobType: 'V2Query',
    lineEnding: job.lineEnding,
    columnDelimiter: job.delimiter,
    numberRecordsProcessed: job.state === 'JobComplete' ? job.rows.length : 0,
    retries: 0,
    totalProcessingTime: 0,
    ...(job.errorMessage === null ? {} : { errorMessage: job.errorMessage }),
  };
}

function csvResponse(body: string, headers: Record<string, string> = {}): EmuResponse {
  return { status: 200, raw: body, contentType: 'text/csv', headers };
}

export interface BulkCompanion {
  clear(): void;
  stop(): Promise<void>;
}

export class BulkService {
  readonly #org: Org;
  readonly #ingest = new Map<string, IngestJob>();
  readonly #query = new Map<string, QueryJob>();
  readonly #ids = new IdGenerator();
  #stopped = false;
  #running = new Set<Promise<void>>();
  readonly #companions: BulkCompanion[] = [];

  constructor(org: Org) {
    this.#org = org;
  }

  /** Job ids (750...), shared with Bulk API 1.0 so that no two jobs of the org share an id. */
  get jobIds(): IdGenerator {
    return this.#ids;
  }

  /** Another bulk service (Bulk API 1.0) that is cleared and stopped with this one. */
  adopt<T extends BulkCompanion>(companion: T): T {
    this.#companions.push(companion);
    return companion;
  }

  /** Lets running jobs finish their current chunk and stops the rest (server shutdown). */
  async stop(): Promise<void> {
    this.#stopped = true;
    await Promise.all([...this.#running, ...this.#companions.map((c) => c.stop())]);
  }

  clear(): void {
    this.#ingest.clear();
    this.#query.clear();
    for (const companion of this.#companions) companion.clear();
  }

  #track(work: Promise<void>): void {
    this.#running.add(work);
    void work.finally(() => this.#running.delete(work));
  }

  routes(): Route[] {
    const org = this.#org;
    return [
      apiRoute('POST', '/jobs/ingest', 'bulk', (req) => this.#createIngest(req)),
      apiRoute('GET', '/jobs/ingest', 'bulk', () => json(200, { done: true, records: [...this.#ingest.values()].map(ingestInfo), nextRecordsUrl: null })),
      apiRoute('PUT', '/jobs/ingest/([^/]+)/batches', 'bulk', (req) => this.#upload(req)),
      apiRoute('GET', '/jobs/ingest/([^/]+)', 'bulk', (req) => {
        const job = this.#ingest.get(req.params[0] ?? '');
        return job === undefined ? sfError(404, 'NOT_FOUND', 'The requested resource does not exist') : json(200, ingestInfo(job));
      }),
      apiRoute('PATCH', '/jobs/ingest/([^/]+)', 'bulk', (req) => this.#changeIngestState(req)),
      apiRoute('DELETE', '/jobs/ingest/([^/]+)', 'bulk', (req) => {
        const job = this.#ingest.get(req.params[0] ?? '');
        if (job === undefined) return sfError(404, 'NOT_FOUND', 'The requested resource does not exist');
        if (job.state === 'Open' || job.state === 'UploadComplete' || job.state === 'InProgress') {
          return sfError(400, 'INVALIDJOBSTATE', `Job ${job.id} must be in a terminal state to be deleted`);
        }
        this.#ingest.delete(job.id);
        return { status: 204 };
      }),
      apiRoute('GET', '/jobs/ingest/([^/]+)/(successfulResults|failedResults|unprocessedrecords)', 'bulk', (req) => {
        const job = this.#ingest.get(req.params[0] ?? '');
        if (job === undefined) return sfError(404, 'NOT_FOUND', 'The requested resource does not exist');
        const d = delimiterOf(job.delimiter);
        switch (req.params[1]) {
          case 'successfulResults':
            return { ...csvResponse(toCsv(['sf__Id', 'sf__Created', ...job.header], job.successful, d, job.lineEnding)), records: job.successful.length };
          case 'failedResults':
            return { ...csvResponse(toCsv(['sf__Id', 'sf__Error', ...job.header], job.failures, d, job.lineEnding)), records: job.failures.length };
          case 'unprocessedrecords':
          case undefined:
          default:
            return { ...csvResponse(toCsv(job.header, job.unprocessed, d, job.lineEnding)), records: job.unprocessed.length };
        }
      }),
      apiRoute('POST', '/jobs/query', 'bulk', (req) => this.#createQuery(req)),
      apiRoute('GET', '/jobs/query', 'bulk', () => json(200, { done: true, records: [...this.#query.values()].map(queryInfo), nextRecordsUrl: null })),
      apiRoute('GET', '/jobs/query/([^/]+)', 'bulk', (req) => {
        const job = this.#query.get(req.params[0] ?? '');
        return job === undefined ? sfError(404, 'NOT_FOUND', 'The requested resource does not exist') : json(200, queryInfo(job));
      }),
      apiRoute('PATCH', '/jobs/query/([^/]+)', 'bulk', (req) => {
        const job = this.#query.get(req.params[0] ?? '');
        if (job === undefined) return sfError(404, 'NOT_FOUND', 'The requested resource does not exist');
        const parsed = parseJsonBody(req);
        if (!parsed.ok) return parsed.response;
        if (!isPlainObject(parsed.value) || parsed.value['state'] !== 'Aborted') return sfError(400, 'INVALIDJOBSTATE', 'A query job can only be aborted');
        if (job.state === 'UploadComplete' || job.state === 'InProgress') job.state = 'Aborted';
        job.modstamp = org.store.now();
        return json(200, queryInfo(job));
      }),
      apiRoute('DELETE', '/jobs/query/([^/]+)', 'bulk', (req) => {
        if (!this.#query.delete(req.params[0] ?? '')) return sfError(404, 'NOT_FOUND', 'The requested resource does not exist');
        return { status: 204 };
      }),
      apiRoute('GET', '/jobs/query/([^/]+)/results', 'bulk', (req) => this.#queryResults(req)),
    ];
  }

  #createIngest(req: EmuRequest): EmuResponse {
    const parsed = parseJsonBody(req);
    if (!parsed.ok) return parsed.response;
    const body = parsed.value;
    if (!isPlainObject(body)) return sfError(400, 'JSON_PARSER_ERROR', 'The request body must be a JSON object');
    const object = typeof body['object'] === 'string' ? this.#org.schema.get(body['object']) : undefined;
    if (object === undefined || object.isEvent) return sfError(400, 'INVALIDJOB', `InvalidJob : Unable to find object: ${text(body['object'])}`);
    const operation = body['operation'];
    if (typeof operation !== 'string' || !INGEST_OPERATIONS.has(operation)) return sfError(400, 'INVALIDJOB', `InvalidJob : Invalid operation: ${text(operation)}`);
    let externalIdField: FieldDef | null = null;
    if (operation === 'upsert') {
      const name = typeof body['externalIdFieldName'] === 'string' ? body['externalIdFieldName'] : '';
      externalIdField = object.fieldMap.get(name.toLowerCase()) ?? null;
      if (externalIdField === null || !(externalIdField.externalId || externalIdField.name === 'Id')) {
        return sfError(400, 'INVALIDJOB', `InvalidJob : External ID field ${name} does not exist or is not an External ID field on ${object.name}`);
      }
    }
    const delimiter = body['columnDelimiter'] ?? 'COMMA';
    if (!isColumnDelimiter(delimiter)) return sfError(400, 'INVALIDJOB', `InvalidJob : Invalid column delimiter: ${text(delimiter)}`);
    if (body['contentType'] !== undefined && body['contentType'] !== 'CSV') return sfError(400, 'INVALIDJOB', 'InvalidJob : Only CSV content is supported');
    const now = this.#org.store.now();
    const job: IngestJob = {
      kind: 'ingest',
      id: this.#ids.next('750'),
      object,
      operation: operation as IngestOperation,
      externalIdField,
      state: 'Open',
      createdById: userOf(this.#org, req),
      createdDate: now,
      modstamp: now,
      delimiter,
      lineEnding: body['lineEnding'] === 'CRLF' ? 'CRLF' : 'LF',
      apiVersion: req.apiVersion,
      uploads: [],
      header: [],
      processed: 0,
      failed: 0,
      errorMessage: null,
      successful: [],
      failures: [],
      unprocessed: [],
      startedAt: null,
      finishedAt: null,
    };
    this.#ingest.set(job.id, job);
    return json(200, ingestInfo(job));
  }

  #upload(req: EmuRequest): EmuResponse {
    const job = this.#ingest.get(req.params[0] ?? '');
    if (job === undefined) return sfError(404, 'NOT_FOUND', 'The requested resource does not exist');
    if (job.state !== 'Open') return sfError(409, 'INVALIDJOBSTATE', `Job ${job.id} is not open for uploads`);
    if (req.body.length > MAX_UPLOAD_BYTES) return sfError(400, 'INVALIDJOB', 'An upload may not exceed 150 MB');
    job.uploads.push(req.body.toString('utf8'));
    return { status: 201, raw: '' };
  }

  #changeIngestState(req: EmuRequest): EmuResponse {
    const job = this.#ingest.get(req.params[0] ?? '');
    if (job === undefined) return sfError(404, 'NOT_FOUND', 'The requested resource does not exist');
    const parsed = parseJsonBody(req);
    if (!parsed.ok) return parsed.response;
    const state = isPlainObject(parsed.value) ? parsed.value['state'] : undefined;
    if (state === 'Aborted') {
      if (job.state === 'JobComplete' || job.state === 'Failed') return sfError(400, 'INVALIDJOBSTATE', `Job ${job.id} is already finished`);
      job.state = 'Aborted';
      job.modstamp = this.#org.store.now();
      return json(200, ingestInfo(job));
    }
    if (state !== 'UploadComplete') return sfError(400, 'INVALIDJOBSTATE', `Invalid state transition to ${text(state)}`);
    if (job.state !== 'Open') return sfError(409, 'INVALIDJOBSTATE', `Job ${job.id} is not open`);
    job.state = 'UploadComplete';
    job.modstamp = this.#org.store.now();
    this.#track(this.#runIngest(job));
    return json(200, ingestInfo(job));
  }

  async #runIngest(job: IngestJob): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    if (job.state === 'Aborted' || this.#stopped) return;
    const d = delimiterOf(job.delimiter);
    const rows: string[][] = [];
    try {
      for (const upload of job.uploads) {
        const parsed = parseCsv(upload, d);
        if (job.header.length === 0) job.header = parsed.header;
        else if (parsed.header.join('\u0001') !== job.header.join('\u0001')) throw new Error('All uploads of a job must have the same header');
        for (const row of parsed.rows) rows.push(row);
      }
    } catch (error) {
      job.state = 'Failed';
      job.errorMessage = `InvalidBatch : ${error instanceof Error ? error.message : String(error)}`;
      job.modstamp = this.#org.store.now();
      return;
    }
    job.uploads = [];
    const badHeader = headerError(this.#org.schema, job.object, job.header);
    if (badHeader !== null) {
      job.state = 'Failed';
      job.errorMessage = badHeader;
      job.modstamp = this.#org.store.now();
      return;
    }
    job.state = 'InProgress';
    job.startedAt = this.#org.store.now();
    const ctx = { userId: job.createdById };
    const store = this.#org.store;
    for (let start = 0; start < rows.length; start += CHUNK) {
      if ((job.state as JobState) === 'Aborted' || this.#stopped) {
        job.unprocessed = rows.slice(start);
        return;
      }
      const chunk = rows.slice(start, start + CHUNK);
      store.transaction(() => {
        for (const row of chunk) {
          const result = saveRecord(store, job, rowToRecord(job.header, row), ctx);
          job.processed += 1;
          if (result.success) {
            job.successful.push([result.id, result.created ? 'true' : 'false', ...row]);
          } else {
            job.failed += 1;
            job.failures.push([result.id ?? '', saveErrorText(result), ...row]);
          }
        }
        return { commit: true, value: undefined };
      });
      job.modstamp = store.now();
      await new Promise((resolve) => setImmediate(resolve));
    }
    job.finishedAt = store.now();
    job.state = 'JobComplete';
    job.modstamp = job.finishedAt;
  }

  #createQuery(req: EmuRequest): EmuResponse {
    const parsed = parseJsonBody(req);
    if (!parsed.ok) return parsed.response;
    const body = parsed.value;
    if (!isPlainObject(body) || typeof body['query'] !== 'string') return sfError(400, 'INVALIDJOB', 'InvalidJob : query is required');
    const operation = body['operation'] === 'queryAll' ? 'queryAll' : 'query';
    if (body['operation'] !== 'query' && body['operation'] !== 'queryAll') return sfError(400, 'INVALIDJOB', `InvalidJob : Invalid operation: ${text(body['operation'])}`);
    const delimiter = body['columnDelimiter'] ?? 'COMMA';
    if (!isColumnDelimiter(delimiter)) return sfError(400, 'INVALIDJOB', `InvalidJob : Invalid column delimiter: ${text(delimiter)}`);
    // Salesforce validates the query when the job is created; errors come back at once.
    const outcome = this.#org.soql.run(body['query'], { includeDeleted: operation === 'queryAll', apiVersion: req.apiVersion, now: this.#org.store.now() });
    if (!outcome.ok) return sfError(400, outcome.error.errorCode, outcome.error.message);
    if (outcome.result.columns.some((c) => c.path.length === 0)) return sfError(400, 'FeatureNotEnabled', 'Bulk API 2.0 query does not support nested (child) queries');
    const now = this.#org.store.now();
    const job: QueryJob = {
      kind: 'query',
      id: this.#ids.next('750'),
      object: outcome.result.object,
      operation,
      query: body['query'],
      state: 'UploadComplete',
      createdById: userOf(this.#org, req),
      createdDate: now,
      modstamp: now,
      delimiter,
      lineEnding: body['lineEnding'] === 'CRLF' ? 'CRLF' : 'LF',
      apiVersion: req.apiVersion,
      header: outcome.result.columns.map((c) => c.name),
      rows: [],
      errorMessage: null,
    };
    this.#org.bulkQueryJobsUsed += 1;
    this.#query.set(job.id, job);
    const result = outcome.result;
    this.#track(
      (async () => {
        await new Promise((resolve) => setImmediate(resolve));
        if (job.state === 'Aborted') return;
        job.state = 'InProgress';
        job.rows = result.records.map((r) =>
          result.columns.map((c) => {
            let v: unknown = r;
            for (const p of c.path) v = isPlainObject(v) ? v[p] : null;
            return v === null || v === undefined ? '' : v;
          }),
        );
        job.state = 'JobComplete';
        job.modstamp = this.#org.store.now();
      })(),
    );
    return json(200, queryInfo(job));
  }

  #queryResults(req: EmuRequest): EmuResponse {
    const job = this.#query.get(req.params[0] ?? '');
    if (job === undefined) return sfError(404, 'NOT_FOUND', 'The requested resource does not exist');
    if (job.state !== 'JobComplete') return sfError(400, 'INVALIDJOBSTATE', `Job ${job.id} is not complete`);
    const locator = req.query.get('locator');
    const start = locator === null || locator === '' ? 0 : Number.parseInt(Buffer.from(locator, 'base64url').toString('utf8'), 10);
    if (!Number.isInteger(start) || start < 0 || start > job.rows.length) return sfError(400, 'INVALIDLOCATOR', 'Invalid locator');
    const pageSize = this.#org.options.bulkQueryPageSize;
    const max = Number(req.query.get('maxRecords') ?? pageSize);
    const size = Number.isInteger(max) && max > 0 ? max : pageSize;
    const end = Math.min(start + size, job.rows.length);
    const page = job.rows.slice(start, end);
    // The last page must say `Sforce-Locator: null` literally: jsforce loops until it does.
    const next = end < job.rows.length ? Buffer.from(String(end)).toString('base64url') : 'null';
    return {
      ...csvResponse(toCsv(job.header, page, delimiterOf(job.delimiter), job.lineEnding), { 'Sforce-NumberOfRecords': String(page.length), 'Sforce-Locator': next }),
      records: page.length,
    };
  }
}
