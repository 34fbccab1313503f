import { describe, expect, it } from 'vitest';
import { Schema } from '../schema/schema.ts';
import { standardObjects } from '../schema/standard-objects.ts';
import { makeField } from '../schema/types.ts';
import { Store, type SaveResult } from './store.ts';

const ctx = { userId: '005000000000000AAA' };

// The standard objects plus what the real schema lacks: a polymorphic lookup (Case.What, to Account
// or Opportunity) and a number external id (Opportunity.Legacy_No__c).
function setup(): Store {
  const objects = standardObjects();
  const byName = new Map(objects.map((o) => [o.name, o]));
  const add = (objectName: string, field: ReturnType<typeof makeField>): void => {
    const o = byName.get(objectName);
    if (o === undefined) throw new Error(`no ${objectName}`);
    o.fields.push(field);
    o.fieldMap.set(field.name.toLowerCase(), field);
  };
  add('Account', makeField('Ferry_Id__c', 'string', { length: 64, externalId: true, unique: true, caseSensitive: true, idLookup: true }));
  add('Opportunity', makeField('Legacy_No__c', 'double', { precision: 18, scale: 0, externalId: true, idLookup: true }));
  add('Case', makeField('WhatId', 'reference', { referenceTo: ['Account', 'Opportunity'], relationshipName: 'What' }));
  return new Store(new Schema(objects));
}

function created(result: SaveResult): string {
  if (!result.success) throw new Error(JSON.stringify(result.errors));
  return result.id;
}

describe('parent references by key in the store', () => {
  it('resolves a polymorphic lookup by the type named in attributes, and refuses one without a type', () => {
    const store = setup();
    const account = created(store.create('Account', { Name: 'Acme', Ferry_Id__c: 'cust-1' }, ctx));
    const opportunity = created(store.create('Opportunity', { Name: 'Deal', StageName: 'Prospecting', CloseDate: '2024-05-01', Legacy_No__c: 12 }, ctx));
    const onAccount = created(store.create('Case', { Subject: 'A', What: { attributes: { type: 'Account' }, Ferry_Id__c: 'cust-1' } }, ctx));
    expect(store.get(onAccount)?.values['WhatId']).toBe(account);
    // A number key matches however the number is written.
    const onDeal = created(store.create('Case', { Subject: 'B', What: { attributes: { type: 'Opportunity' }, Legacy_No__c: '12.0' } }, ctx));
    expect(store.get(onDeal)?.values['WhatId']).toBe(opportunity);
    expect(store.create('Case', { Subject: 'C', What: { Ferry_Id__c: 'cust-1' } }, ctx)).toEqual({
      success: false,
      id: null,
      errors: [{ statusCode: 'INVALID_FIELD', message: 'The entity type must be given in attributes for the polymorphic foreign key reference What', fields: [] }],
    });
    expect(store.create('Case', { Subject: 'D', What: { attributes: { type: 'Contact' }, Id: account } }, ctx)).toMatchObject({
      success: false,
      errors: [{ statusCode: 'INVALID_FIELD', message: 'Contact is not a valid entity type for the foreign key reference What' }],
    });
  });

  it('finds parents through the key index: 50,000 children resolve without scanning the parents', () => {
    const store = setup();
    const count = 50_000;
    const accounts = store.transaction(() => {
      const out: string[] = [];
      for (let i = 0; i < count; i += 1) out.push(created(store.create('Account', { Name: `A${i}`, Ferry_Id__c: `cust-${i}` }, ctx)));
      return { commit: true, value: out };
    });
    const started = performance.now();
    const ids = store.transaction(() => {
      const out: string[] = [];
      for (let i = 0; i < count; i += 1) out.push(created(store.create('Contact', { LastName: `C${i}`, Account: { Ferry_Id__c: `cust-${count - 1 - i}` } }, ctx)));
      return { commit: true, value: out };
    });
    const elapsed = performance.now() - started;
    expect(store.get(ids[0] ?? '')?.values['AccountId']).toBe(accounts[count - 1]);
    expect(store.get(ids[count - 1] ?? '')?.values['AccountId']).toBe(accounts[0]);
    // A scan per row would compare 2.5 billion keys; through the index this takes about a second.
    expect(elapsed).toBeLessThan(20_000);
  });
});
