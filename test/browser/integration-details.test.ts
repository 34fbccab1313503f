import { describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/index.ts';
import { oauthLogin } from '../emulator/support.ts';
import { expectAccessible, newPage, screenshot, signIn, useConsole } from '../browser.ts';

const app = useConsole();

async function sf(soql: string): Promise<any[]> {
  return (await (await oauthLogin(app.ferry.emulator)).query(soql)).records;
}

describe('integration details page', () => {
  it('connects a credential, disables and enables, previews and syncs, refuses a bad mapping rule beside it, disconnects and switches credentials', async () => {
    const first = await app.ferry.credential({ name: 'First login' });
    const created = await app.ferry.call('POST', '/api/v1/integrations', { name: 'Accounts to Salesforce', entityType: 'Account', trigger: { onChange: false } });
    expect(created.status).toBe(201);
    const integration = created.body;
    const get = async () => (await app.ferry.call('GET', `/api/v1/integrations/${integration.id}`)).body;

    const page = await newPage(app.browser);
    await signIn(page, app.ferry.url, app.ferry.apiKey);
    const status = page.getByRole('group', { name: 'Status' });
    const refused: string[] = [];
    page.on('response', (response) => {
      if (response.status() >= 400) refused.push(`${response.request().method()} ${new URL(response.url()).pathname} ${response.status()}`);
    });
    await page.goto(`${app.ferry.url}/integrations/${integration.id}`);
    await page.getByRole('heading', { name: 'Accounts to Salesforce', level: 2 }).waitFor();
    await status.getByText('NOT CONNECTED', { exact: true }).waitFor();
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'Not connected' }).textContent()).toContain('sends nothing (and reads nothing) until a credential is added and connected');
    expect(await page.getByRole('link', { name: 'Edit', exact: true }).getAttribute('href')).toBe(`/integrations/${integration.id}/edit`);
    await page.getByRole('button', { name: 'Copy integration id' }).waitFor();
    await expect.poll(() => page.getByText(integration.id, { exact: true }).count()).toBeGreaterThan(0);
    await expectAccessible(page, 'integration details, not connected');
    await screenshot(page, 'integration-details-not-connected');

    // Add credential: the modal lists the organization's credentials; saving connects.
    await page.getByRole('button', { name: 'Add credential' }).click();
    const modal = page.getByRole('dialog', { name: 'Add credential' });
    await modal.getByRole('radio', { name: 'First login' }).check();
    expect(await modal.getByRole('link', { name: 'Create a new credential' }).getAttribute('href')).toBe('/credentials');
    const orgOfFirst = (await app.ferry.call('GET', `/api/v1/credentials/${first.id}`)).body.salesforceOrgId;
    expect(orgOfFirst).toEqual(expect.any(String));
    await expect.poll(() => modal.getByRole('row').filter({ hasText: 'First login' }).textContent()).toContain(orgOfFirst);
    await page.waitForTimeout(400); // the modal's opening transition
    await expectAccessible(page, 'integration details, credential modal');
    await screenshot(page, 'integration-details-credential-modal');
    await modal.getByRole('button', { name: 'Save and connect' }).click();
    await status.getByText('CONNECTED', { exact: true }).waitFor();
    expect(await get()).toMatchObject({ status: 'CONNECTED', credentialId: first.id });

    // Disable, then enable.
    await page.getByRole('button', { name: 'Disable' }).click();
    await status.getByText('DISABLED', { exact: true }).waitFor();
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'disabled by hand' }).count()).toBe(1);
    expect(await get()).toMatchObject({ enabled: false, disabledReason: 'disabled by hand' });
    await page.getByRole('button', { name: 'Enable' }).click();
    await status.getByText('CONNECTED', { exact: true }).waitFor();
    expect(await get()).toMatchObject({ enabled: true, status: 'CONNECTED' });

    // Preview (full) shows what a run would send, without sending it.
    const account = (await app.ferry.call('POST', '/api/v1/accounts', { code: 'DETAILS-1', name: 'Details Page Ltd' })).body;
    await page.getByText('Full', { exact: true }).click();
    expect(await page.getByRole('radio', { name: 'Full', exact: true }).isChecked()).toBe(true);
    await page.getByRole('button', { name: 'Preview', exact: true }).click();
    const preview = page.getByRole('table', { name: 'Preview of a run' });
    const previewRow = preview.getByRole('row').filter({ hasText: account.id });
    await previewRow.waitFor();
    expect(await previewRow.textContent()).toContain('upsert');
    expect(await previewRow.textContent()).toContain('Details Page Ltd');
    expect(await sf(`SELECT Id FROM Account WHERE Ferry_Id__c = '${account.id}'`)).toEqual([]);

    // Sync now (full): the queued run is shown and linked; the account reaches Salesforce.
    await page.getByRole('combobox', { name: 'Sync mode' }).click();
    await page.getByRole('option', { name: 'Full: every Ferry record' }).click();
    await page.getByRole('button', { name: 'Sync now' }).click();
    const runLink = page.getByRole('status').filter({ hasText: 'Run queued' }).getByRole('link');
    await runLink.waitFor();
    const runId = (await runLink.getAttribute('href'))!.replace('/runs/', '');
    await app.ferry.settle(integration.id);
    const run = (await app.ferry.call('GET', `/api/v1/runs/${runId}`)).body;
    expect(run).toMatchObject({ integrationId: integration.id, mode: 'full', trigger: 'manual', status: 'COMPLETE', counts: { created: 1 } });
    expect(await sf(`SELECT Name, AccountNumber FROM Account WHERE Ferry_Id__c = '${account.id}'`)).toEqual([expect.objectContaining({ Name: 'Details Page Ltd', AccountNumber: 'DETAILS-1' })]);
    // The queued run's status follows it until it finishes.
    await page.getByRole('status').filter({ hasText: 'Run queued' }).getByText('COMPLETE', { exact: true }).waitFor();
    await screenshot(page, 'integration-details-connected');

    // Mapping: a transform that is not JSONata is refused, the error shown beside its rule; nothing saved.
    const before = (await app.ferry.call('GET', `/api/v1/integrations/${integration.id}/mapping`)).body;
    const rules = page.getByRole('table', { name: 'Mapping rules' });
    await rules.getByRole('button', { name: 'Edit rule 1 (Account.Name)' }).click();
    const ruleModal = page.getByRole('dialog', { name: 'Edit rule' });
    await ruleModal.getByLabel('Transform (JSONata, optional)').fill("$uppercase($value");
    await page.waitForTimeout(400);
    await expectAccessible(page, 'integration details, rule modal');
    await ruleModal.getByRole('button', { name: 'Apply' }).click();
    await page.getByRole('button', { name: 'Save mapping' }).click();
    const ruleError = rules.getByText(/^Rule 1: transform: /);
    await ruleError.waitFor();
    expect(await ruleError.textContent()).toContain('not a valid JSONata expression');
    await expect.poll(() => page.getByRole('alert').filter({ hasText: 'The mapping was not saved' }).textContent()).toContain('body.rules[0].transform');
    expect((await app.ferry.call('GET', `/api/v1/integrations/${integration.id}/mapping`)).body).toEqual(before);
    await expectAccessible(page, 'integration details, mapping refused');
    await screenshot(page, 'integration-details-mapping-error');
    // The rule's modal shows the error beside its field.
    await rules.getByRole('button', { name: 'Edit rule 1 (Account.Name)' }).click();
    await expect.poll(() => page.getByRole('dialog', { name: 'Edit rule' }).textContent()).toContain('not a valid JSONata expression');
    await page.getByRole('dialog', { name: 'Edit rule' }).getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('button', { name: 'Discard changes' }).click();

    // A valid rule added and saved (a resync run is queued), then the defaults again, confirmed.
    await page.getByRole('button', { name: 'Add rule' }).click();
    const addModal = page.getByRole('dialog', { name: 'Add rule' });
    await addModal.getByLabel('Salesforce field').fill('Description');
    await addModal.getByLabel('Ferry field').fill('name');
    await addModal.getByLabel('Transform (JSONata, optional)').fill("'Billed as ' & $value");
    await addModal.getByRole('button', { name: 'Add rule' }).click();
    await page.getByRole('button', { name: 'Save mapping' }).click();
    const savedNote = page.getByRole('status').filter({ hasText: 'Mapping saved' });
    await savedNote.getByRole('link').waitFor();
    const own = (await app.ferry.call('GET', `/api/v1/integrations/${integration.id}/mapping`)).body;
    expect(own.isDefault).toBe(false);
    expect(own.rules.at(-1)).toEqual({ kind: 'field', object: 'Account', ferry: 'name', salesforce: 'Description', direction: 'to_salesforce', transform: "'Billed as ' & $value" });
    await app.ferry.settle(integration.id);
    expect(await sf(`SELECT Description FROM Account WHERE Ferry_Id__c = '${account.id}'`)).toEqual([expect.objectContaining({ Description: 'Billed as Details Page Ltd' })]);
    await page.getByRole('button', { name: 'Reset to defaults' }).click();
    const resetModal = page.getByRole('dialog', { name: 'Reset the mapping to defaults?' });
    await resetModal.getByRole('button', { name: 'Reset to defaults' }).click();
    await resetModal.waitFor({ state: 'hidden' });
    await expect.poll(async () => (await app.ferry.call('GET', `/api/v1/integrations/${integration.id}/mapping`)).body).toMatchObject({ isDefault: true, rules: before.rules });
    await page.getByText('Account default mapping', { exact: true }).waitFor();

    // Disconnect, confirmed.
    await page.getByRole('button', { name: 'Disconnect' }).click();
    const confirm = page.getByRole('dialog', { name: 'Disconnect this integration?' });
    await confirm.waitFor();
    await page.waitForTimeout(400);
    await expectAccessible(page, 'integration details, disconnect confirmation');
    await screenshot(page, 'integration-details-disconnect-confirmation');
    await confirm.getByRole('button', { name: 'Disconnect' }).click();
    await status.getByText('NOT CONNECTED', { exact: true }).waitFor();
    expect(await get()).toMatchObject({ status: 'NOT_CONNECTED', credentialId: null });

    // A second credential of the same org: connect with it, then update back to the first.
    const second = await app.ferry.credential({ name: 'Second login' });
    await page.getByRole('button', { name: 'Add credential' }).click();
    await page.getByRole('dialog', { name: 'Add credential' }).getByRole('radio', { name: 'Second login' }).check();
    await page.getByRole('dialog', { name: 'Add credential' }).getByRole('button', { name: 'Save and connect' }).click();
    await status.getByText('CONNECTED', { exact: true }).waitFor();
    expect(await get()).toMatchObject({ status: 'CONNECTED', credentialId: second.id });
    await page.getByRole('button', { name: 'Update credential' }).click();
    const update = page.getByRole('dialog', { name: 'Update credential' });
    await update.getByRole('radio', { name: 'First login' }).check();
    await update.getByRole('button', { name: 'Save and connect' }).click();
    await update.waitFor({ state: 'hidden' });
    await expect.poll(async () => (await get()).credentialId).toBe(first.id);
    await expectAccessible(page, 'integration details, connected');

    // A credential of another Salesforce org is refused (the integration delivered to the first): the API's reason is shown.
    const otherOrg = await startEmulator({ port: 0, host: '127.0.0.1', printIdentity: false, orgNumber: 2 });
    try {
      await app.ferry.credential({ name: 'Another org', loginUrl: otherOrg.loginUrl });
      await page.getByRole('button', { name: 'Update credential' }).click();
      const other = page.getByRole('dialog', { name: 'Update credential' });
      await other.getByRole('radio', { name: 'Another org' }).check();
      await other.getByRole('button', { name: 'Save and connect' }).click();
      const mismatch = other.getByRole('alert').filter({ hasText: 'The integration was not connected' });
      await expect.poll(() => mismatch.textContent()).toContain('purge-links');
      await page.waitForTimeout(400);
      await expectAccessible(page, 'integration details, credential refused');
      await screenshot(page, 'integration-details-org-mismatch');
      expect(await get()).toMatchObject({ status: 'CONNECTED', credentialId: first.id });
      await other.getByRole('button', { name: 'Cancel' }).click();
    } finally {
      await otherOrg.stop();
    }

    // The requests refused are the invalid mapping and the other org's credential; the app.browser logs each as a failed resource.
    expect(refused).toEqual([`PUT /api/v1/integrations/${integration.id}/mapping 400`, `POST /api/v1/integrations/${integration.id}/connect 409`]);
    expect(page.consoleErrors).toEqual([
      'Failed to load resource: the server responded with a status of 400 (Bad Request)',
      'Failed to load resource: the server responded with a status of 409 (Conflict)',
    ]);
  });
});
