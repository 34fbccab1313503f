import type { EntityTypeDefinition } from '../definition.ts';
import { addressFrom } from './crm.ts';

export const contactDefinition: EntityTypeDefinition = {
  entityType: 'Contact',
  objects: [{ entity: 'contacts', object: 'Contact' }],
  defaults: [
    { kind: 'lookup', ferry: 'accountId', salesforce: 'AccountId', target: 'accounts', required: true },
    { ferry: 'firstName', salesforce: 'FirstName' },
    { ferry: 'lastName', salesforce: 'LastName' },
    { ferry: 'title', salesforce: 'Title' },
    { kind: 'contact_point', contactType: '*', point: 'email', salesforce: 'Email' },
    { kind: 'contact_point', contactType: '*', point: 'phone.WORK', salesforce: 'Phone' },
    { kind: 'contact_point', contactType: '*', point: 'phone.MOBILE', salesforce: 'MobilePhone' },
  ],
  // The CRM import's person table. A contact follows its account: it comes in once the account has.
  reading: [
    { kind: 'lookup', ferry: 'accountId', salesforce: 'AccountId', target: 'accounts', required: true, direction: 'to_ferry' },
    { ferry: 'firstName', salesforce: 'FirstName', direction: 'to_ferry' },
    { ferry: 'lastName', salesforce: 'LastName', direction: 'to_ferry' },
    { ferry: 'salutation', salesforce: 'Salutation', direction: 'to_ferry' },
    { ferry: 'title', salesforce: 'Title', direction: 'to_ferry' },
    { ferry: 'department', salesforce: 'Department', direction: 'to_ferry' },
    { ferry: 'notes', salesforce: 'Description', direction: 'to_ferry' },
    { ferry: 'birthday', salesforce: 'Birthdate', direction: 'to_ferry' },
    { ferry: 'externalKey', salesforce: 'Id', direction: 'to_ferry' },
    { kind: 'contact_point', contactType: '*', point: 'email', salesforce: 'Email', direction: 'to_ferry' },
    { kind: 'contact_point', contactType: '*', point: 'phone.WORK', salesforce: 'Phone', direction: 'to_ferry' },
    { kind: 'contact_point', contactType: '*', point: 'phone.MOBILE', salesforce: 'MobilePhone', direction: 'to_ferry' },
    { kind: 'contact_point', contactType: '*', point: 'phone.HOME', salesforce: 'HomePhone', direction: 'to_ferry' },
    { kind: 'contact_point', contactType: '*', point: 'phone.OTHER', salesforce: 'OtherPhone', direction: 'to_ferry' },
    { kind: 'contact_point', contactType: '*', point: 'phone.FAX', salesforce: 'Fax', direction: 'to_ferry' },
    ...addressFrom('address', 'Mailing'),
    ...addressFrom('otherAddress', 'Other'),
  ],
};
