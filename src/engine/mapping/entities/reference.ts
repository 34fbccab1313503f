import type { EntityTypeDefinition } from '../definition.ts';

/** The platform entities a reference data import reads, each a type of Ferry_Reference__c record. */
export const REFERENCE_TYPES = {
  'account-types': 'ACCOUNT_TYPE',
  'account-statuses': 'ACCOUNT_STATUS',
  'contact-types': 'CONTACT_TYPE',
  countries: 'COUNTRY',
  'bill-groups': 'BILL_GROUP',
  'ar-terms': 'AR_TERM',
  users: 'OWNER',
} as const;

/**
 * Reference data, imported into Salesforce (src/engine/imports/reference.ts) as Ferry_Reference__c
 * records, one per value (a country's states point at their country). Its fields are fixed: a
 * ReferenceData integration takes no mapping rules.
 */
export const referenceDataDefinition: EntityTypeDefinition = {
  entityType: 'ReferenceData',
  objects: [{ entity: 'account-types', object: 'Ferry_Reference__c' }],
  follows: Object.keys(REFERENCE_TYPES),
  docsNote: 'ReferenceData integrations write Ferry_Reference__c records with fixed fields and take no mapping rules (docs/catalogue.md, Import Data).',
  writes: { Ferry_Reference__c: ['Ferry_Id__c', 'Name', 'Type__c', 'Code__c', 'Description__c', 'Active__c', 'Parent__c', 'Days__c', 'Points__c', 'Email__c', 'Currencies__c'] },
  defaults: [],
};

/**
 * A reconciliation compares Salesforce Accounts, Ferry accounts and the billing tool's customers
 * (src/engine/reconciliation): it writes nothing to Salesforce, follows no change, and takes no
 * mapping rules (the fields it compares are in its own settings).
 */
export const reconciliationDefinition: EntityTypeDefinition = {
  entityType: 'Reconciliation',
  objects: [{ entity: 'accounts', object: 'Account' }],
  docsNote: 'Reconciliation integrations read Accounts and write nothing to Salesforce; they take no mapping rules (docs/reconciliation.md).',
  follows: [],
  defaults: [],
};
