// Webhook alerts (issue 14): an organization's webhook receives signed JSON POSTs for disabled
// integrations, failed runs over a threshold and held conflicts. The receiver here is a plain
// node:http server that checks every signature with the secret, as a customer's would.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_IDENTITY } from '../../src/emulator/index.ts';
import { oauthLogin } from '../emulator/support.ts';
import { startTestFerry, type TestFerry } from '../ferry.ts';
import { twoWayHelpers } from '../two-way.ts';

interface Received {
  deliveryId: string | undefined;
  signature: string | undefined;
  verified: boolean;
  answered: number;
  body: any;
}

let ferry: TestFerry;
let credential: any;
let receiver: Server;
let receiverUrl: string;
/** The secret the receiver checks signatures with: the one the webhook was last given. */
let secret = '';
const received: Received[] = [];
/** Statuses the receiver answers with, one per request, before it goes back to 200. */
const script: number[] = [];

/** The receiver's check, as docs/operations.md shows it: HMAC-SHA256 of "<t>.<raw body>", and a recent t. */
function verify(header: string | undefined, raw: string): boolean {
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header ?? '');
  if (match === null) return false;
  const expected = createHmac('sha256', secret).update(`${match[1]}.${raw}`).digest();
  const fresh = Math.abs(Date.now() / 1000 - Number(match[1])) < 300;
  return fresh && timingSafeEqual(expected, Buffer.from(match[2]!, 'hex'));
}

beforeAll(async () => {
  receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const signature = request.headers['x-ferry-signature'];
      const deliveryId = request.headers['x-ferry-delivery'];
      const verified = request.method === 'POST' && request.headers['content-type'] === 'application/json' && verify(typeof signature === 'string' ? signature : undefined, raw);
      const answered = verified ? (script.shift() ?? 200) : 401;
      received.push({ deliveryId: typeof deliveryId === 'string' ? deliveryId : undefined, signature: typeof signature === 'string' ? signature : undefined, verified, answered, body: JSON.parse(raw) });
      response.writeHead(answered, { 'content-type': 'text/plain' }).end(answered === 200 ? 'ok' : `answered ${answered}`);
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const address = receiver.address();
  receiverUrl = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}/hooks/ferry`;
  // Retries a few hundred milliseconds apart instead of seconds; incoming runs only by hand.
  ferry = await startTestFerry({ webhooks: { minRetryDelayMs: 100, maxRetryDelayMs: 400 }, incomingCheckMs: 3_600_000 });
  credential = await ferry.credential();
});
afterAll(async () => {
  await ferry.stop();
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
});

const created: string[] = [];
afterEach(async () => {
  ferry.emulator.controls.clearFaults();
  script.length = 0;
  // Each test's integrations stop taking the next test's accounts.
  for (const id of created.splice(0)) await ferry.call('POST', `/api/v1/integrations/${id}/disable`);
});

const { must, runNow } = twoWayHelpers(() => ferry);

/** Sets the webhook to the receiver with a known secret. */
async function configure(extra: Record<string, unknown> = {}): Promise<any> {
  secret = `test-secret-${Math.random().toString(36).slice(2)}-0123456789`;
  return must('PUT', '/api/v1/organization/webhook', { url: receiverUrl, secret, ...extra });
}

async function accountsIntegration(extra: Record<string, unknown> = {}): Promise<any> {
  const integration = await must('POST', '/api/v1/integrations', { name: `Accounts ${created.length}`, entityType: 'Account', credentialId: credential.id, ...extra });
  created.push(integration.id);
  return integration;
}

/** Salesforce refuses the next `count` Account upserts (a validation rule): the customer's side. */
function refuseAccounts(count: number): void {
  ferry.emulator.controls.addFault({ path: '/services/data/*/composite/sobjects/Account/*', status: 400, errorCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION', message: 'Blocked by a validation rule', count });
}

/** One account created and its run over, the integration's failed-run count now `errors`. */
async function runWith(integrationId: string, code: string, errors: number): Promise<void> {
  await must('POST', '/api/v1/accounts', { code, name: `Account ${code}` });
  await ferry.settle(integrationId);
  await ferry.eventually(async () => ((await must('GET', `/api/v1/integrations/${integrationId}`)).consecutiveErrors === errors ? true : undefined));
}

/** Waits until the receiver has accepted what `pick` looks for. */
function arrived<T>(pick: () => T | undefined): Promise<T> {
  return ferry.eventually(() => Promise.resolve(pick()));
}

/** The deliveries of `type` about the integration the receiver accepted (each check passed). */
function deliveriesOf(type: string, integrationId: string): Received[] {
  return received.filter((r) => r.answered === 200 && r.body.type === type && r.body.data?.integration?.id === integrationId);
}

describe('the organization\'s webhook', () => {
  it('refuses a URL that is not https (plain http only on this machine), generates a secret shown once, never returns it', async () => {
    await ferry.call('DELETE', '/api/v1/organization/webhook');
    expect((await ferry.call('GET', '/api/v1/organization/webhook')).status).toBe(404);

    const plain = await ferry.call('PUT', '/api/v1/organization/webhook', { url: 'http://alerts.example.com/ferry' });
    expect(plain.status).toBe(400);
    expect(plain.body.error).toMatchObject({ code: 'validation_failed', details: [{ path: 'body.url', message: expect.stringContaining('must use https') }] });
    expect(plain.body.error.details[0].message).toBe('must use https; plain http is allowed only for 127.0.0.1, localhost and [::1], not for http://alerts.example.com');
    const ftp = await ferry.call('PUT', '/api/v1/organization/webhook', { url: 'ftp://alerts.example.com/ferry' });
    expect(ftp.body.error.details).toEqual([{ path: 'body.url', message: expect.stringContaining('must use https') }]);
    const threshold = await ferry.call('PUT', '/api/v1/organization/webhook', { url: receiverUrl, failedRunsThreshold: 0, events: ['runs.failed', 'nothing.happened'] });
    expect(threshold.body.error.details.map((d: any) => d.path).sort()).toEqual(['body.events[1]', 'body.failedRunsThreshold']);
    expect((await ferry.call('GET', '/api/v1/organization/webhook')).status).toBe(404);

    const saved = await must('PUT', '/api/v1/organization/webhook', { url: receiverUrl });
    expect(saved).toMatchObject({ url: receiverUrl, events: ['integration.disabled', 'runs.failed', 'conflict.held'], failedRunsThreshold: 3, hasSecret: true });
    expect(saved.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    secret = saved.secret;

    const shown = await ferry.call('GET', '/api/v1/organization/webhook');
    expect(shown.status).toBe(200);
    expect(shown.body).toEqual({ url: receiverUrl, events: ['integration.disabled', 'runs.failed', 'conflict.held'], failedRunsThreshold: 3, hasSecret: true, createdAt: expect.any(String), updatedAt: expect.any(String) });
    expect(JSON.stringify(shown.body)).not.toContain(secret);
    // Sealed at rest, not stored as given.
    const [stored] = await ferry.db.query<{ sealed_secret: string }>('SELECT sealed_secret FROM webhooks WHERE org_id = $1', [ferry.orgId]);
    expect(stored!.sealed_secret).toMatch(/^v1\./);
    expect(stored!.sealed_secret).not.toContain(secret);

    // Saved again without a secret: the webhook keeps its own (none in the answer).
    const changed = await must('PUT', '/api/v1/organization/webhook', { url: receiverUrl, failedRunsThreshold: 5 });
    expect(changed).toMatchObject({ failedRunsThreshold: 5, hasSecret: true });
    expect(changed).not.toHaveProperty('secret');

    // The test delivery is signed with that kept secret: the receiver accepts it.
    const tested = await must('POST', '/api/v1/organization/webhook/test');
    expect(tested).toMatchObject({ delivered: true, status: 200, error: null, delivery: { type: 'webhook.test', status: 'delivered', attempts: 1, lastStatus: 200, lastError: null } });
    const test = received.find((r) => r.body.id === tested.delivery.id)!;
    expect(test).toMatchObject({ verified: true, answered: 200, deliveryId: tested.delivery.id, body: { type: 'webhook.test', organizationId: ferry.orgId, createdAt: expect.any(String) } });
    expect(test.signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);

    // A receiver that refuses: the test says so, with its status.
    script.push(403);
    const refused = await must('POST', '/api/v1/organization/webhook/test');
    expect(refused).toMatchObject({ delivered: false, status: 403, delivery: { status: 'failed', attempts: 1, lastStatus: 403 } });
    expect(refused.error).toContain('answered 403');
    const listed = (await must('GET', '/api/v1/organization/webhook/deliveries?type=webhook.test')).data;
    expect(listed.slice(0, 2).map((d: any) => [d.id, d.status])).toEqual([[refused.delivery.id, 'failed'], [tested.delivery.id, 'delivered']]);
  });

  it('sends integration.disabled when an integration disables itself, with the reason and its error events, and no secret', async () => {
    await configure({ events: ['integration.disabled'] });
    const integration = await accountsIntegration({ errorThreshold: 2 });
    refuseAccounts(2);
    await runWith(integration.id, 'HOOK-DISABLE-1', 1);
    await must('POST', '/api/v1/accounts', { code: 'HOOK-DISABLE-2', name: 'Account HOOK-DISABLE-2' });
    await ferry.eventually(async () => ((await must('GET', `/api/v1/integrations/${integration.id}`)).enabled ? undefined : true));

    const [alert] = await arrived(() => {
      const found = deliveriesOf('integration.disabled', integration.id);
      return found.length > 0 ? found : undefined;
    });
    expect(alert!.verified).toBe(true);
    expect(alert!.deliveryId).toBe(alert!.body.id);
    expect(alert!.body).toMatchObject({
      type: 'integration.disabled',
      organizationId: ferry.orgId,
      data: {
        integration: { id: integration.id, name: integration.name, entityType: 'Account' },
        reason: '2 successive failed runs (threshold 2)',
        failedRuns: 2,
        runId: expect.any(String),
      },
    });
    expect(alert!.body.data.recentErrors.length).toBeGreaterThan(0);
    expect(alert!.body.data.recentErrors[0]).toMatchObject({ name: expect.stringMatching(/\.error$/), salesforceError: { errorCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION' } });
    // The credential's secrets stay in Ferry.
    const text = JSON.stringify(alert!.body);
    expect(text).not.toContain(DEFAULT_IDENTITY.password);
    expect(text).not.toContain(DEFAULT_IDENTITY.securityToken);
    // runs.failed is not among the webhook's events: none went.
    expect(received.filter((r) => r.body.data?.integration?.id === integration.id).map((r) => r.body.type)).toEqual(['integration.disabled']);
    const [delivery] = (await must('GET', '/api/v1/organization/webhook/deliveries?type=integration.disabled')).data;
    expect(delivery).toMatchObject({ id: alert!.body.id, integrationId: integration.id, status: 'delivered', attempts: 1, lastStatus: 200 });
  });

  it('sends runs.failed once when successive failed runs reach the threshold, and again only after a run that delivers', async () => {
    await configure({ events: ['runs.failed'], failedRunsThreshold: 3 });
    const integration = await accountsIntegration();
    refuseAccounts(4);
    for (let i = 1; i <= 4; i++) await runWith(integration.id, `HOOK-FAILED-${i}`, i);
    // The streak ends with a run that delivers; a new one reaches the threshold again.
    await runWith(integration.id, 'HOOK-FAILED-OK', 0);
    refuseAccounts(3);
    for (let i = 1; i <= 3; i++) await runWith(integration.id, `HOOK-FAILED-AGAIN-${i}`, i);

    const alerts = await arrived(() => {
      const found = deliveriesOf('runs.failed', integration.id);
      return found.length >= 2 ? found : undefined;
    });
    // Once per streak: not on the fourth failed run of the first one.
    expect(alerts.map((a) => [a.verified, a.body.data.failedRuns])).toEqual([[true, 3], [true, 3]]);
    expect(alerts[0]!.body.data).toMatchObject({ integration: { id: integration.id, entityType: 'Account' }, recentErrors: expect.arrayContaining([expect.objectContaining({ salesforceError: expect.objectContaining({ errorCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION' }) })]) });
    expect(alerts[0]!.body.id).not.toBe(alerts[1]!.body.id);
    expect((await must('GET', `/api/v1/integrations/${integration.id}`)).enabled).toBe(true);
  });

  it('sends one conflict.held per incoming run, listing every conflict it held', async () => {
    await configure({ events: ['conflict.held'] });
    const conn = await oauthLogin(ferry.emulator);
    const integration = await must('POST', '/api/v1/integrations', {
      name: 'Held for review', entityType: 'Account', credentialId: credential.id, trigger: { onChange: false },
      sync: { direction: 'both', reader: 'polling', pollIntervalSeconds: 3600, conflictPolicy: 'hold' },
    });
    created.push(integration.id);
    await must('PUT', `/api/v1/integrations/${integration.id}/mapping`, { rules: [{ ferry: 'name', salesforce: 'Name', direction: 'both' }, { ferry: 'code', salesforce: 'AccountNumber' }] });
    await runNow(integration.id, 'incoming');
    const accounts = [];
    for (const code of ['HOOK-HELD-1', 'HOOK-HELD-2']) accounts.push(await must('POST', '/api/v1/accounts', { code, name: `Account ${code}` }));
    expect((await runNow(integration.id, 'incremental')).counts.sent).toBe(2);
    for (const account of accounts) {
      await must('PATCH', `/api/v1/accounts/${account.id}`, { name: `Ferry ${account.code}` });
      const [sf] = (await conn.query<any>(`SELECT Id FROM Account WHERE Ferry_Id__c = '${account.id}'`)).records;
      await conn.sobject('Account').update({ Id: sf.Id, Name: `Salesforce ${account.code}` });
    }
    const run = await runNow(integration.id, 'incoming');
    const open = (await must('GET', `/api/v1/conflicts?integrationId=${integration.id}&open=true`)).data;
    expect(open).toHaveLength(2);

    const [alert] = await arrived(() => {
      const found = deliveriesOf('conflict.held', integration.id);
      return found.length > 0 ? found : undefined;
    });
    expect(alert!.verified).toBe(true);
    expect(alert!.body.data).toMatchObject({ integration: { id: integration.id, name: 'Held for review' }, runId: run.id, count: 2 });
    expect(alert!.body.data.conflicts.map((c: any) => [c.id, c.entityId, c.fields]).sort()).toEqual(open.map((c: any) => [c.id, c.entityId, ['name']]).sort());
    // Field paths only: the conflicting values stay in Ferry (GET /conflicts).
    expect(JSON.stringify(alert!.body)).not.toContain('Salesforce HOOK-HELD-1');
    // One delivery for the run, not one per conflict.
    expect(deliveriesOf('conflict.held', integration.id)).toHaveLength(1);
  });

  it('retries a receiver that answers 500 twice and delivers on the third attempt, signed each time', async () => {
    await configure({ events: ['runs.failed'], failedRunsThreshold: 1 });
    const integration = await accountsIntegration();
    refuseAccounts(1);
    script.push(500, 500);
    await runWith(integration.id, 'HOOK-RETRY-1', 1);

    const accepted = await arrived(() => deliveriesOf('runs.failed', integration.id)[0]);
    const attempts = received.filter((r) => r.deliveryId === accepted.body.id);
    expect(attempts.map((r) => [r.verified, r.answered])).toEqual([[true, 500], [true, 500], [true, 200]]);
    expect(new Set(attempts.map((r) => r.body.id))).toEqual(new Set([accepted.body.id]));
    const delivery = await ferry.eventually(async () => {
      const [found] = (await must('GET', '/api/v1/organization/webhook/deliveries?type=runs.failed&limit=200')).data.filter((d: any) => d.id === accepted.body.id);
      return found?.status === 'delivered' ? found : undefined;
    });
    expect(delivery).toMatchObject({ integrationId: integration.id, attempts: 3, lastStatus: 200, lastError: null, finishedAt: expect.any(String) });
  });

  it('loses no delivery to a stop: one being sent is sent after the restart, one never queued by the next sweep', async () => {
    await configure();
    const row = (id: string, status: string) => ferry.db.query(
      `INSERT INTO webhook_deliveries (org_id, id, type, data, status, attempts, claim_id, claimed_until, created_at)
       VALUES ($1, $2, 'runs.failed', $3::jsonb, $4, $5, $6, $7, now() - interval '5 minutes')`,
      [ferry.orgId, id, JSON.stringify({ note: status }), status, status === 'sending' ? 1 : 0, status === 'sending' ? '0190a3c2-7b1e-7cc0-9a4e-000000000001' : null, status === 'sending' ? new Date(Date.now() + 3_600_000) : null],
    );
    // Stopped mid-send: the row is still claimed by the process that is gone.
    const interrupted = '0190a3c2-7b1e-7cc0-9a4e-00000000a001';
    await ferry.restart(async () => {
      await row(interrupted, 'sending');
    });
    const resent = await arrived(() => received.find((r) => r.deliveryId === interrupted && r.answered === 200));
    expect(resent).toMatchObject({ verified: true, body: { id: interrupted, type: 'runs.failed', data: { note: 'sending' } } });

    // Written, but its job never queued (the process stopped in between): the tick's sweep queues it.
    const orphan = '0190a3c2-7b1e-7cc0-9a4e-00000000a002';
    await row(orphan, 'pending');
    await ferry.engine.webhooks.sweep();
    await arrived(() => received.find((r) => r.deliveryId === orphan && r.answered === 200));
    const listed = (await must('GET', '/api/v1/organization/webhook/deliveries?limit=200')).data.filter((d: any) => d.id === interrupted || d.id === orphan);
    expect(listed.map((d: any) => [d.id, d.status, d.attempts])).toEqual([[orphan, 'delivered', 1], [interrupted, 'delivered', 2]]);
  });
});
