// The catalogue import in the console: Import Catalogue on a credential and on a Catalogue
// integration's page, followed live to its end; a run's rows per Salesforce object; the Catalogue
// form with its price book. Checked through the API and by SOQL in the emulated org.
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectAccessible, newPage, screenshot, signIn, useConsole } from '../browser.ts';
import { oauthLogin } from '../emulator/support.ts';

const app = useConsole();

let page: Page & { consoleErrors: string[] };
let credential: any;
let conn: Awaited<ReturnType<typeof oauthLogin>>;
const products: any[] = [];
/** The Catalogue integration Import Catalogue made on the credential (the first test). */
let catalogue: any;

async function must(method: string, path: string, body?: unknown): Promise<any> {
  const res = await app.ferry.call(method, path, body);
  expect(res.status, `${method} ${path}: ${JSON.stringify(res.body)}`).toBeLessThan(300);
  return res.body;
}

const sf = async (soql: string) => (await conn.query<any>(soql)).records;

/** What the seeded catalogue makes in Salesforce: a Product2 per frequency, a price book entry per pricing rule. */
const frequencies = () => products.reduce((n, p) => n + p.frequencies.length, 0);
const prices = () => products.reduce((n, p) => n + p.pricingRules.length, 0);

/** Console errors other than the browser's own note of a refusal the test provoked on purpose. */
function unexpected(errors: string[], statuses: number[]): string[] {
  return errors.filter((error) => !statuses.some((status) => error.includes(`status of ${status}`)));
}

/** The cells of the object's row in the run page's per-object table: created, updated, unchanged, retired, failed. */
async function objectRow(object: string): Promise<string[]> {
  const table = page.getByRole('table', { name: 'Rows per Salesforce object' });
  return table.getByRole('row').filter({ has: page.getByRole('rowheader', { name: object, exact: true }) }).getByRole('cell').allTextContents();
}

const summary = (s: { created: number; updated: number; unchanged: number; retired: number; failed: number }) => [s.created, s.updated, s.unchanged, s.retired, s.failed].map(String);

beforeAll(async () => {
  credential = await app.ferry.credential();
  conn = await oauthLogin(app.ferry.emulator);
  // The test org is single-currency (USD): every price is in USD.
  products.push(await must('POST', '/api/v1/products', {
    code: 'P1', name: 'Plan one', frequencies: [{ frequency: 'MONTHLY' }], currencies: ['USD'], pricingRules: [{ currency: 'USD', frequency: 'MONTHLY', price: '10.00' }],
  }));
  products.push(await must('POST', '/api/v1/products', {
    code: 'P2', name: 'Plan two', frequencies: [{ frequency: 'MONTHLY' }, { frequency: 'ANNUAL' }], currencies: ['USD'],
    pricingRules: [{ currency: 'USD', frequency: 'MONTHLY', price: '25.00' }, { currency: 'USD', frequency: 'ANNUAL', price: '250.00' }],
  }));
  page = await newPage(app.browser);
  await signIn(page, app.ferry.url, app.ferry.apiKey);
});

describe('Import Catalogue', () => {
  it('imports from a credential, showing the progress live and then COMPLETE with the counts, and the rows per Salesforce object on the run\'s page', async () => {
    await page.goto(`${app.ferry.url}/credentials`);
    // Every Salesforce call slowed down, so the import is seen while it works.
    app.ferry.emulator.controls.setLatency({ fixedMs: 400, perRecordMs: 0 });
    try {
      await page.getByRole('button', { name: 'Import Catalogue into Emulated org' }).click();
      const status = page.getByRole('status', { name: 'Catalogue import into the org of "Emulated org"' });
      const bar = page.getByRole('progressbar', { name: 'Catalogue import into the org of "Emulated org"' });
      // Caught between two steps: the bar's figures are read together, as one state of the page.
      const midway = await app.ferry.eventually(async () => {
        if ((await bar.count()) === 0) return undefined;
        const state = await bar.evaluate((element: any) => ({ now: Number(element.getAttribute('aria-valuenow')), max: Number(element.getAttribute('aria-valuemax')), text: String(element.getAttribute('aria-valuetext')) }));
        return state.now > 0 && state.now < state.max ? state : undefined;
      });
      expect(midway.text).toBe(`${midway.now} / ${midway.max} rows`);
      // Every step after it makes at least one (slowed) call: the run is still going.
      expect(await status.textContent()).toMatch(/^Running: (products|Salesforce products)/);
      await screenshot(page, 'catalogue-import-running');
    } finally {
      app.ferry.emulator.controls.setLatency({ fixedMs: 0, perRecordMs: 0 });
    }

    const status = page.getByRole('status', { name: 'Catalogue import into the org of "Emulated org"' });
    await expect.poll(() => status.textContent(), { timeout: 30_000 }).toContain('COMPLETE');
    catalogue = (await must('GET', '/api/v1/integrations?entityType=Catalogue')).data.find((i: any) => i.credentialId === credential.id);
    expect(catalogue).toMatchObject({ name: 'Catalogue', entityType: 'Catalogue' });
    const run = await app.ferry.deliveringRun(catalogue.id, () => true);
    expect(run).toMatchObject({ status: 'COMPLETE', mode: 'full', counts: { failed: 0 }, progress: { step: 'done' } });
    expect(run.progress.done).toBe(run.progress.total);
    expect(run.progress.objects.Product2).toMatchObject({ created: frequencies(), failed: 0 });
    expect(run.progress.objects.PricebookEntry).toMatchObject({ created: prices(), failed: 0 });
    // The outcome says the run's own counts, and the bar ends full.
    expect(await status.textContent()).toContain(`${run.counts.sent} sent, ${run.counts.created} created, ${run.counts.updated} updated`);
    const bar = page.getByRole('progressbar', { name: 'Catalogue import into the org of "Emulated org"' });
    expect(await bar.getAttribute('aria-valuetext')).toBe(`${run.progress.total} / ${run.progress.total} rows`);
    // What the org holds now.
    expect((await sf("SELECT Id FROM Product2 WHERE ProductCode IN ('P1', 'P2')")).length).toBe(frequencies());
    expect((await sf("SELECT UnitPrice FROM PricebookEntry WHERE Pricebook2.IsStandard = true AND Product2.ProductCode = 'P1'")).map((e) => e.UnitPrice)).toEqual([10]);
    await expectAccessible(page, 'credentials page after an import');
    await screenshot(page, 'catalogue-import');

    await page.getByRole('link', { name: `Open run ${run.id}` }).click();
    await page.waitForURL(`${app.ferry.url}/runs/${run.id}`);
    await page.getByRole('table', { name: 'Rows per Salesforce object' }).waitFor();
    expect(await objectRow('Product2')).toEqual(summary(run.progress.objects.Product2));
    expect(await objectRow('PricebookEntry')).toEqual(summary(run.progress.objects.PricebookEntry));
    expect(await objectRow('Ferry_Product__c')).toEqual(summary({ created: products.length, updated: 0, unchanged: 0, retired: 0, failed: 0 }));
    // A finished import shows no bar.
    expect(await page.getByRole('progressbar').count()).toBe(0);
    await expectAccessible(page, 'import run page');
    await screenshot(page, 'catalogue-run');
    expect(page.consoleErrors).toEqual([]);
  });

  it('sets a price book through the integration\'s form, previews the rows by key, and imports again from the integration\'s page', async () => {
    await page.goto(`${app.ferry.url}/integrations/${catalogue.id}`);
    await page.getByRole('heading', { name: 'Catalogue', level: 2 }).waitFor();
    await expect.poll(() => page.getByText('None: the standard price book only').count()).toBe(1);
    await page.getByRole('link', { name: 'Edit' }).click();
    await page.waitForURL(`${app.ferry.url}/integrations/${catalogue.id}/edit`);
    const priceBook = page.getByRole('textbox', { name: 'Ferry price book' });
    await priceBook.waitFor();
    // Accounts and external mappings mean nothing to an import: not offered.
    const entity = page.getByRole('region', { name: 'Entity configuration' });
    expect(await entity.getByRole('checkbox').count()).toBe(0);
    expect(await entity.getByRole('textbox').count()).toBe(1);
    for (const label of ['Included accounts', 'Excluded accounts', 'Account filter']) expect(await page.getByLabel(label).count()).toBe(0);
    expect(await page.getByRole('region', { name: 'Two-way sync' }).count()).toBe(0);
    await priceBook.fill('Partner prices');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.waitForURL(`${app.ferry.url}/integrations/${catalogue.id}`);
    expect((await must('GET', `/api/v1/integrations/${catalogue.id}`)).settings.priceBook).toBe('Partner prices');
    await expect.poll(() => page.getByText('Partner prices, besides the standard price book').count()).toBe(1);

    // The preview names each Salesforce row by its key: one Ferry product gives several.
    await page.getByText('Full', { exact: true }).click();
    await page.getByRole('button', { name: 'Preview', exact: true }).click();
    const preview = page.getByRole('table', { name: 'Preview of a run' });
    await preview.waitFor();
    const items = (await must('GET', `/api/v1/integrations/${catalogue.id}/preview?mode=full&limit=100`)).data;
    expect(items.some((item: any) => item.key === `${products[1].id}:ANNUAL`)).toBe(true);
    expect(await preview.getByRole('columnheader', { name: 'Key (Ferry_Id__c)' }).count()).toBe(1);
    await expect.poll(() => preview.locator('tbody tr').count()).toBe(items.length);
    const keyColumn = await preview.locator('tbody tr td:nth-child(4)').allTextContents();
    expect(keyColumn).toEqual(items.map((item: any) => item.key ?? '—'));
    await expectAccessible(page, 'catalogue preview');
    await screenshot(page, 'catalogue-preview');

    await page.getByRole('button', { name: 'Import Catalogue' }).click();
    const status = page.getByRole('status', { name: 'Catalogue import into Salesforce' });
    await expect.poll(() => status.textContent(), { timeout: 30_000 }).toContain('COMPLETE');
    const runs = (await must('GET', `/api/v1/runs?integrationId=${catalogue.id}`)).data;
    const [latest] = runs;
    expect(runs).toHaveLength(2);
    expect(latest).toMatchObject({ status: 'COMPLETE', trigger: 'manual', mode: 'full' });
    const run = await must('GET', `/api/v1/runs/${latest.id}`);
    // The standard prices are unchanged; the partner price book gets one entry per price.
    expect(run.progress.objects.PricebookEntry).toMatchObject({ created: prices(), unchanged: prices(), failed: 0 });
    expect(run.progress.objects.Product2).toMatchObject({ created: 0, unchanged: frequencies() });
    expect((await sf("SELECT Id FROM PricebookEntry WHERE Pricebook2.Name = 'Partner prices'")).length).toBe(prices());
    expect(await page.getByRole('link', { name: `Open run ${run.id}` }).getAttribute('href')).toBe(`/runs/${run.id}`);
    await expectAccessible(page, 'catalogue integration page after an import');
    await screenshot(page, 'catalogue-integration');
    expect(page.consoleErrors).toEqual([]);
  });

  it('creates a Catalogue integration from the Configurations page, its price book the only entity setting, a refused name shown beside the field', async () => {
    await page.goto(`${app.ferry.url}/integrations`);
    const group = page.getByRole('region', { name: 'Catalogue → Salesforce' });
    await group.getByRole('link', { name: 'Catalogue', exact: true }).waitFor();
    await group.getByRole('link', { name: 'Create new Catalogue integration' }).click();
    await page.getByRole('heading', { name: 'New Catalogue integration', level: 2 }).waitFor();
    const entity = page.getByRole('region', { name: 'Entity configuration' });
    expect(await entity.getByRole('textbox').count()).toBe(1);
    expect(await entity.getByRole('checkbox').count()).toBe(0);
    expect(await page.getByLabel('Included accounts').count()).toBe(0);
    expect(await page.getByRole('region', { name: 'Two-way sync' }).count()).toBe(0);
    await page.getByRole('textbox', { name: 'Name', exact: true }).fill('Catalogue for partners');
    // Ferry fills the standard price book anyway: the API refuses it by name, and says so beside the field.
    await page.getByRole('textbox', { name: 'Ferry price book' }).fill('Standard Price Book');
    await page.getByRole('button', { name: 'Create integration' }).click();
    await expect.poll(() => entity.textContent()).toContain('is the standard price book');
    expect(await page.getByRole('textbox', { name: 'Ferry price book' }).getAttribute('aria-invalid')).toBe('true');
    await expectAccessible(page, 'catalogue form with an error');
    await screenshot(page, 'catalogue-form');
    await page.getByRole('textbox', { name: 'Ferry price book' }).fill('Reseller prices');
    await page.getByRole('button', { name: 'Create integration' }).click();
    await page.waitForURL((url) => /^\/integrations\/[0-9a-f-]{36}$/.test(url.pathname));
    const id = new URL(page.url()).pathname.split('/').pop()!;
    const created = await must('GET', `/api/v1/integrations/${id}`);
    expect(created).toMatchObject({ name: 'Catalogue for partners', entityType: 'Catalogue', credentialId: null, settings: { priceBook: 'Reseller prices' }, sync: { direction: 'to_salesforce' } });
    expect(unexpected(page.consoleErrors, [400])).toEqual([]);
  });
});
