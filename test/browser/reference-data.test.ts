// The reference data import in the console: Import Data on a credential and on the integration's
// page, followed to its end with the picklist warnings of its run; the picklist report with the
// metadata to deploy; the ReferenceData form's picklists with the API's errors beside their field;
// and what imports share (no run on change by default, one action, the catalogue's rule object).
// Checked through the API and by SOQL in the emulated org.
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectAccessible, newPage, screenshot, signIn, useConsole } from '../browser.ts';
import { oauthLogin } from '../emulator/support.ts';

const app = useConsole();

let page: Page & { consoleErrors: string[] };
let credential: any;
let conn: Awaited<ReturnType<typeof oauthLogin>>;
/** The ReferenceData integration Import Data made on the credential (the first test). */
let reference: any;

const ACCOUNT_TYPE_METADATA = 'force-app/main/default/standardValueSets/AccountType.standardValueSet-meta.xml';

async function must(method: string, path: string, body?: unknown): Promise<any> {
  const res = await app.ferry.call(method, path, body);
  expect(res.status, `${method} ${path}: ${JSON.stringify(res.body)}`).toBeLessThan(300);
  return res.body;
}

const sf = async (soql: string) => (await conn.query<any>(soql)).records;

/** Console errors other than the browser's own note of a refusal the test provoked on purpose. */
function unexpected(errors: string[], statuses: number[]): string[] {
  return errors.filter((error) => !statuses.some((status) => error.includes(`status of ${status}`)));
}

/** The picklist warnings the API recorded for a run. */
async function picklistWarnings(runId: string): Promise<any[]> {
  return (await must('GET', `/api/v1/events?runId=${runId}&name=integration.picklist_values_missing.warning`)).data;
}

beforeAll(async () => {
  credential = await app.ferry.credential();
  conn = await oauthLogin(app.ferry.emulator);
  // Account.Type offers Prospect but not RESELLER.
  await must('POST', '/api/v1/account-types', { code: 'Prospect', name: 'Prospect' });
  await must('POST', '/api/v1/account-types', { code: 'RESELLER', name: 'Reseller', description: 'Sells on our behalf' });
  await must('POST', '/api/v1/ar-terms', { code: 'NET30', name: 'Net 30', days: 30 });
  page = await newPage(app.browser);
  // The report's Copy button writes to the clipboard, which the test reads back.
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: app.ferry.url });
  await signIn(page, app.ferry.url, app.ferry.apiKey);
});

describe('Import Data', () => {
  it('imports from a credential, ends COMPLETE with the picklist warning of its run, and lands the values in Ferry_Reference__c', async () => {
    await page.goto(`${app.ferry.url}/credentials`);
    await page.getByRole('button', { name: 'Import Data into Emulated org' }).click();
    const status = page.getByRole('status', { name: 'Reference data import into the org of "Emulated org"' });
    await expect.poll(() => status.textContent(), { timeout: 30_000 }).toMatch(/COMPLETE|ERROR|INTERRUPTED/);

    reference = (await must('GET', '/api/v1/integrations?entityType=ReferenceData')).data.find((i: any) => i.credentialId === credential.id);
    expect(reference).toMatchObject({ name: 'Reference data', entityType: 'ReferenceData' });
    const run = await app.ferry.deliveringRun(reference.id, () => true);
    expect(run, JSON.stringify(run)).toMatchObject({ status: 'COMPLETE', mode: 'full', counts: { failed: 0 }, progress: { step: 'done' } });
    expect(await status.textContent()).toContain('COMPLETE');
    expect(await status.textContent()).toContain(`${run.counts.sent} sent, ${run.counts.created} created`);
    const bar = page.getByRole('progressbar', { name: 'Reference data import into the org of "Emulated org"' });
    expect(await bar.getAttribute('aria-valuetext')).toBe(`${run.progress.total} / ${run.progress.total} rows`);
    expect((await sf("SELECT Code__c FROM Ferry_Reference__c WHERE Type__c = 'ACCOUNT_TYPE' ORDER BY Code__c")).map((r) => r.Code__c)).toEqual(['Prospect', 'RESELLER']);
    expect((await sf("SELECT Days__c FROM Ferry_Reference__c WHERE Code__c = 'NET30'")).map((r) => r.Days__c)).toEqual([30]);

    // The run's warning, as the API recorded it, is in the outcome: RESELLER only, Prospect is offered.
    const [warning, ...others] = await picklistWarnings(run.id);
    expect(others).toEqual([]);
    expect(warning.message).toBe('Account.Type does not offer 1 account-types code(s) Ferry has: RESELLER.');
    const found = page.getByRole('region', { name: 'Picklists that lack Ferry\u2019s codes' });
    await expect.poll(() => found.textContent()).toContain(warning.message);
    expect(await found.textContent()).toContain(warning.hint);
    await expectAccessible(page, 'credentials page after Import Data');
    await screenshot(page, 'reference-data-import');

    await found.getByRole('link', { name: 'Check the picklists and get the metadata to deploy' }).click();
    await page.waitForURL(`${app.ferry.url}/integrations/${reference.id}`);
    await page.getByRole('heading', { name: 'Reference data', level: 2 }).waitFor();
    expect(page.consoleErrors).toEqual([]);
  });

  it('checks the picklists on the integration\'s page: RESELLER missing, the metadata to deploy with a copy button; no mapping editor; imports again from there', async () => {
    await page.goto(`${app.ferry.url}/integrations/${reference.id}`);
    await page.getByRole('heading', { name: 'Reference data', level: 2 }).waitFor();
    // Fixed fields: no mapping editor; one action, no sync mode.
    await page.getByText('Reference data has fixed fields', { exact: false }).waitFor();
    expect(await page.getByRole('table', { name: 'Mapping rules' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Save mapping' }).count()).toBe(0);
    expect(await page.getByRole('combobox', { name: 'Sync mode' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Sync now' }).count()).toBe(0);

    const panel = page.getByRole('region', { name: 'Picklists', exact: true });
    await panel.getByRole('button', { name: 'Check picklists' }).click();
    const [report] = (await must('GET', `/api/v1/integrations/${reference.id}/picklist-report`)).data;
    expect(report).toMatchObject({ entity: 'account-types', object: 'Account', field: 'Type', problem: null, missing: ['RESELLER'], metadata: { path: ACCOUNT_TYPE_METADATA } });
    const check = panel.getByRole('region', { name: 'Account.Type' });
    await check.waitFor();
    expect(await check.textContent()).toContain('Lacks 1 code:RESELLER');
    expect(await check.textContent()).toContain(ACCOUNT_TYPE_METADATA);
    const file = check.getByRole('region', { name: `Content of ${ACCOUNT_TYPE_METADATA}` });
    expect(await file.textContent()).toBe(report.metadata.content);
    expect(report.metadata.content).toContain('<fullName>RESELLER</fullName>');
    // Copy puts the file, as the API gave it, on the clipboard.
    await check.getByRole('button', { name: `Copy ${ACCOUNT_TYPE_METADATA}` }).click();
    await check.getByRole('button', { name: `Copied ${ACCOUNT_TYPE_METADATA}` }).waitFor();
    expect(await page.evaluate(() => (globalThis as any).navigator.clipboard.readText())).toBe(report.metadata.content);
    await expectAccessible(page, 'reference data integration, picklist report');
    await screenshot(page, 'reference-data-picklists');

    // Import Data here runs this integration in full, with the same live panel and warning.
    await page.getByRole('button', { name: 'Import Data', exact: true }).click();
    const status = page.getByRole('status', { name: 'Reference data import into Salesforce' });
    await expect.poll(() => status.textContent(), { timeout: 30_000 }).toContain('COMPLETE');
    const runs = (await must('GET', `/api/v1/runs?integrationId=${reference.id}`)).data;
    expect(runs).toHaveLength(2);
    expect(runs[0]).toMatchObject({ status: 'COMPLETE', trigger: 'manual', mode: 'full' });
    const again = await must('GET', `/api/v1/runs/${runs[0].id}`);
    // Nothing changed in Ferry: every value the first import wrote is unchanged.
    const first = await must('GET', `/api/v1/runs/${runs[1].id}`);
    expect(again.progress.objects.Ferry_Reference__c).toMatchObject({ created: 0, updated: 0, unchanged: first.progress.objects.Ferry_Reference__c.created, failed: 0 });
    const [warning] = await picklistWarnings(again.id);
    await expect.poll(() => page.getByRole('region', { name: 'Picklists that lack Ferry\u2019s codes' }).textContent()).toContain(warning.message);
    // On its own page the outcome does not link back to it.
    expect(await page.getByRole('link', { name: 'Check the picklists and get the metadata to deploy' }).count()).toBe(0);
    expect(await page.getByRole('link', { name: `Open run ${again.id}` }).getAttribute('href')).toBe(`/runs/${again.id}`);
    await expectAccessible(page, 'reference data integration after an import');
    await screenshot(page, 'reference-data-integration');
    expect(page.consoleErrors).toEqual([]);
  });

  it('edits the picklists in the form: a bad field name is refused beside the field; a field that is no picklist is named in the report', async () => {
    await page.goto(`${app.ferry.url}/integrations/${reference.id}/edit`);
    const entity = page.getByRole('region', { name: 'Entity configuration' });
    const first = entity.getByRole('group', { name: 'Picklist 1' });
    await first.waitFor();
    expect(await first.getByRole('textbox', { name: 'Salesforce object' }).inputValue()).toBe('Account');
    expect(await first.getByRole('textbox', { name: 'Picklist field' }).inputValue()).toBe('Type');
    // Accounts, external mappings and two-way settings mean nothing to an import: not offered.
    expect(await entity.getByRole('checkbox').count()).toBe(0);
    for (const label of ['Included accounts', 'Excluded accounts', 'Account filter']) expect(await page.getByLabel(label).count()).toBe(0);
    expect(await page.getByRole('region', { name: 'Two-way sync' }).count()).toBe(0);

    await entity.getByRole('button', { name: 'Add picklist' }).click();
    const second = entity.getByRole('group', { name: 'Picklist 2' });
    await second.getByRole('combobox', { name: 'Ferry values' }).click();
    await page.getByRole('option', { name: 'Account statuses', exact: true }).click();
    await second.getByRole('textbox', { name: 'Picklist field' }).fill('Account Status');
    await page.getByRole('button', { name: 'Save changes' }).click();
    const field = second.getByRole('textbox', { name: 'Picklist field' });
    await expect.poll(() => field.getAttribute('aria-invalid')).toBe('true');
    expect(await second.textContent()).toContain('must be a Salesforce picklist field API name such as "Type"');
    // Only the bad field is marked, and nothing was saved.
    expect(await first.getByRole('textbox', { name: 'Picklist field' }).getAttribute('aria-invalid')).not.toBe('true');
    expect((await must('GET', `/api/v1/integrations/${reference.id}`)).settings.picklists).toEqual([{ entity: 'account-types', object: 'Account', field: 'Type' }]);
    await expectAccessible(page, 'reference data form with an error');
    await screenshot(page, 'reference-data-form');

    // Typing clears the mark; a valid name that is not a picklist is saved, and the report says what it is.
    await field.fill('Name');
    expect(await field.getAttribute('aria-invalid')).not.toBe('true');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.waitForURL(`${app.ferry.url}/integrations/${reference.id}`);
    expect((await must('GET', `/api/v1/integrations/${reference.id}`)).settings.picklists).toEqual([
      { entity: 'account-types', object: 'Account', field: 'Type' },
      { entity: 'account-statuses', object: 'Account', field: 'Name' },
    ]);
    const panel = page.getByRole('region', { name: 'Picklists', exact: true });
    await panel.getByRole('button', { name: 'Check picklists' }).click();
    await expect.poll(() => panel.getByRole('region', { name: 'Account.Name' }).textContent()).toContain('Not checked: Account.Name is a string field, not a picklist.');
    expect(await panel.getByRole('region', { name: 'Account.Type' }).textContent()).toContain('RESELLER');
    expect(unexpected(page.consoleErrors, [400])).toEqual([]);
  });
});

describe('what imports share', () => {
  it('creates import integrations with no run on change, offers them one action and no sync mode, and starts a catalogue rule on Ferry_Product__c', async () => {
    // The refusal the form's test provoked is behind us: from here on, no error at all.
    page.consoleErrors.length = 0;
    await page.goto(`${app.ferry.url}/integrations/new?entityType=ReferenceData`);
    await page.getByRole('heading', { name: 'New ReferenceData integration', level: 2 }).waitFor();
    const onChange = page.getByRole('checkbox', { name: 'Run on change' });
    expect(await onChange.isChecked()).toBe(false);
    // The default follows the entity type chosen.
    await page.getByRole('combobox', { name: 'Entity type' }).click();
    await page.getByRole('option', { name: 'Account', exact: true }).click();
    expect(await onChange.isChecked()).toBe(true);
    await page.getByRole('combobox', { name: 'Entity type' }).click();
    await page.getByRole('option', { name: 'Catalogue', exact: true }).click();
    expect(await onChange.isChecked()).toBe(false);
    await page.getByRole('combobox', { name: 'Entity type' }).click();
    await page.getByRole('option', { name: 'ReferenceData', exact: true }).click();
    expect(await page.getByRole('group', { name: 'Picklist 1' }).getByRole('textbox', { name: 'Picklist field' }).inputValue()).toBe('Type');
    await page.getByRole('textbox', { name: 'Name', exact: true }).fill('Reference data by hand');
    await page.getByRole('button', { name: 'Create integration' }).click();
    await page.waitForURL((url) => /^\/integrations\/[0-9a-f-]{36}$/.test(url.pathname));
    const created = await must('GET', `/api/v1/integrations/${new URL(page.url()).pathname.split('/').pop()!}`);
    expect(created).toMatchObject({ name: 'Reference data by hand', entityType: 'ReferenceData', trigger: { onChange: false }, settings: { picklists: [{ entity: 'account-types', object: 'Account', field: 'Type' }] } });
    // Not connected: the report needs the org, and says so.
    await page.getByText('Reads the org: connect a credential first.').waitFor();
    expect(await page.getByRole('button', { name: 'Check picklists' }).isDisabled()).toBe(true);

    const catalogue = await must('POST', '/api/v1/integrations', { name: 'Catalogue by API', entityType: 'Catalogue', credentialId: credential.id, trigger: { onChange: false } });
    await page.goto(`${app.ferry.url}/integrations/${catalogue.id}`);
    await page.getByRole('heading', { name: 'Catalogue by API', level: 2 }).waitFor();
    await page.getByRole('button', { name: 'Import Catalogue', exact: true }).waitFor();
    expect(await page.getByRole('combobox', { name: 'Sync mode' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Sync now' }).count()).toBe(0);
    await page.getByRole('table', { name: 'Mapping rules' }).waitFor();
    await page.getByRole('button', { name: 'Add rule' }).click();
    const addModal = page.getByRole('dialog', { name: 'Add rule' });
    expect(await addModal.getByRole('textbox', { name: 'Salesforce object' }).inputValue()).toBe('Ferry_Product__c');
    await expectAccessible(page, 'catalogue integration, new rule');
    await addModal.getByRole('button', { name: 'Cancel' }).click();
    expect(page.consoleErrors).toEqual([]);
  });
});
