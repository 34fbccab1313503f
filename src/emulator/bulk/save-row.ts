// One record of a bulk ingest saved the way both Bulk APIs save it: the operation decides which
// store call runs, and the outcome is a SaveResult whose errors end up in the job's results.
// Bulk API 2.0 (CSV rows) and Bulk API 1.0 (CSV, JSON or XML batches) share it, so a row behaves
// the same whichever API carried it.
import type { FieldDef, ObjectDef } from '../schema/types.ts';
import type { SaveResult, Store, WriteContext } from '../store/store.ts';
import { text } from '../store/values.ts';

export type IngestOperation = 'insert' | 'update' | 'upsert' | 'delete' | 'hardDelete';

export const INGEST_OPERATIONS: ReadonlySet<string> = new Set(['insert', 'update', 'upsert', 'delete', 'hardDelete']);

export interface SaveTarget {
  object: ObjectDef;
  operation: IngestOperation;
  /** The upsert key (an external id field, or Id); null for other operations. */
  externalIdField: FieldDef | null;
}

type Failure = Extract<SaveResult, { success: false }>;

function failure(statusCode: string, message: string): Failure {
  return { success: false, id: null, errors: [{ statusCode, message, fields: [] }] };
}

/** The record's value for a field, whatever the case of its key (CSV headers keep the user's). */
function valueOf(record: Record<string, unknown>, field: string): unknown {
  const key = Object.keys(record).find((k) => k.toLowerCase() === field.toLowerCase());
  return key === undefined ? undefined : record[key];
}

function withoutKey(record: Record<string, unknown>, field: string): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([k]) => k.toLowerCase() !== field.toLowerCase()));
}

/**
 * Upsert keyed on Id: a record without an Id is inserted, one with an Id updates that record, and
 * an Id naming no live record of the object fails (Salesforce never inserts with a given Id).
 */
function upsertById(store: Store, object: ObjectDef, record: Record<string, unknown>, ctx: WriteContext): SaveResult {
  const id = text(valueOf(record, 'Id'));
  const body = withoutKey(record, 'Id');
  return id === '' ? store.create(object.name, body, ctx) : store.update(object.name, id, body, ctx);
}

function upsert(store: Store, target: SaveTarget, record: Record<string, unknown>, ctx: WriteContext): SaveResult {
  const field = target.externalIdField;
  if (field === null) return failure('MISSING_ARGUMENT', 'External id not specified');
  if (field.name === 'Id') return upsertById(store, target.object, record, ctx);
  const key = valueOf(record, field.name);
  if (key === undefined || key === null || key === '') return failure('MISSING_ARGUMENT', `${field.name} not specified`);
  const result = store.upsert(target.object.name, field, key, record, ctx);
  if ('multiple' in result) return failure('DUPLICATE_EXTERNAL_ID', `more than one record found for external id field: ${result.multiple.join(', ')}`);
  return result;
}

/** Saves one record of a bulk job; `record` is the store's input shape (fields, parent refs). */
export function saveRecord(store: Store, target: SaveTarget, record: Record<string, unknown>, ctx: WriteContext): SaveResult {
  const id = text(valueOf(record, 'Id'));
  switch (target.operation) {
    case 'insert':
      return store.create(target.object.name, record, ctx);
    case 'update':
      return id === '' ? failure('MISSING_ARGUMENT', 'Id not specified in an update call') : store.update(target.object.name, id, record, ctx);
    case 'upsert':
      return upsert(store, target, record, ctx);
    case 'delete':
      return store.delete(id, ctx, target.object.name);
    case 'hardDelete':
      return store.hardDelete(id, ctx);
  }
}

/** A failed save as Bulk writes it in CSV results: `CODE:message:fields --`, errors space-joined. */
export function saveErrorText(result: Failure): string {
  return result.errors.map((e) => `${e.statusCode}:${e.message}:${e.fields.join(',')} --`).join(' ');
}
