import { z } from 'zod';
import { WEBHOOK_DEFAULTS, WEBHOOK_EVENTS, webhookDeliveriesQuery, webhookDeliveryView, webhookInput, webhookPutView, webhookTestView, webhookView } from '../../engine/index.ts';
import { defineEndpoint, type Endpoint } from '../contract.ts';
import { engineOf, unwrap } from '../shared.ts';

const tag = 'Webhook';
const path = '/api/v1/organization/webhook';

const SIGNATURE = 'Each delivery is a JSON POST `{id, type, createdAt, organizationId, data}` with `X-Ferry-Delivery: <id>` and `X-Ferry-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" keyed by the secret>`. '
  + `A delivery is retried with backoff on no answer (within ${WEBHOOK_DEFAULTS.timeoutMs / 1000} s), 429 and 5xx, ${WEBHOOK_DEFAULTS.attempts} attempts over about a minute; other answers and redirects (not followed) end it. See docs/operations.md, "Webhook alerts".`;

export const webhookEndpoints: Endpoint[] = [
  defineEndpoint({
    method: 'GET', path, operationId: 'get-webhook', summary: 'The organization\'s webhook (never its secret)', tag, auth: true, engine: true,
    success: { status: 200, description: 'The webhook', schema: webhookView },
    errors: ['unauthorized', 'not_found'],
    handler: async ({ orgId, deps }) => ({ status: 200, body: unwrap(await engineOf(deps).webhooks.get(orgId)) }),
  }),
  defineEndpoint({
    method: 'PUT', path, operationId: 'put-webhook', summary: 'Set the organization\'s webhook: signed alerts for disabled integrations, failed runs and held conflicts', tag, auth: true, engine: true,
    description: `Alerts: ${WEBHOOK_EVENTS.join(', ')}. Events and threshold left out take their defaults. The secret is write-only: left out, the webhook keeps the one it has; a new webhook without one gets one generated, returned in this answer only. ${SIGNATURE}`,
    body: webhookInput,
    success: { status: 200, description: 'The webhook, with the generated secret when one was generated', schema: webhookPutView },
    errors: ['validation_failed', 'malformed_json', 'unauthorized'],
    handler: async ({ orgId, body, deps }) => ({ status: 200, body: await engineOf(deps).webhooks.put(orgId, body) }),
  }),
  defineEndpoint({
    method: 'DELETE', path, operationId: 'delete-webhook', summary: 'Remove the organization\'s webhook: no more alerts are sent', tag, auth: true, engine: true,
    description: 'Deliveries not sent yet end failed; the list of past deliveries stays.',
    success: { status: 204, description: 'Removed' },
    errors: ['unauthorized', 'not_found'],
    handler: async ({ orgId, deps }) => {
      unwrap(await engineOf(deps).webhooks.remove(orgId));
      return { status: 204 };
    },
  }),
  defineEndpoint({
    method: 'POST', path: `${path}/test`, operationId: 'test-webhook', summary: 'Send a webhook.test delivery now (once, no retries) and say what the receiver answered', tag, auth: true, engine: true,
    description: 'Signed like every delivery. Answers 200 whatever the receiver said: `delivered` and `status` tell.',
    success: { status: 200, description: 'The receiver\'s answer and the delivery as recorded', schema: webhookTestView },
    errors: ['unauthorized', 'not_found'],
    handler: async ({ orgId, deps }) => ({ status: 200, body: unwrap(await engineOf(deps).webhooks.test(orgId)) }),
  }),
  defineEndpoint({
    method: 'GET', path: `${path}/deliveries`, operationId: 'list-webhook-deliveries', summary: 'Recent webhook deliveries and how each went', tag, auth: true, engine: true,
    description: `Newest first; delivered and failed ones are kept ${WEBHOOK_DEFAULTS.keepDays} days.`,
    query: webhookDeliveriesQuery,
    success: { status: 200, description: 'Deliveries', schema: z.strictObject({ data: z.array(webhookDeliveryView) }) },
    errors: ['validation_failed', 'unauthorized'],
    handler: async ({ orgId, query, deps }) => ({ status: 200, body: { data: await engineOf(deps).webhooks.deliveries(orgId, query) } }),
  }),
];
