// The org's schema: standard objects plus what the SFDX project adds. Lookups by name are
// case-insensitive, as in SOQL and REST paths.
import { keyPrefixOf, toBase62 } from '../ids.ts';
import { addCurrencies, customObjectSystemFields, polymorphicNameObject, standardObjects } from './standard-objects.ts';
import { loadSfdxObjects, sfdxObjectDirs, type SfdxObject } from './sfdx-loader.ts';
import { streamingObjects } from '../streaming/streaming-objects.ts';
import { makeField, makeObject, type FieldDef, type ObjectDef } from './types.ts';

export class Schema {
  #byName = new Map<string, ObjectDef>();
  #byPrefix = new Map<string, ObjectDef>();
  /** Per object: lower-case relationship name -> its reference field (Account -> AccountId). */
  #parentRelationships = new Map<ObjectDef, Map<string, FieldDef>>();
  /** What a polymorphic lookup (Task.What, Task.Who) reaches in SOQL: Salesforce's Name object. */
  readonly nameObject: ObjectDef = polymorphicNameObject((id) => this.byPrefix(keyPrefixOf(id)));

  constructor(objects: ObjectDef[]) {
    for (const o of objects) {
      this.#byName.set(o.name.toLowerCase(), o);
      this.#byPrefix.set(o.keyPrefix, o);
    }
    this.#linkChildren();
    for (const o of objects) {
      const byRelationship = new Map<string, FieldDef>();
      for (const f of o.fields) {
        const key = f.relationshipName?.toLowerCase();
        if (f.type === 'reference' && key !== undefined && !byRelationship.has(key)) byRelationship.set(key, f);
      }
      this.#parentRelationships.set(o, byRelationship);
    }
  }

  get objects(): ObjectDef[] {
    return [...this.#byName.values()];
  }

  get(name: string): ObjectDef | undefined {
    return this.#byName.get(name.toLowerCase());
  }

  byPrefix(prefix: string): ObjectDef | undefined {
    return this.#byPrefix.get(prefix);
  }

  /** The object a lookup's relationship reaches: its one target, or Name for a polymorphic lookup. */
  parentObject(ref: FieldDef): ObjectDef | undefined {
    return ref.referenceTo.length > 1 ? this.nameObject : this.get(ref.referenceTo[0] ?? '');
  }

  #linkChildren(): void {
    for (const o of this.#byName.values()) o.childRelationships = [];
    for (const child of this.#byName.values()) {
      for (const field of child.fields) {
        if (field.type !== 'reference') continue;
        for (const target of field.referenceTo) {
          const parent = this.get(target);
          if (parent === undefined) continue;
          // A parent names a relationship once: Account's ActivityHistories go through AccountId,
          // so the view's WhatId, which may also hold an account, is listed there unnamed.
          const taken = parent.childRelationships.some((r) => r.relationshipName !== null && r.relationshipName === field.childRelationshipName);
          parent.childRelationships.push({
            childSObject: child.name,
            field: field.name,
            relationshipName: taken ? null : field.childRelationshipName,
            cascadeDelete: field.cascadeDelete,
          });
        }
      }
    }
  }

  /** Child relationship of `parent` named `name` (Contacts, Line_Items__r), case-insensitively. */
  childRelationship(parent: ObjectDef, name: string): { child: ObjectDef; field: FieldDef } | undefined {
    const lower = name.toLowerCase();
    for (const rel of parent.childRelationships) {
      if (rel.relationshipName?.toLowerCase() !== lower) continue;
      const child = this.get(rel.childSObject);
      const field = child?.fieldMap.get(rel.field.toLowerCase());
      if (child !== undefined && field !== undefined) return { child, field };
    }
    return undefined;
  }

  /** The reference field of `object` whose relationship name is `name` (Account, Bill__r). */
  parentRelationship(object: ObjectDef, name: string): FieldDef | undefined {
    return this.#parentRelationships.get(object)?.get(name.toLowerCase());
  }
}

function customObjectFromSfdx(entry: SfdxObject, keyPrefix: string): ObjectDef {
  const meta = entry.object;
  if (meta === undefined) throw new Error(`custom object ${entry.name} has no object-meta.xml`);
  const isEvent = entry.name.endsWith('__e');
  const isDetail = entry.fields.some((f) => f.cascadeDelete);
  // A custom setting's records have no owner; Name (38 characters) is the record's unique key.
  const isSetting = meta.customSettingsType !== undefined;
  const nameField = isSetting
    ? makeField('Name', 'string', { label: 'Name', length: 38, nameField: true, nillable: false, unique: true, idLookup: true, custom: false })
    : meta.nameFieldType === 'AutoNumber'
      ? makeField('Name', 'string', {
          label: meta.nameFieldLabel,
          length: 80,
          nameField: true,
          autoNumber: true,
          createable: false,
          updateable: false,
          nillable: false,
          defaultedOnCreate: true,
          autoNumberFormat: meta.displayFormat ?? '{0}',
        })
      : makeField('Name', 'string', { label: meta.nameFieldLabel, length: 80, nameField: true, custom: false });
  const base = isEvent
    ? [
        makeField('ReplayId', 'string', { createable: false, updateable: false, custom: false }),
        makeField('CreatedDate', 'datetime', { createable: false, updateable: false, custom: false }),
        makeField('CreatedById', 'reference', { createable: false, updateable: false, custom: false, referenceTo: ['User'], relationshipName: 'CreatedBy' }),
        makeField('EventUuid', 'string', { createable: false, updateable: false, custom: false, length: 36 }),
      ]
    : customObjectSystemFields(nameField, isDetail || isSetting).map((f) => ({ ...f, custom: false }));
  return makeObject({
    name: entry.name,
    label: meta.label,
    labelPlural: meta.pluralLabel,
    keyPrefix,
    custom: true,
    createable: true,
    updateable: !isEvent,
    deletable: !isEvent,
    queryable: !isEvent,
    isEvent,
    ...(isSetting ? { customSetting: true } : {}),
    fields: [...base, ...entry.fields],
  });
}

export interface SchemaOptions {
  /** Active currencies, corporate first; two or more make a multi-currency org. */
  currencies?: readonly string[];
}

/**
 * Builds the schema from the standard objects and the given SFDX objects folders. Custom objects
 * get key prefixes a00, a01, ... in name order, so ids stay stable across restarts; events e01...
 */
export async function buildSchema(objectDirs: string[], options: SchemaOptions = {}): Promise<Schema> {
  const objects = [...standardObjects(), ...streamingObjects()];
  const byName = new Map(objects.map((o) => [o.name.toLowerCase(), o]));
  const customs: SfdxObject[] = [];
  for (const dir of objectDirs) {
    for (const entry of await loadSfdxObjects(dir)) {
      const existing = byName.get(entry.name.toLowerCase());
      if (existing !== undefined && entry.object === undefined) {
        for (const field of entry.fields) {
          existing.fields = existing.fields.filter((f) => f.name.toLowerCase() !== field.name.toLowerCase());
          existing.fields.push(field);
          existing.fieldMap.set(field.name.toLowerCase(), field);
        }
      } else if (entry.object !== undefined) {
        customs.push(entry);
      } else {
        // Fields added to a custom object that an earlier project defines (an org's own fields
        // on a packaged object).
        const owner = customs.find((c) => c.name.toLowerCase() === entry.name.toLowerCase());
        if (owner !== undefined) owner.fields = [...owner.fields.filter((f) => !entry.fields.some((e) => e.name.toLowerCase() === f.name.toLowerCase())), ...entry.fields];
      }
    }
  }
  customs.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  let objectIndex = 0;
  let eventIndex = 0;
  for (const entry of customs) {
    const isEvent = entry.name.endsWith('__e');
    const prefix = isEvent ? `e${toBase62(++eventIndex, 2)}` : `a${toBase62(objectIndex++, 2)}`;
    objects.push(customObjectFromSfdx(entry, prefix));
  }
  return new Schema(addCurrencies(objects, options.currencies ?? []));
}

export { sfdxObjectDirs };
