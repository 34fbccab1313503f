import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestFerry, type TestFerry } from '../ferry.ts';
import { oauthLogin } from '../emulator/support.ts';
import { twoWayHelpers } from '../two-way.ts';

// The catalogue import: Ferry's products, services and rate plans into a multi-currency org, with
// every relation resolvable by SOQL, and a second import that changes exactly what changed.

let ferry: TestFerry;
let credential: any;
let conn: Awaited<ReturnType<typeof oauthLogin>>;
const { must } = twoWayHelpers(() => ferry);

beforeAll(async () => {
  ferry = await startTestFerry({ emulator: { currencies: ['USD', 'EUR'] } });
  credential = await ferry.credential();
  conn = await oauthLogin(ferry.emulator);
}, 60_000);
afterAll(async () => ferry.stop());

const FREQUENCIES = ['MONTHLY', 'QUARTERLY', 'ANNUAL'];

async function sf<T extends Record<string, any> = any>(soql: string): Promise<T[]> {
  return (await conn.query<T>(soql, { autoFetch: true, maxFetch: 100_000 })).records;
}

/** Imports through the credential's action and waits for the run to end. */
async function importCatalogue(): Promise<{ run: any; integration: any }> {
  const started = await must('POST', `/api/v1/credentials/${credential.id}/import-catalogue`, {});
  const run = await ferry.eventually(async () => {
    const view = await must('GET', `/api/v1/runs/${started.run.id}`);
    return view.status === 'WAITING' || view.status === 'STARTED' ? undefined : view;
  }, 60_000);
  return { run, integration: started.integration };
}

describe('Import Catalogue', () => {
  const codes = Array.from({ length: 50 }, (_, i) => `PKG-${String(i).padStart(2, '0')}`);
  const products = new Map<string, any>();
  const plans: any[] = [];
  let integrationId: string;

  it('refuses a catalogue that does not hold together, saying where', async () => {
    const twice = await ferry.call('POST', '/api/v1/products', { code: 'BAD-1', name: 'Bad', frequencies: [{ frequency: 'MONTHLY' }, { frequency: 'MONTHLY' }] });
    expect(twice.status).toBe(400);
    expect(twice.body.error.details).toContainEqual({ path: 'body.frequencies[1].frequency', message: 'MONTHLY is listed twice' });
    const tiers = await ferry.call('POST', '/api/v1/products', {
      code: 'BAD-2', name: 'Bad', frequencies: [{ frequency: 'MONTHLY' }], currencies: ['USD'],
      pricingRules: [{ currency: 'USD', frequency: 'MONTHLY', price: '10.00', tiers: [{ fromQuantity: '0', unitPrice: '1' }, { fromQuantity: '0', unitPrice: '0.5' }] }],
    });
    expect(tiers.status).toBe(400);
    expect(tiers.body.error.details).toContainEqual({ path: 'body.pricingRules[0].tiers[1].fromQuantity', message: 'must be more than the tier before it (0): tiers go up' });
    const missing = await ferry.call('POST', '/api/v1/products', { code: 'BAD-3', name: 'Bad', serviceIds: ['0190e5c4-0000-7000-8000-000000000000'] });
    expect(missing.status).toBe(422);
    expect(missing.body.error.details).toContainEqual({ path: 'body.serviceIds[0]', message: expect.stringContaining('no live service has id') });
    const buckets = await ferry.call('POST', '/api/v1/services', { code: 'BAD-S', name: 'Bad', usageBuckets: [{ code: 'B', name: 'One', quantity: '1' }, { code: 'B', name: 'Two', quantity: '2' }] });
    expect(buckets.status).toBe(400);
    expect(buckets.body.error.details).toContainEqual({ path: 'body.usageBuckets[1].code', message: 'another usage bucket of the service has code B' });
    // Nothing of it was stored.
    expect((await must('GET', '/api/v1/products?search=BAD')).data).toEqual([]);
  });

  it('lands 50 products at 3 frequencies in 2 currencies, with services, buckets and rate plans, every relation resolvable by SOQL', async () => {
    const calls = await must('POST', '/api/v1/services', { code: 'CALLS', name: 'Calls', unit: 'minute', usageBuckets: [{ code: 'INCL', name: 'Included minutes', quantity: '1000', unit: 'minute' }, { code: 'NIGHT', name: 'Night minutes', quantity: '500.5' }] });
    const storage = await must('POST', '/api/v1/services', { code: 'STORAGE', name: 'Storage', unit: 'GB', usageBuckets: [{ code: 'FREE', name: 'Free storage', quantity: '10', unit: 'GB' }] });
    for (const [i, code] of codes.entries()) {
      const product = await must('POST', '/api/v1/products', {
        code, name: `Package ${i}`, description: `Package number ${i}`,
        frequencies: FREQUENCIES.map((frequency) => ({ frequency })), currencies: ['USD', 'EUR'],
        pricingRules: FREQUENCIES.flatMap((frequency, f) => ['USD', 'EUR'].map((currency) => ({
          currency, frequency, price: `${(i + 1) * (f + 1)}.${currency === 'USD' ? '00' : '50'}`,
          ...(i < 5 && frequency === 'MONTHLY' ? { tiers: [{ fromQuantity: '0', unitPrice: '1.25' }, { fromQuantity: '100', unitPrice: '0.0075' }] } : {}),
        }))),
        serviceIds: i % 2 === 0 ? [calls.id, storage.id] : [calls.id],
      });
      products.set(code, product);
      if (i < 10) {
        plans.push(await must('POST', '/api/v1/rate-plans', {
          code: `RP-${code}`, name: `Calls for ${code}`, productId: product.id, serviceId: calls.id, currency: 'USD', frequency: 'MONTHLY',
          groups: [{ code: 'DOM', name: 'Domestic', tiers: [{ fromQuantity: '0', unitPrice: '0.02' }, { fromQuantity: '1000', unitPrice: '0.015' }] }, { code: 'INT', name: 'International', tiers: [{ fromQuantity: '0', unitPrice: '0.10' }] }],
        }));
      }
    }

    const { run, integration } = await importCatalogue();
    integrationId = integration.id;
    expect(integration).toMatchObject({ name: 'Catalogue', entityType: 'Catalogue', credentialId: credential.id });
    expect(run, JSON.stringify(run)).toMatchObject({ status: 'COMPLETE', mode: 'full', counts: { failed: 0 } });
    expect(run.progress).toMatchObject({
      step: 'done', done: run.progress.total,
      objects: {
        Ferry_Service__c: { created: 2, failed: 0 }, Ferry_Usage_Bucket__c: { created: 3 }, Ferry_Product__c: { created: 50 }, Ferry_Product_Service__c: { created: 75 },
        Product2: { created: 150 }, PricebookEntry: { created: 300 }, Ferry_Price_Tier__c: { created: 20 },
        Ferry_Rate_Plan__c: { created: 10 }, Ferry_Rate_Group__c: { created: 20 }, Ferry_Rate__c: { created: 30 },
      },
    });

    // A Salesforce product per frequency, named for it, under the Ferry product.
    const salesforceProducts = await sf(`SELECT Name, ProductCode, IsActive, Ferry_Frequency__c, Ferry_Product__r.Code__c, Ferry_Product__r.Frequencies__c FROM Product2 WHERE ProductCode = 'PKG-07'`);
    expect(salesforceProducts.map((p) => p.Name).sort()).toEqual(['Package 7 (Annual)', 'Package 7 (Monthly)', 'Package 7 (Quarterly)']);
    for (const p of salesforceProducts) expect(p).toMatchObject({ IsActive: true, Ferry_Product__r: { Code__c: 'PKG-07', Frequencies__c: 'MONTHLY;QUARTERLY;ANNUAL' } });
    // A price per product, frequency and currency in the standard price book.
    const entries = await sf(`SELECT UnitPrice, CurrencyIsoCode, IsActive, Product2.ProductCode, Product2.Ferry_Frequency__c FROM PricebookEntry WHERE Pricebook2.IsStandard = true AND Product2.ProductCode = 'PKG-07'`);
    expect(entries.map((e) => `${e.Product2.Ferry_Frequency__c} ${e.CurrencyIsoCode} ${e.UnitPrice}`).sort()).toEqual([
      'ANNUAL EUR 24.5', 'ANNUAL USD 24', 'MONTHLY EUR 8.5', 'MONTHLY USD 8', 'QUARTERLY EUR 16.5', 'QUARTERLY USD 16',
    ]);
    expect((await sf('SELECT Id FROM PricebookEntry WHERE Ferry_Id__c != null')).length).toBe(300);
    // Tiers of tiered prices, exact.
    const priceTiers = await sf(`SELECT Ferry_Currency__c, From_Quantity__c, Unit_Price__c, Product__r.ProductCode, Product__r.Ferry_Frequency__c FROM Ferry_Price_Tier__c WHERE Product__r.ProductCode = 'PKG-00' AND Ferry_Currency__c = 'USD'`);
    expect(priceTiers.map((t) => [t.Product__r.Ferry_Frequency__c, t.From_Quantity__c, t.Unit_Price__c]).sort()).toEqual([['MONTHLY', '0', '1.25'], ['MONTHLY', '100', '0.0075']]);
    // Services, their buckets, and which products include them.
    const buckets = await sf('SELECT Code__c, Quantity__c, Unit__c, Service__r.Code__c FROM Ferry_Usage_Bucket__c ORDER BY Code__c');
    expect(buckets.map((b) => [b.Service__r.Code__c, b.Code__c, b.Quantity__c])).toEqual([['STORAGE', 'FREE', '10'], ['CALLS', 'INCL', '1000'], ['CALLS', 'NIGHT', '500.5']]);
    const included = await sf(`SELECT Service__r.Code__c FROM Ferry_Product_Service__c WHERE Product__r.Code__c = 'PKG-04'`);
    expect(included.map((s) => s.Service__r.Code__c).sort()).toEqual(['CALLS', 'STORAGE']);
    // Rate plans with their product, service, groups and rates.
    const rates = await sf(`SELECT From_Quantity__c, Unit_Price__c, Rate_Group__r.Code__c, Rate_Group__r.Rate_Plan__r.Code__c, Rate_Group__r.Rate_Plan__r.Product__r.Code__c, Rate_Group__r.Rate_Plan__r.Service__r.Code__c FROM Ferry_Rate__c WHERE Rate_Group__r.Rate_Plan__r.Code__c = 'RP-PKG-03'`);
    expect(rates.map((r) => [r.Rate_Group__r.Code__c, r.From_Quantity__c, r.Unit_Price__c, r.Rate_Group__r.Rate_Plan__r.Product__r.Code__c, r.Rate_Group__r.Rate_Plan__r.Service__r.Code__c]).sort()).toEqual([
      ['DOM', '0', '0.02', 'PKG-03', 'CALLS'], ['DOM', '1000', '0.015', 'PKG-03', 'CALLS'], ['INT', '0', '0.10', 'PKG-03', 'CALLS'],
    ]);
    // The run is a run like the others: its requests are logged.
    const operations = new Set((await must('GET', `/api/v1/request-logs?runId=${run.id}&limit=500`)).data.map((r: any) => `${r.operation} ${r.object ?? ''}`.trim()));
    expect(operations).toContain('upsert Product2');
    expect(operations).toContain('upsert PricebookEntry');
  });

  it('imports again: updates what changed, deactivates or deletes what went, and leaves the rest alone', async () => {
    const priced = products.get('PKG-01');
    await must('PATCH', `/api/v1/products/${priced.id}`, { pricingRules: priced.pricingRules.map((r: any) => (r.currency === 'EUR' && r.frequency === 'ANNUAL' ? { ...r, price: '99.00' } : r)) });
    const narrowed = products.get('PKG-02');
    await must('PATCH', `/api/v1/products/${narrowed.id}`, {
      frequencies: [{ frequency: 'MONTHLY' }, { frequency: 'ANNUAL' }], pricingRules: narrowed.pricingRules.filter((r: any) => r.frequency !== 'QUARTERLY'),
    });
    const gone = products.get('PKG-40');
    expect((await ferry.call('DELETE', `/api/v1/products/${gone.id}`)).status).toBe(200);
    const plan = plans[3];
    await must('PATCH', `/api/v1/rate-plans/${plan.id}`, { groups: plan.groups.filter((g: any) => g.code === 'DOM') });

    // The preview says what the run will do, and sends nothing.
    const preview = (await must('GET', `/api/v1/integrations/${integrationId}/preview?limit=1000`)).data;
    const upserts = preview.filter((p: any) => p.action === 'upsert').map((p: any) => `${p.object} ${p.key}`);
    expect(upserts).toEqual([`Ferry_Product__c ${narrowed.id}`, `PricebookEntry ${priced.id}:ANNUAL:EUR`]);
    // The product, its 2 services, 4 Salesforce products, 8 prices, a rate group and its rate.
    expect(preview.filter((p: any) => p.action === 'delete').length).toBe(1 + 2 + 4 + 8 + 1 + 1);

    const { run } = await importCatalogue();
    expect(run, JSON.stringify(run)).toMatchObject({ status: 'COMPLETE', counts: { failed: 0 } });
    expect(run.progress.objects).toEqual({
      Ferry_Service__c: { created: 0, updated: 0, unchanged: 2, retired: 0, failed: 0 },
      Ferry_Usage_Bucket__c: { created: 0, updated: 0, unchanged: 3, retired: 0, failed: 0 },
      Ferry_Product__c: { created: 0, updated: 1, unchanged: 48, retired: 1, failed: 0 },
      Ferry_Product_Service__c: { created: 0, updated: 0, unchanged: 73, retired: 2, failed: 0 },
      Product2: { created: 0, updated: 0, unchanged: 146, retired: 4, failed: 0 },
      PricebookEntry: { created: 0, updated: 1, unchanged: 291, retired: 8, failed: 0 },
      Ferry_Price_Tier__c: { created: 0, updated: 0, unchanged: 20, retired: 0, failed: 0 },
      Ferry_Rate_Plan__c: { created: 0, updated: 0, unchanged: 10, retired: 0, failed: 0 },
      Ferry_Rate_Group__c: { created: 0, updated: 0, unchanged: 19, retired: 1, failed: 0 },
      Ferry_Rate__c: { created: 0, updated: 0, unchanged: 29, retired: 1, failed: 0 },
    });
    const [entry] = await sf(`SELECT UnitPrice FROM PricebookEntry WHERE Ferry_Id__c = '${priced.id}:ANNUAL:EUR'`);
    expect(entry.UnitPrice).toBe(99);
    // Quotes may point at them: the products and prices that went are deactivated, not deleted.
    const quarterly = await sf(`SELECT IsActive, (SELECT IsActive FROM PricebookEntries) FROM Product2 WHERE Ferry_Id__c = '${narrowed.id}:QUARTERLY'`);
    expect(quarterly).toHaveLength(1);
    expect(quarterly[0].IsActive).toBe(false);
    expect(quarterly[0].PricebookEntries.records.map((e: any) => e.IsActive)).toEqual([false, false]);
    expect(await sf(`SELECT Active__c FROM Ferry_Product__c WHERE Ferry_Id__c = '${gone.id}'`)).toEqual([expect.objectContaining({ Active__c: false })]);
    expect((await sf(`SELECT IsActive FROM Product2 WHERE Ferry_Product__r.Ferry_Id__c = '${gone.id}'`)).map((p) => p.IsActive)).toEqual([false, false, false]);
    // Parts of the catalogue only Ferry uses are deleted.
    expect(await sf(`SELECT Id FROM Ferry_Rate_Group__c WHERE Ferry_Id__c = '${plan.id}:INT'`)).toEqual([]);

    // Nothing changed since: a third import writes nothing.
    const { run: third } = await importCatalogue();
    expect(third.progress.objects.Product2).toMatchObject({ created: 0, updated: 0, retired: 0 });
    expect(third.counts).toMatchObject({ created: 0, updated: 0, deleted: 0, failed: 0 });
    // A product brought back is active again, under the same Salesforce records.
    await must('PATCH', `/api/v1/products/${narrowed.id}`, { frequencies: narrowed.frequencies, pricingRules: narrowed.pricingRules });
    const { run: fourth } = await importCatalogue();
    expect(fourth.progress.objects.Ferry_Product__c).toMatchObject({ created: 0, updated: 1 });
    expect(fourth.progress.objects.Product2).toMatchObject({ created: 0, updated: 1 });
    expect(fourth.progress.objects.PricebookEntry).toMatchObject({ created: 0, updated: 2 });
    expect((await sf(`SELECT IsActive FROM Product2 WHERE Ferry_Id__c = '${narrowed.id}:QUARTERLY'`))[0].IsActive).toBe(true);
  });

  it('maps the fields of each frequency to Product2 fields, and fills a named price book besides the standard one', async () => {
    const product = await must('POST', '/api/v1/products', {
      code: 'EXT-1', name: 'Extended', frequencies: [{ frequency: 'MONTHLY', customFields: { sku: 'EXT-1-M' } }, { frequency: 'ANNUAL', customFields: { sku: 'EXT-1-A' } }],
      currencies: ['USD'], pricingRules: [{ currency: 'USD', frequency: 'MONTHLY', price: '10.00' }, { currency: 'USD', frequency: 'ANNUAL', price: '100.00', description: 'Two months free' }],
    });
    await must('PATCH', `/api/v1/integrations/${integrationId}/mapping`, { add: [{ ferry: 'frequencies[].customFields.sku', salesforce: 'StockKeepingUnit' }] });
    await must('PATCH', `/api/v1/integrations/${integrationId}`, { settings: { priceBook: 'Ferry Prices' } });
    const { run } = await importCatalogue();
    expect(run, JSON.stringify(run)).toMatchObject({ status: 'COMPLETE', counts: { failed: 0 } });
    const skus = await sf(`SELECT Ferry_Frequency__c, StockKeepingUnit FROM Product2 WHERE ProductCode = 'EXT-1'`);
    expect(skus.map((p) => `${p.Ferry_Frequency__c} ${p.StockKeepingUnit}`).sort()).toEqual(['ANNUAL EXT-1-A', 'MONTHLY EXT-1-M']);
    const books = await sf(`SELECT Id, IsActive FROM Pricebook2 WHERE Name = 'Ferry Prices'`);
    expect(books).toEqual([expect.objectContaining({ IsActive: true })]);
    const custom = await sf(`SELECT UnitPrice, UseStandardPrice, Ferry_Description__c, Product2.Ferry_Frequency__c FROM PricebookEntry WHERE Pricebook2.Name = 'Ferry Prices' AND Product2.ProductCode = 'EXT-1'`);
    expect(custom.map((e) => `${e.Product2.Ferry_Frequency__c} ${e.UnitPrice} ${e.UseStandardPrice} ${e.Ferry_Description__c}`).sort()).toEqual(['ANNUAL 100 false Two months free', 'MONTHLY 10 false null']);
    // Every product priced in the standard book is in the named one too; a second run makes no second book.
    expect((await sf(`SELECT Id FROM PricebookEntry WHERE Pricebook2.Name = 'Ferry Prices'`)).length).toBe((await sf('SELECT Id FROM PricebookEntry WHERE Pricebook2.IsStandard = true AND Ferry_Id__c != null AND IsActive = true')).length);
    await importCatalogue();
    expect(await sf(`SELECT Id FROM Pricebook2 WHERE Name = 'Ferry Prices'`)).toHaveLength(1);
    expect(product.frequencies).toHaveLength(2);
  });
});

describe('Import Data', () => {
  it('lands reference data in Ferry_Reference__c, states under their country, and reports the picklist values the org lacks', async () => {
    await must('POST', '/api/v1/account-types', { code: 'Prospect', name: 'Prospect' });
    await must('POST', '/api/v1/account-types', { code: 'RESELLER', name: 'Reseller', description: 'Sells on our behalf' });
    await must('POST', '/api/v1/account-types', { code: 'WHOLESALE', name: 'Wholesale' });
    await must('POST', '/api/v1/account-statuses', { code: 'ACTIVE', name: 'Active' });
    await must('POST', '/api/v1/contact-types', { code: 'BILLING', name: 'Billing contact', points: ['email', 'phone.WORK', 'address'] });
    const country = await must('POST', '/api/v1/countries', { code: 'US', name: 'United States', states: [{ code: 'CA', name: 'California' }, { code: 'NY', name: 'New York' }] });
    await must('POST', '/api/v1/bill-groups', { code: 'MONTH-END', name: 'Month end' });
    await must('POST', '/api/v1/ar-terms', { code: 'NET30', name: 'Net 30', days: 30 });
    await must('POST', '/api/v1/users', { email: 'owner@example.com', name: 'Olive Owner', currencies: ['USD', 'EUR'] });

    const started = await must('POST', `/api/v1/credentials/${credential.id}/import-data`, {});
    expect(started).toMatchObject({ created: true, integration: { name: 'Reference data', entityType: 'ReferenceData' } });
    const run = await ferry.eventually(async () => {
      const view = await must('GET', `/api/v1/runs/${started.run.id}`);
      return view.status === 'WAITING' || view.status === 'STARTED' ? undefined : view;
    }, 60_000);
    expect(run, JSON.stringify(run)).toMatchObject({ status: 'COMPLETE', counts: { failed: 0 }, progress: { objects: { Ferry_Reference__c: { created: 11 } } } });

    const values = await sf('SELECT Type__c, Code__c, Name, Active__c, Days__c, Points__c, Email__c, Currencies__c, Parent__r.Code__c FROM Ferry_Reference__c ORDER BY Type__c, Code__c');
    const byCode = new Map(values.map((v) => [`${v.Type__c}/${v.Code__c}`, v]));
    expect(byCode.get('ACCOUNT_TYPE/RESELLER')).toMatchObject({ Name: 'Reseller', Active__c: true });
    expect(byCode.get('CONTACT_TYPE/BILLING')).toMatchObject({ Points__c: 'email;phone.WORK;address' });
    expect(byCode.get('AR_TERM/NET30')).toMatchObject({ Days__c: 30 });
    expect(byCode.get('OWNER/owner@example.com')).toMatchObject({ Name: 'Olive Owner', Email__c: 'owner@example.com', Currencies__c: 'USD;EUR' });
    expect(byCode.get('STATE/CA')).toMatchObject({ Name: 'California', Parent__r: { Code__c: 'US' } });
    expect(values.filter((v) => v.Type__c === 'STATE')).toHaveLength(2);

    // Account.Type lacks two of Ferry's account types: the run says so, and the report gives the
    // whole value set to deploy.
    const events = (await must('GET', `/api/v1/events?runId=${run.id}`)).data;
    expect(events).toContainEqual(expect.objectContaining({ name: 'integration.picklist_values_missing.warning', message: 'Account.Type does not offer 2 account-types code(s) Ferry has: RESELLER, WHOLESALE.' }));
    const [report] = (await must('GET', `/api/v1/integrations/${started.integration.id}/picklist-report`)).data;
    expect(report).toMatchObject({ entity: 'account-types', object: 'Account', field: 'Type', problem: null, missing: ['RESELLER', 'WHOLESALE'], metadata: { path: 'force-app/main/default/standardValueSets/AccountType.standardValueSet-meta.xml' } });
    expect(report.metadata.content).toContain('<fullName>Customer - Direct</fullName>');
    expect(report.metadata.content).toContain('<fullName>WHOLESALE</fullName>');
    // A picklist that is not one is named as such.
    await must('PATCH', `/api/v1/integrations/${started.integration.id}`, { settings: { picklists: [{ entity: 'account-statuses', object: 'Account', field: 'Name' }] } });
    expect((await must('GET', `/api/v1/integrations/${started.integration.id}/picklist-report`)).data).toEqual([
      expect.objectContaining({ problem: 'Account.Name is a string field, not a picklist', missing: [] }),
    ]);
    // The preview lists the records a run would write, by key, and writes nothing.
    const preview = (await must('GET', `/api/v1/integrations/${started.integration.id}/preview?limit=100`)).data;
    expect(preview.every((p: any) => p.object === 'Ferry_Reference__c' && p.action === 'skip' && p.reason === 'unchanged since last import')).toBe(true);
    expect(preview).toHaveLength(11);
    // Reference data takes no mapping rules.
    const mapped = await ferry.call('PUT', `/api/v1/integrations/${started.integration.id}/mapping`, { rules: [{ ferry: 'name', salesforce: 'Name' }] });
    expect(mapped.status).toBe(400);

    // A state removed in Ferry is removed in Salesforce; the rest stays as it was.
    await must('PATCH', `/api/v1/countries/${country.id}`, { states: [{ code: 'CA', name: 'California' }] });
    const again = await must('POST', `/api/v1/credentials/${credential.id}/import-data`, {});
    expect(again.created).toBe(false);
    const second = await ferry.eventually(async () => {
      const view = await must('GET', `/api/v1/runs/${again.run.id}`);
      return view.status === 'WAITING' || view.status === 'STARTED' ? undefined : view;
    }, 60_000);
    expect(second.progress.objects.Ferry_Reference__c).toEqual({ created: 0, updated: 0, unchanged: 10, retired: 1, failed: 0 });
    expect((await sf("SELECT Code__c FROM Ferry_Reference__c WHERE Type__c = 'STATE'")).map((s) => s.Code__c)).toEqual(['CA']);
  });
});
