import { z } from 'zod';
import { safeString, searchFieldsOf, type EntityDefinition } from '../../platform/index.ts';
import { id as idField, isoDateTime } from '../../platform/fields.ts';

/** Request and response schemas of one entity's endpoints, all derived from its definition. */
export interface EntitySchemas {
  input: z.ZodType;
  patch: z.ZodType;
  record: z.ZodType;
  list: z.ZodType;
  listQuery: z.ZodType<ListQuery>;
  bulkBody: z.ZodType<{ items: Record<string, unknown>[] }>;
  bulkResult: z.ZodType;
}

export interface ListQuery {
  limit: number;
  cursor?: string | undefined;
  accountId?: string | undefined;
  updatedSince?: string | undefined;
  includeDeleted?: boolean | undefined;
  search?: string | undefined;
  [filter: string]: unknown;
}

export const MAX_BULK_ITEMS = 1000;

export const idParams = z.strictObject({ id: idField });

export const versionQuery = z.strictObject({
  version: z.coerce.number().int().min(1).optional(),
});

const cache = new Map<string, EntitySchemas>();

/** The field's schema without optional, default or nullable around it. */
function bare(schema: z.ZodType): z.ZodType {
  let node = schema;
  while (node instanceof z.ZodOptional || node instanceof z.ZodDefault || node instanceof z.ZodNullable) node = node.unwrap() as z.ZodType;
  return node;
}

/**
 * A list filter takes a value of its field's own type: an id filter takes a Ferry id, an enum one
 * of its values, a flag true or false. A value no record could hold is refused with the field's
 * own message instead of reaching SQL (a non-UUID parent id, a NUL in a string).
 */
function filterSchema(definition: EntityDefinition, field: string): z.ZodType {
  const schema = definition.schema.shape[field] as z.ZodType | undefined;
  if (schema === undefined) throw new Error(`${definition.name} filters on ${field}, which is not one of its fields`);
  const inner = bare(schema);
  if (inner instanceof z.ZodBoolean) return z.enum(['true', 'false'], { error: 'must be true or false' }).optional();
  return inner.optional();
}

export function entitySchemas(definition: EntityDefinition): EntitySchemas {
  const cached = cache.get(definition.name);
  if (cached !== undefined) return cached;
  const input = definition.schema.meta({ id: definition.typeName });
  const systemFields = {
    id: idField,
    version: z.number().int().min(1),
    createdAt: isoDateTime,
    updatedAt: isoDateTime,
    deletedAt: isoDateTime.optional().meta({ description: 'Set on tombstones (listed with includeDeleted=true).' }),
    lastSystemToUpdate: z.enum(['Ferry', 'Salesforce']).meta({ description: 'Which side made the latest change: Ferry (the API, imports) or Salesforce (a change an integration read back).' }),
  };
  const record = definition.schema.extend(systemFields).meta({ id: `${definition.typeName}Record` });
  const patchShape: Record<string, z.ZodType> = {};
  for (const [field, schema] of Object.entries(definition.schema.shape)) patchShape[field] = (schema as z.ZodType).nullable().optional();
  const patch = z
    .strictObject({
      ...patchShape,
      version: z.number().int().min(1).optional().meta({ description: 'The version you read; the update is refused with 409 if the record has moved on.' }),
    })
    .meta({
      id: `${definition.typeName}Patch`,
      description: 'Fields to change; null removes an optional field. The merged record must be valid.',
    });
  const filterShape: Record<string, z.ZodType> = {};
  for (const filter of definition.filters) filterShape[filter] = filterSchema(definition, filter);
  const hasAccount = definition.account !== undefined;
  const searchFields = searchFieldsOf(definition);
  const listQuery = z.strictObject({
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    cursor: z.string().max(200).optional().meta({ description: 'nextCursor from the previous page' }),
    ...(hasAccount ? { accountId: idField.optional() } : {}),
    updatedSince: isoDateTime.optional(),
    includeDeleted: z
      .enum(['true', 'false'], { error: 'must be true or false' })
      .transform((value) => value === 'true')
      .optional(),
    ...(searchFields.length > 0
      ? { search: safeString().trim().min(1, 'must not be empty').max(200).optional().meta({ description: `Records whose ${searchFields.join(' or ')} contains this text (case-insensitive)` }) }
      : {}),
    ...filterShape,
  }) as unknown as z.ZodType<ListQuery>;
  const list = z.strictObject({
    data: z.array(record),
    nextCursor: z.string().nullable().meta({ description: 'Pass as cursor to read the next page; null on the last page.' }),
  });
  const bulkBody = z.strictObject({
    items: z
      .array(z.record(z.string(), z.unknown(), { error: 'each item must be a JSON object' }))
      .min(1, 'must hold at least one item')
      .max(MAX_BULK_ITEMS, `must hold at most ${MAX_BULK_ITEMS} items; split larger loads into several requests`),
  });
  const bulkResult = z.strictObject({
    summary: z.strictObject({ created: z.number(), updated: z.number(), unchanged: z.number(), failed: z.number() }),
    results: z.array(
      z.strictObject({
        index: z.number().int(),
        status: z.enum(['created', 'updated', 'unchanged', 'failed']),
        id: idField.optional(),
        version: z.number().int().optional(),
        error: z
          .strictObject({ code: z.string(), message: z.string(), details: z.array(z.strictObject({ path: z.string(), message: z.string() })) })
          .optional(),
      }),
    ),
  });
  const schemas: EntitySchemas = { input, patch, record, list, listQuery, bulkBody, bulkResult };
  cache.set(definition.name, schemas);
  return schemas;
}

/** Cursors are opaque to callers: base64url of the last id seen. */
export function encodeCursor(lastId: string): string {
  return Buffer.from(JSON.stringify({ after: lastId })).toString('base64url');
}

export function decodeCursor(cursor: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (typeof parsed === 'object' && parsed !== null && 'after' in parsed) {
      const after = (parsed).after;
      if (typeof after === 'string' && idField.safeParse(after).success) return after;
    }
  } catch {
    return undefined;
  }
  return undefined;
}
