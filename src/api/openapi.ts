import { z } from 'zod';
import type { Endpoint } from './contract.ts';
import { ERROR_STATUS, type ErrorCode } from './errors.ts';
import { OPERATION_EXAMPLES } from './examples.ts';

type JsonSchema = Record<string, unknown>;

/**
 * Builds the OpenAPI 3.1 document from the endpoint declarations. zod writes JSON Schema 2020-12
 * (the dialect of OpenAPI 3.1); schemas that carry an id are hoisted into components and referenced.
 */
export function buildOpenApi(endpoints: readonly Endpoint[], info: { version: string }): JsonSchema {
  const components: Record<string, JsonSchema> = {
    Error: {
      type: 'object',
      required: ['error'],
      properties: {
        error: {
          type: 'object',
          required: ['code', 'message', 'details'],
          properties: {
            code: { type: 'string', enum: Object.keys(ERROR_STATUS) },
            message: { type: 'string' },
            details: {
              type: 'array',
              items: { type: 'object', required: ['path', 'message'], properties: { path: { type: 'string' }, message: { type: 'string' } } },
            },
          },
        },
      },
    },
  };

  const toSchema = (schema: z.ZodType, io: 'input' | 'output'): JsonSchema => {
    const json = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as JsonSchema;
    const defs = (json.$defs ?? {}) as Record<string, JsonSchema>;
    delete json.$schema;
    delete json.$defs;
    const rewrite = (value: JsonSchema) =>
      JSON.parse(JSON.stringify(value).replaceAll('"#/$defs/', '"#/components/schemas/')) as JsonSchema;
    for (const [name, def] of Object.entries(defs)) components[name] ??= rewrite(def);
    return rewrite(json);
  };

  const parameters = (schema: z.ZodType | undefined, location: 'path' | 'query') => {
    if (schema === undefined) return [];
    const json = toSchema(schema, 'input');
    const properties = (json.properties ?? {}) as Record<string, JsonSchema>;
    const required = new Set((json.required ?? []) as string[]);
    return Object.entries(properties).map(([name, property]) => ({
      name,
      in: location,
      required: location === 'path' || required.has(name),
      schema: property,
      ...(typeof property.description === 'string' ? { description: property.description } : {}),
    }));
  };

  const paths: Record<string, Record<string, unknown>> = {};
  for (const endpoint of endpoints) {
    const responses: Record<string, unknown> = {
      [endpoint.success.status]: {
        description: endpoint.success.description,
        ...(endpoint.success.schema ? { content: { 'application/json': { schema: toSchema(endpoint.success.schema, 'output') } } } : {}),
      },
    };
    const byStatus = new Map<number, ErrorCode[]>();
    for (const code of endpoint.errors) byStatus.set(ERROR_STATUS[code], [...(byStatus.get(ERROR_STATUS[code]) ?? []), code]);
    for (const [status, codes] of byStatus) {
      responses[status] = {
        description: codes.join(', '),
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
      };
    }
    const bodySchema = endpoint.documentedBody ?? endpoint.body;
    const examples = OPERATION_EXAMPLES[endpoint.operationId];
    const bodyExamples = examples === undefined ? {} : { examples: Object.fromEntries(examples.map((example, index) => [`example${index + 1}`, { summary: example.summary, value: example.body }])) };
    const operation = {
      operationId: endpoint.operationId,
      summary: endpoint.summary,
      ...(endpoint.description !== undefined ? { description: endpoint.description } : {}),
      tags: [endpoint.tag],
      ...(endpoint.auth === true ? {} : endpoint.auth === 'local' ? { security: [{ localAdmin: [] }] } : { security: [] }),
      parameters: [...parameters(endpoint.params, 'path'), ...parameters(endpoint.query, 'query')],
      ...(bodySchema
        ? { requestBody: { required: true, content: { 'application/json': { schema: toSchema(bodySchema, 'input'), ...bodyExamples } } } }
        : {}),
      responses,
    };
    (paths[endpoint.path] ??= {})[endpoint.method.toLowerCase()] = operation;
  }

  return {
    openapi: '3.1.0',
    info: {
      title: 'Ferry API',
      version: info.version,
      description:
        'Billing entities, their change journal, and integrations that deliver them to Salesforce. Money is a decimal string (e.g. "12.50"); amounts are normalised to the currency\'s minor units. Errors are {error:{code,message,details:[{path,message}]}}.',
    },
    servers: [{ url: '/' }],
    security: [{ apiKey: [] }, { session: [] }],
    paths,
    components: {
      schemas: components,
      securitySchemes: {
        apiKey: { type: 'http', scheme: 'bearer', description: 'Authorization: Bearer <your organization API key>' },
        session: { type: 'apiKey', in: 'cookie', name: 'ferry_session', description: 'The console session cookie that POST /api/v1/session sets (same-site requests only)' },
        localAdmin: {
          type: 'http',
          scheme: 'bearer',
          description: 'Authorization: Bearer <the token in admin.token in the data folder>, from the same machine only; with it, organization endpoints take a Ferry-Organization: <organization id> header',
        },
      },
    },
  };
}
