import { liveRecordsOf, type StoredRecord } from '../../platform/index.ts';
import type { ObjectDescribe, SalesforceClient } from '../../salesforce/index.ts';
import { SalesforceError } from '../../salesforce/index.ts';
import type { Queryable } from '../../storage/index.ts';
import type { RunState } from '../delivery/context.ts';
import type { IntegrationRow } from '../integrations/integrations.ts';
import { EXTERNAL_ID_FIELD } from '../mapping/definition.ts';
import { SALESFORCE_PRODUCT } from '../mapping/entities/catalogue.ts';
import { mapRecord, type CompiledMapping, type ObjectMapper, type PendingLookup } from '../mapping/mapping.ts';
import type { ImportPlan, ImportRow, ImportStep, RowRef } from './reconcile.ts';

/** The entities a catalogue import reads, and the object each one's records go to. */
const OBJECT_OF: Record<string, string> = { services: 'Ferry_Service__c', products: 'Ferry_Product__c', 'rate-plans': 'Ferry_Rate_Plan__c' };

interface Frequency { frequency: string }
interface PricingRule { currency: string; frequency: string; price: string; description?: string; tiers?: { fromQuantity: string; unitPrice: string }[] }
interface RateGroup { code: string; name: string; tiers: { fromQuantity: string; unitPrice: string }[] }

/** How the org prices: its price books and currencies. */
export interface PriceBooks {
  standardId: string;
  /** The Ferry price book the integration names (settings.priceBook), if any. */
  customId: string | undefined;
  /** Multi-currency org: entries carry CurrencyIsoCode; otherwise only the org's currency is priced. */
  multiCurrency: boolean;
  /** The currencies the org has (the corporate one first). */
  currencies: string[];
}

/**
 * The org's price books and currencies: the standard price book, the named Ferry price book
 * (created when missing, and kept active), and whether entries carry a currency.
 */
export async function priceBooksOf(client: SalesforceClient, describes: Map<string, ObjectDescribe>, integrationId: string, name: string | null): Promise<PriceBooks> {
  const [standard] = await client.query<{ Id: string }>('SELECT Id FROM Pricebook2 WHERE IsStandard = true LIMIT 1', 'Pricebook2');
  if (standard === undefined) {
    throw new SalesforceError({ kind: 'config', errorCode: 'NO_STANDARD_PRICE_BOOK', message: 'The org has no standard price book (Pricebook2 with IsStandard = true): products cannot be priced. Open Products in Salesforce once (it creates it), then run the import again.' });
  }
  const multiCurrency = describes.get('pricebookentry')?.fields.some((f) => f.name === 'CurrencyIsoCode') === true;
  const currencies = multiCurrency
    ? (await client.query<{ IsoCode: string; IsCorporate: boolean }>('SELECT IsoCode, IsCorporate FROM CurrencyType WHERE IsActive = true', 'CurrencyType')).sort((a, b) => Number(b.IsCorporate) - Number(a.IsCorporate)).map((c) => c.IsoCode)
    : (await client.query<{ DefaultCurrencyIsoCode: string }>('SELECT DefaultCurrencyIsoCode FROM Organization', 'Organization')).map((o) => o.DefaultCurrencyIsoCode);
  let customId: string | undefined;
  if (name !== null) {
    const [existing] = await client.query<{ Id: string; IsActive: boolean }>(`SELECT Id, IsActive FROM Pricebook2 WHERE Name = '${name.replace(/['\\]/g, '\\$&')}' AND IsStandard = false ORDER BY CreatedDate LIMIT 1`, 'Pricebook2');
    // Made (or kept active) by upsert on Ferry's key, so a second run never makes a second book.
    const record = { [EXTERNAL_ID_FIELD]: `${integrationId}:pricebook`, Name: name, IsActive: true, Description: 'Prices of the billing catalogue, kept by Ferry.' };
    const [result] = existing === undefined
      ? await client.upsert('Pricebook2', EXTERNAL_ID_FIELD, [record])
      : existing.IsActive ? [{ success: true as const, id: existing.Id, created: false }] : await client.update('Pricebook2', [{ Id: existing.Id, IsActive: true }]);
    if (result === undefined || !result.success) {
      const reason = result === undefined || result.success ? 'no answer' : result.errors.map((e) => `${e.statusCode}: ${e.message}`).join('; ');
      throw new SalesforceError({ kind: 'config', errorCode: 'PRICE_BOOK_REFUSED', message: `Salesforce refused the price book "${name}": ${reason}.` });
    }
    customId = existing?.Id ?? result.id;
  }
  return { standardId: standard.Id, customId, multiCurrency, currencies };
}

function refsOf(lookups: PendingLookup[], row: { entity: string; entityId: string }, state: RunState, object: string): Record<string, RowRef> | undefined {
  const refs: Record<string, RowRef> = {};
  for (const { rule, ferryId } of lookups) {
    const target = OBJECT_OF[rule.target];
    if (ferryId === null || target === undefined) {
      if (rule.required) {
        state.skip(row.entityId, `${object}.${rule.salesforce} needs ${rule.ferry}, which is empty`);
        return undefined;
      }
      continue;
    }
    refs[rule.salesforce] = { object: target, key: ferryId };
  }
  return refs;
}

/** Rows of one mapped object (and of its children), through the integration's mapping. */
async function mappedRows(mapper: ObjectMapper, records: StoredRecord[], integration: IntegrationRow, state: RunState): Promise<{ main: ImportRow[]; children: ImportRow[] }> {
  const main: ImportRow[] = [];
  const children: ImportRow[] = [];
  const entity = mapper.definition.entity;
  for (const record of records) {
    const mapped = await mapRecord(mapper, record, integration.settings);
    const refs = refsOf(mapped.lookups, { entity, entityId: record.id }, state, mapper.object);
    if (refs === undefined) continue;
    main.push({ key: record.id, entity, entityId: record.id, fields: mapped.fields, refs });
    for (const child of mapped.children ?? []) {
      const childRefs = refsOf(child.lookups, { entity, entityId: record.id }, state, mapper.child!.definition.object);
      if (childRefs !== undefined) children.push({ key: child.key, entity, entityId: record.id, fields: child.fields, refs: childRefs });
    }
  }
  return { main, children };
}

/** A price as Salesforce's currency fields take it (prices fit their currency's minor unit: exact). */
const num = (value: string): number => Number(value);

/**
 * The catalogue as Salesforce should hold it, in the order it is written: services and their
 * usage buckets; products (Ferry_Product__c) with their services and one Product2 per frequency;
 * a price book entry per Product2 and currency (standard price book first, then the Ferry price
 * book) and the price tiers of tiered prices; rate plans with their groups and rates.
 */
export async function planCatalogue(db: Queryable, integration: IntegrationRow, mapping: CompiledMapping, books: PriceBooks, state: RunState): Promise<ImportPlan> {
  const orgId = integration.org_id;
  const mapper = (entity: string) => mapping.objects.find((m) => m.definition.entity === entity)!;
  const services = await liveRecordsOf(db, orgId, 'services');
  const products = await liveRecordsOf(db, orgId, 'products');
  const plans = await liveRecordsOf(db, orgId, 'rate-plans');
  const serviceRows = await mappedRows(mapper('services'), services, integration, state);
  const productRows = await mappedRows(mapper('products'), products, integration, state);
  const planRows = await mappedRows(mapper('rate-plans'), plans, integration, state);
  const serviceCodes = new Map(services.map((s) => [s.id, String(s.code)]));

  const productServices: ImportRow[] = [];
  const standard: ImportRow[] = [];
  const custom: ImportRow[] = [];
  const tiers: ImportRow[] = [];
  const [corporate] = books.currencies;
  for (const product of products) {
    const base = { entity: 'products', entityId: product.id };
    for (const serviceId of product.serviceIds as string[]) {
      productServices.push({
        ...base, key: `${product.id}:service:${serviceId}`,
        fields: { Name: `${String(product.code)} / ${serviceCodes.get(serviceId) ?? serviceId}`.slice(0, 80) },
        refs: { Product__c: { object: 'Ferry_Product__c', key: product.id }, Service__c: { object: 'Ferry_Service__c', key: serviceId } },
      });
    }
    const rules = product.pricingRules as PricingRule[];
    for (const { frequency } of product.frequencies as Frequency[]) {
      const salesforceProduct: RowRef = { object: SALESFORCE_PRODUCT, key: `${product.id}:${frequency}` };
      const priced = rules.filter((r) => r.frequency === frequency);
      if (priced.length === 0) state.skip(product.id, `no pricing rule for a frequency: its product is in Salesforce without a price (add a pricing rule to price it)`);
      for (const rule of priced) {
        if (!books.currencies.includes(rule.currency)) {
          state.skip(product.id, books.multiCurrency
            ? `a price in ${rule.currency}, which the org's currencies (${books.currencies.join(', ')}) do not include: not in the price book (activate the currency in Salesforce)`
            : `a price in ${rule.currency}, but the org uses one currency (${corporate ?? 'unknown'}): only prices in it go to the price book`);
          continue;
        }
        const key = `${product.id}:${frequency}:${rule.currency}`;
        const currency = books.multiCurrency ? { CurrencyIsoCode: rule.currency } : {};
        const entry = { UnitPrice: num(rule.price), IsActive: product.active === true, Ferry_Description__c: rule.description ?? null, ...currency };
        standard.push({ ...base, key, fields: { ...entry, Pricebook2Id: books.standardId }, refs: { Product2Id: salesforceProduct } });
        // Salesforce takes a custom price only beside an active standard one: an inactive
        // product's entries leave the Ferry price book (deactivated) until it is active again.
        if (books.customId !== undefined && product.active === true) {
          custom.push({ ...base, key: `${key}@${books.customId}`, fields: { ...entry, Pricebook2Id: books.customId, UseStandardPrice: false }, refs: { Product2Id: salesforceProduct } });
        }
        (rule.tiers ?? []).forEach((t, i) => {
          tiers.push({
            ...base, key: `${key}:${i}`,
            fields: { Name: `${String(product.code)} ${frequency} ${rule.currency} from ${t.fromQuantity}`.slice(0, 80), Ferry_Currency__c: rule.currency, From_Quantity__c: t.fromQuantity, Unit_Price__c: t.unitPrice },
            refs: { Product__c: salesforceProduct },
          });
        });
      }
    }
  }
  const rates: ImportRow[] = [];
  for (const plan of plans) {
    for (const group of plan.groups as RateGroup[]) {
      group.tiers.forEach((t, i) => {
        rates.push({
          entity: 'rate-plans', entityId: plan.id, key: `${plan.id}:${group.code}:${i}`,
          fields: { Name: `${group.name} ${i + 1}`.slice(0, 80), From_Quantity__c: t.fromQuantity, Unit_Price__c: t.unitPrice },
          refs: { Rate_Group__c: { object: 'Ferry_Rate_Group__c', key: `${plan.id}:${group.code}` } },
        });
      });
    }
  }
  const steps: ImportStep[] = [
    { object: 'Ferry_Service__c', label: 'services', rows: serviceRows.main },
    { object: 'Ferry_Usage_Bucket__c', label: 'usage buckets', rows: serviceRows.children },
    { object: 'Ferry_Product__c', label: 'products', rows: productRows.main },
    { object: 'Ferry_Product_Service__c', label: 'product services', rows: productServices },
    { object: SALESFORCE_PRODUCT, label: 'Salesforce products (one per frequency)', rows: productRows.children },
    { object: 'PricebookEntry', label: 'standard price book entries', rows: standard },
    ...(custom.length > 0 ? [{ object: 'PricebookEntry', label: 'Ferry price book entries', rows: custom }] : []),
    { object: 'Ferry_Price_Tier__c', label: 'price tiers', rows: tiers },
    { object: 'Ferry_Rate_Plan__c', label: 'rate plans', rows: planRows.main },
    { object: 'Ferry_Rate_Group__c', label: 'rate groups', rows: planRows.children },
    { object: 'Ferry_Rate__c', label: 'rates', rows: rates },
  ];
  return {
    steps,
    // Quotes and opportunities may point at products and their prices: those are deactivated, not deleted.
    retire: { Ferry_Product__c: { Active__c: false }, [SALESFORCE_PRODUCT]: { IsActive: false }, PricebookEntry: { IsActive: false } },
  };
}

/** Every Salesforce object a catalogue import writes. */
export const CATALOGUE_OBJECTS = [
  'Ferry_Service__c', 'Ferry_Usage_Bucket__c', 'Ferry_Product__c', 'Ferry_Product_Service__c', SALESFORCE_PRODUCT, 'PricebookEntry',
  'Ferry_Price_Tier__c', 'Ferry_Rate_Plan__c', 'Ferry_Rate_Group__c', 'Ferry_Rate__c',
];
