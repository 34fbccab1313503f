import type { EntityTypeDefinition } from '../definition.ts';

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
};
