import type { Connection } from 'jsforce';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import pLimit, { type LimitFunction } from 'p-limit';
import pRetry, { AbortError } from 'p-retry';
import { parseBulkErrors, type RecordError } from './bulk-errors.ts';
import { withDeadline } from './deadline.ts';
import type { FieldDescribe, ObjectDescribe } from './describe.ts';
import { SalesforceError, kindOfCode, toSalesforceError, type SalesforceErrorInfo } from './errors.ts';

/** One call to Salesforce as the request log records it. */
export interface RequestLogEntry {
  operation: 'upsert' | 'update' | 'create' | 'bulk_open' | 'bulk_upload' | 'bulk_close' | 'bulk_status' | 'bulk_results' | 'delete' | 'query' | 'describe' | 'limits' | 'login';
  method: string;
  object?: string | undefined;
  records: number;
}

export interface RequestOutcome {
  status: 'Success' | 'Failed';
  httpStatus?: number | undefined;
  durationMs: number;
  apiUsed?: number | undefined;
  apiMax?: number | undefined;
  error?: SalesforceErrorInfo | undefined;
}

/** Where the client reports its calls: `start` writes a Waiting row, `finish` settles it. */
export interface RequestLogger {
  start(entry: RequestLogEntry): Promise<(outcome: RequestOutcome) => Promise<void>>;
}

export interface ClientOptions {
  /** Abandon a call after this long and treat it as a transient failure (ms). */
  timeoutMs?: number;
  /** Attempts for transient failures (first try included). */
  attempts?: number;
  /** Base backoff delay (ms); grows ×2 per attempt, with jitter. */
  backoffMs?: number;
  /** How long a Bulk API job may take before the run gives up waiting (ms). */
  bulkTimeoutMs?: number;
  /** Bulk API status checks: the first right after the job is closed, then after this, growing ×1.5 up to `bulkPollMaxMs`. */
  bulkPollMs?: number;
  bulkPollMaxMs?: number;
  /** Stop before Ferry's usage passes this share of the org's daily API allocation (0..1). */
  budgetShare?: number;
  /** sObject Collections calls of one upsert kept in flight at once. */
  concurrency?: number;
  logger?: RequestLogger | undefined;
}

export const CLIENT_DEFAULTS = { timeoutMs: 120_000, bulkTimeoutMs: 30 * 60_000, bulkPollMs: 100, bulkPollMaxMs: 500, attempts: 4, backoffMs: 500, budgetShare: 0.8, concurrency: 4 } as const;

export type SaveResult =
  | { success: true; id: string; created: boolean }
  | { success: false; errors: RecordError[] };

export const COLLECTION_SIZE = 200;

type BulkJob = ReturnType<Connection['bulk2']['createJob']>;

/** A Bulk API upsert job whose rows are uploaded but which has not started. */
export interface PreparedBulkUpsert {
  complete(): Promise<SaveResult[]>;
  abort(): Promise<void>;
}

interface JsforceSaveResult {
  id?: string;
  success: boolean;
  created?: boolean;
  errors?: { statusCode?: string; errorCode?: string; message: string; fields?: string[] }[];
}

/**
 * Ferry's Salesforce client. Every call is logged (with the API usage Salesforce reports in
 * Sforce-Limit-Info), retried with exponential backoff and jitter when the failure is transient,
 * and refused before Ferry's usage passes its budget share. Upserts are keyed by an external id
 * field, so a retried call can never create a duplicate.
 */
export class SalesforceClient {
  readonly connection: Connection;
  readonly #options: Required<Omit<ClientOptions, 'logger'>> & { logger?: RequestLogger | undefined };
  /** The sObject Collections calls this client keeps in flight, across all its upserts. */
  readonly #slots: LimitFunction;

  constructor(connection: Connection, options: ClientOptions = {}) {
    this.connection = connection;
    this.#options = { ...CLIENT_DEFAULTS, ...options };
    this.#slots = pLimit(Math.max(1, this.#options.concurrency));
  }

  /** Latest usage Salesforce reported: { used, max } of the daily allocation. */
  get apiUsage(): { used: number; max: number } | undefined {
    const usage = this.connection.limitInfo?.apiUsage;
    return usage === undefined ? undefined : { used: usage.used, max: usage.limit };
  }

  #checkBudget(): void {
    const usage = this.apiUsage;
    if (usage !== undefined && usage.max > 0 && usage.used >= usage.max * this.#options.budgetShare) {
      throw new SalesforceError({
        kind: 'rate_limit',
        errorCode: 'FERRY_API_BUDGET_EXHAUSTED',
        message: `Ferry has used ${usage.used} of ${usage.max} daily API requests, its budget of ${Math.round(this.#options.budgetShare * 100)}%`,
      });
    }
  }

  async #call<T>(entry: RequestLogEntry, work: () => Promise<T>, options: { timeoutMs?: number; retry?: boolean } = {}): Promise<T> {
    const timeoutMs = options.timeoutMs ?? this.#options.timeoutMs;
    return pRetry(
      async () => {
        this.#checkBudget();
        // The Waiting row is written while the call is on its way, not before it: the log costs
        // no time of its own on the path to Salesforce.
        const logging = this.#options.logger?.start(entry);
        const started = performance.now();
        try {
          const [result, finish] = await Promise.all([
            withDeadline(work(), timeoutMs, `Salesforce (${entry.operation}${entry.object !== undefined ? ` ${entry.object}` : ''})`),
            logging,
          ]);
          await finish?.({ status: 'Success', durationMs: Math.round(performance.now() - started), ...this.#usage() });
          return result;
        } catch (caught) {
          const error = toSalesforceError(caught);
          const finish = await logging;
          await finish?.({ status: 'Failed', durationMs: Math.round(performance.now() - started), httpStatus: error.info.httpStatus, error: error.info, ...this.#usage() });
          if (error.info.kind !== 'transient') throw new AbortError(error);
          throw error;
        }
      },
      { retries: options.retry === false ? 0 : this.#options.attempts - 1, minTimeout: this.#options.backoffMs, factor: 2, randomize: true },
    ).catch((error: unknown) => {
      throw toSalesforceError(error);
    });
  }

  #usage(): { apiUsed?: number; apiMax?: number } {
    const usage = this.apiUsage;
    return usage === undefined ? {} : { apiUsed: usage.used, apiMax: usage.max };
  }

  /**
   * Upserts by `externalIdField` through sObject Collections, 200 records a call. Calls share the
   * client's `concurrency` slots with every other upsert in flight on this client (a run that
   * sends one part's children while the next part's parents go shares them too), so the org never
   * sees more than that many at once, and a new call takes a slot the moment one frees. Each
   * record is in one call only, so their order does not matter. Records that fail only because of
   * a row lock (two calls touching one parent) are sent again, with backoff; other refusals come
   * back per record. When a call fails for good, no new call of this upsert starts, the ones in
   * flight finish, and the error is thrown.
   */
  async upsert(object: string, externalIdField: string, records: Record<string, unknown>[]): Promise<SaveResult[]> {
    const results: SaveResult[] = new Array<SaveResult>(records.length);
    let failure: { error: unknown } | undefined;
    const calls: Promise<void>[] = [];
    for (let start = 0; start < records.length; start += COLLECTION_SIZE) {
      calls.push(
        this.#slots(async () => {
          if (failure !== undefined) return;
          try {
            await this.#upsertChunk(object, externalIdField, records.slice(start, start + COLLECTION_SIZE), start, results);
          } catch (error) {
            failure ??= { error };
          }
        }),
      );
    }
    await Promise.all(calls);
    if (failure !== undefined) throw failure.error;
    return results;
  }

  async #upsertChunk(object: string, externalIdField: string, chunk: Record<string, unknown>[], offset: number, results: SaveResult[]): Promise<void> {
    let pending = chunk.map((record, i) => ({ index: offset + i, record }));
    for (let attempt = 1; pending.length > 0; attempt++) {
      const batch = pending;
      const raw = await this.#call({ operation: 'upsert', method: 'PATCH', object, records: batch.length }, async () => {
        const answer = (await this.connection.sobject(object).upsert(batch.map((p) => ({ attributes: { type: object }, ...p.record })), externalIdField, { allOrNone: false })) as unknown;
        return (Array.isArray(answer) ? answer : [answer]) as JsforceSaveResult[];
      });
      pending = [];
      raw.forEach((result, i) => {
        const item = batch[i]!;
        const saved = normaliseSave(result);
        const locked = !saved.success && saved.errors.some((e) => kindOfCode(e.statusCode) === 'transient');
        if (locked && attempt < this.#options.attempts) pending.push(item);
        else results[item.index] = saved;
      });
      if (pending.length > 0) await new Promise((resolve) => setTimeout(resolve, this.#options.backoffMs * 2 ** (attempt - 1) * (1 + Math.random())));
    }
  }

  /** Updates records by Salesforce Id (each carries `Id`) through sObject Collections, 200 a call. */
  async update(object: string, records: (Record<string, unknown> & { Id: string })[]): Promise<SaveResult[]> {
    return this.#inChunks({ operation: 'update', method: 'PATCH', object }, records, (chunk) => this.connection.sobject(object).update(chunk, { allOrNone: false }));
  }

  /** Creates records (no external id: custom settings have none) through sObject Collections, 200 a call. */
  async create(object: string, records: Record<string, unknown>[]): Promise<SaveResult[]> {
    return this.#inChunks({ operation: 'create', method: 'POST', object }, records, (chunk) => this.connection.sobject(object).create(chunk, { allOrNone: false }));
  }

  /** Deletes by Salesforce id through sObject Collections, 200 a call. */
  async delete(object: string, ids: string[]): Promise<SaveResult[]> {
    return this.#inChunks({ operation: 'delete', method: 'DELETE', object }, ids, (chunk) => this.connection.sobject(object).destroy(chunk, { allOrNone: false }));
  }

  /** One sObject Collections call per 200 items, one after the other; results in input order. */
  async #inChunks<T>(entry: Omit<RequestLogEntry, 'records'>, items: T[], send: (chunk: T[]) => Promise<unknown>): Promise<SaveResult[]> {
    const results: SaveResult[] = [];
    for (let start = 0; start < items.length; start += COLLECTION_SIZE) {
      const chunk = items.slice(start, start + COLLECTION_SIZE);
      const raw = await this.#call({ ...entry, records: chunk.length }, async () => {
        const answer = await send(chunk);
        return (Array.isArray(answer) ? answer : [answer]) as JsforceSaveResult[];
      });
      results.push(...raw.map(normaliseSave));
    }
    return results;
  }

  /**
   * Upserts through Bulk API 2.0, matching results to the input by the external id column. Used
   * above the integration's bulk threshold. Each HTTP call of a job (open, upload, close, every
   * status check, each result file) is logged on its own. Rows refused only for a transient reason
   * (a row lock) go again in a follow-up job, with backoff, as the collections path resends them;
   * other refusals come back per record with Salesforce's code, message and fields intact.
   * Nothing that changes a job is retried here: a job that failed or outlived its time ends the
   * run awaiting retry, and the next run upserts the same keys (no duplicate).
   */
  async bulkUpsert(object: string, externalIdField: string, records: Record<string, unknown>[]): Promise<SaveResult[]> {
    return (await this.prepareBulkUpsert(object, externalIdField, records)).complete();
  }

  /**
   * Opens a Bulk API 2.0 upsert job and uploads the records, without starting it: the caller
   * closes it (`complete`) once what the rows reference is in Salesforce, and meanwhile the upload
   * has already travelled; or aborts it (`abort`) when that fails. `complete` behaves as
   * bulkUpsert (results per record, row-lock resends in follow-up jobs).
   */
  async prepareBulkUpsert(object: string, externalIdField: string, records: Record<string, unknown>[]): Promise<PreparedBulkUpsert> {
    return this.#prepareBulk(object, 'upsert', externalIdField, records);
  }

  /**
   * Updates records by Salesforce Id (each carries `Id`) through one Bulk API 2.0 update job, with
   * results per record in input order (row-lock refusals sent again, as bulkUpsert does). Used
   * above the integration's bulk threshold, where 200 records a call would cost hundreds of calls.
   */
  async bulkUpdate(object: string, records: (Record<string, unknown> & { Id: string })[]): Promise<SaveResult[]> {
    return (await this.#prepareBulk(object, 'update', 'Id', records)).complete();
  }

  async #prepareBulk(object: string, operation: 'upsert' | 'update', externalIdField: string, records: Record<string, unknown>[]): Promise<PreparedBulkUpsert> {
    const keyOf = (record: Record<string, unknown>) => {
      const value = record[externalIdField];
      return typeof value === 'string' || typeof value === 'number' ? String(value) : '';
    };
    const first = records.length === 0 ? undefined : await this.#bulkOpen(object, operation, externalIdField, records);
    const complete = async (): Promise<SaveResult[]> => {
      const results = new Map<string, SaveResult>();
      let pending = records;
      for (let attempt = 1; pending.length > 0; attempt++) {
        const job = attempt === 1 && first !== undefined ? first : await this.#bulkOpen(object, operation, externalIdField, pending);
        const answered = await this.#bulkFinish(object, externalIdField, job, pending.length);
        const again: Record<string, unknown>[] = [];
        for (const record of pending) {
          // A record in neither result file was not processed (unprocessedrecords): reported as
          // failed, and sent again by the next run.
          const result = answered.get(keyOf(record)) ?? { success: false, errors: [{ statusCode: 'UNPROCESSED', message: 'Bulk API did not process this record', fields: [] }] };
          const locked = !result.success && result.errors.some((e) => kindOfCode(e.statusCode) === 'transient');
          if (locked && attempt < this.#options.attempts) again.push(record);
          else results.set(keyOf(record), result);
        }
        pending = again;
        if (pending.length > 0) await new Promise((resolve) => setTimeout(resolve, this.#options.backoffMs * 2 ** (attempt - 1) * (1 + Math.random())));
      }
      return records.map((record) => results.get(keyOf(record))!);
    };
    const abort = async (): Promise<void> => {
      if (first !== undefined) await this.#call({ operation: 'bulk_close', method: 'PATCH', object, records: 0 }, () => first.abort(), { retry: false });
    };
    return { complete, abort };
  }

  /**
   * Waits until no Bulk API ingest job of this object, opened by this user, is still running, and
   * aborts those left open (uploaded, never started). A worker that was killed after closing a job
   * leaves it running in Salesforce: its rows must land before a later delivery decides what is
   * stale, or they would land after it, unseen. Bounded by the bulk timeout.
   */
  async settleBulkJobs(object: string): Promise<void> {
    const deadline = Date.now() + this.#options.bulkTimeoutMs;
    const lower = object.toLowerCase();
    for (let wait = this.#options.bulkPollMs; ; wait = Math.min(this.#options.bulkPollMaxMs, Math.round(wait * 1.5))) {
      const listed = await this.#call({ operation: 'bulk_status', method: 'GET', object, records: 0 }, async () => {
        const userId = this.connection.userInfo?.id;
        const jobs: { id: string; object: string; state: string; createdById?: string; jobType?: string }[] = [];
        let url: string | null = `/services/data/v${this.connection.version}/jobs/ingest`;
        while (url !== null) {
          const page: { records?: typeof jobs; nextRecordsUrl?: string | null } = await this.connection.request<{ records?: typeof jobs; nextRecordsUrl?: string | null }>(url);
          jobs.push(...(page.records ?? []));
          url = page.nextRecordsUrl ?? null;
        }
        // Ids compare on their 15-character form (the API gives 18, sessions may know 15).
        const mine = (j: (typeof jobs)[number]) => userId === undefined || j.createdById === undefined || j.createdById.slice(0, 15) === userId.slice(0, 15);
        return jobs.filter((j) => j.object.toLowerCase() === lower && mine(j));
      });
      for (const job of listed.filter((j) => j.state === 'Open')) {
        await this.#call({ operation: 'bulk_close', method: 'PATCH', object, records: 0 }, () => this.connection.request({ method: 'PATCH', url: `/services/data/v${this.connection.version}/jobs/ingest/${job.id}`, body: JSON.stringify({ state: 'Aborted' }), headers: { 'content-type': 'application/json' } }), { retry: false });
      }
      if (!listed.some((j) => j.state === 'UploadComplete' || j.state === 'InProgress')) return;
      if (Date.now() > deadline) {
        throw new SalesforceError({ kind: 'transient', errorCode: 'TIMEOUT', message: `Bulk API jobs on ${object} left by an interrupted delivery were still running after ${this.#options.bulkTimeoutMs} ms` });
      }
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }

  /** Opens a Bulk API 2.0 upsert or update job and uploads its rows (it does not run until closed). */
  async #bulkOpen(object: string, operation: 'upsert' | 'update', externalIdField: string, records: Record<string, unknown>[]): Promise<BulkJob> {
    const job = this.connection.bulk2.createJob(operation === 'upsert' ? { object, operation, externalIdFieldName: externalIdField, lineEnding: 'LF' } : { object, operation, lineEnding: 'LF' });
    const once = { retry: false } as const;
    // Opening is retried (a connection reset by an idle keep-alive socket): a job opened twice
    // leaves an empty Open one behind, which settleBulkJobs aborts. What follows changes a job.
    await this.#call({ operation: 'bulk_open', method: 'POST', object, records: 0 }, () => job.open());
    await this.#call({ operation: 'bulk_upload', method: 'PUT', object, records: records.length }, () => job.uploadData(toBulkCsv(records)), once);
    return job;
  }

  /**
   * Closes an uploaded job and waits for its two result files, keyed by external id. Its status is
   * checked right after it is closed (a small job is often done by then), then on a schedule that
   * starts short and grows, rather than a fixed second each time; both result files are fetched
   * at once.
   */
  async #bulkFinish(object: string, externalIdField: string, job: BulkJob, count: number): Promise<Map<string, SaveResult>> {
    const once = { retry: false } as const;
    await this.#call({ operation: 'bulk_close', method: 'PATCH', object, records: count }, () => job.close(), once);
    const deadline = Date.now() + this.#options.bulkTimeoutMs;
    for (let wait = this.#options.bulkPollMs; ; wait = Math.min(this.#options.bulkPollMaxMs, Math.round(wait * 1.5))) {
      const info = await this.#call({ operation: 'bulk_status', method: 'GET', object, records: 0 }, () => job.check());
      if (info.state === 'JobComplete') break;
      if (info.state === 'Failed' || info.state === 'Aborted') {
        throw new SalesforceError({ kind: 'fatal', errorCode: 'BULK_JOB_FAILED', message: `Bulk API job ${job.id} ended ${info.state}: ${info.errorMessage ?? 'no reason given'}` });
      }
      if (Date.now() > deadline) {
        throw new SalesforceError({ kind: 'transient', errorCode: 'TIMEOUT', message: `Bulk API job ${job.id} was still ${info.state} after ${this.#options.bulkTimeoutMs} ms` });
      }
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
    // Fetched as text and parsed here for the few columns Ferry reads: jsforce would build every
    // row with every column sent (the bulk of a large job's results, and of its garbage).
    const [successText, failedText] = await Promise.all([
      this.#call({ operation: 'bulk_results', method: 'GET', object, records: 0 }, () => job.getSuccessfulResults(true)),
      this.#call({ operation: 'bulk_results', method: 'GET', object, records: 0 }, () => job.getFailedResults(true)),
    ]);
    const successful = resultRows(successText, ['sf__Id', 'sf__Created', externalIdField]);
    const failed = resultRows(failedText, ['sf__Error', externalIdField]);
    const byKey = new Map<string, SaveResult>();
    for (const row of successful) {
      byKey.set(row[externalIdField] ?? '', { success: true, id: row.sf__Id ?? '', created: row.sf__Created === 'true' });
    }
    for (const row of failed) {
      byKey.set(row[externalIdField] ?? '', { success: false, errors: parseBulkErrors(row.sf__Error ?? '') });
    }
    return byKey;
  }

  async query<T extends Record<string, unknown>>(soql: string, object?: string): Promise<T[]> {
    return this.#call({ operation: 'query', method: 'GET', object, records: 0 }, async () => {
      const result = await this.connection.query<T>(soql, { autoFetch: true, maxFetch: 1_000_000 });
      return result.records;
    });
  }

  /** A query that sees deleted records too (`/queryAll`: IsDeleted = true rows in the recycle bin). */
  async queryAll<T extends Record<string, unknown>>(soql: string, object?: string): Promise<T[]> {
    return this.#call({ operation: 'query', method: 'GET', object, records: 0 }, async () => {
      const result = await this.connection.query<T>(soql, { autoFetch: true, maxFetch: 1_000_000, scanAll: true });
      return result.records;
    });
  }

  /** How many records `soql` (a SELECT COUNT() query) counts. */
  async count(soql: string, object: string): Promise<number> {
    return this.#call({ operation: 'query', method: 'GET', object, records: 0 }, async () => (await this.connection.query(soql)).totalSize);
  }

  /**
   * Every record of a SOQL query through a Bulk API 2.0 query job, one result page at a time:
   * `onPage` gets each page's rows (CSV, every value text, an empty cell null) and the next page
   * is fetched only once it has returned, so memory holds one page whatever the size of the
   * object. Answers the number of rows read.
   */
  async bulkQueryPages(
    soql: string, object: string, pageSize: number, onPage: (rows: Record<string, string | null>[]) => Promise<void>,
    options: { resume?: { jobId: string; locator: string | null } | undefined; afterPage?: ((reached: { jobId: string; locator: string | null }) => Promise<void>) | undefined } = {},
  ): Promise<number> {
    const base = `/services/data/v${this.connection.version}/jobs/query`;
    let job: { id: string } | undefined;
    let locator: string | null = null;
    // A read that stopped partway (its worker killed) goes on with the same job, from the page it
    // had reached; a job the org no longer has is opened again.
    if (options.resume !== undefined) {
      const resume = options.resume;
      const info = await this.#call({ operation: 'bulk_status', method: 'GET', object, records: 0 }, () => this.connection.request<{ state: string }>(`${base}/${resume.jobId}`)).catch((error: unknown) => {
        if (error instanceof SalesforceError && error.info.kind !== 'transient' && error.info.kind !== 'auth') return undefined;
        throw error;
      });
      if (info?.state === 'JobComplete') {
        job = { id: resume.jobId };
        locator = resume.locator;
      }
    }
    if (job === undefined) {
      // Opening is retried (a connection reset on a kept-alive socket): a query job opened twice
      // only reads twice, and the one left behind expires in the org.
      job = await this.#call({ operation: 'bulk_open', method: 'POST', object, records: 0 }, () =>
        this.connection.request<{ id: string }>({ method: 'POST', url: base, body: JSON.stringify({ operation: 'query', query: soql }), headers: { 'content-type': 'application/json' } }));
      const opened = job;
      const deadline = Date.now() + this.#options.bulkTimeoutMs;
      for (let wait = this.#options.bulkPollMs; ; wait = Math.min(this.#options.bulkPollMaxMs * 4, Math.round(wait * 1.5))) {
        const info = await this.#call({ operation: 'bulk_status', method: 'GET', object, records: 0 }, () => this.connection.request<{ state: string; errorMessage?: string }>(`${base}/${opened.id}`));
        if (info.state === 'JobComplete') break;
        if (info.state === 'Failed' || info.state === 'Aborted') {
          throw new SalesforceError({ kind: 'fatal', errorCode: 'BULK_JOB_FAILED', message: `Bulk API query job ${opened.id} ended ${info.state}: ${info.errorMessage ?? 'no reason given'}` });
        }
        if (Date.now() > deadline) throw new SalesforceError({ kind: 'transient', errorCode: 'TIMEOUT', message: `Bulk API query job ${opened.id} was still ${info.state} after ${this.#options.bulkTimeoutMs} ms` });
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
    const jobId = job.id;
    let total = 0;
    do {
      const url: string = `${base}/${jobId}/results?maxRecords=${pageSize}${locator === null ? '' : `&locator=${encodeURIComponent(locator)}`}`;
      const page: { text: string; locator: string | null } = await this.#call({ operation: 'bulk_results', method: 'GET', object, records: 0 }, () => this.#csvPage(url));
      locator = page.locator === null || page.locator === 'null' || page.locator === '' ? null : page.locator;
      const rows = page.text.trim() === '' ? [] : parse<Record<string, string | null>>(page.text, { columns: true, relax_column_count: true, cast: (value) => (value === '' ? null : value) });
      total += rows.length;
      await onPage(rows);
      await options.afterPage?.({ jobId, locator });
    } while (locator !== null);
    // Tidying up only: every row was read, so a job that cannot be deleted (a reset connection,
    // retried first) is left to expire in the org rather than failing the read.
    await this.#call({ operation: 'bulk_close', method: 'DELETE', object, records: 0 }, () => this.connection.request({ method: 'DELETE', url: `${base}/${jobId}` })).catch(() => undefined);
    return total;
  }

  /**
   * One page of a Bulk API query's results, as text with its Sforce-Locator. Fetched directly:
   * jsforce would parse the CSV into records and hide the header. An expired session is renewed
   * through jsforce (any call of its refreshes it) and the page asked again once.
   */
  async #csvPage(path: string): Promise<{ text: string; locator: string | null }> {
    for (let attempt = 0; ; attempt++) {
      const res = await fetch(`${this.connection.instanceUrl}${path}`, { headers: { authorization: `Bearer ${this.connection.accessToken ?? ''}`, accept: 'text/csv' } });
      if (res.status === 401 && attempt === 0) {
        await this.connection.request(`/services/data/v${this.connection.version}/`);
        continue;
      }
      const text = await res.text();
      if (!res.ok) {
        const body = ((): { errorCode?: string; message?: string } => {
          try {
            const parsed = JSON.parse(text) as unknown;
            return (Array.isArray(parsed) ? parsed[0] : parsed) as { errorCode?: string; message?: string };
          } catch {
            return {};
          }
        })();
        const errorCode = body.errorCode ?? `ERROR_HTTP_${res.status}`;
        throw new SalesforceError({ kind: kindOfCode(errorCode, res.status), errorCode, message: body.message ?? text.slice(0, 500), httpStatus: res.status });
      }
      return { text, locator: res.headers.get('sforce-locator') };
    }
  }

  /**
   * Whether the org publishes change events for `object`: its Change Data Capture selection on the
   * standard ChangeEvents channel, read through the Tooling API (needs View Setup and Configuration).
   */
  async changeEventsSelected(object: string): Promise<boolean> {
    const entity = object.endsWith('__c') ? `${object.slice(0, -3)}__ChangeEvent` : `${object}ChangeEvent`;
    return this.#call({ operation: 'query', method: 'GET', object: 'PlatformEventChannelMember', records: 0 }, async () => {
      const result = await this.connection.tooling.query<{ SelectedEntity: string }>(
        `SELECT SelectedEntity FROM PlatformEventChannelMember WHERE EventChannel = 'ChangeEvents' AND SelectedEntity = '${entity}'`,
      );
      return result.totalSize > 0;
    });
  }

  /** The object's fields with what decides whether a value fits each (see FieldDescribe). */
  async describe(object: string): Promise<ObjectDescribe> {
    return this.#call({ operation: 'describe', method: 'GET', object, records: 0 }, async () => {
      const result = await this.connection.sobject(object).describe();
      return { name: result.name, fields: result.fields.map((f) => toFieldDescribe(f as unknown as RawField)) };
    });
  }

  async describeGlobal(): Promise<string[]> {
    return this.#call({ operation: 'describe', method: 'GET', records: 0 }, async () => (await this.connection.describeGlobal()).sobjects.map((s) => s.name));
  }

  /** Daily API allocation, asked of Salesforce (one call). */
  async limits(): Promise<{ used: number; max: number }> {
    return this.#call({ operation: 'limits', method: 'GET', records: 0 }, async () => {
      const limits = (await this.connection.limits()) as { DailyApiRequests: { Max: number; Remaining: number } };
      return { used: limits.DailyApiRequests.Max - limits.DailyApiRequests.Remaining, max: limits.DailyApiRequests.Max };
    });
  }
}

interface RawField {
  name: string; label?: string; type: string; length?: number; precision?: number; scale?: number; digits?: number;
  createable?: boolean; updateable?: boolean; nillable?: boolean; externalId?: boolean; custom?: boolean;
  referenceTo?: string[] | null; relationshipName?: string | null; restrictedPicklist?: boolean;
  picklistValues?: { value: string; active?: boolean }[] | null;
}

function toFieldDescribe(f: RawField): FieldDescribe {
  return {
    name: f.name,
    label: f.label ?? f.name,
    type: f.type,
    length: f.length ?? 0,
    precision: f.precision ?? 0,
    scale: f.scale ?? 0,
    digits: f.digits ?? 0,
    createable: f.createable === true,
    updateable: f.updateable === true,
    nillable: f.nillable !== false,
    externalId: f.externalId === true,
    custom: f.custom === true,
    referenceTo: f.referenceTo ?? [],
    relationshipName: f.relationshipName ?? null,
    picklistValues: (f.picklistValues ?? []).filter((v) => v.active !== false).map((v) => v.value),
    restrictedPicklist: f.restrictedPicklist === true,
  };
}

/** A Bulk API result file's rows, with only the named columns (the others are skipped, not built). */
export function resultRows(text: string, keep: string[]): Record<string, string>[] {
  if (typeof text !== 'string' || text.trim() === '') return [];
  const wanted = new Set(keep);
  return parse<Record<string, string>>(text, { columns: (header: string[]) => header.map((name) => (wanted.has(name) ? name : false)), relax_column_count: true });
}

/**
 * Records as the CSV body of a Bulk API upload. Every row gets every column (records may differ in
 * their fields: line items sent with and without their master-detail field). In Bulk API CSV an
 * empty cell leaves a field as it is and `#N/A` sets it to null, so an absent field is empty and a
 * null one is #N/A (a cleared value must be cleared in Salesforce too, as the collections path
 * does). A parent named by external id (`{ Account__r: { Ferry_Id__c: 'x' } }`, as sent to
 * collections) becomes the column `Account__r.Ferry_Id__c`. Booleans are `true` / `false`.
 * Written here as one string (csv-stringify) rather than handed to jsforce as records, which
 * copies them and writes the request body a row at a time.
 */
export function toBulkCsv(records: Record<string, unknown>[]): string {
  const flat = records.map((record) => {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(record)) {
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
        for (const [inner, innerValue] of Object.entries(value as Record<string, unknown>)) if (inner !== 'attributes') out[`${key}.${inner}`] = innerValue;
      } else {
        out[key] = value;
      }
    }
    return out;
  });
  const columns = [...new Set(flat.flatMap((record) => Object.keys(record)))];
  const rows = flat.map((record) =>
    columns.map((column) => {
      const value = record[column];
      return value === undefined ? '' : value === null ? '#N/A' : value;
    }),
  );
  return stringify(rows, { header: true, columns, record_delimiter: '\n', cast: { boolean: (value) => String(value) } });
}

function normaliseSave(result: JsforceSaveResult): SaveResult {
  if (result.success && result.id !== undefined) return { success: true, id: result.id, created: result.created === true };
  return {
    success: false,
    errors: (result.errors ?? []).map((e) => ({ statusCode: e.statusCode ?? e.errorCode ?? 'UNKNOWN_ERROR', message: e.message, fields: e.fields ?? [] })),
  };
}
