// create, update, upsert, delete, undelete and retrieve. Every save goes through the store, as
// REST's does, so the two APIs share one set of rules; this file only reads the partner WSDL's
// request shapes and writes its result shapes (SaveResult, UpsertResult, DeleteResult, ...).
import { normalizeId } from '../ids.ts';
import type { Org } from '../org.ts';
import type { ObjectDef } from '../schema/types.ts';
import type { SaveResult } from '../store/store.ts';
import { ROLLED_BACK, type FieldError } from '../store/values.ts';
import { publishPlatformEvent } from '../streaming/platform-events.ts';
import { answer, errorsXml, refuse, type Outcome, type SoapCall } from './call.ts';
import { faultForQuery } from './query.ts';
import { readSObject, sObjectXml, type SObjectInput } from './records.ts';
import { boolOf, child, childrenNamed, clientFault, leaf, sfFault, textOf, type Fault } from './xml.ts';

const MAX_RECORDS = 200;
const MAX_RETRIEVE = 2000;

const TOO_MANY = sfFault('EXCEEDED_ID_LIMIT', `record limit reached. cannot submit more than ${MAX_RECORDS} records into this call`);

function unknownType(name: string): Fault {
  return { kind: 'sf', code: 'INVALID_TYPE', message: `sObject type '${name}' is not supported.`, type: 'InvalidSObjectFault', row: -1, column: -1 };
}

/** The object a record names, or the fault a real org answers for a missing or unknown type. */
function objectOf(org: Org, input: SObjectInput): ObjectDef | Fault {
  if (input.type === undefined) return sfFault('INVALID_TYPE', 'Must send a concrete entity type.', 'InvalidSObjectFault');
  return org.schema.get(input.type) ?? unknownType(input.type);
}

function isFault(value: unknown): value is Fault {
  return typeof value === 'object' && value !== null && 'kind' in value;
}

const XSD_TYPES: Record<string, string> = { int: 'xsd:int', double: 'xsd:double', boolean: 'xsd:boolean', date: 'xsd:date', datetime: 'xsd:dateTime', time: 'xsd:time' };

/**
 * A value the store could not read as its field's type. The SOAP layer refuses such a request
 * before any record is saved, as a Client fault naming the value and the xsd type (REST answers
 * JSON_PARSER_ERROR per record instead).
 */
function typeFault(errors: FieldError[]): Fault | undefined {
  const e = errors.find((x) => x.statusCode === 'JSON_PARSER_ERROR');
  if (e === undefined) return undefined;
  const m = /instance of (\w+) from \w+ value ([\s\S]*) or request may be missing/.exec(e.message);
  return clientFault(`'${m?.[2] ?? ''}' is not a valid value for the type ${XSD_TYPES[m?.[1] ?? ''] ?? 'xsd:string'}`);
}

function allOrNone(call: SoapCall): boolean {
  return boolOf(child(call.header, 'AllOrNoneHeader'), 'allOrNone');
}

/**
 * Runs one save per record in one transaction. A type fault undoes everything and refuses the
 * call; with AllOrNoneHeader any failure undoes everything and the valid records say so.
 */
function saveAll(call: SoapCall, count: number, save: (i: number) => SaveResult): SaveResult[] | Fault {
  const all = allOrNone(call);
  return call.org.store.transaction((): { commit: boolean; value: SaveResult[] | Fault } => {
    const results: SaveResult[] = [];
    for (let i = 0; i < count; i += 1) results.push(save(i));
    const fault = typeFault(results.flatMap((r) => (r.success ? [] : r.errors)));
    if (fault !== undefined) return { commit: false, value: fault };
    if (all && results.some((r) => !r.success)) {
      return { commit: false, value: results.map((r): SaveResult => (r.success ? { success: false, id: null, errors: [ROLLED_BACK] } : r)) };
    }
    return { commit: true, value: results };
  });
}

function saveResultXml(r: SaveResult, withCreated: boolean): string {
  const created = withCreated ? `<created>${String(r.success && r.created)}</created>` : '';
  const errors = r.success ? '' : errorsXml(r.errors);
  return `<result>${created}${errors}${leaf('id', r.id)}<success>${String(r.success)}</success></result>`;
}

function respond(operation: string, results: SaveResult[] | Fault, withCreated = false): Outcome {
  if (isFault(results)) return refuse(results);
  const written = results.filter((r) => r.success).length;
  return answer(`<${operation}Response>${results.map((r) => saveResultXml(r, withCreated)).join('')}</${operation}Response>`, written);
}

/** Reads every `<sObjects>` and checks their types before anything is saved. */
function readRecords(call: SoapCall): { input: SObjectInput; def: ObjectDef }[] | Fault {
  const elements = childrenNamed(call.op, 'sObjects');
  if (elements.length > MAX_RECORDS) return TOO_MANY;
  const out: { input: SObjectInput; def: ObjectDef }[] = [];
  for (const el of elements) {
    const input = readSObject(el);
    const def = objectOf(call.org, input);
    if (isFault(def)) return def;
    out.push({ input, def });
  }
  return out;
}

/** A platform event is published, not stored; its SaveResult names the publish. */
function publish(call: SoapCall, def: ObjectDef, input: SObjectInput): SaveResult {
  const res = publishPlatformEvent(call.org, def, input.values, call.userId);
  const body = res.body as { id?: string; message?: string; errorCode?: string; fields?: string[] }[] | { id: string };
  if (!Array.isArray(body)) return { success: true, id: body.id, created: true };
  return { success: false, id: null, errors: body.map((e) => ({ statusCode: e.errorCode ?? 'UNKNOWN_EXCEPTION', message: e.message ?? '', fields: e.fields ?? [] })) };
}

export function create(call: SoapCall): Outcome {
  const records = readRecords(call);
  if (isFault(records)) return refuse(records);
  const ctx = { userId: call.userId };
  return respond(
    'create',
    saveAll(call, records.length, (i) => {
      const record = records[i];
      if (record === undefined) throw new Error('record index out of range');
      const { input, def } = record;
      if (input.id !== undefined) return { success: false, id: null, errors: [{ statusCode: 'INVALID_FIELD', message: 'Record ID: cannot specify Id in an insert call', fields: ['Id'] }] };
      if (def.isEvent) return publish(call, def, input);
      if (!def.createable) return { success: false, id: null, errors: [{ statusCode: 'INVALID_TYPE', message: `entity type ${def.name} does not support insert`, fields: [] }] };
      return call.org.store.create(def.name, input.values, ctx);
    }),
  );
}

export function update(call: SoapCall): Outcome {
  const records = readRecords(call);
  if (isFault(records)) return refuse(records);
  const ctx = { userId: call.userId };
  return respond(
    'update',
    saveAll(call, records.length, (i) => {
      const record = records[i];
      if (record === undefined) throw new Error('record index out of range');
      if (record.input.id === undefined) return { success: false, id: null, errors: [{ statusCode: 'MISSING_ARGUMENT', message: 'Id not specified in an update call', fields: [] }] };
      return call.org.store.update(record.def.name, record.input.id, record.input.values, ctx);
    }),
  );
}

export function upsert(call: SoapCall): Outcome {
  const fieldName = (textOf(call.op, 'externalIDFieldName') ?? '').trim();
  const records = readRecords(call);
  if (isFault(records)) return refuse(records);
  const ctx = { userId: call.userId };
  return respond(
    'upsert',
    saveAll(call, records.length, (i) => {
      const record = records[i];
      if (record === undefined) throw new Error('record index out of range');
      const { def, input } = record;
      const keyField = def.fieldMap.get(fieldName.toLowerCase());
      if (keyField === undefined || !(keyField.externalId || keyField.name === 'Id')) {
        return { success: false, id: null, errors: [{ statusCode: 'INVALID_FIELD', message: `Field name provided, ${fieldName} is not an External ID or indexed field for ${def.name}`, fields: [] }] };
      }
      const keyValue = keyField.name === 'Id' ? input.id : Object.entries(input.values).find(([k]) => k.toLowerCase() === keyField.name.toLowerCase())?.[1];
      if (keyField.name !== 'Id' && (keyValue === undefined || keyValue === null || keyValue === '')) {
        return { success: false, id: null, errors: [{ statusCode: 'MISSING_ARGUMENT', message: `${keyField.name} not specified`, fields: [] }] };
      }
      const result = call.org.store.upsert(def.name, keyField, keyValue ?? null, input.values, ctx);
      if ('multiple' in result) {
        return { success: false, id: null, errors: [{ statusCode: 'DUPLICATE_EXTERNAL_ID', message: `${keyField.name}: more than one record found for external id field: ${result.multiple.join(', ')}`, fields: [keyField.name] }] };
      }
      return result;
    }),
    true,
  );
}

function ids(call: SoapCall): string[] {
  return childrenNamed(call.op, 'ids').map((el) => el.text.trim());
}

export function del(call: SoapCall): Outcome {
  const list = ids(call);
  if (list.length > MAX_RECORDS) return refuse(TOO_MANY);
  return respond('delete', saveAll(call, list.length, (i) => call.org.store.delete(list[i] ?? '', { userId: call.userId })));
}

export function undelete(call: SoapCall): Outcome {
  const list = ids(call);
  if (list.length > MAX_RECORDS) return refuse(TOO_MANY);
  return respond('undelete', saveAll(call, list.length, (i) => call.org.store.undelete(list[i] ?? '', { userId: call.userId })));
}

/**
 * `retrieve(fieldList, sObjectType, ids)`: the records in the order asked, a nil result for an id
 * that names no live record of the type. The fields are read by the SOQL engine, so relationship
 * paths (Owner.Name) work and a bad field fails as it does in a query.
 */
export function retrieve(call: SoapCall): Outcome {
  const typeName = (textOf(call.op, 'sObjectType') ?? '').trim();
  const def = call.org.schema.get(typeName);
  if (def === undefined) return refuse(unknownType(typeName));
  const fieldList = (textOf(call.op, 'fieldList') ?? '').split(',').map((f) => f.trim()).filter((f) => f !== '');
  const wanted = childrenNamed(call.op, 'ids').map((el) => el.text.trim());
  if (wanted.length > MAX_RETRIEVE) return refuse(sfFault('EXCEEDED_ID_LIMIT', `Maximum number of ids allowed is ${MAX_RETRIEVE}`));
  const valid = [...new Set(wanted.map((id) => normalizeId(id)).filter((id) => id !== undefined))];
  if (fieldList.length === 0 || valid.length === 0) return answer(`<retrieveResponse>${wanted.map(() => '<result xsi:nil="true"/>').join('')}</retrieveResponse>`);
  const soql = `SELECT ${fieldList.join(', ')} FROM ${def.name} WHERE Id IN (${valid.map((id) => `'${id}'`).join(',')})`;
  const outcome = call.org.soql.run(soql, { includeDeleted: false, apiVersion: call.version, now: call.org.store.now() });
  if (!outcome.ok) return refuse(faultForQuery(outcome.error));
  // Records come back in the engine's order with their ids in attributes.url; answer in the order asked.
  const byId = new Map<string, Record<string, unknown>>();
  for (const r of outcome.result.records) {
    const url = (r['attributes'] as { url?: string } | undefined)?.url ?? '';
    byId.set(url.slice(url.lastIndexOf('/') + 1), r);
  }
  const results = wanted.map((raw) => {
    const id = normalizeId(raw);
    const record = id === undefined ? undefined : byId.get(id);
    return id === undefined || record === undefined ? '<result xsi:nil="true"/>' : sObjectXml('result', record, id);
  });
  return answer(`<retrieveResponse>${results.join('')}</retrieveResponse>`, byId.size);
}
