import { z } from 'zod';
import { ENTITY_TYPES, incomingStatus, integrationInput, integrationView, integrationWithLastRun, mappingPatchBody, mappingPutBody, mappingView, runView } from '../../engine/index.ts';
import { defineEndpoint, type Endpoint } from '../contract.ts';
import { idParams } from '../entities/schemas.ts';
import { ApiError } from '../errors.ts';
import { engineOf, jsonObjectBody, unwrap } from '../shared.ts';

const tag = 'Integrations';

const simple = (action: string, summary: string, run: (engine: ReturnType<typeof engineOf>, orgId: string, id: string) => Promise<unknown>) =>
  defineEndpoint({
    method: 'POST', path: `/api/v1/integrations/{id}/${action}`, operationId: `${action}-integration`, summary, tag, auth: true, engine: true, params: idParams,
    success: { status: 200, description: 'The integration', schema: integrationView },
    errors: ['unauthorized', 'not_found'],
    handler: async ({ orgId, params, deps }) => ({ status: 200, body: await run(engineOf(deps), orgId, params.id) }),
  });

export const integrationEndpoints: Endpoint[] = [
  defineEndpoint({
    method: 'GET', path: '/api/v1/integrations', operationId: 'list-integrations', summary: 'List integrations', tag, auth: true, engine: true,
    query: z.strictObject({ entityType: z.enum(ENTITY_TYPES).optional() }),
    success: { status: 200, description: 'Integrations, each with its most recent run', schema: z.strictObject({ data: z.array(integrationWithLastRun) }) },
    errors: ['validation_failed', 'unauthorized'],
    handler: async ({ orgId, query, deps }) => ({ status: 200, body: { data: await engineOf(deps).integrations.list(orgId, { entityType: query.entityType }) } }),
  }),
  defineEndpoint({
    method: 'POST', path: '/api/v1/integrations', operationId: 'create-integration', summary: 'Create an integration', tag, auth: true, engine: true,
    description: 'A new integration delivers changes made from now on; POST /integrations/{id}/sync with mode "full" sends what already exists.',
    body: jsonObjectBody, documentedBody: integrationInput,
    success: { status: 201, description: 'The integration', schema: integrationView },
    errors: ['validation_failed', 'malformed_json', 'unauthorized', 'reference_not_found'],
    handler: async ({ orgId, body, deps }) => ({ status: 201, body: unwrap(await engineOf(deps).createIntegration(orgId, body)) }),
  }),
  defineEndpoint({
    method: 'GET', path: '/api/v1/integrations/{id}', operationId: 'get-integration', summary: 'Get an integration', tag, auth: true, engine: true, params: idParams,
    success: { status: 200, description: 'The integration and its most recent run', schema: integrationWithLastRun },
    errors: ['unauthorized', 'not_found'],
    handler: async ({ orgId, params, deps }) => ({ status: 200, body: unwrap(await engineOf(deps).integrations.get(orgId, params.id), 'path') }),
  }),
  defineEndpoint({
    method: 'PATCH', path: '/api/v1/integrations/{id}', operationId: 'update-integration', summary: 'Change name, settings, trigger, delivery or error threshold', tag, auth: true, engine: true, params: idParams,
    body: jsonObjectBody,
    success: { status: 200, description: 'The integration', schema: integrationView },
    errors: ['validation_failed', 'unauthorized', 'not_found', 'version_conflict', 'reference_not_found'],
    handler: async ({ orgId, params, body, deps }) => ({ status: 200, body: unwrap(await engineOf(deps).updateIntegration(orgId, params.id, body)) }),
  }),
  defineEndpoint({
    method: 'GET', path: '/api/v1/integrations/{id}/incoming', operationId: 'get-integration-incoming', summary: 'How the integration reads Salesforce changes (change events or polling, and why) and where it stands', tag, auth: true, engine: true, params: idParams,
    success: { status: 200, description: 'The reader and its position', schema: incomingStatus },
    errors: ['unauthorized', 'not_found'],
    handler: async ({ orgId, params, deps }) => ({ status: 200, body: unwrap(await engineOf(deps).incomingStatus(orgId, params.id), 'path') }),
  }),
  defineEndpoint({
    method: 'POST', path: '/api/v1/integrations/{id}/incoming/detect', operationId: 'detect-integration-reader', summary: 'Ask the org again whether it publishes change events for the object, and read accordingly', tag, auth: true, engine: true, params: idParams,
    description: 'Done when an integration that reads from Salesforce connects; call it after selecting (or removing) the object for Change Data Capture in Setup. Reading goes on from the same position.',
    success: { status: 200, description: 'The reader and its position', schema: incomingStatus },
    errors: ['validation_failed', 'unauthorized', 'not_found'],
    handler: async ({ orgId, params, deps }) => ({ status: 200, body: unwrap(await engineOf(deps).detectIncomingReader(orgId, params.id), 'path') }),
  }),
  defineEndpoint({
    method: 'DELETE', path: '/api/v1/integrations/{id}', operationId: 'delete-integration', summary: 'Delete an integration and its links', tag, auth: true, engine: true, params: idParams,
    success: { status: 200, description: 'Deleted', schema: z.strictObject({ id: z.uuid() }) },
    errors: ['unauthorized', 'not_found', 'has_dependents'],
    handler: async ({ orgId, params, deps }) => ({ status: 200, body: unwrap(await engineOf(deps).integrations.delete(orgId, params.id), 'path') }),
  }),
  simple('enable', 'Enable (resets the successive-error count)', async (engine, orgId, id) => unwrap(await engine.integrations.setEnabled(orgId, id, true), 'path')),
  simple('disable', 'Disable', async (engine, orgId, id) => unwrap(await engine.integrations.setEnabled(orgId, id, false), 'path')),
  simple('disconnect', 'Disconnect from its credential', async (engine, orgId, id) => unwrap(await engine.integrations.disconnect(orgId, id), 'path')),
  defineEndpoint({
    method: 'POST', path: '/api/v1/integrations/{id}/connect', operationId: 'connect-integration', summary: 'Connect to a credential, or switch to another', tag, auth: true, engine: true, params: idParams,
    description: 'Refused (409 org_mismatch) when the credential reaches another Salesforce org than the one this integration delivered to, until its links are purged; refused (400 validation_failed, paths under mapping.rules) when the mapping does not fit the org (a field it lacks, one that cannot be written, a value kind the field does not take).',
    body: z.strictObject({ credentialId: z.uuid() }),
    success: { status: 200, description: 'The integration', schema: integrationView },
    errors: ['validation_failed', 'unauthorized', 'not_found', 'reference_not_found', 'org_mismatch'],
    handler: async ({ orgId, params, body, deps }) => ({ status: 200, body: unwrap(await engineOf(deps).connectIntegration(orgId, params.id, body.credentialId)) }),
  }),
  defineEndpoint({
    method: 'POST', path: '/api/v1/integrations/{id}/purge-links', operationId: 'purge-integration-links', summary: 'Forget every delivered record and the org lock, on purpose', tag, auth: true, engine: true, params: idParams,
    body: z.strictObject({ confirm: z.literal(true, { error: 'send {"confirm": true}: this forgets which Salesforce records Ferry created' }) }),
    success: { status: 200, description: 'Links purged', schema: z.strictObject({ purged: z.number(), integration: integrationView }) },
    errors: ['validation_failed', 'unauthorized', 'not_found'],
    handler: async ({ orgId, params, deps }) => ({ status: 200, body: unwrap(await engineOf(deps).integrations.purgeLinks(orgId, params.id), 'path') }),
  }),
  defineEndpoint({
    method: 'GET', path: '/api/v1/integrations/{id}/mapping', operationId: 'get-integration-mapping', summary: 'The effective mapping: its own rules, or its entity type\'s default', tag, auth: true, engine: true, params: idParams,
    success: { status: 200, description: 'The mapping', schema: mappingView },
    errors: ['unauthorized', 'not_found', 'validation_failed'],
    handler: async ({ orgId, params, deps }) => ({ status: 200, body: unwrap(await engineOf(deps).mappings.get(orgId, params.id), 'path') }),
  }),
  defineEndpoint({
    method: 'PUT', path: '/api/v1/integrations/{id}/mapping', operationId: 'replace-integration-mapping', summary: 'Replace the mapping', tag, auth: true, engine: true, params: idParams,
    description: 'Every rule is checked before anything is saved: Ferry paths against the entity, transforms (JSONata) parse, lookups, and, with a connected credential, each Salesforce field exists, can be written and takes the value. All problems come back at once with body.rules[i] paths. A saved change queues a full run (trigger "mapping") that resends the records it affects.',
    body: jsonObjectBody, documentedBody: mappingPutBody,
    success: { status: 200, description: 'The mapping as saved', schema: mappingView },
    errors: ['validation_failed', 'malformed_json', 'unauthorized', 'not_found', 'version_conflict', 'salesforce_error'],
    handler: async ({ orgId, params, body, deps }) => ({ status: 200, body: unwrap(await engineOf(deps).mappings.replace(orgId, params.id, body)) }),
  }),
  defineEndpoint({
    method: 'PATCH', path: '/api/v1/integrations/{id}/mapping', operationId: 'patch-integration-mapping', summary: 'Add rules (replacing the rule for the same field) and remove rules', tag, auth: true, engine: true, params: idParams,
    description: 'remove names rules by object (default: the main object), Salesforce field and, for contact points, contact type. The result is checked as a whole, like PUT.',
    body: jsonObjectBody, documentedBody: mappingPatchBody,
    success: { status: 200, description: 'The mapping as saved', schema: mappingView },
    errors: ['validation_failed', 'malformed_json', 'unauthorized', 'not_found', 'version_conflict', 'salesforce_error'],
    handler: async ({ orgId, params, body, deps }) => ({ status: 200, body: unwrap(await engineOf(deps).mappings.patch(orgId, params.id, body)) }),
  }),
  defineEndpoint({
    method: 'POST', path: '/api/v1/integrations/{id}/mapping/reset', operationId: 'reset-integration-mapping', summary: 'Go back to the entity type\'s default mapping', tag, auth: true, engine: true, params: idParams,
    success: { status: 200, description: 'The default mapping', schema: mappingView },
    errors: ['unauthorized', 'not_found', 'version_conflict'],
    handler: async ({ orgId, params, deps }) => ({ status: 200, body: unwrap(await engineOf(deps).mappings.reset(orgId, params.id), 'path') }),
  }),
  defineEndpoint({
    method: 'POST', path: '/api/v1/integrations/{id}/sync', operationId: 'sync-integration', summary: 'Run now: incremental (pending changes), full (every record), or incoming (read Salesforce changes now)', tag, auth: true, engine: true, params: idParams,
    description: 'incoming reads what changed in Salesforce since the integration last read (sync.direction from_salesforce or both); without it, incoming runs happen every sync.pollIntervalSeconds.',
    body: z.strictObject({ mode: z.enum(['incremental', 'full', 'incoming', 'incoming_full']).default('incremental').meta({ description: 'incremental: pending Ferry changes; full: every Ferry record; incoming: Salesforce changes now; incoming_full: every record of the object from Salesforce (the initial load; Bulk API 2.0 query above the bulk threshold), then reading goes on from where it stood' }) }),
    success: { status: 202, description: 'The run, queued', schema: runView },
    errors: ['validation_failed', 'unauthorized', 'not_found'],
    handler: async ({ orgId, params, body, deps }) => ({ status: 202, body: unwrap(await engineOf(deps).requestRun(orgId, params.id, { mode: body.mode, trigger: 'manual' }), 'path') }),
  }),
  defineEndpoint({
    method: 'GET', path: '/api/v1/integrations/{id}/picklist-report', operationId: 'picklist-report', summary: 'ReferenceData integrations: the codes each checked picklist lacks, and the metadata that adds them', tag, auth: true, engine: true, params: idParams,
    description: 'Reads the org now (a fresh describe of each object named in settings.picklists). Ferry does not deploy metadata: deploy each file with the Salesforce CLI from an SFDX project (it holds the whole value set, as deploying replaces it), or add the values in Setup.',
    success: {
      status: 200,
      description: 'One entry per checked picklist',
      schema: z.strictObject({ data: z.array(z.strictObject({
        entity: z.string(), object: z.string(), field: z.string(),
        problem: z.string().nullable().meta({ description: 'Why the field could not be checked (no such object or field, not a picklist); null when it was.' }),
        missing: z.array(z.string()).meta({ description: 'Codes of Ferry\'s active values the picklist does not offer.' }),
        metadata: z.strictObject({ path: z.string(), content: z.string() }).nullable().meta({ description: 'The SFDX source file that makes the picklist offer them; null when nothing is missing.' }),
      })) }),
    },
    errors: ['unauthorized', 'not_found', 'validation_failed', 'salesforce_error'],
    handler: async ({ orgId, params, deps }) => {
      const integration = await engineOf(deps).integrations.get(orgId, params.id);
      if (!integration.ok) throw new ApiError('not_found', `No integration has id ${params.id}.`);
      if (integration.value.entityType !== 'ReferenceData') {
        throw new ApiError('validation_failed', 'Only ReferenceData integrations check picklists.', [{ path: 'path.id', message: `is a ${integration.value.entityType} integration` }]);
      }
      return { status: 200, body: { data: (await engineOf(deps).runner.picklistReport(orgId, params.id)) ?? [] } };
    },
  }),
  defineEndpoint({
    method: 'GET', path: '/api/v1/integrations/{id}/preview', operationId: 'preview-integration', summary: 'What a run would send now, without sending it', tag, auth: true, engine: true, params: idParams,
    query: z.strictObject({ mode: z.enum(['incremental', 'full']).default('incremental'), limit: z.coerce.number().int().min(1).max(1000).default(100) }),
    success: {
      status: 200,
      description: 'Per record, from the same select, scope, map and check stages as a run: upsert (with the Salesforce fields and children), delete, skip (with the reason), or fail (with the event the run would record)',
      schema: z.strictObject({ data: z.array(z.strictObject({
        entity: z.string(), id: z.string(), action: z.enum(['upsert', 'delete', 'skip', 'fail']), reason: z.string().optional(),
        key: z.string().optional().meta({ description: 'Catalogue integrations: the Salesforce record\'s key (its Ferry_Id__c): one Ferry record gives several (a product, its Salesforce product per frequency, its price book entries). delete: retired (deleted, or deactivated for products and price book entries).' }),
        event: z.string().optional().meta({ description: 'fail: the event the run would record (e.g. integration.validation.error).' }),
        object: z.string(), fields: z.record(z.string(), z.unknown()).optional(), children: z.array(z.record(z.string(), z.unknown())).optional(),
      })) }),
    },
    errors: ['validation_failed', 'unauthorized', 'not_found', 'salesforce_error'],
    handler: async ({ orgId, params, query, deps }) => {
      const items = await engineOf(deps).runner.preview(orgId, params.id, query.mode, query.limit);
      if (items === undefined) throw new ApiError('not_found', `No integration has id ${params.id}.`);
      return { status: 200, body: { data: items } };
    },
  }),
];
