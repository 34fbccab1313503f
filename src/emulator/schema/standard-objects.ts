// The standard objects the emulator knows, with the fields integrations usually touch. Field
// names, types, lengths and relationship names follow a real org's describe.
import { activityHistoryView, eventBehaviour, openActivityView, taskBehaviour } from './activities.ts';
import {
  makeField as f,
  makeObject,
  picklist,
  readField,
  type FieldDef,
  type ObjectBehaviour,
  type ObjectDef,
  type ObjectView,
  type RecordAccess,
  type RecordValues,
  type RuleError,
} from './types.ts';

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

const GEOCODE_ACCURACY = ['Address', 'NearAddress', 'Block', 'Street', 'ExtendedZip', 'Zip', 'Neighborhood', 'City', 'County', 'State', 'Unknown'];

/** A compound address as REST and SOQL return it: null when every part is empty. */
function addressOf(prefix: string) {
  return (r: RecordValues): unknown => {
    const part = (name: string): unknown => r[`${prefix}${name}`] ?? null;
    const value = {
      city: part('City'),
      country: part('Country'),
      geocodeAccuracy: part('GeocodeAccuracy'),
      latitude: part('Latitude'),
      longitude: part('Longitude'),
      postalCode: part('PostalCode'),
      state: part('State'),
      street: part('Street'),
    };
    return Object.values(value).every((v) => v === null) ? null : value;
  };
}

/**
 * An address's parts and its read-only compound field (BillingAddress), which is built from the
 * parts when read; `label` prefixes the parts' labels as the org does (Billing City, Mailing City).
 */
function address(prefix: string, label: string): FieldDef[] {
  const compound = `${prefix}Address`;
  const named = (part: string): string => (label === '' ? part : `${label} ${part}`);
  const part = { compoundFieldName: compound };
  const coordinate = { ...part, precision: 18, scale: 15 };
  return [
    f(`${prefix}Street`, 'textarea', { ...part, length: 255, label: named('Street'), extraTypeInfo: 'plaintextarea' }),
    f(`${prefix}City`, 'string', { ...part, length: 40, label: named('City') }),
    f(`${prefix}State`, 'string', { ...part, length: 80, label: named('State/Province') }),
    f(`${prefix}PostalCode`, 'string', { ...part, length: 20, label: named('Zip/Postal Code') }),
    f(`${prefix}Country`, 'string', { ...part, length: 80, label: named('Country') }),
    f(`${prefix}Latitude`, 'double', { ...coordinate, label: named('Latitude') }),
    f(`${prefix}Longitude`, 'double', { ...coordinate, label: named('Longitude') }),
    f(`${prefix}GeocodeAccuracy`, 'picklist', { ...part, length: 40, label: named('Geocode Accuracy'), restrictedPicklist: true, picklistValues: picklist(GEOCODE_ACCURACY) }),
    f(compound, 'address', { label: named('Address'), createable: false, updateable: false, derive: addressOf(prefix) }),
  ];
}

/** First and last name parts of a person's compound Name (salutation too where the object has one). */
function personName(options: { salutation: boolean; middle?: boolean }): FieldDef[] {
  const part = { compoundFieldName: 'Name' };
  return [
    ...(options.salutation ? [f('Salutation', 'picklist', { ...part, picklistValues: picklist(['Mr.', 'Ms.', 'Mrs.', 'Dr.', 'Prof.', 'Mx.']) })] : []),
    f('FirstName', 'string', { ...part, length: 40, label: 'First Name' }),
    ...(options.middle === true ? [f('MiddleName', 'string', { ...part, length: 40, label: 'Middle Name' }), f('Suffix', 'string', { ...part, length: 40 })] : []),
    f('LastName', 'string', { ...part, length: 80, nillable: false, label: 'Last Name' }),
    f('Name', 'string', { length: 121, label: 'Full Name', calculated: true, createable: false, updateable: false, nameField: true, extraTypeInfo: 'personname', compute: nameOf('FirstName', 'LastName') }),
  ];
}

/** Fields Salesforce maintains itself on records users view: read-only dates. */
function viewedDates(options: { activity: boolean }): FieldDef[] {
  const readOnly = { createable: false, updateable: false };
  return [
    ...(options.activity ? [f('LastActivityDate', 'date', { ...readOnly, label: 'Last Activity' })] : []),
    f('LastViewedDate', 'datetime', { ...readOnly, label: 'Last Viewed Date' }),
    f('LastReferencedDate', 'datetime', { ...readOnly, label: 'Last Referenced Date' }),
  ];
}

/** Data.com (Jigsaw) fields of accounts, contacts and leads. */
function dataCom(idField: string, idLabel: string): FieldDef[] {
  return [
    f('Jigsaw', 'string', { length: 20, label: 'Data.com Key' }),
    f(idField, 'string', { length: 20, label: idLabel, createable: false, updateable: false }),
    f('CleanStatus', 'picklist', {
      label: 'Clean Status',
      length: 40,
      picklistValues: [
        ['Matched', 'In Sync'],
        ['Different', 'Different'],
        ['Acknowledged', 'Reviewed'],
        ['NotFound', 'Not Found'],
        ['Inactive', 'Inactive'],
        ['Pending', 'Not Compared'],
        ['SelectMatch', 'Select Match'],
        ['Skipped', 'Skipped'],
      ].map(([value, label]) => ({ value: value ?? '', label: label ?? '', active: true, defaultValue: false })),
    }),
  ];
}

function masterRecord(objectName: string): FieldDef {
  return f('MasterRecordId', 'reference', { label: 'Master Record ID', referenceTo: [objectName], relationshipName: 'MasterRecord', createable: false, updateable: false });
}

const INDUSTRIES = [
  'Agriculture', 'Apparel', 'Banking', 'Biotechnology', 'Chemicals', 'Communications', 'Construction', 'Consulting', 'Education', 'Electronics', 'Energy',
  'Engineering', 'Entertainment', 'Environmental', 'Finance', 'Food & Beverage', 'Government', 'Healthcare', 'Hospitality', 'Insurance', 'Machinery',
  'Manufacturing', 'Media', 'Not For Profit', 'Recreation', 'Retail', 'Shipping', 'Technology', 'Telecommunications', 'Transportation', 'Utilities', 'Other',
];
const LEAD_SOURCES = ['Web', 'Phone Inquiry', 'Partner Referral', 'Purchased List', 'Other'];
const RATINGS = ['Hot', 'Warm', 'Cold'];

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
    if (typeof values['OpportunityId'] === 'string') org.setDerived('Opportunity', values['OpportunityId'], { HasOpportunityLineItem: true });
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

/** A converted lead is read-only for every API (its conversion fields are set as it is converted). */
const leadBehaviour: ObjectBehaviour = {
  validate: (_values, before) =>
    before?.['IsConverted'] === true ? [{ statusCode: 'CANNOT_UPDATE_CONVERTED_LEAD', message: 'cannot reference converted lead', fields: [] }] : [],
};

/**
 * A case gets its ClosedDate when it closes, and loses it when it is reopened; ContactPhone,
 * ContactEmail ... are its contact's, read when the case is saved.
 */
const caseBehaviour: ObjectBehaviour = {
  onSave: (values, before, stamp, org) => {
    if (values['IsClosed'] !== true) values['ClosedDate'] = null;
    else if (before?.['IsClosed'] !== true || before['ClosedDate'] === null) values['ClosedDate'] = stamp;
    const contact = typeof values['ContactId'] === 'string' ? org.get(values['ContactId']) : undefined;
    values['ContactPhone'] = contact?.['Phone'] ?? null;
    values['ContactMobile'] = contact?.['MobilePhone'] ?? null;
    values['ContactEmail'] = contact?.['Email'] ?? null;
    values['ContactFax'] = contact?.['Fax'] ?? null;
  },
};

/** A standard object: system fields first, label from the name ("PushTopic" -> "Push Topic"). */
export function obj(name: string, keyPrefix: string, labelPlural: string, fields: FieldDef[], flags: Partial<ObjectDef> = {}): ObjectDef {
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

/** Opportunity stages of a Developer Edition org, with the probability and forecast category each sets. */
const STAGES: { stage: string; probability: number; forecast: string; closed: boolean }[] = [
  { stage: 'Prospecting', probability: 10, forecast: 'Pipeline', closed: false },
  { stage: 'Qualification', probability: 10, forecast: 'Pipeline', closed: false },
  { stage: 'Needs Analysis', probability: 20, forecast: 'Pipeline', closed: false },
  { stage: 'Value Proposition', probability: 50, forecast: 'Pipeline', closed: false },
  { stage: 'Id. Decision Makers', probability: 60, forecast: 'Pipeline', closed: false },
  { stage: 'Perception Analysis', probability: 70, forecast: 'Pipeline', closed: false },
  { stage: 'Proposal/Price Quote', probability: 75, forecast: 'Pipeline', closed: false },
  { stage: 'Negotiation/Review', probability: 90, forecast: 'Pipeline', closed: false },
  { stage: 'Closed Won', probability: 100, forecast: 'Closed', closed: true },
  { stage: 'Closed Lost', probability: 0, forecast: 'Omitted', closed: true },
];

/** ForecastCategoryName (the label an admin picks) -> ForecastCategory (the API value). */
const FORECAST_API: Record<string, string> = { Omitted: 'Omitted', Pipeline: 'Pipeline', 'Best Case': 'BestCase', Commit: 'Forecast', Closed: 'Closed' };

/** The calendar fiscal year and quarter of the close date (the org's fiscal year starts in January). */
function fiscalOf(r: RecordValues): { year: number; quarter: number } | undefined {
  const close = r['CloseDate'];
  if (typeof close !== 'string') return undefined;
  return { year: Number(close.slice(0, 4)), quarter: Math.floor((Number(close.slice(5, 7)) - 1) / 3) + 1 };
}

function fiscalPeriod(r: RecordValues): unknown {
  const fiscal = fiscalOf(r);
  return fiscal === undefined ? null : `${fiscal.year} ${fiscal.quarter}`;
}

/**
 * A stage sets the opportunity's probability and forecast category unless the same save gives its
 * own; ExpectedRevenue follows amount and probability; a stage change after creation is dated.
 */
const opportunityBehaviour: ObjectBehaviour = {
  onSave: (values, before, stamp) => {
    const stage = STAGES.find((s) => s.stage === values['StageName']);
    const stageMoved = values['StageName'] !== before?.['StageName'];
    const untouched = (field: string): boolean => (before === undefined ? values[field] === null : values[field] === before[field]);
    if (stage !== undefined && stageMoved) {
      if (untouched('Probability')) values['Probability'] = stage.probability;
      if (untouched('ForecastCategoryName')) values['ForecastCategoryName'] = stage.forecast;
    }
    if (stageMoved && before !== undefined) values['LastStageChangeDate'] = stamp;
    values['ForecastCategory'] = FORECAST_API[String(values['ForecastCategoryName'])] ?? null;
    const amount = values['Amount'];
    const probability = values['Probability'];
    values['ExpectedRevenue'] = typeof amount === 'number' && typeof probability === 'number' ? Math.round(amount * probability) / 100 : null;
  },
};

const TASK_STATUSES = ['Not Started', 'In Progress', 'Completed', 'Waiting on someone else', 'Deferred'];
const ACTIVITY_TYPES = ['Call', 'Email', 'Meeting', 'Other'];
/** Objects an activity's WhatId may name (those of the emulator's standard objects that allow activities). */
const WHAT_OBJECTS = ['Account', 'Case', 'Opportunity'];

// Deleting a contact, lead, account, opportunity or case deletes its activities with it (and
// an undelete brings them back), so Who and What cascade.
function who(childRelationshipName: string | null, extra: Partial<FieldDef> = {}): FieldDef {
  return f('WhoId', 'reference', { label: 'Name ID', referenceTo: ['Contact', 'Lead'], relationshipName: 'Who', childRelationshipName, cascadeDelete: true, ...extra });
}

function what(childRelationshipName: string | null, extra: Partial<FieldDef> = {}): FieldDef {
  return f('WhatId', 'reference', { label: 'Related To ID', referenceTo: WHAT_OBJECTS, relationshipName: 'What', childRelationshipName, cascadeDelete: true, ...extra });
}

function activityAccountField(childRelationshipName: string | null): FieldDef {
  return ref('AccountId', 'Account', 'Account', childRelationshipName, { label: 'Account ID', createable: false, updateable: false });
}

/** Fields Task and Event share (and ActivityHistory/OpenActivity show). */
function activityFields(): FieldDef[] {
  return [
    f('Subject', 'combobox', { length: 255 }),
    f('ActivityDate', 'date', { label: 'Due Date Only' }),
    f('Description', 'textarea', { length: 32000 }),
    f('Type', 'picklist', { picklistValues: picklist(ACTIVITY_TYPES) }),
    { ...owner(), label: 'Assigned To ID' },
    f('ReminderDateTime', 'datetime', { label: 'Reminder Date/Time' }),
    f('IsReminderSet', 'boolean', { label: 'Reminder Set' }),
    f('IsArchived', 'boolean', { label: 'Archived', createable: false, updateable: false }),
    f('IsRecurrence', 'boolean', { label: 'Create Recurring Series' }),
  ];
}

function taskObject(): ObjectDef {
  return obj('Task', '00T', 'Tasks', [
    who('Tasks'),
    what('Tasks'),
    activityAccountField(null),
    ...activityFields(),
    f('Status', 'picklist', { nillable: false, defaultedOnCreate: true, defaultValue: 'Not Started', picklistValues: picklist(TASK_STATUSES, 'Not Started') }),
    f('Priority', 'picklist', { nillable: false, defaultedOnCreate: true, defaultValue: 'Normal', picklistValues: picklist(['High', 'Normal', 'Low'], 'Normal') }),
    f('IsHighPriority', 'boolean', { label: 'High Priority', createable: false, updateable: false, calculated: true, compute: (r) => r['Priority'] === 'High' }),
    f('IsClosed', 'boolean', { label: 'Closed', createable: false, updateable: false, calculated: true, compute: (r) => r['Status'] === 'Completed' }),
    f('CompletedDateTime', 'datetime', { label: 'Completed Date/Time', createable: false, updateable: false }),
    f('CallDurationInSeconds', 'int', { label: 'Call Duration', digits: 8 }),
    f('CallType', 'picklist', { label: 'Call Type', restrictedPicklist: true, picklistValues: picklist(['Internal', 'Inbound', 'Outbound']) }),
    f('CallDisposition', 'string', { label: 'Call Result' }),
    f('CallObject', 'string', { label: 'Call Object Identifier' }),
    f('TaskSubtype', 'picklist', {
      label: 'Task Subtype',
      updateable: false,
      defaultedOnCreate: true,
      defaultValue: 'Task',
      restrictedPicklist: true,
      picklistValues: picklist(['Task', 'Email', 'ListEmail', 'Cadence', 'Call', 'LinkedIn'], 'Task'),
    }),
  ], { behaviour: taskBehaviour });
}

function eventObject(): ObjectDef {
  const readOnly = { createable: false, updateable: false };
  return obj('Event', '00U', 'Events', [
    who('Events'),
    what('Events'),
    activityAccountField(null),
    ...activityFields(),
    f('Location', 'string'),
    f('IsAllDayEvent', 'boolean', { label: 'All-Day Event' }),
    f('ActivityDateTime', 'datetime', { label: 'Due Date Time' }),
    f('DurationInMinutes', 'int', { label: 'Duration', digits: 8 }),
    f('StartDateTime', 'datetime', { label: 'Start Date Time' }),
    f('EndDateTime', 'datetime', { label: 'End Date Time' }),
    f('EndDate', 'date', { label: 'End', ...readOnly }),
    f('IsPrivate', 'boolean', { label: 'Private' }),
    f('ShowAs', 'picklist', { label: 'Show Time As', defaultedOnCreate: true, defaultValue: 'Busy', restrictedPicklist: true, picklistValues: picklist(['Busy', 'OutOfOffice', 'Free'], 'Busy') }),
    f('IsChild', 'boolean', { label: 'Is Child', ...readOnly }),
    f('IsGroupEvent', 'boolean', { label: 'Group Event', ...readOnly }),
    f('IsVisibleInSelfService', 'boolean', { label: 'Visible in Self-Service' }),
    f('EventSubtype', 'picklist', { label: 'Event Subtype', updateable: false, defaultedOnCreate: true, defaultValue: 'Event', restrictedPicklist: true, picklistValues: picklist(['Event'], 'Event') }),
  ], { behaviour: eventBehaviour });
}

/**
 * ActivityHistory / OpenActivity: read-only, no key prefix of their own (rows keep their task's or
 * event's id), reached from Account (through AccountId), Contact and Lead (WhoId), Opportunity and
 * Case (WhatId) as ActivityHistories / OpenActivities.
 */
function activityViewObject(name: string, labelPlural: string, relationship: string, view: ObjectView): ObjectDef {
  const readOnly = (field: FieldDef): FieldDef => ({ ...field, createable: false, updateable: false });
  const fields = [
    activityAccountField(relationship),
    who(relationship),
    what(relationship),
    ...activityFields(),
    f('Status', 'picklist', { picklistValues: picklist(TASK_STATUSES) }),
    f('Priority', 'picklist', { picklistValues: picklist(['High', 'Normal', 'Low']) }),
    f('IsHighPriority', 'boolean', { label: 'High Priority' }),
    f('IsTask', 'boolean', { label: 'Task' }),
    f('IsClosed', 'boolean', { label: 'Closed' }),
    f('ActivityType', 'picklist', { label: 'Type', picklistValues: picklist(ACTIVITY_TYPES) }),
    f('ActivitySubtype', 'picklist', { label: 'Activity Subtype', picklistValues: picklist(['Task', 'Email', 'ListEmail', 'Cadence', 'Call', 'Event', 'LinkedIn']) }),
    f('Location', 'string'),
    f('IsAllDayEvent', 'boolean', { label: 'All-Day Event' }),
    f('DurationInMinutes', 'int', { label: 'Duration', digits: 8 }),
    f('StartDateTime', 'datetime', { label: 'Start Date Time' }),
    f('EndDateTime', 'datetime', { label: 'End Date Time' }),
    f('ShowAs', 'picklist', { label: 'Show Time As', picklistValues: picklist(['Busy', 'OutOfOffice', 'Free']) }),
    f('IsVisibleInSelfService', 'boolean', { label: 'Visible in Self-Service' }),
    f('CallDurationInSeconds', 'int', { label: 'Call Duration', digits: 8 }),
    f('CallType', 'picklist', { label: 'Call Type', picklistValues: picklist(['Internal', 'Inbound', 'Outbound']) }),
    f('CallDisposition', 'string', { label: 'Call Result' }),
    f('CallObject', 'string', { label: 'Call Object Identifier' }),
  ].map(readOnly);
  return obj(name, '', labelPlural, fields, { createable: false, updateable: false, deletable: false, view });
}

function activityObjects(): ObjectDef[] {
  return [
    taskObject(),
    eventObject(),
    activityViewObject('ActivityHistory', 'Activity Histories', 'ActivityHistories', activityHistoryView),
    activityViewObject('OpenActivity', 'Open Activities', 'OpenActivities', openActivityView),
  ];
}

/**
 * Salesforce's Name object: what a polymorphic relationship (Task.What, Task.Who) reaches in SOQL.
 * Its fields read the record the lookup names, whatever its object: Name is that object's name
 * field (a case's CaseNumber), Type the object's name.
 */
export function polymorphicNameObject(objectOf: (id: string) => ObjectDef | undefined): ObjectDef {
  const target = (r: RecordValues): ObjectDef | undefined => (typeof r['Id'] === 'string' ? objectOf(r['Id']) : undefined);
  const readOnly = { createable: false, updateable: false };
  const nameOfTarget = (r: RecordValues): unknown => {
    const nameField = target(r)?.fields.find((field) => field.nameField);
    return nameField === undefined ? null : (readField(nameField, r) ?? null);
  };
  return makeObject({
    name: 'Name',
    label: 'Name',
    labelPlural: 'Names',
    keyPrefix: '',
    custom: false,
    createable: false,
    updateable: false,
    deletable: false,
    queryable: false,
    isEvent: false,
    fields: [
      f('Id', 'id', { label: 'ID', ...readOnly }),
      f('Name', 'string', { ...readOnly, nameField: true, derive: nameOfTarget }),
      f('Type', 'string', { ...readOnly, length: 40, derive: (r) => target(r)?.name ?? null }),
      f('Alias', 'string', { ...readOnly, length: 8 }),
      f('FirstName', 'string', { ...readOnly, length: 40, label: 'First Name' }),
      f('LastName', 'string', { ...readOnly, length: 80, label: 'Last Name' }),
      f('Email', 'email', readOnly),
      f('Phone', 'phone', { ...readOnly, length: 40 }),
      f('Title', 'string', { ...readOnly, length: 80 }),
      f('Username', 'string', { ...readOnly, length: 80 }),
      f('IsActive', 'boolean', { ...readOnly, label: 'Active' }),
      f('UserRoleId', 'reference', { ...readOnly, label: 'Role ID', referenceTo: ['UserRole'] }),
      f('ProfileId', 'reference', { ...readOnly, label: 'Profile ID', referenceTo: ['Profile'] }),
      f('LastViewedDate', 'datetime', readOnly),
      f('LastReferencedDate', 'datetime', readOnly),
    ],
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
      ...personName({ salutation: false, middle: true }),
      f('CompanyName', 'string', { length: 80, label: 'Company Name' }),
      f('Division', 'string', { length: 80 }),
      f('Department', 'string', { length: 80 }),
      f('Title', 'string', { length: 80 }),
      ...address('', ''),
      f('Email', 'email', { length: 128, nillable: false }),
      f('SenderEmail', 'email', { length: 80, label: 'Email Sender Address' }),
      f('SenderName', 'string', { length: 80, label: 'Email Sender Name' }),
      f('Signature', 'textarea', { length: 1333, label: 'Email Signature' }),
      f('Phone', 'phone', { length: 40 }),
      f('Fax', 'phone', { length: 40 }),
      f('MobilePhone', 'phone', { length: 40, label: 'Mobile' }),
      f('Extension', 'phone', { length: 40 }),
      f('Alias', 'string', { length: 8, nillable: false }),
      f('CommunityNickname', 'string', { length: 40, label: 'Nickname' }),
      f('IsActive', 'boolean', { defaultValue: true, label: 'Active' }),
      f('UserType', 'picklist', { picklistValues: picklist(['Standard'], 'Standard'), createable: false, updateable: false, defaultedOnCreate: true, defaultValue: 'Standard' }),
      f('TimeZoneSidKey', 'picklist', { picklistValues: picklist(['GMT', 'America/Los_Angeles'], 'GMT'), defaultValue: 'GMT', defaultedOnCreate: true }),
      f('LocaleSidKey', 'picklist', { picklistValues: picklist(['en_US'], 'en_US'), defaultValue: 'en_US', defaultedOnCreate: true }),
      f('LanguageLocaleKey', 'picklist', { picklistValues: picklist(['en_US'], 'en_US'), defaultValue: 'en_US', defaultedOnCreate: true }),
      f('EmailEncodingKey', 'picklist', { picklistValues: picklist(['UTF-8'], 'UTF-8'), defaultValue: 'UTF-8', defaultedOnCreate: true }),
      // Profiles and roles are not modelled: the lookups exist and stay empty unless set.
      f('ProfileId', 'reference', { label: 'Profile ID', referenceTo: ['Profile'], relationshipName: 'Profile' }),
      f('UserRoleId', 'reference', { label: 'Role ID', referenceTo: ['UserRole'], relationshipName: 'UserRole' }),
      ref('ManagerId', 'User', 'Manager', 'ManagedUsers', { label: 'Manager ID' }),
      f('DelegatedApproverId', 'reference', { label: 'Delegated Approver ID', referenceTo: ['Group', 'User'] }),
      f('EmployeeNumber', 'string', { length: 20, label: 'Employee Number' }),
      f('FederationIdentifier', 'string', { length: 512, label: 'SAML Federation ID' }),
      f('AboutMe', 'textarea', { length: 1000, label: 'About Me' }),
      f('ReceivesInfoEmails', 'boolean', { label: 'Info Emails' }),
      f('ReceivesAdminInfoEmails', 'boolean', { label: 'Admin Info Emails' }),
      f('LastLoginDate', 'datetime', { label: 'Last Login', createable: false, updateable: false }),
      f('LastPasswordChangeDate', 'datetime', { label: 'Last Password Change or Reset', createable: false, updateable: false }),
      f('FullPhotoUrl', 'url', { length: 1024, label: 'Url for full-sized Photo', createable: false, updateable: false }),
      f('MediumPhotoUrl', 'url', { length: 1024, label: 'Url for medium profile photo', createable: false, updateable: false }),
      f('SmallPhotoUrl', 'url', { length: 1024, label: 'Photo', createable: false, updateable: false }),
      f('IsProfilePhotoActive', 'boolean', { label: 'Has Profile Photo', createable: false, updateable: false }),
      ...viewedDates({ activity: false }),
    ]),
    obj('Account', '001', 'Accounts', [
      masterRecord('Account'),
      f('Name', 'string', { label: 'Account Name', nillable: false, nameField: true }),
      f('Type', 'picklist', {
        label: 'Account Type',
        picklistValues: picklist(['Prospect', 'Customer - Direct', 'Customer - Channel', 'Channel Partner / Reseller', 'Installation Partner', 'Technology Partner', 'Other']),
      }),
      ref('ParentId', 'Account', 'Parent', 'ChildAccounts', { label: 'Parent Account ID' }),
      ...address('Billing', 'Billing'),
      ...address('Shipping', 'Shipping'),
      f('Phone', 'phone', { length: 40, label: 'Account Phone' }),
      f('Fax', 'phone', { length: 40, label: 'Account Fax' }),
      f('AccountNumber', 'string', { length: 40, label: 'Account Number' }),
      f('Website', 'url'),
      f('PhotoUrl', 'url', { label: 'Photo URL', createable: false, updateable: false }),
      f('Sic', 'string', { length: 20, label: 'SIC Code' }),
      f('Industry', 'picklist', { picklistValues: picklist(INDUSTRIES) }),
      f('AnnualRevenue', 'currency', { label: 'Annual Revenue', scale: 0 }),
      f('NumberOfEmployees', 'int', { digits: 8, label: 'Employees' }),
      f('Ownership', 'picklist', { picklistValues: picklist(['Public', 'Private', 'Subsidiary', 'Other']) }),
      f('TickerSymbol', 'string', { length: 20, label: 'Ticker Symbol' }),
      f('Description', 'textarea', { length: 32000, label: 'Account Description' }),
      f('Rating', 'picklist', { label: 'Account Rating', picklistValues: picklist(RATINGS) }),
      f('Site', 'string', { length: 80, label: 'Account Site' }),
      owner(),
      ...viewedDates({ activity: true }),
      ...dataCom('JigsawCompanyId', 'Jigsaw Company ID'),
      f('AccountSource', 'picklist', { label: 'Account Source', picklistValues: picklist(LEAD_SOURCES) }),
      f('DunsNumber', 'string', { length: 9, label: 'D-U-N-S Number' }),
      f('Tradestyle', 'string', { length: 255 }),
      f('NaicsCode', 'string', { length: 8, label: 'NAICS Code' }),
      f('NaicsDesc', 'string', { length: 120, label: 'NAICS Description' }),
      f('YearStarted', 'string', { length: 4, label: 'Year Started' }),
      f('SicDesc', 'string', { length: 80, label: 'SIC Description' }),
      f('DandbCompanyId', 'reference', { label: 'D&B Company ID', referenceTo: ['DandBCompany'], relationshipName: 'DandbCompany' }),
    ]),
    obj('Contact', '003', 'Contacts', [
      masterRecord('Contact'),
      // Deleting an account deletes its contacts, opportunities and cases in Salesforce.
      ref('AccountId', 'Account', 'Account', 'Contacts', { cascadeDelete: true, label: 'Account ID' }),
      ...personName({ salutation: true }),
      ...address('Other', 'Other'),
      ...address('Mailing', 'Mailing'),
      f('Phone', 'phone', { length: 40, label: 'Business Phone' }),
      f('Fax', 'phone', { length: 40, label: 'Business Fax' }),
      f('MobilePhone', 'phone', { length: 40, label: 'Mobile Phone' }),
      f('HomePhone', 'phone', { length: 40, label: 'Home Phone' }),
      f('OtherPhone', 'phone', { length: 40, label: 'Other Phone' }),
      f('AssistantPhone', 'phone', { length: 40, label: 'Asst. Phone' }),
      ref('ReportsToId', 'Contact', 'ReportsTo', null, { label: 'Reports To ID' }),
      f('Email', 'email'),
      f('Title', 'string', { length: 128 }),
      f('Department', 'string', { length: 80 }),
      f('AssistantName', 'string', { length: 40, label: "Assistant's Name" }),
      f('LeadSource', 'picklist', { label: 'Lead Source', picklistValues: picklist(LEAD_SOURCES) }),
      f('Birthdate', 'date'),
      f('Description', 'textarea', { length: 32000, label: 'Contact Description' }),
      owner(),
      ...viewedDates({ activity: true }),
      f('LastCURequestDate', 'datetime', { label: 'Last Stay-in-Touch Request Date', createable: false, updateable: false }),
      f('LastCUUpdateDate', 'datetime', { label: 'Last Stay-in-Touch Save Date', createable: false, updateable: false }),
      f('EmailBouncedReason', 'string', { length: 255, label: 'Email Bounced Reason' }),
      f('EmailBouncedDate', 'datetime', { label: 'Email Bounced Date' }),
      f('IsEmailBounced', 'boolean', { label: 'Is Email Bounced', createable: false, updateable: false }),
      f('PhotoUrl', 'url', { label: 'Photo URL', createable: false, updateable: false }),
      ...dataCom('JigsawContactId', 'Jigsaw Contact ID'),
      f('IndividualId', 'reference', { label: 'Individual ID', referenceTo: ['Individual'], relationshipName: 'Individual' }),
    ]),
    obj('Lead', '00Q', 'Leads', [
      masterRecord('Lead'),
      ...personName({ salutation: true }),
      f('Title', 'string', { length: 128 }),
      f('Company', 'string', { nillable: false }),
      ...address('', ''),
      f('Phone', 'phone', { length: 40 }),
      f('MobilePhone', 'phone', { length: 40, label: 'Mobile Phone' }),
      f('Fax', 'phone', { length: 40 }),
      f('Email', 'email'),
      f('Website', 'url'),
      f('PhotoUrl', 'url', { label: 'Photo URL', createable: false, updateable: false }),
      f('Description', 'textarea', { length: 32000 }),
      f('LeadSource', 'picklist', { label: 'Lead Source', picklistValues: picklist(LEAD_SOURCES) }),
      f('Status', 'picklist', {
        nillable: false,
        defaultedOnCreate: true,
        defaultValue: 'Open - Not Contacted',
        picklistValues: picklist(['Open - Not Contacted', 'Working - Contacted', 'Closed - Converted', 'Closed - Not Converted'], 'Open - Not Contacted'),
      }),
      f('Industry', 'picklist', { picklistValues: picklist(INDUSTRIES) }),
      f('Rating', 'picklist', { picklistValues: picklist(RATINGS) }),
      f('AnnualRevenue', 'currency', { label: 'Annual Revenue', scale: 0 }),
      f('NumberOfEmployees', 'int', { digits: 8, label: 'Employees' }),
      owner(),
      f('IsConverted', 'boolean', { label: 'Converted', updateable: false }),
      f('ConvertedDate', 'date', { label: 'Converted Date', createable: false, updateable: false }),
      ref('ConvertedAccountId', 'Account', 'ConvertedAccount', null, { label: 'Converted Account ID', createable: false, updateable: false }),
      ref('ConvertedContactId', 'Contact', 'ConvertedContact', null, { label: 'Converted Contact ID', createable: false, updateable: false }),
      ref('ConvertedOpportunityId', 'Opportunity', 'ConvertedOpportunity', null, { label: 'Converted Opportunity ID', createable: false, updateable: false }),
      f('IsUnreadByOwner', 'boolean', { label: 'Unread By Owner' }),
      ...viewedDates({ activity: true }),
      ...dataCom('JigsawContactId', 'Jigsaw Contact ID'),
      f('CompanyDunsNumber', 'string', { length: 9, label: 'Company D-U-N-S Number' }),
      f('DandbCompanyId', 'reference', { label: 'D&B Company ID', referenceTo: ['DandBCompany'], relationshipName: 'DandbCompany' }),
      f('EmailBouncedReason', 'string', { length: 255, label: 'Email Bounced Reason' }),
      f('EmailBouncedDate', 'datetime', { label: 'Email Bounced Date' }),
      f('IndividualId', 'reference', { label: 'Individual ID', referenceTo: ['Individual'], relationshipName: 'Individual' }),
    ], { behaviour: leadBehaviour }),
    obj('Opportunity', '006', 'Opportunities', [
      ref('AccountId', 'Account', 'Account', 'Opportunities', { cascadeDelete: true, label: 'Account ID' }),
      f('IsPrivate', 'boolean', { label: 'Private' }),
      f('Name', 'string', { length: 120, nillable: false, nameField: true }),
      f('Description', 'textarea', { length: 32000 }),
      f('StageName', 'picklist', { label: 'Stage', nillable: false, picklistValues: picklist(STAGES.map((s) => s.stage)) }),
      f('Amount', 'currency'),
      f('Probability', 'percent', { label: 'Probability (%)', precision: 3, scale: 0 }),
      f('ExpectedRevenue', 'currency', { label: 'Expected Amount', calculated: true, createable: false, updateable: false }),
      f('TotalOpportunityQuantity', 'double', { label: 'Quantity', precision: 18, scale: 2 }),
      f('CloseDate', 'date', { nillable: false, label: 'Close Date' }),
      f('Type', 'picklist', { label: 'Opportunity Type', picklistValues: picklist(['Existing Customer - Upgrade', 'Existing Customer - Replacement', 'Existing Customer - Downgrade', 'New Customer']) }),
      f('NextStep', 'string', { label: 'Next Step' }),
      f('LeadSource', 'picklist', { label: 'Lead Source', picklistValues: picklist(LEAD_SOURCES) }),
      f('IsClosed', 'boolean', { label: 'Closed', createable: false, updateable: false, calculated: true, compute: (r) => STAGES.find((s) => s.stage === r['StageName'])?.closed ?? (typeof r['StageName'] === 'string' && r['StageName'].startsWith('Closed')) }),
      f('IsWon', 'boolean', { label: 'Won', createable: false, updateable: false, calculated: true, compute: (r) => r['StageName'] === 'Closed Won' }),
      f('ForecastCategory', 'picklist', {
        label: 'Forecast Category',
        createable: false,
        updateable: false,
        defaultedOnCreate: true,
        picklistValues: [['Omitted', 'Omitted'], ['Pipeline', 'Pipeline'], ['BestCase', 'Best Case'], ['Forecast', 'Commit'], ['Closed', 'Closed']].map(([value, label]) => ({ value: value ?? '', label: label ?? '', active: true, defaultValue: false })),
      }),
      f('ForecastCategoryName', 'picklist', { label: 'Forecast Category', defaultedOnCreate: true, picklistValues: picklist(Object.keys(FORECAST_API)) }),
      f('CampaignId', 'reference', { label: 'Campaign ID', referenceTo: ['Campaign'], relationshipName: 'Campaign' }),
      f('HasOpportunityLineItem', 'boolean', { label: 'Has Line Item', createable: false, updateable: false, defaultedOnCreate: true }),
      ref('Pricebook2Id', 'Pricebook2', 'Pricebook2', 'Opportunities', { label: 'Price Book ID' }),
      owner(),
      ...viewedDates({ activity: true }),
      f('FiscalQuarter', 'int', { label: 'Fiscal Quarter', digits: 9, calculated: true, createable: false, updateable: false, compute: (r) => fiscalOf(r)?.quarter ?? null }),
      f('FiscalYear', 'int', { label: 'Fiscal Year', digits: 9, calculated: true, createable: false, updateable: false, compute: (r) => fiscalOf(r)?.year ?? null }),
      f('Fiscal', 'string', { length: 6, label: 'Fiscal Period', calculated: true, createable: false, updateable: false, compute: fiscalPeriod }),
      ref('ContactId', 'Contact', 'Contact', 'Opportunities', { label: 'Contact ID' }),
      f('LastStageChangeDate', 'datetime', { label: 'Last Stage Change Date', createable: false, updateable: false }),
      f('HasOpenActivity', 'boolean', { label: 'Has Open Activity', createable: false, updateable: false }),
      f('HasOverdueTask', 'boolean', { label: 'Has Overdue Task', createable: false, updateable: false }),
    ], { behaviour: opportunityBehaviour }),
    obj('Product2', '01t', 'Products', [
      f('Name', 'string', { nillable: false, nameField: true, label: 'Product Name' }),
      f('ProductCode', 'string', { label: 'Product Code' }),
      f('Description', 'textarea', { length: 4000, label: 'Product Description' }),
      f('IsActive', 'boolean', { label: 'Active' }),
      f('Family', 'picklist', { label: 'Product Family', picklistValues: picklist(['None', 'Subscription', 'Usage', 'Services']) }),
      f('IsArchived', 'boolean', { label: 'Archived', createable: false, updateable: false }),
      f('DisplayUrl', 'url', { length: 1000, label: 'Display URL' }),
      f('QuantityUnitOfMeasure', 'picklist', { label: 'Quantity Unit Of Measure', picklistValues: picklist(['Each', 'Hour', 'GB']) }),
      f('StockKeepingUnit', 'string', { length: 180, label: 'Product SKU' }),
      f('ExternalId', 'string', { label: 'External ID', externalId: true, idLookup: true }),
      f('CanUseQuantitySchedule', 'boolean', { label: 'Quantity Schedule Enabled' }),
      f('QuantityScheduleType', 'picklist', { label: 'Quantity Schedule Type', picklistValues: picklist(['Divide', 'Repeat']) }),
      f('QuantityInstallmentPeriod', 'picklist', { label: 'Quantity Installment Period', picklistValues: picklist(INSTALLMENT_PERIODS) }),
      f('NumberOfQuantityInstallments', 'int', { label: 'Number Of Quantity Installments', digits: 3 }),
      f('CanUseRevenueSchedule', 'boolean', { label: 'Revenue Schedule Enabled' }),
      f('RevenueScheduleType', 'picklist', { label: 'Revenue Schedule Type', picklistValues: picklist(['Divide', 'Repeat']) }),
      f('RevenueInstallmentPeriod', 'picklist', { label: 'Revenue Installment Period', picklistValues: picklist(INSTALLMENT_PERIODS) }),
      f('NumberOfRevenueInstallments', 'int', { label: 'Number Of Revenue Installments', digits: 3 }),
      ...viewedDates({ activity: false }),
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
      masterRecord('Case'),
      f('CaseNumber', 'string', { label: 'Case Number', length: 30, autoNumber: true, createable: false, updateable: false, defaultedOnCreate: true, nillable: false, nameField: true, autoNumberFormat: '{00000000}' }),
      ref('ContactId', 'Contact', 'Contact', 'Cases', { label: 'Contact ID' }),
      ref('AccountId', 'Account', 'Account', 'Cases', { cascadeDelete: true, label: 'Account ID' }),
      ref('ParentId', 'Case', 'Parent', 'Cases', { label: 'Parent Case ID' }),
      f('SuppliedName', 'string', { length: 80, label: 'Name' }),
      f('SuppliedEmail', 'email', { label: 'Email Address' }),
      f('SuppliedPhone', 'string', { length: 40, label: 'Phone' }),
      f('SuppliedCompany', 'string', { length: 80, label: 'Company' }),
      f('Type', 'picklist', { label: 'Case Type', picklistValues: picklist(['Mechanical', 'Electrical', 'Electronic', 'Structural', 'Other']) }),
      f('Status', 'picklist', {
        nillable: false,
        defaultedOnCreate: true,
        defaultValue: 'New',
        picklistValues: picklist(['New', 'Working', 'Escalated', 'Closed'], 'New'),
      }),
      f('Reason', 'picklist', { label: 'Case Reason', picklistValues: picklist(['Installation', 'Equipment Complexity', 'Performance', 'Breakdown', 'Equipment Design', 'Feedback', 'Other']) }),
      f('Origin', 'picklist', { label: 'Case Origin', picklistValues: picklist(['Phone', 'Email', 'Web']) }),
      f('Subject', 'string'),
      f('Priority', 'picklist', { defaultedOnCreate: true, defaultValue: 'Medium', picklistValues: picklist(['High', 'Medium', 'Low'], 'Medium') }),
      f('Description', 'textarea', { length: 32000 }),
      f('IsClosed', 'boolean', { label: 'Closed', createable: false, updateable: false, calculated: true, compute: (r) => r['Status'] === 'Closed' }),
      f('ClosedDate', 'datetime', { label: 'Closed Date', createable: false, updateable: false }),
      f('IsEscalated', 'boolean', { label: 'Escalated' }),
      owner(),
      f('ContactPhone', 'phone', { length: 40, label: 'Contact Phone', createable: false, updateable: false }),
      f('ContactMobile', 'phone', { length: 40, label: 'Contact Mobile', createable: false, updateable: false }),
      f('ContactEmail', 'email', { label: 'Contact Email', createable: false, updateable: false }),
      f('ContactFax', 'phone', { length: 40, label: 'Contact Fax', createable: false, updateable: false }),
      f('Comments', 'textarea', { length: 4000, label: 'Internal Comments' }),
      ...viewedDates({ activity: false }),
    ], { behaviour: caseBehaviour }),
    ...activityObjects(),
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
