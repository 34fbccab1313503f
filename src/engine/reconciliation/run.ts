import { liveRecordIdsAfter, loadRecordsWithAccount, type RecordStore } from '../../platform/index.ts';
import type { SalesforceClient } from '../../salesforce/index.ts';
import type { Database, Queryable } from '../../storage/index.ts';
import { hashOf, type RunState } from '../delivery/context.ts';
import type { IntegrationRow } from '../integrations/integrations.ts';
import { readPath } from '../mapping/paths.ts';
import { CONTACT_FIELDS, importPeople, type PeopleSummary } from './people.ts';
import { OWNER_PATHS, type Category, type ReconciliationView } from './schemas.ts';

/**
 * A reconciliation run: the three sides are staged in reconciliation_rows a page at a time (so
 * memory holds a page, whatever the number of customers), matched in SQL by the keys each side
 * holds, and written as the run's report (reconciliation_items, reconciliation_reports). The
 * staging rows go when the run ends; a run that fails leaves the previous report as it was.
 */

export type Side = 'salesforce' | 'ferry' | 'source';
type Fields = Record<string, string | null>;

export interface ReconcileContext {
  db: Database;
  store: RecordStore;
  integration: IntegrationRow;
  config: ReconciliationView;
  runId: string;
  client: SalesforceClient;
  salesforceOrgId: string;
  state: RunState;
  /** Pages of the billing tool's records, from the configured source. */
  source: () => AsyncIterable<Record<string, unknown>[]>;
  /** Above this many Salesforce Accounts, they are read by a Bulk API 2.0 query. */
  bulkThreshold: number;
  onProgress: (progress: { step: string; done: number; total: number }) => Promise<void>;
}

export interface Difference {
  field: string;
  ferry?: string | null;
  salesforce?: string | null;
  source?: string | null;
  /** A person dismissed it, and no value has changed since. */
  dismissed: boolean;
}

/** A group's identity across runs: the record on each side. */
export function groupKey(item: { salesforce_id: string | null; ferry_id: string | null; source_id: string | null }): string {
  return `${item.salesforce_id ?? ''}|${item.ferry_id ?? ''}|${item.source_id ?? ''}`;
}

/** The values a dismissal holds to: a new value on any side brings the difference back. */
export function valuesHash(difference: { ferry?: string | null | undefined; salesforce?: string | null | undefined; source?: string | null | undefined }): string {
  return hashOf([difference.ferry ?? null, difference.salesforce ?? null, difference.source ?? null]);
}

export interface ReportSummary {
  counts: Record<Category, number>;
  /** Records read on each side. */
  read: Record<Side, number>;
  /** Matched groups with at least one field difference nobody dismissed. */
  withDifferences: number;
  /** Share of the Salesforce Accounts matched on all three sides (0 to 1). */
  matchedShare: number;
  /** What the run brought into Ferry for the matched accounts: owners, contacts (when set to). */
  people?: PeopleSummary | undefined;
}

const PAGE = 1000;

interface StagedRow { record_id: string; salesforce_id: string | null; source_id: string | null; name: string | null; fields: Fields }

/** A value as the report compares it: text, trimmed; empty is no value. */
function text(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  const s = (typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : JSON.stringify(value)).trim();
  return s === '' ? null : s;
}

async function stage(db: Queryable, orgId: string, runId: string, side: Side | 'contact', rows: StagedRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += PAGE) {
    const chunk = rows.slice(i, i + PAGE);
    await db.query(
      `INSERT INTO reconciliation_rows (org_id, run_id, side, record_id, salesforce_id, source_id, name, fields)
       SELECT $1, $2, $3, r.record_id, r.salesforce_id, r.source_id, r.name, r.fields::jsonb
       FROM unnest($4::text[], $5::text[], $6::text[], $7::text[], $8::text[]) AS r(record_id, salesforce_id, source_id, name, fields)
       ON CONFLICT DO NOTHING`,
      [orgId, runId, side, chunk.map((r) => r.record_id), chunk.map((r) => r.salesforce_id), chunk.map((r) => r.source_id), chunk.map((r) => r.name), chunk.map((r) => JSON.stringify(r.fields))],
    );
  }
}

/** Salesforce Accounts: each names itself by Id and the billing tool by the configured field. */
async function stageSalesforce(context: ReconcileContext): Promise<number> {
  const { client, config, db, integration, runId } = context;
  const compared = context.config.fields.filter((f) => f.salesforce !== null);
  const columns = [...new Set(['Id', 'Name', config.salesforceBillingIdField, ...compared.map((f) => f.salesforce!), ...(config.importOwners ? ['Owner.Email', 'Owner.Name'] : [])])];
  const soql = `SELECT ${columns.join(', ')} FROM Account`;
  const toRow = (r: Record<string, unknown>): StagedRow => ({
    record_id: String(r.Id),
    salesforce_id: String(r.Id),
    source_id: text(r[config.salesforceBillingIdField]),
    name: text(r.Name),
    fields: {
      ...Object.fromEntries(compared.map((f) => [f.name, text(salesforceValue(r, f.salesforce!))])),
      // The owner, for the assigned user (read after matching): REST nests it, Bulk flattens it.
      ...(config.importOwners ? { '@ownerEmail': text(r['Owner.Email'] ?? ownerOf(r)?.Email), '@ownerName': text(r['Owner.Name'] ?? ownerOf(r)?.Name) } : {}),
    },
  });
  const count = await client.count('SELECT COUNT() FROM Account', 'Account');
  let read = 0;
  if (count > context.bulkThreshold) {
    await client.bulkQueryPages(soql, 'Account', 10_000, async (rows) => {
      await stage(db, integration.org_id, runId, 'salesforce', rows.map(toRow));
      read += rows.length;
      await context.onProgress({ step: 'reading Salesforce Accounts', done: read, total: count });
    });
    return read;
  }
  const rows = await client.query<Record<string, unknown>>(soql, 'Account');
  await stage(db, integration.org_id, runId, 'salesforce', rows.map(toRow));
  return rows.length;
}

/** A field of a record as read: its own, or of a record it looks up ("Owner.Email": nested by REST, flat by Bulk). */
function salesforceValue(r: Record<string, unknown>, path: string): unknown {
  if (path in r) return r[path];
  const [relationship, field] = path.split('.');
  if (field === undefined) return undefined;
  const parent = r[relationship!];
  return typeof parent === 'object' && parent !== null ? (parent as Record<string, unknown>)[field] : undefined;
}

function ownerOf(r: Record<string, unknown>): Record<string, unknown> | undefined {
  const owner = r.Owner;
  return typeof owner === 'object' && owner !== null ? (owner as Record<string, unknown>) : undefined;
}

/**
 * The Salesforce contacts of Accounts (when Salesforce is the source of contact data), staged on
 * the "contact" side by their Id, naming their Account; only those of matched Accounts are used.
 */
async function stageContacts(context: ReconcileContext): Promise<number> {
  const { client, db, integration, runId } = context;
  const soql = `SELECT ${CONTACT_FIELDS.join(', ')} FROM Contact WHERE AccountId != null`;
  const toRow = (r: Record<string, unknown>): StagedRow => ({
    record_id: String(r.Id),
    salesforce_id: text(r.AccountId),
    source_id: null,
    name: null,
    fields: Object.fromEntries(CONTACT_FIELDS.map((f) => [f, text(r[f])])),
  });
  const count = await client.count('SELECT COUNT() FROM Contact WHERE AccountId != null', 'Contact');
  if (count > context.bulkThreshold) {
    let read = 0;
    await client.bulkQueryPages(soql, 'Contact', 10_000, async (rows) => {
      await stage(db, integration.org_id, runId, 'contact', rows.map(toRow));
      read += rows.length;
      await context.onProgress({ step: 'reading Salesforce contacts', done: read, total: count });
    });
    return read;
  }
  const rows = await client.query<Record<string, unknown>>(soql, 'Contact');
  await stage(db, integration.org_id, runId, 'contact', rows.map(toRow));
  return rows.length;
}

/** Ids of external mappings of accounts in one system and table, for these accounts. */
async function mapped(db: Queryable, orgId: string, ids: string[], mapping: { externalSystem: string; externalTable: string }): Promise<Map<string, string>> {
  const rows = await db.query<{ entity_id: string; external_id: string }>(
    `SELECT data->>'entityId' AS entity_id, data->>'externalId' AS external_id FROM records
     WHERE org_id = $1 AND entity = 'external-mappings' AND deleted_at IS NULL AND data->>'entity' = 'accounts'
       AND data->>'externalSystem' = $2 AND data->>'externalTable' = $3 AND data->>'entityId' = ANY($4::text[])
     ORDER BY id`,
    [orgId, mapping.externalSystem, mapping.externalTable, ids],
  );
  const out = new Map<string, string>();
  for (const r of rows) if (!out.has(r.entity_id)) out.set(r.entity_id, r.external_id);
  return out;
}

/** Ferry accounts, by cursor: each names Salesforce by its link (or mapping), the billing tool by a field or mapping. */
async function stageFerry(context: ReconcileContext): Promise<number> {
  const { config, db, integration, runId, salesforceOrgId } = context;
  const orgId = integration.org_id;
  const compared = config.fields.filter((f) => f.ferry !== null);
  let after = '00000000-0000-0000-0000-000000000000';
  let read = 0;
  for (;;) {
    const ids = await liveRecordIdsAfter(db, orgId, 'accounts', after, PAGE);
    if (ids.length === 0) return read;
    after = ids[ids.length - 1]!;
    const records = await loadRecordsWithAccount(db, orgId, 'accounts', ids);
    let toSalesforce: Map<string, string>;
    if (config.ferryToSalesforce === 'links') {
      const links = await db.query<{ entity_id: string; salesforce_id: string }>(
        `SELECT DISTINCT ON (entity_id) entity_id, salesforce_id FROM links
         WHERE org_id = $1 AND entity = 'accounts' AND salesforce_org_id = $2 AND entity_id = ANY($3::uuid[]) ORDER BY entity_id, synced_at DESC`,
        [orgId, salesforceOrgId, ids],
      );
      toSalesforce = new Map(links.map((l) => [l.entity_id, l.salesforce_id]));
    } else {
      toSalesforce = await mapped(db, orgId, ids, config.ferryToSalesforce.externalMapping);
    }
    // The assigned users of the page, for compared owner fields (owner.email, owner.name).
    const owners = new Map<string, Record<string, unknown>>();
    const ownerIds = compared.some((f) => (OWNER_PATHS as readonly string[]).includes(f.ferry!)) ? [...new Set(records.map(({ record }) => record.ownerUserId).filter((v): v is string => typeof v === 'string'))] : [];
    if (ownerIds.length > 0) {
      for (const user of await db.query<{ id: string; data: Record<string, unknown> }>("SELECT id, data FROM records WHERE org_id = $1 AND entity = 'users' AND deleted_at IS NULL AND id = ANY($2::uuid[])", [orgId, ownerIds])) owners.set(user.id, user.data);
    }
    const ferryValue = (record: Record<string, unknown>, path: string): unknown => {
      if (!(OWNER_PATHS as readonly string[]).includes(path)) return readPath(record, path);
      const owner = typeof record.ownerUserId === 'string' ? owners.get(record.ownerUserId) : undefined;
      return owner?.[path === 'owner.email' ? 'email' : 'name'];
    };
    const ferryToSource = config.ferryToSource;
    const toSource = 'externalMapping' in ferryToSource ? await mapped(db, orgId, ids, ferryToSource.externalMapping) : undefined;
    await stage(db, orgId, runId, 'ferry', records.map(({ record }) => ({
      record_id: record.id,
      salesforce_id: toSalesforce.get(record.id) ?? null,
      source_id: toSource !== undefined ? (toSource.get(record.id) ?? null) : 'field' in ferryToSource ? text(readPath(record, ferryToSource.field)) : null,
      name: text(record.name),
      fields: Object.fromEntries(compared.map((f) => [f.name, text(ferryValue(record, f.ferry!))])),
    })));
    read += records.length;
    await context.onProgress({ step: 'reading Ferry accounts', done: read, total: read });
  }
}

/** The billing tool's customers, a page at a time from the source. */
async function stageSource(context: ReconcileContext): Promise<number> {
  const { config, db, integration, runId } = context;
  const compared = config.fields.filter((f) => f.source !== null);
  const named = compared.find((f) => f.name === 'name');
  let read = 0;
  for await (const page of context.source()) {
    await stage(db, integration.org_id, runId, 'source', page.map((record, i) => ({
      record_id: `row ${read + i + 1}`,
      salesforce_id: config.sourceSalesforceIdField === null ? null : text(readPath(record, config.sourceSalesforceIdField)),
      source_id: text(readPath(record, config.sourceIdField)),
      name: named === undefined ? null : text(readPath(record, named.source!)),
      fields: Object.fromEntries(compared.map((f) => [f.name, text(readPath(record, f.source!))])),
    })));
    read += page.length;
    await context.onProgress({ step: 'reading the billing tool\'s customers', done: read, total: read });
  }
  return read;
}

interface Group {
  category: Category;
  salesforce: { id: string; name: string | null; fields: Fields } | null;
  ferry: { id: string; name: string | null; fields: Fields } | null;
  source: { id: string; key: string | null; name: string | null; fields: Fields } | null;
}

/** Where the sides of a group disagree on a compared field (two sides at least have it). */
function differencesOf(config: ReconciliationView, group: Group): Difference[] {
  const out: Difference[] = [];
  for (const field of config.fields) {
    const values: Partial<Record<Side, string | null>> = {};
    if (field.salesforce !== null && group.salesforce !== null) values.salesforce = group.salesforce.fields[field.name] ?? null;
    if (field.ferry !== null && group.ferry !== null) values.ferry = group.ferry.fields[field.name] ?? null;
    if (field.source !== null && group.source !== null) values.source = group.source.fields[field.name] ?? null;
    const present = Object.values(values);
    if (present.length < 2) continue;
    if (new Set(present).size > 1) out.push({ field: field.name, ...values, dismissed: false });
  }
  return out;
}

interface ItemRow { category: Category; ferry_id: string | null; salesforce_id: string | null; source_id: string | null; name: string | null; detail: unknown; differences: Difference[] }

async function writeItems(db: Queryable, orgId: string, runId: string, start: number, items: ItemRow[]): Promise<void> {
  if (items.length === 0) return;
  await db.query(
    `INSERT INTO reconciliation_items (org_id, run_id, n, category, ferry_id, salesforce_id, source_id, name, detail, differences)
     SELECT $1, $2, $3 + r.i, r.category, r.ferry_id, r.salesforce_id, r.source_id, r.name, r.detail::jsonb, r.differences::jsonb
     FROM unnest($4::int[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[]) AS r(i, category, ferry_id, salesforce_id, source_id, name, detail, differences)`,
    [orgId, runId, start, items.map((_, i) => i), items.map((r) => r.category), items.map((r) => r.ferry_id), items.map((r) => r.salesforce_id), items.map((r) => r.source_id),
      items.map((r) => r.name), items.map((r) => (r.detail === null ? null : JSON.stringify(r.detail))), items.map((r) => JSON.stringify(r.differences))],
  );
}

type Joined = { sf_id: string | null; sf_name: string | null; sf_fields: Fields | null; f_id: string | null; f_name: string | null; f_fields: Fields | null; s_id: string | null; s_key: string | null; s_name: string | null; s_fields: Fields | null };

function groupOf(row: Joined): Omit<Group, 'category'> {
  return {
    salesforce: row.sf_id === null ? null : { id: row.sf_id, name: row.sf_name, fields: row.sf_fields ?? {} },
    ferry: row.f_id === null ? null : { id: row.f_id, name: row.f_name, fields: row.f_fields ?? {} },
    source: row.s_id === null ? null : { id: row.s_id, key: row.s_key, name: row.s_name, fields: row.s_fields ?? {} },
  };
}

function categoryOf(g: Omit<Group, 'category'>): Category {
  const sides = [g.salesforce !== null, g.ferry !== null, g.source !== null];
  if (sides.every(Boolean)) return 'all_three';
  if (sides[0] && sides[1]) return 'salesforce_ferry';
  if (sides[0] && sides[2]) return 'salesforce_source';
  if (sides[1] && sides[2]) return 'ferry_source';
  return sides[0] ? 'salesforce_only' : sides[1] ? 'ferry_only' : 'source_only';
}

/**
 * Matches the staged sides and writes the report: every Salesforce Account with the Ferry account
 * linked to it and the billing tool's customer that names it (by Id), that it names (by the
 * billing id field) or that its Ferry account names, in that order; then every Ferry account no Salesforce Account matched, with the customer it
 * names; then the customers nothing named; then the keys several records of one side share.
 */
async function match(context: ReconcileContext): Promise<ReportSummary['counts'] & { withDifferences: number }> {
  const { db, integration, runId, config } = context;
  const orgId = integration.org_id;
  const counts: Record<Category, number> = { all_three: 0, salesforce_ferry: 0, salesforce_source: 0, ferry_source: 0, salesforce_only: 0, ferry_only: 0, source_only: 0, duplicate: 0 };
  let withDifferences = 0;
  let n = 0;
  const emit = async (rows: Joined[]) => {
    const items = rows.map((row): ItemRow => {
      const group = groupOf(row);
      const category = categoryOf(group);
      counts[category]++;
      return {
        category, ferry_id: group.ferry?.id ?? null, salesforce_id: group.salesforce?.id ?? null, source_id: group.source?.key ?? null,
        name: group.salesforce?.name ?? group.ferry?.name ?? group.source?.name ?? null, detail: group.source === null ? null : { sourceRecord: group.source.id },
        differences: differencesOf(config, { ...group, category }),
      };
    });
    // Differences a person dismissed stay dismissed while their values are the same.
    const keyed = items.filter((i) => i.differences.length > 0);
    if (keyed.length > 0) {
      const dismissed = await db.query<{ group_key: string; field: string; values_hash: string }>(
        'SELECT group_key, field, values_hash FROM reconciliation_dismissals WHERE org_id = $1 AND integration_id = $2 AND group_key = ANY($3::text[])',
        [orgId, integration.id, keyed.map(groupKey)],
      );
      const held = new Set(dismissed.map((d) => `${d.group_key}/${d.field}/${d.values_hash}`));
      for (const item of keyed) for (const d of item.differences) d.dismissed = held.has(`${groupKey(item)}/${d.field}/${valuesHash(d)}`);
    }
    for (const item of items) if (item.differences.some((d) => !d.dismissed)) withDifferences++;
    await writeItems(db, orgId, runId, n, items);
    n += items.length;
  };
  const rows = (side: Side) => `(SELECT * FROM reconciliation_rows WHERE org_id = $1 AND run_id = $2 AND side = '${side}')`;
  // The first of the records naming a key: a source record by the Account it names or by its own
  // id, a Ferry account by the Account it is linked to.
  const first = (side: Side, key: 'salesforce_id' | 'source_id') =>
    `(SELECT DISTINCT ON (${key}) record_id, salesforce_id, source_id FROM ${rows(side)} x WHERE ${key} IS NOT NULL ORDER BY ${key}, record_id)`;
  // Each pass is matched in one statement (hash joins over the staged sides) into
  // reconciliation_groups, then read back a page at a time by the anchor's id to be compared.
  const pass = async (number: number, select: string) => {
    await db.query(`INSERT INTO reconciliation_groups (org_id, run_id, pass, anchor, sf_id, f_id, s_id) SELECT $1, $2, ${number}, g.anchor, g.sf_id, g.f_id, g.s_id FROM (${select}) g`, [orgId, runId]);
    let after = '';
    for (;;) {
      const page = await db.query<Joined & { anchor: string }>(`
        SELECT g.anchor, sf.record_id AS sf_id, sf.name AS sf_name, sf.fields AS sf_fields, f.record_id AS f_id, f.name AS f_name, f.fields AS f_fields,
               s.record_id AS s_id, s.source_id AS s_key, s.name AS s_name, s.fields AS s_fields
        FROM reconciliation_groups g
        LEFT JOIN reconciliation_rows sf ON sf.org_id = g.org_id AND sf.run_id = g.run_id AND sf.side = 'salesforce' AND sf.record_id = g.sf_id
        LEFT JOIN reconciliation_rows f ON f.org_id = g.org_id AND f.run_id = g.run_id AND f.side = 'ferry' AND f.record_id = g.f_id
        LEFT JOIN reconciliation_rows s ON s.org_id = g.org_id AND s.run_id = g.run_id AND s.side = 'source' AND s.record_id = g.s_id
        WHERE g.org_id = $1 AND g.run_id = $2 AND g.pass = ${number} AND g.anchor > $3 ORDER BY g.anchor LIMIT $4`, [orgId, runId, after, PAGE]);
      if (page.length === 0) return;
      after = page[page.length - 1]!.anchor;
      await emit(page);
      await context.onProgress({ step: 'matching', done: n, total: n });
    }
  };
  // Every Account, with its Ferry account and the customer that names it, that it names, or that
  // its Ferry account names (in that order).
  await pass(1, `
    SELECT sf.record_id AS anchor, sf.record_id AS sf_id, f.record_id AS f_id, COALESCE(s1.record_id, s2.record_id, s3.record_id) AS s_id
    FROM ${rows('salesforce')} sf
    LEFT JOIN ${first('ferry', 'salesforce_id')} f ON f.salesforce_id = sf.record_id
    LEFT JOIN ${first('source', 'salesforce_id')} s1 ON s1.salesforce_id = sf.record_id
    LEFT JOIN ${first('source', 'source_id')} s2 ON s2.source_id = sf.source_id
    LEFT JOIN ${first('source', 'source_id')} s3 ON s3.source_id = f.source_id`);
  // Every Ferry account no Account matched, with the customer it names.
  await pass(2, `
    SELECT f.record_id AS anchor, NULL AS sf_id, f.record_id AS f_id, s.record_id AS s_id
    FROM ${rows('ferry')} f
    LEFT JOIN ${first('source', 'source_id')} s ON s.source_id = f.source_id
    WHERE NOT EXISTS (SELECT 1 FROM ${rows('salesforce')} sf WHERE sf.record_id = f.salesforce_id)`);
  // The customers nothing named.
  await pass(3, `
    SELECT s.record_id AS anchor, NULL AS sf_id, NULL AS f_id, s.record_id AS s_id
    FROM ${rows('source')} s
    WHERE NOT EXISTS (SELECT 1 FROM ${rows('salesforce')} sf WHERE sf.record_id = s.salesforce_id)
      AND NOT EXISTS (SELECT 1 FROM ${rows('salesforce')} sf WHERE sf.source_id = s.source_id)
      AND NOT EXISTS (SELECT 1 FROM ${rows('ferry')} f WHERE f.source_id = s.source_id)`);
  // Keys several records of one side hold: the billing id on Salesforce, on Ferry or in the
  // source; the Salesforce Account on Ferry or in the source.
  const duplicates = await db.query<{ side: Side; key_kind: 'salesforce_id' | 'source_id'; key: string; records: string[]; total: number }>(`
    SELECT side, 'source_id' AS key_kind, source_id AS key, (array_agg(record_id ORDER BY record_id))[1:20] AS records, count(*)::int AS total
      FROM reconciliation_rows WHERE org_id = $1 AND run_id = $2 AND side <> 'contact' AND source_id IS NOT NULL GROUP BY side, source_id HAVING count(*) > 1
    UNION ALL
    SELECT side, 'salesforce_id', salesforce_id, (array_agg(record_id ORDER BY record_id))[1:20], count(*)::int
      FROM reconciliation_rows WHERE org_id = $1 AND run_id = $2 AND side IN ('ferry', 'source') AND salesforce_id IS NOT NULL GROUP BY side, salesforce_id HAVING count(*) > 1
    ORDER BY 1, 2, 3`, [orgId, runId]);
  const items = duplicates.map((d): ItemRow => {
    counts.duplicate++;
    return {
      category: 'duplicate',
      ferry_id: null, salesforce_id: d.key_kind === 'salesforce_id' ? d.key : null, source_id: d.key_kind === 'source_id' ? d.key : null, name: null,
      detail: { side: d.side, key: d.key_kind === 'salesforce_id' ? 'Salesforce Account Id' : 'billing id', records: d.records, total: d.total },
      differences: [],
    };
  });
  for (let i = 0; i < items.length; i += PAGE) {
    await writeItems(db, orgId, runId, n, items.slice(i, i + PAGE));
    n += Math.min(PAGE, items.length - i);
  }
  return { ...counts, withDifferences };
}

/** Runs a reconciliation and writes its report; the staging rows go whatever happens. */
export async function reconcile(context: ReconcileContext): Promise<ReportSummary> {
  const { db, integration, runId } = context;
  const orgId = integration.org_id;
  const emptyStaging = async () => {
    await db.query('DELETE FROM reconciliation_rows WHERE org_id = $1 AND run_id = $2', [orgId, runId]);
    await db.query('DELETE FROM reconciliation_groups WHERE org_id = $1 AND run_id = $2', [orgId, runId]);
  };
  await emptyStaging();
  await db.query('DELETE FROM reconciliation_items WHERE org_id = $1 AND run_id = $2', [orgId, runId]);
  try {
    const read = { salesforce: await stageSalesforce(context), ferry: await stageFerry(context), source: await stageSource(context) };
    if (context.config.contactSource === 'salesforce') await stageContacts(context);
    // Fresh statistics, so the matching joins the staged sides by hash (not by a loop per row).
    await db.query('ANALYZE reconciliation_rows');
    const { withDifferences, ...counts } = await match(context);
    const summary: ReportSummary = { counts, read, withDifferences, matchedShare: read.salesforce === 0 ? 0 : counts.all_three / read.salesforce };
    if (context.config.importOwners || context.config.contactSource === 'salesforce') {
      await context.onProgress({ step: 'importing owners and contacts', done: 0, total: counts.all_three + counts.salesforce_ferry });
      summary.people = await importPeople(context);
    }
    await db.query('INSERT INTO reconciliation_reports (org_id, run_id, integration_id, summary) VALUES ($1, $2, $3, $4)', [orgId, runId, integration.id, JSON.stringify(summary)]);
    const total = read.salesforce + read.ferry + read.source;
    await context.onProgress({ step: 'done', done: total, total });
    return summary;
  } catch (error) {
    await db.query('DELETE FROM reconciliation_items WHERE org_id = $1 AND run_id = $2', [orgId, runId]);
    throw error;
  } finally {
    await emptyStaging();
  }
}
