import type { EntityTypeDefinition } from '../definition.ts';

/** A product's Salesforce record at one frequency: what a sales team quotes. */
export const SALESFORCE_PRODUCT = 'Product2';

/**
 * The billing catalogue, imported into Salesforce (src/engine/imports/catalogue.ts): services and
 * their usage buckets, products (one Product2 per frequency a product is sold at, under a
 * Ferry_Product__c that holds the product itself), rate plans and their groups. These objects are
 * mapped by rules like any other; the price book entries, price tiers, product services and rates
 * the import writes beside them have fixed fields.
 */
export const catalogueDefinition: EntityTypeDefinition = {
  entityType: 'Catalogue',
  objects: [
    {
      entity: 'services',
      object: 'Ferry_Service__c',
      children: { path: 'usageBuckets', object: 'Ferry_Usage_Bucket__c', keyOf: (serviceId, _index, bucket) => `${serviceId}:${String(bucket.code)}`, keyDescription: '<service id>:<bucket code>' },
    },
    {
      entity: 'products',
      object: 'Ferry_Product__c',
      children: { path: 'frequencies', object: SALESFORCE_PRODUCT, keyOf: (productId, _index, frequency) => `${productId}:${String(frequency.frequency)}`, keyDescription: '<product id>:<frequency>' },
    },
    {
      entity: 'rate-plans',
      object: 'Ferry_Rate_Plan__c',
      children: { path: 'groups', object: 'Ferry_Rate_Group__c', keyOf: (planId, _index, group) => `${planId}:${String(group.code)}`, keyDescription: '<rate plan id>:<group code>' },
    },
  ],
  writes: {
    Ferry_Product_Service__c: ['Ferry_Id__c', 'Name', 'Product__c', 'Service__c'],
    Pricebook2: ['Ferry_Id__c'],
    PricebookEntry: ['Ferry_Id__c', 'Ferry_Description__c', 'Pricebook2Id', 'Product2Id', 'UnitPrice', 'IsActive', 'UseStandardPrice'],
    Ferry_Price_Tier__c: ['Ferry_Id__c', 'Name', 'Product__c', 'Ferry_Currency__c', 'From_Quantity__c', 'Unit_Price__c'],
    Ferry_Rate__c: ['Ferry_Id__c', 'Name', 'Rate_Group__c', 'From_Quantity__c', 'Unit_Price__c'],
  },
  defaults: [
    { object: 'Ferry_Service__c', ferry: 'name', salesforce: 'Name' },
    { object: 'Ferry_Service__c', ferry: 'code', salesforce: 'Code__c' },
    { object: 'Ferry_Service__c', ferry: 'description', salesforce: 'Description__c' },
    { object: 'Ferry_Service__c', ferry: 'unit', salesforce: 'Unit__c' },
    { object: 'Ferry_Service__c', ferry: 'active', salesforce: 'Active__c' },
    { kind: 'lookup', object: 'Ferry_Usage_Bucket__c', ferry: 'id', salesforce: 'Service__c', target: 'services', required: true },
    { ferry: 'usageBuckets[].name', salesforce: 'Name' },
    { ferry: 'usageBuckets[].code', salesforce: 'Code__c' },
    { ferry: 'usageBuckets[].quantity', salesforce: 'Quantity__c' },
    { ferry: 'usageBuckets[].unit', salesforce: 'Unit__c' },

    { object: 'Ferry_Product__c', ferry: 'name', salesforce: 'Name' },
    { object: 'Ferry_Product__c', ferry: 'code', salesforce: 'Code__c' },
    { object: 'Ferry_Product__c', ferry: 'description', salesforce: 'Description__c' },
    { object: 'Ferry_Product__c', ferry: 'active', salesforce: 'Active__c' },
    { object: 'Ferry_Product__c', ferry: 'frequencies', salesforce: 'Frequencies__c', transform: "$join(frequencies.frequency, ';')" },
    { object: 'Ferry_Product__c', ferry: 'currencies', salesforce: 'Currencies__c', transform: "$join(currencies, ';')" },
    { kind: 'lookup', object: SALESFORCE_PRODUCT, ferry: 'id', salesforce: 'Ferry_Product__c', target: 'products', required: true },
    // "Pro plan (Monthly)": a product is quoted at one frequency.
    { ferry: 'frequencies[].frequency', salesforce: 'Name', transform: "$parent.name & ' (' & $lookup({'DAILY': 'Daily', 'WEEKLY': 'Weekly', 'MONTHLY': 'Monthly', 'QUARTERLY': 'Quarterly', 'SEMI_ANNUAL': 'Semi-annual', 'ANNUAL': 'Annual', 'ONE_TIME': 'One-time'}, frequency) & ')'" },
    { object: SALESFORCE_PRODUCT, ferry: 'code', salesforce: 'ProductCode' },
    { object: SALESFORCE_PRODUCT, ferry: 'description', salesforce: 'Description' },
    { object: SALESFORCE_PRODUCT, ferry: 'active', salesforce: 'IsActive' },
    { ferry: 'frequencies[].frequency', salesforce: 'Ferry_Frequency__c' },

    { object: 'Ferry_Rate_Plan__c', ferry: 'name', salesforce: 'Name' },
    { object: 'Ferry_Rate_Plan__c', ferry: 'code', salesforce: 'Code__c' },
    { kind: 'lookup', object: 'Ferry_Rate_Plan__c', ferry: 'productId', salesforce: 'Product__c', target: 'products', required: true },
    { kind: 'lookup', object: 'Ferry_Rate_Plan__c', ferry: 'serviceId', salesforce: 'Service__c', target: 'services', required: false },
    { object: 'Ferry_Rate_Plan__c', ferry: 'currency', salesforce: 'Ferry_Currency__c' },
    { object: 'Ferry_Rate_Plan__c', ferry: 'frequency', salesforce: 'Frequency__c' },
    { kind: 'lookup', object: 'Ferry_Rate_Group__c', ferry: 'id', salesforce: 'Rate_Plan__c', target: 'rate-plans', required: true },
    { ferry: 'groups[].name', salesforce: 'Name' },
    { ferry: 'groups[].code', salesforce: 'Code__c' },
  ],
};
