import { isDeepStrictEqual } from 'node:util';
import { v7 as uuidv7 } from 'uuid';
import type { Database, Queryable } from '../storage/index.ts';
import { SqlState, sqlStateOf } from '../storage/index.ts';
import { entityByName, ENTITIES } from './entities.ts';
import type { EntityDefinition, Issue, RecordData, Reference } from './entity.ts';
import { appendJournal, type JournalEntry, type Origin } from './journal.ts';
import { fail, ok, type Result, type StoreError } from './result.ts';
import { issuesFromZod } from './issues.ts';
import { unsafeTextIssues } from './text.ts';

/** Which side made a record's latest change: Ferry (its API, imports) or Salesforce (read back by an integration). */
export type LastSystem = 'Ferry' | 'Salesforce';

/** A record as the API shows it: its fields, plus id, version, timestamps and who changed it last. */
export interface StoredRecord {
  id: string;
  version: number;
  createdAt: string;
  updatedAt: string;
  deletedAt?: string;
  lastSystemToUpdate: LastSystem;
  [field: string]: unknown;
}

/** Writes an integration made came from Salesforce (incoming sync); every other origin is Ferry's. */
export function lastSystemOf(origin: Origin): LastSystem {
  return origin.startsWith('integration:') ? 'Salesforce' : 'Ferry';
}

export type WriteStatus = 'created' | 'updated' | 'unchanged' | 'deleted';

export interface Written {
  status: WriteStatus;
  record: StoredRecord;
}

export interface ListOptions {
  limit: number;
  after?: string | undefined;
  accountId?: string | undefined;
  updatedSince?: string | undefined;
  includeDeleted?: boolean | undefined;
  filters?: Record<string, string> | undefined;
  /** Text the record's name or code contains, case-insensitive (entities with such fields: searchFieldsOf). */
  search?: string | undefined;
}

interface RecordRow {
  id: string;
  version: number;
  key: string | null;
  account_id: string | null;
  parent_id: string | null;
  data: RecordData;
  created_at: Date;
  updated_at: Date;
  deleted_at: Date | null;
  last_system: LastSystem | null;
}

const COLUMNS = 'id, version, key, account_id, parent_id, data, created_at, updated_at, deleted_at, last_system';

export function toStoredRecord(row: RecordRow): StoredRecord {
  const record: StoredRecord = {
    id: row.id,
    version: row.version,
    ...row.data,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    // Rows written before the column existed were all Ferry's.
    lastSystemToUpdate: row.last_system ?? 'Ferry',
  };
  if (row.deleted_at !== null) record.deletedAt = row.deleted_at.toISOString();
  return record;
}

/** One item of a write batch, before it meets the database. */
type Intent =
  | { kind: 'create'; input: RecordData }
  | { kind: 'upsert'; input: RecordData }
  | { kind: 'patch'; id: string; input: RecordData; version?: number | undefined }
  | { kind: 'delete'; id: string; version?: number | undefined };

/** What a write batch decided for one item. */
interface Planned {
  index: number;
  status: WriteStatus;
  id: string;
  version: number;
  key: string | null;
  accountId: string | null;
  parentId: string | null;
  data: RecordData;
  changedFields: string[];
  existing: RecordRow | undefined;
}

const RETRIES_ON_RACE = 3;

/**
 * Referenced rows that are not billing records: the integrations (their table comes with the same
 * migrations as the store's). Looked up by organization too, so another organization's id is
 * "not found" exactly like an unknown one.
 */
const OTHER_TARGETS: Record<string, { label: string; sql: string }> = {
  integrations: { label: 'integration', sql: 'SELECT id, NULL::uuid AS account_id FROM integrations WHERE org_id = $1 AND id = ANY($2::uuid[])' },
};

/** Applies a JSON merge at the top level: a field set to null is removed. */
function mergeTopLevel(base: RecordData, patch: RecordData): RecordData {
  const out: RecordData = { ...base };
  for (const [field, value] of Object.entries(patch)) {
    if (value === null) delete out[field];
    else out[field] = value;
  }
  return out;
}

function changedFieldsOf(before: RecordData, after: RecordData): string[] {
  const fields = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...fields].filter((field) => !isDeepStrictEqual(before[field], after[field])).sort();
}

function referencesOf(definition: EntityDefinition, data: RecordData): Reference[] {
  return typeof definition.references === 'function' ? definition.references(data) : definition.references;
}

/** The ids a record names through one reference, with where each is in the record. */
function referencedIds(reference: Reference, data: RecordData): { value: string; path: (string | number)[] }[] {
  const value = data[reference.field];
  if (reference.many === true) {
    return Array.isArray(value) ? value.flatMap((v, i) => (typeof v === 'string' ? [{ value: v, path: [reference.field, i] }] : [])) : [];
  }
  return typeof value === 'string' ? [{ value, path: [reference.field] }] : [];
}

function keyOf(definition: EntityDefinition, data: RecordData): string | null {
  if (definition.keyOf !== undefined) return definition.keyOf(data);
  const value = data[definition.keyField ?? 'externalKey'];
  return typeof value === 'string' ? value : null;
}

function keyFieldName(definition: EntityDefinition): string {
  return definition.keyField ?? 'externalKey';
}

function validate(definition: EntityDefinition, candidate: RecordData): Result<RecordData> {
  const parsed = definition.schema.safeParse(candidate);
  if (!parsed.success) return fail('validation_failed', `The ${definition.label} is not valid.`, issuesFromZod(parsed.error, candidate));
  const data = parsed.data;
  const issues = definition.check?.(data) ?? [];
  if (issues.length > 0) return fail('validation_failed', `The ${definition.label} is not valid.`, issues);
  return ok(definition.normalise?.(data) ?? data);
}

/**
 * The billing-entity store. Every write runs in one transaction that also appends its journal
 * entries; a batch checks all of its items first and writes only the valid ones, so a failed item
 * leaves nothing behind while its neighbours are written.
 */
export class RecordStore {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  async get(orgId: string, entity: string, id: string): Promise<Result<StoredRecord>> {
    return this.getIn(this.#db, orgId, entity, id);
  }

  /** Reads a record in the caller's transaction, locked for the rest of it when `lock` is set. */
  async getIn(tx: Queryable, orgId: string, entity: string, id: string, lock = false): Promise<Result<StoredRecord>> {
    const definition = this.#definition(entity);
    const rows = await tx.query<RecordRow>(
      `SELECT ${COLUMNS} FROM records WHERE org_id = $1 AND entity = $2 AND id = $3${lock ? ' FOR UPDATE' : ''}`,
      [orgId, entity, id],
    );
    const row = rows[0];
    if (row === undefined) return fail('not_found', `No ${definition.label} has id ${id}.`);
    if (row.deleted_at !== null) {
      return fail('not_found', `The ${definition.label} ${id} was deleted at ${row.deleted_at.toISOString()}.`);
    }
    return ok(toStoredRecord(row));
  }

  /**
   * Reads records by id in the caller's transaction, deleted ones included (their deletedAt set),
   * locked for the rest of it when `lock` is set. Ids of no record are absent from the answer.
   */
  async getManyIn(tx: Queryable, orgId: string, entity: string, ids: readonly string[], lock = false): Promise<Map<string, StoredRecord>> {
    if (ids.length === 0) return new Map();
    const definition = this.#definition(entity);
    const rows = await tx.query<RecordRow>(
      `SELECT ${COLUMNS} FROM records WHERE org_id = $1 AND entity = $2 AND id = ANY($3::uuid[]) ORDER BY id${lock ? ' FOR UPDATE' : ''}`,
      [orgId, definition.name, [...new Set(ids)]],
    );
    return new Map(rows.map((row) => [row.id, toStoredRecord(row)]));
  }

  /**
   * The natural key the store would give a record with this data (an account's code), or null;
   * two creates of one key in a single write refuse the second.
   */
  keyOf(entity: string, data: RecordData): string | null {
    return keyOf(this.#definition(entity), data);
  }

  async list(orgId: string, entity: string, options: ListOptions): Promise<{ records: StoredRecord[]; hasMore: boolean }> {
    const definition = this.#definition(entity);
    const params: unknown[] = [orgId, entity];
    const where = ['org_id = $1', 'entity = $2'];
    const add = (sql: (n: number) => string, value: unknown) => {
      params.push(value);
      where.push(sql(params.length));
    };
    if (options.includeDeleted !== true) where.push('deleted_at IS NULL');
    if (options.after !== undefined) add((n) => `id > $${n}`, options.after);
    if (options.accountId !== undefined) add((n) => `account_id = $${n}`, options.accountId);
    if (options.updatedSince !== undefined) add((n) => `updated_at >= $${n}`, options.updatedSince);
    for (const [field, value] of Object.entries(options.filters ?? {})) {
      if (!definition.filters.includes(field)) throw new Error(`${field} is not a filter of ${entity}`);
      if (field === definition.parentField) add((n) => `parent_id = $${n}`, value);
      else add((n) => `data->>'${field}' = $${n}`, value);
    }
    if (options.search !== undefined) {
      const fields = searchFieldsOf(definition);
      if (fields.length === 0) throw new Error(`${entity} has no field to search`);
      // LIKE's own characters in the text are matched as themselves.
      const pattern = `%${options.search.replaceAll(/[\\%_]/g, (c) => `\\${c}`)}%`;
      add((n) => `(${fields.map((field) => `data->>'${field}' ILIKE $${n}`).join(' OR ')})`, pattern);
    }
    params.push(options.limit + 1);
    const rows = await this.#db.query<RecordRow>(
      `SELECT ${COLUMNS} FROM records WHERE ${where.join(' AND ')} ORDER BY id LIMIT $${params.length}`,
      params,
    );
    const hasMore = rows.length > options.limit;
    return { records: rows.slice(0, options.limit).map(toStoredRecord), hasMore };
  }

  async create(orgId: string, entity: string, input: RecordData, origin: Origin): Promise<Result<Written>> {
    const [result] = await this.#write(orgId, entity, [{ kind: 'create', input }], origin);
    return result ?? fail('validation_failed', 'Nothing to write.');
  }

  async update(orgId: string, entity: string, id: string, input: RecordData, origin: Origin, version?: number): Promise<Result<Written>> {
    const [result] = await this.#write(orgId, entity, [{ kind: 'patch', id, input, version }], origin);
    return result ?? fail('validation_failed', 'Nothing to write.');
  }

  async delete(orgId: string, entity: string, id: string, origin: Origin, version?: number): Promise<Result<Written>> {
    const [result] = await this.#write(orgId, entity, [{ kind: 'delete', id, version }], origin);
    return result ?? fail('validation_failed', 'Nothing to write.');
  }

  /**
   * Patches a record inside the caller's transaction, with the store's validation and journal, so
   * that what the caller writes beside it (a sync link, a cursor) commits with it or not at all.
   */
  async updateIn(tx: Queryable, orgId: string, entity: string, id: string, input: RecordData, origin: Origin): Promise<Result<Written>> {
    const [result] = await this.#writeInTransaction(tx, orgId, this.#definition(entity), [{ kind: 'patch', id, input }], origin);
    return result ?? fail('validation_failed', 'Nothing to write.');
  }

  /** Creates a record inside the caller's transaction (see updateIn). */
  async createIn(tx: Queryable, orgId: string, entity: string, input: RecordData, origin: Origin): Promise<Result<Written>> {
    const [result] = await this.#writeInTransaction(tx, orgId, this.#definition(entity), [{ kind: 'create', input }], origin);
    return result ?? fail('validation_failed', 'Nothing to write.');
  }

  /**
   * Creates and patches several records inside the caller's transaction, checked and written as
   * one batch (see updateIn): one result per item, in order; a refused item writes nothing.
   */
  async writeManyIn(tx: Queryable, orgId: string, entity: string, items: readonly ({ kind: 'create'; input: RecordData } | { kind: 'patch'; id: string; input: RecordData })[], origin: Origin): Promise<Result<Written>[]> {
    if (items.length === 0) return [];
    return this.#writeInTransaction(tx, orgId, this.#definition(entity), [...items], origin);
  }

  /** Deletes a record inside the caller's transaction (see updateIn). */
  async deleteIn(tx: Queryable, orgId: string, entity: string, id: string, origin: Origin): Promise<Result<Written>> {
    const [result] = await this.#writeInTransaction(tx, orgId, this.#definition(entity), [{ kind: 'delete', id }], origin);
    return result ?? fail('validation_failed', 'Nothing to write.');
  }

  /**
   * Brings a deleted record back inside the caller's transaction (an undelete that came from
   * Salesforce): the same id, its data as it was, a new version, and a journal entry that makes
   * integrations deliver it again. Refused when another live record has taken its key meanwhile.
   */
  async restoreIn(tx: Queryable, orgId: string, entity: string, id: string, origin: Origin): Promise<Result<Written>> {
    const definition = this.#definition(entity);
    const [row] = await tx.query<RecordRow>(`SELECT ${COLUMNS} FROM records WHERE org_id = $1 AND entity = $2 AND id = $3 FOR UPDATE`, [orgId, definition.name, id]);
    if (row === undefined) return fail('not_found', `No ${definition.label} has id ${id}.`);
    if (row.deleted_at === null) return ok({ status: 'unchanged', record: toStoredRecord(row) });
    if (row.key !== null) {
      const clash = await tx.query<{ id: string }>('SELECT id FROM records WHERE org_id = $1 AND entity = $2 AND key = $3 AND deleted_at IS NULL', [orgId, definition.name, row.key]);
      if (clash[0] !== undefined) {
        const keyField = definition.keyField ?? 'key';
        return fail('duplicate_key', `Another ${definition.label} has taken this ${keyField} since it was deleted.`, [{ path: [keyField], message: `"${row.key}" is taken by ${clash[0].id}` }]);
      }
    }
    const [restored] = await tx.query<RecordRow>(
      `UPDATE records SET deleted_at = NULL, version = version + 1, updated_at = now(), last_system = $4 WHERE org_id = $1 AND entity = $2 AND id = $3 RETURNING ${COLUMNS}`,
      [orgId, definition.name, id, lastSystemOf(origin)],
    );
    await appendJournal(tx, orgId, origin, [{ entity: definition.name, entityId: id, operation: 'create', version: restored!.version, changedFields: Object.keys(restored!.data).sort() }]);
    return ok({ status: 'created', record: toStoredRecord(restored!) });
  }

  /** Creates or updates each item by its natural key; one result per item, in order. */
  async upsertMany(orgId: string, entity: string, items: readonly RecordData[], origin: Origin): Promise<Result<Written>[]> {
    return this.#write(orgId, entity, items.map((input) => ({ kind: 'upsert', input })), origin);
  }

  async #write(orgId: string, entity: string, intents: Intent[], origin: Origin): Promise<Result<Written>[]> {
    const definition = this.#definition(entity);
    // Two batches racing to create the same key: the loser's insert hits the unique index, its
    // transaction rolls back whole, and it runs again, now seeing the winner's row as existing.
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#db.transaction((tx) => this.#writeInTransaction(tx, orgId, definition, intents, origin));
      } catch (error) {
        if (sqlStateOf(error) !== SqlState.uniqueViolation || attempt >= RETRIES_ON_RACE) throw error;
      }
    }
  }

  async #writeInTransaction(
    tx: Queryable,
    orgId: string,
    definition: EntityDefinition,
    intents: Intent[],
    origin: Origin,
  ): Promise<Result<Written>[]> {
    const results: (Result<Written> | undefined)[] = intents.map(() => undefined);
    const keyField = keyFieldName(definition);

    // 1. Find the existing rows, locked for the rest of the transaction.
    const ids = intents.flatMap((intent) => ('id' in intent ? [intent.id] : []));
    const keys: string[] = [];
    const keyIndex = new Map<string, number>();
    intents.forEach((intent, index) => {
      // Text the database cannot hold fails its own item here, before any key of it reaches SQL:
      // one bad row must not abort the transaction its neighbours are written in.
      const unsafe = 'input' in intent ? unsafeTextIssues(intent.input) : [];
      if (unsafe.length > 0) {
        results[index] = fail('validation_failed', `The ${definition.label} is not valid.`, unsafe);
        return;
      }
      if (intent.kind === 'create' || intent.kind === 'upsert') {
        const key = keyOf(definition, intent.input);
        if (key === null) {
          if (intent.kind === 'upsert') {
            results[index] = fail('validation_failed', `Each ${definition.label} in a bulk upsert needs its ${keyField}.`, [
              { path: [keyField], message: 'is required to match an existing record' },
            ]);
          }
          return;
        }
        if (keyIndex.has(key)) {
          results[index] = fail('duplicate_key', `The same ${keyField} appears twice in this request.`, [
            { path: [keyField], message: `"${key}" was already given by item ${keyIndex.get(key)}` },
          ]);
          return;
        }
        keyIndex.set(key, index);
        keys.push(key);
      }
    });
    const existingRows = ids.length + keys.length === 0 ? [] : await tx.query<RecordRow>(
      `SELECT ${COLUMNS} FROM records
       WHERE org_id = $1 AND entity = $2 AND (id = ANY($3::uuid[]) OR (key = ANY($4::text[]) AND deleted_at IS NULL))
       FOR UPDATE`,
      [orgId, definition.name, ids, keys],
    );
    const byId = new Map(existingRows.map((row) => [row.id, row]));
    const byKey = new Map(existingRows.filter((row) => row.key !== null && row.deleted_at === null).map((row) => [row.key!, row]));

    // 2. Decide each item: merge, validate, check the state it changes.
    const candidates: { index: number; data: RecordData; existing: RecordRow | undefined; deleting: boolean }[] = [];
    intents.forEach((intent, index) => {
      if (results[index] !== undefined) return;
      const decided = this.#decide(definition, intent, byId, byKey);
      if (!decided.ok) results[index] = decided;
      else candidates.push({ index, ...decided.value });
    });

    // 3. References must point at live records of this organization; their account is inherited.
    const referenced = await this.#loadReferences(tx, orgId, definition, candidates.filter((c) => !c.deleting).map((c) => c.data));
    const planned: Planned[] = [];
    const claimedKeys = new Map<string, number>();
    for (const candidate of candidates) {
      const { index, data, existing, deleting } = candidate;
      if (deleting) {
        const blockers = await this.#dependents(tx, orgId, definition, existing!.id);
        if (blockers.length > 0) {
          results[index] = fail('has_dependents', `The ${definition.label} still has live records that refer to it; delete or move them first.`, blockers);
          continue;
        }
        planned.push({
          index, status: 'deleted', id: existing!.id, version: existing!.version + 1, key: existing!.key,
          accountId: existing!.account_id, parentId: existing!.parent_id, data: existing!.data, changedFields: [], existing,
        });
        continue;
      }
      const missing: Issue[] = [];
      for (const reference of referencesOf(definition, data)) {
        for (const { value, path } of referencedIds(reference, data)) {
          if (referenced.has(`${reference.entity}/${value}`)) continue;
          const other = OTHER_TARGETS[reference.entity];
          missing.push({
            path,
            message: other !== undefined
              ? `no ${other.label} of your organization has id ${value}`
              : `no live ${entityByName(reference.entity)?.label ?? reference.entity} has id ${value}`,
          });
        }
      }
      if (missing.length > 0) {
        results[index] = fail('reference_not_found', `The ${definition.label} refers to records that do not exist.`, missing);
        continue;
      }
      const key = keyOf(definition, data);
      // A patch that changes the key must not collide with another live record.
      if (key !== null && existing !== undefined && key !== existing.key) {
        const owner = claimedKeys.get(key);
        const clash = await tx.query<{ id: string }>(
          'SELECT id FROM records WHERE org_id = $1 AND entity = $2 AND key = $3 AND deleted_at IS NULL AND id <> $4',
          [orgId, definition.name, key, existing.id],
        );
        if (clash.length > 0 || owner !== undefined) {
          results[index] = fail('duplicate_key', `Another ${definition.label} already has this ${keyField}.`, [
            { path: [keyField], message: `"${key}" is taken by ${clash[0]?.id ?? `item ${owner}`}` },
          ]);
          continue;
        }
      }
      if (key !== null) claimedKeys.set(key, index);
      const id = existing?.id ?? uuidv7();
      const accountId = this.#accountOf(definition, id, data, referenced);
      const parentValue = definition.parentField === undefined ? undefined : data[definition.parentField];
      const parentId = typeof parentValue === 'string' ? parentValue : null;
      if (existing === undefined) {
        planned.push({ index, status: 'created', id, version: 1, key, accountId, parentId, data, changedFields: Object.keys(data).sort(), existing });
        continue;
      }
      const changedFields = changedFieldsOf(existing.data, data);
      planned.push({
        index,
        status: changedFields.length === 0 ? 'unchanged' : 'updated',
        id,
        version: changedFields.length === 0 ? existing.version : existing.version + 1,
        key, accountId, parentId, data, changedFields, existing,
      });
    }

    // 4. Write, then journal (last: see appendJournal).
    const written = await this.#apply(tx, orgId, definition.name, planned, lastSystemOf(origin));
    const journal: JournalEntry[] = planned
      .filter((p) => p.status !== 'unchanged')
      .map((p) => ({
        entity: definition.name,
        entityId: p.id,
        operation: p.status === 'created' ? 'create' : p.status === 'deleted' ? 'delete' : 'update',
        version: p.version,
        changedFields: p.changedFields,
      }));
    await appendJournal(tx, orgId, origin, journal);
    for (const p of planned) results[p.index] = ok({ status: p.status, record: written.get(p.id)! });
    return results.map((result) => result ?? fail('validation_failed', 'The item was not processed.'));
  }

  #decide(
    definition: EntityDefinition,
    intent: Intent,
    byId: Map<string, RecordRow>,
    byKey: Map<string, RecordRow>,
  ): Result<{ data: RecordData; existing: RecordRow | undefined; deleting: boolean }> {
    let existing: RecordRow | undefined;
    if (intent.kind === 'patch' || intent.kind === 'delete') {
      existing = byId.get(intent.id);
      if (existing === undefined || existing.deleted_at !== null) {
        return fail('not_found', `No live ${definition.label} has id ${intent.id}.`);
      }
      if (intent.version !== undefined && intent.version !== existing.version) {
        return fail('version_conflict', `The ${definition.label} is at version ${existing.version}, not ${intent.version}; read it again and reapply your change.`, [
          { path: ['version'], message: `current version is ${existing.version}` },
        ]);
      }
    } else {
      const key = keyOf(definition, intent.input);
      existing = key === null ? undefined : byKey.get(key);
      if (existing !== undefined && intent.kind === 'create') {
        const keyField = keyFieldName(definition);
        return fail('duplicate_key', `A ${definition.label} with this ${keyField} already exists (${existing.id}); update it instead, or use the bulk upsert.`, [
          { path: [keyField], message: `"${key}" is taken by ${existing.id}` },
        ]);
      }
    }
    // A frozen record (a locked bill) refuses every change, but sending it again unchanged is not
    // a change: re-running an import must not report the locked rows as refused.
    const reason = existing === undefined ? undefined : definition.frozen?.(existing.data);
    const locked = () => fail<never>('record_locked', `The ${definition.label} cannot change: ${reason}.`);
    if (intent.kind === 'delete') return reason !== undefined ? locked() : ok({ data: existing!.data, existing, deleting: true });
    const input = intent.input;
    const candidate = existing === undefined ? mergeTopLevel({}, input) : mergeTopLevel(existing.data, input);
    const validated = validate(definition, candidate);
    if (reason !== undefined && !(validated.ok && changedFieldsOf(existing!.data, validated.value).length === 0)) return locked();
    if (!validated.ok) return validated;
    return ok({ data: validated.value, existing, deleting: false });
  }

  async #loadReferences(tx: Queryable, orgId: string, definition: EntityDefinition, records: RecordData[]): Promise<Map<string, string | null>> {
    const wanted = new Map<string, Set<string>>();
    for (const data of records) {
      for (const reference of referencesOf(definition, data)) {
        for (const { value } of referencedIds(reference, data)) {
          let set = wanted.get(reference.entity);
          if (set === undefined) wanted.set(reference.entity, (set = new Set()));
          set.add(value);
        }
      }
    }
    const found = new Map<string, string | null>();
    for (const [entity, idSet] of wanted) {
      const other = OTHER_TARGETS[entity];
      const rows = other !== undefined
        ? await tx.query<{ id: string; account_id: string | null }>(other.sql, [orgId, [...idSet]])
        : await tx.query<{ id: string; account_id: string | null }>(
          'SELECT id, account_id FROM records WHERE org_id = $1 AND entity = $2 AND id = ANY($3::uuid[]) AND deleted_at IS NULL',
          [orgId, entity, [...idSet]],
        );
      for (const row of rows) found.set(`${entity}/${row.id}`, row.account_id);
    }
    return found;
  }

  #accountOf(definition: EntityDefinition, id: string, data: RecordData, referenced: Map<string, string | null>): string | null {
    if (definition.name === 'accounts') return id;
    const account = definition.account;
    if (account === undefined) return null;
    if ('field' in account) {
      const value = data[account.field];
      return typeof value === 'string' ? value : null;
    }
    const parent = data[account.via];
    const reference = referencesOf(definition, data).find((r) => r.field === account.via);
    if (typeof parent !== 'string' || reference === undefined) return null;
    return referenced.get(`${reference.entity}/${parent}`) ?? null;
  }

  /** Live records of any entity that refer to this one. */
  async #dependents(tx: Queryable, orgId: string, definition: EntityDefinition, id: string): Promise<Issue[]> {
    const issues: Issue[] = [];
    for (const other of ENTITIES) {
      if (typeof other.references === 'function') continue;
      for (const reference of other.references) {
        if (reference.entity !== definition.name) continue;
        const refersTo =
          reference.many === true
            ? `data->'${reference.field}' @> jsonb_build_array($3::uuid::text)`
            : other.account !== undefined && 'field' in other.account && other.account.field === reference.field
              ? 'account_id = $3'
              : other.parentField === reference.field
                ? 'parent_id = $3'
                : `(data->>'${reference.field}')::uuid = $3`;
        const rows = await tx.query<{ count: number }>(
          `SELECT count(*)::int AS count FROM records WHERE org_id = $1 AND entity = $2 AND ${refersTo} AND deleted_at IS NULL AND id <> $3`,
          [orgId, other.name, id],
        );
        const count = rows[0]?.count ?? 0;
        if (count > 0) issues.push({ path: [other.name, reference.field], message: `${count} live ${other.label} record(s) refer to it` });
      }
    }
    return issues;
  }

  async #apply(tx: Queryable, orgId: string, entity: string, planned: Planned[], lastSystem: LastSystem): Promise<Map<string, StoredRecord>> {
    const out = new Map<string, StoredRecord>();
    const row = (p: Planned) => ({ id: p.id, version: p.version, key: p.key, account_id: p.accountId, parent_id: p.parentId, data: p.data });
    const inserts = planned.filter((p) => p.status === 'created').map(row);
    const updates = planned.filter((p) => p.status === 'updated').map(row);
    const deletes = planned.filter((p) => p.status === 'deleted').map((p) => ({ id: p.id, version: p.version }));
    const returned: RecordRow[] = [];
    if (inserts.length > 0) {
      returned.push(...(await tx.query<RecordRow>(
        `INSERT INTO records (org_id, entity, id, version, key, account_id, parent_id, data, created_at, updated_at, last_system)
         SELECT $1, $2, x.id, x.version, x.key, x.account_id, x.parent_id, x.data, now(), now(), $4
         FROM jsonb_to_recordset($3::jsonb) AS x(id uuid, version integer, key text, account_id uuid, parent_id uuid, data jsonb)
         RETURNING ${COLUMNS}`,
        [orgId, entity, JSON.stringify(inserts), lastSystem],
      )));
    }
    if (updates.length > 0) {
      returned.push(...(await tx.query<RecordRow>(
        `UPDATE records r SET version = x.version, key = x.key, account_id = x.account_id, parent_id = x.parent_id,
                data = x.data, updated_at = now(), last_system = $4
         FROM jsonb_to_recordset($3::jsonb) AS x(id uuid, version integer, key text, account_id uuid, parent_id uuid, data jsonb)
         WHERE r.org_id = $1 AND r.entity = $2 AND r.id = x.id
         RETURNING r.id, r.version, r.key, r.account_id, r.parent_id, r.data, r.created_at, r.updated_at, r.deleted_at, r.last_system`,
        [orgId, entity, JSON.stringify(updates), lastSystem],
      )));
    }
    if (deletes.length > 0) {
      returned.push(...(await tx.query<RecordRow>(
        `UPDATE records r SET version = x.version, deleted_at = now(), updated_at = now(), last_system = $4
         FROM jsonb_to_recordset($3::jsonb) AS x(id uuid, version integer)
         WHERE r.org_id = $1 AND r.entity = $2 AND r.id = x.id
         RETURNING r.id, r.version, r.key, r.account_id, r.parent_id, r.data, r.created_at, r.updated_at, r.deleted_at, r.last_system`,
        [orgId, entity, JSON.stringify(deletes), lastSystem],
      )));
    }
    for (const r of returned) out.set(r.id, toStoredRecord(r));
    for (const p of planned) if (p.status === 'unchanged' && p.existing !== undefined) out.set(p.id, toStoredRecord(p.existing));
    return out;
  }

  #definition(entity: string): EntityDefinition {
    const definition = entityByName(entity);
    if (definition === undefined) throw new Error(`Unknown entity ${entity}`);
    return definition;
  }
}

export type { StoreError };

/** The fields a list's `search` looks in: the entity's name and code, where it has them. */
export function searchFieldsOf(definition: EntityDefinition): string[] {
  return ['name', 'code'].filter((field) => field in definition.schema.shape);
}
