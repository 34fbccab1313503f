import { z } from 'zod';
import { CATEGORIES, CONTACT_SOURCES, contactSourceChangeView, copyInput, dismissalInput, fileUploadInput, linkInput, reconciliationItemView, reconciliationStatusView } from '../../engine/index.ts';
import { defineEndpoint, type Endpoint } from '../contract.ts';
import { idParams } from '../entities/schemas.ts';
import { engineOf, jsonObjectBody, unwrap } from '../shared.ts';

const tag = 'Reconciliation';

export const reconciliationEndpoints: Endpoint[] = [
  defineEndpoint({
    method: 'PUT', path: '/api/v1/integrations/{id}/reconciliation/file', operationId: 'upload-reconciliation-file', summary: 'Upload the billing tool\'s customers (CSV or JSON lines) for a Reconciliation integration', tag, auth: true, engine: true, params: idParams,
    description: 'The file\'s text in `content`. It is read through before it is kept: a malformed one is refused with the line that is wrong, and the previous file stays. A new upload replaces the previous file; the next run reads it.',
    body: jsonObjectBody, documentedBody: fileUploadInput,
    success: { status: 200, description: 'The file as kept, with how many records it holds', schema: z.strictObject({ format: z.enum(['csv', 'jsonl']), bytes: z.number(), records: z.number(), uploadedAt: z.string() }) },
    errors: ['validation_failed', 'malformed_json', 'unauthorized', 'not_found', 'payload_too_large'],
    handler: async ({ orgId, params, body, deps }) => ({ status: 200, body: unwrap(await engineOf(deps).reconciliations.uploadFile(orgId, params.id, body)) }),
  }),
  defineEndpoint({
    method: 'GET', path: '/api/v1/integrations/{id}/reconciliation', operationId: 'get-reconciliation', summary: 'The latest report of a Reconciliation integration (its summary) and its uploaded file', tag, auth: true, engine: true, params: idParams,
    success: { status: 200, description: 'The latest report (null before the first run completes) and the file', schema: reconciliationStatusView },
    errors: ['unauthorized', 'not_found', 'validation_failed'],
    handler: async ({ orgId, params, deps }) => ({ status: 200, body: unwrap(await engineOf(deps).reconciliations.status(orgId, params.id), 'path') }),
  }),
  defineEndpoint({
    method: 'GET', path: '/api/v1/integrations/{id}/reconciliation/items', operationId: 'list-reconciliation-items', summary: 'The groups of a report: matched, on one side only, duplicates, with field differences', tag, auth: true, engine: true, params: idParams,
    query: z.strictObject({
      runId: z.uuid({ error: 'must be a run id (UUID)' }).optional().meta({ description: 'A run\'s report; the latest when left out.' }),
      category: z.enum(CATEGORIES, { error: `must be one of ${CATEGORIES.join(', ')}` }).optional(),
      after: z.coerce.number().int().min(-1).optional().meta({ description: 'next from the previous page' }),
      limit: z.coerce.number().int().min(1).max(1000).default(100),
    }),
    success: { status: 200, description: 'A page of the report', schema: z.strictObject({ runId: z.string().nullable(), data: z.array(reconciliationItemView), next: z.number().nullable().meta({ description: 'Pass as after for the next page; null on the last.' }) }) },
    errors: ['unauthorized', 'not_found', 'validation_failed'],
    handler: async ({ orgId, params, query, deps }) => ({ status: 200, body: unwrap(await engineOf(deps).reconciliations.items(orgId, params.id, query), 'path') }),
  }),
  defineEndpoint({
    method: 'POST', path: '/api/v1/integrations/{id}/reconciliation/dismissals', operationId: 'dismiss-reconciliation-difference', summary: 'Dismiss a difference of the latest report, until one of its values changes', tag, auth: true, engine: true, params: idParams,
    description: 'The group (its record on each side) and field are remembered with the values they hold: later reports mark the difference dismissed while the values are the same, and report it again once one changes.',
    body: jsonObjectBody, documentedBody: dismissalInput,
    success: { status: 200, description: 'The item, its difference marked dismissed', schema: reconciliationItemView },
    errors: ['validation_failed', 'malformed_json', 'unauthorized', 'not_found'],
    handler: async ({ orgId, params, body, deps }) => ({ status: 200, body: unwrap(await engineOf(deps).reconciliations.dismiss(orgId, params.id, body)) }),
  }),
  defineEndpoint({
    method: 'POST', path: '/api/v1/integrations/{id}/reconciliation/links', operationId: 'link-reconciliation-items', summary: 'Make matches explicit: the Ferry account names its billing customer (and Salesforce Account) by the configured field or external mapping', tag, auth: true, engine: true, params: idParams,
    description: 'For each item of the latest report: the Ferry account gets the billing customer\'s id (reconciliation.ferryToSource: the field is set, or an external mapping made) and, when Ferry names Salesforce by external mappings, the Account Id. The change goes through the store like any other (its integrations deliver it). A group without a Ferry account, or a key another account already holds, is refused with the reason.',
    body: jsonObjectBody, documentedBody: linkInput,
    success: { status: 200, description: 'A result per item', schema: z.strictObject({ results: z.array(z.strictObject({ n: z.number(), status: z.enum(['linked', 'already_linked', 'refused']), message: z.string() })) }) },
    errors: ['validation_failed', 'malformed_json', 'unauthorized', 'not_found'],
    handler: async ({ orgId, params, body, deps }) => ({ status: 200, body: unwrap(await engineOf(deps).reconciliationLink(orgId, params.id, body)) }),
  }),
  defineEndpoint({
    method: 'POST', path: '/api/v1/integrations/{id}/reconciliation/copies', operationId: 'copy-reconciliation-value', summary: 'Copy a compared value of an item: to the Ferry account (then delivered by its integrations), or from Ferry to Salesforce (a delivery now)', tag, auth: true, engine: true, params: idParams,
    description: 'to "ferry": the value of the from side is written to the account at the field\'s Ferry path (checked like any change; the organization\'s integrations send it on). to "salesforce" (from "ferry"): the account is delivered now by every enabled Account integration of this org, which sends Ferry\'s values as its mapping says. Ferry does not write to the billing tool.',
    body: jsonObjectBody, documentedBody: copyInput,
    success: { status: 200, description: 'What was written, or which runs were queued', schema: z.strictObject({ n: z.number(), field: z.string(), to: z.enum(['ferry', 'salesforce']), value: z.string().nullable(), accountVersion: z.number().optional(), runIds: z.array(z.string()).optional() }) },
    errors: ['validation_failed', 'malformed_json', 'unauthorized', 'not_found'],
    handler: async ({ orgId, params, body, deps }) => ({ status: 200, body: unwrap(await engineOf(deps).reconciliationCopy(orgId, params.id, body)) }),
  }),
  defineEndpoint({
    method: 'GET', path: '/api/v1/integrations/{id}/reconciliation/items.csv', operationId: 'export-reconciliation-items', summary: 'A report as CSV: a row per field that differs, and one per group without differences', tag, auth: true, engine: true, params: idParams,
    query: z.strictObject({
      runId: z.uuid({ error: 'must be a run id (UUID)' }).optional().meta({ description: 'A run\'s report; the latest when left out.' }),
      category: z.enum(CATEGORIES, { error: `must be one of ${CATEGORIES.join(', ')}` }).optional(),
    }),
    produces: 'text/csv; charset=utf-8',
    success: { status: 200, description: 'Columns: category, name, salesforce_id, ferry_id, source_id, field, ferry, salesforce, source, dismissed, detail' },
    errors: ['unauthorized', 'not_found', 'validation_failed'],
    handler: async ({ orgId, params, query, deps }) => ({ status: 200, body: unwrap(await engineOf(deps).reconciliations.csv(orgId, params.id, query), 'path') }),
  }),
  defineEndpoint({
    method: 'GET', path: '/api/v1/integrations/{id}/reconciliation/contact-source', operationId: 'preview-reconciliation-contact-source', summary: 'What switching the contacts of matched accounts to another source would replace (nothing is changed)', tag, auth: true, engine: true, params: idParams,
    description: 'Contact data comes from one source at a time: Ferry (as the billing platform writes it) or Salesforce (each run makes the contacts of matched accounts those of Salesforce, removing the others). Switch with PATCH /integrations/{id} {"reconciliation": {"contactSource": ...}}; the switch is recorded as an integration.contact_source.changed event with the same statement.',
    query: z.strictObject({ to: z.enum(CONTACT_SOURCES, { error: `must be one of ${CONTACT_SOURCES.join(', ')}` }) }),
    success: { status: 200, description: 'What the switch replaces, and why it would be refused now (other integrations), if it would', schema: contactSourceChangeView },
    errors: ['unauthorized', 'not_found', 'validation_failed'],
    handler: async ({ orgId, params, query, deps }) => ({ status: 200, body: unwrap(await engineOf(deps).reconciliationContactSource(orgId, params.id, query.to), 'path') }),
  }),
  defineEndpoint({
    method: 'GET', path: '/api/v1/integrations/{id}/reconciliation/trend', operationId: 'reconciliation-trend', summary: 'The matched share and counts of the last reports, oldest first', tag, auth: true, engine: true, params: idParams,
    query: z.strictObject({ limit: z.coerce.number().int().min(1).max(365).default(30) }),
    success: { status: 200, description: 'One point per report', schema: z.strictObject({ data: z.array(z.strictObject({ runId: z.string(), createdAt: z.string(), matchedShare: z.number(), counts: z.record(z.string(), z.number()) })) }) },
    errors: ['unauthorized', 'not_found', 'validation_failed'],
    handler: async ({ orgId, params, query, deps }) => ({ status: 200, body: { data: unwrap(await engineOf(deps).reconciliations.trend(orgId, params.id, query.limit), 'path') } }),
  }),
];
