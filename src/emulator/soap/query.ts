// query, queryAll and queryMore over the SOQL engine REST uses. Pages are kept under the same
// 01g... locators as REST's nextRecordsUrl; the SOAP locator is "<id>-<position>" as Salesforce
// writes it. The default page is 500 records (QueryOptions batchSize, 200 to 2000).
import type { QueryError } from '../soql/engine.ts';
import { answer, refuse, type Outcome, type SoapCall } from './call.ts';
import { queryResultXml } from './records.ts';
import { child, textOf, type Fault, type FaultType } from './xml.ts';

const DEFAULT_BATCH = 500;
const MIN_BATCH = 200;
const MAX_BATCH = 2000;

const FAULT_TYPES: Record<QueryError['errorCode'], FaultType> = {
  MALFORMED_QUERY: 'MalformedQueryFault',
  INVALID_FIELD: 'InvalidFieldFault',
  INVALID_TYPE: 'InvalidSObjectFault',
  // Which fault type carries these two is unverified; both are errors in the query's text.
  INVALID_QUERY_FILTER_OPERATOR: 'MalformedQueryFault',
  NUMBER_OUTSIDE_VALID_RANGE: 'MalformedQueryFault',
};

/** A SOQL error as the partner API's ApiQueryFault, with the row and column the message names. */
export function faultForQuery(error: QueryError): Fault {
  const at = /ERROR at Row:(\d+):Column:(\d+)/.exec(error.message);
  return { kind: 'sf', code: error.errorCode, message: error.message, type: FAULT_TYPES[error.errorCode], row: at === null ? -1 : Number(at[1]), column: at === null ? -1 : Number(at[2]) };
}

function batchSizeOf(call: SoapCall): number {
  const raw = Number(textOf(child(call.header, 'QueryOptions'), 'batchSize'));
  if (!Number.isFinite(raw) || raw <= 0) return DEFAULT_BATCH;
  return Math.min(Math.max(Math.trunc(raw), MIN_BATCH), MAX_BATCH);
}

function page(call: SoapCall, operation: string, records: Record<string, unknown>[], totalSize: number, start: number, batch: number, locatorId: string | null): Outcome {
  const end = Math.min(start + batch, records.length);
  let locator: string | null = null;
  if (end < records.length) locator = `${locatorId ?? call.org.saveLocator(records, totalSize, batch)}-${end}`;
  else if (locatorId !== null) call.org.dropLocator(locatorId);
  const slice = records.slice(start, end);
  const result = queryResultXml('result', slice, { done: locator === null, locator, size: totalSize });
  return answer(`<${operation}Response>${result}</${operation}Response>`, slice.length);
}

function run(call: SoapCall, operation: 'query' | 'queryAll'): Outcome {
  const soql = textOf(call.op, 'queryString') ?? '';
  if (soql.trim() === '') return refuse({ kind: 'sf', code: 'MALFORMED_QUERY', message: 'SOQL statement cannot be empty', type: 'MalformedQueryFault', row: -1, column: -1 });
  const outcome = call.org.soql.run(soql, { includeDeleted: operation === 'queryAll', apiVersion: call.version, now: call.org.store.now() });
  if (!outcome.ok) return refuse(faultForQuery(outcome.error));
  return page(call, operation, outcome.result.records, outcome.result.totalSize, 0, batchSizeOf(call), null);
}

export function query(call: SoapCall): Outcome {
  return run(call, 'query');
}

export function queryAll(call: SoapCall): Outcome {
  return run(call, 'queryAll');
}

export function queryMore(call: SoapCall): Outcome {
  const raw = (textOf(call.op, 'queryLocator') ?? '').trim();
  const m = /^(01g[A-Za-z0-9]{15})-(\d+)$/.exec(raw);
  const locator = m === null ? undefined : call.org.locator(m[1] ?? '');
  if (m === null || locator === undefined) return refuse({ kind: 'sf', code: 'INVALID_QUERY_LOCATOR', message: 'invalid query locator', type: 'InvalidQueryLocatorFault' });
  return page(call, 'queryMore', locator.records, locator.totalSize, Number(m[2]), locator.batchSize, m[1] ?? null);
}
