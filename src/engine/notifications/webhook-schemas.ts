import { z } from 'zod';
import { safeString } from '../../platform/index.ts';
import { checkOutboundUrl } from '../outbound-url.ts';

/**
 * The alerts an organization's webhook can receive:
 * - integration.disabled: an integration disabled itself (auto-disable), with the reason and its
 *   recent error events;
 * - runs.failed: an integration's successive failed runs reached the webhook's failedRunsThreshold
 *   (once per streak: the streak must end with a run that delivers before it alerts again);
 * - conflict.held: incoming sync held conflicts for a person to settle (one delivery per run).
 * webhook.test is what POST /organization/webhook/test sends; it cannot be subscribed to.
 */
export const WEBHOOK_EVENTS = ['integration.disabled', 'runs.failed', 'conflict.held'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];
export type WebhookDeliveryType = WebhookEvent | 'webhook.test';
export const WEBHOOK_DELIVERY_TYPES = [...WEBHOOK_EVENTS, 'webhook.test'] as const;

export const WEBHOOK_DELIVERY_STATUSES = ['pending', 'sending', 'delivered', 'failed'] as const;
export type WebhookDeliveryStatus = (typeof WEBHOOK_DELIVERY_STATUSES)[number];

export const DEFAULT_FAILED_RUNS_THRESHOLD = 3;

const webhookUrl = safeString({ error: 'must be the receiver\'s address, such as "https://ops.example.com/ferry-alerts"' })
  .trim()
  .max(2048, 'must be at most 2048 characters')
  .superRefine(checkOutboundUrl({ example: 'https://ops.example.com/ferry-alerts', why: '', credentials: 'the receiver checks the X-Ferry-Signature header instead' }));

export const webhookInput = z
  .strictObject({
    url: webhookUrl.meta({ description: 'Where deliveries are POSTed: https (plain http only for 127.0.0.1, localhost and [::1]). Redirects are not followed.' }),
    secret: safeString({ error: 'must be a string of 16 to 200 characters' })
      .min(16, 'must be at least 16 characters').max(200, 'must be at most 200 characters')
      .refine((v) => !/[\s\0]/.test(v), 'must not contain spaces, line breaks or NUL characters')
      .optional()
      .meta({ description: 'The key of the HMAC-SHA256 signature. Left out: the webhook keeps its secret, or a new webhook gets one generated and shown once in this answer. Stored sealed, never returned again.' }),
    events: z.array(z.enum(WEBHOOK_EVENTS, { error: `must be one of ${WEBHOOK_EVENTS.join(', ')}` }))
      .min(1, 'name at least one event (to receive none, DELETE the webhook)')
      .refine((list) => new Set(list).size === list.length, 'names an event twice')
      .default([...WEBHOOK_EVENTS])
      .meta({ description: `The alerts to send; all of them (${WEBHOOK_EVENTS.join(', ')}) when left out.` }),
    failedRunsThreshold: z.number({ error: 'must be a whole number from 1 to 1000' }).int('must be a whole number').min(1, 'must be at least 1').max(1000, 'must be at most 1000')
      .default(DEFAULT_FAILED_RUNS_THRESHOLD)
      .meta({ description: `runs.failed goes when an integration's successive failed runs reach this many (default ${DEFAULT_FAILED_RUNS_THRESHOLD}), once per streak.` }),
  })
  .meta({ id: 'WebhookInput' });

export type WebhookInput = z.output<typeof webhookInput>;

export const webhookView = z
  .strictObject({
    url: z.string(),
    events: z.array(z.enum(WEBHOOK_EVENTS)),
    failedRunsThreshold: z.number(),
    hasSecret: z.literal(true).meta({ description: 'The signing secret is set; it is never returned.' }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Webhook' });

export type WebhookView = z.infer<typeof webhookView>;

export const webhookPutView = webhookView
  .extend({
    secret: z.string().optional().meta({ description: 'The generated signing secret, in this answer only (present when one was generated): store it now.' }),
  })
  .meta({ id: 'WebhookSaved' });

export const webhookDeliveryView = z
  .strictObject({
    id: z.uuid(),
    type: z.enum(WEBHOOK_DELIVERY_TYPES),
    integrationId: z.string().nullable(),
    status: z.enum(WEBHOOK_DELIVERY_STATUSES).meta({ description: 'pending (queued), sending (being attempted, or waiting between attempts), delivered (a 2xx answer), failed (attempts used up, or an answer that is not retried).' }),
    attempts: z.number(),
    lastStatus: z.number().nullable().meta({ description: 'The HTTP status of the last attempt (null: no answer).' }),
    lastError: z.string().nullable().meta({ description: 'Why the last attempt failed.' }),
    createdAt: z.string(),
    lastAttemptAt: z.string().nullable(),
    finishedAt: z.string().nullable(),
  })
  .meta({ id: 'WebhookDelivery' });

export type WebhookDeliveryView = z.infer<typeof webhookDeliveryView>;

export const webhookTestView = z
  .strictObject({
    delivered: z.boolean(),
    status: z.number().nullable().meta({ description: 'The receiver\'s HTTP status (null: no answer).' }),
    error: z.string().nullable(),
    delivery: webhookDeliveryView,
  })
  .meta({ id: 'WebhookTest' });

export type WebhookTestView = z.infer<typeof webhookTestView>;

export const webhookDeliveriesQuery = z.strictObject({
  type: z.enum(WEBHOOK_DELIVERY_TYPES, { error: `must be one of ${WEBHOOK_DELIVERY_TYPES.join(', ')}` }).optional(),
  status: z.enum(WEBHOOK_DELIVERY_STATUSES, { error: `must be one of ${WEBHOOK_DELIVERY_STATUSES.join(', ')}` }).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
