// A Bulk API 2.0 CSV header checked against the job's object before any row runs, as Salesforce
// does: field names, and relationship columns naming a parent by key, `Account__r.Ferry_Id__c`
// (`Type:What.Key__c` for a polymorphic lookup). A bad column fails the whole job with
// Salesforce's InvalidBatch message and no row processed; a key field that is not an external id
// is refused per row, by the store, as the same reference in JSON is.
import type { Schema } from '../schema/schema.ts';
import type { ObjectDef } from '../schema/types.ts';

/** A relationship column split into its parts: `Type:Relationship.KeyField`. */
export interface RelationshipColumn {
  type: string | null;
  relationship: string;
  keyField: string;
}

/** The parts of a column with a dot, or undefined for a plain field name. */
export function relationshipColumn(column: string): RelationshipColumn | undefined {
  const dot = column.indexOf('.');
  if (dot <= 0) return undefined;
  const left = column.slice(0, dot);
  const colon = left.indexOf(':');
  return { type: colon < 0 ? null : left.slice(0, colon), relationship: left.slice(colon + 1), keyField: column.slice(dot + 1) };
}

/** Salesforce's job error for the first column it cannot use, or null when every column is usable. */
export function headerError(schema: Schema, object: ObjectDef, header: string[]): string | null {
  for (const column of header) {
    const rel = relationshipColumn(column);
    if (rel === undefined) {
      if (!object.fieldMap.has(column.toLowerCase())) return `InvalidBatch : Field name not found : ${column}`;
      continue;
    }
    const field = schema.parentRelationship(object, rel.relationship);
    if (field === undefined) return `InvalidBatch : Unable to find relationship: ${rel.relationship}`;
    const polymorphic = field.referenceTo.length > 1;
    if (rel.type !== null && !polymorphic) return `InvalidBatch : type is not needed for non polymorphic foreign key references: ${rel.relationship}`;
    if (rel.type === null && polymorphic) return `InvalidBatch : type is required for polymorphic foreign key references: ${rel.relationship}`;
    const targetName = rel.type ?? field.referenceTo[0] ?? '';
    const target = field.referenceTo.some((t) => t.toLowerCase() === targetName.toLowerCase()) ? schema.get(targetName) : undefined;
    // Only one level: a grandparent path (Account__r.Owner.Username) names no field of the parent.
    if (target === undefined || !target.fieldMap.has(rel.keyField.toLowerCase())) return `InvalidBatch : Field name not found : ${column}`;
  }
  return null;
}
