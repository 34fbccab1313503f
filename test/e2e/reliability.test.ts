import { SMTPServer } from 'smtp-server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_IDENTITY, startEmulator } from '../../src/emulator/index.ts';
import { smtpMailer } from '../../src/engine/index.ts';
import { oauthLogin } from '../emulator/support.ts';
import { startTestFerry, type TestFerry } from '../ferry.ts';

interface Received {
  to: string[];
  body: string;
}

let ferry: TestFerry;
let credential: any;
let smtp: SMTPServer;
const inbox: Received[] = [];

beforeAll(async () => {
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      let body = '';
      stream.on('data', (chunk: Buffer) => (body += chunk.toString()));
      stream.on('end', () => {
        inbox.push({ to: session.envelope.rcptTo.map((r) => r.address), body });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  const address = smtp.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  ferry = await startTestFerry({ mailer: smtpMailer(`smtp://127.0.0.1:${port}`, 'ferry@localhost') });
  credential = await ferry.credential();
});
afterAll(async () => {
  await ferry.stop();
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
});

const created: string[] = [];
afterEach(async () => {
  ferry.emulator.controls.clearFaults();
  for (const id of created.splice(0)) await ferry.call('POST', `/api/v1/integrations/${id}/disable`);
});

async function accountsIntegration(extra: Record<string, unknown> = {}) {
  const res = await ferry.call('POST', '/api/v1/integrations', { name: 'Accounts', entityType: 'Account', credentialId: credential.id, ...extra });
  expect(res.status).toBe(201);
  created.push(res.body.id);
  return res.body;
}

async function sfAccounts(ids: string[]) {
  const conn = await oauthLogin(ferry.emulator);
  return (await conn.query<any>(`SELECT Id, Ferry_Id__c, Name FROM Account WHERE Ferry_Id__c IN (${ids.map((id) => `'${id}'`).join(',')})`)).records;
}

async function newAccount(code: string) {
  return (await ferry.call('POST', '/api/v1/accounts', { code, name: `Account ${code}` })).body;
}

async function runsOf(integrationId: string) {
  return (await ferry.call('GET', `/api/v1/runs?integrationId=${integrationId}`)).body.data;
}

describe('transient faults', () => {
  it.each<[string, { errorCode: string; hangMs?: number; status?: number }]>([
    ['UNABLE_TO_LOCK_ROW', { errorCode: 'UNABLE_TO_LOCK_ROW' }],
    ['a 500', { errorCode: 'UNKNOWN_EXCEPTION' }],
    ['a 503', { errorCode: 'SERVER_UNAVAILABLE' }],
    ['a hang past the timeout', { errorCode: 'UNKNOWN_EXCEPTION', hangMs: 7000, status: 200 }],
  ])('retries after %s and delivers exactly once', async (_label, fault) => {
    const integration = await accountsIntegration();
    ferry.emulator.controls.addFault({ method: 'PATCH', path: '/services/data/*/composite/sobjects/Account/*', count: 2, ...fault });
    const account = await newAccount(`FAULT-${fault.errorCode}-${fault.hangMs ?? 0}`);
    await ferry.settle(integration.id, 30_000);
    expect(await sfAccounts([account.id])).toHaveLength(1);
    // A sweep may queue an empty follow-up run while a slow one is in flight: look at the one that sent.
    const run = await ferry.deliveringRun(integration.id);
    // A hung call may still land late, so the retry updates the record it created: one record either way.
    expect(run).toMatchObject({ status: 'COMPLETE', counts: { sent: 1, failed: 0 } });
    expect(run.counts.created + run.counts.updated).toBe(1);
    const logs = (await ferry.call('GET', `/api/v1/request-logs?runId=${run.id}`)).body.data;
    const upserts = logs.filter((l: any) => l.operation === 'upsert');
    expect(upserts.filter((l: any) => l.status === 'Failed')).toHaveLength(2);
    expect(upserts.filter((l: any) => l.status === 'Success')).toHaveLength(1);
  }, 60_000);
});

describe('answers without Salesforce\'s body', () => {
  it('treats a bare HTTP 429 as a rate limit: pauses and resumes, never gives up', async () => {
    const integration = await accountsIntegration();
    ferry.emulator.controls.addFault({ method: 'PATCH', path: '/services/data/*/composite/sobjects/Account/*', status: 429, plain: true, message: '' });
    const account = await newAccount('BARE-429');
    const paused = await ferry.eventually(async () => (await runsOf(integration.id)).find((r: any) => r.status === 'RATE_LIMIT_RETRY'));
    expect(paused.error).toEqual({ errorCode: 'ERROR_HTTP_429', message: 'Salesforce answered HTTP 429 with an empty body' });
    await ferry.eventually(async () => ((await sfAccounts([account.id])).length === 1 ? true : undefined), 20_000);
  });

  it('retries a bare 502 from a gateway and keeps its text in the request log', async () => {
    const integration = await accountsIntegration();
    ferry.emulator.controls.addFault({ method: 'PATCH', path: '/services/data/*/composite/sobjects/Account/*', status: 502, plain: true, message: 'Bad Gateway' });
    const account = await newAccount('BARE-502');
    await ferry.settle(integration.id);
    expect(await sfAccounts([account.id])).toHaveLength(1);
    const run = await ferry.deliveringRun(integration.id);
    const failed = (await ferry.call('GET', `/api/v1/request-logs?runId=${run.id}`)).body.data.filter((l: any) => l.status === 'Failed');
    expect(failed).toEqual([expect.objectContaining({ httpStatus: 502, error: expect.objectContaining({ errorCode: 'ERROR_HTTP_502', message: 'Bad Gateway' }) })]);
  });

  it('retries a 503 from the token endpoint during a session refresh and reports the real reason', async () => {
    // Signed in through the OAuth token endpoint (a connected app), which refreshes there too.
    const oauth = await ferry.credential({ name: 'Connected app', clientId: DEFAULT_IDENTITY.clientId, clientSecret: DEFAULT_IDENTITY.clientSecret });
    const integration = await accountsIntegration({ credentialId: oauth.id });
    await newAccount('REFRESH-0');
    await ferry.settle(integration.id);
    ferry.emulator.controls.expireSessions();
    ferry.emulator.controls.addFault({ path: '/services/oauth2/token', status: 503, plain: true, message: 'Service Unavailable', count: 1 });
    const account = await newAccount('REFRESH-503');
    await ferry.settle(integration.id);
    expect(await sfAccounts([account.id])).toHaveLength(1);
    const run = await ferry.deliveringRun(integration.id, (r: any) => r.recordIds.includes(account.id) && r.counts.sent > 0);
    expect(run.status).toBe('COMPLETE');
    const failed = (await ferry.call('GET', `/api/v1/request-logs?runId=${run.id}`)).body.data.filter((l: any) => l.status === 'Failed');
    expect(failed).toEqual([expect.objectContaining({ httpStatus: 503, error: expect.objectContaining({ errorCode: 'ERROR_HTTP_503', message: 'Refreshing the Salesforce session failed: Service Unavailable' }) })]);
  });
});

describe('sessions and limits', () => {
  it('refreshes an expired session once and carries on', async () => {
    const integration = await accountsIntegration();
    ferry.emulator.controls.expireSessions();
    const account = await newAccount('SESSION-1');
    await ferry.settle(integration.id);
    expect(await sfAccounts([account.id])).toHaveLength(1);
    expect((await runsOf(integration.id))[0].status).toBe('COMPLETE');
  });

  it('pauses on REQUEST_LIMIT_EXCEEDED and resumes by itself when the pause ends', async () => {
    const integration = await accountsIntegration();
    ferry.emulator.controls.addFault({ path: '/services/data/*/composite/sobjects/Account/*', errorCode: 'REQUEST_LIMIT_EXCEEDED', count: 1 });
    const account = await newAccount('LIMIT-1');
    const paused = await ferry.eventually(async () => {
      const runs = await runsOf(integration.id);
      return runs.find((r: any) => r.status === 'RATE_LIMIT_RETRY');
    });
    expect(paused.error.errorCode).toBe('REQUEST_LIMIT_EXCEEDED');
    const view = (await ferry.call('GET', `/api/v1/integrations/${integration.id}`)).body;
    expect(view.pausedUntil).toEqual(expect.any(String));
    const events = (await ferry.call('GET', `/api/v1/events?integrationId=${integration.id}`)).body.data;
    expect(events[0]).toMatchObject({ name: 'integration.rate_limit.warning', salesforceError: { errorCode: 'REQUEST_LIMIT_EXCEEDED' } });
    await ferry.eventually(async () => ((await sfAccounts([account.id])).length === 1 ? true : undefined), 20_000);
  });

  it('keeps Ferry under its share of the daily API allocation', async () => {
    const integration = await accountsIntegration({ delivery: { budgetShare: 0.5 } });
    ferry.emulator.controls.setApiLimit(1000, 600);
    try {
      // The first call learns the usage (601 of 1000, past the 50% share); the next is refused.
      await newAccount('BUDGET-0');
      await ferry.settle(integration.id);
      await newAccount('BUDGET-1');
      const run = await ferry.eventually(async () => (await runsOf(integration.id)).find((r: any) => r.status === 'RATE_LIMIT_RETRY'));
      expect(run.error.errorCode).toBe('FERRY_API_BUDGET_EXHAUSTED');
    } finally {
      ferry.emulator.controls.setApiLimit(1_000_000, 0);
    }
  });

  it('stops with AUTH_FAILED and an authentication event when the credential is refused', async () => {
    const bad = (await ferry.call('POST', '/api/v1/credentials', { name: 'Wrong password', type: 'password', loginUrl: ferry.emulator.loginUrl, username: 'admin@ferry.test', password: 'nope' })).body;
    const tested = await ferry.call('POST', `/api/v1/credentials/${bad.id}/test`);
    expect(tested.body).toMatchObject({ ok: false, errorCode: 'INVALID_LOGIN', hint: expect.stringContaining('security token') });
    expect(JSON.stringify((await ferry.call('GET', `/api/v1/credentials/${bad.id}`)).body)).not.toContain('nope');
    const integration = await accountsIntegration({ credentialId: bad.id });
    await newAccount('AUTH-1');
    const run = await ferry.eventually(async () => (await runsOf(integration.id)).find((r: any) => r.status === 'AUTH_FAILED'));
    expect(run.error.errorCode).toBe('INVALID_LOGIN');
    const events = (await ferry.call('GET', `/api/v1/events?integrationId=${integration.id}&name=integration.authentication.error`)).body.data;
    expect(events).toHaveLength(1);
  });
});

function billOf(accountId: string, billNumber: string) {
  return {
    accountId, billNumber, billDate: '2026-01-31', periodStart: '2026-01-01', periodEnd: '2026-01-31', dueDate: '2026-02-28',
    currency: 'EUR', total: '1.00', lineItems: [{ lineItemType: 'USAGE', quantity: '1', unitPrice: '1', amount: '1' }],
  };
}

async function billsIntegration(name: string, settings: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  const res = await ferry.call('POST', '/api/v1/integrations', { name, entityType: 'Bill', credentialId: credential.id, settings, ...extra });
  expect(res.status).toBe(201);
  created.push(res.body.id);
  return res.body;
}

describe('auto-disable', () => {
  it('disables itself after 10 successive failed runs and e-mails the chosen users', async () => {
    const user = (await ferry.call('POST', '/api/v1/users', { email: 'ops@billing.example', name: 'Ops' })).body;
    const bills = await billsIntegration('Bills without accounts', { notifyUserIds: [user.id], useExternalMappingAccountCode: true });
    const account = await newAccount('DISABLE-1');
    for (let i = 0; i < 9; i++) {
      await ferry.call('POST', '/api/v1/bills', billOf(account.id, `DIS-${i}`));
      await ferry.settle(bills.id);
    }
    expect((await ferry.call('GET', `/api/v1/integrations/${bills.id}`)).body).toMatchObject({ enabled: true, consecutiveErrors: 9 });
    await ferry.call('POST', '/api/v1/bills', billOf(account.id, 'DIS-9'));
    const disabled = await ferry.eventually(async () => {
      const view = (await ferry.call('GET', `/api/v1/integrations/${bills.id}`)).body;
      return view.enabled ? undefined : view;
    });
    expect(disabled).toMatchObject({ status: 'DISABLED', consecutiveErrors: 10, disabledReason: '10 successive failed runs (threshold 10)' });
    const events = (await ferry.call('GET', `/api/v1/events?integrationId=${bills.id}&name=integration.disabled`)).body.data;
    expect(events).toHaveLength(1);
    const mail = await ferry.eventually(() => Promise.resolve(inbox.find((m) => m.to.includes('ops@billing.example'))));
    expect(mail.body).toContain('Bills without accounts');
    expect(mail.body).toContain('integration.missing_account_mapping.error');

    // Re-enabling resets the count.
    const enabled = (await ferry.call('POST', `/api/v1/integrations/${bills.id}/enable`)).body;
    expect(enabled).toMatchObject({ enabled: true, consecutiveErrors: 0, status: 'CONNECTED' });
  });

  it('stays enabled when one run delivers one bill and ten are refused: the run delivered something', async () => {
    const bills = await billsIntegration('Mixed bills', { useExternalMappingAccountCode: true });
    const mapped = await newAccount('MIXED-MAPPED');
    const unmapped = await newAccount('MIXED-UNMAPPED');
    const conn = await oauthLogin(ferry.emulator);
    const sfAccount = (await conn.sobject('Account').create({ Name: 'Mixed in Salesforce' })) as { id: string };
    await ferry.call('POST', '/api/v1/external-mappings', { externalSystem: 'salesforce', externalTable: 'Account', externalId: sfAccount.id, entity: 'accounts', entityId: mapped.id });
    const items = [billOf(mapped.id, 'MIX-OK'), ...Array.from({ length: 10 }, (_, i) => billOf(unmapped.id, `MIX-${i}`))];
    expect((await ferry.call('POST', '/api/v1/bills/bulk', { items })).body.summary.created).toBe(11);
    await ferry.settle(bills.id);
    const run = await ferry.deliveringRun(bills.id);
    expect(run.counts).toMatchObject({ sent: 1, failed: 10 });
    expect((await ferry.call('GET', `/api/v1/integrations/${bills.id}`)).body).toMatchObject({ enabled: true, consecutiveErrors: 0 });
  });

  it('counts successive errors across runs and resets on a success', async () => {
    const integration = await accountsIntegration({ errorThreshold: 3 });
    ferry.emulator.controls.addFault({ path: '/services/data/*/composite/sobjects/Account/*', status: 400, errorCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION', message: 'Blocked by a validation rule', count: 2 });
    await newAccount('COUNT-1');
    await ferry.settle(integration.id);
    await newAccount('COUNT-2');
    await ferry.settle(integration.id);
    expect((await ferry.call('GET', `/api/v1/integrations/${integration.id}`)).body.consecutiveErrors).toBe(2);
    await newAccount('COUNT-3');
    await ferry.settle(integration.id);
    expect((await ferry.call('GET', `/api/v1/integrations/${integration.id}`)).body).toMatchObject({ consecutiveErrors: 0, enabled: true });
  });

  it('reports a fault in Ferry as an internal error: not the customer\'s, not counted, nobody e-mailed', async () => {
    const user = (await ferry.call('POST', '/api/v1/users', { email: 'internal@billing.example', name: 'Ops' })).body;
    const accounts = await accountsIntegration();
    const bills = await billsIntegration('Bills hit by a bug', { notifyUserIds: [user.id] }, { errorThreshold: 1 });
    const account = await newAccount('INTERNAL-1');
    await ferry.settle(accounts.id);
    const bill = (await ferry.call('POST', '/api/v1/bills', billOf(account.id, 'INT-1'))).body;
    await ferry.settle(bills.id);
    // Data no API write can produce, as a bug might leave it: the runner trips over it.
    await ferry.db.query(`UPDATE records SET data = jsonb_set(data, '{lineItems}', '"not a list"') WHERE id = $1`, [bill.id]);
    const sync = await ferry.call('POST', `/api/v1/integrations/${bills.id}/sync`, { mode: 'full' });
    await ferry.settle(bills.id);
    const run = (await ferry.call('GET', `/api/v1/runs/${sync.body.id}`)).body;
    expect(run).toMatchObject({ status: 'ERROR', error: { errorCode: 'INTERNAL_ERROR', message: expect.stringContaining('TypeError') } });
    const events = (await ferry.call('GET', `/api/v1/events?runId=${run.id}`)).body.data;
    expect(events.map((e: any) => e.name)).toEqual(['integration.internal.error']);
    expect(events[0].message).toContain('fault in Ferry, not in your data');
    expect((await ferry.call('GET', `/api/v1/integrations/${bills.id}`)).body).toMatchObject({ enabled: true, consecutiveErrors: 0 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(inbox.filter((m) => m.to.includes('internal@billing.example'))).toEqual([]);
  });
});

describe('stored settings', () => {
  it('stops the run, sends nothing and says why when a stored account filter no longer compiles', async () => {
    const accounts = await accountsIntegration({ settings: { accountFilter: 'customFields.country == "UK"' } });
    // As a filter saved by an older Ferry whose grammar allowed it might read today.
    await ferry.db.query(`UPDATE integrations SET settings = jsonb_set(settings, '{accountFilter}', '"customFields.country == \\"UK\\" AND colour == 1"') WHERE id = $1`, [accounts.id]);
    const account = await newAccount('FILTER-BROKEN');
    await ferry.settle(accounts.id);
    expect(await sfAccounts([account.id])).toEqual([]);
    const runs = await runsOf(accounts.id);
    expect(runs[0]).toMatchObject({ status: 'ERROR', counts: { sent: 0 }, error: { errorCode: 'INVALID_STORED_SETTING' } });
    const events = (await ferry.call('GET', `/api/v1/events?integrationId=${accounts.id}&name=integration.configuration.error`)).body.data;
    expect(events).toHaveLength(1);
    expect(events[0].message).toContain('account filter no longer compiles');
    expect(events[0].message).toContain('colour');
    const preview = (await ferry.call('GET', `/api/v1/integrations/${accounts.id}/preview?mode=full&limit=1000`)).body.data;
    expect(preview.length).toBeGreaterThan(0);
    expect(preview.every((p: any) => p.action === 'skip' && p.reason.includes('no longer compiles'))).toBe(true);
    // Once fixed, the held-back change goes.
    expect((await ferry.call('PATCH', `/api/v1/integrations/${accounts.id}`, { settings: { accountFilter: null } })).status).toBe(200);
    await newAccount('FILTER-FIXED');
    await ferry.settle(accounts.id);
    expect(await sfAccounts([account.id])).toHaveLength(1);
  });
});

describe('org lock', () => {
  it('refuses to connect an integration to another Salesforce org until its links are purged on purpose', async () => {
    const integration = await accountsIntegration();
    const account = await newAccount('LOCK-1');
    await ferry.settle(integration.id);
    expect((await ferry.call('GET', `/api/v1/integrations/${integration.id}`)).body.salesforceOrgId).toBe(ferry.emulator.identity.orgId);
    // A second, real org (another emulator with its own Organization Id).
    const second = await startEmulator({ port: 0, host: '127.0.0.1', printIdentity: false, orgNumber: 2 });
    try {
      expect(second.identity.orgId).not.toBe(ferry.emulator.identity.orgId);
      const other = await ferry.credential({ name: 'Another org', loginUrl: second.loginUrl });
      const refused = await ferry.call('POST', `/api/v1/integrations/${integration.id}/connect`, { credentialId: other.id });
      expect(refused.status).toBe(409);
      expect(refused.body.error).toMatchObject({ code: 'org_mismatch', message: expect.stringContaining('purge-links') });
      // Pointing the connected credential itself at the other org is caught when the run signs in.
      await ferry.call('PATCH', `/api/v1/credentials/${credential.id}`, { loginUrl: second.loginUrl });
      await newAccount('LOCK-2');
      const mismatch = await ferry.eventually(async () => (await runsOf(integration.id)).find((r: any) => r.error?.errorCode === 'ORG_MISMATCH'));
      expect(mismatch.status).toBe('ERROR');
      const events = (await ferry.call('GET', `/api/v1/events?integrationId=${integration.id}&name=integration.org_mismatch.error`)).body.data;
      expect(events).toHaveLength(1);
      const conn = await oauthLogin(second);
      expect((await conn.query("SELECT COUNT() FROM Account")).totalSize).toBe(0);
      await ferry.call('PATCH', `/api/v1/credentials/${credential.id}`, { loginUrl: ferry.emulator.loginUrl });
      const unconfirmed = await ferry.call('POST', `/api/v1/integrations/${integration.id}/purge-links`, {});
      expect(unconfirmed.status).toBe(400);
      const purged = await ferry.call('POST', `/api/v1/integrations/${integration.id}/purge-links`, { confirm: true });
      expect(purged.body).toMatchObject({ purged: 1, integration: { salesforceOrgId: null } });
      expect((await ferry.call('POST', `/api/v1/integrations/${integration.id}/connect`, { credentialId: other.id })).status).toBe(200);
      // Purged on purpose, the next run starts over in the new org and records it.
      await ferry.call('POST', `/api/v1/integrations/${integration.id}/sync`, { mode: 'full' });
      await ferry.settle(integration.id);
      expect((await ferry.call('GET', `/api/v1/integrations/${integration.id}`)).body.salesforceOrgId).toBe(second.identity.orgId);
      expect((await conn.query(`SELECT COUNT() FROM Account WHERE Ferry_Id__c = '${account.id}'`)).totalSize).toBe(1);
    } finally {
      await second.stop();
    }
  });
});
