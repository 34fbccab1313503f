import type { EntityTypeDefinition } from '../definition.ts';

export const accountDefinition: EntityTypeDefinition = {
  entityType: 'Account',
  objects: [{ entity: 'accounts', object: 'Account' }],
  defaults: [
    { ferry: 'name', salesforce: 'Name' },
    { ferry: 'code', salesforce: 'AccountNumber' },
    { ferry: 'address', salesforce: 'BillingStreet', transform: "$join([address.line1, address.line2, address.line3, address.line4][$ != ''], '\\n')" },
    { ferry: 'address.locality', salesforce: 'BillingCity' },
    { ferry: 'address.region', salesforce: 'BillingState' },
    { ferry: 'address.postCode', salesforce: 'BillingPostalCode' },
    { ferry: 'address.country', salesforce: 'BillingCountry' },
  ],
};
