import { ENTITIES, type EntityDefinition, type Result, type Written } from '../../platform/index.ts';
import { defineEndpoint, type Endpoint } from '../contract.ts';
import { ApiError, issuesToDetails } from '../errors.ts';
import { jsonObjectBody } from '../shared.ts';
import { decodeCursor, encodeCursor, entitySchemas, idParams, versionQuery } from './schemas.ts';


function unwrap(result: Result<Written>): Written {
  if (!result.ok) throw ApiError.fromStore(result.error);
  return result.value;
}

function listEndpoint(definition: EntityDefinition): Endpoint {
  const schemas = entitySchemas(definition);
  return defineEndpoint({
    method: 'GET',
    path: `/api/v1/${definition.name}`,
    operationId: `list-${definition.name}`,
    summary: `List ${definition.label} records`,
    description: 'Ordered by id (ids are time-ordered UUIDv7). Pages with cursor; filters combine with AND.',
    tag: definition.typeName,
    auth: true,
    query: schemas.listQuery,
    success: { status: 200, description: 'One page', schema: schemas.list },
    errors: ['validation_failed', 'unauthorized'],
    handler: async ({ orgId, query, deps }) => {
      const { limit, cursor, accountId, updatedSince, includeDeleted, search, ...rest } = query;
      let after: string | undefined;
      if (cursor !== undefined) {
        after = decodeCursor(cursor);
        if (after === undefined) throw new ApiError('validation_failed', 'The cursor is not one Ferry gave out.', [{ path: 'query.cursor', message: 'pass nextCursor from a previous page unchanged' }]);
      }
      const filters: Record<string, string> = {};
      for (const [field, value] of Object.entries(rest)) if (typeof value === 'string') filters[field] = value;
      const page = await deps.store.list(orgId, definition.name, { limit, after, accountId, updatedSince, includeDeleted, search, filters });
      const last = page.records[page.records.length - 1];
      return { status: 200, body: { data: page.records, nextCursor: page.hasMore && last !== undefined ? encodeCursor(last.id) : null } };
    },
  });
}

function getEndpoint(definition: EntityDefinition): Endpoint {
  const schemas = entitySchemas(definition);
  return defineEndpoint({
    method: 'GET',
    path: `/api/v1/${definition.name}/{id}`,
    operationId: `get-${definition.name}`,
    summary: `Get a ${definition.label}`,
    tag: definition.typeName,
    auth: true,
    params: idParams,
    success: { status: 200, description: `The ${definition.label}`, schema: schemas.record },
    errors: ['validation_failed', 'unauthorized', 'not_found'],
    handler: async ({ orgId, params, deps }) => {
      const result = await deps.store.get(orgId, definition.name, params.id);
      if (!result.ok) throw ApiError.fromStore(result.error, 'path');
      return { status: 200, body: result.value };
    },
  });
}

function createEndpoint(definition: EntityDefinition): Endpoint {
  const schemas = entitySchemas(definition);
  return defineEndpoint({
    method: 'POST',
    path: `/api/v1/${definition.name}`,
    operationId: `create-${definition.name}`,
    summary: `Create a ${definition.label}`,
    tag: definition.typeName,
    auth: true,
    body: jsonObjectBody,
    documentedBody: schemas.input,
    success: { status: 201, description: `The created ${definition.label}`, schema: schemas.record },
    errors: ['validation_failed', 'malformed_json', 'unauthorized', 'duplicate_key', 'reference_not_found', 'payload_too_large'],
    handler: async ({ orgId, body, deps }) => {
      const written = unwrap(await deps.store.create(orgId, definition.name, body, 'api'));
      return { status: 201, body: written.record };
    },
  });
}

function updateEndpoint(definition: EntityDefinition): Endpoint {
  const schemas = entitySchemas(definition);
  return defineEndpoint({
    method: 'PATCH',
    path: `/api/v1/${definition.name}/{id}`,
    operationId: `update-${definition.name}`,
    summary: `Update a ${definition.label}`,
    description:
      definition.name === 'bills'
        ? 'Sending lineItems (and their total) regenerates the bill: the items are replaced and the version bumped.'
        : 'Changes only the fields sent; the result must be a valid record.',
    tag: definition.typeName,
    auth: true,
    params: idParams,
    body: jsonObjectBody,
    documentedBody: schemas.patch,
    success: { status: 200, description: `The updated ${definition.label}`, schema: schemas.record },
    errors: ['validation_failed', 'malformed_json', 'unauthorized', 'not_found', 'version_conflict', 'duplicate_key', 'record_locked', 'reference_not_found'],
    handler: async ({ orgId, params, body, deps }) => {
      const { version, ...patch } = body;
      if (version !== undefined && (typeof version !== 'number' || !Number.isInteger(version) || version < 1)) {
        throw new ApiError('validation_failed', 'The version must be the integer you read.', [{ path: 'body.version', message: 'must be a positive integer' }]);
      }
      const written = unwrap(await deps.store.update(orgId, definition.name, params.id, patch, 'api', version));
      return { status: 200, body: written.record };
    },
  });
}

function deleteEndpoint(definition: EntityDefinition): Endpoint {
  const schemas = entitySchemas(definition);
  return defineEndpoint({
    method: 'DELETE',
    path: `/api/v1/${definition.name}/{id}`,
    operationId: `delete-${definition.name}`,
    summary: `Delete a ${definition.label} (leaves a tombstone)`,
    tag: definition.typeName,
    auth: true,
    params: idParams,
    query: versionQuery,
    success: { status: 200, description: 'The tombstone', schema: schemas.record },
    errors: ['validation_failed', 'unauthorized', 'not_found', 'version_conflict', 'record_locked', 'has_dependents'],
    handler: async ({ orgId, params, query, deps }) => {
      const written = unwrap(await deps.store.delete(orgId, definition.name, params.id, 'api', query.version));
      return { status: 200, body: written.record };
    },
  });
}

function bulkEndpoint(definition: EntityDefinition): Endpoint {
  const schemas = entitySchemas(definition);
  const key = definition.keyOf !== undefined ? 'integrationId, externalSystem, externalTable and externalId' : (definition.keyField ?? 'externalKey');
  return defineEndpoint({
    method: 'POST',
    path: `/api/v1/${definition.name}/bulk`,
    operationId: `bulk-upsert-${definition.name}`,
    summary: `Create or update up to 1,000 ${definition.label} records by ${key}`,
    description: 'Each item is matched by its key: a new key creates, a known one updates (fields sent replace, null removes). Every item gets its own result; a failed item writes nothing, the others are written.',
    tag: definition.typeName,
    auth: true,
    body: schemas.bulkBody,
    success: { status: 200, description: 'A result per item, in order', schema: schemas.bulkResult },
    errors: ['validation_failed', 'malformed_json', 'unauthorized', 'payload_too_large'],
    handler: async ({ orgId, body, deps }) => {
      const results = await deps.store.upsertMany(orgId, definition.name, body.items, 'api');
      const summary = { created: 0, updated: 0, unchanged: 0, failed: 0 };
      const rendered = results.map((result, index) => {
        if (!result.ok) {
          summary.failed++;
          return {
            index,
            status: 'failed' as const,
            error: { code: result.error.code, message: result.error.message, details: issuesToDetails(`items[${index}]`, result.error.details) },
          };
        }
        const status = result.value.status === 'deleted' ? 'updated' : result.value.status;
        summary[status]++;
        return { index, status, id: result.value.record.id, version: result.value.record.version };
      });
      return { status: 200, body: { summary, results: rendered } };
    },
  });
}

function actionEndpoints(definition: EntityDefinition): Endpoint[] {
  const schemas = entitySchemas(definition);
  return Object.entries(definition.actions ?? {}).map(([action, spec]) =>
    defineEndpoint({
      method: 'POST',
      path: `/api/v1/${definition.name}/{id}/${action}`,
      operationId: `${action}-${definition.name}`,
      summary: spec.summary,
      tag: definition.typeName,
      auth: true,
      params: idParams,
      query: versionQuery,
      success: { status: 200, description: `The ${definition.label}`, schema: schemas.record },
      errors: ['validation_failed', 'unauthorized', 'not_found', 'version_conflict', 'record_locked'],
      handler: async ({ orgId, params, query, deps }) => {
        const written = unwrap(await deps.store.update(orgId, definition.name, params.id, spec.patch, 'api', query.version));
        return { status: 200, body: written.record };
      },
    }),
  );
}

/** Every entity's endpoints, generated from its definition. */
export function entityEndpoints(): Endpoint[] {
  return ENTITIES.flatMap((definition) => [
    listEndpoint(definition),
    bulkEndpoint(definition),
    createEndpoint(definition),
    getEndpoint(definition),
    updateEndpoint(definition),
    deleteEndpoint(definition),
    ...actionEndpoints(definition),
  ]);
}
