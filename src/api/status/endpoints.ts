import { pruneReportView, statusView } from '../../engine/index.ts';
import { defineEndpoint, type Endpoint } from '../contract.ts';
import { engineOf } from '../shared.ts';

const localDescription =
  'Only for the `ferry` command on the same machine (the local admin token that `ferry start` writes into its data folder), for every organization at once.';

export const statusEndpoints: Endpoint[] = [
  defineEndpoint({
    method: 'GET', path: '/api/v1/status', operationId: 'get-status', summary: 'What the database holds, what holds the journal back, the last pruning, the workers', tag: 'Operations', auth: true, engine: true,
    description: 'Table sizes (Ferry\'s whole database), the retention settings, this organization\'s change journal (its length, its oldest entry, and the enabled integration furthest behind: its watermark and how many entries it has not passed, which pruning keeps for it), the last pruning (what it removed) and the worker processes. Pruning itself runs on workers (hourly by default); see docs/operations.md.',
    success: { status: 200, description: 'The status', schema: statusView },
    errors: ['unauthorized'],
    handler: async ({ orgId, deps }) => ({ status: 200, body: await engineOf(deps).status(orgId) }),
  }),
  defineEndpoint({
    method: 'GET', path: '/api/v1/local/status', operationId: 'local-get-status', summary: 'The status, with the journal of every organization', tag: 'Local administration', auth: 'local', engine: true,
    description: localDescription,
    success: { status: 200, description: 'The status', schema: statusView },
    errors: ['unauthorized'],
    handler: async ({ deps }) => ({ status: 200, body: await engineOf(deps).status() }),
  }),
  defineEndpoint({
    method: 'POST', path: '/api/v1/local/prune', operationId: 'local-prune', summary: 'Prune now: remove what the retention settings let go', tag: 'Local administration', auth: 'local', engine: true,
    description: `${localDescription} Runs the same pruning as the hourly one, with this server's settings, and answers once it is done.`,
    success: { status: 200, description: 'What was removed per table, and what holds the journal back', schema: pruneReportView },
    errors: ['unauthorized'],
    handler: async ({ deps }) => ({ status: 200, body: await engineOf(deps).prune('manual') }),
  }),
];
