import type { EntityTypeDefinition } from '../definition.ts';

const LINE_ITEM = 'Ferry_Bill_Line_Item__c';

/**
 * A bill and its line items. Line items are children: their external id is `<bill id>:<position>`,
 * they go after their bill, and their master-detail field to the bill is set on creation only.
 */
export const billDefinition: EntityTypeDefinition = {
  entityType: 'Bill',
  objects: [{
    entity: 'bills',
    object: 'Ferry_Bill__c',
    scope: (record, settings) => (settings.onlyApprovedBills && record.status !== 'APPROVED' ? 'bill not approved (onlyApprovedBills)' : undefined),
    children: {
      path: 'lineItems',
      object: LINE_ITEM,
      keyOf: (billId, index) => `${billId}:${index}`,
      excluded: (item, settings) => (settings.excludedLineItemTypes as readonly unknown[]).includes(item.lineItemType),
    },
  }],
  defaults: [
    { ferry: 'billNumber', salesforce: 'Name' },
    { kind: 'lookup', ferry: 'accountId', salesforce: 'Account__c', target: 'accounts', required: true },
    { ferry: 'billNumber', salesforce: 'Bill_Number__c' },
    { ferry: 'billDate', salesforce: 'Bill_Date__c' },
    { ferry: 'periodStart', salesforce: 'Period_Start__c' },
    { ferry: 'periodEnd', salesforce: 'Period_End__c' },
    { ferry: 'dueDate', salesforce: 'Due_Date__c' },
    { ferry: 'status', salesforce: 'Status__c' },
    { ferry: 'status', salesforce: 'Approved__c', transform: "status = 'APPROVED'" },
    { ferry: 'currency', salesforce: 'Ferry_Currency__c' },
    { ferry: 'total', salesforce: 'Total__c' },
    { kind: 'lookup', object: LINE_ITEM, ferry: 'id', salesforce: 'Bill__c', target: 'bills', required: true },
    { ferry: 'lineItems[].lineItemType', salesforce: 'Name', transform: "lineItemType & ' ' & $string($index + 1)" },
    { ferry: 'lineItems[].lineItemType', salesforce: 'Line_Type__c' },
    { ferry: 'lineItems[].productCode', salesforce: 'Product_Code__c' },
    { ferry: 'lineItems[].description', salesforce: 'Description__c' },
    { ferry: 'lineItems[].quantity', salesforce: 'Quantity__c' },
    { ferry: 'lineItems[].unitPrice', salesforce: 'Unit_Price__c' },
    { ferry: 'lineItems[].amount', salesforce: 'Amount__c' },
  ],
};
