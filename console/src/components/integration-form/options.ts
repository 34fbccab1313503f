import type { Schemas } from '../../api/client.ts';

export type Integration = Schemas['Integration'];
export type EntityType = Integration['entityType'];
export type IntegrationStatus = Integration['status'];
type Sync = Integration['sync'];

// Every entity type once: a Record makes the compiler say when the API gains or loses one.
const ENTITY_TYPE_SET: Record<EntityType, true> = { Account: true, Contact: true, Contract: true, Commitment: true, Balance: true, Bill: true, Ticket: true, Subscription: true, Catalogue: true, ReferenceData: true, Reconciliation: true };
export const ENTITY_TYPES = Object.keys(ENTITY_TYPE_SET) as EntityType[];

export function isEntityType(value: string | null): value is EntityType {
  return value !== null && value in ENTITY_TYPE_SET;
}

/**
 * The Salesforce object a new mapping rule of each entity type is about until the person picks
 * another: its main object in src/engine/mapping/entities (for the catalogue, the product).
 * Reference data has fixed fields and takes no rules.
 */
export const MAPPED_OBJECTS: Record<Exclude<EntityType, 'ReferenceData' | 'Reconciliation'>, string> = {
  Account: 'Account',
  Contact: 'Contact',
  Contract: 'Ferry_Contract__c',
  Commitment: 'Ferry_Commitment__c',
  Balance: 'Ferry_Balance__c',
  Bill: 'Ferry_Bill__c',
  Ticket: 'Case',
  Subscription: 'OpportunityLineItem',
  Catalogue: 'Ferry_Product__c',
};

export const STATUSES: { value: IntegrationStatus; label: string }[] = [
  { value: 'CONNECTED', label: 'Connected' },
  { value: 'NOT_CONNECTED', label: 'Not connected' },
  { value: 'DISABLED', label: 'Disabled' },
];

/** Entity types whose Salesforce changes Ferry can read back (schemas.ts INCOMING_ENTITY_TYPES). */
export const INCOMING_ENTITY_TYPES: readonly EntityType[] = ['Account', 'Contact', 'Ticket', 'Subscription'];
/** Entity types Ferry only reads from Salesforce (schemas.ts READ_ONLY_ENTITY_TYPES). */
export const READ_ONLY_ENTITY_TYPES: readonly EntityType[] = ['Subscription'];

export const DIRECTIONS: { value: Sync['direction']; label: string }[] = [
  { value: 'to_salesforce', label: 'To Salesforce (Ferry sends)' },
  { value: 'from_salesforce', label: 'From Salesforce (Ferry reads changes back)' },
  { value: 'both', label: 'Both ways' },
];

export const CONFLICT_POLICIES: { value: Sync['conflictPolicy']; label: string }[] = [
  { value: 'hold', label: 'Hold for review' },
  { value: 'ferry_wins', label: 'Ferry wins' },
  { value: 'salesforce_wins', label: 'Salesforce wins' },
  { value: 'newest_wins', label: 'Newest change wins' },
];

export const SALESFORCE_DELETES: { value: Sync['salesforceDeletes']; label: string }[] = [
  { value: 'ignore', label: 'Ignore (Ferry keeps its record)' },
  { value: 'propagate', label: 'Propagate (Ferry deletes its record too)' },
  { value: 'flag', label: 'Flag (keep it and record a warning event)' },
];

const LINE_ITEM_TYPE_SET: Record<Integration['settings']['excludedLineItemTypes'][number], true> = {
  STANDING_CHARGE: true, USAGE: true, MINIMUM_SPEND: true, COMMITMENT_FEE: true, OVERAGE: true, CREDIT_MEMO: true, DEBIT_MEMO: true, ADJUSTMENT: true,
};
export const LINE_ITEM_TYPES = Object.keys(LINE_ITEM_TYPE_SET) as Integration['settings']['excludedLineItemTypes'];

/** The IANA time zones this browser knows, UTC first. */
export function timeZones(): string[] {
  const zones = Intl.supportedValuesOf('timeZone');
  return ['UTC', ...zones.filter((zone) => zone !== 'UTC')];
}
