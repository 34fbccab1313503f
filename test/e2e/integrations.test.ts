import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganization } from '../../src/platform/index.ts';
import { startTestFerry, type TestFerry } from '../ferry.ts';

let ferry: TestFerry;
let credential: any;

beforeAll(async () => {
  ferry = await startTestFerry();
  credential = await ferry.credential();
});
afterAll(async () => ferry.stop());

async function sfQuery(soql: string): Promise<any[]> {
  const conn = await import('../emulator/support.ts').then((m) => m.oauthLogin(ferry.emulator));
  return (await conn.query(soql)).records;
}

describe('account integration', () => {
  it('delivers a new account to Salesforce on change, once, and logs the run and its requests', async () => {
    const integration = (await ferry.call('POST', '/api/v1/integrations', { name: 'Accounts to SF', entityType: 'Account', credentialId: credential.id })).body;
    expect(integration).toMatchObject({ status: 'CONNECTED', enabled: true, trigger: { onChange: true } });
    expect((await ferry.call('GET', `/api/v1/integrations/${integration.id}`)).body.lastRun).toBeNull();
    const account = (await ferry.call('POST', '/api/v1/accounts', { code: 'E2E-1', name: 'End To End Ltd', address: { line1: '1 High St', locality: 'London', country: 'GB' } })).body;
    const records = await ferry.eventually(async () => {
      const found = await sfQuery(`SELECT Id, Name, AccountNumber, BillingCity, Ferry_Id__c FROM Account WHERE Ferry_Id__c = '${account.id}'`);
      return found.length > 0 ? found : undefined;
    });
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ Name: 'End To End Ltd', AccountNumber: 'E2E-1', BillingCity: 'London' });
    await ferry.settle(integration.id);
    const delivered = await ferry.deliveringRun(integration.id);
    expect(delivered).toMatchObject({ trigger: 'change', status: 'COMPLETE', counts: { sent: 1, created: 1, failed: 0 } });
    // Listed and read, the integration carries its newest run and how it ended.
    const [newest] = (await ferry.call('GET', `/api/v1/runs?integrationId=${integration.id}&limit=1`)).body.data;
    const lastRun = { id: newest.id, status: newest.status, trigger: newest.trigger, finishedAt: newest.finishedAt };
    expect(lastRun.finishedAt).not.toBeNull();
    expect((await ferry.call('GET', `/api/v1/integrations/${integration.id}`)).body.lastRun).toEqual(lastRun);
    const listed = (await ferry.call('GET', '/api/v1/integrations?entityType=Account')).body.data;
    expect(listed.find((i: { id: string }) => i.id === integration.id).lastRun).toEqual(lastRun);
    const logs = (await ferry.call('GET', `/api/v1/request-logs?runId=${delivered.id}`)).body.data;
    // The first run reads the org's describe of Account (kept ten minutes) for the check stage.
    expect(logs.reverse()).toEqual([
      expect.objectContaining({ operation: 'describe', object: 'Account', status: 'Success' }),
      expect.objectContaining({ operation: 'upsert', object: 'Account', records: 1, status: 'Success', apiUsage: expect.objectContaining({ used: expect.any(Number), max: expect.any(Number) }) }),
    ]);

    // Unchanged data is not sent again; a change is an update of the same Salesforce record.
    await ferry.call('PATCH', `/api/v1/accounts/${account.id}`, { name: 'End To End Group' });
    await ferry.eventually(async () => {
      const found = await sfQuery(`SELECT Id, Name FROM Account WHERE Ferry_Id__c = '${account.id}'`);
      return found[0]?.Name === 'End To End Group' ? found : undefined;
    });
    const all = await sfQuery(`SELECT Id FROM Account WHERE Ferry_Id__c = '${account.id}'`);
    expect(all).toHaveLength(1);
  });
});

describe('triggers, replay and deletes', () => {
  it('fires a schedule when due, moves it to the next time, and only then', async () => {
    const scheduled = (await ferry.call('POST', '/api/v1/integrations', {
      name: 'Nightly accounts', entityType: 'Account', credentialId: credential.id,
      trigger: { onChange: false, schedule: { cron: '0 2 * * *', timeZone: 'Europe/London' } },
    })).body;
    const next = new Date(scheduled.nextRunAt);
    expect(next.getTime()).toBeGreaterThan(Date.now());
    expect(new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', hour: '2-digit', minute: '2-digit' }).format(next)).toBe('02:00');
    const account = (await ferry.call('POST', '/api/v1/accounts', { code: 'SCHED-1', name: 'Scheduled' })).body;
    expect(await ferry.engine.dispatcher.tick(new Date(next.getTime() - 60_000))).toBe(0);
    expect(await ferry.engine.dispatcher.tick(new Date(next.getTime() + 1000))).toBe(1);
    await ferry.settle(scheduled.id);
    const runs = (await ferry.call('GET', `/api/v1/runs?integrationId=${scheduled.id}`)).body.data;
    expect(runs[0]).toMatchObject({ trigger: 'schedule', status: 'COMPLETE' });
    expect(runs[0].recordIds).toContain(account.id);
    const moved = (await ferry.call('GET', `/api/v1/integrations/${scheduled.id}`)).body;
    expect(new Date(moved.nextRunAt).getTime()).toBe(next.getTime() + 24 * 3600_000);
    const interval = await ferry.call('PATCH', `/api/v1/integrations/${scheduled.id}`, { trigger: { schedule: { intervalMinutes: 15 } } });
    expect(new Date(interval.body.nextRunAt).getTime() - Date.now()).toBeLessThanOrEqual(15 * 60_000);
    const bad = await ferry.call('PATCH', `/api/v1/integrations/${scheduled.id}`, { trigger: { schedule: { cron: '61 * * * *' } } });
    expect(bad.status).toBe(400);
    await ferry.call('POST', `/api/v1/integrations/${scheduled.id}/disable`);
  });

  it('sends everything on a full sync, replays a run, and deletes in Salesforce what was deleted in Ferry', async () => {
    const before = (await ferry.call('POST', '/api/v1/accounts', { code: 'FULL-1', name: 'Existed before' })).body;
    const integration = (await ferry.call('POST', '/api/v1/integrations', { name: 'Late accounts', entityType: 'Account', credentialId: credential.id })).body;
    const preview = (await ferry.call('GET', `/api/v1/integrations/${integration.id}/preview?mode=full&limit=1000`)).body.data;
    expect(preview.find((p: any) => p.id === before.id)).toMatchObject({ action: 'upsert', object: 'Account', fields: { Name: 'Existed before', AccountNumber: 'FULL-1', Ferry_Id__c: before.id } });
    const full = await ferry.call('POST', `/api/v1/integrations/${integration.id}/sync`, { mode: 'full' });
    expect(full.status).toBe(202);
    expect(full.body).toMatchObject({ status: 'WAITING', trigger: 'manual', mode: 'full' });
    await ferry.settle(integration.id);
    const done = (await ferry.call('GET', `/api/v1/runs/${full.body.id}`)).body;
    expect(done.status).toBe('COMPLETE');
    expect(done.recordIds).toContain(before.id);

    const replay = await ferry.call('POST', `/api/v1/runs/${full.body.id}/replay`);
    expect(replay.status).toBe(202);
    await ferry.settle(integration.id);
    const replayed = (await ferry.call('GET', `/api/v1/runs/${replay.body.id}`)).body;
    expect(replayed).toMatchObject({ trigger: 'replay', replayOf: full.body.id, status: 'COMPLETE' });
    expect(replayed.counts.updated).toBe(done.counts.created + done.counts.updated);

    await ferry.call('DELETE', `/api/v1/accounts/${before.id}`);
    await ferry.settle(integration.id);
    expect(await sfQuery(`SELECT Id FROM Account WHERE Ferry_Id__c = '${before.id}'`)).toEqual([]);
    const deleting = await ferry.deliveringRun(integration.id, (run) => run.counts.deleted > 0);
    expect(deleting.counts.deleted).toBe(1);
    await ferry.call('POST', `/api/v1/integrations/${integration.id}/disable`);
  });
});

describe('bulk delivery', () => {
  it('uses Bulk API 2.0 above the threshold and logs every call of the job', async () => {
    const integration = (await ferry.call('POST', '/api/v1/integrations', { name: 'Bulk accounts', entityType: 'Account', credentialId: credential.id, delivery: { bulkThreshold: 2 } })).body;
    const items = [1, 2, 3].map((n) => ({ code: `BULK-E2E-${n}`, name: `Bulk ${n}` }));
    const created = (await ferry.call('POST', '/api/v1/accounts/bulk', { items })).body.results.map((r: any) => r.id);
    await ferry.settle(integration.id);
    const found = await sfQuery(`SELECT Ferry_Id__c FROM Account WHERE Ferry_Id__c IN (${created.map((id: string) => `'${id}'`).join(',')})`);
    expect(found).toHaveLength(3);
    const run = await ferry.deliveringRun(integration.id);
    // Another integration of this file may have delivered them first: created or updated, once each.
    expect(run).toMatchObject({ status: 'COMPLETE', counts: { sent: 3, failed: 0 } });
    expect(run.counts.created + run.counts.updated).toBe(3);
    const logs = (await ferry.call('GET', `/api/v1/request-logs?runId=${run.id}`)).body.data.reverse();
    const operations = logs.map((l: any) => l.operation);
    expect(operations.slice(0, 3)).toEqual(['bulk_open', 'bulk_upload', 'bulk_close']);
    expect(operations.filter((o: string) => o === 'bulk_status').length).toBeGreaterThanOrEqual(1);
    expect(operations.slice(-2)).toEqual(['bulk_results', 'bulk_results']);
    expect(logs.every((l: any) => l.status === 'Success' && l.object === 'Account')).toBe(true);
    expect(logs.find((l: any) => l.operation === 'bulk_upload').records).toBe(3);
    await ferry.call('POST', `/api/v1/integrations/${integration.id}/disable`);
  });

  it('logs the sign-in of a run that opens a new session', async () => {
    const fresh = await ferry.credential({ name: 'Fresh session' });
    ferry.engine.credentials.forget(fresh.id);
    const integration = (await ferry.call('POST', '/api/v1/integrations', { name: 'Fresh', entityType: 'Account', credentialId: fresh.id })).body;
    await ferry.call('POST', '/api/v1/accounts', { code: 'FRESH-1', name: 'Fresh' });
    await ferry.settle(integration.id);
    const run = await ferry.deliveringRun(integration.id);
    const operations = (await ferry.call('GET', `/api/v1/request-logs?runId=${run.id}`)).body.data.reverse().map((l: any) => l.operation);
    expect(operations).toEqual(['login', 'upsert']);
    await ferry.call('POST', `/api/v1/integrations/${integration.id}/disable`);
  });
});

describe('state guarded where it lives', () => {
  it('refuses the second of two updates racing on one integration instead of overwriting the first', async () => {
    const integration = (await ferry.call('POST', '/api/v1/integrations', { name: 'Raced', entityType: 'Account', credentialId: credential.id, enabled: false })).body;
    // Both writers saw the same version. Without it the outcome hung on timing: a second update
    // that read after the first had committed rightly succeeded (it overwrote nothing it had not
    // seen), and CI once saw ['ok', 'ok']. With it, whichever comes second is refused, whether at
    // its read or at the guarded write.
    const [a, b] = await Promise.all([
      ferry.engine.integrations.update(ferry.orgId, integration.id, { name: 'First writer', errorThreshold: 3, version: integration.version }),
      ferry.engine.integrations.update(ferry.orgId, integration.id, { name: 'Second writer', errorThreshold: 7, version: integration.version }),
    ]);
    const outcomes = [a, b].map((r) => (r.ok ? 'ok' : r.error.code)).sort();
    expect(outcomes).toEqual(['ok', 'version_conflict']);
    const winner = (a.ok ? a : b) as Extract<typeof a, { ok: true }>;
    const stored = (await ferry.call('GET', `/api/v1/integrations/${integration.id}`)).body;
    expect(stored).toMatchObject({ name: winner.value.name, errorThreshold: winner.value.errorThreshold, version: integration.version + 1 });
  });

  it('moves a run once: of two racing transitions only one wins', async () => {
    const integration = (await ferry.call('POST', '/api/v1/integrations', { name: 'Run race', entityType: 'Account', credentialId: credential.id, enabled: false })).body;
    const run = await ferry.engine.runs.create(ferry.orgId, integration.id, { trigger: 'manual', mode: 'incremental' });
    await ferry.engine.runs.transition(ferry.orgId, run.id, 'STARTED');
    const outcomes = await Promise.allSettled([
      ferry.engine.runs.transition(ferry.orgId, run.id, 'COMPLETE'),
      ferry.engine.runs.transition(ferry.orgId, run.id, 'INTERRUPTED'),
    ]);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const refused = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
    expect(String(refused.reason)).toMatch(/A run cannot go from (COMPLETE|INTERRUPTED) to (COMPLETE|INTERRUPTED)/);
  });

  it('does nothing with a job delivered again for a run that has ended, and leaves the lease free', async () => {
    const integration = (await ferry.call('POST', '/api/v1/integrations', { name: 'Redelivered', entityType: 'Account', credentialId: credential.id })).body;
    const requested = await ferry.call('POST', `/api/v1/integrations/${integration.id}/sync`, { mode: 'full' });
    await ferry.settle(integration.id);
    const ended = (await ferry.call('GET', `/api/v1/runs/${requested.body.id}`)).body;
    expect(ended.status).toBe('COMPLETE');
    const runsBefore = (await ferry.call('GET', `/api/v1/runs?integrationId=${integration.id}`)).body.data.length;
    // What pg-boss hands a worker when the one that had the job died.
    const again = await ferry.engine.runner.execute({ orgId: ferry.orgId, integrationId: integration.id, trigger: 'manual', mode: 'full', runId: ended.id });
    expect(again).toMatchObject({ id: ended.id, status: 'COMPLETE', finishedAt: ended.finishedAt });
    const [row] = await ferry.db.query<{ lease_run_id: string | null }>('SELECT lease_run_id FROM integrations WHERE id = $1', [integration.id]);
    expect(row!.lease_run_id).toBeNull();
    expect((await ferry.call('GET', `/api/v1/runs?integrationId=${integration.id}`)).body.data.length).toBe(runsBefore);
  });
});

describe('runs nobody would run', () => {
  it('queues again a run left waiting without a job (its process died between the two)', async () => {
    const integration = (await ferry.call('POST', '/api/v1/integrations', { name: 'Orphaned run', entityType: 'Account', credentialId: credential.id })).body;
    const run = await ferry.engine.runs.create(ferry.orgId, integration.id, { trigger: 'manual', mode: 'full' });
    await ferry.db.query("UPDATE runs SET created_at = now() - interval '1 minute' WHERE id = $1", [run.id]);
    await ferry.engine.dispatcher.tick();
    const done = await ferry.eventually(async () => {
      const view = (await ferry.call('GET', `/api/v1/runs/${run.id}`)).body;
      return view.status === 'WAITING' || view.status === 'STARTED' ? undefined : view;
    });
    expect(done.status).toBe('COMPLETE');
    await ferry.settle(integration.id);
  });
});

describe('external mappings', () => {
  it("refuses an integrationId of another organization and stores nothing", async () => {
    const integrationOfA = (await ferry.call('POST', '/api/v1/integrations', { name: 'Org A accounts', entityType: 'Account' })).body;
    const orgB = await createOrganization(ferry.db, 'Org B');
    const asB = { key: orgB.apiKey };
    const accountOfB = (await ferry.call('POST', '/api/v1/accounts', { code: 'B-1', name: 'B One' }, asB)).body;
    const mapping = { externalSystem: 'salesforce', externalTable: 'Account', externalId: '001B', entity: 'accounts', entityId: accountOfB.id };

    const refused = await ferry.call('POST', '/api/v1/external-mappings', { ...mapping, integrationId: integrationOfA.id }, asB);
    expect(refused.status).toBe(422);
    expect(refused.body.error).toMatchObject({
      code: 'reference_not_found',
      details: [{ path: 'body.integrationId', message: `no integration of your organization has id ${integrationOfA.id}` }],
    });
    const bulk = await ferry.call('POST', '/api/v1/external-mappings/bulk', { items: [{ ...mapping, integrationId: integrationOfA.id }] }, asB);
    expect(bulk.body.results[0]).toMatchObject({ status: 'failed', error: { code: 'reference_not_found', details: [{ path: 'items[0].integrationId' }] } });
    expect((await ferry.call('GET', '/api/v1/external-mappings?includeDeleted=true', undefined, asB)).body.data).toEqual([]);
    expect((await ferry.call('GET', '/api/v1/changes?entity=external-mappings', undefined, asB)).body.changes).toEqual([]);

    // Its own integration, or none, is accepted.
    const integrationOfB = (await ferry.call('POST', '/api/v1/integrations', { name: 'Org B accounts', entityType: 'Account' }, asB)).body;
    expect((await ferry.call('POST', '/api/v1/external-mappings', { ...mapping, integrationId: integrationOfB.id }, asB)).status).toBe(201);
    expect((await ferry.call('POST', '/api/v1/external-mappings', { ...mapping, externalId: '001C' }, asB)).status).toBe(201);
  });

  it('refuses to delete an integration that external mappings are scoped to, until they are dealt with', async () => {
    const integration = (await ferry.call('POST', '/api/v1/integrations', { name: 'Scoped', entityType: 'Account' })).body;
    const account = (await ferry.call('POST', '/api/v1/accounts', { code: 'SCOPED-1', name: 'Scoped One' })).body;
    const mapping = (await ferry.call('POST', '/api/v1/external-mappings', { externalSystem: 'salesforce', externalTable: 'Account', externalId: '001S', entity: 'accounts', entityId: account.id, integrationId: integration.id })).body;
    const refused = await ferry.call('DELETE', `/api/v1/integrations/${integration.id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'has_dependents', details: [{ path: `path.externalMappings.${mapping.id}`, message: 'is scoped to this integration' }] });
    expect((await ferry.call('GET', `/api/v1/integrations/${integration.id}`)).status).toBe(200);
    expect((await ferry.call('DELETE', `/api/v1/external-mappings/${mapping.id}`)).status).toBe(200);
    expect((await ferry.call('DELETE', `/api/v1/integrations/${integration.id}`)).status).toBe(200);
  });
});
