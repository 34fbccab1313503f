/**
 * What Ferry needs to know of one Salesforce field to validate a mapping at save and a value
 * before sending it: the subset of describe's field metadata that decides whether a value fits.
 */
export interface FieldDescribe {
  name: string;
  label: string;
  /** Salesforce's field type: string, textarea, email, phone, url, picklist, multipicklist, double, currency, percent, int, boolean, date, datetime, reference, id, ... */
  type: string;
  /** Characters, for text types (0 otherwise). */
  length: number;
  /** Total digits and digits after the point, for double / currency / percent (0 otherwise). */
  precision: number;
  scale: number;
  /** Digits of an int field (0 otherwise). */
  digits: number;
  createable: boolean;
  updateable: boolean;
  nillable: boolean;
  externalId: boolean;
  custom: boolean;
  /** Objects a reference field points at, and the name to reach the parent (Account, Bill__r). */
  referenceTo: string[];
  relationshipName: string | null;
  /** Active picklist values; `restrictedPicklist` means Salesforce refuses any other value. */
  picklistValues: string[];
  restrictedPicklist: boolean;
}

export interface ObjectDescribe {
  name: string;
  fields: FieldDescribe[];
}
