import { describe, expect, it } from 'vitest';
import { Schema } from '../schema/schema.ts';
import { standardObjects } from '../schema/standard-objects.ts';
import { makeField, type ObjectDef } from '../schema/types.ts';
import { headerError, relationshipColumn } from './header.ts';

function schemaWithPolymorphicCase(): { schema: Schema; contact: ObjectDef; caseObject: ObjectDef } {
  const objects = standardObjects();
  const account = objects.find((o) => o.name === 'Account');
  const caseObject = objects.find((o) => o.name === 'Case');
  const contact = objects.find((o) => o.name === 'Contact');
  if (account === undefined || caseObject === undefined || contact === undefined) throw new Error('standard objects missing');
  const ferryId = makeField('Ferry_Id__c', 'string', { length: 64, externalId: true, unique: true, caseSensitive: true, idLookup: true });
  account.fields.push(ferryId);
  account.fieldMap.set('ferry_id__c', ferryId);
  const what = makeField('WhatId', 'reference', { referenceTo: ['Account', 'Opportunity'], relationshipName: 'What' });
  caseObject.fields.push(what);
  caseObject.fieldMap.set('whatid', what);
  return { schema: new Schema(objects), contact, caseObject };
}

describe('Bulk CSV header checks', () => {
  it('splits relationship columns into type, relationship and key field', () => {
    expect(relationshipColumn('Account__r.Ferry_Id__c')).toEqual({ type: null, relationship: 'Account__r', keyField: 'Ferry_Id__c' });
    expect(relationshipColumn('Account:What.Ferry_Id__c')).toEqual({ type: 'Account', relationship: 'What', keyField: 'Ferry_Id__c' });
    expect(relationshipColumn('Name')).toBeUndefined();
  });

  it('accepts field names and relationship columns to a parent field', () => {
    const { schema, contact, caseObject } = schemaWithPolymorphicCase();
    expect(headerError(schema, contact, ['LastName', 'Account.Ferry_Id__c', 'account.ferry_id__c'])).toBeNull();
    expect(headerError(schema, caseObject, ['Subject', 'Account:What.Ferry_Id__c'])).toBeNull();
  });

  it("names the first unusable column with Salesforce's InvalidBatch messages", () => {
    const { schema, contact, caseObject } = schemaWithPolymorphicCase();
    expect(headerError(schema, contact, ['LastName', 'Bogus__c'])).toBe('InvalidBatch : Field name not found : Bogus__c');
    // Observed on a real org (Bulk API 2.0): the relationship between the colon and the dot is looked up.
    expect(headerError(schema, contact, ['LastName', 'Acount.Ferry_Id__c'])).toBe('InvalidBatch : Unable to find relationship: Acount');
    expect(headerError(schema, contact, ['Account:Account.Ferry_Id__c'])).toBe('InvalidBatch : type is not needed for non polymorphic foreign key references: Account');
    // A column without a dot is a field name, whatever colons it holds.
    expect(headerError(schema, contact, ['Account:Account:Ferry_Id__c'])).toBe('InvalidBatch : Field name not found : Account:Account:Ferry_Id__c');
    expect(headerError(schema, contact, ['Account.Nope__c'])).toBe('InvalidBatch : Field name not found : Account.Nope__c');
    expect(headerError(schema, contact, ['Account.Owner.Username'])).toBe('InvalidBatch : Field name not found : Account.Owner.Username');
    expect(headerError(schema, caseObject, ['What.Ferry_Id__c'])).toBe('InvalidBatch : type is required for polymorphic foreign key references: What');
    expect(headerError(schema, caseObject, ['Contact:What.Ferry_Id__c'])).toBe('InvalidBatch : Field name not found : Contact:What.Ferry_Id__c');
  });
});
