import { z } from 'zod';
import { v7 as uuidv7 } from 'uuid';
import type { Queryable } from '../../storage/index.ts';
import { InvalidTransitionError, RUN_MODES, RUN_STATUSES, RUN_TRIGGERS, sourcesOf, type RunMode, type RunStatus, type RunTrigger } from '../types.ts';

/** Records a run skipped for one reason: how many, and the first few. */
export interface RunSkip {
  reason: string;
  count: number;
  recordIds: string[];
}

export interface RunCounts {
  sent: number;
  created: number;
  updated: number;
  skipped: number;
  deleted: number;
  failed: number;
}

interface RunRow extends RunCounts {
  id: string;
  integration_id: string;
  trigger: RunTrigger;
  mode: RunMode;
  status: RunStatus;
  replay_of: string | null;
  continued_from: string | null;
  record_ids: string[] | null;
  from_seq: number | null;
  to_seq: number | null;
  error: { errorCode: string; message: string } | null;
  skips: RunSkip[];
  progress: RunProgress | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

const objectSummary = z.strictObject({ created: z.number(), updated: z.number(), unchanged: z.number(), retired: z.number(), failed: z.number() });

export const runProgress = z
  .strictObject({
    step: z.string().meta({ description: 'What the run is writing now ("products", "standard price book entries", ...); "done" once finished.' }),
    done: z.number().meta({ description: 'Rows written (or found unchanged) so far.' }),
    total: z.number().meta({ description: 'Rows the run has to write in all.' }),
    objects: z.record(z.string(), objectSummary).meta({ description: 'Per Salesforce object: created, updated, unchanged, retired (deleted, or deactivated for products and price book entries) and failed rows.' }),
  })
  .meta({ id: 'RunProgress' });

export type RunProgress = z.infer<typeof runProgress>;

export const runView = z
  .strictObject({
    id: z.uuid(),
    integrationId: z.uuid(),
    trigger: z.enum(RUN_TRIGGERS),
    mode: z.enum(RUN_MODES).meta({ description: 'incremental: pending Ferry changes; full: every record; incoming: Salesforce changes read back into Ferry; incoming_full: every record of the object read from Salesforce (the initial load).' }),
    status: z.enum(RUN_STATUSES),
    replayOf: z.string().nullable(),
    continuedFrom: z.string().nullable().meta({ description: 'The run this one continues: one that used up its time slice while other runs waited, or one whose worker stopped (a full run continues from the record it got to).' }),
    fromSeq: z.number().nullable(),
    toSeq: z.number().nullable(),
    counts: z.strictObject({ sent: z.number(), created: z.number(), updated: z.number(), skipped: z.number(), deleted: z.number(), failed: z.number() }),
    recordIds: z.array(z.string()).meta({ description: 'The records this run considered (what a replay sends again).' }),
    skips: z.array(z.strictObject({ reason: z.string(), count: z.number(), recordIds: z.array(z.string()) }))
      .meta({ description: 'Why records were skipped (out of scope, unchanged, no mapped field changed, ...): per reason, how many and the first 20 record ids.' }),
    progress: runProgress.nullable().meta({ description: 'Imports (Catalogue integrations): where the run stands while it works, and what it did per Salesforce object; null for other runs.' }),
    error: z.strictObject({ errorCode: z.string(), message: z.string() }).nullable(),
    createdAt: z.string(),
    startedAt: z.string().nullable(),
    finishedAt: z.string().nullable(),
  })
  .meta({ id: 'Run' });

export type RunView = z.infer<typeof runView>;

const toView = (row: RunRow): RunView => ({
  id: row.id,
  integrationId: row.integration_id,
  trigger: row.trigger,
  mode: row.mode,
  status: row.status,
  replayOf: row.replay_of,
  continuedFrom: row.continued_from,
  fromSeq: row.from_seq,
  toSeq: row.to_seq,
  counts: { sent: row.sent, created: row.created, updated: row.updated, skipped: row.skipped, deleted: row.deleted, failed: row.failed },
  recordIds: row.record_ids ?? [],
  skips: row.skips,
  progress: row.progress,
  error: row.error,
  createdAt: row.created_at.toISOString(),
  startedAt: row.started_at?.toISOString() ?? null,
  finishedAt: row.finished_at?.toISOString() ?? null,
});

/** Runs and their state machine (RUN_TRANSITIONS): every status change is checked. */
export class Runs {
  readonly #db: Queryable;

  constructor(db: Queryable) {
    this.#db = db;
  }

  async create(orgId: string, integrationId: string, input: { trigger: RunTrigger; mode: RunMode; replayOf?: string | undefined; recordIds?: string[] | undefined; salesforceIds?: string[] | undefined; id?: string | undefined; continuedFrom?: string | undefined }): Promise<RunView> {
    const [row] = await this.#db.query<RunRow>(
      `INSERT INTO runs (org_id, id, integration_id, trigger, mode, status, replay_of, record_ids, salesforce_ids, continued_from)
       VALUES ($1, $2, $3, $4, $5, 'WAITING', $6, $7, $8, $9)
       ON CONFLICT (org_id, id) DO UPDATE SET trigger = runs.trigger RETURNING *`,
      [orgId, input.id ?? uuidv7(), integrationId, input.trigger, input.mode, input.replayOf ?? null, input.recordIds ?? null, input.salesforceIds ?? null, input.continuedFrom ?? null],
    );
    return toView(row!);
  }

  /**
   * Moves a run along RUN_TRANSITIONS. The guard is in the UPDATE itself (status must be one the
   * move is allowed from), so two processes racing on one run cannot both move it: the loser gets
   * InvalidTransitionError naming the status the winner left.
   */
  async transition(orgId: string, runId: string, to: RunStatus, patch: Partial<RunCounts> & { error?: { errorCode: string; message: string } | null; fromSeq?: number | null; toSeq?: number | null; recordIds?: string[]; workerId?: string; skips?: RunSkip[] } = {}): Promise<RunView> {
    const [row] = await this.#db.query<RunRow>(
      `UPDATE runs SET status = $3,
         sent = COALESCE($4, sent), created = COALESCE($5, created), updated = COALESCE($6, updated),
         skipped = COALESCE($7, skipped), failed = COALESCE($8, failed), error = COALESCE($9, error),
         from_seq = COALESCE($10, from_seq), to_seq = COALESCE($11, to_seq), record_ids = COALESCE($12, record_ids), deleted = COALESCE($13, deleted),
         worker_id = COALESCE($15, worker_id), skips = COALESCE($16::jsonb, skips),
         started_at = CASE WHEN $3 = 'STARTED' THEN now() ELSE started_at END,
         finished_at = CASE WHEN $3 NOT IN ('WAITING', 'STARTED') THEN now() ELSE finished_at END
       WHERE org_id = $1 AND id = $2 AND status = ANY($14::text[]) RETURNING *`,
      [orgId, runId, to, patch.sent ?? null, patch.created ?? null, patch.updated ?? null, patch.skipped ?? null, patch.failed ?? null,
        patch.error ?? null, patch.fromSeq ?? null, patch.toSeq ?? null, patch.recordIds ?? null, patch.deleted ?? null, sourcesOf(to), patch.workerId ?? null, patch.skips === undefined ? null : JSON.stringify(patch.skips)],
    );
    if (row !== undefined) return toView(row);
    const current = await this.get(orgId, runId);
    if (current === undefined) throw new Error(`run ${runId} vanished`);
    throw new InvalidTransitionError(`A run cannot go from ${current.status} to ${to}.`);
  }

  async get(orgId: string, runId: string): Promise<RunView | undefined> {
    const rows = await this.#db.query<RunRow>('SELECT * FROM runs WHERE org_id = $1 AND id = $2', [orgId, runId]);
    return rows[0] === undefined ? undefined : toView(rows[0]);
  }

  async list(orgId: string, filter: { integrationId?: string | undefined; status?: string | undefined; limit: number; before?: string | undefined }): Promise<RunView[]> {
    const rows = await this.#db.query<RunRow>(
      `SELECT * FROM runs WHERE org_id = $1 AND ($2::uuid IS NULL OR integration_id = $2) AND ($3::text IS NULL OR status = $3)
         AND ($4::uuid IS NULL OR id < $4) ORDER BY id DESC LIMIT $5`,
      [orgId, filter.integrationId ?? null, filter.status ?? null, filter.before ?? null, filter.limit],
    );
    return rows.map(toView);
  }
}
