// Reconciliation in the console: the form (a Salesforce field the org lacks refused beside its
// input, with the fields it has; an HTTPS source whose header values are never shown), the report
// page (the billing tool's file uploaded from the browser, a malformed one refused with its line;
// Run now followed live; the summary, the trend, the groups by category in pages, a difference
// dismissed, the CSV) and the integration's page; the people of matched accounts (the contact
// source switched on the form after its preview of what it replaces, owners imported, and the
// counts of the next run). Accounts are seeded as test/e2e/reconciliation.test.ts seeds them; every
// figure is checked against what the API answers.
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SFDX_PROJECT } from '../../src/emulator/index.ts';
import { expectAccessible, newPage, screenshot, signIn, useConsole } from '../browser.ts';
import { oauthLogin } from '../emulator/support.ts';
import { twoWayHelpers } from '../two-way.ts';

// The org's Account gains Billing_Customer_Id__c, the field that holds the billing tool's id.
const app = useConsole({ emulator: { sfdxProjects: [DEFAULT_SFDX_PROJECT, join(import.meta.dirname, '..', 'fixtures', 'reconciliation-sfdx')] } });
const { runNow } = twoWayHelpers(() => app.ferry);

let page: Page & { consoleErrors: string[] };
let credential: any;
let conn: Awaited<ReturnType<typeof oauthLogin>>;
/** Salesforce Account ids by Ferry account code. */
const sf = new Map<string, string>();
/** Ferry account ids by code. */
const ferryIds = new Map<string, string>();
/** The billing tool's customers, as uploaded (the first test that uploads sets it). */
let csv = '';
/** The Reconciliation integration the form made. */
let integration: any;

/** Customers nothing else names, enough for the groups to take more than one page. */
const EXTRA_CUSTOMERS = 60;

async function must(method: string, path: string, body?: unknown): Promise<any> {
  const res = await app.ferry.call(method, path, body);
  expect(res.status, `${method} ${path}: ${JSON.stringify(res.body)}`).toBeLessThan(300);
  return res.body;
}

/** Opens a Mantine select by its label and picks the option with this name. */
async function choose(label: string, option: string | RegExp): Promise<void> {
  await page.getByRole('combobox', { name: label, exact: true }).click();
  await page.getByRole('option', { name: option, exact: typeof option === 'string' }).click();
}

/** Console errors other than the browser's own note of a refusal the test provoked on purpose. */
function unexpected(errors: string[], statuses: number[]): string[] {
  return errors.filter((error) => !statuses.some((status) => error.includes(`status of ${status}`)));
}

/** The text of the error an input shows (its aria-describedby names it). */
async function errorOf(input: ReturnType<Page['getByRole']>): Promise<string> {
  const ids = ((await input.getAttribute('aria-describedby')) ?? '').split(' ');
  const id = ids.find((candidate) => candidate.endsWith('error'));
  expect(id, `no error is described for ${String(input)}`).toBeDefined();
  return (await page.locator(`[id="${id}"]`).textContent()) ?? '';
}

/** Chooses a file in the page's file input as a person would: through the browser's file chooser. */
async function chooseFile(name: string, content: string): Promise<void> {
  const chooser = page.waitForEvent('filechooser');
  await page.getByRole('button', { name: 'Customers file' }).click();
  await (await chooser).setFiles({ name, mimeType: 'text/plain', buffer: Buffer.from(content) });
}

/** A figure of the report's summary, by its name. */
const figure = (name: string) => page.getByRole('region', { name: 'Latest report' }).getByRole('group', { name, exact: true }).locator('[data-value]');

const groups = () => page.getByRole('table', { name: 'Groups of the report' });
/** The rows of the groups table (its body). */
const groupRows = () => groups().locator('tbody tr');

/** A difference as the page writes it: "field: ferry / salesforce / billing tool", a side not compared a dash. */
function differenceText(d: { field: string; ferry?: string | null; salesforce?: string | null; source?: string | null }): string {
  const side = (value: string | null | undefined) => (value === undefined ? '—' : value === null ? 'empty' : value);
  return `${d.field}: ${side(d.ferry)} / ${side(d.salesforce)} / ${side(d.source)}`;
}

beforeAll(async () => {
  credential = await app.ferry.credential();
  conn = await oauthLogin(app.ferry.emulator);
  // Ferry: six accounts, four delivered to Salesforce (linked), three naming a billing customer.
  const delivery = await must('POST', '/api/v1/integrations', { name: 'Accounts', entityType: 'Account', credentialId: credential.id, trigger: { onChange: false } });
  const accounts: [string, string, string | undefined][] = [
    ['R1', 'Alpha Limited', 'cus_1'], ['R2', 'Beta GmbH', 'cus_2'], ['R3', 'Gamma Inc', undefined], ['R4', 'Delta SA', undefined], ['R5', 'Epsilon BV', 'cus_5'], ['R6', 'Zeta Oy', undefined],
  ];
  const create = async ([code, name, externalKey]: [string, string, string | undefined]) => {
    ferryIds.set(code, (await must('POST', '/api/v1/accounts', { code, name, currency: 'EUR', ...(externalKey === undefined ? {} : { externalKey }) })).id);
  };
  for (const account of accounts.slice(0, 4)) await create(account);
  expect((await runNow(delivery.id, 'incremental')).counts.created).toBe(4);
  for (const account of accounts.slice(4)) await create(account);
  for (const code of ['R1', 'R2', 'R3', 'R4']) {
    const [row] = (await conn.query<any>(`SELECT Id FROM Account WHERE AccountNumber = '${code}'`)).records;
    sf.set(code, row.Id);
  }
  // Salesforce: billing ids on delivered accounts, one shared with an account Ferry does not have.
  await conn.sobject('Account').update([
    { Id: sf.get('R1')!, Billing_Customer_Id__c: 'cus_1' }, { Id: sf.get('R2')!, Billing_Customer_Id__c: 'cus_2' }, { Id: sf.get('R4')!, Billing_Customer_Id__c: 'cus_dup' },
  ]);
  await conn.sobject('Account').create({ Name: 'Only in Salesforce', Billing_Customer_Id__c: 'cus_7' });
  await conn.sobject('Account').create({ Name: 'Twin', Billing_Customer_Id__c: 'cus_dup' });
  csv = [
    'id,salesforce_id,company,currency',
    `cus_1,${sf.get('R1')},Alpha Ltd,EUR`,
    'cus_2,,Beta GmbH,USD',
    `cus_3,${sf.get('R3')},Gamma Inc,EUR`,
    'cus_5,,Epsilon BV,EUR',
    'cus_9,,Nine Corp,EUR',
    'cus_9,,Nine Corporation,EUR',
    ...Array.from({ length: EXTRA_CUSTOMERS }, (_, i) => `cus_${100 + i},,Extra customer ${i + 1},EUR`),
  ].join('\n');
  page = await newPage(app.browser);
  await signIn(page, app.ferry.url, app.ferry.apiKey);
});

describe('the Reconciliation form', () => {
  it('creates a reconciliation from the Configurations page: daily at 02:00 UTC, a Salesforce field the org lacks refused beside its input with the fields it has', async () => {
    await page.goto(`${app.ferry.url}/integrations`);
    const group = page.getByRole('region', { name: 'Reconciliation → Salesforce' });
    await group.getByRole('link', { name: 'Create new Reconciliation integration' }).click();
    await page.getByRole('heading', { name: 'New Reconciliation integration', level: 2 }).waitFor();
    // Accounts, entity settings, running on change and two-way sync mean nothing to it.
    for (const label of ['Included accounts', 'Excluded accounts', 'Account filter']) expect(await page.getByLabel(label).count()).toBe(0);
    expect(await page.getByRole('region', { name: 'Entity configuration' }).count()).toBe(0);
    expect(await page.getByRole('region', { name: 'Two-way sync' }).count()).toBe(0);
    expect(await page.getByRole('checkbox', { name: 'Run on change' }).count()).toBe(0);
    // Its schedule: daily at 02:00 UTC, shown.
    expect(await page.getByRole('radio', { name: 'Cron expression' }).isChecked()).toBe(true);
    expect(await page.getByRole('textbox', { name: 'Cron expression' }).inputValue()).toBe('0 2 * * *');
    expect(await page.getByRole('combobox', { name: 'Time zone' }).inputValue()).toBe('UTC');

    const settings = page.getByRole('region', { name: 'Reconciliation', exact: true });
    await page.getByRole('textbox', { name: 'Name', exact: true }).fill('Customers');
    await choose('Credential', `${credential.name} (connected)`);
    const billing = settings.getByRole('textbox', { name: 'Salesforce billing id field' });
    await billing.fill('Chargebee_ID__c');
    await settings.getByRole('textbox', { name: 'Source Salesforce id field' }).fill('salesforce_id');
    expect(await settings.getByRole('textbox', { name: 'Source id field' }).inputValue()).toBe('id');
    expect(await settings.getByRole('textbox', { name: 'Ferry account field' }).inputValue()).toBe('externalKey');
    const first = settings.getByRole('group', { name: 'Compared field 1' });
    expect(await first.getByRole('textbox', { name: 'Ferry path' }).inputValue()).toBe('name');
    await first.getByRole('textbox', { name: 'Salesforce field' }).fill('Nmae');
    await first.getByRole('textbox', { name: 'Source field' }).fill('company');
    await settings.getByRole('button', { name: 'Add compared field' }).click();
    const second = settings.getByRole('group', { name: 'Compared field 2' });
    await second.getByRole('textbox', { name: 'Field name' }).fill('currency');
    await second.getByRole('textbox', { name: 'Ferry path' }).fill('currency');
    await second.getByRole('textbox', { name: 'Source field' }).fill('currency');
    // The people of matched accounts: contacts from Ferry and no owners by default. A new
    // reconciliation has no report to count from: choosing Salesforce says what a run will do.
    const people = settings.getByRole('group', { name: 'People of matched accounts' });
    const contactSource = people.getByRole('radiogroup', { name: 'Contacts come from' });
    expect(await contactSource.getByRole('radio', { name: 'Ferry (the billing platform, through Ferry\'s API)' }).isChecked()).toBe(true);
    expect(await people.getByRole('checkbox', { name: 'Make each Salesforce Account\'s owner the assigned user' }).isChecked()).toBe(false);
    const explanation = people.getByRole('status').filter({ hasText: 'Contacts from Salesforce' });
    expect(await explanation.count()).toBe(0);
    await contactSource.getByRole('radio', { name: 'Salesforce', exact: true }).click();
    expect(await explanation.textContent()).toContain('From the first run, the contacts of each matched account (an Account and a Ferry account in one group) become those of its Account in Salesforce');
    await contactSource.getByRole('radio', { name: 'Ferry (the billing platform, through Ferry\'s API)' }).click();
    expect(await explanation.count()).toBe(0);
    await page.getByRole('button', { name: 'Create integration' }).click();

    // The org's Account lacks both fields: each is refused beside its input, the fields it has listed.
    await expect.poll(() => billing.getAttribute('aria-invalid')).toBe('true');
    const billingError = await errorOf(billing);
    expect(billingError).toMatch(/^Account has no field Chargebee_ID__c in the credential's org; its fields: .*Billing_Customer_Id__c/);
    const wrongField = first.getByRole('textbox', { name: 'Salesforce field' });
    expect(await wrongField.getAttribute('aria-invalid')).toBe('true');
    expect(await errorOf(wrongField)).toContain('Account has no field Nmae');
    expect(await second.getByRole('textbox', { name: 'Salesforce field' }).getAttribute('aria-invalid')).not.toBe('true');
    expect(await page.getByRole('alert').filter({ hasText: 'The integration was not created' }).textContent()).toContain('body.reconciliation.fields[0].salesforce');
    expect((await must('GET', '/api/v1/integrations?entityType=Reconciliation')).data).toEqual([]);
    await expectAccessible(page, 'reconciliation form with the org\'s refusal');
    await screenshot(page, 'reconciliation-form');

    // Typing clears the mark; with the org's fields it is created.
    await billing.fill('Billing_Customer_Id__c');
    expect(await billing.getAttribute('aria-invalid')).not.toBe('true');
    await wrongField.fill('Name');
    await page.getByRole('button', { name: 'Create integration' }).click();
    await page.waitForURL((url) => /^\/integrations\/[0-9a-f-]{36}$/.test(url.pathname));
    integration = await must('GET', `/api/v1/integrations/${new URL(page.url()).pathname.split('/').pop()!}`);
    expect(integration).toMatchObject({
      name: 'Customers', entityType: 'Reconciliation', credentialId: credential.id, trigger: { onChange: false, schedule: { cron: '0 2 * * *', timeZone: 'UTC' } },
      reconciliation: {
        salesforceBillingIdField: 'Billing_Customer_Id__c', source: { kind: 'file', format: 'csv' }, sourceIdField: 'id', sourceSalesforceIdField: 'salesforce_id',
        ferryToSalesforce: 'links', ferryToSource: { field: 'externalKey' },
        fields: [{ name: 'name', ferry: 'name', salesforce: 'Name', source: 'company' }, { name: 'currency', ferry: 'currency', salesforce: null, source: 'currency' }],
        contactSource: 'ferry', importOwners: false,
      },
    });
    expect(new Date(integration.nextRunAt).toISOString()).toMatch(/T02:00:00\.000Z$/);

    // Its page: the report panel instead of sync, mapping and preview.
    await page.getByRole('heading', { name: 'Customers', level: 2 }).waitFor();
    const panel = page.getByRole('region', { name: 'Reconciliation report' });
    await expect.poll(() => panel.textContent()).toContain('No report yet.');
    expect(await panel.textContent()).toContain('No file of the billing tool\u2019s customers uploaded yet.');
    for (const button of ['Sync now', 'Preview', 'Add rule']) expect(await page.getByRole('button', { name: button, exact: true }).count()).toBe(0);
    expect(await page.getByRole('heading', { name: 'Field mapping' }).count()).toBe(0);
    expect(await page.getByText('Billing_Customer_Id__c', { exact: true }).count()).toBe(1);
    await expectAccessible(page, 'reconciliation integration page');
    await screenshot(page, 'reconciliation-integration');
    expect(unexpected(page.consoleErrors, [400])).toEqual([]);
    page.consoleErrors.length = 0;
  });

  it('edits the settings: the stored values in their inputs, an external mapping\'s empty system refused beside it, nothing changed', async () => {
    await page.goto(`${app.ferry.url}/integrations/${integration.id}/edit`);
    const settings = page.getByRole('region', { name: 'Reconciliation', exact: true });
    const billing = settings.getByRole('textbox', { name: 'Salesforce billing id field' });
    await billing.waitFor();
    expect(await billing.inputValue()).toBe('Billing_Customer_Id__c');
    expect(await settings.getByRole('group', { name: 'Compared field 2' }).getByRole('textbox', { name: 'Salesforce field' }).inputValue()).toBe('');
    await settings.getByRole('radiogroup', { name: 'Ferry to billing tool' }).getByRole('radio', { name: 'External mappings of a system and table' }).click();
    await settings.getByRole('textbox', { name: 'External table (billing tool)' }).fill('customers');
    await page.getByRole('button', { name: 'Save changes' }).click();
    const system = settings.getByRole('textbox', { name: 'External system (billing tool)' });
    await expect.poll(() => system.getAttribute('aria-invalid')).toBe('true');
    expect(await errorOf(system)).toBe('must not be empty');
    expect((await must('GET', `/api/v1/integrations/${integration.id}`)).reconciliation).toEqual(integration.reconciliation);
    await expectAccessible(page, 'reconciliation form, editing');
    await page.getByRole('link', { name: 'Cancel' }).click();
    await page.waitForURL(`${app.ferry.url}/integrations/${integration.id}`);
    expect(unexpected(page.consoleErrors, [400])).toEqual([]);
    page.consoleErrors.length = 0;
  });
});

describe('an HTTPS source in the form', () => {
  it('creates a reconciliation reading an HTTPS endpoint: a header named twice and a wrong URL refused beside them, the header value sealed and never shown, kept when the form is saved again', async () => {
    const secret = 'Bearer s3cret-token-for-the-billing-tool';
    await page.goto(`${app.ferry.url}/integrations/new?entityType=Reconciliation`);
    const settings = page.getByRole('region', { name: 'Reconciliation', exact: true });
    await page.getByRole('textbox', { name: 'Name', exact: true }).fill('Customers by API');
    await settings.getByRole('textbox', { name: 'Salesforce billing id field' }).fill('Billing_Customer_Id__c');
    await settings.getByRole('radio', { name: 'An HTTPS endpoint answering JSON pages' }).click();
    const url = settings.getByRole('textbox', { name: 'First page URL' });
    await url.fill('http://billing.example/api/customers?limit=100');
    await settings.getByRole('textbox', { name: 'Records' }).fill('data');
    await settings.getByRole('button', { name: 'Add header' }).click();
    const header = settings.getByRole('group', { name: 'Header 1' });
    await header.getByRole('textbox', { name: 'Header name' }).fill('authorization');
    await header.getByLabel('Header value').fill(secret);
    // A header named twice is caught before anything is sent: the API takes headers as an object.
    await settings.getByRole('button', { name: 'Add header' }).click();
    const twice = settings.getByRole('group', { name: 'Header 2' });
    await twice.getByRole('textbox', { name: 'Header name' }).fill('Authorization');
    await twice.getByLabel('Header value').fill('another');
    const integrationsBefore = (await must('GET', '/api/v1/integrations')).data.length;
    await page.getByRole('button', { name: 'Create integration' }).click();
    const twiceName = twice.getByRole('textbox', { name: 'Header name' });
    await expect.poll(() => twiceName.getAttribute('aria-invalid')).toBe('true');
    expect(await errorOf(twiceName)).toBe('is given twice: send each header once');
    expect((await must('GET', '/api/v1/integrations')).data).toHaveLength(integrationsBefore);
    await settings.getByRole('button', { name: 'Remove header 2' }).click();
    await page.getByRole('button', { name: 'Create integration' }).click();
    await expect.poll(() => url.getAttribute('aria-invalid')).toBe('true');
    expect(await errorOf(url)).toContain('must use https');
    await expectAccessible(page, 'reconciliation form with an HTTPS source');
    await screenshot(page, 'reconciliation-form-https');

    await url.fill('https://billing.example/api/customers?limit=100');
    await page.getByRole('button', { name: 'Create integration' }).click();
    await page.waitForURL((at) => /^\/integrations\/[0-9a-f-]{36}$/.test(at.pathname));
    const id = new URL(page.url()).pathname.split('/').pop()!;
    const created = await must('GET', `/api/v1/integrations/${id}`);
    expect(created.reconciliation.source).toEqual({ kind: 'http', url: 'https://billing.example/api/customers?limit=100', records: 'data', next: null, headerNames: ['authorization'] });
    expect(JSON.stringify(created)).not.toContain(secret);

    // Editing: the header is named, its value nowhere on the page; saving keeps it.
    await page.goto(`${app.ferry.url}/integrations/${id}/edit`);
    const keep = page.getByRole('checkbox', { name: /^Keep the headers sent now: authorization/ });
    await keep.waitFor();
    expect(await keep.isChecked()).toBe(true);
    expect(await page.content()).not.toContain(secret);
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.waitForURL(`${app.ferry.url}/integrations/${id}`);
    const saved = await must('GET', `/api/v1/integrations/${id}`);
    expect(saved.version).toBe(created.version + 1);
    expect(saved.reconciliation.source.headerNames).toEqual(['authorization']);
    const sealed = await app.ferry.db.query<{ sealed_secrets: string | null }>('SELECT sealed_secrets FROM integrations WHERE id = $1', [id]);
    expect(sealed[0]!.sealed_secrets).not.toBeNull();
    expect(sealed[0]!.sealed_secrets).not.toContain(secret);

    // Its report page has no file to upload: it names the endpoint, without its query.
    await page.goto(`${app.ferry.url}/integrations/${id}/reconciliation`);
    const source = page.getByRole('region', { name: 'Billing tool\'s customers' });
    await expect.poll(() => source.textContent()).toContain('Read at each run from https://billing.example/api/customers, page by page, with the headers authorization');
    expect(await page.getByRole('button', { name: 'Customers file' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Run now' }).isDisabled()).toBe(true);
    await expectAccessible(page, 'report page of an HTTPS source');
    expect(unexpected(page.consoleErrors, [400])).toEqual([]);
    page.consoleErrors.length = 0;
  });
});

describe('the report page', () => {
  it('uploads the billing tool\'s customers from the browser: a malformed file refused with its line beside the input, then a CSV kept with its size and time', async () => {
    await page.goto(`${app.ferry.url}/integrations/${integration.id}`);
    await page.getByRole('link', { name: 'Open the reconciliation report' }).click();
    await page.waitForURL(`${app.ferry.url}/integrations/${integration.id}/reconciliation`);
    await page.getByRole('heading', { name: 'Reconciliation: Customers', level: 2 }).waitFor();
    await expect.poll(() => page.getByRole('region', { name: 'Latest report' }).textContent()).toContain('No report yet');
    const current = page.locator('[data-current-file]');
    expect(await current.textContent()).toBe('No file uploaded yet: a run needs one.');

    // A CSV whose second line opens a quote it never closes: the API names the line, beside the input.
    const broken = 'id,company\ncus_1,"Alpha\n';
    await chooseFile('customers.csv', broken);
    expect(await page.getByRole('combobox', { name: 'Format', exact: true }).inputValue()).toBe('CSV');
    await page.getByRole('button', { name: 'Upload file' }).click();
    const input = page.getByRole('button', { name: 'Customers file' });
    await expect.poll(() => input.getAttribute('aria-invalid')).toBe('true');
    const refused = await app.ferry.call('PUT', `/api/v1/integrations/${integration.id}/reconciliation/file`, { format: 'csv', content: broken });
    expect(refused.body.error.details).toEqual([{ path: 'body.content', message: expect.stringContaining('line 2') }]);
    expect(await errorOf(input)).toBe(refused.body.error.details[0].message);
    expect((await must('GET', `/api/v1/integrations/${integration.id}/reconciliation`)).file).toBeNull();
    await expectAccessible(page, 'report page with a refused file');
    await screenshot(page, 'reconciliation-upload-error');

    await chooseFile('customers.csv', csv);
    expect(await page.getByRole('combobox', { name: 'Format', exact: true }).inputValue()).toBe('CSV');
    expect(await input.getAttribute('aria-invalid')).not.toBe('true');
    await page.getByRole('button', { name: 'Upload file' }).click();
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'Uploaded' }).textContent()).toContain(`Uploaded: ${csv.split('\n').length - 1} records`);
    const { file } = await must('GET', `/api/v1/integrations/${integration.id}/reconciliation`);
    expect(file).toMatchObject({ format: 'csv', bytes: Buffer.byteLength(csv) });
    await expect.poll(() => current.textContent()).toContain(`(${file.bytes.toLocaleString('en-US')} bytes)`);
    expect(await current.textContent()).toMatch(/^Current file: CSV, .* uploaded .*\. Runs read it as CSV\.$/);
    expect(unexpected(page.consoleErrors, [400])).toEqual([]);
    page.consoleErrors.length = 0;
  });

  it('runs now, showing the run live, then the report: each category\'s count, the matched share, the records read, the groups with differences, and the trend', async () => {
    const status = page.getByRole('status', { name: 'Reconciliation run' });
    // Every Salesforce call slowed down, so the run is seen while it works.
    app.ferry.emulator.controls.setLatency({ fixedMs: 1000, perRecordMs: 0 });
    try {
      await page.getByRole('button', { name: 'Run now' }).click();
      await app.ferry.eventually(async () => (/^Running: /.test((await status.textContent()) ?? '') ? true : undefined));
      expect(await page.getByRole('progressbar', { name: 'Reconciliation run' }).count()).toBe(1);
      await screenshot(page, 'reconciliation-running');
    } finally {
      app.ferry.emulator.controls.setLatency({ fixedMs: 0, perRecordMs: 0 });
    }
    await expect.poll(() => status.textContent(), { timeout: 30_000 }).toContain('COMPLETE');
    // Finished: the outcome, no bar.
    expect(await page.getByRole('progressbar').count()).toBe(0);
    const { report } = await must('GET', `/api/v1/integrations/${integration.id}/reconciliation`);
    const run = await must('GET', `/api/v1/runs/${report.runId}`);
    expect(run).toMatchObject({ status: 'COMPLETE', trigger: 'manual', mode: 'full' });
    expect(await page.getByRole('link', { name: `Open run ${run.id}` }).getAttribute('href')).toBe(`/runs/${run.id}`);

    // The summary, as the API reports it.
    const { summary } = report;
    expect(summary.counts).toMatchObject({ all_three: 3, duplicate: 2, source_only: 2 + EXTRA_CUSTOMERS });
    await expect.poll(() => figure('On all three sides').textContent()).toBe(String(summary.counts.all_three));
    const labels: Record<string, string> = {
      all_three: 'On all three sides', salesforce_ferry: 'Salesforce and Ferry', salesforce_source: 'Salesforce and billing tool', ferry_source: 'Ferry and billing tool',
      salesforce_only: 'Salesforce only', ferry_only: 'Ferry only', source_only: 'Billing tool only', duplicate: 'Duplicates',
    };
    for (const [category, label] of Object.entries(labels)) expect(await figure(label).textContent(), label).toBe(summary.counts[category].toLocaleString('en-US'));
    expect(await figure('Matched share').textContent()).toBe(new Intl.NumberFormat('en-US', { style: 'percent', maximumFractionDigits: 1 }).format(summary.matchedShare));
    expect(await figure('Groups with differences').textContent()).toBe(String(summary.withDifferences));
    const read = page.getByRole('group', { name: 'Records read' });
    for (const side of ['salesforce', 'ferry', 'source']) expect(await read.locator(`[data-side="${side}"]`).textContent()).toBe(summary.read[side].toLocaleString('en-US'));
    const latest = page.getByRole('region', { name: 'Latest report' });
    expect(await latest.getByRole('link', { name: `run ${run.id}` }).getAttribute('href')).toBe(`/runs/${run.id}`);

    // The trend: one report so far, its figures in the chart's text.
    const trend = (await must('GET', `/api/v1/integrations/${integration.id}/reconciliation/trend`)).data;
    const chart = page.getByRole('figure', { name: 'Matched share over the last reports' });
    await expect.poll(() => chart.locator('tbody tr').count()).toBe(trend.length);
    expect(trend).toHaveLength(1);
    expect(await chart.locator('[data-summary]').textContent()).toContain('1 report;');
    await expectAccessible(page, 'report page');
    await screenshot(page, 'reconciliation-report');
    expect(page.consoleErrors).toEqual([]);
  });

  it('pages through the groups, filters them to all three sides, dismisses a difference (a badge replaces its button), exports the category as CSV, and shows duplicates with their records', async () => {
    const { report } = await must('GET', `/api/v1/integrations/${integration.id}/reconciliation`);
    const total = Object.values(report.summary.counts as Record<string, number>).reduce((a, b) => a + b, 0);
    const firstPage = await must('GET', `/api/v1/integrations/${integration.id}/reconciliation/items?limit=50`);
    expect(firstPage.next).not.toBeNull();
    await expect.poll(() => groupRows().count()).toBe(firstPage.data.length);
    await page.getByText(`Groups 1–${firstPage.data.length} of ${total}`).waitFor();
    await page.getByRole('button', { name: 'Next page' }).click();
    await expect.poll(() => groupRows().count()).toBe(total - firstPage.data.length);
    expect(await page.getByRole('button', { name: 'Next page' }).isDisabled()).toBe(true);
    await page.getByRole('button', { name: 'Previous page' }).click();
    await expect.poll(() => groupRows().count()).toBe(firstPage.data.length);

    await choose('Category', `On all three sides (${report.summary.counts.all_three})`);
    const items = (await must('GET', `/api/v1/integrations/${integration.id}/reconciliation/items?category=all_three`)).data;
    await expect.poll(() => groupRows().count()).toBe(items.length);
    expect(await page.getByRole('button', { name: 'Next page' }).count()).toBe(0);
    for (const item of items) {
      const row = groupRows().filter({ hasText: item.salesforceId });
      const text = await row.textContent();
      for (const id of [item.ferryId, item.sourceId, item.name]) expect(text).toContain(id);
      for (const difference of item.differences) expect(text).toContain(differenceText(difference));
    }
    const alpha = items.find((item: any) => item.sourceId === 'cus_1');
    const [difference] = alpha.differences;
    expect(difference).toMatchObject({ field: 'name', dismissed: false });
    const alphaRow = groupRows().filter({ hasText: alpha.salesforceId });
    await alphaRow.getByRole('button', { name: `Dismiss the name difference of ${alpha.name}` }).click();
    await alphaRow.getByText('dismissed', { exact: true }).waitFor();
    expect(await alphaRow.getByRole('button', { name: /^Dismiss/ }).count()).toBe(0);
    const after = (await must('GET', `/api/v1/integrations/${integration.id}/reconciliation/items?category=all_three`)).data.find((item: any) => item.n === alpha.n);
    expect(after.differences).toEqual([{ ...difference, dismissed: true }]);
    // Another group's difference is still offered.
    const beta = items.find((item: any) => item.sourceId === 'cus_2');
    expect(await groupRows().filter({ hasText: beta.salesforceId }).getByRole('button', { name: `Dismiss the currency difference of ${beta.name}` }).count()).toBe(1);

    // The CSV of the category, downloaded with the session.
    const link = page.getByRole('link', { name: 'Export CSV' });
    const href = (await link.getAttribute('href'))!;
    expect(href).toBe(`/api/v1/integrations/${integration.id}/reconciliation/items.csv?category=all_three`);
    const download = await page.context().request.get(`${app.ferry.url}${href}`);
    expect(download.status()).toBe(200);
    expect(download.headers()['content-type']).toContain('text/csv');
    const exported = await app.ferry.call('GET', href);
    expect(await download.text()).toBe(exported.body);
    await expectAccessible(page, 'report page, all three sides');
    await screenshot(page, 'reconciliation-groups');

    // Duplicates: the side, the key and the records that share it.
    await choose('Category', `Duplicates (${report.summary.counts.duplicate})`);
    const duplicates = (await must('GET', `/api/v1/integrations/${integration.id}/reconciliation/items?category=duplicate`)).data;
    await expect.poll(() => groupRows().count()).toBe(duplicates.length);
    const sides: Record<string, string> = { salesforce: 'Salesforce', ferry: 'Ferry', source: 'billing tool' };
    for (const { detail } of duplicates) {
      await groupRows().getByText(`${detail.total} ${sides[detail.side]} records share a ${detail.key}: ${detail.records.join(', ')}`).waitFor();
    }
    expect(await link.getAttribute('href')).toBe(`/api/v1/integrations/${integration.id}/reconciliation/items.csv?category=duplicate`);
    expect(page.consoleErrors).toEqual([]);
  });

  it('runs again: a second point on the trend, and the dismissed difference stays dismissed', async () => {
    await page.getByRole('button', { name: 'Run now' }).click();
    const status = page.getByRole('status', { name: 'Reconciliation run' });
    await expect.poll(() => status.textContent(), { timeout: 30_000 }).toContain('COMPLETE');
    const trend = (await must('GET', `/api/v1/integrations/${integration.id}/reconciliation/trend`)).data;
    expect(trend).toHaveLength(2);
    const chart = page.getByRole('figure', { name: 'Matched share over the last reports' });
    await expect.poll(() => chart.locator('tbody tr').count()).toBe(2);
    // The new report's groups: the filter starts again from every group.
    expect(await page.getByRole('combobox', { name: 'Category', exact: true }).inputValue()).toMatch(/^All groups/);
    await choose('Category', /^On all three sides/);
    const alpha = (await must('GET', `/api/v1/integrations/${integration.id}/reconciliation/items?category=all_three`)).data.find((item: any) => item.sourceId === 'cus_1');
    expect(alpha.differences).toEqual([expect.objectContaining({ field: 'name', dismissed: true })]);
    await groupRows().filter({ hasText: alpha.salesforceId }).getByText('dismissed', { exact: true }).waitFor();
    // The integration's page sums the latest report up.
    await page.getByRole('link', { name: 'Integration', exact: true }).click();
    const { report } = await must('GET', `/api/v1/integrations/${integration.id}/reconciliation`);
    const panel = page.getByRole('region', { name: 'Reconciliation report' });
    await expect.poll(() => panel.textContent()).toContain(`${report.summary.withDifferences} groups with differences`);
    expect(page.consoleErrors).toEqual([]);
  });
});

describe('the people of matched accounts', () => {
  it('switches the contact source on the form: the preview says what it replaces (and why it is refused while a Contact integration sends contacts), the refusal beside the choice, then saved with owners imported; the next run\'s people counts on the integration\'s page', async () => {
    // A Salesforce contact on R1's Account, a Ferry contact of R2 that Salesforce lacks, and a
    // Contact integration that sends Ferry's contacts to Salesforce (contact data from two sources).
    const sfContact = ((await conn.sobject('Contact').create({ AccountId: sf.get('R1')!, FirstName: 'Ada', LastName: 'Lovelace', Title: 'CFO', Email: 'ada@alpha.test' })) as any).id as string;
    await must('POST', '/api/v1/contacts', { accountId: ferryIds.get('R2'), lastName: 'Gone', email: 'gone@beta.test' });
    const contactsOut = await must('POST', '/api/v1/integrations', { name: 'Contacts out', entityType: 'Contact', credentialId: credential.id, trigger: { onChange: false } });

    await page.goto(`${app.ferry.url}/integrations/${integration.id}/edit`);
    const people = page.getByRole('group', { name: 'People of matched accounts' });
    const contactSource = people.getByRole('radiogroup', { name: 'Contacts come from' });
    const fromFerry = contactSource.getByRole('radio', { name: 'Ferry (the billing platform, through Ferry\'s API)' });
    const fromSalesforce = contactSource.getByRole('radio', { name: 'Salesforce', exact: true });
    const owners = people.getByRole('checkbox', { name: 'Make each Salesforce Account\'s owner the assigned user' });
    await fromFerry.waitFor();
    expect(await fromFerry.isChecked()).toBe(true);
    expect(await owners.isChecked()).toBe(false);
    // The saved source chosen: nothing to say.
    expect(await people.getByRole('status').count()).toBe(0);

    // Choosing Salesforce reads what the switch replaces, from the latest report: as the API says it.
    await fromSalesforce.click();
    const refusedPreview = await must('GET', `/api/v1/integrations/${integration.id}/reconciliation/contact-source?to=salesforce`);
    expect(refusedPreview).toMatchObject({ current: 'ferry', to: 'salesforce', ferryContacts: 1, conflicts: [{ path: ['reconciliation', 'contactSource'], message: expect.stringContaining('"Contacts out"') }] });
    const { report: before } = await must('GET', `/api/v1/integrations/${integration.id}/reconciliation`);
    expect(refusedPreview.matchedAccounts).toBe(before.summary.counts.all_three + before.summary.counts.salesforce_ferry);
    const refusedNotice = people.getByRole('status').filter({ hasText: 'Switching to Salesforce would be refused now' });
    await expect.poll(() => refusedNotice.textContent()).toContain(refusedPreview.message);
    expect(await refusedNotice.textContent()).toContain(refusedPreview.conflicts[0].message);
    await expectAccessible(page, 'reconciliation form, switching the contact source (refused)');
    await screenshot(page, 'reconciliation-contact-source-refused');

    // Saving anyway: refused, the API's reason beside the choice, nothing changed.
    await owners.check();
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect.poll(async () => (await contactSource.getAttribute('aria-describedby')) ?? '').toMatch(/error/);
    const refusal = await app.ferry.call('PATCH', `/api/v1/integrations/${integration.id}`, { reconciliation: { contactSource: 'salesforce' } });
    expect(refusal.status).toBe(400);
    expect(refusal.body.error.details).toEqual([{ path: 'body.reconciliation.contactSource', message: expect.stringContaining('"Contacts out"') }]);
    expect(await errorOf(contactSource)).toBe(refusal.body.error.details[0].message);
    expect((await must('GET', `/api/v1/integrations/${integration.id}`)).reconciliation).toMatchObject({ contactSource: 'ferry', importOwners: false });

    // With the Contact integration disabled, choosing Salesforce again says what it replaces, no refusal.
    await must('POST', `/api/v1/integrations/${contactsOut.id}/disable`);
    await fromFerry.click();
    expect(await people.getByRole('status').count()).toBe(0);
    await fromSalesforce.click();
    const preview = await must('GET', `/api/v1/integrations/${integration.id}/reconciliation/contact-source?to=salesforce`);
    expect(preview).toMatchObject({ conflicts: [], matchedAccounts: refusedPreview.matchedAccounts, ferryContacts: 1 });
    expect(preview.message).toContain(`the contacts of the ${preview.matchedAccounts} matched account(s) of the latest report become those of Salesforce: of their 1 Ferry contact(s)`);
    const notice = people.getByRole('status').filter({ hasText: 'Switching to Salesforce when saved' });
    await expect.poll(() => notice.textContent()).toContain(preview.message);
    expect(await notice.textContent()).not.toContain('refused');
    await expectAccessible(page, 'reconciliation form, switching the contact source');
    await screenshot(page, 'reconciliation-contact-source');

    // Saved: the settings say so through the API, and the switch is an event on the integration's page.
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.waitForURL(`${app.ferry.url}/integrations/${integration.id}`);
    const saved = await must('GET', `/api/v1/integrations/${integration.id}`);
    expect(saved.reconciliation).toEqual({ ...integration.reconciliation, contactSource: 'salesforce', importOwners: true });
    const [event] = (await must('GET', `/api/v1/events?integrationId=${integration.id}&name=integration.contact_source.changed`)).data;
    expect(event.message).toBe(`Contact data now comes from Salesforce (it came from Ferry). ${preview.message}`);
    await page.getByRole('tab', { name: 'Events' }).click();
    await choose('Event name', 'integration.contact_source.changed');
    const events = page.getByRole('table', { name: 'Events' });
    await expect.poll(() => events.locator('tbody tr').filter({ hasText: 'Contact data now comes from Salesforce (it came from Ferry).' }).count()).toBe(1);

    // A run brings the people in; the integration's page counts them as the report does.
    const run = await runNow(integration.id, 'full');
    expect(run, JSON.stringify(run)).toMatchObject({ status: 'COMPLETE' });
    const { report } = await must('GET', `/api/v1/integrations/${integration.id}/reconciliation`);
    const matched = report.summary.counts.all_three + report.summary.counts.salesforce_ferry;
    expect(report.summary.people).toEqual({
      owners: { assigned: matched, unchanged: 0, withoutOwner: 0, refused: 0 },
      contacts: { read: 1, created: 1, updated: 0, unchanged: 0, removed: 1, refused: 0 },
    });
    expect((await must('GET', `/api/v1/contacts?accountId=${ferryIds.get('R1')}`)).data).toEqual([expect.objectContaining({ email: 'ada@alpha.test', title: 'CFO' })]);
    expect((await must('GET', `/api/v1/contacts?accountId=${ferryIds.get('R2')}`)).data).toEqual([]);
    expect((await must('GET', `/api/v1/external-mappings?integrationId=${integration.id}`)).data).toEqual([expect.objectContaining({ externalId: sfContact })]);

    await page.goto(`${app.ferry.url}/integrations/${integration.id}`);
    const panel = page.getByRole('region', { name: 'Reconciliation report' });
    const ownerCounts = panel.getByRole('group', { name: 'Account owners as assigned users' });
    const contactCounts = panel.getByRole('group', { name: 'Contacts from Salesforce' });
    await ownerCounts.waitFor();
    for (const [key, value] of Object.entries(report.summary.people.owners as Record<string, number>)) expect(await ownerCounts.locator(`[data-count="${key}"]`).textContent(), key).toBe(value.toLocaleString('en-US'));
    for (const [key, value] of Object.entries(report.summary.people.contacts as Record<string, number>)) expect(await contactCounts.locator(`[data-count="${key}"]`).textContent(), key).toBe(value.toLocaleString('en-US'));
    expect(await ownerCounts.getByRole('definition').count()).toBe(4);
    expect(await contactCounts.getByRole('term').allTextContents()).toEqual(['Read from Salesforce', 'Created', 'Updated', 'Unchanged', 'Removed', 'Refused']);
    await expectAccessible(page, 'reconciliation integration page with people counts');
    await screenshot(page, 'reconciliation-people');
    expect(unexpected(page.consoleErrors, [400])).toEqual([]);
  });
});
