import { z } from 'zod';
import { ENTITY_NAMES, journalPrunedThrough, readChanges } from '../../platform/index.ts';
import { defineEndpoint } from '../contract.ts';

const change = z
  .strictObject({
    seq: z.number().int(),
    entity: z.string(),
    entityId: z.uuid(),
    operation: z.enum(['create', 'update', 'delete']),
    version: z.number().int(),
    origin: z.string().meta({ description: 'api, import, or integration:<id> for writes that came from Salesforce' }),
    changedFields: z.array(z.string()),
    at: z.string(),
  })
  .meta({ id: 'Change' });

export const listChanges = defineEndpoint({
  method: 'GET',
  path: '/api/v1/changes',
  operationId: 'list-changes',
  summary: 'Follow the change journal',
  description:
    'Every committed write, in commit order. Keep the last seq you processed and pass it as after: a follower never misses a change, even with concurrent writers, as long as it keeps up with the retention (FERRY_RETAIN_JOURNAL_DAYS, 30 days by default): older entries are pruned once every integration has sent them, and prunedThroughSeq says how far.',
  tag: 'Changes',
  auth: true,
  query: z.strictObject({
    after: z.coerce.number().int().min(0).default(0),
    limit: z.coerce.number().int().min(1).max(10_000).default(1000),
    entity: z.enum(ENTITY_NAMES as [string, ...string[]]).optional(),
  }),
  success: {
    status: 200,
    description: 'Changes after the given sequence',
    schema: z.strictObject({
      changes: z.array(change),
      lastSeq: z.number().int(),
      hasMore: z.boolean(),
      prunedThroughSeq: z.number().int().nullable().meta({ description: 'The newest entry retention removed (null: none yet). When after is below it, changes may be missing from this page: read the records again (list them with updatedSince).' }),
    }),
  },
  errors: ['validation_failed', 'unauthorized'],
  handler: async ({ orgId, query, deps }) => {
    const rows = await readChanges(deps.db, orgId, { after: query.after, limit: query.limit + 1, entity: query.entity });
    const page = rows.slice(0, query.limit);
    return {
      status: 200,
      body: {
        changes: page.map((c) => ({ ...c, at: c.at.toISOString() })),
        lastSeq: page[page.length - 1]?.seq ?? query.after,
        hasMore: rows.length > query.limit,
        prunedThroughSeq: await journalPrunedThrough(deps.db, orgId),
      },
    };
  },
});
