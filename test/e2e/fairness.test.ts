import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganization } from '../../src/platform/index.ts';
import { startTestFerry, type TestFerry } from '../ferry.ts';
import { oauthLogin } from '../emulator/support.ts';

// Fair queueing: one organization's long full sync does not keep another's change waiting. With
// one run at a time, the long run ends after its time slice once another waits, a run that
// continues it from the record it got to queues behind, and nothing is sent twice.

let ferry: TestFerry;

beforeAll(async () => {
  ferry = await startTestFerry({ concurrency: 1, runner: { sliceMs: 300, chunkSize: 100 } });
}, 60_000);
afterAll(async () => ferry.stop());

describe('fair queueing', () => {
  it('lets a small organization\'s change through while a large full sync drains, and the large one continues where it got to', async () => {
    const conn = await oauthLogin(ferry.emulator);
    // The large organization: 1,000 accounts, sent by a full sync at 150 ms a call.
    const credential = await ferry.credential();
    const large = await ferry.call('POST', '/api/v1/integrations', { name: 'Large', entityType: 'Account', credentialId: credential.id, trigger: { onChange: false } });
    for (let i = 0; i < 1000; i += 500) {
      const loaded = await ferry.call('POST', '/api/v1/accounts/bulk', { items: Array.from({ length: 500 }, (_, k) => ({ code: `L${i + k}`, name: `Large ${i + k}` })) });
      expect(loaded.body.summary.failed).toBe(0);
    }
    // The small organization: its own credential and an integration that delivers on change.
    const { organization: small } = await createOrganization(ferry.db, 'Small');
    const smallCredential = await ferry.engine.credentials.create(small.id, {
      name: 'Emulator', type: 'password', loginUrl: ferry.emulator.loginUrl, username: 'admin@ferry.test', password: 'ferry', securityToken: 'emulator',
    });
    expect(smallCredential.ok).toBe(true);
    const smallIntegration = await ferry.engine.integrations.create(small.id, { name: 'Small', entityType: 'Account', credentialId: (smallCredential as any).value.id });
    expect(smallIntegration.ok).toBe(true);

    ferry.emulator.controls.setLatency({ fixedMs: 150, perRecordMs: 0 });
    const first = (await ferry.call('POST', `/api/v1/integrations/${large.body.id}/sync`, { mode: 'full' })).body;
    // Under way: its first batches delivered.
    await ferry.eventually(async () => ((await conn.query('SELECT COUNT() FROM Account')).totalSize >= 200 ? true : undefined), 30_000);
    const changedAt = Date.now();
    await ferry.engine.store.create(small.id, 'accounts', { code: 'S1', name: 'Small change' }, 'api');
    // The small change arrives while the large sync is still going.
    const arrivedAt = await ferry.eventually(async () => ((await conn.query("SELECT COUNT() FROM Account WHERE AccountNumber = 'S1'")).totalSize === 1 ? Date.now() : undefined), 30_000);
    const largeSoFar = (await conn.query("SELECT COUNT() FROM Account WHERE AccountNumber LIKE 'L%'")).totalSize;
    expect(largeSoFar, `the small change took ${arrivedAt - changedAt} ms`).toBeLessThan(1000);

    // The large sync finishes through runs that continue one another, each from where the last got to.
    const runs = await ferry.eventually(async () => {
      const list = (await ferry.call('GET', `/api/v1/runs?integrationId=${large.body.id}&limit=100`)).body.data as any[];
      const done = list.filter((r) => r.status === 'COMPLETE');
      return done.reduce((n, r) => n + r.counts.created, 0) === 1000 && list.every((r) => r.status !== 'WAITING' && r.status !== 'STARTED') ? list.reverse() : undefined;
    }, 60_000);
    expect(runs.length).toBeGreaterThanOrEqual(2);
    expect(runs[0]).toMatchObject({ id: first.id, continuedFrom: null, status: 'COMPLETE' });
    for (let i = 1; i < runs.length; i++) expect(runs[i]).toMatchObject({ continuedFrom: runs[i - 1].id, mode: 'full', trigger: 'manual' });
    // Nothing was sent twice: every account once, and no run created what another had.
    expect((await conn.query("SELECT COUNT() FROM Account WHERE AccountNumber LIKE 'L%'")).totalSize).toBe(1000);
    expect(runs.reduce((n: number, r: any) => n + r.counts.sent, 0)).toBe(1000);
    ferry.emulator.controls.setLatency({ fixedMs: 0, perRecordMs: 0 });
  }, 120_000);
});
