export { openConnection, authorizeUrl, exchangeCode, API_VERSION, type ConnectionSpec, type Identity, type OpenedConnection } from './connect.ts';
export { SalesforceClient, CLIENT_DEFAULTS, COLLECTION_SIZE, toBulkCsv, type ClientOptions, type PreparedBulkUpsert, type RequestLogger, type RequestLogEntry, type RequestOutcome, type SaveResult } from './client.ts';
export { SalesforceError, toSalesforceError, kindOfCode, type SalesforceErrorInfo, type SalesforceErrorKind } from './errors.ts';
export type { FieldDescribe, ObjectDescribe } from './describe.ts';
export { checkValue, valueKindFits, type ValueProblem } from './field-check.ts';
