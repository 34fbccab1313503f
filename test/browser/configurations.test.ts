import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectAccessible, newPage, screenshot, signIn, useConsole } from '../browser.ts';

const app = useConsole();

let page: Page & { consoleErrors: string[] };
let credential: any;
let delivering: any;
let northwind: any;
let dana: any;

async function must(method: string, path: string, body?: unknown): Promise<any> {
  const res = await app.ferry.call(method, path, body);
  expect(res.status, `${method} ${path}: ${JSON.stringify(res.body)}`).toBeLessThan(300);
  return res.body;
}

/** Opens a Mantine select by its label and picks the option with this name. */
async function choose(label: string, option: string): Promise<void> {
  await page.getByRole('combobox', { name: label, exact: true }).click();
  await page.getByRole('option', { name: option, exact: true }).click();
}

async function integrationCount(): Promise<number> {
  return (await must('GET', '/api/v1/integrations')).data.length;
}

beforeAll(async () => {
  credential = await app.ferry.credential();
  delivering = await must('POST', '/api/v1/integrations', { name: 'Accounts to Salesforce', entityType: 'Account', credentialId: credential.id });
  await must('POST', '/api/v1/integrations', { name: 'Nightly bills', entityType: 'Bill', trigger: { onChange: false, schedule: { intervalMinutes: 1440 } } });
  const old = await must('POST', '/api/v1/integrations', { name: 'Old contacts', entityType: 'Contact', credentialId: credential.id });
  await must('POST', `/api/v1/integrations/${old.id}/disable`);
  // A change the connected integration delivers: its last run, complete.
  northwind = await must('POST', '/api/v1/accounts', { code: 'NW-1', name: 'Northwind Traders' });
  await must('POST', '/api/v1/accounts', { code: 'SG-2', name: 'Southern Goods' });
  await must('POST', '/api/v1/accounts', { code: 'HB-3', name: 'Harbour Supplies' });
  dana = await must('POST', '/api/v1/users', { email: 'dana@billing.example', name: 'Dana Ops' });
  await must('POST', '/api/v1/users', { email: 'lee@billing.example', name: 'Lee Finance' });
  await app.ferry.settle(delivering.id);
  page = await newPage(app.browser);
  await signIn(page, app.ferry.url, app.ferry.apiKey);
});

describe('the configurations grid', () => {
  it('groups integrations by entity type with their status, connection, last run and errors in a row, and filters them', async () => {
    await page.goto(`${app.ferry.url}/integrations`);
    const accounts = page.getByRole('region', { name: 'Account → Salesforce' });
    const row = accounts.getByRole('row', { name: /Accounts to Salesforce/ });
    await expect.poll(() => row.textContent()).toContain('COMPLETE');
    const lastRun = (await must('GET', `/api/v1/integrations/${delivering.id}`)).lastRun;
    expect(lastRun).toMatchObject({ status: 'COMPLETE', trigger: 'change' });
    const text = (await row.textContent())!;
    expect(text).toContain('CONNECTED');
    expect(text).toContain('Yes');
    expect(text).toContain('0 / 10');
    expect(await row.getByRole('link', { name: /Last run of Accounts to Salesforce: COMPLETE/ }).getAttribute('href')).toBe(`/runs/${lastRun.id}`);
    expect(await row.getByRole('link', { name: 'Accounts to Salesforce', exact: true }).getAttribute('href')).toBe(`/integrations/${delivering.id}`);

    const bills = page.getByRole('region', { name: 'Bill → Salesforce' });
    const billRow = (await bills.getByRole('row', { name: /Nightly bills/ }).textContent())!;
    expect(billRow).toContain('NOT CONNECTED');
    expect(billRow).toContain('Never');
    expect(await page.getByRole('region', { name: 'Contact → Salesforce' }).getByRole('row', { name: /Old contacts/ }).textContent()).toContain('DISABLED');
    // An entity type without an integration still offers to create one.
    const contracts = page.getByRole('region', { name: 'Contract → Salesforce' });
    expect(await contracts.textContent()).toContain('No Contract integration yet.');
    expect(await contracts.getByRole('link', { name: 'Create new Contract integration' }).getAttribute('href')).toBe('/integrations/new?entityType=Contract');
    await expectAccessible(page, 'configurations grid');
    await screenshot(page, 'configurations');

    await choose('Status', 'Disabled');
    await expect.poll(() => page.getByRole('link', { name: 'Old contacts' }).count()).toBe(1);
    expect(await page.getByRole('link', { name: 'Accounts to Salesforce', exact: true }).count()).toBe(0);
    expect(await page.getByRole('region', { name: 'Account → Salesforce' }).count()).toBe(0);
    await page.getByRole('combobox', { name: 'Status', exact: true }).click();
    await page.getByRole('option', { name: 'Disabled', exact: true }).click(); // picking it again clears it
    await page.getByRole('searchbox', { name: 'Name' }).fill('nightly');
    await expect.poll(() => page.getByRole('link', { name: 'Old contacts' }).count()).toBe(0);
    expect(await page.getByRole('link', { name: 'Nightly bills' }).count()).toBe(1);
    expect(await page.getByRole('region').count()).toBe(1);
    await page.getByRole('searchbox', { name: 'Name' }).fill('');
    await choose('Entity type', 'Account');
    await expect.poll(() => page.getByRole('region').count()).toBe(1);
    expect(await page.getByRole('link', { name: 'Accounts to Salesforce', exact: true }).count()).toBe(1);
    expect(page.consoleErrors).toEqual([]);
  });
});

describe('creating and editing an integration', () => {
  let created: any;

  it('shows an account filter error beside the field at its character and creates nothing, then creates the integration as chosen', async () => {
    await page.goto(`${app.ferry.url}/integrations`);
    await page.getByRole('region', { name: 'Account → Salesforce' }).getByRole('link', { name: 'Create new Account integration' }).click();
    await page.waitForURL(/\/integrations\/new\?entityType=Account$/);
    await page.getByRole('heading', { name: 'New Account integration' }).waitFor();

    await page.getByRole('textbox', { name: /^Name/ }).fill('UK accounts');
    await choose('Credential', `${credential.name} (connected)`);
    // The account list is searched through the API as the person types.
    await page.getByRole('combobox', { name: 'Included accounts' }).fill('northw');
    await expect.poll(() => page.getByRole('option', { name: 'Southern Goods (SG-2)' }).count()).toBe(0);
    await page.getByRole('option', { name: 'Northwind Traders (NW-1)' }).click();
    // Users too are searched through the API (by name).
    await page.getByRole('combobox', { name: 'Users to notify when disabled' }).fill('dana');
    await expect.poll(() => page.getByRole('option', { name: /Lee Finance/ }).count()).toBe(0);
    await page.getByRole('option', { name: 'Dana Ops <dana@billing.example>' }).click();
    await page.keyboard.press('Escape');
    await expectAccessible(page, 'create form');
    await screenshot(page, 'integration-form');

    const before = await integrationCount();
    const expression = 'name == "x" AND AND';
    await page.getByRole('textbox', { name: 'Account filter' }).fill(expression);
    await page.getByRole('button', { name: 'Create integration' }).click();
    const field = page.getByRole('textbox', { name: 'Account filter' });
    await expect.poll(() => field.getAttribute('aria-invalid')).toBe('true');
    const describedBy = (await field.getAttribute('aria-describedby'))!;
    const errorText = await page.locator(`[id="${describedBy.split(' ').find((id) => id.endsWith('error'))}"]`).textContent();
    const position = Number(/at character (\d+)/.exec(errorText!)![1]);
    expect(position).toBeGreaterThan(1);
    // The expression again, a caret under the character the API named.
    const marked = (await page.getByTestId('account-filter-position').locator('pre').textContent())!;
    const [line, caret] = marked.split('\n');
    expect(line).toBe(expression);
    expect(caret).toBe(`${' '.repeat(position - 1)}^`);
    expect(await page.getByRole('alert').filter({ hasText: 'The integration was not created' }).textContent()).toContain('body.settings.accountFilter');
    await expectAccessible(page, 'create form with a filter error');
    await screenshot(page, 'integration-form-filter-error');
    expect(await integrationCount()).toBe(before);
    // The app.browser logs the refused request itself; that one is expected, nothing else.
    expect(page.consoleErrors).toEqual([expect.stringContaining('status of 400 (Bad Request)')]);
    page.consoleErrors.length = 0;

    await field.fill('currency == "GBP"');
    await page.getByRole('button', { name: 'Create integration' }).click();
    await page.waitForURL(/\/integrations\/[0-9a-f-]{36}$/);
    const id = page.url().split('/').pop()!;
    created = await must('GET', `/api/v1/integrations/${id}`);
    expect(created).toMatchObject({
      name: 'UK accounts',
      entityType: 'Account',
      credentialId: credential.id,
      status: 'CONNECTED',
      settings: { includedAccountIds: [northwind.id], excludedAccountIds: [], notifyUserIds: [dana.id], accountFilter: 'currency == "GBP"' },
      trigger: { onChange: true, schedule: null },
      sync: { direction: 'to_salesforce', incoming: true, conflictPolicy: 'hold', salesforceDeletes: 'ignore' },
    });
    expect(await integrationCount()).toBe(before + 1);
  });

  it('requires a name, and saves a new name and a cron schedule in a time zone', async () => {
    await page.goto(`${app.ferry.url}/integrations/${created.id}/edit`);
    const name = page.getByRole('textbox', { name: /^Name/ });
    await expect.poll(() => name.inputValue()).toBe('UK accounts');
    // The chosen account and user show by name, not by id.
    // (Their names are fetched after the integration: wait for them.)
    await expect.poll(() => page.getByText('Northwind Traders (NW-1)').count()).toBeGreaterThan(0);
    await expect.poll(() => page.getByText('Dana Ops <dana@billing.example>').count()).toBeGreaterThan(0);

    await name.fill('');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect.poll(() => name.getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByText('is required').count()).toBe(1);
    expect((await must('GET', `/api/v1/integrations/${created.id}`)).name).toBe('UK accounts');

    await name.fill('UK accounts, weekday mornings');
    await page.getByRole('radio', { name: 'Cron expression' }).check();
    // The API's refusal of a cron expression shows beside that field.
    const cron = page.getByRole('textbox', { name: 'Cron expression' });
    await cron.fill('at dawn');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect.poll(() => cron.getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByText(/is not a cron expression/).count()).toBeGreaterThan(0);
    expect(page.consoleErrors).toEqual([expect.stringContaining('status of 400 (Bad Request)')]);
    page.consoleErrors.length = 0;
    await cron.fill('30 6 * * 1-5');
    await page.getByRole('combobox', { name: 'Time zone', exact: true }).click();
    await page.getByRole('combobox', { name: 'Time zone', exact: true }).fill('Europe/Lon');
    await page.getByRole('option', { name: 'Europe/London', exact: true }).click();
    await expectAccessible(page, 'edit form');
    await screenshot(page, 'integration-form-edit');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.waitForURL(`${app.ferry.url}/integrations/${created.id}`);
    const saved = await must('GET', `/api/v1/integrations/${created.id}`);
    expect(saved).toMatchObject({
      name: 'UK accounts, weekday mornings',
      version: created.version + 1,
      trigger: { onChange: true, schedule: { cron: '30 6 * * 1-5', timeZone: 'Europe/London' } },
      settings: created.settings,
    });
    const next = new Date(saved.nextRunAt);
    expect(new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', hour: '2-digit', minute: '2-digit' }).format(next)).toBe('06:30');
    // The details page names the chosen account and user in lists inside the configuration.
    await expect.poll(() => page.getByText('Northwind Traders (NW-1)').count()).toBeGreaterThan(0);
    await expect.poll(() => page.getByText('Dana Ops <dana@billing.example>').count()).toBeGreaterThan(0);
    await expectAccessible(page, 'details with accounts and users');
    expect(page.consoleErrors).toEqual([]);
  });
});
