import { z } from 'zod';
import { conflictView, resolveBody, EVENT_NAMES, eventView, listConflicts, listRequestLogs, listSyncLog, overview, overviewView, requestLogView, RUN_STATUSES, runView, SYNC_OUTCOMES, syncLogView } from '../../engine/index.ts';
import { defineEndpoint, type Endpoint } from '../contract.ts';
import { idParams } from '../entities/schemas.ts';
import { ApiError } from '../errors.ts';
import { isoDateTime } from '../../platform/fields.ts';
import { engineOf, jsonObjectBody, unwrap } from '../shared.ts';

const syncSettings = z.strictObject({ incoming: z.boolean({ error: 'is required: true or false' }).meta({ description: 'Master switch: off, no integration of the organization reads Salesforce changes back.' }) }).meta({ id: 'SyncSettings' });

const page = { limit: z.coerce.number().int().min(1).max(1000).default(100), before: z.uuid().optional().meta({ description: 'id of the last item of the previous page (newest first)' }) };

export const runEndpoints: Endpoint[] = [
  defineEndpoint({
    method: 'GET', path: '/api/v1/runs', operationId: 'list-runs', summary: 'List runs, newest first', tag: 'Runs', auth: true, engine: true,
    query: z.strictObject({ integrationId: z.uuid().optional(), status: z.enum(RUN_STATUSES).optional(), ...page }),
    success: { status: 200, description: 'Runs', schema: z.strictObject({ data: z.array(runView) }) },
    errors: ['validation_failed', 'unauthorized'],
    handler: async ({ orgId, query, deps }) => ({ status: 200, body: { data: await engineOf(deps).runs.list(orgId, query) } }),
  }),
  defineEndpoint({
    method: 'GET', path: '/api/v1/runs/{id}', operationId: 'get-run', summary: 'Get a run', tag: 'Runs', auth: true, engine: true, params: idParams,
    success: { status: 200, description: 'The run', schema: runView },
    errors: ['unauthorized', 'not_found'],
    handler: async ({ orgId, params, deps }) => {
      const run = await engineOf(deps).runs.get(orgId, params.id);
      if (run === undefined) throw new ApiError('not_found', `No run has id ${params.id}.`);
      return { status: 200, body: run };
    },
  }),
  defineEndpoint({
    method: 'POST', path: '/api/v1/runs/{id}/replay', operationId: 'replay-run', summary: 'Send the records of a finished run again', tag: 'Runs', auth: true, engine: true, params: idParams,
    success: { status: 202, description: 'The new run, queued', schema: runView },
    errors: ['unauthorized', 'not_found', 'version_conflict', 'validation_failed'],
    handler: async ({ orgId, params, deps }) => ({ status: 202, body: unwrap(await engineOf(deps).replay(orgId, params.id), 'path') }),
  }),
  defineEndpoint({
    method: 'GET', path: '/api/v1/events', operationId: 'list-events', summary: 'List events, newest first', tag: 'Events', auth: true, engine: true,
    query: z.strictObject({
      integrationId: z.uuid().optional(),
      runId: z.uuid().optional(),
      name: z.enum(EVENT_NAMES).optional(),
      severity: z.enum(['error', 'warning', 'info']).optional(),
      actioned: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
      ...page,
    }),
    success: { status: 200, description: 'Events', schema: z.strictObject({ data: z.array(eventView) }) },
    errors: ['validation_failed', 'unauthorized'],
    handler: async ({ orgId, query, deps }) => ({ status: 200, body: { data: await engineOf(deps).events.list(orgId, query) } }),
  }),
  defineEndpoint({
    method: 'POST', path: '/api/v1/events/{id}/action', operationId: 'action-event', summary: 'Mark an event as dealt with', tag: 'Events', auth: true, engine: true, params: idParams,
    success: { status: 200, description: 'The event', schema: eventView },
    errors: ['unauthorized', 'not_found'],
    handler: async ({ orgId, params, deps }) => {
      const event = await engineOf(deps).events.markActioned(orgId, params.id);
      if (event === undefined) throw new ApiError('not_found', `No event has id ${params.id}.`);
      return { status: 200, body: event };
    },
  }),
  defineEndpoint({
    method: 'POST', path: '/api/v1/events/{id}/retry', operationId: 'retry-event', summary: 'Send the event\'s record again (after fixing the cause)', tag: 'Events', auth: true, engine: true, params: idParams,
    success: { status: 202, description: 'The event and the queued run', schema: z.strictObject({ event: eventView, run: runView }) },
    errors: ['unauthorized', 'not_found'],
    handler: async ({ orgId, params, deps }) => ({ status: 202, body: unwrap(await engineOf(deps).retryEvent(orgId, params.id), 'path') }),
  }),
  defineEndpoint({
    method: 'GET', path: '/api/v1/request-logs', operationId: 'list-request-logs', summary: 'Every Salesforce call: operation, object, records, status, duration, API usage', tag: 'Request logs', auth: true, engine: true,
    query: z.strictObject({ integrationId: z.uuid().optional(), runId: z.uuid().optional(), status: z.enum(['Waiting', 'Success', 'Failed']).optional(), ...page }),
    success: { status: 200, description: 'Request logs', schema: z.strictObject({ data: z.array(requestLogView) }) },
    errors: ['validation_failed', 'unauthorized'],
    handler: async ({ orgId, query, deps }) => ({ status: 200, body: { data: await listRequestLogs(deps.db, orgId, query) } }),
  }),
  defineEndpoint({
    method: 'GET', path: '/api/v1/overview', operationId: 'get-overview', summary: 'Hourly figures of the last hours: runs by outcome, records delivered, API calls against the allocation and budget, change-to-Salesforce latency', tag: 'Runs', auth: true, engine: true,
    description: 'Latency of a change: from its journal entry (the change committed in Ferry) to the end of the incremental run that delivered it (the run whose journal range holds the entry, that considered the record and recorded no error event for it), counted in the hour that run finished. Hours are UTC; the last is the current one.',
    query: z.strictObject({ hours: z.coerce.number().int().min(1).max(168).default(24).meta({ description: 'How many hours back, the current one included' }) }),
    success: { status: 200, description: 'The overview', schema: overviewView },
    errors: ['validation_failed', 'unauthorized'],
    handler: async ({ orgId, query, deps }) => ({ status: 200, body: await overview(deps.db, orgId, query) }),
  }),
  defineEndpoint({
    method: 'GET', path: '/api/v1/sync-log', operationId: 'list-sync-log', summary: 'Every operation of two-way sync, newest first: direction, record, changed fields, outcome and reason', tag: 'Sync log', auth: true, engine: true,
    query: z.strictObject({
      integrationId: z.uuid().optional(),
      entityId: z.uuid().optional().meta({ description: 'The Ferry record' }),
      salesforceId: z.string().max(18).optional().meta({ description: 'The Salesforce record' }),
      outcome: z.enum(SYNC_OUTCOMES).optional(),
      direction: z.enum(['incoming', 'outgoing']).optional().meta({ description: 'incoming (Salesforce to Ferry) or outgoing (deliveries of integrations that read back)' }),
      since: isoDateTime.optional(),
      ...page,
    }),
    success: { status: 200, description: 'Sync log entries', schema: z.strictObject({ data: z.array(syncLogView) }) },
    errors: ['validation_failed', 'unauthorized'],
    handler: async ({ orgId, query, deps }) => ({ status: 200, body: { data: await listSyncLog(deps.db, orgId, query) } }),
  }),
  defineEndpoint({
    method: 'GET', path: '/api/v1/conflicts', operationId: 'list-conflicts', summary: 'Fields changed on both sides to different values, with both values, the base, the policy and the outcome', tag: 'Sync log', auth: true, engine: true,
    query: z.strictObject({
      integrationId: z.uuid().optional(),
      entityId: z.uuid().optional(),
      outcome: z.enum(['ferry', 'salesforce', 'held']).optional(),
      open: z.enum(['true', 'false']).transform((v) => v === 'true').optional().meta({ description: 'true: the review queue (held, not yet resolved)' }),
      ...page,
    }),
    success: { status: 200, description: 'Conflicts', schema: z.strictObject({ data: z.array(conflictView) }) },
    errors: ['validation_failed', 'unauthorized'],
    handler: async ({ orgId, query, deps }) => ({ status: 200, body: { data: await listConflicts(deps.db, orgId, query) } }),
  }),
  defineEndpoint({
    method: 'POST', path: '/api/v1/conflicts/resolve', operationId: 'resolve-conflicts', summary: 'Settle held conflicts: per field, Ferry\'s value, Salesforce\'s, or another', tag: 'Sync log', auth: true, engine: true,
    description: 'Each conflict is settled in one transaction (an error in one leaves the others settled: see results). The chosen values are written to the Ferry record, and a delivery of the settled records is queued (runs), since their held fields were not being sent.',
    body: jsonObjectBody, documentedBody: resolveBody,
    success: {
      status: 200, description: 'Per conflict, resolved or the error; the queued deliveries',
      schema: z.strictObject({
        results: z.array(z.union([
          z.strictObject({ id: z.string(), status: z.literal('resolved'), entityId: z.string(), integrationId: z.string() }),
          z.strictObject({ id: z.string(), status: z.literal('error'), code: z.string(), message: z.string() }),
        ])),
        runs: z.array(runView),
      }),
    },
    errors: ['validation_failed', 'malformed_json', 'unauthorized'],
    handler: async ({ orgId, body, deps }) => ({ status: 200, body: unwrap(await engineOf(deps).resolveConflicts(orgId, body)) }),
  }),
  defineEndpoint({
    method: 'GET', path: '/api/v1/sync/settings', operationId: 'get-sync-settings', summary: 'The organization\'s sync settings: the master switch for reading Salesforce changes back', tag: 'Sync log', auth: true, engine: true,
    success: { status: 200, description: 'Sync settings', schema: syncSettings },
    errors: ['unauthorized'],
    handler: async ({ orgId, deps }) => ({ status: 200, body: await engineOf(deps).syncSettings(orgId) }),
  }),
  defineEndpoint({
    method: 'PUT', path: '/api/v1/sync/settings', operationId: 'put-sync-settings', summary: 'Turn reading Salesforce changes back on or off for every integration', tag: 'Sync log', auth: true, engine: true,
    description: 'Off stops incoming sync at once; on again, each integration resumes from the position it had reached, so changes made meanwhile are read then.',
    body: syncSettings,
    success: { status: 200, description: 'Sync settings', schema: syncSettings },
    errors: ['validation_failed', 'malformed_json', 'unauthorized'],
    handler: async ({ orgId, body, deps }) => ({ status: 200, body: await engineOf(deps).setSyncSettings(orgId, body) }),
  }),
];
