// The two-way sync page: the switches, a conflict held for review and settled by a person, the sync log.
import { describe, expect, it } from 'vitest';
import { expectAccessible, newPage, screenshot, signIn, useConsole } from '../browser.ts';
import { oauthLogin } from '../emulator/support.ts';
import { twoWayHelpers } from '../two-way.ts';

// Incoming runs start by hand: the test makes the conflict before Ferry reads the change.
const app = useConsole({ incomingCheckMs: 3_600_000 });

const { must, runNow } = twoWayHelpers(() => app.ferry);

describe('two-way sync page', () => {
  it('shows a held conflict with both values and the base, settles it with Salesforce\'s value, stores the switches and filters the log', { timeout: 180_000 }, async () => {
    const credential = await app.ferry.credential();
    const conn = await oauthLogin(app.ferry.emulator);
    const integration = await must('POST', '/api/v1/integrations', {
      name: 'Accounts both ways', entityType: 'Account', credentialId: credential.id, trigger: { onChange: false }, sync: { direction: 'both', reader: 'polling', conflictPolicy: 'hold' },
    });
    await must('PUT', `/api/v1/integrations/${integration.id}/mapping`, { rules: [{ ferry: 'name', salesforce: 'Name', direction: 'both' }, { ferry: 'code', salesforce: 'AccountNumber' }] });
    await runNow(integration.id, 'incoming');
    const account = await must('POST', '/api/v1/accounts', { code: 'TW-1', name: 'Base name' });
    expect((await runNow(integration.id, 'incremental')).status).toBe('COMPLETE');
    const [sf] = (await conn.query<any>(`SELECT Id FROM Account WHERE Ferry_Id__c = '${account.id}'`)).records;
    // The same field changed on both sides before Ferry reads Salesforce again.
    await must('PATCH', `/api/v1/accounts/${account.id}`, { name: 'Ferry name' });
    await conn.sobject('Account').update({ Id: sf.Id, Name: 'Salesforce name' });
    await runNow(integration.id, 'incoming');

    const page = await newPage(app.browser);
    await signIn(page, app.ferry.url, app.ferry.apiKey);
    await page.goto(`${app.ferry.url}/sync`);
    const conflict = page.getByRole('region', { name: `Conflict on accounts ${account.id}` });
    const fields = conflict.getByRole('table', { name: `Fields in conflict on accounts ${account.id}` });
    await expect.poll(() => fields.textContent()).toContain('Salesforce name');
    const row = fields.getByRole('row').nth(1);
    expect(await row.getByRole('cell').allTextContents()).toEqual(expect.arrayContaining(['name', 'Base name', 'Ferry name', 'Salesforce name']));
    await expect.poll(() => page.getByRole('table', { name: 'Integrations that can read back' }).textContent()).toContain('Accounts both ways');
    await expectAccessible(page, 'two-way sync page');
    await screenshot(page, 'two-way-sync');

    await conflict.getByRole('radio', { name: 'Salesforce\'s' }).check();
    await conflict.getByRole('button', { name: `Resolve conflict on accounts ${account.id}` }).click();
    const results = page.getByRole('status').filter({ hasText: 'Resolution results' });
    await expect.poll(() => results.textContent()).toContain('resolved');
    await expect.poll(async () => (await must('GET', `/api/v1/accounts/${account.id}`)).name).toBe('Salesforce name');
    expect((await must('GET', `/api/v1/conflicts?integrationId=${integration.id}&open=true`)).data).toEqual([]);
    await expect.poll(() => page.getByText('No conflict is waiting for review.').count()).toBe(1);
    await screenshot(page, 'two-way-sync-resolved');

    // The organization's master switch, off then on, stored.
    const master = page.getByRole('switch', { name: /master switch/ });
    await master.click({ force: true });
    await expect.poll(async () => (await must('GET', '/api/v1/sync/settings')).incoming).toBe(false);
    await expect.poll(() => page.getByRole('table', { name: 'Integrations that can read back' }).textContent()).toContain('Switched off');
    await expect.poll(async () => !(await master.isChecked()) && (await master.isEnabled())).toBe(true);
    await master.click({ force: true });
    await expect.poll(async () => (await must('GET', '/api/v1/sync/settings')).incoming).toBe(true);

    // The integration's own switch and its conflict policy, through PATCH with its version.
    const own = page.getByRole('switch', { name: 'Read Salesforce changes for Accounts both ways' });
    await own.click({ force: true });
    await expect.poll(async () => (await must('GET', `/api/v1/integrations/${integration.id}`)).sync.incoming).toBe(false);
    // The switch is off and usable again once the page has read the integration's new version.
    await expect.poll(async () => !(await own.isChecked()) && (await own.isEnabled())).toBe(true);
    await own.click({ force: true });
    await expect.poll(async () => (await must('GET', `/api/v1/integrations/${integration.id}`)).sync.incoming).toBe(true);
    await expect.poll(async () => (await own.isChecked()) && (await own.isEnabled())).toBe(true);
    await page.getByRole('combobox', { name: 'Conflict policy of Accounts both ways' }).click();
    await page.getByRole('option', { name: 'Newest wins' }).click();
    await expect.poll(async () => (await must('GET', `/api/v1/integrations/${integration.id}`)).sync.conflictPolicy).toBe('newest_wins');

    // The sync log, filtered by outcome: only the conflict.
    const log = page.getByRole('table', { name: 'Sync log' });
    await expect.poll(() => log.textContent()).toContain('conflict');
    await page.getByRole('combobox', { name: 'Outcome' }).click();
    await page.getByRole('option', { name: 'conflict' }).click();
    await expect.poll(async () => (await log.getByRole('row').count()) - 1).toBe((await app.ferry.call('GET', '/api/v1/sync-log?outcome=conflict')).body.data.length);
    const outcomes = await log.getByRole('row').evaluateAll((rows) => rows.slice(1).map((r) => (r as any).textContent as string));
    expect(outcomes.length).toBeGreaterThan(0);
    for (const text of outcomes) expect(text).toContain('conflict');
    await page.getByLabel('Record').fill(account.id);
    await expect.poll(() => log.textContent()).toContain(account.id);
    await expectAccessible(page, 'two-way sync page, filtered');
    await screenshot(page, 'two-way-sync-log');
    expect(page.consoleErrors).toEqual([]);
  });
});
