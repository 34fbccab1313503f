// A newcomer's first minutes, as the console leads them: sign in with the keyboard, add a
// Salesforce credential, create an integration with it, and see its first run deliver records.
import { describe, expect, it } from 'vitest';
import { DEFAULT_IDENTITY } from '../../src/emulator/index.ts';
import { oauthLogin } from '../emulator/support.ts';
import { expectAccessible, newPage, screenshot, useConsole } from '../browser.ts';

const app = useConsole();

describe("a newcomer's path through the console", () => {
  it('goes from sign-in to a connected integration whose first run shows delivered records', { timeout: 120_000 }, async () => {
    // The billing platform has pushed its customers into Ferry already.
    const codes = ['NEW-1', 'NEW-2', 'NEW-3'];
    for (const code of codes) expect((await app.ferry.call('POST', '/api/v1/accounts', { code, name: `Newcomer ${code}`, currency: 'USD' })).status).toBe(201);

    const page = await newPage(app.browser);
    await page.goto(`${app.ferry.url}/`);
    await page.waitForURL(/\/sign-in/);
    // Keyboard only: the first Tab reaches the key, Enter signs in.
    await page.getByLabel('API key').waitFor();
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => (globalThis as any).document.activeElement?.outerHTML)).toContain('placeholder="ferry_…"');
    await page.keyboard.type(app.ferry.apiKey);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Overview', level: 2 }).waitFor();

    // 1. A credential for the org, tested.
    await page.getByRole('navigation', { name: 'Console sections' }).getByRole('link', { name: 'Credentials' }).click();
    await page.getByRole('button', { name: 'New credential' }).click();
    const dialog = page.getByRole('dialog', { name: 'New credential' });
    await dialog.getByRole('textbox', { name: 'Name', exact: true }).fill('Our Salesforce');
    await dialog.getByLabel('Login URL').fill(app.ferry.emulator.loginUrl);
    await dialog.getByLabel('Username').fill(DEFAULT_IDENTITY.username);
    await dialog.getByLabel(/^Password/).fill(DEFAULT_IDENTITY.password);
    await dialog.getByLabel('Security token').fill(DEFAULT_IDENTITY.securityToken);
    await dialog.getByRole('button', { name: 'Create credential' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await page.getByRole('button', { name: 'Test connection of Our Salesforce' }).click();
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'connected' }).textContent()).toContain(app.ferry.emulator.identity.orgId);

    // 2. An Account integration that uses it.
    await page.getByRole('navigation', { name: 'Console sections' }).getByRole('link', { name: 'Configurations' }).click();
    await page.getByRole('region', { name: 'Account → Salesforce' }).getByRole('link', { name: 'Create new Account integration' }).click();
    await page.getByRole('textbox', { name: /^Name/ }).fill('Customers to Salesforce');
    await page.getByRole('combobox', { name: 'Credential', exact: true }).click();
    await page.getByRole('option', { name: 'Our Salesforce (connected)', exact: true }).click();
    await page.getByRole('button', { name: 'Create integration' }).click();
    await page.waitForURL(/\/integrations\/[0-9a-f-]{36}$/);
    const integrationId = page.url().split('/').pop()!;
    await expect.poll(() => page.getByText('CONNECTED', { exact: true }).count()).toBeGreaterThan(0);
    expect(await page.getByText('NOT CONNECTED', { exact: true }).count()).toBe(0);

    // 3. It sends changes from now on; the details page says how to send what exists: a full sync.
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'No run yet' }).count()).toBe(1);
    await expectAccessible(page, 'a new integration');
    await screenshot(page, 'newcomer-integration');
    await page.getByRole('combobox', { name: 'Sync mode', exact: true }).click();
    await page.getByRole('option', { name: 'Full: every Ferry record', exact: true }).click();
    await page.getByRole('button', { name: 'Sync now' }).click();

    // 4. Its first run, on the Runs page, without a reload: the three accounts created.
    await page.getByRole('navigation', { name: 'Console sections' }).getByRole('link', { name: 'Runs' }).click();
    const runs = page.getByRole('table', { name: 'Runs' });
    const firstRun = runs.getByRole('row').filter({ hasText: 'Customers to Salesforce' }).filter({ hasText: 'COMPLETE' });
    await expect.poll(() => firstRun.count(), { timeout: 30_000 }).toBe(1);
    const [run] = (await app.ferry.call('GET', `/api/v1/runs?integrationId=${integrationId}`)).body.data;
    expect(run).toMatchObject({ status: 'COMPLETE', counts: { sent: 3, created: 3, failed: 0 } });
    const cells = await firstRun.getByRole('cell').allTextContents();
    expect(cells).toEqual(expect.arrayContaining(['COMPLETE', 'Customers to Salesforce', '3']));
    await expectAccessible(page, 'runs after the first run');
    await screenshot(page, 'newcomer-first-run');

    // The run's page lists the calls it made; Salesforce has the accounts.
    await firstRun.getByRole('link').first().click();
    await page.waitForURL(`${app.ferry.url}/runs/${run.id}`);
    await expect.poll(() => page.getByRole('table', { name: /request log/i }).getByText('Success').count()).toBeGreaterThan(0);
    const salesforce = await oauthLogin(app.ferry.emulator);
    const delivered = (await salesforce.query<{ AccountNumber: string }>("SELECT AccountNumber FROM Account WHERE AccountNumber LIKE 'NEW-%' ORDER BY AccountNumber")).records;
    expect(delivered.map((account) => account.AccountNumber)).toEqual(codes);
    expect(page.consoleErrors).toEqual([]);
  });
});
