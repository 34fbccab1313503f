// SOSL over REST: GET /search?q=FIND {...} and /parameterizedSearch (GET with query parameters,
// POST with a JSON body). Both answer {"searchRecords": [...]} (+ "metadata" for LABELS).
import type { Org } from '../org.ts';
import { isPlainObject, json, parseJsonBody, sfError, type EmuRequest, type EmuResponse, type Route } from '../http/types.ts';
import { parseSearchExpression, parseSosl, SoslSyntaxError, type ReturningObject, type SearchScope, type SoslQuery } from '../sosl/parser.ts';
import { runSearch, type SearchOptions } from '../sosl/search.ts';
import { apiRoute } from './sobjects.ts';

const NO_TERM = 'No search term found. The search term must be enclosed in braces.';

function answer(org: Org, query: SoslQuery, options: SearchOptions): EmuResponse {
  const outcome = runSearch(org, query, options);
  if (!outcome.ok) return sfError(400, outcome.error.errorCode, outcome.error.message);
  return json(200, outcome.body, outcome.body.searchRecords.length);
}

function soslSearch(org: Org, req: EmuRequest): EmuResponse {
  const q = req.query.get('q');
  if (q === null || q.trim() === '') return sfError(400, 'MALFORMED_SEARCH', NO_TERM);
  let query: SoslQuery;
  try {
    query = parseSosl(q);
  } catch (error) {
    if (error instanceof SoslSyntaxError) return sfError(400, error.error.errorCode, error.error.message);
    throw error;
  }
  return answer(org, query, { sosl: q, apiVersion: req.apiVersion });
}

/** The parameters a parameterized search takes, from the query string or the JSON body. */
interface ParameterizedInput {
  q: string;
  scope: string | undefined;
  fields: string[];
  sobjects: { name: string; fields: string[]; where: string | null; orderBy: string | null; limit: number | null }[];
  overallLimit: number | undefined;
  defaultLimit: number | undefined;
  metadata: string | undefined;
}

function positive(value: unknown): number | undefined | 'bad' {
  if (value === undefined || value === null || value === '') return undefined;
  const n = Number(value);
  return Number.isInteger(n) && n > 0 ? n : 'bad';
}

function list(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String).map((s) => s.trim()).filter((s) => s !== '');
  if (typeof value === 'string') return value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  return [];
}

function fromQueryString(req: EmuRequest): ParameterizedInput {
  const params = req.query;
  // sobject may repeat; each object's own fields and limit come as <Object>.fields / <Object>.limit.
  const names = params.getAll('sobject').flatMap((s) => list(s));
  const sub = (name: string, key: string): string | null => {
    for (const [k, v] of params) if (k.toLowerCase() === `${name}.${key}`.toLowerCase()) return v;
    return null;
  };
  return {
    q: params.get('q') ?? '',
    scope: params.get('in') ?? undefined,
    fields: list(params.get('fields') ?? ''),
    sobjects: names.map((name) => {
      const limit = positive(sub(name, 'limit'));
      return { name, fields: list(sub(name, 'fields') ?? ''), where: sub(name, 'where'), orderBy: sub(name, 'orderBy'), limit: typeof limit === 'number' ? limit : null };
    }),
    overallLimit: numberOrUndefined(params.get('overallLimit')),
    defaultLimit: numberOrUndefined(params.get('defaultLimit')),
    metadata: params.get('metadata') ?? undefined,
  };
}

function numberOrUndefined(value: unknown): number | undefined {
  const n = positive(value);
  return typeof n === 'number' ? n : undefined;
}

function fromBody(body: Record<string, unknown>): ParameterizedInput {
  const sobjects = Array.isArray(body['sobjects']) ? body['sobjects'].filter(isPlainObject) : [];
  return {
    q: typeof body['q'] === 'string' ? body['q'] : '',
    scope: typeof body['in'] === 'string' ? body['in'] : undefined,
    fields: list(body['fields']),
    sobjects: sobjects.map((s) => ({
      name: typeof s['name'] === 'string' ? s['name'] : '',
      fields: list(s['fields']),
      where: typeof s['where'] === 'string' && s['where'].trim() !== '' ? s['where'] : null,
      orderBy: typeof s['orderBy'] === 'string' && s['orderBy'].trim() !== '' ? s['orderBy'] : null,
      limit: numberOrUndefined(s['limit']) ?? null,
    })),
    overallLimit: numberOrUndefined(body['overallLimit']),
    defaultLimit: numberOrUndefined(body['defaultLimit']),
    metadata: typeof body['metadata'] === 'string' ? body['metadata'] : undefined,
  };
}

const SCOPES: Record<string, SearchScope> = { ALL: 'ALL', NAME: 'NAME', EMAIL: 'EMAIL', PHONE: 'PHONE', SIDEBAR: 'SIDEBAR' };

function parameterizedSearch(org: Org, req: EmuRequest, input: ParameterizedInput): EmuResponse {
  if (input.q.trim() === '') return sfError(400, 'MALFORMED_SEARCH', NO_TERM);
  const scope = input.scope === undefined ? 'ALL' : SCOPES[input.scope.toUpperCase()];
  if (scope === undefined) return sfError(400, 'INVALID_SEARCH', `Invalid search scope: ${input.scope ?? ''}`);
  let search: SoslQuery['search'];
  try {
    search = parseSearchExpression(input.q);
  } catch (error) {
    if (error instanceof SoslSyntaxError) return sfError(400, error.error.errorCode, error.error.message);
    throw error;
  }
  const returning: ReturningObject[] | null =
    input.sobjects.length === 0
      ? null
      : input.sobjects.map((s) => {
          const fields = s.fields.length > 0 ? s.fields : input.fields;
          return { name: s.name, at: 0, fields: fields.length === 0 ? null : fields.join(', '), where: s.where, orderBy: s.orderBy, limit: s.limit, offset: null };
        });
  const query: SoslQuery = { search, scope, returning, limit: null, metadataLabels: input.metadata?.toUpperCase() === 'LABELS' };
  return answer(org, query, { sosl: null, apiVersion: req.apiVersion, overallLimit: input.overallLimit, defaultLimit: input.defaultLimit });
}

export function searchRoutes(org: Org): Route[] {
  return [
    apiRoute('GET', '/search', 'query', (req) => soslSearch(org, req)),
    apiRoute('GET', '/parameterizedSearch', 'query', (req) => parameterizedSearch(org, req, fromQueryString(req))),
    apiRoute('POST', '/parameterizedSearch', 'query', (req) => {
      const parsed = parseJsonBody(req);
      if (!parsed.ok) return parsed.response;
      if (!isPlainObject(parsed.value)) return sfError(400, 'JSON_PARSER_ERROR', 'The request body must be a JSON object');
      return parameterizedSearch(org, req, fromBody(parsed.value));
    }),
  ];
}
