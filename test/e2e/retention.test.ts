import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFerry, startFerry } from '../cli.ts';
import { createTestDatabaseUrl, testDbKind } from '../db.ts';
import { oauthLogin } from '../emulator/support.ts';
import { startTestFerry, type TestFerry } from '../ferry.ts';

let ferry: TestFerry;
let credential: any;

beforeAll(async () => {
  ferry = await startTestFerry();
  credential = await ferry.credential();
});
afterAll(async () => {
  await ferry.stop();
});

async function must<T = any>(method: string, path: string, body?: unknown, status = 200): Promise<T> {
  const res = await ferry.call<T>(method, path, body);
  if (res.status !== status) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

async function sfAccounts(ids: string[]): Promise<{ Ferry_Id__c: string; Name: string }[]> {
  const conn = await oauthLogin(ferry.emulator);
  return (await conn.query<{ Ferry_Id__c: string; Name: string }>(`SELECT Ferry_Id__c, Name FROM Account WHERE Ferry_Id__c IN (${ids.map((id) => `'${id}'`).join(',')})`)).records
    .map((r) => ({ Ferry_Id__c: r.Ferry_Id__c, Name: r.Name }));
}

/** Moves the organization's journal entries (all, or a record's) `days` into the past. */
async function ageJournal(days: number, entityId?: string): Promise<void> {
  await ferry.db.query('UPDATE journal SET at = at - make_interval(days => $2) WHERE org_id = $1 AND ($3::uuid IS NULL OR entity_id = $3)', [ferry.orgId, days, entityId ?? null]);
}

async function runToEnd(runId: string): Promise<any> {
  return ferry.eventually(async () => {
    const run = await must(`GET`, `/api/v1/runs/${runId}`);
    return run.status === 'WAITING' || run.status === 'STARTED' ? undefined : run;
  });
}

/** ferry_pruned_rows_total{table="journal"} from GET /metrics. */
async function prunedJournalRows(): Promise<number> {
  const text = await (await fetch(`${ferry.url}/metrics`)).text();
  return Number(/^ferry_pruned_rows_total\{table="journal"\} (\d+)$/m.exec(text)?.[1] ?? 0);
}

describe('retention through the API', () => {
  let accounts: any;

  it('catches up an integration whose unsent changes were pruned while it was disabled: what changed is sent, what was deleted is deleted', async () => {
    accounts = await must('POST', '/api/v1/integrations', { name: 'Accounts', entityType: 'Account', credentialId: credential.id }, 201);
    const kept = await must('POST', '/api/v1/accounts', { code: 'RET-KEPT', name: 'Kept as it was' }, 201);
    const renamed = await must('POST', '/api/v1/accounts', { code: 'RET-RENAMED', name: 'Before' }, 201);
    const removed = await must('POST', '/api/v1/accounts', { code: 'RET-REMOVED', name: 'Removed later' }, 201);
    await ferry.settle(accounts.id);
    expect(await sfAccounts([kept.id, renamed.id, removed.id])).toHaveLength(3);

    await must('POST', `/api/v1/integrations/${accounts.id}/disable`);
    const added = await must('POST', '/api/v1/accounts', { code: 'RET-ADDED', name: 'Added while disabled' }, 201);
    await must('PATCH', `/api/v1/accounts/${renamed.id}`, { name: 'After' });
    await must('DELETE', `/api/v1/accounts/${removed.id}`);
    await ageJournal(40);

    const prunedBefore = await prunedJournalRows();
    const report = await ferry.engine.prune('manual');
    // The pruning shows in the metrics too.
    expect((await prunedJournalRows()) - prunedBefore).toBe(report.removed.journal);

    expect(report.gaps.filter((g) => g.orgId === ferry.orgId)).toEqual([expect.objectContaining({ integrationId: accounts.id, name: 'Accounts' })]);
    expect(report.held.filter((h) => h.orgId === ferry.orgId)).toEqual([]);
    const warned = await must('GET', `/api/v1/events?integrationId=${accounts.id}&name=integration.journal_gap.warning`);
    expect(warned.data).toHaveLength(1);
    expect(warned.data[0]).toMatchObject({ severity: 'warning', message: expect.stringContaining('were pruned from the journal after 30 days while it was disabled') });
    const status = await must('GET', '/api/v1/status');
    expect(status.journal).toEqual([expect.objectContaining({ orgId: ferry.orgId, entries: 0, heldBy: null, catchingUp: [expect.objectContaining({ integrationId: accounts.id })] })]);
    expect(status.lastPruning).toMatchObject({ id: report.id, trigger: 'manual', error: null });
    expect(status.lastPruning.removed.journal).toBeGreaterThanOrEqual(6);
    // A follower of the journal learns that entries it has not read may be gone.
    const changes = await must('GET', '/api/v1/changes?after=0');
    expect(changes).toMatchObject({ changes: [], prunedThroughSeq: status.journal[0].prunedThroughSeq });
    expect(changes.prunedThroughSeq).toBeGreaterThan(0);

    await must('POST', `/api/v1/integrations/${accounts.id}/enable`);
    await must('POST', `/api/v1/integrations/${accounts.id}/sync`, { mode: 'incremental' }, 202);
    await ferry.eventually(async () => ((await must('GET', '/api/v1/status')).journal[0].catchingUp.length === 0 ? true : undefined));
    await ferry.settle(accounts.id);
    // The full pass (this run, or one the per-minute sweep started first) sent the new and the
    // changed account and the deletion; the unchanged one was not sent again.
    const done = await ferry.deliveringRun(accounts.id, (r) => r.counts.deleted > 0);
    expect(done).toMatchObject({ status: 'COMPLETE', counts: { created: 1, updated: 1, deleted: 1, failed: 0 } });
    const inSalesforce = await sfAccounts([kept.id, renamed.id, removed.id, added.id]);
    expect(inSalesforce.map((a) => [a.Ferry_Id__c, a.Name]).sort()).toEqual([[kept.id, 'Kept as it was'], [renamed.id, 'After'], [added.id, 'Added while disabled']].sort());
    const after = await must('GET', '/api/v1/status');
    expect(after.journal[0].catchingUp).toEqual([]);
    const integration = await must('GET', `/api/v1/integrations/${accounts.id}`);
    expect(integration.cursorSeq).toBeGreaterThanOrEqual(status.journal[0].prunedThroughSeq);

    // Back to following the journal: the next change is delivered as usual.
    await must('PATCH', `/api/v1/accounts/${kept.id}`, { name: 'Changed once caught up' });
    await ferry.settle(accounts.id);
    expect((await sfAccounts([kept.id]))[0]!.Name).toBe('Changed once caught up');
  });

  it('keeps entries an enabled integration has not passed, names it in the status and the pruning, and lets them go once it has', async () => {
    const manual = await must('POST', '/api/v1/integrations', { name: 'Accounts by hand', entityType: 'Account', credentialId: credential.id, trigger: { onChange: false } }, 201);
    const account = await must('POST', '/api/v1/accounts', { code: 'RET-HELD', name: 'Held back' }, 201);
    await ferry.settle(accounts.id);
    await ageJournal(40, account.id);

    const report = await ferry.engine.prune('manual');

    expect(report.held.filter((h) => h.orgId === ferry.orgId)).toEqual([expect.objectContaining({ integrationId: manual.id, name: 'Accounts by hand', entriesHeld: 1 })]);
    const status = await must('GET', '/api/v1/status');
    // The entry it holds, and the recent one of the previous test (which it never had to pass).
    expect(status.journal[0]).toMatchObject({ entries: 2, olderThanRetention: 1, heldBy: { integrationId: manual.id, name: 'Accounts by hand', entityType: 'Account', pendingEntries: 1, pastRetention: true } });
    expect(status.lastPruning.held).toEqual([expect.objectContaining({ integrationId: manual.id })]);
    const journalTable = status.tables.find((t: { name: string }) => t.name === 'journal');
    expect(journalTable.bytes).toBeGreaterThan(0);
    expect(status.workers).toEqual([expect.objectContaining({ id: ferry.engine.workerId, alive: true })]);

    const run = await must('POST', `/api/v1/integrations/${manual.id}/sync`, { mode: 'incremental' }, 202);
    expect((await runToEnd(run.id)).status).toBe('COMPLETE');
    const again = await ferry.engine.prune('manual');
    expect(again.held.filter((h) => h.orgId === ferry.orgId)).toEqual([]);
    expect(again.removed.journal).toBe(1);
    expect((await must('GET', '/api/v1/status')).journal[0]).toMatchObject({ entries: 1, olderThanRetention: 0, heldBy: null });
  });

  it('shows the status to an organization\'s key only, and prunes on demand only for the local administrator', async () => {
    expect((await ferry.call('GET', '/api/v1/status', undefined, { key: null })).status).toBe(401);
    expect((await ferry.call('POST', '/api/v1/local/prune')).status).toBe(401);
    expect((await ferry.call('GET', '/api/v1/local/status')).status).toBe(401);
  });
});

describe('ferry status and ferry prune', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
  const dataDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'ferry-retention-'));
    dirs.push(dir);
    return dir;
  };

  it('show the journal, the tables and the workers, and prune now: through the running Ferry, and on the store once it stopped', async () => {
    // A schedule that does not fire during the test (a pruning of its own would be the last one shown).
    const env: Record<string, string> = { FERRY_DATA_DIR: dataDir(), FERRY_PRUNE_SCHEDULE: '0 3 1 1 *' };
    if (testDbKind === 'postgres') env.DATABASE_URL = await createTestDatabaseUrl();
    const running = await startFerry(env);
    try {
      const key = /API key\s+(ferry_\S+)/.exec(running.output())?.[1];
      expect(key).toBeDefined();
      const created = await fetch(`${running.url}/api/v1/accounts`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ code: 'CLI-1', name: 'Through the CLI' }) });
      expect(created.status).toBe(201);

      const status = await runFerry(['status'], env);
      expect(status.code).toBe(0);
      // Embedded: through the running Ferry (it holds the database); Postgres: on the store itself.
      expect(status.stderr).toContain(testDbKind === 'postgres' ? 'using Postgres at' : 'using the running Ferry at');
      expect(status.stdout).toContain('Pruning:   on workers, cron "0 3 1 1 *" (UTC)');
      expect(status.stdout).toMatch(/organization [0-9a-f-]{36}: 1 entry, oldest /);
      expect(status.stdout).toContain('every enabled integration is caught up');
      expect(status.stdout).toMatch(/Workers:\n {2}\S+ pid \d+/);
      expect(status.stdout).toContain('Tables (largest first):');

      const pruned = await runFerry(['prune', '--json'], env);
      expect(pruned.code).toBe(0);
      const report = JSON.parse(pruned.stdout);
      expect(report).toMatchObject({ trigger: 'manual', held: [], gaps: [], stopped: false, removed: { journal: 0, runs: 0 } });

      const json = await runFerry(['status', '--json'], env);
      expect(json.code).toBe(0);
      const parsed = JSON.parse(json.stdout);
      expect(parsed.lastPruning).toMatchObject({ id: report.id, trigger: 'manual' });
      expect(parsed.journal).toEqual([expect.objectContaining({ entries: 1, heldBy: null })]);
      expect(parsed.retention.pruneSchedule).toBe('0 3 1 1 *');
      expect(parsed.tables).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'journal', bytes: expect.any(Number) })]));
    } finally {
      expect(await running.stop()).toBe(0);
    }

    const local = await runFerry(['prune'], env);
    expect(local.code).toBe(0);
    expect(local.stderr).toContain(testDbKind === 'postgres' ? 'using Postgres at' : 'using PGlite in');
    expect(local.stdout).toMatch(/^Pruned in \d+\.\d s: removed nothing\.$/m);
    const after = await runFerry(['status', '--json'], env);
    expect(JSON.parse(after.stdout).lastPruning).toMatchObject({ trigger: 'manual', error: null });
  });

  it('refuse a bad retention setting, and a folder without Ferry data', async () => {
    const bad = await runFerry(['status'], { FERRY_DATA_DIR: dataDir(), FERRY_RETAIN_JOURNAL_DAYS: 'a month' });
    expect(bad.code).toBe(78);
    expect(bad.stderr).toContain('FERRY_RETAIN_JOURNAL_DAYS: must be a whole number of days from 1 to 36500, or forever');
    if (testDbKind === 'pglite') {
      const empty = await runFerry(['prune'], { FERRY_DATA_DIR: dataDir() });
      expect(empty.code).toBe(66);
      expect(empty.stderr).toContain('nothing to prune');
    }
  });
});
