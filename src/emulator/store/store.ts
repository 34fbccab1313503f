// The emulator's database: one table per object, indexes for the access paths Ferry leans on
// (Id, every unique or external-id field, each lookup's parent, and SystemModstamp order), the
// data rules Salesforce enforces on save, the recycle bin, and change notifications for CDC.
import { randomUUID } from 'node:crypto';
import { IdGenerator, keyPrefixOf, normalizeId } from '../ids.ts';
import type { Schema } from '../schema/schema.ts';
import type { FieldDef, ObjectDef, RecordAccess, RecordValues } from '../schema/types.ts';
import { isParentKeyValue, parentNotFound, parentNotUnique, parseParentKey, referenceGivenTwice } from './parent-keys.ts';
import { coerceValue, formatDatetime, text, type FieldError } from './values.ts';

export type SaveResult =
  | { success: true; id: string; created: boolean }
  | { success: false; id: string | null; errors: FieldError[] };

export type ChangeType = 'CREATE' | 'UPDATE' | 'DELETE' | 'UNDELETE';

export interface RecordChange {
  changeType: ChangeType;
  objectName: string;
  recordId: string;
  /** For CREATE every non-null field, for UPDATE the changed ones, empty for DELETE. */
  changedFields: string[];
  nulledFields: string[];
  values: RecordValues;
  userId: string;
  commitTimestamp: number;
  transactionKey: string;
}

export interface WriteContext {
  userId: string;
  /**
   * A write the platform makes itself (lead conversion, merge): it may set fields no API
   * client can (IsConverted, ConvertedAccountId, MasterRecordId, a master-detail parent);
   * every other rule still applies.
   */
  system?: boolean;
}

interface Row {
  values: RecordValues;
  /** Position in the SystemModstamp log; only the row's latest entry there is live. */
  seq: number;
  deletedAt: number | null;
}

interface LogEntry {
  stamp: string;
  seq: number;
  id: string;
}

export class Table {
  readonly def: ObjectDef;
  readonly rows = new Map<string, Row>();
  /** Unique, external-id and idLookup fields: lower-case field name -> normalised value -> ids. */
  readonly keyIndexes = new Map<string, Map<string, Set<string>>>();
  /** Lookup fields: lower-case field name -> parent id -> child ids. */
  readonly parentIndexes = new Map<string, Map<string, Set<string>>>();
  /** Rows in SystemModstamp order, append-only; stale entries are skipped and compacted away. */
  log: LogEntry[] = [];
  liveCount = 0;
  // Field lists the save path needs on every record, computed once per table.
  readonly required: FieldDef[];
  readonly uniques: FieldDef[];
  readonly computed: FieldDef[];
  readonly autoNumbers: FieldDef[];
  readonly template: RecordValues;

  constructor(def: ObjectDef) {
    this.def = def;
    this.required = def.fields.filter((f) => !f.nillable && (f.createable || f.updateable) && !f.defaultedOnCreate && f.type !== 'boolean');
    this.uniques = def.fields.filter((f) => f.unique);
    this.computed = def.fields.filter((f) => f.compute !== undefined);
    this.autoNumbers = def.fields.filter((f) => f.autoNumber);
    this.template = {};
    for (const f of def.fields) {
      // A compound field (BillingAddress) is never stored: reads build it from its parts.
      if (f.derive !== undefined) continue;
      this.template[f.name] = f.defaultedOnCreate && f.defaultValue !== undefined ? f.defaultValue : f.type === 'boolean' ? false : null;
    }
    for (const f of def.fields) {
      // Every field a write may look a parent up by (idLookup) is indexed, not only external ids.
      if (f.externalId || f.unique || (f.idLookup && f.type !== 'id')) this.keyIndexes.set(f.name.toLowerCase(), new Map());
      if (f.type === 'reference' && f.name !== 'CreatedById' && f.name !== 'LastModifiedById') {
        this.parentIndexes.set(f.name.toLowerCase(), new Map());
      }
    }
  }

  static keyOf(field: FieldDef, value: unknown): string {
    const s = String(value);
    return field.caseSensitive ? s : s.toLowerCase();
  }

  /** Live (non-deleted) rows whose key field equals `value`. */
  findByKey(field: FieldDef, value: unknown): string[] {
    const index = this.keyIndexes.get(field.name.toLowerCase());
    if (index === undefined) return [];
    return [...(index.get(Table.keyOf(field, value)) ?? [])];
  }

  childrenOf(field: string, parentId: string): Set<string> | undefined {
    return this.parentIndexes.get(field.toLowerCase())?.get(parentId);
  }

  index(id: string, values: RecordValues): void {
    for (const [name, index] of this.keyIndexes) {
      const field = this.def.fieldMap.get(name);
      const v = field === undefined ? null : values[field.name];
      if (field === undefined || v === null || v === undefined) continue;
      const key = Table.keyOf(field, v);
      let set = index.get(key);
      if (set === undefined) index.set(key, (set = new Set()));
      set.add(id);
    }
    for (const [name, index] of this.parentIndexes) {
      const field = this.def.fieldMap.get(name);
      const v = field === undefined ? null : values[field.name];
      if (typeof v !== 'string') continue;
      let set = index.get(v);
      if (set === undefined) index.set(v, (set = new Set()));
      set.add(id);
    }
  }

  unindex(id: string, values: RecordValues): void {
    for (const [name, index] of this.keyIndexes) {
      const field = this.def.fieldMap.get(name);
      const v = field === undefined ? null : values[field.name];
      if (field === undefined || v === null || v === undefined) continue;
      const key = Table.keyOf(field, v);
      const set = index.get(key);
      set?.delete(id);
      if (set?.size === 0) index.delete(key);
    }
    for (const [name, index] of this.parentIndexes) {
      const field = this.def.fieldMap.get(name);
      const v = field === undefined ? null : values[field.name];
      if (typeof v !== 'string') continue;
      const set = index.get(v);
      set?.delete(id);
      if (set?.size === 0) index.delete(v);
    }
  }

  /** Index of the first log entry whose stamp is >= `stamp` (binary search). */
  logLowerBound(stamp: string): number {
    let lo = 0;
    let hi = this.log.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.log[mid]?.stamp ?? '') < stamp) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  isLive(entry: LogEntry): boolean {
    return this.rows.get(entry.id)?.seq === entry.seq;
  }

  compactLog(): void {
    if (this.log.length < 1024 || this.log.length < this.rows.size * 2) return;
    this.log = this.log.filter((e) => this.isLive(e));
  }
}

export interface StoreOptions {
  now?: () => number;
}

type Undo = () => void;

export class Store {
  readonly schema: Schema;
  readonly ids = new IdGenerator();
  #tables = new Map<string, Table>();
  #now: () => number;
  #lastStamp = 0;
  #seq = 0;
  #autoNumbers = new Map<string, number>();
  #listeners = new Set<(changes: RecordChange[]) => void>();
  #undo: Undo[] | null = null;
  #pending: RecordChange[] | null = null;
  #transactionKey: string | null = null;
  /** The stamp of the transaction under way, once its first record is saved. */
  #transactionStamp: number | null = null;
  recordsWritten = 0;

  constructor(schema: Schema, options: StoreOptions = {}) {
    this.schema = schema;
    this.#now = options.now ?? Date.now;
    for (const o of schema.objects) if (!o.isEvent) this.#tables.set(o.name.toLowerCase(), new Table(o));
  }

  table(name: string): Table | undefined {
    return this.#tables.get(name.toLowerCase());
  }

  tables(): Table[] {
    return [...this.#tables.values()];
  }

  tableOfId(id: string): Table | undefined {
    const def = this.schema.byPrefix(keyPrefixOf(id));
    return def === undefined ? undefined : this.table(def.name);
  }

  /** A stored record (deleted ones included) by 15- or 18-character id. */
  get(id: string): { table: Table; values: RecordValues; deleted: boolean } | undefined {
    const full = normalizeId(id);
    if (full === undefined) return undefined;
    const table = this.tableOfId(full);
    const row = table?.rows.get(full);
    if (table === undefined || row === undefined) return undefined;
    return { table, values: row.values, deleted: row.deletedAt !== null };
  }

  onChange(listener: (changes: RecordChange[]) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Monotonic clock: Salesforce never hands out a SystemModstamp earlier than the last one. Every
   * record one transaction saves gets the same stamp (its audit fields name the transaction's
   * time), so records that got the same change share one change event however long it took.
   */
  stamp(): number {
    if (this.#undo !== null && this.#transactionStamp !== null) return this.#transactionStamp;
    const now = this.#now();
    this.#lastStamp = Math.max(now, this.#lastStamp);
    if (this.#undo !== null) this.#transactionStamp = this.#lastStamp;
    return this.#lastStamp;
  }

  now(): number {
    return this.#now();
  }

  /**
   * Runs `fn` as one transaction: if it returns false (or throws) every write inside is undone.
   * Change events are delivered once, after commit, sharing one transaction key as in CDC.
   */
  transaction<T>(fn: () => { commit: boolean; value: T }): T {
    if (this.#undo !== null) {
      const outcome = fn();
      return outcome.value;
    }
    this.#undo = [];
    this.#pending = [];
    this.#transactionKey = randomUUID();
    this.#transactionStamp = null;
    let outcome: { commit: boolean; value: T } | undefined;
    try {
      outcome = fn();
    } finally {
      const undo = this.#undo;
      const pending = this.#pending;
      this.#undo = null;
      this.#pending = null;
      this.#transactionKey = null;
      this.#transactionStamp = null;
      if (outcome?.commit !== true) {
        for (let i = undo.length - 1; i >= 0; i -= 1) undo[i]?.();
      } else if (pending.length > 0) {
        this.#emit(pending);
      }
    }
    return outcome.value;
  }

  #emit(changes: RecordChange[]): void {
    for (const listener of this.#listeners) listener(changes);
  }

  #record(change: Omit<RecordChange, 'transactionKey'>): void {
    const full: RecordChange = { ...change, transactionKey: this.#transactionKey ?? randomUUID() };
    if (this.#pending !== null) this.#pending.push(full);
    else this.#emit([full]);
  }

  #onUndo(undo: Undo): void {
    this.#undo?.push(undo);
  }

  #putRow(table: Table, id: string, row: Row, stamp: string): void {
    row.seq = ++this.#seq;
    table.rows.set(id, row);
    table.log.push({ stamp, seq: row.seq, id });
    table.compactLog();
  }

  /**
   * Applies input fields to `target`, coercing and checking each. A parent given by key under its
   * relationship name (`Account__r`) is resolved to its id and then checked exactly as that id
   * given directly would be. Returns the errors; `target` holds the accepted values.
   */
  #applyInput(table: Table, input: RecordValues, target: RecordValues, mode: 'create' | 'update' | 'system'): FieldError[] {
    const errors: FieldError[] = [];
    const def = table.def;
    const notWritable: string[] = [];
    // Lower-case input keys, and those holding an object (a parent by key), built only when a
    // lookup is met: both forms of one lookup (AccountId and Account) are refused.
    let given: { all: Set<string>; byKey: Set<string> } | undefined;
    const keysOf = (): { all: Set<string>; byKey: Set<string> } => {
      if (given === undefined) {
        given = { all: new Set(), byKey: new Set() };
        for (const [k, v] of Object.entries(input)) {
          given.all.add(k.toLowerCase());
          if (isParentKeyValue(v)) given.byKey.add(k.toLowerCase());
        }
      }
      return given;
    };
    for (const [key, raw] of Object.entries(input)) {
      if (key === 'attributes') continue;
      let field = def.fieldMap.get(key.toLowerCase());
      let byKey = false;
      if (field === undefined && isParentKeyValue(raw)) {
        field = this.schema.parentRelationship(def, key);
        byKey = field !== undefined;
      }
      if (field === undefined) {
        errors.push({ statusCode: 'INVALID_FIELD', message: `No such column '${key}' on sobject of type ${def.name}`, fields: [] });
        continue;
      }
      if (field.name === 'Id') continue;
      if (byKey && keysOf().all.has(field.name.toLowerCase())) {
        errors.push(referenceGivenTwice(field));
        continue;
      }
      // The id given beside a parent key: already refused under the relationship name.
      if (!byKey && field.relationshipName !== null && field.type === 'reference' && keysOf().byKey.has(field.relationshipName.toLowerCase())) continue;
      const writable = mode === 'system' || (mode === 'create' ? field.createable : field.updateable);
      if (!writable) {
        notWritable.push(field.name);
        continue;
      }
      let value = raw;
      if (byKey && isParentKeyValue(raw)) {
        const resolved = this.#resolveParentKey(field, raw);
        if ('error' in resolved) {
          errors.push(resolved.error);
          continue;
        }
        value = resolved.id;
      }
      const coerced = coerceValue(field, value);
      if (!coerced.ok) {
        errors.push(coerced.error);
        continue;
      }
      if (field.type === 'reference' && coerced.value !== null) {
        const error = this.#checkReference(field, coerced.value as string);
        if (error !== undefined) {
          errors.push(error);
          continue;
        }
      }
      target[field.name] = coerced.value;
    }
    if (notWritable.length > 0) {
      errors.push({
        statusCode: 'INVALID_FIELD_FOR_INSERT_UPDATE',
        message: `Unable to create/update fields: ${notWritable.join(', ')}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`,
        fields: notWritable,
      });
    }
    return errors;
  }

  /**
   * The id of the one live parent whose key field holds the value, found through the key index
   * (never a scan: Bulk jobs resolve one reference per row). A null or empty key clears the
   * lookup, as `#N/A` in a Bulk relationship column does.
   */
  #resolveParentKey(field: FieldDef, ref: Record<string, unknown>): { id: string | null } | { error: FieldError } {
    const key = parseParentKey(this.schema, field, ref);
    if ('statusCode' in key) return { error: key };
    const parents = this.table(key.target.name);
    if (parents === undefined) return { error: parentNotFound(key) };
    let ids: string[];
    if (key.keyField.name === 'Id') {
      if (key.value === null || key.value === undefined || key.value === '') return { id: null };
      const id = typeof key.value === 'string' ? normalizeId(key.value) : undefined;
      ids = id !== undefined && parents.rows.get(id)?.deletedAt === null ? [id] : [];
    } else {
      // The key is read as the parent field reads it (a number key matches "12" and 12.0).
      const coerced = coerceValue(key.keyField, key.value);
      if (coerced.ok && coerced.value === null) return { id: null };
      ids = coerced.ok ? parents.findByKey(key.keyField, coerced.value) : [];
    }
    if (ids.length > 1) return { error: parentNotUnique(key, ids) };
    const [id] = ids;
    return id === undefined ? { error: parentNotFound(key) } : { id };
  }

  #checkReference(field: FieldDef, id: string): FieldError | undefined {
    const targetDef = this.schema.byPrefix(keyPrefixOf(id));
    if (targetDef === undefined || !field.referenceTo.some((t) => t.toLowerCase() === targetDef.name.toLowerCase())) {
      return {
        statusCode: 'FIELD_INTEGRITY_EXCEPTION',
        message: `${field.label}: id value of incorrect type: ${id}`,
        fields: [field.name],
      };
    }
    const row = this.table(targetDef.name)?.rows.get(id);
    if (row === undefined || row.deletedAt !== null) {
      return { statusCode: 'INVALID_CROSS_REFERENCE_KEY', message: 'invalid cross reference id', fields: [field.name] };
    }
    return undefined;
  }

  #computeDerived(table: Table, values: RecordValues): void {
    for (const f of table.computed) if (f.compute !== undefined) values[f.name] = f.compute(values) ?? null;
  }

  #checkRequiredAndUnique(table: Table, id: string, values: RecordValues): FieldError[] {
    const errors: FieldError[] = [];
    const missing = table.required.filter((f) => values[f.name] === null || values[f.name] === undefined);
    if (missing.length > 0) {
      errors.push({
        statusCode: 'REQUIRED_FIELD_MISSING',
        message: `Required fields are missing: [${missing.map((f) => f.name).join(', ')}]`,
        fields: missing.map((f) => f.name),
      });
    }
    for (const f of table.uniques) {
      const v = values[f.name];
      if (v === null || v === undefined) continue;
      const other = table.findByKey(f, v).find((otherId) => otherId !== id);
      if (other !== undefined) {
        errors.push({
          statusCode: 'DUPLICATE_VALUE',
          message: `duplicate value found: ${f.name} duplicates value on record with id: ${other}`,
          fields: [],
        });
      }
    }
    return errors;
  }

  #nextAutoNumber(table: Table, field: FieldDef): string {
    const key = `${table.def.name}.${field.name}`;
    const n = (this.#autoNumbers.get(key) ?? 0) + 1;
    this.#autoNumbers.set(key, n);
    const format = field.autoNumberFormat ?? '{0}';
    return format.replace(/\{(0+)\}/, (_m, zeros: string) => String(n).padStart(zeros.length, '0'));
  }

  create(objectName: string, input: RecordValues, ctx: WriteContext): SaveResult {
    const table = this.table(objectName);
    if (table === undefined) throw new Error(`unknown object ${objectName}`);
    const values: RecordValues = { ...table.template };
    const errors = this.#applyInput(table, input, values, 'create');
    if (errors.length > 0) return { success: false, id: null, errors };
    const id = this.ids.next(table.def.keyPrefix);
    const stampMs = this.stamp();
    const stamp = formatDatetime(stampMs);
    Object.assign(values, {
      Id: id,
      IsDeleted: false,
      CreatedDate: stamp,
      CreatedById: ctx.userId,
      LastModifiedDate: stamp,
      LastModifiedById: ctx.userId,
      SystemModstamp: stamp,
    });
    if (table.def.fieldMap.has('ownerid') && values['OwnerId'] === null) values['OwnerId'] = ctx.userId;
    this.#defaultCurrency(table, input, values, ctx);
    for (const f of table.autoNumbers) values[f.name] = this.#nextAutoNumber(table, f);
    this.#computeDerived(table, values);
    const behaviour = table.def.behaviour;
    const refused = behaviour?.validate?.(values, undefined, this.#access(ctx)) ?? [];
    if (refused.length > 0) return { success: false, id: null, errors: refused };
    behaviour?.onSave?.(values, undefined, stamp, this.#access(ctx));
    const ruleErrors = this.#checkRequiredAndUnique(table, id, values);
    if (ruleErrors.length > 0) return { success: false, id: null, errors: ruleErrors };
    this.#putRow(table, id, { values, seq: 0, deletedAt: null }, stamp);
    table.index(id, values);
    table.liveCount += 1;
    this.recordsWritten += 1;
    this.#onUndo(() => {
      table.unindex(id, values);
      table.rows.delete(id);
      table.liveCount -= 1;
    });
    const nonNull = Object.keys(values).filter((k) => values[k] !== null && k !== 'Id' && k !== 'IsDeleted');
    // Stored values are never mutated in place (updates copy), so listeners may share them.
    this.#record({
      changeType: 'CREATE',
      objectName: table.def.name,
      recordId: id,
      changedFields: nonNull,
      nulledFields: [],
      values,
      userId: ctx.userId,
      commitTimestamp: stampMs,
    });
    table.def.behaviour?.afterCreate?.(values, this.#access(ctx));
    return { success: true, id, created: true };
  }

  /** The store as an object's behaviour sees it: reads, and creates under the same user. */
  #access(ctx: WriteContext): RecordAccess {
    return {
      get: (id) => {
        const found = this.get(id);
        return found === undefined || found.deleted ? undefined : found.values;
      },
      childrenOf: (objectName, field, value) => {
        const table = this.table(objectName);
        const ids = table?.childrenOf(field, value);
        if (table === undefined || ids === undefined) return [];
        return [...ids].flatMap((id) => {
          const row = table.rows.get(id);
          return row === undefined || row.deletedAt !== null ? [] : [row.values];
        });
      },
      create: (objectName, values) => {
        const created = this.create(objectName, values, ctx);
        if (!created.success) throw new Error(`${objectName} could not be created: ${created.errors.map((e) => e.message).join('; ')}`);
      },
      update: (objectName, id, values) => {
        const updated = this.update(objectName, id, values, ctx);
        if (!updated.success) throw new Error(`${objectName} ${id} could not be updated: ${updated.errors.map((e) => e.message).join('; ')}`);
      },
      setDerived: (objectName, id, values) => this.#setDerived(objectName, id, values),
    };
  }

  /**
   * Replaces calculated values of a live row in place of a save: same position in the modstamp
   * log, same audit fields, no change event (undone with the transaction like any write).
   */
  #setDerived(objectName: string, id: string, derived: RecordValues): void {
    const table = this.table(objectName);
    const row = table?.rows.get(id);
    if (table === undefined || row === undefined || row.deletedAt !== null) return;
    if (Object.entries(derived).every(([k, v]) => row.values[k] === v)) return;
    const values: RecordValues = { ...row.values, ...derived };
    table.unindex(id, row.values);
    table.rows.set(id, { values, seq: row.seq, deletedAt: null });
    table.index(id, values);
    this.#onUndo(() => {
      table.unindex(id, values);
      table.rows.set(id, row);
      table.index(id, row.values);
    });
  }

  /**
   * In a multi-currency org a record created without a currency gets its creator's (the user's
   * DefaultCurrencyIsoCode); the field's default, the corporate currency, covers a user without one.
   */
  #defaultCurrency(table: Table, input: RecordValues, values: RecordValues, ctx: WriteContext): void {
    const field = table.def.fieldMap.get('currencyisocode');
    if (field === undefined || !field.createable || Object.keys(input).some((k) => k.toLowerCase() === 'currencyisocode')) return;
    const userCurrency = this.get(ctx.userId)?.values['DefaultCurrencyIsoCode'];
    if (typeof userCurrency === 'string') values[field.name] = userCurrency;
  }

  update(objectName: string | null, rawId: string, input: RecordValues, ctx: WriteContext): SaveResult {
    const id = normalizeId(rawId);
    if (id === undefined) {
      return { success: false, id: rawId, errors: [{ statusCode: 'MALFORMED_ID', message: `malformed id ${rawId}`, fields: [] }] };
    }
    const table = objectName === null ? this.tableOfId(id) : this.table(objectName);
    const row = table?.rows.get(id);
    if (table === undefined || row === undefined) {
      return { success: false, id, errors: [{ statusCode: 'INVALID_CROSS_REFERENCE_KEY', message: 'invalid cross reference id', fields: [] }] };
    }
    if (row.deletedAt !== null) {
      return { success: false, id, errors: [{ statusCode: 'ENTITY_IS_DELETED', message: 'entity is deleted', fields: [] }] };
    }
    const before = row.values;
    const values: RecordValues = { ...before };
    const errors = this.#applyInput(table, input, values, ctx.system === true ? 'system' : 'update');
    if (errors.length > 0) return { success: false, id, errors };
    this.#computeDerived(table, values);
    const behaviour = table.def.behaviour;
    const refused = behaviour?.validate?.(values, before, this.#access(ctx)) ?? [];
    if (refused.length > 0) return { success: false, id, errors: refused };
    const stampMs = this.stamp();
    const stamp = formatDatetime(stampMs);
    behaviour?.onSave?.(values, before, stamp, this.#access(ctx));
    const ruleErrors = this.#checkRequiredAndUnique(table, id, values);
    if (ruleErrors.length > 0) return { success: false, id, errors: ruleErrors };
    const changed = Object.keys(values).filter((k) => values[k] !== before[k]);
    // Salesforce bumps the audit fields on every successful save, even one that changes nothing.
    Object.assign(values, { LastModifiedDate: stamp, LastModifiedById: ctx.userId, SystemModstamp: stamp });
    const oldSeq = row.seq;
    table.unindex(id, before);
    const newRow: Row = { values, seq: 0, deletedAt: null };
    this.#putRow(table, id, newRow, stamp);
    table.index(id, values);
    this.recordsWritten += 1;
    this.#onUndo(() => {
      table.unindex(id, values);
      row.seq = oldSeq;
      table.rows.set(id, row);
      table.log.push({ stamp: String(before['SystemModstamp']), seq: oldSeq, id });
      table.log.sort((a, b) => (a.stamp < b.stamp ? -1 : a.stamp > b.stamp ? 1 : a.seq - b.seq));
      table.index(id, before);
    });
    // CDC lists LastModifiedDate (and LastModifiedById when it moves) but never SystemModstamp.
    const changedFields = [...changed, 'LastModifiedDate', ...(before['LastModifiedById'] === ctx.userId ? [] : ['LastModifiedById'])];
    const delta: RecordValues = { SystemModstamp: stamp };
    for (const k of changedFields) delta[k] = values[k];
    this.#record({
      changeType: 'UPDATE',
      objectName: table.def.name,
      recordId: id,
      changedFields,
      nulledFields: changed.filter((k) => values[k] === null),
      values: delta,
      userId: ctx.userId,
      commitTimestamp: stampMs,
    });
    behaviour?.afterUpdate?.(values, before, this.#access(ctx));
    return { success: true, id, created: false };
  }

  /**
   * Upsert by an external-id field (or Id): updates the one match, inserts when there is none.
   * Several matches are answered with their ids, for the caller's 300 Multiple Choices.
   */
  upsert(
    objectName: string,
    keyField: FieldDef,
    keyValue: unknown,
    input: RecordValues,
    ctx: WriteContext,
    options: { updateOnly?: boolean } = {},
  ): SaveResult | { multiple: string[] } {
    const table = this.table(objectName);
    if (table === undefined) throw new Error(`unknown object ${objectName}`);
    let matches: string[];
    if (keyField.name === 'Id') {
      const id = keyValue === null || keyValue === undefined || keyValue === '' ? undefined : normalizeId(text(keyValue));
      matches = id !== undefined && table.rows.get(id)?.deletedAt === null ? [id] : [];
    } else {
      matches = keyValue === null || keyValue === undefined || keyValue === '' ? [] : table.findByKey(keyField, keyValue);
    }
    if (matches.length > 1) return { multiple: matches };
    const body: RecordValues = { ...input };
    delete body['Id'];
    const match = matches[0];
    if (match !== undefined) {
      // Updating the key to the value it already has is allowed; its absence is normal too.
      for (const k of Object.keys(body)) if (k.toLowerCase() === keyField.name.toLowerCase()) delete body[k];
      return this.update(table.def.name, match, body, ctx);
    }
    if (options.updateOnly === true) {
      return { success: false, id: null, errors: [{ statusCode: 'NOT_FOUND', message: 'The requested resource does not exist', fields: [] }] };
    }
    if (keyField.name !== 'Id' && keyValue !== null && keyValue !== undefined && keyValue !== '') {
      for (const k of Object.keys(body)) if (k.toLowerCase() === keyField.name.toLowerCase()) delete body[k];
      body[keyField.name] = keyValue;
    }
    return this.create(table.def.name, body, ctx);
  }

  /** Moves a record (and its master-detail children) to the recycle bin. */
  delete(rawId: string, ctx: WriteContext, expectedObject?: string): SaveResult {
    const id = normalizeId(rawId);
    const table = id === undefined ? undefined : this.tableOfId(id);
    const row = id === undefined ? undefined : table?.rows.get(id);
    if (id === undefined || table === undefined || row === undefined || (expectedObject !== undefined && expectedObject.toLowerCase() !== table.def.name.toLowerCase())) {
      return {
        success: false,
        id: id ?? rawId,
        errors: [{ statusCode: id === undefined ? 'MALFORMED_ID' : 'INVALID_CROSS_REFERENCE_KEY', message: id === undefined ? `malformed id ${rawId}` : 'invalid cross reference id', fields: [] }],
      };
    }
    if (row.deletedAt !== null) {
      return { success: false, id, errors: [{ statusCode: 'ENTITY_IS_DELETED', message: 'entity is deleted', fields: [] }] };
    }
    const refused = this.#refuseDelete(table, id, row, ctx);
    if (refused !== undefined) return { success: false, id, errors: [refused] };
    this.#softDelete(table, id, row, ctx);
    return { success: true, id, created: false };
  }

  /** Why a live record may not be deleted: its object's, a restricting child, or the object's own rule. */
  #refuseDelete(table: Table, id: string, row: Row, ctx: WriteContext): FieldError | undefined {
    if (!table.def.deletable) return { statusCode: 'INVALID_TYPE', message: `entity type ${table.def.name} does not support delete`, fields: [] };
    const restrict = this.#restrictingChild(table, id);
    if (restrict !== undefined) {
      return { statusCode: 'DELETE_FAILED', message: `Your attempt to delete ${id} could not be completed because it is associated with the following ${restrict}.`, fields: [] };
    }
    return table.def.behaviour?.beforeDelete?.(row.values, this.#access(ctx));
  }

  #restrictingChild(table: Table, id: string): string | undefined {
    for (const rel of table.def.childRelationships) {
      const child = this.table(rel.childSObject);
      const field = child?.def.fieldMap.get(rel.field.toLowerCase());
      if (child === undefined || field === undefined || !field.restrictedDelete) continue;
      const kids = child.childrenOf(field.name, id);
      if (kids !== undefined && [...kids].some((k) => child.rows.get(k)?.deletedAt === null)) return child.def.labelPlural;
    }
    return undefined;
  }

  #softDelete(table: Table, id: string, row: Row, ctx: WriteContext): void {
    const stampMs = this.stamp();
    const stamp = formatDatetime(stampMs);
    // Children first: master-detail cascades, lookups are cleared (Salesforce's SetNull).
    for (const rel of table.def.childRelationships) {
      const child = this.table(rel.childSObject);
      const kids = child?.childrenOf(rel.field, id);
      if (child === undefined || kids === undefined) continue;
      for (const kidId of [...kids]) {
        const kid = child.rows.get(kidId);
        if (kid === undefined || kid.deletedAt !== null) continue;
        if (rel.cascadeDelete) this.#softDelete(child, kidId, kid, ctx);
        else this.update(child.def.name, kidId, { [rel.field]: null }, { userId: ctx.userId });
      }
    }
    const before = row.values;
    const oldSeq = row.seq;
    const values: RecordValues = { ...before, IsDeleted: true, SystemModstamp: stamp, LastModifiedDate: stamp, LastModifiedById: ctx.userId };
    table.unindex(id, before);
    // Deleted rows keep their lookups indexed so an undelete of the parent can find them again.
    for (const [name, index] of table.parentIndexes) {
      const field = table.def.fieldMap.get(name);
      const v = field === undefined ? null : before[field.name];
      if (typeof v !== 'string') continue;
      let set = index.get(v);
      if (set === undefined) index.set(v, (set = new Set()));
      set.add(id);
    }
    this.#putRow(table, id, { values, seq: 0, deletedAt: stampMs }, stamp);
    table.liveCount -= 1;
    this.recordsWritten += 1;
    this.#onUndo(() => {
      for (const [name, index] of table.parentIndexes) {
        const field = table.def.fieldMap.get(name);
        const v = field === undefined ? null : before[field.name];
        if (typeof v === 'string') index.get(v)?.delete(id);
      }
      row.seq = oldSeq;
      table.rows.set(id, row);
      table.log.push({ stamp: String(before['SystemModstamp']), seq: oldSeq, id });
      table.log.sort((a, b) => (a.stamp < b.stamp ? -1 : a.stamp > b.stamp ? 1 : a.seq - b.seq));
      table.index(id, before);
      table.liveCount += 1;
    });
    this.#record({
      changeType: 'DELETE',
      objectName: table.def.name,
      recordId: id,
      changedFields: [],
      nulledFields: [],
      values: {},
      userId: ctx.userId,
      commitTimestamp: stampMs,
    });
  }

  /** Restores a record from the recycle bin, with the master-detail children deleted with it. */
  undelete(rawId: string, ctx: WriteContext): SaveResult {
    const id = normalizeId(rawId);
    const table = id === undefined ? undefined : this.tableOfId(id);
    const row = id === undefined ? undefined : table?.rows.get(id);
    if (id === undefined || table === undefined || row === undefined) {
      return { success: false, id: rawId, errors: [{ statusCode: 'INVALID_CROSS_REFERENCE_KEY', message: 'invalid cross reference id', fields: [] }] };
    }
    if (row.deletedAt === null) {
      return { success: false, id, errors: [{ statusCode: 'UNDELETE_FAILED', message: 'Entity is not in the recycle bin', fields: [] }] };
    }
    const dup = this.#checkRequiredAndUnique(table, id, row.values).filter((e) => e.statusCode === 'DUPLICATE_VALUE');
    if (dup.length > 0) return { success: false, id, errors: dup };
    const deletedAt = row.deletedAt;
    const stampMs = this.stamp();
    const stamp = formatDatetime(stampMs);
    const values: RecordValues = { ...row.values, IsDeleted: false, SystemModstamp: stamp, LastModifiedDate: stamp, LastModifiedById: ctx.userId };
    for (const [name, index] of table.parentIndexes) {
      const field = table.def.fieldMap.get(name);
      const v = field === undefined ? null : row.values[field.name];
      if (typeof v === 'string') index.get(v)?.delete(id);
    }
    this.#putRow(table, id, { values, seq: 0, deletedAt: null }, stamp);
    table.index(id, values);
    table.liveCount += 1;
    this.recordsWritten += 1;
    this.#record({
      changeType: 'UNDELETE',
      objectName: table.def.name,
      recordId: id,
      changedFields: [],
      nulledFields: [],
      values,
      userId: ctx.userId,
      commitTimestamp: stampMs,
    });
    for (const rel of table.def.childRelationships) {
      if (!rel.cascadeDelete) continue;
      const child = this.table(rel.childSObject);
      const kids = child?.childrenOf(rel.field, id);
      if (child === undefined || kids === undefined) continue;
      for (const kidId of [...kids]) {
        const kid = child.rows.get(kidId);
        // Only children that went to the bin with this parent come back with it.
        if (kid !== undefined && kid.deletedAt !== null && kid.deletedAt >= deletedAt) this.undelete(kidId, ctx);
      }
    }
    return { success: true, id, created: false };
  }

  /** Removes a record for good (Bulk hardDelete, emptying the recycle bin). */
  hardDelete(rawId: string, ctx: WriteContext): SaveResult {
    const id = normalizeId(rawId);
    const table = id === undefined ? undefined : this.tableOfId(id);
    const row = id === undefined ? undefined : table?.rows.get(id);
    if (id === undefined || table === undefined || row === undefined) {
      return { success: false, id: rawId, errors: [{ statusCode: 'INVALID_CROSS_REFERENCE_KEY', message: 'invalid cross reference id', fields: [] }] };
    }
    if (row.deletedAt === null) {
      const refused = this.#refuseDelete(table, id, row, ctx);
      if (refused !== undefined) return { success: false, id, errors: [refused] };
      this.#softDelete(table, id, row, ctx);
    }
    const current = table.rows.get(id);
    if (current !== undefined) {
      for (const [name, index] of table.parentIndexes) {
        const field = table.def.fieldMap.get(name);
        const v = field === undefined ? null : current.values[field.name];
        if (typeof v === 'string') index.get(v)?.delete(id);
      }
    }
    table.rows.delete(id);
    this.#onUndo(() => {
      if (current !== undefined) table.rows.set(id, current);
    });
    return { success: true, id, created: false };
  }

  /** Loads a record exactly as given (snapshots, seeding with fixed ids); no rules are applied. */
  restore(objectName: string, values: RecordValues, deletedAt: number | null): void {
    const table = this.table(objectName);
    const id = values['Id'];
    if (table === undefined || typeof id !== 'string') return;
    this.ids.observe(id);
    this.#putRow(table, id, { values, seq: 0, deletedAt }, String(values['SystemModstamp']));
    if (deletedAt === null) {
      table.index(id, values);
      table.liveCount += 1;
    }
    const stamp = Date.parse(String(values['SystemModstamp']).replace('+0000', 'Z'));
    if (Number.isFinite(stamp)) this.#lastStamp = Math.max(this.#lastStamp, stamp);
  }

  /** Sorts every table's modstamp log after bulk restores, which may arrive out of order. */
  finishRestore(): void {
    for (const table of this.#tables.values()) {
      table.log.sort((a, b) => (a.stamp < b.stamp ? -1 : a.stamp > b.stamp ? 1 : a.seq - b.seq));
    }
  }

  exportState(): { ids: Record<string, number>; autoNumbers: Record<string, number>; tables: Record<string, { values: RecordValues; deletedAt: number | null }[]> } {
    const tables: Record<string, { values: RecordValues; deletedAt: number | null }[]> = {};
    for (const table of this.#tables.values()) {
      if (table.rows.size === 0) continue;
      tables[table.def.name] = [...table.rows.values()].map((r) => ({ values: r.values, deletedAt: r.deletedAt }));
    }
    return { ids: this.ids.export(), autoNumbers: Object.fromEntries(this.#autoNumbers), tables };
  }

  importState(state: ReturnType<Store['exportState']>): void {
    this.ids.import(state.ids);
    this.#autoNumbers = new Map(Object.entries(state.autoNumbers));
    for (const [name, rows] of Object.entries(state.tables)) for (const r of rows) this.restore(name, r.values, r.deletedAt);
    this.finishRestore();
  }

  /** Empties every table (test reset). */
  clear(): void {
    for (const [name, table] of this.#tables) this.#tables.set(name, new Table(table.def));
    this.#autoNumbers.clear();
  }
}
