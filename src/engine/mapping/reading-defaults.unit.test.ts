// The default reading rules (the CRM import's field tables) and how two-way integrations combine
// them with the sending defaults; values read through them from Salesforce records.
import { describe, expect, it } from 'vitest';
import { compileReading, ferryValuesOf } from '../incoming/reading.ts';
import type { EntityType } from '../types.ts';
import { defaultRules } from './mapping.ts';
import { validateMapping } from './validate.ts';

const READING_TYPES: EntityType[] = ['Account', 'Contact', 'Ticket'];

describe('default reading rules', () => {
  for (const type of READING_TYPES) {
    for (const direction of ['from_salesforce', 'both'] as const) {
      it(`are a valid ${type} mapping for direction ${direction}`, () => {
        expect(validateMapping(type, defaultRules(type, direction)).issues).toEqual([]);
      });
    }
  }

  it('send only what they always sent for direction to_salesforce', () => {
    expect(defaultRules('Account', 'to_salesforce').every((r) => r.direction === 'to_salesforce')).toBe(true);
    expect(defaultRules('Account', 'from_salesforce').every((r) => r.direction === 'to_ferry')).toBe(true);
  });

  it('read and send a field through one rule of direction both when both sides copy it as it is', () => {
    const rules = defaultRules('Account', 'both');
    const rule = (ferry: string, salesforce: string) => rules.filter((r) => r.kind === 'field' && r.ferry === ferry && r.salesforce === salesforce);
    expect(rule('name', 'Name').map((r) => r.direction)).toEqual(['both']);
    expect(rule('address.locality', 'BillingCity').map((r) => r.direction)).toEqual(['both']);
    // Sent as it is, read with a fallback: one rule, both ways, as sent.
    expect(rule('code', 'AccountNumber').map((r) => [r.direction, r.kind === 'field' ? r.transform : null])).toEqual([['both', undefined]]);
    // The street is sent joined from the address lines: not read back line by line (it would come back changed).
    expect(rules.filter((r) => r.salesforce === 'BillingStreet').map((r) => [r.direction, r.kind === 'field' ? r.ferry : ''])).toEqual([['to_salesforce', 'address']]);
    // Read only: what the sending defaults do not send.
    expect(rule('description', 'Description').map((r) => r.direction)).toEqual(['to_ferry']);
    const contacts = defaultRules('Contact', 'both');
    expect(contacts.filter((r) => r.kind === 'contact_point' && r.salesforce === 'Email').map((r) => r.direction)).toEqual(['both']);
    expect(contacts.filter((r) => r.kind === 'lookup').map((r) => [r.salesforce, r.direction])).toEqual([['AccountId', 'both']]);
    expect(contacts.filter((r) => r.salesforce === 'HomePhone').map((r) => r.direction)).toEqual(['to_ferry']);
  });
});

describe('values read through the default Account rules', () => {
  const reading = compileReading('Account', defaultRules('Account', 'from_salesforce'));
  const read = (row: Record<string, unknown>) => ferryValuesOf(reading, { Id: '001000000000001AAA', ...row });

  it('take the account table: addresses, phones, website, its domain and a code', async () => {
    const values = await read({
      Name: 'Acme', AccountNumber: null, Description: 'Key account',
      BillingStreet: '1 High Street\r\nFloor 2', BillingCity: 'Leeds', BillingState: 'West Yorkshire', BillingPostalCode: 'LS1 1AA', BillingCountry: 'United Kingdom',
      ShippingStreet: 'Unit 4\nDock Road\nWharf\nGate 2\nBay 7', ShippingCity: 'Hull', ShippingCountry: 'gb',
      Phone: '+44 113 496 0000', Fax: '+44 113 496 0001', Website: 'https://www.Acme.co.uk/about?x=1',
    });
    expect(values).toMatchObject({
      name: 'Acme', code: '001000000000001AAA', externalKey: '001000000000001AAA', description: 'Key account',
      'address.line1': '1 High Street', 'address.line2': 'Floor 2', 'address.line3': null, 'address.locality': 'Leeds', 'address.region': 'West Yorkshire', 'address.postCode': 'LS1 1AA', 'address.country': 'GB',
      'shippingAddress.line1': 'Unit 4', 'shippingAddress.line3': 'Wharf', 'shippingAddress.line4': 'Gate 2, Bay 7', 'shippingAddress.country': 'GB',
      phones: [{ type: 'WORK', number: '+44 113 496 0000' }, { type: 'FAX', number: '+44 113 496 0001' }],
      website: 'https://www.Acme.co.uk/about?x=1', emailDomains: ['acme.co.uk'],
    });
  });

  it('keep the AccountNumber as code, and leave out what Salesforce does not hold', async () => {
    const values = await read({ Name: 'Beta', AccountNumber: 'B-1', BillingStreet: null, BillingCountry: 'Atlantis', Phone: null, Fax: '0113 496 0001', Website: 'not a website' });
    expect(values).toMatchObject({ code: 'B-1', 'address.line1': null, 'address.country': null, phones: [{ type: 'FAX', number: '0113 496 0001' }], emailDomains: null });
    expect((await read({ Name: 'Gamma', Phone: null, Fax: null, Website: 'acme.com' })).phones).toBeNull();
    expect((await read({ Name: 'Gamma', Website: 'acme.com' })).emailDomains).toEqual(['acme.com']);
    expect((await read({ Name: 'Gamma', BillingCountry: 'USA' }))['address.country']).toBe('US');
    expect((await read({ Name: 'Gamma', BillingCountry: 'Germany' }))['address.country']).toBe('DE');
  });
});
