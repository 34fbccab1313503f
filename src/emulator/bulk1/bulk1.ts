// Bulk API 1.0 (`/services/async/{version}/job`): jobs (insert, update, upsert, delete,
// hardDelete, query, queryAll; CSV, JSON or XML), batches that run one after another as soon as
// they are queued (Queued -> InProgress -> Completed | Failed | NotProcessed), their requests and
// results, query result sets and PK chunking. Rows are saved by the code Bulk API 2.0 uses.
// The session comes in `X-SFDC-Session` (jsforce's Bulk client) or `Authorization: Bearer`.
import type { IdGenerator } from '../ids.ts';
import type { Org } from '../org.ts';
import type { FieldDef, ObjectDef } from '../schema/types.ts';
import type { SaveResult } from '../store/store.ts';
import { text } from '../store/values.ts';
import { isPlainObject, type EmuRequest, type EmuResponse, type Route } from '../http/types.ts';
import { userOf } from '../rest/sobjects.ts';
import { INGEST_OPERATIONS, saveRecord, type IngestOperation } from '../bulk/save-row.ts';
import { ingestResults, parseIngestBatch } from './batch-data.ts';
import { encodeQueryRows, pkChunkQueries, pkChunkSize, runBatchQuery, type QueryRows } from './query.ts';
import { bulkDocument, bulkError, CONTENT_TYPES, docFormatOf, dropNulls, parseXml, requestFormat, xmlText, type ContentType, type DocFormat } from './wire.ts';

type Operation = IngestOperation | 'query' | 'queryAll';
type JobState = 'Open' | 'Closed' | 'Aborted' | 'Failed';
type BatchState = 'Queued' | 'InProgress' | 'Completed' | 'Failed' | 'NotProcessed';

interface Job {
  id: string;
  operation: Operation;
  object: ObjectDef;
  externalIdField: FieldDef | null;
  contentType: ContentType;
  concurrencyMode: 'Parallel' | 'Serial';
  state: JobState;
  createdById: string;
  createdDate: number;
  modstamp: number;
  apiVersion: string;
  /** Records per PK chunk, or null when the job was created without PK chunking. */
  pkChunkSize: number | null;
  batches: Map<string, Batch>;
}

interface Batch {
  id: string;
  job: Job;
  state: BatchState;
  stateMessage: string | null;
  createdDate: number;
  modstamp: number;
  request: string;
  /** A batch created by PK chunking runs its query as given, never chunked again. */
  chunk: boolean;
  processed: number;
  failed: number;
  startedAt: number | null;
  finishedAt: number | null;
  results: SaveResult[];
  /** Query batches: result id (752...) -> rows. */
  resultSets: Map<string, QueryRows>;
}

const ASYNC_PREFIX = '^/services/async/(\\d+\\.\\d)';
const MAX_BATCH_RECORDS = 10_000;
/** Salesforce saves a batch in chunks of 200 records, each its own transaction. */
const CHUNK = 200;

function isoDate(ms: number): string {
  return new Date(ms).toISOString();
}

function isQuery(job: Job): boolean {
  return job.operation === 'query' || job.operation === 'queryAll';
}

/** Bulk 1.0 jobInfo, fields in the order Salesforce's documents list them. */
function jobInfo(job: Job, format: DocFormat): Record<string, unknown> {
  const batches = [...job.batches.values()];
  const count = (state: BatchState): number => batches.filter((b) => b.state === state).length;
  const time = batches.reduce((sum, b) => sum + (b.startedAt === null ? 0 : (b.finishedAt ?? b.startedAt) - b.startedAt), 0);
  return {
    id: job.id,
    operation: job.operation,
    object: job.object.name,
    createdById: job.createdById,
    createdDate: isoDate(job.createdDate),
    systemModstamp: isoDate(job.modstamp),
    state: job.state,
    externalIdFieldName: job.externalIdField?.name ?? null,
    concurrencyMode: job.concurrencyMode,
    contentType: job.contentType,
    numberBatchesQueued: count('Queued'),
    numberBatchesInProgress: count('InProgress'),
    numberBatchesCompleted: count('Completed'),
    numberBatchesFailed: count('Failed'),
    numberBatchesTotal: batches.length,
    numberRecordsProcessed: batches.reduce((sum, b) => sum + b.processed, 0),
    numberRetries: 0,
    // XML says `60.0`; JSON has the number.
    apiVersion: format === 'JSON' ? Number(job.apiVersion) : job.apiVersion,
    numberRecordsFailed: batches.reduce((sum, b) => sum + b.failed, 0),
    totalProcessingTime: time,
    apiActiveProcessingTime: time,
    apexProcessingTime: 0,
  };
}

function batchInfo(batch: Batch): Record<string, unknown> {
  const time = batch.startedAt === null ? 0 : (batch.finishedAt ?? batch.startedAt) - batch.startedAt;
  return {
    id: batch.id,
    jobId: batch.job.id,
    state: batch.state,
    stateMessage: batch.stateMessage,
    createdDate: isoDate(batch.createdDate),
    systemModstamp: isoDate(batch.modstamp),
    numberRecordsProcessed: batch.processed,
    numberRecordsFailed: batch.failed,
    totalProcessingTime: time,
    apiActiveProcessingTime: time,
    apexProcessingTime: 0,
  };
}

/** A job-creation or state-change document (XML `<jobInfo>` or JSON) as a flat map of strings. */
type JobDocument = { ok: true; fields: Record<string, string> } | { ok: false; response: EmuResponse };

function readJobDocument(req: EmuRequest, format: DocFormat): JobDocument {
  const body = req.body.toString('utf8');
  if (format === 'JSON') {
    let value: unknown;
    try {
      value = JSON.parse(body) as unknown;
    } catch (error) {
      return { ok: false, response: bulkError(format, 'ClientInputError', `Unable to parse the job: ${error instanceof Error ? error.message : String(error)}`) };
    }
    if (!isPlainObject(value)) return { ok: false, response: bulkError(format, 'ClientInputError', 'Unable to parse the job: expected a JSON object') };
    return { ok: true, fields: Object.fromEntries(Object.entries(value).map(([k, v]) => [k, text(v)])) };
  }
  const parsed = parseXml(body);
  if (!parsed.ok) return { ok: false, response: bulkError(format, 'InvalidXML', parsed.message) };
  const info = parsed.value['jobInfo'];
  if (!isPlainObject(info)) return { ok: false, response: bulkError(format, 'InvalidXML', 'The root element must be jobInfo') };
  return { ok: true, fields: Object.fromEntries(Object.entries(info).filter(([k]) => !k.startsWith('@_')).map(([k, v]) => [k, text(v)])) };
}

export class Bulk1Service {
  readonly #org: Org;
  readonly #ids: IdGenerator;
  readonly #jobs = new Map<string, Job>();
  readonly #queue: Batch[] = [];
  #worker: Promise<void> | null = null;
  #stopped = false;

  /** `ids` hands out job ids (750...); sharing Bulk 2.0's generator keeps the two APIs' ids apart. */
  constructor(org: Org, ids: IdGenerator) {
    this.#org = org;
    this.#ids = ids;
  }

  clear(): void {
    this.#jobs.clear();
    this.#queue.length = 0;
  }

  /** Lets the batch being saved finish and processes nothing more (server shutdown). */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#worker;
  }

  routes(): Route[] {
    const J = '/job/([^/]+)';
    const B = `${J}/batch/([^/]+)`;
    return [
      this.#route('POST', '/job', (req) => this.#createJob(req)),
      this.#jobRoute('GET', J, (req, job) => bulkDocument(this.#format(req, job), 200, 'jobInfo', jobInfo(job, this.#format(req, job)))),
      this.#jobRoute('POST', J, (req, job) => this.#changeState(req, job)),
      this.#jobRoute('POST', `${J}/batch`, (req, job) => this.#addBatch(req, job)),
      this.#jobRoute('GET', `${J}/batch`, (req, job) => this.#listBatches(req, job)),
      this.#batchRoute('GET', B, (req, job, batch) => bulkDocument(this.#format(req, job), 200, 'batchInfo', batchInfo(batch))),
      this.#batchRoute('GET', `${B}/request`, (_req, job, batch) => ({ status: 200, raw: batch.request, contentType: this.#dataType(job) })),
      this.#batchRoute('GET', `${B}/result`, (req, job, batch) => this.#result(req, job, batch)),
      this.#batchRoute('GET', `${B}/result/([^/]+)`, (req, job, batch) => this.#resultSet(req, job, batch)),
      // Any other URL under /services/async: Bulk 1.0's InvalidUrl rather than the REST 404 array.
      ...['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].map((method) => this.#route(method, '(?:/.*)?', (req) => bulkError(this.#format(req), 'InvalidUrl', `Unknown URL ${req.path}`))),
    ];
  }

  /**
   * A Bulk 1.0 route. The server neither authenticates nor counts it (`auth`/`counted` false):
   * Bulk 1.0 answers a bad session with its own error document, so this does both itself, in
   * Salesforce's order (session, then allocation).
   */
  #route(method: string, sub: string, handler: (req: EmuRequest) => EmuResponse): Route {
    return {
      method,
      pattern: new RegExp(`${ASYNC_PREFIX}${sub}/?$`),
      auth: false,
      counted: false,
      kind: 'bulk',
      handler: (req) => {
        // Uncounted routes get every capture: the version first.
        req.apiVersion = req.params[0] ?? req.apiVersion;
        req.params = req.params.slice(1);
        return this.#authenticate(req) ?? handler(req);
      },
    };
  }

  /** A route under /job/{jobId}: an unknown job is InvalidJob. */
  #jobRoute(method: string, sub: string, handler: (req: EmuRequest, job: Job) => EmuResponse): Route {
    return this.#route(method, sub, (req) => {
      const jobId = req.params[0] ?? '';
      const job = this.#jobs.get(jobId);
      return job === undefined ? bulkError(this.#format(req), 'InvalidJob', `Unable to find job: ${jobId}`) : handler(req, job);
    });
  }

  /** A route under /job/{jobId}/batch/{batchId}: an unknown batch is InvalidBatch. */
  #batchRoute(method: string, sub: string, handler: (req: EmuRequest, job: Job, batch: Batch) => EmuResponse): Route {
    return this.#jobRoute(method, sub, (req, job) => {
      const batchId = req.params[1] ?? '';
      const batch = job.batches.get(batchId);
      return batch === undefined ? bulkError(this.#format(req, job), 'InvalidBatch', `Unable to find batch: ${batchId}`) : handler(req, job, batch);
    });
  }

  #authenticate(req: EmuRequest): EmuResponse | null {
    const org = this.#org;
    const header = req.headers['x-sfdc-session'];
    const session = (Array.isArray(header) ? header[0] : header) ?? /^(?:Bearer|OAuth)\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? '';
    const lookup = session === '' ? { ok: false as const } : org.auth.lookup(session.trim());
    if (!lookup.ok) return bulkError(this.#format(req), 'InvalidSessionId', 'Invalid session id');
    req.session = lookup.session;
    if (org.apiUsed >= org.apiMax) return bulkError(this.#format(req), 'ExceededQuota', 'TotalRequests Limit exceeded.', 403);
    org.apiUsed += 1;
    return null;
  }

  /** The request's own format, else the job's (JSON jobs answer JSON), else XML. */
  #format(req: EmuRequest, job?: Job): DocFormat {
    return requestFormat(req) ?? (job === undefined ? 'XML' : docFormatOf(job.contentType));
  }

  #dataType(job: Job): string {
    return job.contentType === 'CSV' ? 'text/csv' : job.contentType === 'JSON' ? 'application/json' : 'application/xml';
  }

  #createJob(req: EmuRequest): EmuResponse {
    const format = requestFormat(req) ?? 'XML';
    const doc = readJobDocument(req, format);
    if (!doc.ok) return doc.response;
    const fields = doc.fields;
    const operation = fields['operation'] ?? '';
    if (!INGEST_OPERATIONS.has(operation) && operation !== 'query' && operation !== 'queryAll') return bulkError(format, 'InvalidJob', `Invalid operation: ${operation}`);
    const object = this.#org.schema.get(fields['object'] ?? '');
    if (object === undefined || object.isEvent) return bulkError(format, 'InvalidJob', `Unable to find object: ${fields['object'] ?? ''}`);
    const contentType = fields['contentType'] ?? 'XML';
    if (!CONTENT_TYPES.has(contentType)) return bulkError(format, 'InvalidJob', `Unsupported content type: ${contentType}`);
    const mode = fields['concurrencyMode'] ?? 'Parallel';
    if (mode !== 'Parallel' && mode !== 'Serial') return bulkError(format, 'InvalidJob', `Invalid concurrency mode: ${mode}`);
    let externalIdField: FieldDef | null = null;
    if (operation === 'upsert') {
      const name = fields['externalIdFieldName'] ?? '';
      externalIdField = object.fieldMap.get(name.toLowerCase()) ?? null;
      if (externalIdField === null || !(externalIdField.externalId || externalIdField.idLookup || externalIdField.name === 'Id')) {
        const message = name === '' ? `External ID was blank for ${object.name}. An External ID must be specified for upsert.` : `External ID field ${name} does not exist or is not an External ID field on ${object.name}`;
        return bulkError(format, 'InvalidJob', message);
      }
    }
    const chunking = pkChunkSize(req.headers['sforce-enable-pkchunking']);
    if (chunking !== null && typeof chunking === 'object') return bulkError(format, 'InvalidJob', chunking.error);
    const now = this.#org.store.now();
    const job: Job = {
      id: this.#ids.next('750'),
      operation: operation as Operation,
      object,
      externalIdField,
      contentType: contentType as ContentType,
      concurrencyMode: mode,
      state: 'Open',
      createdById: userOf(this.#org, req),
      createdDate: now,
      modstamp: now,
      apiVersion: req.apiVersion,
      pkChunkSize: operation === 'query' || operation === 'queryAll' ? chunking : null,
      batches: new Map(),
    };
    this.#jobs.set(job.id, job);
    return bulkDocument(format, 201, 'jobInfo', jobInfo(job, format));
  }

  #changeState(req: EmuRequest, job: Job): EmuResponse {
    const format = this.#format(req, job);
    const doc = readJobDocument(req, format);
    if (!doc.ok) return doc.response;
    const state = doc.fields['state'];
    if (state !== 'Closed' && state !== 'Aborted') return bulkError(format, 'InvalidJobState', `Invalid state: ${state ?? ''}`);
    if (job.state !== 'Open' && !(state === 'Aborted' && job.state === 'Closed')) {
      return bulkError(format, 'InvalidJobState', `Invalid state transition from ${job.state} to ${state}`);
    }
    job.state = state;
    job.modstamp = this.#org.store.now();
    if (state === 'Aborted') {
      // Batches not yet started are never processed; one in progress runs to its end.
      for (const batch of job.batches.values()) if (batch.state === 'Queued') this.#finish(batch, 'NotProcessed', null);
    }
    return bulkDocument(format, 200, 'jobInfo', jobInfo(job, format));
  }

  #addBatch(req: EmuRequest, job: Job): EmuResponse {
    const format = this.#format(req, job);
    if (job.state !== 'Open') return bulkError(format, 'InvalidJobState', `Job ${job.id} is ${job.state}: batches can only be added to an open job`);
    // The batch's Content-Type must be the job's (text/csv, application/json, application/xml).
    const sent = requestFormat(req) ?? (/text\/csv/i.test(req.headers['content-type'] ?? '') ? 'CSV' : null);
    if (sent !== null && sent !== job.contentType) {
      return bulkError(format, 'InvalidBatch', `The batch's content type (${req.headers['content-type'] ?? ''}) does not match the job's content type ${job.contentType}`);
    }
    const batch = this.#newBatch(job, req.body.toString('utf8'), false);
    return bulkDocument(format, 201, 'batchInfo', batchInfo(batch));
  }

  #newBatch(job: Job, request: string, chunk: boolean): Batch {
    const now = this.#org.store.now();
    const batch: Batch = {
      id: this.#ids.next('751'),
      job,
      state: 'Queued',
      stateMessage: null,
      createdDate: now,
      modstamp: now,
      request,
      chunk,
      processed: 0,
      failed: 0,
      startedAt: null,
      finishedAt: null,
      results: [],
      resultSets: new Map(),
    };
    job.batches.set(batch.id, batch);
    this.#queue.push(batch);
    this.#wake();
    return batch;
  }

  #listBatches(req: EmuRequest, job: Job): EmuResponse {
    const infos = [...job.batches.values()].map((b) => dropNulls(batchInfo(b)));
    if (this.#format(req, job) === 'JSON') return { status: 200, body: { batchInfo: infos }, contentType: 'application/json' };
    return { status: 200, raw: xmlText('batchInfoList', { batchInfo: infos }), contentType: 'application/xml' };
  }

  #result(req: EmuRequest, job: Job, batch: Batch): EmuResponse {
    if (batch.state !== 'Completed' && !(batch.state === 'Failed' && batch.processed > 0)) {
      return bulkError(this.#format(req, job), 'InvalidBatch', 'Batch not completed');
    }
    if (isQuery(job)) {
      const ids = [...batch.resultSets.keys()];
      if (job.contentType === 'JSON') return { status: 200, body: ids, contentType: 'application/json' };
      return { status: 200, raw: xmlText('result-list', { result: ids }), contentType: 'application/xml' };
    }
    const out = ingestResults(job.contentType, batch.results);
    return { status: 200, raw: out.body, contentType: out.type, records: batch.results.length };
  }

  #resultSet(req: EmuRequest, job: Job, batch: Batch): EmuResponse {
    const resultId = req.params[2] ?? '';
    const rows = batch.resultSets.get(resultId);
    if (rows === undefined) return bulkError(this.#format(req, job), 'InvalidBatch', `Unable to find result: ${resultId}`);
    const out = encodeQueryRows(this.#org.schema, job.contentType, rows);
    return { status: 200, raw: out.body, contentType: out.type, records: rows.records.length };
  }

  /** Starts the worker when batches wait and none is running. */
  #wake(): void {
    if (this.#worker !== null || this.#stopped) return;
    this.#worker = this.#drain().finally(() => {
      this.#worker = null;
      if (this.#queue.length > 0 && !this.#stopped) this.#wake();
    });
  }

  async #drain(): Promise<void> {
    for (;;) {
      // Yield first: the request that queued the batch answers before processing starts.
      await new Promise((resolve) => setImmediate(resolve));
      const batch = this.#queue.shift();
      if (batch === undefined || this.#stopped) return;
      if (batch.state !== 'Queued' || this.#jobs.get(batch.job.id) !== batch.job) continue;
      batch.state = 'InProgress';
      batch.startedAt = this.#org.store.now();
      batch.modstamp = batch.startedAt;
      await new Promise((resolve) => setImmediate(resolve));
      if (isQuery(batch.job)) this.#runQuery(batch);
      else await this.#runIngest(batch);
    }
  }

  #finish(batch: Batch, state: BatchState, message: string | null): void {
    batch.state = state;
    batch.stateMessage = message;
    batch.finishedAt = this.#org.store.now();
    batch.modstamp = batch.finishedAt;
    batch.job.modstamp = batch.finishedAt;
  }

  /** Saves the batch 200 records a transaction, yielding between chunks, as Salesforce does. */
  async #runIngest(batch: Batch): Promise<void> {
    const job = batch.job;
    const parsed = parseIngestBatch(this.#org.schema, job.object, job.contentType, batch.request);
    if (!parsed.ok) return this.#finish(batch, 'Failed', parsed.stateMessage);
    if (parsed.records.length > MAX_BATCH_RECORDS) return this.#finish(batch, 'Failed', `InvalidBatch : Records in a batch cannot exceed ${MAX_BATCH_RECORDS}`);
    const store = this.#org.store;
    const ctx = { userId: job.createdById };
    const target = { object: job.object, operation: job.operation as IngestOperation, externalIdField: job.externalIdField };
    for (let start = 0; start < parsed.records.length; start += CHUNK) {
      if (start > 0) await new Promise((resolve) => setImmediate(resolve));
      if (this.#stopped || this.#jobs.get(job.id) !== job) return;
      store.transaction(() => {
        for (const record of parsed.records.slice(start, start + CHUNK)) {
          const result = saveRecord(store, target, record, ctx);
          batch.results.push(result);
          batch.processed += 1;
          if (!result.success) batch.failed += 1;
        }
        return { commit: true, value: undefined };
      });
      batch.modstamp = store.now();
    }
    this.#finish(batch, 'Completed', null);
  }

  #runQuery(batch: Batch): void {
    const job = batch.job;
    const includeDeleted = job.operation === 'queryAll';
    if (job.pkChunkSize !== null && !batch.chunk) {
      const check = runBatchQuery(this.#org, batch.request, includeDeleted, job.apiVersion);
      if (!check.ok) return this.#finish(batch, 'Failed', check.stateMessage);
      // Salesforce's PK chunking: one batch per Id range; the original is never processed itself.
      for (const query of pkChunkQueries(this.#org, job.object, batch.request, includeDeleted, job.pkChunkSize)) this.#newBatch(job, query, true);
      return this.#finish(batch, 'NotProcessed', null);
    }
    const run = runBatchQuery(this.#org, batch.request, includeDeleted, job.apiVersion);
    if (!run.ok) return this.#finish(batch, 'Failed', run.stateMessage);
    batch.resultSets.set(this.#ids.next('752'), run.rows);
    batch.processed = run.rows.records.length;
    this.#finish(batch, 'Completed', null);
  }
}
