import type { EntityTypeDefinition } from '../definition.ts';

/** Balance transactions travel with their balance's integration, after the balances. */
export const balanceDefinition: EntityTypeDefinition = {
  entityType: 'Balance',
  objects: [
    { entity: 'balances', object: 'Ferry_Balance__c' },
    { entity: 'balance-transactions', object: 'Ferry_Balance_Transaction__c' },
  ],
  defaults: [
    { ferry: 'name', salesforce: 'Name' },
    { kind: 'lookup', ferry: 'accountId', salesforce: 'Account__c', target: 'accounts', required: true },
    { ferry: 'code', salesforce: 'Code__c' },
    { ferry: 'amount', salesforce: 'Amount__c' },
    { ferry: 'currency', salesforce: 'Ferry_Currency__c' },
    { ferry: 'startDate', salesforce: 'Start_Date__c' },
    { ferry: 'endDate', salesforce: 'End_Date__c' },
    { kind: 'lookup', object: 'Ferry_Balance_Transaction__c', ferry: 'balanceId', salesforce: 'Balance__c', target: 'balances', required: true },
    { object: 'Ferry_Balance_Transaction__c', ferry: 'amount', salesforce: 'Amount__c' },
    { object: 'Ferry_Balance_Transaction__c', ferry: 'type', salesforce: 'Transaction_Type__c' },
    { object: 'Ferry_Balance_Transaction__c', ferry: 'appliedAt', salesforce: 'Applied_At__c' },
    { object: 'Ferry_Balance_Transaction__c', ferry: 'description', salesforce: 'Description__c' },
  ],
};
