// Parent references by a unique key instead of an Id, as Salesforce accepts them in writes: a
// relationship name holding the parent's key, `"Account__r": {"Ferry_Id__c": "cust-1"}` in JSON
// (optionally with `"attributes": {"type": "Account"}`, which a polymorphic lookup needs), and a
// `Account__r.Ferry_Id__c` column in Bulk CSV, which the bulk service turns into the same shape.
// Messages are Salesforce's own where a real answer was found; docs/emulator.md lists which.
import type { Schema } from '../schema/schema.ts';
import type { FieldDef, ObjectDef } from '../schema/types.ts';
import { text, type FieldError } from './values.ts';

/** A parsed reference: which parent object, which of its key fields, and the key's value. */
export interface ParentKey {
  /** The child's reference field that receives the parent's id (Account__c, AccountId). */
  field: FieldDef;
  target: ObjectDef;
  keyField: FieldDef;
  value: unknown;
}

/** A JSON value that names a parent by key: an object, never an array. */
export function isParentKeyValue(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function invalidField(message: string): FieldError {
  return { statusCode: 'INVALID_FIELD', message, fields: [] };
}

/**
 * Checks the shape of `{ attributes?: { type }, <KeyField>: value }` for the reference `field`:
 * the parent type (given or implied by a lookup with one target), exactly one key field, and that
 * field being one Salesforce lets a write look a parent up by (external id or idLookup).
 */
export function parseParentKey(schema: Schema, field: FieldDef, ref: Record<string, unknown>): ParentKey | FieldError {
  const relationship = field.relationshipName ?? field.name;
  const attributes = ref['attributes'];
  const type = isParentKeyValue(attributes) && typeof attributes['type'] === 'string' ? attributes['type'] : undefined;
  if (type === undefined && field.referenceTo.length !== 1) {
    return invalidField(`The entity type must be given in attributes for the polymorphic foreign key reference ${relationship}`);
  }
  const targetName = type ?? field.referenceTo[0] ?? '';
  const allowed = field.referenceTo.some((t) => t.toLowerCase() === targetName.toLowerCase());
  const target = allowed ? schema.get(targetName) : undefined;
  if (target === undefined) {
    return invalidField(`${targetName} is not a valid entity type for the foreign key reference ${relationship}`);
  }
  const keys = Object.entries(ref).filter(([k]) => k !== 'attributes');
  if (keys.length > 1) return invalidField(`More than 1 field provided in an external foreign key reference in entity: ${target.name}`);
  const [entry] = keys;
  if (entry === undefined) return invalidField(`No external id field provided in an external foreign key reference in entity: ${target.name}`);
  const [name, value] = entry;
  const keyField = target.fieldMap.get(name.toLowerCase());
  // The nested object is read as a record of the parent's type, so an unknown field there is
  // refused the way an unknown field of any record is.
  if (keyField === undefined) return invalidField(`No such column '${name}' on sobject of type ${target.name}`);
  if (!keyField.idLookup) return invalidField(`${keyField.name} is not an External ID or indexed field for ${target.name}`);
  return { field, target, keyField, value };
}

export function parentNotFound(key: ParentKey): FieldError {
  return invalidField(`Foreign key external ID: ${text(key.value)} not found for field ${key.keyField.name} in entity ${key.target.name}`);
}

/** Several parents share a non-unique external id: the upsert key's own error, on the lookup. */
export function parentNotUnique(key: ParentKey, ids: string[]): FieldError {
  return {
    statusCode: 'DUPLICATE_EXTERNAL_ID',
    message: `${key.keyField.label}: more than one record found for external id field: [${ids.join(', ')}]`,
    fields: [key.field.name],
  };
}

export function referenceGivenTwice(field: FieldDef): FieldError {
  return invalidField(`Cannot specify both an external ID reference ${field.relationshipName ?? field.name} and a salesforce id, ${field.name}`);
}
