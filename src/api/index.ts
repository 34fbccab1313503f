export { buildServer, allEndpoints, API_VERSION, type ServerOptions } from './server.ts';
export { buildOpenApi } from './openapi.ts';
export { ApiError, ERROR_STATUS, type ErrorBody, type ErrorCode } from './errors.ts';
export type { Endpoint } from './contract.ts';
