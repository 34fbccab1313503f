// /query and /queryAll with locators: the first page is answered at once, the rest is kept under
// a 01g... locator that nextRecordsUrl points at ("<locator>-<position>").
import type { Org } from '../org.ts';
import { json, sfError, type EmuRequest, type EmuResponse, type Route } from '../http/types.ts';
import type { QueryColumn } from '../soql/engine.ts';
import { apiRoute } from './sobjects.ts';

const DEFAULT_BATCH = 2000;

function batchSizeOf(req: EmuRequest): number {
  const header = req.headers['sforce-query-options'];
  const m = /batchSize=(\d+)/i.exec(Array.isArray(header) ? header.join(',') : (header ?? ''));
  if (m === null) return DEFAULT_BATCH;
  return Math.min(Math.max(Number(m[1]), 200), DEFAULT_BATCH);
}

function page(org: Org, req: EmuRequest, records: Record<string, unknown>[], totalSize: number, start: number, batch: number, locatorId: string | null): EmuResponse {
  const end = Math.min(start + batch, records.length);
  const slice = records.slice(start, end);
  const body: Record<string, unknown> = { totalSize, done: end >= records.length };
  if (end < records.length) {
    const id = locatorId ?? org.saveLocator(records, totalSize, batch);
    body['nextRecordsUrl'] = `/services/data/v${req.apiVersion}/query/${id}-${end}`;
  } else if (locatorId !== null) {
    org.dropLocator(locatorId);
  }
  body['records'] = slice;
  return json(200, body, slice.length);
}

function runQuery(org: Org, req: EmuRequest, includeDeleted: boolean): EmuResponse {
  const q = req.query.get('q');
  if (q === null || q.trim() === '') return sfError(400, 'MALFORMED_QUERY', 'A query string is required: q');
  const outcome = org.soql.run(q, { includeDeleted, apiVersion: req.apiVersion, now: org.store.now() });
  if (!outcome.ok) return sfError(400, outcome.error.errorCode, outcome.error.message);
  const result = outcome.result;
  if (req.query.get('columns') === 'true') {
    // The Salesforce CLI lays out `sf data query` from this tree: parent fields nest under their
    // relationship in joinColumns, subqueries are aggregate columns with their own joinColumns.
    return json(200, {
      columnMetadata: columnTree(result.columns),
      entityName: result.object.name,
      groupBy: false,
      idSelected: result.columns.some((c) => c.name === 'Id'),
      keyPrefix: result.object.keyPrefix,
    });
  }
  return page(org, req, result.records, result.totalSize, 0, batchSizeOf(req), null);
}

function nextPage(org: Org, req: EmuRequest): EmuResponse {
  const raw = decodeURIComponent(req.params[0] ?? '');
  const m = /^(01g[A-Za-z0-9]{15})-(\d+)$/.exec(raw);
  const locator = m === null ? undefined : org.locator(m[1] ?? '');
  if (m === null || locator === undefined) return sfError(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
  return page(org, req, locator.records, locator.totalSize, Number(m[2]), locator.batchSize, m[1] ?? null);
}

interface ColumnMetadata {
  aggregate: boolean;
  apexType: string | null;
  booleanType: boolean;
  columnName: string;
  custom: boolean;
  displayName: string;
  foreignKeyName: string | null;
  insertable: boolean;
  joinColumns: ColumnMetadata[];
  numberType: boolean;
  textType: boolean;
  updatable: boolean;
}

function columnEntry(name: string, display: string, aggregate: boolean, joinColumns: ColumnMetadata[]): ColumnMetadata {
  return { aggregate, apexType: null, booleanType: false, columnName: name, custom: name.endsWith('__c') || name.endsWith('__r'), displayName: display, foreignKeyName: null, insertable: !aggregate, joinColumns, numberType: false, textType: !aggregate, updatable: !aggregate };
}

export function columnTree(columns: QueryColumn[], prefix = ''): ColumnMetadata[] {
  const out: ColumnMetadata[] = [];
  const parents = new Map<string, QueryColumn[]>();
  for (const c of columns) {
    if (c.children !== undefined) {
      out.push(columnEntry(c.name, c.name, true, columnTree(c.children)));
    } else if (c.aggregate !== undefined) {
      out.push(columnEntry(c.name, c.aggregate.display, true, []));
    } else if (c.path.length > 1) {
      const [head = '', ...rest] = c.path;
      let group = parents.get(head);
      if (group === undefined) {
        parents.set(head, (group = []));
        out.push(columnEntry(head, `${prefix}${head}`, false, []));
      }
      group.push({ name: rest.join('.'), path: rest });
    } else {
      out.push(columnEntry(c.name, `${prefix}${c.name}`, false, []));
    }
  }
  for (const entry of out) {
    const group = parents.get(entry.columnName);
    if (group !== undefined && entry.joinColumns.length === 0 && !entry.aggregate) entry.joinColumns = columnTree(group, `${entry.displayName}.`);
  }
  return out;
}

export function queryRoutes(org: Org): Route[] {
  return [
    apiRoute('GET', '/query', 'query', (req) => runQuery(org, req, false)),
    apiRoute('GET', '/queryAll', 'query', (req) => runQuery(org, req, true)),
    apiRoute('GET', '/query/([^/]+)', 'query', (req) => nextPage(org, req)),
    apiRoute('GET', '/queryAll/([^/]+)', 'query', (req) => nextPage(org, req)),
  ];
}

export function limitRoutes(org: Org): Route[] {
  return [
    apiRoute('GET', '/limits', 'limits', () => {
      const remaining = Math.max(org.apiMax - org.apiUsed, 0);
      const limit = (max: number, used = 0) => ({ Max: max, Remaining: Math.max(max - used, 0) });
      return json(200, {
        ConcurrentAsyncGetReportInstances: limit(200),
        DailyApiRequests: { Max: org.apiMax, Remaining: remaining },
        DailyAsyncApexExecutions: limit(250_000),
        DailyBulkApiBatches: limit(15_000),
        DailyBulkV2QueryFileStorageMB: limit(976_562),
        DailyBulkV2QueryJobs: limit(10_000, org.bulkQueryJobsUsed),
        DailyStreamingApiEvents: limit(1_000_000),
        DataStorageMB: limit(1024),
        FileStorageMB: limit(1024),
        HourlyPublishedPlatformEvents: limit(250_000),
        MonthlyPlatformEventsUsageEntitlement: limit(1_500_000),
        SingleEmailMessages: limit(5000),
      });
    }),
  ];
}
