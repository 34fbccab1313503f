// The standard objects the emulator knows, with the fields integrations usually touch. Field
// names, types, lengths and relationship names follow a real org's describe.
import { makeField as f, makeObject, picklist, type FieldDef, type ObjectBehaviour, type ObjectDef, type RecordAccess, type RecordValues, type RuleError } from './types.ts';

function systemFields(): FieldDef[] {
  const audit = { createable: false, updateable: false, nillable: false, defaultedOnCreate: true };
  const userRef = { ...audit, referenceTo: ['User'] };
  return [
    f('Id', 'id', { label: 'Record ID', nillable: false, createable: false, updateable: false, defaultedOnCreate: true }),
    f('IsDeleted', 'boolean', { label: 'Deleted', createable: false, updateable: false }),
    f('CreatedDate', 'datetime', { label: 'Created Date', ...audit }),
    f('CreatedById', 'reference', { label: 'Created By ID', ...userRef, relationshipName: 'CreatedBy' }),
    f('LastModifiedDate', 'datetime', { label: 'Last Modified Date', ...audit }),
    f('LastModifiedById', 'reference', { label: 'Last Modified By ID', ...userRef, relationshipName: 'LastModifiedBy' }),
    f('SystemModstamp', 'datetime', { label: 'System Modstamp', ...audit }),
  ];
}

function owner(): FieldDef {
  return f('OwnerId', 'reference', {
    label: 'Owner ID',
    referenceTo: ['User'],
    relationshipName: 'Owner',
    nillable: false,
    defaultedOnCreate: true,
  });
}

function nameOf(first: string, last: string) {
  return (r: RecordValues): unknown => {
    const parts = [r[first], r[last]].filter((v) => typeof v === 'string' && v !== '');
    return parts.length === 0 ? null : parts.join(' ');
  };
}

function address(prefix: string): FieldDef[] {
  return [
    f(`${prefix}Street`, 'textarea', { length: 255 }),
    f(`${prefix}City`, 'string', { length: 40 }),
    f(`${prefix}State`, 'string', { length: 80 }),
    f(`${prefix}PostalCode`, 'string', { length: 20 }),
    f(`${prefix}Country`, 'string', { length: 80 }),
  ];
}

const INDUSTRIES = ['Agriculture', 'Banking', 'Communications', 'Consulting', 'Education', 'Energy', 'Finance', 'Healthcare', 'Manufacturing', 'Media', 'Retail', 'Technology', 'Other'];
const LEAD_SOURCES = ['Web', 'Phone Inquiry', 'Partner Referral', 'Purchased List', 'Other'];

function ref(name: string, to: string, relationshipName: string, childRelationshipName: string | null, extra: Partial<FieldDef> = {}): FieldDef {
  return f(name, 'reference', { referenceTo: [to], relationshipName, childRelationshipName, ...extra });
}

const INSTALLMENT_PERIODS = ['Daily', 'Weekly', 'Monthly', 'Quarterly', 'Yearly'];

/** A YYYY-MM-DD date `n` installment periods after `start` (a month end stays within its month). */
export function installmentDate(start: string, period: string, n: number): string {
  const [y, m, d] = start.split('-').map(Number) as [number, number, number];
  if (period === 'Daily' || period === 'Weekly') return new Date(Date.UTC(y, m - 1, d + n * (period === 'Daily' ? 1 : 7))).toISOString().slice(0, 10);
  const months = n * (period === 'Monthly' ? 1 : period === 'Quarterly' ? 3 : 12);
  const lastDay = new Date(Date.UTC(y, m - 1 + months + 1, 0)).getUTCDate();
  return new Date(Date.UTC(y, m - 1 + months, Math.min(d, lastDay))).toISOString().slice(0, 10);
}

/** A product's default revenue schedule, when it has one established. */
function defaultRevenueSchedule(product: RecordValues | undefined): { type: string; period: string; installments: number } | undefined {
  if (product === undefined || product['CanUseRevenueSchedule'] !== true) return undefined;
  const type = product['RevenueScheduleType'];
  const period = product['RevenueInstallmentPeriod'];
  const installments = product['NumberOfRevenueInstallments'];
  if (typeof type !== 'string' || typeof period !== 'string' || typeof installments !== 'number' || installments < 1) return undefined;
  return { type, period, installments };
}

/**
 * Opportunity products: the product and list price come from the price book entry; a product
 * with a default revenue schedule gives the line its schedule when it is created (API 38.0 on),
 * one installment a period from the service date (else the opportunity's close date), the total
 * price divided among them or repeated in each.
 */
const opportunityLineItem: ObjectBehaviour = {
  validate: (values, before, org) => {
    if (before !== undefined || !('CurrencyIsoCode' in values)) return [];
    // A multi-currency org prices a line in its opportunity's currency only.
    const entry = typeof values['PricebookEntryId'] === 'string' ? org.get(values['PricebookEntryId']) : undefined;
    const opportunity = typeof values['OpportunityId'] === 'string' ? org.get(values['OpportunityId']) : undefined;
    if (entry === undefined || opportunity === undefined || entry['CurrencyIsoCode'] === opportunity['CurrencyIsoCode']) return [];
    return [{ statusCode: 'FIELD_INTEGRITY_EXCEPTION', message: 'field integrity exception: PricebookEntryId (pricebook entry currency code does not match opportunity currency code)', fields: ['PricebookEntryId'] }];
  },
  onSave: (values, before, _stamp, org) => {
    if (before !== undefined) return;
    const entry = typeof values['PricebookEntryId'] === 'string' ? org.get(values['PricebookEntryId']) : undefined;
    if (entry !== undefined) {
      values['Product2Id'] ??= entry['Product2Id'] ?? null;
      values['ListPrice'] = entry['UnitPrice'] ?? null;
    }
    // A line's currency is its opportunity's (the field is read-only on the line).
    const opportunity = typeof values['OpportunityId'] === 'string' ? org.get(values['OpportunityId']) : undefined;
    if ('CurrencyIsoCode' in values && typeof opportunity?.['CurrencyIsoCode'] === 'string') values['CurrencyIsoCode'] = opportunity['CurrencyIsoCode'];
    const product = typeof values['Product2Id'] === 'string' ? org.get(values['Product2Id']) : undefined;
    values['CanUseRevenueSchedule'] = product?.['CanUseRevenueSchedule'] === true;
    values['HasRevenueSchedule'] = defaultRevenueSchedule(product) !== undefined;
  },
  afterCreate: (values, org: RecordAccess) => {
    const schedule = defaultRevenueSchedule(typeof values['Product2Id'] === 'string' ? org.get(values['Product2Id']) : undefined);
    if (schedule === undefined) return;
    const opportunity = typeof values['OpportunityId'] === 'string' ? org.get(values['OpportunityId']) : undefined;
    const start = (values['ServiceDate'] ?? opportunity?.['CloseDate']) as string | null | undefined;
    const total = typeof values['TotalPrice'] === 'number' ? values['TotalPrice'] : 0;
    if (typeof start !== 'string') return;
    // Divide: cents shared out, the last installment taking what rounding leaves.
    const share = Math.floor((total * 100) / schedule.installments) / 100;
    for (let i = 0; i < schedule.installments; i++) {
      const revenue = schedule.type === 'Repeat' ? total : i === schedule.installments - 1 ? Math.round((total - share * (schedule.installments - 1)) * 100) / 100 : share;
      org.create('OpportunityLineItemSchedule', { OpportunityLineItemId: values['Id'], Type: 'Revenue', Revenue: revenue, ScheduleDate: installmentDate(start, schedule.period, i) });
    }
  },
};

/** The standard price book is part of the org: it can be updated, never deleted. */
const pricebook2: ObjectBehaviour = {
  beforeDelete: (values) =>
    values['IsStandard'] === true
      ? { statusCode: 'DELETE_FAILED', message: `Your attempt to delete ${String(values['Name'])} could not be completed because it is the standard price book.`, fields: [] }
      : undefined,
};

/** A product's entries mirror its name and code (Name and ProductCode are read from the product). */
const product2: ObjectBehaviour = {
  afterUpdate: (values, before, org) => {
    if (values['Name'] === before['Name'] && values['ProductCode'] === before['ProductCode']) return;
    for (const entry of org.childrenOf('PricebookEntry', 'Product2Id', String(values['Id']))) {
      org.setDerived('PricebookEntry', String(entry['Id']), { Name: values['Name'] ?? null, ProductCode: values['ProductCode'] ?? null });
    }
  },
};

// Salesforce's words for the price book entry rules, as data loads and Apex report them today:
// a missing standard price is STANDARD_PRICE_NOT_DEFINED (older orgs worded it "No standard price
// defined for this product"); a second entry for the same book, product and currency is a
// FIELD_INTEGRITY_EXCEPTION, not DUPLICATE_VALUE; UseStandardPrice conflicts (a price of its own,
// or the standard book) answer the bare "field integrity exception".
const STANDARD_PRICE_MISSING: RuleError = { statusCode: 'STANDARD_PRICE_NOT_DEFINED', message: 'Before creating a custom price, create a standard price.', fields: [] };
const PRICE_DEFINED_TWICE: RuleError = { statusCode: 'FIELD_INTEGRITY_EXCEPTION', message: 'This price definition already exists in this price book', fields: [] };
const FIELD_INTEGRITY: RuleError = { statusCode: 'FIELD_INTEGRITY_EXCEPTION', message: 'field integrity exception', fields: [] };

function isStandardBook(org: RecordAccess, bookId: unknown): boolean {
  return typeof bookId === 'string' && org.get(bookId)?.['IsStandard'] === true;
}

/** Live entries of the entry's product in the entry's currency (undefined on both in a single-currency org), itself excluded. */
function siblingEntries(org: RecordAccess, entry: RecordValues): RecordValues[] {
  if (typeof entry['Product2Id'] !== 'string') return [];
  return org.childrenOf('PricebookEntry', 'Product2Id', entry['Product2Id']).filter((e) => e['Id'] !== entry['Id'] && e['CurrencyIsoCode'] === entry['CurrencyIsoCode']);
}

function standardEntryFor(org: RecordAccess, entry: RecordValues): RecordValues | undefined {
  return siblingEntries(org, entry).find((e) => isStandardBook(org, e['Pricebook2Id']));
}

/**
 * Price book entries: one per price book, product and currency; a custom price book's entry needs
 * the product's active standard price in that currency first, and may follow it (UseStandardPrice,
 * refused in the standard book) so that its UnitPrice moves with the standard one. The standard
 * price can't be deleted while custom prices depend on it. Name and ProductCode are the product's.
 */
const pricebookEntry: ObjectBehaviour = {
  validate: (values, before, org) => {
    if (typeof values['Pricebook2Id'] !== 'string' || typeof values['Product2Id'] !== 'string') return [];
    const inStandardBook = isStandardBook(org, values['Pricebook2Id']);
    if (before === undefined && siblingEntries(org, values).some((e) => e['Pricebook2Id'] === values['Pricebook2Id'])) return [PRICE_DEFINED_TWICE];
    if (inStandardBook) return values['UseStandardPrice'] === true ? [FIELD_INTEGRITY] : [];
    const standard = standardEntryFor(org, values);
    if (before === undefined && standard?.['IsActive'] !== true) return [STANDARD_PRICE_MISSING];
    // Following the standard price, a list price of its own is refused; the one it has is kept.
    const priceGiven = before === undefined || values['UnitPrice'] !== before['UnitPrice'];
    if (values['UseStandardPrice'] === true && priceGiven && values['UnitPrice'] !== null && standard !== undefined && values['UnitPrice'] !== standard['UnitPrice']) return [FIELD_INTEGRITY];
    return [];
  },
  onSave: (values, _before, _stamp, org) => {
    const product = typeof values['Product2Id'] === 'string' ? org.get(values['Product2Id']) : undefined;
    values['Name'] = product?.['Name'] ?? null;
    values['ProductCode'] = product?.['ProductCode'] ?? null;
    if (values['UseStandardPrice'] === true && !isStandardBook(org, values['Pricebook2Id'])) {
      const standard = standardEntryFor(org, values);
      if (standard !== undefined) values['UnitPrice'] = standard['UnitPrice'] ?? null;
    }
  },
  afterUpdate: (values, before, org) => {
    if (values['UnitPrice'] === before['UnitPrice'] || !isStandardBook(org, values['Pricebook2Id'])) return;
    for (const entry of siblingEntries(org, values)) {
      if (entry['UseStandardPrice'] === true) org.update('PricebookEntry', String(entry['Id']), { UnitPrice: values['UnitPrice'] });
    }
  },
  beforeDelete: (values, org) => {
    if (!isStandardBook(org, values['Pricebook2Id'])) return undefined;
    const dependent = siblingEntries(org, values).some((e) => !isStandardBook(org, e['Pricebook2Id']));
    return dependent
      ? { statusCode: 'DELETE_FAILED', message: `Your attempt to delete ${String(values['Id'])} could not be completed because it is associated with the following Price Book Entries.`, fields: [] }
      : undefined;
  },
};

/** A case gets its ClosedDate when it closes, and loses it when it is reopened. */
const caseBehaviour: ObjectBehaviour = {
  onSave: (values, before, stamp) => {
    if (values['IsClosed'] !== true) values['ClosedDate'] = null;
    else if (before?.['IsClosed'] !== true || before['ClosedDate'] === null) values['ClosedDate'] = stamp;
  },
};

function obj(name: string, keyPrefix: string, labelPlural: string, fields: FieldDef[], flags: Partial<ObjectDef> = {}): ObjectDef {
  return makeObject({
    name,
    label: name.replace(/([a-z])([A-Z])/g, '$1 $2'),
    labelPlural,
    keyPrefix,
    custom: false,
    createable: true,
    updateable: true,
    deletable: true,
    queryable: true,
    isEvent: false,
    ...flags,
    fields: [...systemFields(), ...fields],
  });
}

export function standardObjects(): ObjectDef[] {
  return [
    obj(
      'Organization',
      '00D',
      'Organizations',
      [
        f('Name', 'string', { length: 80, nillable: false, nameField: true }),
        f('OrganizationType', 'picklist', { picklistValues: picklist(['Developer Edition', 'Enterprise Edition']), createable: false }),
        f('InstanceName', 'string', { length: 5, createable: false }),
        f('IsSandbox', 'boolean', { createable: false }),
        f('NamespacePrefix', 'string', { length: 15, createable: false }),
        f('TrialExpirationDate', 'datetime', { createable: false }),
        f('LanguageLocaleKey', 'picklist', { picklistValues: picklist(['en_US']) }),
        f('TimeZoneSidKey', 'picklist', { picklistValues: picklist(['GMT', 'America/Los_Angeles']) }),
        f('DefaultLocaleSidKey', 'picklist', { picklistValues: picklist(['en_US']) }),
        f('Country', 'string', { length: 80 }),
      ],
      { createable: false, deletable: false },
    ),
    obj('User', '005', 'Users', [
      f('Username', 'string', { length: 80, nillable: false, unique: true, idLookup: true }),
      f('FirstName', 'string', { length: 40 }),
      f('LastName', 'string', { length: 80, nillable: false }),
      f('Name', 'string', { length: 121, calculated: true, createable: false, updateable: false, nameField: true, compute: nameOf('FirstName', 'LastName') }),
      f('Email', 'email', { length: 128, nillable: false }),
      f('Alias', 'string', { length: 8, nillable: false }),
      f('CommunityNickname', 'string', { length: 40 }),
      f('Title', 'string', { length: 80 }),
      f('CompanyName', 'string', { length: 80 }),
      f('IsActive', 'boolean', { defaultValue: true }),
      f('UserType', 'picklist', { picklistValues: picklist(['Standard'], 'Standard'), createable: false, updateable: false, defaultedOnCreate: true, defaultValue: 'Standard' }),
      f('TimeZoneSidKey', 'picklist', { picklistValues: picklist(['GMT', 'America/Los_Angeles'], 'GMT'), defaultValue: 'GMT', defaultedOnCreate: true }),
      f('LocaleSidKey', 'picklist', { picklistValues: picklist(['en_US'], 'en_US'), defaultValue: 'en_US', defaultedOnCreate: true }),
      f('LanguageLocaleKey', 'picklist', { picklistValues: picklist(['en_US'], 'en_US'), defaultValue: 'en_US', defaultedOnCreate: true }),
      f('EmailEncodingKey', 'picklist', { picklistValues: picklist(['UTF-8'], 'UTF-8'), defaultValue: 'UTF-8', defaultedOnCreate: true }),
    ]),
    obj('Account', '001', 'Accounts', [
      owner(),
      f('Name', 'string', { label: 'Account Name', nillable: false, nameField: true }),
      f('AccountNumber', 'string', { length: 40 }),
      f('Site', 'string', { length: 80 }),
      f('Type', 'picklist', { picklistValues: picklist(['Prospect', 'Customer - Direct', 'Customer - Channel', 'Partner', 'Other']) }),
      ref('ParentId', 'Account', 'Parent', 'ChildAccounts'),
      ...address('Billing'),
      ...address('Shipping'),
      f('Phone', 'phone', { length: 40 }),
      f('Fax', 'phone', { length: 40 }),
      f('Website', 'url'),
      f('Industry', 'picklist', { picklistValues: picklist(INDUSTRIES) }),
      f('AnnualRevenue', 'currency'),
      f('NumberOfEmployees', 'int', { digits: 8 }),
      f('Rating', 'picklist', { picklistValues: picklist(['Hot', 'Warm', 'Cold']) }),
      f('Description', 'textarea'),
    ]),
    obj('Contact', '003', 'Contacts', [
      owner(),
      // Deleting an account deletes its contacts, opportunities and cases in Salesforce.
      ref('AccountId', 'Account', 'Account', 'Contacts', { cascadeDelete: true }),
      f('Salutation', 'picklist', { picklistValues: picklist(['Mr.', 'Ms.', 'Mrs.', 'Dr.', 'Prof.']) }),
      f('FirstName', 'string', { length: 40 }),
      f('LastName', 'string', { length: 80, nillable: false }),
      f('Name', 'string', { length: 121, calculated: true, createable: false, updateable: false, nameField: true, compute: nameOf('FirstName', 'LastName') }),
      f('Title', 'string', { length: 128 }),
      f('Department', 'string', { length: 80 }),
      f('Email', 'email'),
      f('Phone', 'phone', { length: 40 }),
      f('MobilePhone', 'phone', { length: 40 }),
      f('HomePhone', 'phone', { length: 40 }),
      f('OtherPhone', 'phone', { length: 40 }),
      f('Fax', 'phone', { length: 40 }),
      ...address('Mailing'),
      ...address('Other'),
      f('Birthdate', 'date'),
      f('LeadSource', 'picklist', { picklistValues: picklist(LEAD_SOURCES) }),
      ref('ReportsToId', 'Contact', 'ReportsTo', null),
      f('Description', 'textarea'),
    ]),
    obj('Lead', '00Q', 'Leads', [
      owner(),
      f('FirstName', 'string', { length: 40 }),
      f('LastName', 'string', { length: 80, nillable: false }),
      f('Name', 'string', { length: 121, calculated: true, createable: false, updateable: false, nameField: true, compute: nameOf('FirstName', 'LastName') }),
      f('Company', 'string', { nillable: false }),
      f('Title', 'string', { length: 128 }),
      f('Email', 'email'),
      f('Phone', 'phone', { length: 40 }),
      f('Status', 'picklist', {
        nillable: false,
        defaultedOnCreate: true,
        defaultValue: 'Open - Not Contacted',
        picklistValues: picklist(['Open - Not Contacted', 'Working - Contacted', 'Closed - Converted', 'Closed - Not Converted'], 'Open - Not Contacted'),
      }),
      f('Industry', 'picklist', { picklistValues: picklist(INDUSTRIES) }),
      f('LeadSource', 'picklist', { picklistValues: picklist(LEAD_SOURCES) }),
      f('Rating', 'picklist', { picklistValues: picklist(['Hot', 'Warm', 'Cold']) }),
      f('AnnualRevenue', 'currency'),
      f('NumberOfEmployees', 'int', { digits: 8 }),
      ...address(''),
      f('IsConverted', 'boolean', { updateable: false }),
      ref('ConvertedAccountId', 'Account', 'ConvertedAccount', null, { createable: false, updateable: false }),
      ref('ConvertedContactId', 'Contact', 'ConvertedContact', null, { createable: false, updateable: false }),
      ref('ConvertedOpportunityId', 'Opportunity', 'ConvertedOpportunity', null, { createable: false, updateable: false }),
      f('Description', 'textarea'),
    ]),
    obj('Opportunity', '006', 'Opportunities', [
      owner(),
      ref('AccountId', 'Account', 'Account', 'Opportunities', { cascadeDelete: true }),
      f('Name', 'string', { length: 120, nillable: false, nameField: true }),
      f('StageName', 'picklist', {
        label: 'Stage',
        nillable: false,
        picklistValues: picklist(['Prospecting', 'Qualification', 'Needs Analysis', 'Proposal/Price Quote', 'Negotiation/Review', 'Closed Won', 'Closed Lost']),
      }),
      f('CloseDate', 'date', { nillable: false }),
      f('Amount', 'currency'),
      f('Probability', 'percent', { precision: 3, scale: 0 }),
      f('Type', 'picklist', { picklistValues: picklist(['Existing Customer - Upgrade', 'Existing Customer - Replacement', 'New Customer']) }),
      f('LeadSource', 'picklist', { picklistValues: picklist(LEAD_SOURCES) }),
      f('NextStep', 'string'),
      f('IsClosed', 'boolean', { createable: false, updateable: false, calculated: true, compute: (r) => typeof r['StageName'] === 'string' && r['StageName'].startsWith('Closed') }),
      f('IsWon', 'boolean', { createable: false, updateable: false, calculated: true, compute: (r) => r['StageName'] === 'Closed Won' }),
      ref('Pricebook2Id', 'Pricebook2', 'Pricebook2', 'Opportunities'),
      f('Description', 'textarea'),
    ]),
    obj('Product2', '01t', 'Products', [
      f('Name', 'string', { nillable: false, nameField: true, label: 'Product Name' }),
      f('ProductCode', 'string'),
      f('Description', 'textarea', { length: 4000 }),
      f('IsActive', 'boolean'),
      f('Family', 'picklist', { picklistValues: picklist(['None', 'Subscription', 'Usage', 'Services']) }),
      f('QuantityUnitOfMeasure', 'picklist', { picklistValues: picklist(['Each', 'Hour', 'GB']) }),
      f('StockKeepingUnit', 'string', { length: 180 }),
      f('ExternalId', 'string', { label: 'External ID', externalId: true, idLookup: true }),
      f('CanUseRevenueSchedule', 'boolean', { label: 'Revenue Schedule Enabled' }),
      f('RevenueScheduleType', 'picklist', { picklistValues: picklist(['Divide', 'Repeat']) }),
      f('RevenueInstallmentPeriod', 'picklist', { picklistValues: picklist(INSTALLMENT_PERIODS) }),
      f('NumberOfRevenueInstallments', 'int', { digits: 3 }),
    ], { behaviour: product2 }),
    obj('Pricebook2', '01s', 'Price Books', [
      f('Name', 'string', { nillable: false, nameField: true, label: 'Price Book Name' }),
      f('IsActive', 'boolean'),
      f('IsStandard', 'boolean', { label: 'Is Standard Price Book', createable: false, updateable: false, defaultedOnCreate: true }),
      f('Description', 'string'),
    ], { behaviour: pricebook2 }),
    // Deleting a product or a custom price book deletes its entries with it.
    obj('PricebookEntry', '01u', 'Price Book Entries', [
      ref('Pricebook2Id', 'Pricebook2', 'Pricebook2', 'PricebookEntries', { label: 'Price Book ID', nillable: false, updateable: false, cascadeDelete: true }),
      ref('Product2Id', 'Product2', 'Product2', 'PricebookEntries', { label: 'Product ID', nillable: false, updateable: false, cascadeDelete: true }),
      f('Name', 'string', { label: 'Product Name', calculated: true, createable: false, updateable: false, nameField: true }),
      f('ProductCode', 'string', { label: 'Product Code', calculated: true, createable: false, updateable: false }),
      f('UnitPrice', 'currency', { nillable: false, label: 'List Price' }),
      f('IsActive', 'boolean', { label: 'Active' }),
      f('UseStandardPrice', 'boolean', { label: 'Use Standard Price' }),
    ], { behaviour: pricebookEntry }),
    obj('OpportunityLineItem', '00k', 'Opportunity Product', [
      ref('OpportunityId', 'Opportunity', 'Opportunity', 'OpportunityLineItems', { nillable: false, updateable: false, cascadeDelete: true }),
      ref('PricebookEntryId', 'PricebookEntry', 'PricebookEntry', 'OpportunityLineItems', { updateable: false }),
      // A product sold on an opportunity can't be deleted (Salesforce offers to archive it).
      ref('Product2Id', 'Product2', 'Product2', null, { updateable: false, restrictedDelete: true }),
      f('Name', 'string', { length: 376, calculated: true, createable: false, updateable: false, nameField: true }),
      f('Quantity', 'double', { nillable: false, precision: 12, scale: 2 }),
      f('UnitPrice', 'currency', { label: 'Sales Price' }),
      f('ListPrice', 'currency', { createable: false, updateable: false }),
      f('TotalPrice', 'currency', {
        calculated: true,
        createable: false,
        updateable: false,
        compute: (r) => (typeof r['Quantity'] === 'number' && typeof r['UnitPrice'] === 'number' ? Math.round(r['Quantity'] * r['UnitPrice'] * 100) / 100 : null),
      }),
      f('ServiceDate', 'date'),
      f('Description', 'string'),
      f('CanUseRevenueSchedule', 'boolean', { createable: false, updateable: false, defaultedOnCreate: true }),
      f('HasRevenueSchedule', 'boolean', { createable: false, updateable: false, defaultedOnCreate: true }),
    ], { behaviour: opportunityLineItem }),
    obj('OpportunityLineItemSchedule', '00o', 'Opportunity Product Schedules', [
      ref('OpportunityLineItemId', 'OpportunityLineItem', 'OpportunityLineItem', 'OpportunityLineItemSchedules', { nillable: false, updateable: false, cascadeDelete: true }),
      f('Type', 'picklist', { nillable: false, picklistValues: picklist(['Revenue', 'Quantity', 'Both']) }),
      f('Revenue', 'currency'),
      f('Quantity', 'double', { precision: 18, scale: 2 }),
      f('ScheduleDate', 'date', { nillable: false }),
      f('Description', 'string', { length: 80, label: 'Comments' }),
    ]),
    obj('Case', '500', 'Cases', [
      owner(),
      f('CaseNumber', 'string', { length: 30, autoNumber: true, createable: false, updateable: false, defaultedOnCreate: true, nillable: false, nameField: true, autoNumberFormat: '{00000000}' }),
      ref('AccountId', 'Account', 'Account', 'Cases', { cascadeDelete: true }),
      ref('ContactId', 'Contact', 'Contact', 'Cases'),
      f('Subject', 'string'),
      f('Description', 'textarea'),
      f('Status', 'picklist', {
        nillable: false,
        defaultedOnCreate: true,
        defaultValue: 'New',
        picklistValues: picklist(['New', 'Working', 'Escalated', 'Closed'], 'New'),
      }),
      f('Priority', 'picklist', { defaultedOnCreate: true, defaultValue: 'Medium', picklistValues: picklist(['High', 'Medium', 'Low'], 'Medium') }),
      f('Origin', 'picklist', { picklistValues: picklist(['Phone', 'Email', 'Web']) }),
      f('Type', 'picklist', { picklistValues: picklist(['Question', 'Problem', 'Feature Request']) }),
      f('Reason', 'picklist', { picklistValues: picklist(['Installation', 'Performance', 'Breakdown', 'Other']) }),
      f('IsClosed', 'boolean', { createable: false, updateable: false, calculated: true, compute: (r) => r['Status'] === 'Closed' }),
      f('ClosedDate', 'datetime', { createable: false, updateable: false }),
      f('SuppliedEmail', 'email'),
    ], { behaviour: caseBehaviour }),
  ];
}

/** Fields Salesforce adds to every custom object. */
export function customObjectSystemFields(nameField: FieldDef, isDetail: boolean): FieldDef[] {
  return [...systemFields(), ...(isDetail ? [] : [owner()]), nameField];
}

export { systemFields };

/** ISO 4217 minor units where they are not two: CurrencyType.DecimalPlaces of a new currency. */
const MINOR_UNITS: Record<string, number> = { BHD: 3, BIF: 0, CLP: 0, IQD: 3, ISK: 0, JOD: 3, JPY: 0, KRW: 0, KWD: 3, LYD: 3, OMR: 3, PYG: 0, TND: 3, UGX: 0, VND: 0, XAF: 0, XOF: 0 };

export function decimalPlacesOf(isoCode: string): number {
  return MINOR_UNITS[isoCode] ?? 2;
}

function currencyPicklist(name: string, currencies: readonly string[], options: Partial<FieldDef> = {}): FieldDef {
  const corporate = currencies[0] ?? 'USD';
  return f(name, 'picklist', {
    label: 'Currency ISO Code',
    length: 3,
    nillable: false,
    restrictedPicklist: true,
    picklistValues: picklist([...currencies], corporate),
    defaultedOnCreate: true,
    defaultValue: corporate,
    ...options,
  });
}

/**
 * The org's currencies (multi-currency orgs only): one row per active currency, the corporate one
 * at rate 1. Rates and decimal places may be edited; currencies are added and removed through the
 * emulator's options, since each is also a value of every CurrencyIsoCode picklist.
 */
function currencyTypeObject(currencies: readonly string[]): ObjectDef {
  const fixed = { createable: false, updateable: false };
  return obj(
    'CurrencyType',
    '02B',
    'Currencies',
    [
      currencyPicklist('IsoCode', currencies, { ...fixed, length: 40, defaultedOnCreate: false, defaultValue: null, unique: true }),
      f('ConversionRate', 'double', { label: 'Conversion Rate', nillable: false, precision: 18, scale: 6 }),
      f('DecimalPlaces', 'int', { label: 'Decimal Places', nillable: false }),
      f('IsActive', 'boolean', { label: 'Active', ...fixed }),
      f('IsCorporate', 'boolean', { label: 'Corporate Currency', ...fixed }),
    ],
    { label: 'Currency', createable: false, deletable: false },
  );
}

function addField(o: ObjectDef, field: FieldDef): void {
  o.fields.push(field);
  o.fieldMap.set(field.name.toLowerCase(), field);
}

/**
 * Gives the objects the org's currencies. Every org's Organization names its (corporate) currency
 * in DefaultCurrencyIsoCode. A multi-currency org (two currencies or more) also gives every object
 * that stores records a restricted CurrencyIsoCode picklist of the active currencies, defaulted to
 * the creating user's currency (a price book entry's and an opportunity product's can't be
 * changed: the entry's is part of its identity, the line's follows its opportunity), its users a
 * DefaultCurrencyIsoCode, and has CurrencyType; a single-currency org has none of these.
 */
export function addCurrencies(objects: ObjectDef[], currencies: readonly string[]): ObjectDef[] {
  const organization = objects.find((o) => o.name === 'Organization');
  if (organization !== undefined) addField(organization, currencyPicklist('DefaultCurrencyIsoCode', currencies.length === 0 ? ['USD'] : currencies, { label: 'Currency ISO Code', createable: false, updateable: false }));
  if (currencies.length < 2) return objects;
  for (const o of objects) {
    if (o.isEvent || o.name === 'Organization') continue;
    const readOnly = o.name === 'OpportunityLineItem' ? { createable: false, updateable: false } : o.name === 'PricebookEntry' ? { updateable: false } : {};
    addField(o, currencyPicklist('CurrencyIsoCode', currencies, readOnly));
  }
  const user = objects.find((o) => o.name === 'User');
  if (user !== undefined) addField(user, currencyPicklist('DefaultCurrencyIsoCode', currencies, { label: 'User Currency' }));
  return [...objects, currencyTypeObject(currencies)];
}
