import { z } from 'zod';
import { defineEndpoint } from '../contract.ts';

export const healthz = defineEndpoint({
  method: 'GET',
  path: '/healthz',
  operationId: 'healthz',
  summary: 'Liveness: the process answers',
  tag: 'Health',
  auth: false,
  success: { status: 200, description: 'Alive', schema: z.strictObject({ status: z.literal('ok') }) },
  errors: [],
  handler: () => Promise.resolve({ status: 200, body: { status: 'ok' } }),
});

export const readyz = defineEndpoint({
  method: 'GET',
  path: '/readyz',
  operationId: 'readyz',
  summary: 'Readiness: the database answers',
  tag: 'Health',
  auth: false,
  success: { status: 200, description: 'Ready', schema: z.strictObject({ status: z.literal('ready'), database: z.string() }) },
  errors: ['internal_error'],
  handler: async ({ deps }) => {
    await deps.db.query('SELECT 1');
    return { status: 200, body: { status: 'ready', database: deps.db.kind } };
  },
});
