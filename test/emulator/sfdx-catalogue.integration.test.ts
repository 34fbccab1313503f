// What an SFDX project adds for a catalogue import: external ids on Product2 and PricebookEntry,
// a custom object whose master is Product2, and a List custom setting (fixtures/catalogue).
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { failure, raw, useEmulator } from './support.ts';

const CATALOGUE = fileURLToPath(new URL('./fixtures/catalogue', import.meta.url));

const ctx = useEmulator({ sfdxProjects: [CATALOGUE] });

describe('catalogue objects from an SFDX project', () => {
  it('upserts products and their price book entries by the Ferry_Id__c the project adds to them', async () => {
    for (const object of ['Product2', 'PricebookEntry']) {
      expect((await ctx.conn.describe(object)).fields.find((f) => f.name === 'Ferry_Id__c')).toMatchObject({ type: 'string', length: 64, custom: true, externalId: true, unique: true, idLookup: true });
    }
    const product = await ctx.conn.sobject('Product2').upsert({ Ferry_Id__c: 'prod-1', Name: 'Platform' }, 'Ferry_Id__c');
    expect(product).toMatchObject({ success: true, created: true });
    const standard = (await ctx.conn.query<{ Id: string }>('SELECT Id FROM Pricebook2 WHERE IsStandard = true')).records[0]?.Id ?? '';
    // The product given by its external id, as an import of entries refers to it.
    const created = await raw(ctx.conn, 'PATCH', '/sobjects/PricebookEntry/Ferry_Id__c/price-1', { Pricebook2Id: standard, Product2: { Ferry_Id__c: 'prod-1' }, UnitPrice: 100, IsActive: true });
    expect(created.status).toBe(201);
    // On the update path only updateable fields may be sent: the product stays as it is.
    const updated = await ctx.conn.sobject('PricebookEntry').upsert({ Ferry_Id__c: 'price-1', UnitPrice: 110 }, 'Ferry_Id__c');
    expect(updated).toMatchObject({ success: true, created: false });
    const rows = await ctx.conn.query<{ UnitPrice: number; Name: string; Product2: { Ferry_Id__c: string } }>("SELECT UnitPrice, Name, Product2.Ferry_Id__c FROM PricebookEntry WHERE Ferry_Id__c = 'price-1'");
    expect(rows.records[0]).toMatchObject({ UnitPrice: 110, Name: 'Platform', Product2: { Ferry_Id__c: 'prod-1' } });
    const resent = await raw(ctx.conn, 'PATCH', '/sobjects/PricebookEntry/Ferry_Id__c/price-1', { Product2: { Ferry_Id__c: 'prod-1' }, UnitPrice: 120 });
    expect(resent.body).toMatchObject([{ errorCode: 'INVALID_FIELD_FOR_INSERT_UPDATE', fields: ['Product2Id'] }]);
  });

  it('keeps a custom object whose master is Product2 under its product, and deletes it with the product', async () => {
    const described = await ctx.conn.describe('Catalogue_Feature__c');
    expect(described.fields.map((f) => f.name)).not.toContain('OwnerId');
    expect(described.fields.find((f) => f.name === 'Product__c')).toMatchObject({ type: 'reference', referenceTo: ['Product2'], relationshipName: 'Product__r', nillable: false, updateable: false });
    expect((await ctx.conn.describe('Product2')).childRelationships).toContainEqual(
      expect.objectContaining({ childSObject: 'Catalogue_Feature__c', field: 'Product__c', relationshipName: 'Catalogue_Features__r', cascadeDelete: true }),
    );
    const product = (await ctx.conn.sobject('Product2').create({ Name: 'Platform', Ferry_Id__c: 'prod-2' })).id ?? '';
    const orphan = await raw(ctx.conn, 'POST', '/sobjects/Catalogue_Feature__c', { Name: 'Seats' });
    expect(orphan.body).toEqual([{ message: 'Required fields are missing: [Product__c]', errorCode: 'REQUIRED_FIELD_MISSING', fields: ['Product__c'] }]);
    await ctx.conn.sobject('Catalogue_Feature__c').create([
      { Name: 'Seats', Product__c: product, Quantity__c: 10 },
      { Name: 'Storage', Product__r: { Ferry_Id__c: 'prod-2' }, Quantity__c: 500 },
    ]);
    const tree = await ctx.conn.query<{ Name: string; Catalogue_Features__r: { records: { Name: string; Quantity__c: number }[] } }>(
      `SELECT Name, (SELECT Name, Quantity__c FROM Catalogue_Features__r ORDER BY Name) FROM Product2 WHERE Id = '${product}'`,
    );
    expect(tree.records[0]?.Catalogue_Features__r.records.map((r) => [r.Name, r.Quantity__c])).toEqual([['Seats', 10], ['Storage', 500]]);
    await ctx.conn.sobject('Product2').destroy(product);
    expect((await ctx.conn.query('SELECT Id FROM Catalogue_Feature__c')).totalSize).toBe(0);
  });

  it("stores a List custom setting's records like a custom object's and refuses a second record with the same Name", async () => {
    const described = await ctx.conn.describe('Catalogue_Setting__c');
    expect(described).toMatchObject({ custom: true, customSetting: true, createable: true, updateable: true, deletable: true, queryable: true, layoutable: false, searchable: false, triggerable: false, undeletable: false, labelPlural: 'Catalogue Setting' });
    expect(described.fields.map((f) => f.name)).not.toContain('OwnerId');
    expect(described.fields.find((f) => f.name === 'Name')).toMatchObject({ type: 'string', length: 38, nillable: false, unique: true, idLookup: true, nameField: true });
    expect((await ctx.conn.describeGlobal()).sobjects.find((o) => o.name === 'Catalogue_Setting__c')?.customSetting).toBe(true);
    expect((await ctx.conn.describeGlobal()).sobjects.find((o) => o.name === 'Product2')?.customSetting).toBe(false);

    const first = await ctx.conn.sobject('Catalogue_Setting__c').create({ Name: 'currency', Value__c: 'EUR', Position__c: 1 });
    const id = first.success ? first.id : '';
    const twin = await raw(ctx.conn, 'POST', '/sobjects/Catalogue_Setting__c', { Name: 'Currency', Value__c: 'USD' });
    expect(twin.body).toEqual([{ message: `duplicate value found: Name duplicates value on record with id: ${id}`, errorCode: 'DUPLICATE_VALUE', fields: [] }]);
    const tooLong = await failure(ctx.conn.sobject('Catalogue_Setting__c').create({ Name: 'x'.repeat(39) }));
    expect(tooLong.errorCode).toBe('STRING_TOO_LONG');
    await ctx.conn.sobject('Catalogue_Setting__c').update({ Id: id, Value__c: 'GBP' });
    const rows = await ctx.conn.query<{ Name: string; Value__c: string; Position__c: number }>('SELECT Name, Value__c, Position__c FROM Catalogue_Setting__c');
    expect(rows.records.map((r) => [r.Name, r.Value__c, r.Position__c])).toEqual([['currency', 'GBP', 1]]);
    await ctx.conn.sobject('Catalogue_Setting__c').destroy(id);
    expect((await ctx.conn.query('SELECT Id FROM Catalogue_Setting__c')).totalSize).toBe(0);
    // Its Name is free again once the record is gone.
    expect((await ctx.conn.sobject('Catalogue_Setting__c').create({ Name: 'currency', Value__c: 'EUR' })).success).toBe(true);
  });
});
