import { stringify } from 'csv-stringify/sync';
import { z } from 'zod';
import { fail, ok, type Result } from '../../platform/index.ts';
import type { Database } from '../../storage/index.ts';
import { reconciliationFileInfo, saveReconciliationFile } from './files.ts';
import type { IntegrationRow } from '../integrations/integrations.ts';
import { groupKey, valuesHash } from './run.ts';
import { CATEGORIES } from './schemas.ts';

const counts = z.strictObject(Object.fromEntries(CATEGORIES.map((c) => [c, z.number()])) as Record<(typeof CATEGORIES)[number], z.ZodNumber>);

export const reportSummary = z.strictObject({
  counts: counts.meta({ description: 'Groups per category: all_three, salesforce_ferry, salesforce_source, ferry_source (matched on those two), salesforce_only, ferry_only, source_only, and duplicate (a key several records of one side share).' }),
  read: z.strictObject({ salesforce: z.number(), ferry: z.number(), source: z.number() }).meta({ description: 'Records read on each side.' }),
  withDifferences: z.number().meta({ description: 'Matched groups with at least one compared field that differs.' }),
  matchedShare: z.number().meta({ description: 'Share of the Salesforce Accounts matched on all three sides (0 to 1).' }),
  people: z.strictObject({
    owners: z.strictObject({ assigned: z.number(), unchanged: z.number(), withoutOwner: z.number(), refused: z.number() }).optional()
      .meta({ description: 'importOwners: matched Ferry accounts given their Account owner as assigned user, already so, whose Account has no owner e-mail, and refused (the run\'s skips say why).' }),
    contacts: z.strictObject({ read: z.number(), created: z.number(), updated: z.number(), unchanged: z.number(), removed: z.number(), refused: z.number() }).optional()
      .meta({ description: 'contactSource "salesforce": Salesforce contacts read (of any account), Ferry contacts of matched accounts created, updated, unchanged, removed (Salesforce lacks them), and refused (the run\'s skips say why).' }),
  }).optional().meta({ description: 'What the run brought into Ferry for matched accounts, when importOwners is set or contactSource is "salesforce".' }),
});

export const reconciliationReportView = z.strictObject({
  runId: z.string(),
  createdAt: z.string(),
  summary: reportSummary,
}).meta({ id: 'ReconciliationReport' });

export const reconciliationStatusView = z.strictObject({
  report: reconciliationReportView.nullable().meta({ description: 'The latest completed run\'s report; null before the first. A run that fails leaves the previous one.' }),
  file: z.strictObject({ format: z.enum(['csv', 'jsonl']), bytes: z.number(), uploadedAt: z.string() }).nullable().meta({ description: 'The uploaded file of the billing tool\'s customers (file sources).' }),
}).meta({ id: 'ReconciliationStatus' });

export const reconciliationItemView = z.strictObject({
  n: z.number(),
  category: z.enum(CATEGORIES),
  name: z.string().nullable(),
  ferryId: z.string().nullable(),
  salesforceId: z.string().nullable(),
  sourceId: z.string().nullable().meta({ description: 'The billing tool\'s customer id.' }),
  detail: z.record(z.string(), z.unknown()).nullable().meta({ description: 'duplicate: the side, which key, and the records (up to 20) that share it; matched with a source record: which row.' }),
  differences: z.array(z.strictObject({
    field: z.string(), ferry: z.string().nullable().optional(), salesforce: z.string().nullable().optional(), source: z.string().nullable().optional(),
    dismissed: z.boolean().meta({ description: 'A person dismissed it (POST .../reconciliation/dismissals), and no value has changed since.' }),
  })).meta({ description: 'Compared fields whose values differ, with each side\'s value.' }),
}).meta({ id: 'ReconciliationItem' });

export const dismissalInput = z.strictObject({
  n: z.number().int().min(0).meta({ description: 'The item\'s number (n) in the latest report.' }),
  field: z.string().min(1).max(64).meta({ description: 'The compared field whose difference is dismissed.' }),
});

export const fileUploadInput = z.strictObject({
  format: z.enum(['csv', 'jsonl'], { error: 'must be "csv" or "jsonl"' }),
  content: z.string().min(1, 'must not be empty: the file\'s text'),
});

type ItemRow = { n: number; category: (typeof CATEGORIES)[number]; name: string | null; ferry_id: string | null; salesforce_id: string | null; source_id: string | null; detail: Record<string, unknown> | null; differences: z.infer<typeof reconciliationItemView>['differences'] };

/** Reports of reconciliation integrations, and their uploaded files. */
export class Reconciliations {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  async #row(orgId: string, id: string): Promise<Result<{ id: string }>> {
    const [row] = await this.#db.query<{ id: string; entity_type: string }>('SELECT id, entity_type FROM integrations WHERE org_id = $1 AND id = $2', [orgId, id]);
    if (row === undefined) return fail('not_found', `No integration has id ${id}.`);
    if (row.entity_type !== 'Reconciliation') return fail('validation_failed', 'Only Reconciliation integrations have reports and files.', [{ path: ['id'], message: `is a ${row.entity_type} integration` }]);
    return ok(row);
  }

  async uploadFile(orgId: string, id: string, body: unknown): Promise<Result<z.infer<typeof reconciliationStatusView>['file'] & { records: number }>> {
    const found = await this.#row(orgId, id);
    if (!found.ok) return found;
    const parsed = fileUploadInput.safeParse(body);
    if (!parsed.success) return fail('validation_failed', 'The upload is not valid.', parsed.error.issues.map((i) => ({ path: i.path.map((p) => (typeof p === 'symbol' ? String(p) : p)), message: i.message })));
    const [row] = await this.#db.query<{ reconciliation: { source: { kind: string; format?: string } } | null }>('SELECT reconciliation FROM integrations WHERE org_id = $1 AND id = $2', [orgId, id]);
    const source = row?.reconciliation?.source;
    if (source?.kind !== 'file') return fail('validation_failed', 'This reconciliation reads an HTTPS source, not a file.', [{ path: ['format'], message: 'set reconciliation.source to {"kind": "file", "format": ...} to upload files' }]);
    if (source.format !== parsed.data.format) {
      return fail('validation_failed', `This reconciliation reads ${String(source.format)} files.`, [{ path: ['format'], message: `is ${parsed.data.format}, but reconciliation.source.format is ${String(source.format)}: upload a ${String(source.format)} file, or change the setting first` }]);
    }
    const saved = await saveReconciliationFile(this.#db, orgId, id, parsed.data.format, parsed.data.content);
    if (!saved.ok) return fail('validation_failed', 'The file cannot be read; the previous one (if any) stays.', [{ path: ['content'], message: saved.message }]);
    return ok(saved.file);
  }

  async status(orgId: string, id: string): Promise<Result<z.infer<typeof reconciliationStatusView>>> {
    const found = await this.#row(orgId, id);
    if (!found.ok) return found;
    const [report] = await this.#db.query<{ run_id: string; created_at: Date; summary: z.infer<typeof reportSummary> }>(
      'SELECT run_id, created_at, summary FROM reconciliation_reports WHERE org_id = $1 AND integration_id = $2 ORDER BY run_id DESC LIMIT 1', [orgId, id],
    );
    return ok({
      report: report === undefined ? null : { runId: report.run_id, createdAt: report.created_at.toISOString(), summary: report.summary },
      file: (await reconciliationFileInfo(this.#db, orgId, id)) ?? null,
    });
  }

  /** Items of a report (the latest, or a run's), by category, in pages. */
  async items(orgId: string, id: string, query: { runId?: string | undefined; category?: string | undefined; after?: number | undefined; limit: number }): Promise<Result<{ runId: string | null; data: z.infer<typeof reconciliationItemView>[]; next: number | null }>> {
    const found = await this.#row(orgId, id);
    if (!found.ok) return found;
    const [report] = await this.#db.query<{ run_id: string }>(
      'SELECT run_id FROM reconciliation_reports WHERE org_id = $1 AND integration_id = $2 AND ($3::uuid IS NULL OR run_id = $3) ORDER BY run_id DESC LIMIT 1', [orgId, id, query.runId ?? null],
    );
    if (report === undefined) return query.runId === undefined ? ok({ runId: null, data: [], next: null }) : fail('not_found', `Run ${query.runId} wrote no report of this reconciliation.`);
    const rows = await this.#db.query<ItemRow>(
      `SELECT n, category, name, ferry_id, salesforce_id, source_id, detail, differences FROM reconciliation_items
       WHERE org_id = $1 AND run_id = $2 AND ($3::text IS NULL OR category = $3) AND n > $4 ORDER BY n LIMIT $5`,
      [orgId, report.run_id, query.category ?? null, query.after ?? -1, query.limit + 1],
    );
    const page = rows.slice(0, query.limit);
    return ok({
      runId: report.run_id,
      data: page.map((r) => ({ n: r.n, category: r.category, name: r.name, ferryId: r.ferry_id, salesforceId: r.salesforce_id, sourceId: r.source_id, detail: r.detail, differences: r.differences })),
      next: rows.length > query.limit ? page[page.length - 1]!.n : null,
    });
  }

  /** Items of the latest report by number, and its integration (for the actions on them). */
  async latestItems(orgId: string, id: string, ns: number[]): Promise<Result<{ integration: IntegrationRow; items: ItemRow[]; missing: number[] }>> {
    const found = await this.#row(orgId, id);
    if (!found.ok) return found;
    const [integration] = await this.#db.query<IntegrationRow>('SELECT * FROM integrations WHERE org_id = $1 AND id = $2', [orgId, id]);
    const [report] = await this.#db.query<{ run_id: string }>('SELECT run_id FROM reconciliation_reports WHERE org_id = $1 AND integration_id = $2 ORDER BY run_id DESC LIMIT 1', [orgId, id]);
    if (report === undefined) return fail('not_found', 'The reconciliation has no report yet: run it first.');
    const items = await this.#db.query<ItemRow>('SELECT n, category, name, ferry_id, salesforce_id, source_id, detail, differences FROM reconciliation_items WHERE org_id = $1 AND run_id = $2 AND n = ANY($3::int[]) ORDER BY n', [orgId, report.run_id, ns]);
    return ok({ integration: integration!, items, missing: ns.filter((n) => !items.some((i) => i.n === n)) });
  }

  /**
   * Dismisses a difference of the latest report: remembered for that group and field until one of
   * its values changes, and marked in the report at once.
   */
  async dismiss(orgId: string, id: string, body: unknown): Promise<Result<z.infer<typeof reconciliationItemView>>> {
    const found = await this.#row(orgId, id);
    if (!found.ok) return found;
    const parsed = dismissalInput.safeParse(body);
    if (!parsed.success) return fail('validation_failed', 'The dismissal is not valid.', parsed.error.issues.map((i) => ({ path: i.path.map((p) => (typeof p === 'symbol' ? String(p) : p)), message: i.message })));
    const [report] = await this.#db.query<{ run_id: string }>('SELECT run_id FROM reconciliation_reports WHERE org_id = $1 AND integration_id = $2 ORDER BY run_id DESC LIMIT 1', [orgId, id]);
    if (report === undefined) return fail('not_found', 'The reconciliation has no report yet.');
    const [item] = await this.#db.query<ItemRow>('SELECT n, category, name, ferry_id, salesforce_id, source_id, detail, differences FROM reconciliation_items WHERE org_id = $1 AND run_id = $2 AND n = $3', [orgId, report.run_id, parsed.data.n]);
    if (item === undefined) return fail('not_found', `The latest report has no item ${parsed.data.n}.`, [{ path: ['n'], message: 'no such item in the latest report' }]);
    const difference = item.differences.find((d) => d.field === parsed.data.field);
    if (difference === undefined) {
      return fail('validation_failed', 'That field does not differ in this item.', [{ path: ['field'], message: `item ${item.n} differs in ${item.differences.map((d) => d.field).join(', ') || 'no field'}` }]);
    }
    await this.#db.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO reconciliation_dismissals (org_id, integration_id, group_key, field, values_hash) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (org_id, integration_id, group_key, field) DO UPDATE SET values_hash = EXCLUDED.values_hash, dismissed_at = now()`,
        [orgId, id, groupKey(item), difference.field, valuesHash(difference)],
      );
      item.differences = item.differences.map((d) => (d.field === difference.field ? { ...d, dismissed: true } : d));
      await tx.query('UPDATE reconciliation_items SET differences = $4::jsonb WHERE org_id = $1 AND run_id = $2 AND n = $3', [orgId, report.run_id, item.n, JSON.stringify(item.differences)]);
    });
    return ok({ n: item.n, category: item.category, name: item.name, ferryId: item.ferry_id, salesforceId: item.salesforce_id, sourceId: item.source_id, detail: item.detail, differences: item.differences });
  }

  /**
   * A report as CSV: a row per compared field that differs (with each side's value), and a row for
   * each group without differences; duplicates name their side, key and records.
   */
  async csv(orgId: string, id: string, query: { runId?: string | undefined; category?: string | undefined }): Promise<Result<string>> {
    const header = ['category', 'name', 'salesforce_id', 'ferry_id', 'source_id', 'field', 'ferry', 'salesforce', 'source', 'dismissed', 'detail'];
    const chunks = [stringify([header])];
    let after: number | undefined;
    for (;;) {
      const page = await this.items(orgId, id, { ...query, after, limit: 1000 });
      if (!page.ok) return page;
      const rows: (string | null)[][] = [];
      for (const item of page.value.data) {
        const base = [item.category, item.name, item.salesforceId, item.ferryId, item.sourceId];
        const detail = item.category === 'duplicate' && item.detail !== null ? JSON.stringify(item.detail) : null;
        if (item.differences.length === 0) rows.push([...base, null, null, null, null, null, detail]);
        for (const d of item.differences) rows.push([...base, d.field, d.ferry ?? null, d.salesforce ?? null, d.source ?? null, d.dismissed ? 'true' : 'false', detail]);
      }
      chunks.push(stringify(rows));
      if (page.value.next === null) return ok(chunks.join(''));
      after = page.value.next;
    }
  }

  /** The matched share and the counts of the last reports, oldest first. */
  async trend(orgId: string, id: string, limit: number): Promise<Result<{ runId: string; createdAt: string; matchedShare: number; counts: z.infer<typeof counts> }[]>> {
    const found = await this.#row(orgId, id);
    if (!found.ok) return found;
    const rows = await this.#db.query<{ run_id: string; created_at: Date; summary: z.infer<typeof reportSummary> }>(
      'SELECT run_id, created_at, summary FROM reconciliation_reports WHERE org_id = $1 AND integration_id = $2 ORDER BY run_id DESC LIMIT $3', [orgId, id, limit],
    );
    return ok(rows.reverse().map((r) => ({ runId: r.run_id, createdAt: r.created_at.toISOString(), matchedShare: r.summary.matchedShare, counts: r.summary.counts })));
  }
}
