import { z } from 'zod';
import { createApiKey, createOrganization, listOrganizations, safeString } from '../../platform/index.ts';
import { defineEndpoint, type Endpoint } from '../contract.ts';
import { idParams } from '../entities/schemas.ts';
import { ApiError } from '../errors.ts';

const tag = 'Local administration';
const description =
  'Only for the `ferry` command on the same machine: authenticated by the local admin token that `ferry start` writes into its data folder, and refused from other addresses.';

const organizationView = z.strictObject({ id: z.uuid(), name: z.string(), isDefault: z.boolean(), createdAt: z.string() });

export const localAdminEndpoints: Endpoint[] = [
  defineEndpoint({
    method: 'GET', path: '/api/v1/local/organizations', operationId: 'local-list-organizations', summary: 'List organizations', description, tag, auth: 'local',
    success: { status: 200, description: 'Organizations, oldest first', schema: z.strictObject({ data: z.array(organizationView) }) },
    errors: ['unauthorized'],
    handler: async ({ deps }) => ({ status: 200, body: { data: await listOrganizations(deps.db) } }),
  }),
  defineEndpoint({
    method: 'POST', path: '/api/v1/local/organizations', operationId: 'local-create-organization', summary: 'Create an organization and its first API key (shown once)', description, tag, auth: 'local',
    body: z.strictObject({ name: safeString().trim().min(1, 'name the organization').max(200) }),
    success: { status: 201, description: 'The organization and its API key', schema: z.strictObject({ organization: organizationView, apiKey: z.string() }) },
    errors: ['validation_failed', 'malformed_json', 'unauthorized'],
    handler: async ({ body, deps }) => ({ status: 201, body: await createOrganization(deps.db, body.name) }),
  }),
  defineEndpoint({
    method: 'POST', path: '/api/v1/local/organizations/{id}/keys', operationId: 'local-create-api-key', summary: 'Issue a new API key for an organization (shown once)', description, tag, auth: 'local', params: idParams,
    success: { status: 201, description: 'The new API key', schema: z.strictObject({ organizationId: z.uuid(), apiKey: z.string() }) },
    errors: ['unauthorized', 'not_found'],
    handler: async ({ params, deps }) => {
      const apiKey = await createApiKey(deps.db, params.id);
      if (apiKey === undefined) throw new ApiError('not_found', `No organization has id ${params.id}.`);
      return { status: 201, body: { organizationId: params.id, apiKey } };
    },
  }),
];
