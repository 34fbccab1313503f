import { z } from 'zod';
import { PRUNED_TABLES } from './prune.ts';

const days = z.number().nullable().meta({ description: 'Days kept; null: kept forever.' });

const removedView = z.strictObject(Object.fromEntries(PRUNED_TABLES.map((t) => [t, z.number()])) as Record<(typeof PRUNED_TABLES)[number], z.ZodNumber>)
  .meta({ description: 'Rows removed per table.' });

export const journalHoldView = z
  .strictObject({
    orgId: z.uuid(),
    integrationId: z.uuid(),
    name: z.string(),
    cursorSeq: z.number().meta({ description: 'Its watermark: the journal seq it has delivered up to.' }),
    pendingSince: z.string().meta({ description: 'When the oldest entry it has not passed was written.' }),
    entriesHeld: z.number().meta({ description: 'Entries older than the retention kept because of it.' }),
  })
  .meta({ id: 'JournalHold' });

export const pruneReportView = z
  .strictObject({
    id: z.uuid(),
    trigger: z.enum(['schedule', 'manual']),
    startedAt: z.string(),
    finishedAt: z.string(),
    removed: removedView,
    held: z.array(journalHoldView).meta({ description: 'Per organization whose journal keeps entries older than the retention: the enabled integration that has not passed them.' }),
    gaps: z.array(z.strictObject({ orgId: z.uuid(), integrationId: z.uuid(), name: z.string(), since: z.string() }))
      .meta({ description: 'Integrations that did not hold the journal (disabled, or only reading from Salesforce) and lost entries they had not sent: their next delivery is a full pass.' }),
    stopped: z.boolean().meta({ description: 'The process was stopping, so pruning stopped between two batches; the next pruning goes on.' }),
  })
  .meta({ id: 'PruneReport' });

export const statusView = z
  .strictObject({
    retention: z.strictObject({
      journalDays: days,
      runsDays: days,
      eventsDays: days,
      requestLogsDays: days,
      syncLogDays: days,
      pruneSchedule: z.string().nullable().meta({ description: 'Cron of the background pruning (UTC); null: off (FERRY_PRUNE_SCHEDULE=off).' }),
    }),
    tables: z.array(z.strictObject({
      name: z.string().meta({ description: 'Table (pg-boss\'s tables as pgboss.<name>).' }),
      rows: z.number().nullable().meta({ description: 'Rows: the planner\'s estimate, or counted for a small table never analyzed; null when unknown.' }),
      estimated: z.boolean(),
      bytes: z.number().meta({ description: 'Size on disk with its indexes and TOAST.' }),
    })).meta({ description: 'Every table of Ferry\'s database, largest first.' }),
    journal: z.array(z.strictObject({
      orgId: z.uuid(),
      entries: z.number(),
      oldestSeq: z.number().nullable(),
      oldestAt: z.string().nullable(),
      newestSeq: z.number().nullable(),
      olderThanRetention: z.number().nullable().meta({ description: 'Entries older than FERRY_RETAIN_JOURNAL_DAYS (the next pruning removes those no integration holds); null when kept forever.' }),
      prunedThroughSeq: z.number().nullable().meta({ description: 'The newest entry pruning removed: a follower of GET /changes behind it may have missed changes.' }),
      heldBy: z.strictObject({
        integrationId: z.uuid(),
        name: z.string(),
        entityType: z.string(),
        cursorSeq: z.number(),
        pendingEntries: z.number().meta({ description: 'Entries of its entities it has not passed.' }),
        pendingSince: z.string().meta({ description: 'When the oldest of them was written.' }),
        pastRetention: z.boolean().meta({ description: 'That entry is older than the retention: pruning keeps it (and every later one) because of this integration.' }),
      }).nullable().meta({ description: 'Of the enabled integrations that send from the journal, the one furthest behind; null when all are caught up.' }),
      catchingUp: z.array(z.strictObject({ integrationId: z.uuid(), name: z.string(), since: z.string() }))
        .meta({ description: 'Integrations that lost unsent entries to pruning while disabled (or only reading): their next delivery is a full pass.' }),
    })).meta({ description: 'Per organization (the caller\'s only, with an API key).' }),
    lastPruning: z.strictObject({
      id: z.uuid(),
      trigger: z.enum(['schedule', 'manual']),
      startedAt: z.string(),
      finishedAt: z.string().nullable().meta({ description: 'null while it runs (or when its process stopped mid-way).' }),
      removed: z.record(z.string(), z.number()),
      held: z.array(journalHoldView),
      error: z.string().nullable(),
    }).nullable(),
    workers: z.array(z.strictObject({
      id: z.uuid(),
      hostname: z.string(),
      pid: z.number(),
      startedAt: z.string(),
      heartbeatAt: z.string(),
      alive: z.boolean().meta({ description: 'Beat within FERRY_WORKER_DEAD_AFTER_MS.' }),
    })).meta({ description: 'Processes registered to run integrations (ferry start, ferry worker), oldest first.' }),
  })
  .meta({ id: 'Status' });

export type StatusView = z.infer<typeof statusView>;
export type PruneReportView = z.infer<typeof pruneReportView>;
