import { z } from 'zod';
import { credentialInput, credentialView, integrationWithLastRun, invoiceColumnsInput, invoiceColumnsView, runView } from '../../engine/index.ts';
import { safeString } from '../../platform/index.ts';
import { defineEndpoint, type Endpoint } from '../contract.ts';
import { idParams } from '../entities/schemas.ts';
import { SalesforceError } from '../../salesforce/index.ts';
import { ApiError } from '../errors.ts';
import { engineOf, jsonObjectBody, unwrap } from '../shared.ts';

const tag = 'Credentials';

const testResult = z.union([
  z.strictObject({ ok: z.literal(true), organizationId: z.string(), userId: z.string(), instanceUrl: z.string(), apiUsage: z.strictObject({ used: z.number(), max: z.number() }).optional() }),
  z.strictObject({ ok: z.literal(false), errorCode: z.string(), message: z.string(), hint: z.string() }),
]);

const importStarted = z.strictObject({
  integration: integrationWithLastRun,
  run: runView,
  created: z.boolean().meta({ description: 'The import integration was made by this call.' }),
}).meta({ id: 'ImportStarted' });

export const credentialEndpoints: Endpoint[] = [
  defineEndpoint({
    method: 'GET', path: '/api/v1/credentials', operationId: 'list-credentials', summary: 'List Salesforce credentials (secrets are never returned)', tag, auth: true, engine: true,
    success: { status: 200, description: 'Credentials', schema: z.strictObject({ data: z.array(credentialView) }) },
    errors: ['unauthorized'],
    handler: async ({ orgId, deps }) => ({ status: 200, body: { data: await engineOf(deps).credentials.list(orgId) } }),
  }),
  defineEndpoint({
    method: 'POST', path: '/api/v1/credentials', operationId: 'create-credential', summary: 'Create a credential: password, client_credentials, jwt_bearer, authorization_code or access_token', tag, auth: true, engine: true,
    body: jsonObjectBody, documentedBody: credentialInput,
    success: { status: 201, description: 'The credential', schema: credentialView },
    errors: ['validation_failed', 'malformed_json', 'unauthorized'],
    handler: async ({ orgId, body, deps }) => ({ status: 201, body: unwrap(await engineOf(deps).credentials.create(orgId, body)) }),
  }),
  defineEndpoint({
    method: 'GET', path: '/api/v1/credentials/{id}', operationId: 'get-credential', summary: 'Get a credential', tag, auth: true, engine: true, params: idParams,
    success: { status: 200, description: 'The credential', schema: credentialView },
    errors: ['unauthorized', 'not_found'],
    handler: async ({ orgId, params, deps }) => ({ status: 200, body: unwrap(await engineOf(deps).credentials.get(orgId, params.id), 'path') }),
  }),
  defineEndpoint({
    method: 'PATCH', path: '/api/v1/credentials/{id}', operationId: 'update-credential', summary: 'Change a credential (secrets sent replace the stored ones)', tag, auth: true, engine: true, params: idParams,
    body: jsonObjectBody,
    success: { status: 200, description: 'The credential', schema: credentialView },
    errors: ['validation_failed', 'unauthorized', 'not_found'],
    handler: async ({ orgId, params, body, deps }) => ({ status: 200, body: unwrap(await engineOf(deps).credentials.update(orgId, params.id, body)) }),
  }),
  defineEndpoint({
    method: 'DELETE', path: '/api/v1/credentials/{id}', operationId: 'delete-credential', summary: 'Delete a credential no integration uses', tag, auth: true, engine: true, params: idParams,
    success: { status: 200, description: 'Deleted', schema: z.strictObject({ id: z.uuid() }) },
    errors: ['unauthorized', 'not_found', 'has_dependents'],
    handler: async ({ orgId, params, deps }) => ({ status: 200, body: unwrap(await engineOf(deps).credentials.delete(orgId, params.id)) }),
  }),
  defineEndpoint({
    method: 'POST', path: '/api/v1/credentials/{id}/test', operationId: 'test-credential', summary: 'Test the connection: success with the org identity and API usage, or the precise reason', tag, auth: true, engine: true, params: idParams,
    success: { status: 200, description: 'The outcome', schema: testResult },
    errors: ['unauthorized', 'not_found'],
    handler: async ({ orgId, params, deps }) => ({ status: 200, body: unwrap(await engineOf(deps).credentials.test(orgId, params.id), 'path') }),
  }),
  defineEndpoint({
    method: 'POST', path: '/api/v1/credentials/{id}/import-catalogue', operationId: 'import-catalogue', summary: 'Import the catalogue into the credential\'s org: products with their prices, services, rate plans', tag, auth: true, engine: true, params: idParams,
    description: 'Runs the Catalogue integration bound to this credential (made, named "Catalogue", the first time): Salesforce ends up holding what Ferry holds, unchanged records skipped, removed ones deactivated (products, price book entries) or deleted. Follow the run (GET /api/v1/runs/{id}): its progress says where it stands.',
    success: { status: 202, description: 'The import run, queued, and its integration', schema: importStarted },
    errors: ['unauthorized', 'not_found', 'validation_failed'],
    handler: async ({ orgId, params, deps }) => ({ status: 202, body: unwrap(await engineOf(deps).importInto(orgId, params.id, 'Catalogue'), 'path') }),
  }),
  defineEndpoint({
    method: 'POST', path: '/api/v1/credentials/{id}/import-data', operationId: 'import-reference-data', summary: 'Import the reference data into the credential\'s org: account types and statuses, contact types, countries and states, owners, bill groups, AR terms', tag, auth: true, engine: true, params: idParams,
    description: 'Runs the ReferenceData integration bound to this credential (made, named "Reference data", the first time) into Ferry_Reference__c records. The run reports the codes the picklists named in settings.picklists (Account.Type by default) do not offer, as integration.picklist_values_missing.warning events; GET /api/v1/integrations/{id}/picklist-report gives the metadata that adds them.',
    success: { status: 202, description: 'The import run, queued, and its integration', schema: importStarted },
    errors: ['unauthorized', 'not_found', 'validation_failed'],
    handler: async ({ orgId, params, deps }) => ({ status: 202, body: unwrap(await engineOf(deps).importInto(orgId, params.id, 'ReferenceData'), 'path') }),
  }),
  defineEndpoint({
    method: 'GET', path: '/api/v1/credentials/{id}/invoice-columns', operationId: 'get-invoice-columns', summary: 'The columns of the invoice list on the Salesforce Account page, as the credential\'s org holds them', tag, auth: true, engine: true, params: idParams,
    description: 'Read from the org\'s Ferry_Invoice_Column__c custom setting (the component reads the same), with the Ferry_Bill__c fields a column may show (mapped ones included). No columns: the component shows its default ones.',
    success: { status: 200, description: 'The columns in order, and the fields to choose from', schema: invoiceColumnsView },
    errors: ['unauthorized', 'not_found', 'salesforce_error'],
    handler: async ({ orgId, params, deps }) => ({ status: 200, body: unwrap(await engineOf(deps).invoiceColumns(orgId, params.id), 'path') }),
  }),
  defineEndpoint({
    method: 'PUT', path: '/api/v1/credentials/{id}/invoice-columns', operationId: 'set-invoice-columns', summary: 'Choose, order and rename the columns of the invoice list on the Salesforce Account page', tag, auth: true, engine: true, params: idParams,
    description: 'Each field must be a Ferry_Bill__c field of the org, once. Written to the org\'s Ferry_Invoice_Column__c custom setting at once: every Account page shows the new columns on its next load, with no deployment.',
    body: jsonObjectBody, documentedBody: invoiceColumnsInput,
    success: { status: 200, description: 'The columns as saved in the org', schema: invoiceColumnsView },
    errors: ['validation_failed', 'malformed_json', 'unauthorized', 'not_found', 'salesforce_error'],
    handler: async ({ orgId, params, body, deps }) => ({ status: 200, body: unwrap(await engineOf(deps).setInvoiceColumns(orgId, params.id, body)) }),
  }),
  defineEndpoint({
    method: 'POST', path: '/api/v1/credentials/{id}/check', operationId: 'check-credential-org', summary: "List Ferry's objects and fields missing in the credential's org", tag, auth: true, engine: true, params: idParams,
    success: { status: 200, description: 'What is missing (empty: nothing)', schema: z.strictObject({ organizationId: z.string(), missing: z.array(z.strictObject({ object: z.string(), fields: z.union([z.array(z.string()), z.literal('object')]) })) }) },
    errors: ['unauthorized', 'not_found', 'salesforce_error'],
    handler: async ({ orgId, params, deps }) => {
      try {
        return { status: 200, body: unwrap(await engineOf(deps).checkSalesforce(orgId, params.id), 'path') };
      } catch (error) {
        // The org did not answer or refused the sign-in: the caller's problem to see, not a 500.
        if (!(error instanceof SalesforceError)) throw error;
        throw new ApiError('salesforce_error', `The credential's Salesforce org could not be checked: ${error.message}`, [{ path: 'salesforce', message: error.info.kind }]);
      }
    },
  }),
  defineEndpoint({
    method: 'POST', path: '/api/v1/credentials/{id}/authorize', operationId: 'authorize-credential', summary: 'The URL where a person approves access (authorization_code credentials)', tag, auth: true, engine: true, params: idParams,
    success: { status: 200, description: 'Open authorizeUrl in a browser', schema: z.strictObject({ authorizeUrl: z.string(), redirectUri: z.string() }) },
    errors: ['validation_failed', 'unauthorized', 'not_found'],
    handler: async ({ orgId, params, deps }) => ({ status: 200, body: unwrap(await engineOf(deps).credentials.authorizeUrl(orgId, params.id, `${deps.publicUrl}/api/v1/oauth/callback`)) }),
  }),
  defineEndpoint({
    method: 'GET', path: '/api/v1/oauth/callback', operationId: 'oauth-callback', summary: 'Where Salesforce sends the person back with the authorization code', tag, auth: false, engine: true,
    query: z.object({ code: safeString().max(4096).optional(), state: safeString().max(4096).optional(), error: safeString().max(4096).optional(), error_description: safeString().max(4096).optional() }),
    produces: 'text/html; charset=utf-8',
    success: { status: 200, description: 'A page saying whether the credential is connected' },
    errors: ['validation_failed'],
    handler: async ({ query, deps }) => {
      if (query.error !== undefined || query.code === undefined || query.state === undefined) {
        return { status: 400, body: page('Authorization failed', `Salesforce answered: ${query.error ?? 'no code'} ${query.error_description ?? ''}`) };
      }
      const result = await engineOf(deps).credentials.completeAuthorization(query.state, query.code);
      if (!result.ok) return { status: 400, body: page('Authorization failed', result.error.message) };
      return { status: 200, body: page('Credential connected', `"${result.value.name}" is ${result.value.status}. You can close this page.`) };
    },
  }),
];

function page(title: string, text: string): string {
  const esc = (value: string) => value.replaceAll('&', '&amp;').replaceAll('<', '&lt;');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title></head><body style="font:16px system-ui;margin:3rem"><h1>${esc(title)}</h1><p>${esc(text)}</p></body></html>`;
}
