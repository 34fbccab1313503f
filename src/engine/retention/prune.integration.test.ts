import { randomUUID } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase } from '../../../test/db.ts';
import { createOrganization } from '../../platform/index.ts';
import type { Database } from '../../storage/index.ts';
import { prune } from './prune.ts';
import { retentionSettings, type RetentionOptions } from './settings.ts';
import { ferryStatus } from './status.ts';

let db: Database;

beforeAll(async () => {
  db = await openTestDatabase();
});
afterAll(async () => {
  await db.close();
});

const settings = (options: RetentionOptions = {}) => retentionSettings(options);
const pruneNow = (options: RetentionOptions = {}, on: Database = db) => prune(on, { settings: settings(options), trigger: 'manual' });
const statusOf = (orgId: string) => ferryStatus(db, { settings: settings(), pruneSchedule: null, orgId, deadAfterMs: 10_000 });

async function newOrg(name: string): Promise<string> {
  return (await createOrganization(db, name)).organization.id;
}

/** An integration row as pruning reads it (type, switch, direction, watermark). */
async function integration(orgId: string, name: string, entityType: string, options: { enabled?: boolean; direction?: string; cursorSeq?: number } = {}): Promise<string> {
  const id = uuidv7();
  await db.query(
    `INSERT INTO integrations (org_id, id, name, entity_type, enabled, settings, trigger, delivery, sync, cursor_seq)
     VALUES ($1, $2, $3, $4, $5, '{}', '{}', '{}', $6::jsonb, $7)`,
    [orgId, id, name, entityType, options.enabled ?? true, JSON.stringify(options.direction === undefined ? {} : { direction: options.direction }), options.cursorSeq ?? 0],
  );
  return id;
}

const setCursor = (orgId: string, id: string, seq: number) => db.query('UPDATE integrations SET cursor_seq = $3 WHERE org_id = $1 AND id = $2', [orgId, id, seq]);

/** `count` journal entries of an entity written `daysAgo` days ago; their seqs. */
async function entries(orgId: string, entity: string, count: number, daysAgo: number): Promise<number[]> {
  const seqs: number[] = [];
  for (let i = 0; i < count; i++) {
    const [row] = await db.query<{ seq: string }>(
      `INSERT INTO journal (org_id, entity, entity_id, operation, version, origin, changed_fields, at)
       VALUES ($1, $2, $3, 'update', 1, 'api', '{name}', now() - make_interval(days => $4)) RETURNING seq::text AS seq`,
      [orgId, entity, randomUUID(), daysAgo],
    );
    seqs.push(Number(row!.seq));
  }
  return seqs;
}

async function journalSeqs(orgId: string): Promise<number[]> {
  return (await db.query<{ seq: string }>('SELECT seq::text AS seq FROM journal WHERE org_id = $1 ORDER BY seq', [orgId])).map((r) => Number(r.seq));
}

describe('pruning the journal', () => {
  it('removes old entries every enabled integration passed, keeps those one has not, and names it', async () => {
    const org = await newOrg('Journal holds');
    const other = await newOrg('Another organization');
    const accounts = await integration(org, 'Accounts to Salesforce', 'Account');
    const bills = await integration(org, 'Bills to Salesforce', 'Bill');
    const oldAccounts = await entries(org, 'accounts', 10, 40);
    const oldBills = await entries(org, 'bills', 5, 40);
    // Nobody follows contracts here, but their entries come after the first bill Bills still needs.
    const oldContracts = await entries(org, 'contracts', 2, 40);
    const recent = await entries(org, 'accounts', 3, 1);
    const otherOld = await entries(other, 'accounts', 4, 40);
    await setCursor(org, accounts, recent.at(-1)!);
    await setCursor(org, bills, oldBills[1]!);

    const report = await pruneNow();

    // Gone: the old entries up to the first one Bills has not passed. Kept: that one and every
    // later entry, and the recent ones; the other organization (no integration) loses its old ones.
    expect(await journalSeqs(org)).toEqual([...oldBills.slice(2), ...oldContracts, ...recent]);
    expect(await journalSeqs(other)).toEqual([]);
    expect(report.removed.journal).toBe(oldAccounts.length + 2 + otherOld.length);
    expect(report.held).toEqual([expect.objectContaining({ orgId: org, integrationId: bills, name: 'Bills to Salesforce', cursorSeq: oldBills[1], entriesHeld: 5 })]);
    expect(report.gaps).toEqual([]);

    const status = await statusOf(org);
    expect(status.journal).toHaveLength(1);
    expect(status.journal[0]).toMatchObject({
      orgId: org, entries: 8, oldestSeq: oldBills[2], newestSeq: recent.at(-1), olderThanRetention: 5, prunedThroughSeq: oldBills[1],
      heldBy: { integrationId: bills, name: 'Bills to Salesforce', entityType: 'Bill', cursorSeq: oldBills[1], pendingEntries: 3, pastRetention: true },
      catchingUp: [],
    });
    expect(status.lastPruning).toMatchObject({ id: report.id, trigger: 'manual', removed: report.removed, held: report.held, error: null });
    // Another organization's status names no integration of this one.
    expect((await statusOf(other)).lastPruning?.held).toEqual([]);

    // Once Bills passes them, they go.
    await setCursor(org, bills, oldBills.at(-1)!);
    const again = await pruneNow();
    expect(again.held.filter((h) => h.orgId === org)).toEqual([]);
    expect(await journalSeqs(org)).toEqual(recent);
    expect((await statusOf(org)).journal[0]!.heldBy).toBeNull();
  });

  it('keeps everything while the retention is "forever", and what is younger than the retention', async () => {
    const org = await newOrg('Forever');
    await integration(org, 'Accounts', 'Account', { cursorSeq: Number.MAX_SAFE_INTEGER });
    const old = await entries(org, 'accounts', 3, 400);
    expect((await pruneNow({ journalDays: null })).removed.journal).toBe(0);
    const young = await entries(org, 'accounts', 2, 20);
    await pruneNow({ journalDays: 30 });
    expect(await journalSeqs(org)).toEqual(young);
    expect(old.every((seq) => seq < young[0]!)).toBe(true);
  });

  it('lets a disabled integration\'s unsent entries go, marks it to catch up and says so once; an enabled one that only reads does not hold either', async () => {
    const org = await newOrg('Disabled');
    const accounts = await integration(org, 'Accounts', 'Account');
    const contacts = await integration(org, 'Contacts (disabled)', 'Contact', { enabled: false });
    const readOnly = await integration(org, 'Accounts from Salesforce', 'Account', { direction: 'from_salesforce' });
    // Imports and reconciliations read everything at each run: they never hold the journal.
    const catalogue = await integration(org, 'Catalogue', 'Catalogue');
    const oldAccounts = await entries(org, 'accounts', 3, 50);
    const oldContacts = await entries(org, 'contacts', 4, 45);
    await setCursor(org, accounts, oldAccounts.at(-1)!);
    const [firstLost] = await db.query<{ at: Date }>('SELECT at FROM journal WHERE seq = $1', [oldContacts[0]]);

    const report = await pruneNow();

    expect(await journalSeqs(org)).toEqual([]);
    expect(report.held.filter((h) => h.orgId === org)).toEqual([]);
    expect(report.gaps.filter((g) => g.orgId === org).map((g) => g.integrationId).sort()).toEqual([contacts, readOnly].sort());
    const gaps = await db.query<{ id: string; journal_gap: { since: string } | null }>('SELECT id, journal_gap FROM integrations WHERE org_id = $1 ORDER BY id', [org]);
    const gapOf = (id: string) => gaps.find((g) => g.id === id)!.journal_gap;
    expect(gapOf(accounts)).toBeNull();
    expect(gapOf(catalogue)).toBeNull();
    // An hour before the oldest entry it lost: deletes committed a little out of order are looked at too.
    expect(Date.parse(gapOf(contacts)!.since)).toBe(firstLost!.at.getTime() - 3600_000);
    const events = await db.query<{ integration_id: string; name: string; message: string }>('SELECT integration_id, name, message FROM events WHERE org_id = $1', [org]);
    expect(events).toEqual([{ integration_id: contacts, name: 'integration.journal_gap.warning', message: expect.stringContaining('its next delivery sends every record that differs from what it last sent, and the deletions since then') }]);
    expect((await statusOf(org)).journal[0]!.catchingUp.map((c) => c.integrationId).sort()).toEqual([contacts, readOnly].sort());

    // More of its entries go later: still one event, and the gap keeps its start.
    await entries(org, 'contacts', 2, 40);
    const later = await pruneNow();
    expect(await journalSeqs(org)).toEqual([]);
    expect(later.gaps.filter((g) => g.orgId === org)).toEqual([]);
    expect(await db.query('SELECT 1 FROM events WHERE org_id = $1', [org])).toHaveLength(1);
    expect((await db.query<{ journal_gap: { since: string } }>('SELECT journal_gap FROM integrations WHERE org_id = $1 AND id = $2', [org, contacts]))[0]!.journal_gap.since).toBe(gapOf(contacts)!.since);

    // Enabled again, it holds the journal like any other.
    await db.query('UPDATE integrations SET enabled = true WHERE org_id = $1 AND id = $2', [org, contacts]);
    const pending = await entries(org, 'contacts', 2, 40);
    const held = await pruneNow();
    expect(held.held.filter((h) => h.orgId === org)).toEqual([expect.objectContaining({ integrationId: contacts, entriesHeld: 2 })]);
    expect(await journalSeqs(org)).toEqual(pending);
  });

  it('leaves the organization\'s journal alone when an integration it would mark was enabled meanwhile', async () => {
    const org = await newOrg('Enabled meanwhile');
    const contacts = await integration(org, 'Contacts', 'Contact', { enabled: false });
    const old = await entries(org, 'contacts', 3, 45);
    // A database on which the integration is enabled between the reading of the integrations and
    // the marking: the guarded UPDATE finds it holding the journal now.
    let enabled = false;
    const racing: Database = {
      ...db,
      query: async <Row>(sql: string, params?: readonly unknown[]) => {
        if (!enabled && sql.includes('UPDATE integrations SET journal_gap')) {
          enabled = true;
          await db.query('UPDATE integrations SET enabled = true WHERE org_id = $1 AND id = $2', [org, contacts]);
        }
        return db.query<Row>(sql, params);
      },
    };
    const report = await pruneNow({}, racing);
    expect(enabled).toBe(true);
    expect(report.gaps.filter((g) => g.orgId === org)).toEqual([]);
    expect(await journalSeqs(org)).toEqual(old);
    expect((await db.query<{ journal_gap: unknown }>('SELECT journal_gap FROM integrations WHERE org_id = $1 AND id = $2', [org, contacts]))[0]!.journal_gap).toBeNull();
    // The next pruning sees it enabled: it holds its entries.
    expect((await pruneNow()).held.filter((h) => h.orgId === org)).toEqual([expect.objectContaining({ integrationId: contacts, entriesHeld: 3 })]);
  });
});

describe('pruning runs, events, logs and conflicts', () => {
  async function run(orgId: string, integrationId: string, status: string, daysAgo: number): Promise<string> {
    const id = uuidv7();
    await db.query(
      `INSERT INTO runs (org_id, id, integration_id, trigger, mode, status, created_at) VALUES ($1, $2, $3, 'manual', 'incremental', $4, now() - make_interval(days => $5))`,
      [orgId, id, integrationId, status, daysAgo],
    );
    return id;
  }

  async function report(orgId: string, integrationId: string, runId: string, daysAgo: number, items: number): Promise<void> {
    await db.query(`INSERT INTO reconciliation_reports (org_id, run_id, integration_id, summary, created_at) VALUES ($1, $2, $3, '{}', now() - make_interval(days => $4))`, [orgId, runId, integrationId, daysAgo]);
    await db.query(
      `INSERT INTO reconciliation_items (org_id, run_id, n, category) SELECT $1, $2, n, 'all_three' FROM generate_series(1, $3) AS n`,
      [orgId, runId, items],
    );
  }

  async function event(orgId: string, integrationId: string, name: string, daysAgo: number, marks: { actioned?: boolean; retried?: boolean } = {}): Promise<string> {
    const id = uuidv7();
    await db.query(
      `INSERT INTO events (org_id, id, integration_id, name, severity, message, actioned_at, retried_at, created_at)
       VALUES ($1, $2, $3, $4, $5, 'm', $6, $7, now() - make_interval(days => $8))`,
      [orgId, id, integrationId, name, name.endsWith('.error') ? 'error' : name.endsWith('.warning') ? 'warning' : 'info', marks.actioned === true ? new Date() : null, marks.retried === true ? new Date() : null, daysAgo],
    );
    return id;
  }

  const ids = async (table: string, orgId: string, key = 'id') => (await db.query<{ id: string }>(`SELECT ${key}::text AS id FROM ${table} WHERE org_id = $1 ORDER BY 1`, [orgId])).map((r) => r.id).sort();

  it('keeps running and waiting runs, the newest of each integration and the current reconciliation report; removes the rest that is old', async () => {
    const org = await newOrg('Runs');
    const accounts = await integration(org, 'Accounts', 'Account');
    const completeOld = await run(org, accounts, 'COMPLETE', 100);
    const errorOld = await run(org, accounts, 'ERROR', 99);
    const started = await run(org, accounts, 'STARTED', 98);
    const waiting = await run(org, accounts, 'WAITING', 98);
    const newestOld = await run(org, accounts, 'COMPLETE', 97);
    const young = await integration(org, 'Young', 'Account');
    const recent = await run(org, young, 'COMPLETE', 10);
    const gone = uuidv7(); // an integration deleted since: even its newest run goes
    const ofDeleted = await run(org, gone, 'COMPLETE', 100);
    const reconciliation = await integration(org, 'Reconciliation', 'Reconciliation');
    const firstReport = await run(org, reconciliation, 'COMPLETE', 120);
    await report(org, reconciliation, firstReport, 120, 7);
    const currentReport = await run(org, reconciliation, 'COMPLETE', 110);
    await report(org, reconciliation, currentReport, 110, 3);
    const failedSince = await run(org, reconciliation, 'ERROR', 100); // a failed run leaves the previous report current

    const result = await pruneNow({ batchSize: 2 });

    expect(result.removed).toMatchObject({ runs: 4, reconciliation_reports: 1, reconciliation_items: 7 });
    expect(await ids('runs', org)).toEqual([started, waiting, newestOld, recent, currentReport, failedSince].sort());
    expect(await ids('reconciliation_reports', org, 'run_id')).toEqual([currentReport]);
    expect((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM reconciliation_items WHERE org_id = $1 AND run_id = $2', [org, currentReport]))[0]!.n).toBe(3);
    expect(await ids('runs', org)).not.toContain(completeOld);
    expect(await ids('runs', org)).not.toContain(errorOld);
    expect(await ids('runs', org)).not.toContain(ofDeleted);
  });

  it('keeps open error events whatever their age, held conflicts until settled, and prunes logs by their own retention', async () => {
    const org = await newOrg('Events and logs');
    const accounts = await integration(org, 'Accounts', 'Account');
    const openError = await event(org, accounts, 'integration.validation.error', 200);
    await event(org, accounts, 'integration.validation.error', 200, { actioned: true });
    await event(org, accounts, 'integration.perform.error', 200, { retried: true });
    await event(org, accounts, 'integration.rate_limit.warning', 91);
    const recentWarning = await event(org, accounts, 'integration.rate_limit.warning', 89);
    const conflict = async (outcome: string, resolved: boolean, daysAgo: number) => {
      const id = uuidv7();
      await db.query(
        `INSERT INTO conflicts (org_id, id, integration_id, entity, entity_id, salesforce_id, fields, policy, outcome, resolved_at, created_at)
         VALUES ($1, $2, $3, 'accounts', $4, '001000000000001AAA', '[]', 'hold', $5, $6, now() - make_interval(days => $7))`,
        [org, id, accounts, randomUUID(), outcome, resolved ? new Date() : null, daysAgo],
      );
      return id;
    };
    const held = await conflict('held', false, 60);
    await conflict('held', true, 60);
    await conflict('ferry', false, 60);
    const recentConflict = await conflict('salesforce', false, 10);
    const requestLog = async (daysAgo: number) => {
      const id = uuidv7();
      await db.query(`INSERT INTO request_logs (org_id, id, integration_id, operation, method, status, created_at) VALUES ($1, $2, $3, 'upsert', 'PATCH', 'Success', now() - make_interval(days => $4))`, [org, id, accounts, daysAgo]);
      return id;
    };
    for (let i = 0; i < 5; i++) await requestLog(15);
    const keptLog = await requestLog(13);
    const syncLog = async (daysAgo: number) => {
      const id = uuidv7();
      await db.query(`INSERT INTO sync_log (org_id, id, integration_id, direction, object, entity, outcome, at) VALUES ($1, $2, $3, 'incoming', 'Account', 'accounts', 'applied', now() - make_interval(days => $4))`, [org, id, accounts, daysAgo]);
      return id;
    };
    await syncLog(31);
    const keptSync = await syncLog(29);

    const result = await pruneNow({ batchSize: 2 });

    expect(result.removed).toMatchObject({ events: 3, conflicts: 2, request_logs: 5, sync_log: 1 });
    expect(await ids('events', org)).toEqual([openError, recentWarning].sort());
    expect(await ids('conflicts', org)).toEqual([held, recentConflict].sort());
    expect(await ids('request_logs', org)).toEqual([keptLog]);
    expect(await ids('sync_log', org)).toEqual([keptSync]);
  });

  it('removes at most batchSize rows a statement, reading the rows it keeps only once', async () => {
    const org = await newOrg('Batches');
    const accounts = await integration(org, 'Accounts', 'Account');
    // Open errors (kept) between the ones that go: a walk that restarted from the oldest row each
    // time would read them again and again.
    for (let i = 0; i < 12; i++) await event(org, accounts, 'integration.validation.error', 300 - i, { actioned: i % 3 !== 0 });
    const statements: { scanned: number; removed: number }[] = [];
    const counting: Database = {
      ...db,
      query: async <Row>(sql: string, params?: readonly unknown[]) => {
        const rows = await db.query<Row>(sql, params);
        if (sql.includes('DELETE FROM events x')) statements.push(rows[0] as { scanned: number; removed: number });
        return rows;
      },
    };
    const result = await pruneNow({ batchSize: 5 }, counting);
    expect(result.removed.events).toBe(8);
    expect(statements.every((s) => s.removed <= 5 && s.scanned <= 5)).toBe(true);
    // 12 old rows read once: 5 + 5 + 2 (plus the other organizations' old events, before or after).
    expect(statements.reduce((sum, s) => sum + s.scanned, 0)).toBeLessThanOrEqual(12 + (await db.query('SELECT 1 FROM events WHERE org_id <> $1', [org])).length);
    expect((await ids('events', org)).length).toBe(4);
  });
});

describe('the status', () => {
  it('sizes every table and lists the workers', async () => {
    await db.query("INSERT INTO workers (id, hostname, pid, heartbeat_at) VALUES ($1, 'alive-host', 1, now()), ($2, 'silent-host', 2, now() - interval '1 minute')", [uuidv7(), uuidv7()]);
    const status = await ferryStatus(db, { settings: settings(), pruneSchedule: '23 * * * *', deadAfterMs: 10_000 });
    const journal = status.tables.find((t) => t.name === 'journal');
    expect(journal).toMatchObject({ bytes: expect.any(Number) });
    expect(journal!.bytes).toBeGreaterThan(0);
    expect(journal!.rows).not.toBeNull();
    expect(status.tables.map((t) => t.name)).toEqual(expect.arrayContaining(['runs', 'events', 'request_logs', 'sync_log', 'prunings']));
    expect(status.retention).toEqual({ journalDays: 30, runsDays: 90, eventsDays: 90, requestLogsDays: 14, syncLogDays: 30, pruneSchedule: '23 * * * *' });
    expect(status.workers.map((w) => [w.hostname, w.alive])).toEqual(expect.arrayContaining([['alive-host', true], ['silent-host', false]]));
    // Without an organization: every organization's journal.
    expect(status.journal.length).toBe((await db.query('SELECT 1 FROM organizations')).length);
  });
});
