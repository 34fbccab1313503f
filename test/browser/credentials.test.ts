// The credentials, external mappings and API keys pages, driven as a person would, checked through the API.
import { describe, expect, it } from 'vitest';
import { DEFAULT_IDENTITY } from '../../src/emulator/index.ts';
import { expectAccessible, newPage, screenshot, signIn, useConsole } from '../browser.ts';

const app = useConsole();

/** Console errors other than the browser's own note of a refusal the test provoked on purpose. */
function unexpected(errors: string[], statuses: number[]): string[] {
  return errors.filter((error) => !statuses.some((status) => error.includes(`status of ${status}`)));
}

describe('credentials page', () => {
  it('creates a password credential through the form, tests it, shows a wrong password precisely, and never shows a secret again', { timeout: 180_000 }, async () => {
    const page = await newPage(app.browser);
    await signIn(page, app.ferry.url, app.ferry.apiKey);
    await page.goto(`${app.ferry.url}/credentials`);
    await page.getByRole('button', { name: 'New credential' }).click();
    const dialog = page.getByRole('dialog', { name: 'New credential' });
    await dialog.getByRole('textbox', { name: 'Name', exact: true }).fill('Emulated org');
    await dialog.getByLabel('Login URL').fill(app.ferry.emulator.loginUrl);
    await dialog.getByLabel('Username').fill(DEFAULT_IDENTITY.username);
    await dialog.getByLabel(/^Password/).fill(DEFAULT_IDENTITY.password);
    await dialog.getByLabel('Security token').fill(DEFAULT_IDENTITY.securityToken);
    await expectAccessible(page, 'new credential form');
    await screenshot(page, 'credentials-new');
    await dialog.getByRole('button', { name: 'Create credential' }).click();
    await dialog.waitFor({ state: 'hidden' });

    await page.getByRole('button', { name: 'Test connection of Emulated org' }).click();
    const status = page.getByRole('status').filter({ hasText: 'connected' });
    await expect.poll(() => status.textContent()).toContain(app.ferry.emulator.identity.orgId);
    const [stored] = (await app.ferry.call('GET', '/api/v1/credentials')).body.data;
    expect(stored).toMatchObject({ status: 'connected', salesforceOrgId: app.ferry.emulator.identity.orgId, secretsSet: ['password', 'securityToken'] });
    await expect.poll(() => page.getByRole('table', { name: 'Credentials' }).textContent()).toContain(app.ferry.emulator.identity.orgId);

    // A wrong password, changed through Edit: the test says Salesforce's error and what to check.
    await page.getByRole('button', { name: 'Edit Emulated org' }).click();
    const edit = page.getByRole('dialog', { name: 'Change "Emulated org"' });
    expect(await edit.getByLabel(/^Password/).inputValue()).toBe('');
    await edit.getByLabel(/^Password/).fill('not-the-password');
    await edit.getByRole('button', { name: 'Save changes' }).click();
    await edit.waitFor({ state: 'hidden' });
    await page.getByRole('button', { name: 'Test connection of Emulated org' }).click();
    const failure = page.getByRole('status').filter({ hasText: 'could not connect' });
    await expect.poll(() => failure.textContent()).toMatch(/invalid_grant|INVALID_LOGIN/);
    const failed = (await app.ferry.call('GET', `/api/v1/credentials/${stored.id}`)).body;
    expect(await failure.textContent()).toContain(failed.lastError.message);
    expect(failed.status).toBe('failed');

    // Blank secrets keep the stored ones: only the right password again, the token stays.
    await page.getByRole('button', { name: 'Edit Emulated org' }).click();
    await edit.getByLabel(/^Password/).fill(DEFAULT_IDENTITY.password);
    await edit.getByRole('button', { name: 'Save changes' }).click();
    await edit.waitFor({ state: 'hidden' });
    await page.getByRole('button', { name: 'Test connection of Emulated org' }).click();
    await expect.poll(async () => (await app.ferry.call('GET', `/api/v1/credentials/${stored.id}`)).body.status).toBe('connected');

    const html = await page.content();
    for (const secret of [DEFAULT_IDENTITY.password, DEFAULT_IDENTITY.securityToken, 'not-the-password']) expect(html).not.toContain(`>${secret}<`);
    expect(html).not.toContain('not-the-password');
    expect(html).not.toContain(`value="${DEFAULT_IDENTITY.password}"`);
    await expectAccessible(page, 'credentials page');
    await screenshot(page, 'credentials');

    // Field errors beside their fields.
    await page.getByRole('button', { name: 'New credential' }).click();
    await dialog.getByRole('textbox', { name: 'Name', exact: true }).fill('Broken');
    await dialog.getByLabel('Login URL').fill('ftp://nowhere');
    await dialog.getByLabel('Username').fill('someone@example.com');
    await dialog.getByLabel(/^Password/).fill('x');
    await dialog.getByRole('button', { name: 'Create credential' }).click();
    await expect.poll(() => dialog.getByText('must be an http(s) URL', { exact: false }).count()).toBeGreaterThan(0);
    await dialog.getByRole('button', { name: 'Cancel' }).click();

    // Deleting a credential an integration uses is refused, and the page says so.
    const integration = (await app.ferry.call('POST', '/api/v1/integrations', { name: 'Accounts out', entityType: 'Account', credentialId: stored.id })).body;
    await page.reload();
    await page.getByRole('button', { name: 'Delete Emulated org' }).click();
    const confirm = page.getByRole('dialog', { name: 'Delete credential' });
    await expect.poll(() => confirm.textContent()).toContain('Accounts out');
    await expectAccessible(page, 'delete credential dialog');
    await confirm.getByRole('button', { name: 'Delete' }).click();
    await expect.poll(() => confirm.getByRole('alert').textContent()).toContain('Integrations still use this credential');
    await screenshot(page, 'credentials-delete-refused');
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    expect((await app.ferry.call('GET', `/api/v1/credentials/${stored.id}`)).status).toBe(200);
    expect(integration.credentialId).toBe(stored.id);
    expect(unexpected(page.consoleErrors, [400, 409])).toEqual([]);
  });

  it('connects an authorization-code credential through the emulated org\'s approval page', { timeout: 120_000 }, async () => {
    const page = await newPage(app.browser);
    await signIn(page, app.ferry.url, app.ferry.apiKey);
    await page.goto(`${app.ferry.url}/credentials`);
    await page.getByRole('button', { name: 'New credential' }).click();
    const dialog = page.getByRole('dialog', { name: 'New credential' });
    await dialog.getByRole('textbox', { name: 'Name', exact: true }).fill('Approved app');
    await dialog.getByText('authorization code', { exact: true }).click();
    await dialog.getByLabel('Login URL').fill(app.ferry.emulator.loginUrl);
    await dialog.getByLabel('Client id').fill(DEFAULT_IDENTITY.clientId);
    await dialog.getByLabel('Client secret').fill(DEFAULT_IDENTITY.clientSecret);
    await dialog.getByRole('button', { name: 'Create credential' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await expect.poll(() => page.getByRole('table', { name: 'Credentials' }).textContent()).toContain('awaiting authorization');

    const popup = page.waitForEvent('popup');
    await page.getByRole('button', { name: 'Connect Approved app' }).click();
    const approval = await popup;
    await approval.waitForLoadState();
    expect(await approval.title()).toContain('Allow Access');
    await approval.getByLabel('Password').fill(DEFAULT_IDENTITY.password);
    await approval.getByRole('button', { name: 'Allow' }).click();
    await approval.waitForURL(/\/api\/v1\/oauth\/callback/);
    expect(await approval.locator('h1').textContent()).toBe('Credential connected');

    // The console, left open, sees the credential connect.
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'is connected' }).textContent(), { timeout: 15_000 }).toContain(app.ferry.emulator.identity.orgId);
    const approved = (await app.ferry.call('GET', '/api/v1/credentials')).body.data.find((c: any) => c.name === 'Approved app');
    expect(approved).toMatchObject({ status: 'connected', salesforceOrgId: app.ferry.emulator.identity.orgId });
    expect(approved.secretsSet).toEqual(['accessToken', 'clientSecret', 'refreshToken']);
    await screenshot(page, 'credentials-connected');
    expect(await page.content()).not.toContain(DEFAULT_IDENTITY.clientSecret);
    expect(page.consoleErrors).toEqual([]);
  });
});

describe('external mappings page', () => {
  it('opens the create form prefilled from an event\'s link, finds the account by name, and creates the mapping', { timeout: 120_000 }, async () => {
    const account = (await app.ferry.call('POST', '/api/v1/accounts', { code: 'MAP-1', name: 'Mapped Traders' })).body;
    await app.ferry.call('POST', '/api/v1/accounts', { code: 'MAP-2', name: 'Other Goods' });
    const integration = (await app.ferry.call('POST', '/api/v1/integrations', { name: 'Bills by mapping', entityType: 'Bill', settings: { useExternalMappingAccountCode: true } })).body;
    const page = await newPage(app.browser);
    await signIn(page, app.ferry.url, app.ferry.apiKey);
    await page.goto(`${app.ferry.url}/external-mappings?create=1&entity=accounts&entityId=${account.id}&integrationId=${integration.id}`);
    const dialog = page.getByRole('dialog', { name: 'Create an external mapping' });
    expect(await dialog.getByLabel('External system').inputValue()).toBe('salesforce');
    expect(await dialog.getByLabel('External table').inputValue()).toBe('Account');
    await expect.poll(() => dialog.getByLabel('Ferry record').inputValue()).toContain('Mapped Traders (MAP-1)');
    expect(await dialog.getByLabel('Integration').inputValue()).toContain('Bills by mapping');
    await dialog.getByLabel('External id').fill('001000000000001AAA');
    await expectAccessible(page, 'external mapping form');
    await screenshot(page, 'external-mappings-create');
    await dialog.getByRole('button', { name: 'Create mapping' }).click();
    await dialog.waitFor({ state: 'hidden' });
    const [mapping] = (await app.ferry.call('GET', `/api/v1/external-mappings?entityId=${account.id}`)).body.data;
    expect(mapping).toMatchObject({ externalSystem: 'salesforce', externalTable: 'Account', externalId: '001000000000001AAA', entity: 'accounts', entityId: account.id, integrationId: integration.id });

    // Chosen by search, not by id: the other account by part of its name.
    await page.getByRole('button', { name: 'Create mapping' }).click();
    await dialog.getByLabel('External system').fill('billing');
    await dialog.getByLabel('External table').fill('customers');
    await dialog.getByLabel('External id').fill('C-2');
    await dialog.getByLabel('Ferry record').fill('other');
    await page.getByRole('option', { name: /Other Goods \(MAP-2\)/ }).click();
    await dialog.getByRole('button', { name: 'Create mapping' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await expect.poll(() => page.getByRole('table', { name: 'External mappings' }).textContent()).toContain('C-2');
    await expectAccessible(page, 'external mappings page');
    await screenshot(page, 'external-mappings');

    await page.getByRole('button', { name: 'Delete mapping billing customers C-2' }).click();
    await page.getByRole('dialog', { name: 'Delete external mapping' }).getByRole('button', { name: 'Delete' }).click();
    await expect.poll(async () => (await app.ferry.call('GET', '/api/v1/external-mappings?externalSystem=billing')).body.data).toEqual([]);
    expect(page.consoleErrors).toEqual([]);
  });
});

describe('API keys page', () => {
  it('shows a new key once, revokes it, and says why the last active key cannot be revoked', { timeout: 120_000 }, async () => {
    const page = await newPage(app.browser);
    await signIn(page, app.ferry.url, app.ferry.apiKey);
    await page.goto(`${app.ferry.url}/api-keys`);
    await page.getByRole('button', { name: 'Create API key' }).click();
    const form = page.getByRole('dialog', { name: 'Create an API key' });
    await form.getByRole('textbox', { name: 'Name', exact: true }).fill('Billing exporter');
    await expectAccessible(page, 'create API key form');
    await form.getByRole('button', { name: 'Create' }).click();
    const shown = page.getByRole('dialog', { name: 'API key "Billing exporter" created' });
    await expect.poll(() => shown.textContent()).toContain('you will not see it again');
    const key = (await shown.getByLabel('The new API key').textContent())!.trim();
    expect((await app.ferry.call('GET', '/api/v1/api-keys', undefined, { key })).status).toBe(200);
    await expectAccessible(page, 'new API key dialog');
    await screenshot(page, 'api-keys-created');
    await shown.getByRole('button', { name: 'Done' }).click();
    expect(await page.content()).not.toContain(key);

    await page.getByRole('button', { name: 'Revoke Billing exporter' }).click();
    await page.getByRole('dialog', { name: 'Revoke API key' }).getByRole('button', { name: 'Revoke' }).click();
    await expect.poll(async () => (await app.ferry.call('GET', '/api/v1/api-keys', undefined, { key })).status).toBe(401);

    // The key this session was opened with is now the only active one: revoking it is refused.
    await page.getByRole('button', { name: /^Revoke / }).first().click();
    const refuse = page.getByRole('dialog', { name: 'Revoke API key' });
    await refuse.getByRole('button', { name: 'Revoke' }).click();
    await expect.poll(() => refuse.getByRole('alert').textContent()).toMatch(/last/i);
    await expectAccessible(page, 'last key refused');
    await screenshot(page, 'api-keys-last-refused');
    await refuse.getByRole('button', { name: 'Cancel' }).click();
    await screenshot(page, 'api-keys');
    const keys = (await app.ferry.call('GET', '/api/v1/api-keys')).body.data;
    expect(keys.filter((k: any) => k.revokedAt === null)).toHaveLength(1);
    expect(unexpected(page.consoleErrors, [409])).toEqual([]);
  });
});
