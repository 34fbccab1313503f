import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectAccessible, newPage, screenshot, signIn, useConsole } from '../browser.ts';
import { oauthLogin } from '../emulator/support.ts';

const app = useConsole();

let page: Page & { consoleErrors: string[] };
let credential: any;
let conn: Awaited<ReturnType<typeof oauthLogin>>;
// Shared by the tests below, in order: a Bills integration whose first bill fails (its account is
// not in the org), then an Accounts integration that delivers the account.
let bills: any;
let accounts: any;
let account: any;
let failingBill: any;
let mapped: any;
let mappedAccount: any;

beforeAll(async () => {
  credential = await app.ferry.credential();
  conn = await oauthLogin(app.ferry.emulator);
  page = await newPage(app.browser);
  await signIn(page, app.ferry.url, app.ferry.apiKey);
});

const sf = async (soql: string) => (await conn.query<any>(soql)).records;

function bill(accountId: string, billNumber: string, description = 'Platform fee') {
  return {
    accountId, billNumber, billDate: '2026-02-01', periodStart: '2026-01-01', periodEnd: '2026-01-31', dueDate: '2026-03-01', currency: 'USD', total: '100.00',
    lineItems: [{ lineItemType: 'STANDING_CHARGE', productCode: 'PLAT', description, quantity: '1', unitPrice: '100', amount: '100' }],
  };
}

async function integration(body: Record<string, unknown>) {
  const res = await app.ferry.call('POST', '/api/v1/integrations', { credentialId: credential.id, ...body });
  expect(res.status).toBe(201);
  return res.body;
}

async function open(path: string): Promise<void> {
  await page.goto(`${app.ferry.url}${path}`);
}

const eventRow = (eventId: string) => page.locator(`tr[data-event-id="${eventId}"]`);

describe('runs in the console', () => {
  it('shows a new run without a reload while a sync runs, and a run\'s page with its events and request log rows', async () => {
    bills = await integration({ name: 'Bills', entityType: 'Bill' });
    account = (await app.ferry.call('POST', '/api/v1/accounts', { code: 'CONSOLE-1', name: 'Console Ltd' })).body;
    await app.ferry.settle(bills.id);

    await open('/runs');
    await page.getByRole('heading', { name: 'Runs', level: 2 }).waitFor();
    await page.getByText('No runs yet').waitFor();
    // A sync started through the API appears on the open page by itself.
    failingBill = (await app.ferry.call('POST', '/api/v1/bills', bill(account.id, 'INV-CONSOLE-1'))).body;
    const run = await app.ferry.eventually(async () => (await app.ferry.call('GET', `/api/v1/runs?integrationId=${bills.id}`)).body.data[0]);
    await page.getByRole('link', { name: new RegExp(run.id) }).waitFor();
    await app.ferry.settle(bills.id);
    const finished = (await app.ferry.call('GET', `/api/v1/runs/${run.id}`)).body;
    expect(finished).toMatchObject({ status: 'ERROR', counts: { failed: 1 } });
    const row = page.getByRole('row').filter({ has: page.getByRole('link', { name: new RegExp(run.id) }) });
    await expect.poll(() => row.textContent()).toContain('ERROR');
    expect(await row.textContent()).toContain('Bills');
    await page.getByRole('combobox', { name: 'Status', exact: true }).click();
    await page.getByRole('option', { name: 'COMPLETE' }).click();
    await page.getByText('No runs match these filters').waitFor();
    await page.getByRole('combobox', { name: 'Status', exact: true }).click();
    await page.getByRole('option', { name: 'ERROR' }).click();
    await row.waitFor();
    await expectAccessible(page, 'runs page');
    await screenshot(page, 'runs');

    await page.getByRole('link', { name: new RegExp(run.id) }).click();
    await page.waitForURL(`${app.ferry.url}/runs/${run.id}`);
    await page.getByRole('heading', { name: 'Run', level: 2 }).waitFor();
    // Its event, with Salesforce's own error, and its request log rows.
    const events = page.getByRole('table', { name: 'Events' });
    await expect.poll(() => events.textContent()).toContain('integration.missing_account_mapping.error');
    const [event] = (await app.ferry.call('GET', `/api/v1/events?runId=${run.id}`)).body.data;
    expect(event).toMatchObject({ name: 'integration.missing_account_mapping.error', entityId: failingBill.id });
    expect(event.salesforceError).not.toBeNull();
    expect(await events.textContent()).toContain(event.salesforceError.errorCode);
    const requests = page.getByRole('table', { name: 'Request log' });
    const logs = (await app.ferry.call('GET', `/api/v1/request-logs?runId=${run.id}`)).body.data;
    expect(logs.length).toBeGreaterThan(0);
    await expect.poll(() => requests.getByRole('row').count()).toBe(logs.length + 1);
    await expectAccessible(page, 'run page');
    await screenshot(page, 'run');
    expect(page.consoleErrors).toEqual([]);
  });

  it('replays a run from its page: a new run of the same records, opened at once', async () => {
    accounts = await integration({ name: 'Accounts', entityType: 'Account' });
    // The first write of the account fails once (a locked row): a Failed request, then a Success.
    app.ferry.emulator.controls.addFault({ method: 'PATCH', path: '/services/data/*/composite/sobjects/Account/*', count: 1, errorCode: 'UNABLE_TO_LOCK_ROW' });
    const full = await app.ferry.call('POST', `/api/v1/integrations/${accounts.id}/sync`, { mode: 'full' });
    expect(full.status).toBe(202);
    await app.ferry.settle(accounts.id);
    const delivered = (await app.ferry.call('GET', `/api/v1/runs/${full.body.id}`)).body;
    expect(delivered).toMatchObject({ status: 'COMPLETE', counts: { sent: 1 } });

    await open(`/runs/${delivered.id}`);
    await page.getByRole('button', { name: 'Replay' }).click();
    await page.waitForURL((url) => url.pathname.startsWith('/runs/') && !url.pathname.endsWith(delivered.id));
    const replayId = new URL(page.url()).pathname.split('/').pop()!;
    const replay = (await app.ferry.call('GET', `/api/v1/runs/${replayId}`)).body;
    expect(replay).toMatchObject({ replayOf: delivered.id, trigger: 'replay', integrationId: accounts.id });
    await page.getByRole('link', { name: 'the run it replays' }).waitFor();
    await app.ferry.settle(accounts.id);
    await expect.poll(async () => page.getByText('COMPLETE').first().isVisible()).toBe(true);
    expect(page.consoleErrors).toEqual([]);
  });

  it('shows the request log\'s Success and Failed rows, with Salesforce\'s error behind a toggle, filtered by status', async () => {
    await open('/request-logs');
    await page.getByRole('heading', { name: 'Request log', level: 2 }).waitFor();
    const table = page.getByRole('table', { name: 'Request log' });
    await expect.poll(() => table.textContent()).toContain('Failed');
    expect(await table.textContent()).toContain('Success');
    const failed = (await app.ferry.call('GET', '/api/v1/request-logs?status=Failed')).body.data;
    expect(failed).toEqual([expect.objectContaining({ error: expect.objectContaining({ errorCode: 'UNABLE_TO_LOCK_ROW' }) })]);
    // Used of max, as Salesforce reported it.
    const used = (await app.ferry.call('GET', '/api/v1/request-logs?status=Success')).body.data.find((l: any) => l.apiUsage !== null);
    await page.getByRole('combobox', { name: 'Request status', exact: true }).click();
    await page.getByRole('option', { name: 'Success' }).click();
    await expect.poll(() => table.textContent()).toContain(`${used.apiUsage.used.toLocaleString('en-US')} / ${used.apiUsage.max.toLocaleString('en-US')}`);
    expect(await table.textContent()).not.toContain('Failed');
    await page.getByRole('combobox', { name: 'Request status', exact: true }).click();
    await page.getByRole('option', { name: 'Failed' }).click();
    await expect.poll(() => table.getByRole('row').count()).toBe(2);
    const toggle = table.getByRole('button', { name: 'UNABLE_TO_LOCK_ROW' });
    expect(await toggle.getAttribute('aria-expanded')).toBe('false');
    await toggle.click();
    expect(await toggle.getAttribute('aria-expanded')).toBe('true');
    await expect.poll(() => table.textContent()).toContain(failed[0].error.message);
    await expectAccessible(page, 'request log page');
    await screenshot(page, 'request-logs');
    expect(page.consoleErrors).toEqual([]);
  });
});

describe('events in the console', () => {
  it('links the missing mapping to its fix, and retries the failed bill once the mapping exists', async () => {
    // Bills now go through external mappings only, one integration at a time.
    await app.ferry.call('POST', `/api/v1/integrations/${bills.id}/disable`);
    mapped = await integration({ name: 'Mapped bills', entityType: 'Bill', settings: { useExternalMappingAccountCode: true, enforceExternalMappings: true } });
    mappedAccount = (await app.ferry.call('POST', '/api/v1/accounts', { code: 'CONSOLE-2', name: 'Mapped Ltd' })).body;
    const unmapped = (await app.ferry.call('POST', '/api/v1/bills', bill(mappedAccount.id, 'INV-CONSOLE-2'))).body;
    await app.ferry.settle(mapped.id);
    const missing = (await app.ferry.call('GET', `/api/v1/events?integrationId=${mapped.id}&name=integration.missing_account_mapping.error`)).body.data.find((e: any) => e.entityId === unmapped.id);
    expect(missing).toBeDefined();

    await open('/events');
    await page.getByRole('heading', { name: 'Events', level: 2 }).waitFor();
    const row = eventRow(missing.id);
    const fix = row.getByRole('link', { name: 'Create the missing account mapping' });
    await fix.waitFor();
    // The bill's account, read from the bill, for the integration whose mappings count.
    expect(await fix.getAttribute('href')).toBe(`/external-mappings?create=1&entity=accounts&entityId=${mappedAccount.id}&integrationId=${mapped.id}`);
    expect(await row.textContent()).toContain(missing.hint);
    expect(await row.textContent()).toContain(missing.message);

    // The data is fixed through the API: the account in Salesforce, and the mapping to it.
    const sfAccount: any = await conn.sobject('Account').create({ Name: 'Mapped in Salesforce' });
    const created = await app.ferry.call('POST', '/api/v1/external-mappings', { externalSystem: 'salesforce', externalTable: 'Account', externalId: sfAccount.id, entity: 'accounts', entityId: mappedAccount.id, integrationId: mapped.id });
    expect(created.status).toBe(201);
    expect(await sf(`SELECT Id FROM Ferry_Bill__c WHERE Ferry_Id__c = '${unmapped.id}'`)).toEqual([]);
    await row.getByRole('button', { name: 'Retry' }).click();
    await expect.poll(() => row.textContent()).toMatch(/Retried/);
    const retried = (await app.ferry.call('GET', `/api/v1/events?integrationId=${mapped.id}`)).body.data.find((e: any) => e.id === missing.id);
    expect(retried.retryRunId).toEqual(expect.any(String));
    await app.ferry.settle(mapped.id);
    const [sfBill] = await sf(`SELECT Account__c FROM Ferry_Bill__c WHERE Ferry_Id__c = '${unmapped.id}'`);
    expect(sfBill.Account__c).toBe(sfAccount.id);
    expect((await app.ferry.call('GET', `/api/v1/runs/${retried.retryRunId}`)).body).toMatchObject({ trigger: 'retry', status: 'COMPLETE', counts: { sent: 1, failed: 0 } });
    await row.getByRole('link', { name: 'retry run' }).waitFor();
    await expectAccessible(page, 'events page');
    await screenshot(page, 'events');
    expect(page.consoleErrors).toEqual([]);
  });

  it('filters by severity, name and actioned, links a validation error to its mapping and record, and marks many actioned at once', async () => {
    const long = (await app.ferry.call('POST', '/api/v1/bills', bill(mappedAccount.id, 'INV-CONSOLE-LONG', 'Metered usage: '.padEnd(300, 'x')))).body;
    await app.ferry.settle(mapped.id);
    const [invalid] = (await app.ferry.call('GET', `/api/v1/events?name=integration.validation.error`)).body.data;
    expect(invalid.entityId).toBe(long.id);

    await open('/events');
    const table = page.getByRole('table', { name: 'Events' });
    await eventRow(invalid.id).waitFor();
    const links = eventRow(invalid.id);
    expect(await links.getByRole('link', { name: 'Open the integration\'s mapping' }).getAttribute('href')).toBe(`/integrations/${mapped.id}`);
    expect(await links.getByRole('link', { name: /Open the record/ }).getAttribute('href')).toBe(`/api/v1/bills/${long.id}`);

    await page.getByRole('combobox', { name: 'Event name', exact: true }).click();
    await page.getByRole('option', { name: 'integration.validation.error' }).click();
    await expect.poll(() => table.locator('tbody tr').count()).toBe(1);
    await page.getByRole('button', { name: 'Clear the event name filter' }).click();

    await page.getByRole('combobox', { name: 'Severity', exact: true }).click();
    await page.getByRole('option', { name: 'warning' }).click();
    await page.getByText('No events match these filters').waitFor();
    await page.getByRole('combobox', { name: 'Severity', exact: true }).click();
    await page.getByRole('option', { name: 'error' }).click();
    const errors = (await app.ferry.call('GET', '/api/v1/events?severity=error')).body.data;
    await expect.poll(() => table.locator('tbody tr').count()).toBe(errors.length);

    await page.getByRole('combobox', { name: 'Actioned', exact: true }).click();
    await page.getByRole('option', { name: 'Open (not actioned)' }).click();
    await expect.poll(() => table.locator('tbody tr').count()).toBe(errors.length);
    await page.getByLabel('Select all events shown').check();
    await page.getByRole('button', { name: `Mark selected actioned (${errors.length})` }).click();
    await page.getByText('No events match these filters').waitFor();
    const after = (await app.ferry.call('GET', '/api/v1/events?severity=error')).body.data;
    expect(after.every((e: any) => e.actionedAt !== null)).toBe(true);
    await page.getByRole('combobox', { name: 'Actioned', exact: true }).click();
    await page.getByRole('option', { name: 'Actioned', exact: true }).click();
    await expect.poll(() => table.locator('tbody tr').count()).toBe(errors.length);
    await expectAccessible(page, 'events page, filtered');
    await screenshot(page, 'events-actioned');
    expect(page.consoleErrors).toEqual([]);
  });
});
