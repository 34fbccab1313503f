// What the UI metadata resources share: stable ids for metadata the emulator generates (layouts,
// list views, compact layouts), which objects have page layouts, and the field describes that
// layout items embed.
import { IdGenerator, toBase62, toId18 } from '../ids.ts';
import type { Org } from '../org.ts';
import type { FieldDef, ObjectDef } from '../schema/types.ts';
import { sfError, type EmuResponse } from '../http/types.ts';
import { describeObject } from '../rest/describe.ts';

/** Key prefixes of the metadata the emulator generates (as a real org's ids start). */
export const PREFIX = {
  layout: '00h',
  listView: '00B',
  compactLayout: '0AH',
  quickAction: '09D',
} as const;

/** The master record type every object has, whether or not it defines record types. */
export const MASTER_RECORD_TYPE_ID = '012000000000000AAA';

/**
 * An 18-character id that is the same on every start for the same schema: generated metadata is
 * not stored, so its ids must come from something stable (the object's place in the schema).
 */
export function metadataId(prefix: string, n: number): string {
  return toId18(`${prefix}${IdGenerator.POD}${toBase62(n, 10)}`);
}

/** 1-based position of the object in the schema, the seed of its metadata ids. */
export function objectNumber(org: Org, def: ObjectDef): number {
  return org.schema.objects.indexOf(def) + 1;
}

/**
 * Platform events, custom settings and read-only views over other objects (ActivityHistory) have
 * no page layouts, list views or tabs (describe's `layoutable`).
 */
export function isLayoutable(def: ObjectDef): boolean {
  return !def.isEvent && def.customSetting !== true && (def as { view?: unknown }).view === undefined;
}

export const NOT_FOUND = (): EmuResponse => sfError(404, 'NOT_FOUND', 'The requested resource does not exist');

/** The object named in the path when it exists and has layouts, else Salesforce's 404. */
export function layoutableObject(org: Org, rawName: string): ObjectDef | EmuResponse {
  const def = org.schema.get(decodeURIComponent(rawName));
  return def === undefined || !isLayoutable(def) ? NOT_FOUND() : def;
}

/** Field describes as `GET /sobjects/X/describe` gives them, by field name (layout items embed them as `details`). */
export function fieldDescribes(def: ObjectDef, version: string): Map<string, Record<string, unknown>> {
  const fields = describeObject(def, version)['fields'] as Record<string, unknown>[];
  return new Map(fields.map((f) => [String(f['name']), f]));
}

/** Fields the platform maintains: never on an edit layout, shown in the system section of a detail one. */
const SYSTEM_FIELDS = new Set(['Id', 'IsDeleted', 'CreatedDate', 'CreatedById', 'LastModifiedDate', 'LastModifiedById', 'SystemModstamp', 'MasterRecordId']);

export function isSystemField(f: FieldDef): boolean {
  return SYSTEM_FIELDS.has(f.name);
}

/** An address's geolocation parts (BillingLatitude, BillingGeocodeAccuracy): set by geocoding, not shown on layouts. */
function isGeolocationPart(def: ObjectDef, f: FieldDef): boolean {
  const compound = f.compoundFieldName === null ? undefined : def.fieldMap.get(f.compoundFieldName.toLowerCase());
  return compound?.type === 'address' && (f.type === 'double' || f.name.endsWith('GeocodeAccuracy'));
}

/**
 * The fields a generated layout shows in its main section, in schema order: every field a user
 * sees on a record page, without system fields, blobs and compound address fields (whose street,
 * city, state, postal code and country parts are shown instead).
 */
export function layoutFields(def: ObjectDef): FieldDef[] {
  return def.fields.filter((f) => !isSystemField(f) && f.type !== 'address' && f.type !== 'base64' && !isGeolocationPart(def, f));
}

/** The name field (Name, CaseNumber, Subject...), which heads compact layouts and list views. */
export function nameFieldOf(def: ObjectDef): FieldDef | undefined {
  return def.fields.find((f) => f.nameField) ?? def.fieldMap.get('name');
}

/** Required on a layout: the user must fill it in (not nillable, no default, not a checkbox). */
export function isRequiredOnLayout(f: FieldDef): boolean {
  return !f.nillable && f.createable && !f.defaultedOnCreate && f.type !== 'boolean';
}

/** A layout item holding one field, with the field's describe as `details`. */
export function fieldItem(f: FieldDef, details: Map<string, Record<string, unknown>>, tabOrder: number, editable: boolean): Record<string, unknown> {
  return {
    editableForNew: editable && f.createable,
    editableForUpdate: editable && f.updateable,
    label: f.label,
    layoutComponents: [{ components: [], details: details.get(f.name) ?? null, displayLines: f.type === 'textarea' ? 3 : 1, tabOrder, type: 'Field', value: f.name }],
    placeholder: false,
    required: editable && isRequiredOnLayout(f),
  };
}

/** An empty cell, as layouts pad a row whose second column has nothing. */
export function placeholderItem(): Record<string, unknown> {
  return { editableForNew: false, editableForUpdate: false, label: '', layoutComponents: [], placeholder: true, required: false };
}
