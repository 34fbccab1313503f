// The emulator's schema model: close to describe's shape so that describe is a projection of it,
// with the few extras the store needs (how to compute calculated fields, auto-number formats).

export type FieldType =
  | 'id'
  | 'string'
  | 'boolean'
  | 'int'
  | 'double'
  | 'currency'
  | 'percent'
  | 'date'
  | 'datetime'
  | 'time'
  | 'picklist'
  | 'multipicklist'
  | 'reference'
  | 'textarea'
  | 'email'
  | 'phone'
  | 'url'
  | 'address'
  | 'combobox'
  | 'base64';

export interface PicklistValue {
  value: string;
  label: string;
  active: boolean;
  defaultValue: boolean;
}

export type RecordValues = Record<string, unknown>;

export interface FieldDef {
  name: string;
  label: string;
  type: FieldType;
  length: number;
  precision: number;
  scale: number;
  digits: number;
  nillable: boolean;
  createable: boolean;
  updateable: boolean;
  externalId: boolean;
  unique: boolean;
  caseSensitive: boolean;
  idLookup: boolean;
  nameField: boolean;
  custom: boolean;
  calculated: boolean;
  autoNumber: boolean;
  defaultedOnCreate: boolean;
  defaultValue: unknown;
  referenceTo: string[];
  /** Name used to reach the parent from this object (Account, Bill__r). */
  relationshipName: string | null;
  /** Name used to reach this object's rows from the parent (Contacts, Line_Items__r). */
  childRelationshipName: string | null;
  /** Master-detail: deleting the parent deletes the children. */
  cascadeDelete: boolean;
  /** Lookup whose parent's deletion clears the field (SetNull), which is the Salesforce default. */
  restrictedDelete: boolean;
  picklistValues: PicklistValue[];
  restrictedPicklist: boolean;
  /** The compound field this one is a part of (BillingCity -> BillingAddress). */
  compoundFieldName: string | null;
  /** describe's extraTypeInfo (plaintextarea for address streets, personname for Name parts). */
  extraTypeInfo: string | null;
  /** For calculated fields: derives the value from the stored record. */
  compute?: (record: RecordValues) => unknown;
  /**
   * For compound fields (BillingAddress): built from the stored parts each time it is read, never
   * stored itself, so a save, a change event or a snapshot only ever carries the parts.
   */
  derive?: (record: RecordValues) => unknown;
  autoNumberFormat?: string;
}

export interface ChildRelationship {
  childSObject: string;
  field: string;
  relationshipName: string | null;
  cascadeDelete: boolean;
}

export interface ObjectDef {
  name: string;
  label: string;
  labelPlural: string;
  keyPrefix: string;
  custom: boolean;
  createable: boolean;
  updateable: boolean;
  deletable: boolean;
  queryable: boolean;
  /** Platform event (X__e): publish-only, never stored. */
  isEvent: boolean;
  /** List custom setting: stored and written like a custom object, described with customSetting. */
  customSetting?: boolean;
  fields: FieldDef[];
  fieldMap: Map<string, FieldDef>;
  childRelationships: ChildRelationship[];
  /** What the platform itself does as a record is saved, and after one is created. */
  behaviour?: ObjectBehaviour | undefined;
  /** A read-only object made of other objects' rows, read only through a parent's subquery. */
  view?: ObjectView;
}

/**
 * ActivityHistory and OpenActivity: rows of `sources` (Task, Event) that `select` keeps, as the
 * view's record (or undefined to leave the row out), ordered by `order` unless the query orders.
 */
export interface ObjectView {
  sources: string[];
  select: (record: RecordValues, source: string, now: number) => RecordValues | undefined;
  order: (a: RecordValues, b: RecordValues) => number;
}

/** A rule's refusal, in the shape of a save error (statusCode, message, fields). */
export interface RuleError {
  statusCode: string;
  message: string;
  fields: string[];
}

/** The org's own reads and writes, as a save hook sees them. */
export interface RecordAccess {
  get(id: string): RecordValues | undefined;
  /** Live records of `objectName` whose `field` holds `value`. */
  childrenOf(objectName: string, field: string, value: string): RecordValues[];
  create(objectName: string, values: RecordValues): void;
  /** A full update under the same user, in the same transaction (audit fields and change events). */
  update(objectName: string, id: string, values: RecordValues): void;
  /**
   * Rewrites calculated values that mirror another record (a price book entry's product name):
   * no audit field moves and no change event is sent, as when Salesforce recomputes a formula.
   */
  setDerived(objectName: string, id: string, values: RecordValues): void;
}

/**
 * Platform behaviour beyond field formulas, in save order: `validate` sees the record as the save
 * asks for it (input over what it was, undefined `before` on create) and may refuse it; `onSave`
 * may then set fields from the record, the save's timestamp and other records; after the row is
 * stored, `afterCreate` may create related records and `afterUpdate` keep dependent ones in step,
 * in the same transaction. `beforeDelete` may refuse a delete before anything is removed.
 */
export interface ObjectBehaviour {
  validate?: (values: RecordValues, before: RecordValues | undefined, org: RecordAccess) => RuleError[];
  onSave?: (values: RecordValues, before: RecordValues | undefined, stamp: string, org: RecordAccess) => void;
  afterCreate?: (values: RecordValues, org: RecordAccess) => void;
  afterUpdate?: (values: RecordValues, before: RecordValues, org: RecordAccess) => void;
  beforeDelete?: (values: RecordValues, org: RecordAccess) => RuleError | undefined;
}

export type FieldOptions = Partial<Omit<FieldDef, 'name' | 'type'>>;

const NUMERIC: ReadonlySet<FieldType> = new Set(['int', 'double', 'currency', 'percent']);

export function isNumericType(type: FieldType): boolean {
  return NUMERIC.has(type);
}

/** Text-like types whose values are limited by `length`. */
export function isTextType(type: FieldType): boolean {
  return (
    type === 'string' ||
    type === 'textarea' ||
    type === 'email' ||
    type === 'phone' ||
    type === 'url' ||
    type === 'combobox' ||
    type === 'picklist' ||
    type === 'multipicklist'
  );
}

function labelOf(name: string): string {
  return name
    .replace(/__c$/, '')
    .replace(/Id$/, '')
    .replace(/_/g, ' ')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .trim();
}

/** Builds a field with Salesforce's defaults for its type; options override them. */
export function makeField(name: string, type: FieldType, options: FieldOptions = {}): FieldDef {
  const custom = name.endsWith('__c');
  const defaultLength =
    type === 'string' || type === 'picklist' || type === 'url' || type === 'combobox'
      ? 255
      : type === 'textarea'
        ? 32768
        : type === 'email' || type === 'phone'
          ? 80
          : type === 'multipicklist'
            ? 4099
            : type === 'id' || type === 'reference'
              ? 18
              : 0;
  const base: FieldDef = {
    name,
    label: labelOf(name),
    type,
    length: defaultLength,
    precision: type === 'currency' ? 18 : type === 'double' || type === 'percent' ? 18 : 0,
    scale: type === 'currency' || type === 'percent' ? 2 : 0,
    digits: type === 'int' ? 9 : 0,
    nillable: type !== 'boolean' && type !== 'id',
    createable: type !== 'id',
    updateable: type !== 'id',
    externalId: false,
    unique: false,
    caseSensitive: false,
    idLookup: type === 'id',
    nameField: false,
    custom,
    calculated: false,
    autoNumber: false,
    defaultedOnCreate: type === 'boolean',
    defaultValue: type === 'boolean' ? false : null,
    referenceTo: [],
    relationshipName: null,
    childRelationshipName: null,
    cascadeDelete: false,
    restrictedDelete: false,
    picklistValues: [],
    restrictedPicklist: false,
    compoundFieldName: null,
    extraTypeInfo: null,
  };
  return { ...base, ...options };
}

/** A field's value as reads see it: stored, or built from the stored parts for a compound field. */
export function readField(field: FieldDef, record: RecordValues): unknown {
  return field.derive === undefined ? record[field.name] : field.derive(record);
}

export function picklist(values: string[], defaultValue?: string): PicklistValue[] {
  return values.map((value) => ({ value, label: value, active: true, defaultValue: value === defaultValue }));
}

export function makeObject(
  spec: Omit<ObjectDef, 'fieldMap' | 'childRelationships' | 'fields'> & { fields: FieldDef[] },
): ObjectDef {
  const fieldMap = new Map<string, FieldDef>();
  for (const f of spec.fields) fieldMap.set(f.name.toLowerCase(), f);
  return { ...spec, fieldMap, childRelationships: [] };
}
