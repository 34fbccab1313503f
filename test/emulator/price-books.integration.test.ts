// Price books as a billing catalogue import meets them: Salesforce's rules for PricebookEntry,
// Pricebook2 and Product2, in a multi-currency org (USD corporate, EUR), through jsforce.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { failure, raw, useEmulator } from './support.ts';

const CATALOGUE = fileURLToPath(new URL('./fixtures/catalogue', import.meta.url));

const ctx = useEmulator({ sfdxProjects: [CATALOGUE], currencies: ['USD', 'EUR'] });

interface Entry {
  Id: string;
  Name: string | null;
  ProductCode: string | null;
  UnitPrice: number;
  UseStandardPrice: boolean;
  CurrencyIsoCode: string;
  LastModifiedDate: string;
}

async function standardBook(): Promise<string> {
  return (await ctx.conn.query<{ Id: string }>('SELECT Id FROM Pricebook2 WHERE IsStandard = true')).records[0]?.Id ?? '';
}

async function create(object: string, values: Record<string, unknown>): Promise<string> {
  const result = await ctx.conn.sobject(object).create(values);
  if (!result.success) throw new Error(`${object} not created`);
  return result.id;
}

async function entry(id: string): Promise<Entry> {
  return (await ctx.conn.sobject('PricebookEntry').retrieve(id)) as unknown as Entry;
}

/** A product with an active standard price in `currency`, and a custom price book. */
async function catalogue(price = 100, currency = 'USD'): Promise<{ product: string; standard: string; standardEntry: string; custom: string }> {
  const product = await create('Product2', { Name: 'Platform', ProductCode: 'PLAT', IsActive: true });
  const standard = await standardBook();
  const standardEntry = await create('PricebookEntry', { Pricebook2Id: standard, Product2Id: product, UnitPrice: price, IsActive: true, CurrencyIsoCode: currency });
  const custom = await create('Pricebook2', { Name: 'Partners', IsActive: true });
  return { product, standard, standardEntry, custom };
}

describe('price book entries follow Salesforce rules', () => {
  it('refuses a second price for the same product, price book and currency, but takes one in another currency', async () => {
    const { product, standard } = await catalogue();
    const again = await raw(ctx.conn, 'POST', '/sobjects/PricebookEntry', { Pricebook2Id: standard, Product2Id: product, UnitPrice: 90, IsActive: true, CurrencyIsoCode: 'USD' });
    expect(again.status).toBe(400);
    expect(again.body).toEqual([{ message: 'This price definition already exists in this price book', errorCode: 'FIELD_INTEGRITY_EXCEPTION', fields: [] }]);
    // An inactive entry still holds its place.
    const euro = await create('PricebookEntry', { Pricebook2Id: standard, Product2Id: product, UnitPrice: 92, IsActive: false, CurrencyIsoCode: 'EUR' });
    expect((await entry(euro)).CurrencyIsoCode).toBe('EUR');
    const euroAgain = await failure(ctx.conn.sobject('PricebookEntry').create({ Pricebook2Id: standard, Product2Id: product, UnitPrice: 93, CurrencyIsoCode: 'EUR' }));
    expect(euroAgain.errorCode).toBe('FIELD_INTEGRITY_EXCEPTION');
  });

  it('refuses a custom price book entry until the product has an active standard price in that currency', async () => {
    const product = await create('Product2', { Name: 'Support' });
    const standard = await standardBook();
    const custom = await create('Pricebook2', { Name: 'Partners', IsActive: true });
    const missing = await raw(ctx.conn, 'POST', '/sobjects/PricebookEntry', { Pricebook2Id: custom, Product2Id: product, UnitPrice: 80, IsActive: true });
    expect(missing.body).toEqual([{ message: 'Before creating a custom price, create a standard price.', errorCode: 'STANDARD_PRICE_NOT_DEFINED', fields: [] }]);
    // A standard price in dollars doesn't price the product in euros, and an inactive one doesn't count.
    await create('PricebookEntry', { Pricebook2Id: standard, Product2Id: product, UnitPrice: 100, IsActive: true, CurrencyIsoCode: 'USD' });
    const inactiveEuro = await create('PricebookEntry', { Pricebook2Id: standard, Product2Id: product, UnitPrice: 95, IsActive: false, CurrencyIsoCode: 'EUR' });
    const euro = await failure(ctx.conn.sobject('PricebookEntry').create({ Pricebook2Id: custom, Product2Id: product, UnitPrice: 75, CurrencyIsoCode: 'EUR' }));
    expect(euro.errorCode).toBe('STANDARD_PRICE_NOT_DEFINED');
    expect((await ctx.conn.sobject('PricebookEntry').create({ Pricebook2Id: custom, Product2Id: product, UnitPrice: 80, CurrencyIsoCode: 'USD' })).success).toBe(true);
    await ctx.conn.sobject('PricebookEntry').update({ Id: inactiveEuro, IsActive: true });
    expect((await ctx.conn.sobject('PricebookEntry').create({ Pricebook2Id: custom, Product2Id: product, UnitPrice: 75, CurrencyIsoCode: 'EUR' })).success).toBe(true);
  });

  it('refuses UseStandardPrice on an entry of the standard price book', async () => {
    const product = await create('Product2', { Name: 'Setup' });
    const res = await raw(ctx.conn, 'POST', '/sobjects/PricebookEntry', { Pricebook2Id: await standardBook(), Product2Id: product, UnitPrice: 10, UseStandardPrice: true });
    expect(res.body).toEqual([{ message: 'field integrity exception', errorCode: 'FIELD_INTEGRITY_EXCEPTION', fields: [] }]);
  });

  it('keeps a custom entry that uses the standard price at the standard price, and refuses a price of its own', async () => {
    const { product, standardEntry, custom } = await catalogue(100);
    const following = await create('PricebookEntry', { Pricebook2Id: custom, Product2Id: product, UseStandardPrice: true, IsActive: true });
    expect(await entry(following)).toMatchObject({ UnitPrice: 100, UseStandardPrice: true });
    await ctx.conn.sobject('PricebookEntry').update({ Id: standardEntry, UnitPrice: 120 });
    expect((await entry(following)).UnitPrice).toBe(120);
    const own = await raw(ctx.conn, 'PATCH', `/sobjects/PricebookEntry/${following}`, { UnitPrice: 99 });
    expect(own.body).toEqual([{ message: 'field integrity exception', errorCode: 'FIELD_INTEGRITY_EXCEPTION', fields: [] }]);
    // Leaving the standard price lets the entry have its own.
    await ctx.conn.sobject('PricebookEntry').update({ Id: following, UseStandardPrice: false });
    await ctx.conn.sobject('PricebookEntry').update({ Id: following, UnitPrice: 99 });
    await ctx.conn.sobject('PricebookEntry').update({ Id: standardEntry, UnitPrice: 130 });
    expect((await entry(following)).UnitPrice).toBe(99);
  });

  it('refuses changing the price book, product or currency of an existing entry', async () => {
    const { standardEntry, custom } = await catalogue();
    const other = await create('Product2', { Name: 'Other' });
    for (const change of [{ Pricebook2Id: custom }, { Product2Id: other }, { CurrencyIsoCode: 'EUR' }]) {
      const field = Object.keys(change)[0] ?? '';
      const res = await raw(ctx.conn, 'PATCH', `/sobjects/PricebookEntry/${standardEntry}`, change);
      expect(res.body).toEqual([
        {
          message: `Unable to create/update fields: ${field}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`,
          errorCode: 'INVALID_FIELD_FOR_INSERT_UPDATE',
          fields: [field],
        },
      ]);
    }
    const described = new Map((await ctx.conn.describe('PricebookEntry')).fields.map((f) => [f.name, f]));
    for (const name of ['Pricebook2Id', 'Product2Id', 'CurrencyIsoCode']) expect(described.get(name)).toMatchObject({ createable: true, updateable: false });
  });

  it('refuses deleting a standard price while custom prices of the product in that currency depend on it', async () => {
    const { product, standard, standardEntry, custom } = await catalogue();
    const customEntry = await create('PricebookEntry', { Pricebook2Id: custom, Product2Id: product, UnitPrice: 90 });
    // A euro standard price has no custom price depending on it.
    const euro = await create('PricebookEntry', { Pricebook2Id: standard, Product2Id: product, UnitPrice: 92, IsActive: true, CurrencyIsoCode: 'EUR' });
    const refused = await raw(ctx.conn, 'DELETE', `/sobjects/PricebookEntry/${standardEntry}`);
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual([
      { message: `Your attempt to delete ${standardEntry} could not be completed because it is associated with the following Price Book Entries.`, errorCode: 'DELETE_FAILED', fields: [] },
    ]);
    expect((await ctx.conn.sobject('PricebookEntry').destroy(euro)).success).toBe(true);
    await ctx.conn.sobject('PricebookEntry').destroy(customEntry);
    expect((await ctx.conn.sobject('PricebookEntry').destroy(standardEntry)).success).toBe(true);
  });

  it('refuses deleting the Standard Price Book and keeps its IsStandard read-only', async () => {
    const standard = await standardBook();
    const refused = await raw(ctx.conn, 'DELETE', `/sobjects/Pricebook2/${standard}`);
    expect(refused.body).toEqual([
      { message: 'Your attempt to delete Standard Price Book could not be completed because it is the standard price book.', errorCode: 'DELETE_FAILED', fields: [] },
    ]);
    const collection = await ctx.conn.sobject('Pricebook2').destroy([standard]);
    expect(collection[0]).toMatchObject({ success: false, errors: [expect.objectContaining({ statusCode: 'DELETE_FAILED' })] });
    const unset = await raw(ctx.conn, 'PATCH', `/sobjects/Pricebook2/${standard}`, { IsStandard: false });
    expect(unset.body).toMatchObject([{ errorCode: 'INVALID_FIELD_FOR_INSERT_UPDATE', fields: ['IsStandard'] }]);
    const claimed = await raw(ctx.conn, 'POST', '/sobjects/Pricebook2', { Name: 'Mine', IsStandard: true });
    expect(claimed.body).toMatchObject([{ errorCode: 'INVALID_FIELD_FOR_INSERT_UPDATE', fields: ['IsStandard'] }]);
    expect((await ctx.conn.query('SELECT Id FROM Pricebook2 WHERE IsStandard = true')).records).toEqual([expect.objectContaining({ Id: standard })]);
    // A custom price book can go, and its entries with it.
    const { product, custom } = await catalogue();
    const customEntry = await create('PricebookEntry', { Pricebook2Id: custom, Product2Id: product, UnitPrice: 90 });
    await ctx.conn.sobject('Pricebook2').destroy(custom);
    expect((await failure(ctx.conn.sobject('PricebookEntry').retrieve(customEntry))).errorCode).toBe('ENTITY_IS_DELETED');
  });

  it("shows the product's current name and code as the entry's Name and ProductCode", async () => {
    const { product, standardEntry } = await catalogue();
    const read = async () => (await ctx.conn.query<Entry>(`SELECT Name, ProductCode, LastModifiedDate FROM PricebookEntry WHERE Id = '${standardEntry}'`)).records[0];
    const before = await read();
    expect(before).toMatchObject({ Name: 'Platform', ProductCode: 'PLAT' });
    // A later millisecond, so that a save of the entry would show in its LastModifiedDate.
    await new Promise((resolve) => setTimeout(resolve, 5));
    await ctx.conn.sobject('Product2').update({ Id: product, Name: 'Platform Pro', ProductCode: 'PLAT-PRO' });
    // Recomputed as a formula is: the entry itself was not saved.
    expect(await read()).toEqual({ ...before, Name: 'Platform Pro', ProductCode: 'PLAT-PRO' });
    const writeName = await raw(ctx.conn, 'PATCH', `/sobjects/PricebookEntry/${standardEntry}`, { Name: 'Mine' });
    expect(writeName.body).toMatchObject([{ errorCode: 'INVALID_FIELD_FOR_INSERT_UPDATE', fields: ['Name'] }]);
  });

  it('refuses deleting a product sold on an opportunity, and deletes the price book entries of a product that is not', async () => {
    const { product, standardEntry, custom } = await catalogue();
    const customEntry = await create('PricebookEntry', { Pricebook2Id: custom, Product2Id: product, UnitPrice: 90 });
    const account = await create('Account', { Name: 'Acme' });
    const opportunity = await create('Opportunity', { AccountId: account, Name: 'Deal', StageName: 'Prospecting', CloseDate: '2026-06-30' });
    const line = await create('OpportunityLineItem', { OpportunityId: opportunity, PricebookEntryId: standardEntry, Quantity: 1, UnitPrice: 100 });
    const refused = await raw(ctx.conn, 'DELETE', `/sobjects/Product2/${product}`);
    expect(refused.body).toEqual([
      { message: `Your attempt to delete ${product} could not be completed because it is associated with the following Opportunity Product.`, errorCode: 'DELETE_FAILED', fields: [] },
    ]);
    await ctx.conn.sobject('OpportunityLineItem').destroy(line);
    expect((await ctx.conn.sobject('Product2').destroy(product)).success).toBe(true);
    const left = await ctx.conn.query(`SELECT Id FROM PricebookEntry WHERE Id IN ('${standardEntry}', '${customEntry}')`);
    expect(left.totalSize).toBe(0);
    const binned = await ctx.conn.query<{ Id: string; IsDeleted: boolean }>(`SELECT Id, IsDeleted FROM PricebookEntry WHERE Product2Id = '${product}'`, { scanAll: true });
    expect(binned.records.map((r) => r.IsDeleted)).toEqual([true, true]);
  });
});
