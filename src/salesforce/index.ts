export { openConnection, authorizeUrl, exchangeCode, API_VERSION, type ConnectionSpec, type Identity, type OpenedConnection } from './connect.ts';
export { SalesforceClient, CLIENT_DEFAULTS, COLLECTION_SIZE, type ClientOptions, type RequestLogger, type RequestLogEntry, type RequestOutcome, type SaveResult } from './client.ts';
export { SalesforceError, toSalesforceError, kindOfCode, type SalesforceErrorInfo, type SalesforceErrorKind } from './errors.ts';
