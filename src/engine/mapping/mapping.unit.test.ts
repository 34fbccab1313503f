import jsonata from 'jsonata';
import { describe, expect, it } from 'vitest';
import type { FieldDescribe, ObjectDescribe } from '../../salesforce/describe.ts';
import { integrationSettings } from '../integrations/schemas.ts';
import { compileExpression, isExpressionError } from './expressions.ts';
import { compileMapping, defaultRules, mapRecord, normaliseRules } from './mapping.ts';
import { validateMapping } from './validate.ts';

const settings = integrationSettings.parse({});

function field(name: string, type: string, extra: Partial<FieldDescribe> = {}): FieldDescribe {
  return {
    name, label: name, type, length: ['string', 'textarea', 'email', 'phone', 'url', 'picklist'].includes(type) ? 255 : type === 'reference' ? 18 : 0,
    precision: type === 'double' || type === 'currency' ? 18 : 0, scale: type === 'double' || type === 'currency' ? 2 : 0, digits: type === 'int' ? 9 : 0,
    createable: true, updateable: true, nillable: true, externalId: false, custom: name.endsWith('__c'), referenceTo: [], relationshipName: null,
    picklistValues: [], restrictedPicklist: false, ...extra,
  };
}

const account: ObjectDescribe = {
  name: 'Account',
  fields: [
    field('Id', 'id', { createable: false, updateable: false }), field('Name', 'string'), field('AccountNumber', 'string', { length: 40 }),
    field('BillingStreet', 'textarea'), field('BillingCity', 'string', { length: 40 }), field('BillingState', 'string', { length: 80 }),
    field('BillingPostalCode', 'string', { length: 20 }), field('BillingCountry', 'string', { length: 80 }), field('Website', 'url'),
    field('Region__c', 'string', { length: 30 }), field('Founded__c', 'date'), field('Active__c', 'boolean'), field('Tier__c', 'picklist', { picklistValues: ['Gold', 'Silver'], restrictedPicklist: true }),
    field('Formula__c', 'string', { createable: false, updateable: false }), field('Ferry_Id__c', 'string', { externalId: true }), field('Revenue__c', 'currency', { precision: 16, scale: 2 }),
    field('ParentId', 'reference', { referenceTo: ['Account'], relationshipName: 'Parent' }),
  ],
};
const describes = new Map([['account', account]]);

describe('mapping validation', () => {
  it('accepts the default mapping of every entity type', () => {
    for (const type of ['Account', 'Contact', 'Contract', 'Commitment', 'Balance', 'Bill'] as const) {
      expect(validateMapping(type, defaultRules(type)).issues, type).toEqual([]);
    }
  });

  it('reports every problem at once, each at its rule', () => {
    const { issues } = validateMapping('Account', [
      { ferry: 'name', salesforce: 'Name' },
      { ferry: 'nickname', salesforce: 'Nickname__c' },
      { ferry: 'customFields.Bad Key', salesforce: 'Region__c' },
      { ferry: 'name', salesforce: 'Website', transform: '$substring(name, ' },
      { ferry: 'name', salesforce: 'Ferry_Id__c' },
      { ferry: 'name', salesforce: 'Name' },
      { ferry: 'address', salesforce: 'BillingStreet' },
      { ferry: 'name', salesforce: 'Name', direction: 'sideways' },
    ]);
    const paths = issues.map((i) => i.path.join('.'));
    expect(paths).toEqual(['rules.7.direction', 'rules.1.ferry', 'rules.2.ferry', 'rules.3.transform', 'rules.4.salesforce', 'rules.5.salesforce', 'rules.6.ferry']);
    expect(issues.find((i) => i.path[1] === 1)?.message).toMatch(/account records have no field "nickname"; known fields: code, name/);
    expect(issues.find((i) => i.path[1] === 2)?.message).toMatch(/must start with a lowercase letter/);
    expect(issues.find((i) => i.path[1] === 3)?.message).toMatch(/not a valid JSONata expression: .* \(at character \d+\)/);
    expect(issues.find((i) => i.path[1] === 5)?.message).toMatch(/already written by rules\[0\]/);
    expect(issues.find((i) => i.path[1] === 6)?.message).toMatch(/group of fields: map one of its fields/);
  });

  it('checks Salesforce fields against the org: existence, spelling, writability, kind, picklist, reference target', () => {
    const { issues, warnings } = validateMapping('Account', [
      { ferry: 'customFields.region', salesforce: 'Regoin__c' },
      { ferry: 'customFields.region', salesforce: 'region__c' },
      { ferry: 'name', salesforce: 'Formula__c' },
      { ferry: 'name', salesforce: 'Founded__c' },
      { ferry: 'name', salesforce: 'Active__c', transform: "name = 'x'" },
      { ferry: 'name', salesforce: 'Tier__c', transform: "$string(name)" },
      { kind: 'lookup', ferry: 'parentAccountId', salesforce: 'Name', target: 'accounts' },
      { ferry: 'code', salesforce: 'AccountNumber' },
    ], { describes });
    expect(issues.map((i) => `${i.path.join('.')}`)).toEqual(['rules.0.salesforce', 'rules.1.salesforce', 'rules.2.salesforce', 'rules.3.salesforce', 'rules.6.salesforce']);
    expect(issues[0]!.message).toMatch(/no field Regoin__c/);
    expect(issues[1]!.message).toMatch(/spelled Region__c/);
    expect(issues[2]!.message).toMatch(/cannot be written/);
    expect(issues[4]!.message).toMatch(/not a reference/);
    expect(warnings.map((w) => w.path.join('.'))).toEqual(['rules.7.salesforce']);
    expect(warnings[0]!.message).toMatch(/Ferry allows 100 characters, Account.AccountNumber holds 40: a longer value is held back/);
  });

  it('refuses a Ferry enum into a restricted picklist that lacks its values', () => {
    const bill: ObjectDescribe = { name: 'Ferry_Bill__c', fields: [field('Status__c', 'picklist', { picklistValues: ['APPROVED'], restrictedPicklist: true })] };
    const { issues } = validateMapping('Bill', [{ ferry: 'status', salesforce: 'Status__c' }], { describes: new Map([['ferry_bill__c', bill]]) });
    expect(issues[0]?.message).toMatch(/restricted picklist without "PENDING"/);
  });

  it('knows which lookups an entity has', () => {
    const { issues } = validateMapping('Bill', [{ kind: 'lookup', ferry: 'billNumber', salesforce: 'Account__c', target: 'accounts' }]);
    expect(issues[0]?.message).toMatch(/billNumber of bills is not a reference to accounts; lookups here: \{"ferry": "accountId", "target": "accounts"\}/);
  });

  it('refuses contact points outside Contact integrations and unknown contact types', () => {
    expect(validateMapping('Account', [{ kind: 'contact_point', point: 'email', salesforce: 'Name' }]).issues[0]?.path).toEqual(['rules', 0, 'kind']);
    const { issues } = validateMapping('Contact', [{ kind: 'contact_point', contactType: 'BILLING', point: 'email', salesforce: 'Email' }], { contactTypes: ['TECH'] });
    expect(issues[0]?.message).toMatch(/no contact type has code "BILLING"; use "\*" \(any type\) or one of TECH/);
  });
});

describe('expressions', () => {
  it('reports a parse error with its position', () => {
    const compiled = compileExpression("$join(address.line1, ");
    expect(isExpressionError(compiled) && compiled.position).toBeGreaterThan(0);
  });

  it('knows the result kind of common shapes and which fields they read', () => {
    const domain = compileExpression("$substringAfter(emailAddress, '@')");
    expect(!isExpressionError(domain) && domain.kind).toBe('string');
    expect(!isExpressionError(domain) && domain.reads).toContain('emailAddress');
    const flag = compileExpression("status = 'APPROVED'");
    expect(!isExpressionError(flag) && flag.kind).toBe('boolean');
  });
});

const SOURCE = "$exists(region) ? region & ' ' & $string($index + 1) : 'none ' & $string($index + 1)";

describe('expression results reused for equal inputs', () => {
  it('gives each input its own result, absent and null apart, and never reuses a clock', async () => {
    const compiled = compileExpression(SOURCE);
    if (isExpressionError(compiled)) throw new Error(compiled.message);
    const run = (input: unknown, index: number) => compiled.evaluate(input, { index });
    expect(await run({ region: 'North' }, 0)).toBe('North 1');
    expect(await run({ region: 'North' }, 1)).toBe('North 2');
    expect(await run({ region: 'North', other: 'x' }, 0)).toBe('North 1');
    expect(await run({ region: 'South' }, 0)).toBe('South 1');
    expect(await run({}, 0)).toBe('none 1');
    // Not the cached answer for the absent field: what JSONata itself gives for null.
    expect(await run({ region: null }, 0)).toBe(await jsonata(SOURCE).evaluate({ region: null }, { index: 0 }));
    const clock = compileExpression('$millis()');
    if (isExpressionError(clock)) throw new Error(clock.message);
    const first = await clock.evaluate({}, {});
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await clock.evaluate({}, {})).not.toBe(first);
  });
});

describe('mapping records', () => {
  it('applies transforms, custom fields, defaults and line items', async () => {
    const { rules } = normaliseRules('Account', [
      ...defaultRules('Account'),
      { ferry: 'customFields.region', salesforce: 'Region__c' },
      { ferry: 'emailAddress', salesforce: 'Website', transform: "$exists($value) ? 'https://' & $substringAfter($value, '@') : 'https://example.com'" },
    ]);
    const mapper = compileMapping('Account', rules).objects[0]!;
    const mapped = await mapRecord(mapper, { id: 'a1', name: 'Acme', code: 'A-1', emailAddress: 'ap@acme.test', address: { line1: '1 Road', line2: 'Unit 2', locality: 'Leeds' }, customFields: { region: 'North' } }, settings);
    expect(mapped.fields).toMatchObject({ Name: 'Acme', BillingStreet: '1 Road\nUnit 2', BillingCity: 'Leeds', BillingState: null, Region__c: 'North', Website: 'https://acme.test' });
    const none = await mapRecord(mapper, { id: 'a2', name: 'B', code: 'B' }, settings);
    expect(none.fields).toMatchObject({ BillingStreet: null, Region__c: null, Website: 'https://example.com' });
    expect([...mapper.reads].sort()).toEqual(['address', 'code', 'customFields', 'emailAddress', 'name']);
  });

  it('maps line items as children keyed by bill and position, leaving excluded types out', async () => {
    const mapper = compileMapping('Bill', defaultRules('Bill')).objects[0]!;
    const bill = { id: 'b1', billNumber: 'B-1', status: 'APPROVED', accountId: 'acc', lineItems: [{ lineItemType: 'USAGE', quantity: '2', unitPrice: '1.5', amount: '3.00' }, { lineItemType: 'ADJUSTMENT', quantity: '1', unitPrice: '0.6', amount: '0.60' }] };
    const mapped = await mapRecord(mapper, bill, integrationSettings.parse({ excludedLineItemTypes: ['ADJUSTMENT'] }));
    expect(mapped.fields).toMatchObject({ Name: 'B-1', Approved__c: true });
    expect(mapped.lookups.map((l) => [l.rule.salesforce, l.ferryId])).toEqual([['Account__c', 'acc']]);
    expect(mapped.children).toEqual([{ key: 'b1:0', fields: { Name: 'USAGE 1', Line_Type__c: 'USAGE', Product_Code__c: null, Description__c: null, Quantity__c: '2', Unit_Price__c: '1.5', Amount__c: '3.00' }, lookups: [expect.objectContaining({ ferryId: 'b1' })] }]);
  });

  it('maps contact points by contact type, the type\'s own rules before the "*" rules', async () => {
    const { rules } = normaliseRules('Contact', [
      ...defaultRules('Contact'),
      { kind: 'contact_point', contactType: 'BILLING', point: 'phone.HOME', salesforce: 'Phone' },
      { kind: 'contact_point', contactType: 'BILLING', point: 'address.street', salesforce: 'MailingStreet' },
      { kind: 'contact_point', contactType: 'BILLING', point: 'address.locality', salesforce: 'MailingCity' },
    ]);
    const mapper = compileMapping('Contact', rules).objects[0]!;
    const phones = [{ type: 'WORK', number: '+44 1' }, { type: 'HOME', number: '+44 2' }, { type: 'MOBILE', number: '+44 3' }];
    const billing = await mapRecord(mapper, { id: 'c1', lastName: 'L', type: 'BILLING', email: 'a@b.test', phones, address: { line1: 'L1', locality: 'York' } }, settings);
    expect(billing.fields).toMatchObject({ Email: 'a@b.test', Phone: '+44 2', MobilePhone: '+44 3', MailingStreet: 'L1', MailingCity: 'York' });
    const other = await mapRecord(mapper, { id: 'c2', lastName: 'L', type: 'TECH', email: 'a@b.test', phones, address: { line1: 'L1' } }, settings);
    expect(other.fields).toMatchObject({ Email: 'a@b.test', Phone: '+44 1', MobilePhone: '+44 3', MailingStreet: null, MailingCity: null });
  });
});
