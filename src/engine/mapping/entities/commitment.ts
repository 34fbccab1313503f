import type { EntityTypeDefinition } from '../definition.ts';

export const commitmentDefinition: EntityTypeDefinition = {
  entityType: 'Commitment',
  objects: [{ entity: 'commitments', object: 'Ferry_Commitment__c' }],
  defaults: [
    { ferry: 'amount', salesforce: 'Name', transform: "currency & ' ' & amount & ' ' & startDate" },
    { kind: 'lookup', ferry: 'accountId', salesforce: 'Account__c', target: 'accounts', required: true },
    // Optional: a commitment whose contract is not in Salesforce yet goes without it.
    { kind: 'lookup', ferry: 'contractId', salesforce: 'Contract__c', target: 'contracts', required: false },
    { ferry: 'amount', salesforce: 'Amount__c' },
    { ferry: 'currency', salesforce: 'Ferry_Currency__c' },
    { ferry: 'startDate', salesforce: 'Start_Date__c' },
    { ferry: 'endDate', salesforce: 'End_Date__c' },
    { ferry: 'billingSchedule', salesforce: 'Billing_Schedule__c', transform: "$join(billingSchedule.(date & ': ' & amount), '\\n')" },
  ],
};
