import type { EntityTypeDefinition } from '../definition.ts';

export const contractDefinition: EntityTypeDefinition = {
  entityType: 'Contract',
  objects: [{ entity: 'contracts', object: 'Ferry_Contract__c' }],
  defaults: [
    { ferry: 'name', salesforce: 'Name' },
    { kind: 'lookup', ferry: 'accountId', salesforce: 'Account__c', target: 'accounts', required: true },
    { ferry: 'code', salesforce: 'Code__c' },
    { ferry: 'startDate', salesforce: 'Start_Date__c' },
    { ferry: 'endDate', salesforce: 'End_Date__c' },
    { ferry: 'purchaseOrderNumber', salesforce: 'PO_Number__c' },
  ],
};
