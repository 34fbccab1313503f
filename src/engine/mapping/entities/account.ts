import type { EntityTypeDefinition } from '../definition.ts';
import { addressFrom, DOMAIN_OF_WEBSITE, phonesFrom } from './crm.ts';

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
  // The CRM import's account table: a Salesforce account without an AccountNumber gets its Id as code.
  reading: [
    { ferry: 'name', salesforce: 'Name', direction: 'to_ferry' },
    { ferry: 'code', salesforce: 'AccountNumber', direction: 'to_ferry', transform: '$value ? $value : Id' },
    { ferry: 'externalKey', salesforce: 'Id', direction: 'to_ferry' },
    { ferry: 'description', salesforce: 'Description', direction: 'to_ferry' },
    { ferry: 'crmOwnerEmail', salesforce: 'Owner.Email', direction: 'to_ferry' },
    { ferry: 'crmOwnerName', salesforce: 'Owner.Name', direction: 'to_ferry' },
    ...addressFrom('address', 'Billing'),
    ...addressFrom('shippingAddress', 'Shipping'),
    phonesFrom([['WORK', 'Phone'], ['FAX', 'Fax']]),
    { ferry: 'website', salesforce: 'Website', direction: 'to_ferry' },
    { ferry: 'emailDomains', salesforce: 'Website', direction: 'to_ferry', transform: DOMAIN_OF_WEBSITE },
  ],
};
