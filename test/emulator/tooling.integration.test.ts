import { describe, expect, it } from 'vitest';
import { API_VERSION, failure, raw, useEmulator } from './support.ts';

const ctx = useEmulator();

type Row = Record<string, unknown>;

describe('Tooling API query over the schema', () => {
  it('lists EntityDefinition rows for standard and custom objects, with DurableId and key prefix', async () => {
    const result = await ctx.conn.tooling.query<Row>(
      "SELECT Id, QualifiedApiName, DeveloperName, Label, KeyPrefix, IsCustomizable, DurableId, NamespacePrefix FROM EntityDefinition WHERE QualifiedApiName IN ('Account', 'Ferry_Bill__c') ORDER BY QualifiedApiName",
    );
    expect(result.totalSize).toBe(2);
    const [account, bill] = result.records;
    expect(account).toEqual({
      attributes: { type: 'EntityDefinition', url: `/services/data/v${API_VERSION}/tooling/sobjects/EntityDefinition/Account` },
      Id: '000000000000000AAA',
      QualifiedApiName: 'Account',
      DeveloperName: 'Account',
      Label: 'Account',
      KeyPrefix: '001',
      IsCustomizable: true,
      DurableId: 'Account',
      NamespacePrefix: null,
    });
    expect(bill).toMatchObject({ QualifiedApiName: 'Ferry_Bill__c', DeveloperName: 'Ferry_Bill', Label: 'Ferry Bill', NamespacePrefix: null });
    expect(bill?.['KeyPrefix']).toMatch(/^a[0-9A-Za-z]{2}$/);
    expect(bill?.['DurableId']).toMatch(/^01I[0-9A-Za-z]{12}$/);
    expect((bill?.['attributes'] as { url: string }).url).toBe(`/services/data/v${API_VERSION}/tooling/sobjects/EntityDefinition/${String(bill?.['DurableId'])}`);
  });

  it('filters FieldDefinition by EntityDefinition.QualifiedApiName or EntityDefinitionId, with ORDER BY and LIMIT; COUNT() on CustomField', async () => {
    const byPath = await ctx.conn.tooling.query<Row>(
      "SELECT QualifiedApiName, DataType, Label, Length, EntityDefinitionId, EntityDefinition.QualifiedApiName FROM FieldDefinition WHERE EntityDefinition.QualifiedApiName = 'Account' AND QualifiedApiName IN ('Name', 'Ferry_Id__c', 'ParentId') ORDER BY QualifiedApiName",
    );
    expect(byPath.records.map((r) => [r['QualifiedApiName'], r['DataType'], r['Length'], r['EntityDefinitionId']])).toEqual([
      ['Ferry_Id__c', 'Text(64) (External ID) (Unique Case Sensitive)', 64, 'Account'],
      ['Name', 'Text(255)', 255, 'Account'],
      ['ParentId', 'Lookup(Account)', 18, 'Account'],
    ]);
    expect(byPath.records[0]?.['EntityDefinition']).toEqual({
      attributes: { type: 'EntityDefinition', url: `/services/data/v${API_VERSION}/tooling/sobjects/EntityDefinition/Account` },
      QualifiedApiName: 'Account',
    });
    const byId = await ctx.conn.tooling.query<Row>("SELECT QualifiedApiName FROM FieldDefinition WHERE EntityDefinitionId = 'Account' AND QualifiedApiName LIKE 'Ferry%' ORDER BY QualifiedApiName DESC LIMIT 2");
    expect(byId.records.map((r) => r['QualifiedApiName'])).toEqual(['Ferry_Sync_Status__c', 'Ferry_Sync_Message__c']);
    const count = await ctx.conn.tooling.query("SELECT COUNT() FROM CustomField WHERE TableEnumOrId = 'Account' AND DeveloperName LIKE 'Ferry%'");
    expect(count.totalSize).toBe(6);
    expect(count.records).toEqual([]);
  });

  it('lists CustomObject and CustomField rows with 01I and 00N ids and names without __c', async () => {
    const objects = await ctx.conn.tooling.query<Row>("SELECT Id, DeveloperName, NamespacePrefix FROM CustomObject WHERE DeveloperName = 'Ferry_Bill'");
    expect(objects.totalSize).toBe(1);
    const bill = objects.records[0] ?? {};
    expect(bill['Id']).toMatch(/^01I[0-9A-Za-z]{15}$/);
    expect(bill['attributes']).toEqual({ type: 'CustomObject', url: `/services/data/v${API_VERSION}/tooling/sobjects/CustomObject/${String(bill['Id'])}` });
    const fields = await ctx.conn.tooling.query<Row>(`SELECT Id, DeveloperName, TableEnumOrId FROM CustomField WHERE TableEnumOrId = '${String(bill['Id']).slice(0, 15)}' ORDER BY DeveloperName LIMIT 2`);
    expect(fields.records.map((r) => r['DeveloperName'])).toEqual(['Account', 'Approved']);
    expect(fields.records[0]?.['Id']).toMatch(/^00N[0-9A-Za-z]{15}$/);
    const onAccount = await ctx.conn.tooling.query<Row>("SELECT DeveloperName FROM CustomField WHERE TableEnumOrId = 'Account' AND DeveloperName = 'Ferry_Id'");
    expect(onAccount.totalSize).toBe(1);
  });

  it('serves Metadata and FullName for one record and refuses them for several, as Salesforce does', async () => {
    const one = await ctx.conn.tooling.query<Row>("SELECT FullName, Metadata FROM CustomField WHERE TableEnumOrId = 'Account' AND DeveloperName = 'Ferry_Id'");
    expect(one.records[0]?.['FullName']).toBe('Account.Ferry_Id__c');
    expect(one.records[0]?.['Metadata']).toMatchObject({ label: 'Ferry Id', type: 'Text', length: 64, externalId: true, unique: true, caseSensitive: true });
    const lookup = await ctx.conn.tooling.query<Row>("SELECT Metadata FROM CustomField WHERE FullName = 'Ferry_Bill__c.Account__c'");
    expect(lookup.records[0]?.['Metadata']).toMatchObject({ type: 'Lookup', referenceTo: 'Account', relationshipName: 'Ferry_Bills', deleteConstraint: 'SetNull' });
    const many = await failure(ctx.conn.tooling.query("SELECT FullName FROM CustomField WHERE TableEnumOrId = 'Account'"));
    expect(many.errorCode).toBe('MALFORMED_QUERY');
    expect(many.message).toMatch(/^When retrieving results with Metadata or FullName fields, the query qualifications must specify no more than one row for retrieval\. Result size: \d+$/);
  });

  it('answers INVALID_FIELD and INVALID_TYPE like /query does', async () => {
    const field = await failure(ctx.conn.tooling.query('SELECT Bogus FROM EntityDefinition'));
    expect(field.errorCode).toBe('INVALID_FIELD');
    expect(field.message).toContain("No such column 'Bogus' on entity 'EntityDefinition'.");
    const type = await raw(ctx.conn, 'GET', `/tooling/query?q=${encodeURIComponent('SELECT Id FROM ApexClass')}`);
    expect(type.status).toBe(400);
    expect((type.body as { errorCode: string }[])[0]?.errorCode).toBe('INVALID_TYPE');
  });

  it('keeps answering PlatformEventChannelMember from the CDC selection', async () => {
    ctx.emu.controls.setCdcObjects(['Account']);
    const result = await ctx.conn.tooling.query<Row>("SELECT Id, DeveloperName, SelectedEntity FROM PlatformEventChannelMember WHERE EventChannel = 'ChangeEvents'");
    expect(result.records).toEqual([
      {
        attributes: { type: 'PlatformEventChannelMember', url: expect.stringMatching(new RegExp(`^/services/data/v${API_VERSION}/tooling/sobjects/PlatformEventChannelMember/0v8`)) as unknown },
        Id: expect.stringMatching(/^0v8/) as unknown,
        DeveloperName: 'ChangeEvents_AccountChangeEvent',
        SelectedEntity: 'AccountChangeEvent',
      },
    ]);
    ctx.emu.controls.setCdcObjects('all');
  });
});
