import type { StoredRecord } from '../../platform/index.ts';
import type { EntityType } from '../types.ts';

/**
 * Where each entity type goes in Salesforce and how its fields map (documented in
 * docs/salesforce.md). Every object is upserted by its external id `Ferry_Id__c`, which holds the
 * Ferry id, so a delivery can be repeated any number of times without duplicating a record.
 */
export const EXTERNAL_ID_FIELD = 'Ferry_Id__c';

/** What the mapper needs resolved beforehand: Salesforce ids of referenced records. */
export interface MappingContext {
  accountSalesforceId: string | null;
  /** Salesforce ids of other referenced records by Ferry id (e.g. a commitment's contract). */
  salesforceIdOf: (entity: string, ferryId: string) => string | null;
}

export interface ChildSpec {
  /** The Ferry entity whose records are children, or 'lineItems' for the bill's embedded items. */
  object: string;
  /** The lookup / master-detail field pointing at the parent. */
  parentField: string;
}

export interface ObjectMapping {
  entity: string;
  object: string;
  /** Whether the record needs the Salesforce Account of its account resolved first. */
  needsAccount: boolean;
  map(record: StoredRecord, context: MappingContext): Record<string, unknown>;
}

// Ferry keeps amounts as exact decimal strings. They travel as those strings, never through a
// JavaScript number (exact to about 15 significant digits only): Salesforce reads a numeric field
// from a JSON string, and Bulk API's CSV is text anyway.
const decimal = (value: unknown) => (typeof value === 'string' && value !== '' ? value : null);
const str = (value: unknown) => (typeof value === 'string' ? value : null);

function street(address: unknown): string | null {
  if (typeof address !== 'object' || address === null) return null;
  const a = address as Record<string, string | undefined>;
  const lines = [a.line1, a.line2, a.line3, a.line4].filter((line): line is string => typeof line === 'string' && line !== '');
  return lines.length > 0 ? lines.join('\n') : null;
}

function addressPart(address: unknown, part: string): string | null {
  if (typeof address !== 'object' || address === null) return null;
  return str((address as Record<string, unknown>)[part]);
}

function phone(phones: unknown, type: string): string | null {
  if (!Array.isArray(phones)) return null;
  const found = (phones as { type: string; number: string }[]).find((p) => p.type === type);
  return found?.number ?? null;
}

export const ACCOUNT_MAPPING: ObjectMapping = {
  entity: 'accounts',
  object: 'Account',
  needsAccount: false,
  map: (r) => ({
    Name: r.name,
    AccountNumber: r.code,
    BillingStreet: street(r.address),
    BillingCity: addressPart(r.address, 'locality'),
    BillingState: addressPart(r.address, 'region'),
    BillingPostalCode: addressPart(r.address, 'postCode'),
    BillingCountry: addressPart(r.address, 'country'),
  }),
};

export const CONTACT_MAPPING: ObjectMapping = {
  entity: 'contacts',
  object: 'Contact',
  needsAccount: true,
  map: (r, c) => ({
    AccountId: c.accountSalesforceId,
    FirstName: str(r.firstName),
    LastName: r.lastName,
    Title: str(r.title),
    Email: str(r.email),
    Phone: phone(r.phones, 'WORK'),
    MobilePhone: phone(r.phones, 'MOBILE'),
  }),
};

export const CONTRACT_MAPPING: ObjectMapping = {
  entity: 'contracts',
  object: 'Ferry_Contract__c',
  needsAccount: true,
  map: (r, c) => ({
    Name: r.name,
    Account__c: c.accountSalesforceId,
    Code__c: r.code,
    Start_Date__c: r.startDate,
    End_Date__c: str(r.endDate),
    PO_Number__c: str(r.purchaseOrderNumber),
  }),
};

export const COMMITMENT_MAPPING: ObjectMapping = {
  entity: 'commitments',
  object: 'Ferry_Commitment__c',
  needsAccount: true,
  map: (r, c) => ({
    Name: `${String(r.currency)} ${String(r.amount)} ${String(r.startDate)}`,
    Account__c: c.accountSalesforceId,
    Contract__c: typeof r.contractId === 'string' ? c.salesforceIdOf('contracts', r.contractId) : null,
    Amount__c: decimal(r.amount),
    Ferry_Currency__c: r.currency,
    Start_Date__c: r.startDate,
    End_Date__c: r.endDate,
    Billing_Schedule__c: Array.isArray(r.billingSchedule)
      ? (r.billingSchedule as { date: string; amount: string }[]).map((e) => `${e.date}: ${e.amount}`).join('\n')
      : null,
  }),
};

export const BALANCE_MAPPING: ObjectMapping = {
  entity: 'balances',
  object: 'Ferry_Balance__c',
  needsAccount: true,
  map: (r, c) => ({
    Name: r.name,
    Account__c: c.accountSalesforceId,
    Code__c: r.code,
    Amount__c: decimal(r.amount),
    Ferry_Currency__c: r.currency,
    Start_Date__c: r.startDate,
    End_Date__c: str(r.endDate),
  }),
};

/** Balance transactions travel with their balance's integration, after the balances. */
export const BALANCE_TRANSACTION_MAPPING: ObjectMapping = {
  entity: 'balance-transactions',
  object: 'Ferry_Balance_Transaction__c',
  needsAccount: false,
  map: (r, c) => ({
    Balance__c: typeof r.balanceId === 'string' ? c.salesforceIdOf('balances', r.balanceId) : null,
    Amount__c: decimal(r.amount),
    Transaction_Type__c: r.type,
    Applied_At__c: r.appliedAt,
    Description__c: str(r.description),
  }),
};

export const BILL_MAPPING: ObjectMapping = {
  entity: 'bills',
  object: 'Ferry_Bill__c',
  needsAccount: true,
  map: (r, c) => ({
    Name: r.billNumber,
    Account__c: c.accountSalesforceId,
    Bill_Number__c: r.billNumber,
    Bill_Date__c: r.billDate,
    Period_Start__c: r.periodStart,
    Period_End__c: r.periodEnd,
    Due_Date__c: r.dueDate,
    Status__c: r.status,
    Approved__c: r.status === 'APPROVED',
    Ferry_Currency__c: r.currency,
    Total__c: decimal(r.total),
  }),
};

export const LINE_ITEM_OBJECT = 'Ferry_Bill_Line_Item__c';

export interface LineItem {
  lineItemType: string;
  productCode?: string;
  description?: string;
  quantity: string;
  unitPrice: string;
  amount: string;
}

/** A bill's line items as Salesforce records; their external id is `<bill id>:<position>`. */
export function mapLineItems(billId: string, items: LineItem[], billSalesforceId: string): Record<string, unknown>[] {
  return items.map((item, index) => ({
    [EXTERNAL_ID_FIELD]: `${billId}:${index}`,
    Name: `${item.lineItemType} ${index + 1}`,
    Bill__c: billSalesforceId,
    Line_Type__c: item.lineItemType,
    Product_Code__c: item.productCode ?? null,
    Description__c: item.description ?? null,
    Quantity__c: decimal(item.quantity),
    Unit_Price__c: decimal(item.unitPrice),
    Amount__c: decimal(item.amount),
  }));
}

/** The objects an integration of each type writes, in delivery order (parents first). */
export const MAPPINGS: Record<EntityType, ObjectMapping[]> = {
  Account: [ACCOUNT_MAPPING],
  Contact: [CONTACT_MAPPING],
  Contract: [CONTRACT_MAPPING],
  Commitment: [COMMITMENT_MAPPING],
  Balance: [BALANCE_MAPPING, BALANCE_TRANSACTION_MAPPING],
  Bill: [BILL_MAPPING],
};

/** Journal entities whose changes an integration of this type follows. */
export function entitiesOf(type: EntityType): string[] {
  return MAPPINGS[type].map((m) => m.entity);
}

/** Every Salesforce object and field Ferry writes, derived from the mappings themselves. */
export function requiredSalesforceFields(): Map<string, Set<string>> {
  const sample = { id: 'x', lineItems: [], phones: [], address: {} } as unknown as StoredRecord;
  const context: MappingContext = { accountSalesforceId: null, salesforceIdOf: () => null };
  const required = new Map<string, Set<string>>();
  const add = (object: string, fields: string[]) => {
    const set = required.get(object) ?? new Set<string>();
    for (const field of fields) set.add(field);
    required.set(object, set);
  };
  for (const mappings of Object.values(MAPPINGS)) {
    for (const mapping of mappings) add(mapping.object, [EXTERNAL_ID_FIELD, ...Object.keys(mapping.map(sample, context))]);
  }
  const [item] = mapLineItems('x', [{ lineItemType: 'USAGE', quantity: '1', unitPrice: '1', amount: '1' }], 'x');
  add(LINE_ITEM_OBJECT, Object.keys(item ?? {}));
  return required;
}
