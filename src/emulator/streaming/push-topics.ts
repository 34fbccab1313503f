// PushTopic notifications on /topic/{Name}. A PushTopic's query is checked when the record is
// saved (the restrictions and INVALID_FIELD messages of Salesforce's "Unsupported PushTopic
// Queries"), then every committed change of its object is evaluated against it: the operation
// flags and NotifyForFields decide whether the change counts, and the SOQL engine decides whether
// the record matches the WHERE clause and gives the selected fields. Notifications go through the
// org's event bus, so replay ids and retention are those of every other channel.
import soqlParser, { type FieldType as SoqlField, type Query, type WhereClause } from 'soql-parser-js';
import type { Org } from '../org.ts';
import type { ObjectDef, RecordValues, RuleError } from '../schema/types.ts';
import type { RecordChange } from '../store/store.ts';
import { PUSH_TOPIC } from './streaming-objects.ts';

const { parseQuery, composeQuery } = soqlParser;

/**
 * Standard objects a PushTopic may watch, from Salesforce's "Supported PushTopic Queries"; every
 * custom object may be watched too.
 */
const SUPPORTED_STANDARD = new Set(
  ['Account', 'Campaign', 'Case', 'Contact', 'ContractLineItem', 'Entitlement', 'Lead', 'LiveChatTranscript', 'MessagingSession', 'Opportunity', 'Quote', 'QuoteLineItem', 'ServiceAppointment', 'ServiceContract', 'Task', 'UserServicePresence', 'WorkOrder', 'WorkOrderLineItem'].map((n) => n.toLowerCase()),
);

type NotifyForFields = 'All' | 'Referenced' | 'Select' | 'Where';

/** A PushTopic query taken apart once: the object, the selected and filtered fields, the WHERE text. */
export interface TopicQuery {
  object: ObjectDef;
  /** Canonical field names in SELECT order (Id among them). */
  select: string[];
  /** Canonical names of the fields the WHERE clause filters on. */
  where: string[];
  /** The WHERE clause as SOQL, for evaluating it against given records; null without one. */
  whereText: string | null;
}

export type TopicQueryOutcome = { ok: true; query: TopicQuery } | { ok: false; error: RuleError };

interface ActiveTopic {
  name: string;
  query: TopicQuery;
  notifyForFields: NotifyForFields;
  operations: Record<RecordChange['changeType'], boolean>;
}

const EVENT_TYPE: Record<RecordChange['changeType'], string> = { CREATE: 'created', UPDATE: 'updated', DELETE: 'deleted', UNDELETE: 'undeleted' };

/** Ids per evaluation query: keeps the IN list, and so the SOQL text, a modest size. */
const MATCH_CHUNK = 200;

function invalid(message: string, fields: string[] = []): { ok: false; error: RuleError } {
  return { ok: false, error: { statusCode: 'INVALID_FIELD', message, fields } };
}

/** The first restriction `query`'s SELECT list breaks, with Salesforce's message where documented. */
function selectProblem(fields: SoqlField[]): string | undefined {
  for (const f of fields) {
    switch (f.type) {
      case 'Field':
        break;
      case 'FieldFunctionExpression':
        if (f.isAggregateFn === true) return 'Aggregate queries are not supported';
        // toLabel, FORMAT, FIELDS(): not in Salesforce's list; the message is the emulator's.
        return `functions are not supported: ${f.rawValue ?? f.functionName}`;
      case 'FieldRelationship':
      case 'FieldSubquery':
      case 'FieldTypeof':
        return 'relationships are not supported';
    }
  }
  return undefined;
}

/** The WHERE chain's field names, or the first restriction it breaks. */
function whereFields(where: WhereClause | undefined): { fields: string[] } | { problem: string } {
  const fields: string[] = [];
  let node: WhereClause | undefined = where;
  while (node !== undefined) {
    if ('operator' in node && node.operator === 'NOT') return { problem: "'NOT' is not supported" };
    const left = node.left;
    if (left !== null) {
      if ('valueQuery' in left) return { problem: 'semi/anti join sub-selects are not supported' };
      if ('fn' in left) return { problem: 'functions are not supported in the WHERE clause' };
      if ('field' in left) {
        if (left.field.includes('.')) return { problem: 'relationships are not supported' };
        fields.push(left.field);
      }
    }
    node = 'right' in node ? node.right : undefined;
  }
  return { fields };
}

function clauseProblem(q: Query): string | undefined {
  if (q.groupBy !== undefined || q.having !== undefined) return 'Aggregate queries are not supported';
  if (q.limit !== undefined) return "'LIMIT' is not allowed";
  if (q.orderBy !== undefined) return "'ORDER BY' clause is not allowed";
  // Salesforce lists OFFSET as unsupported; this message is the emulator's.
  if (q.offset !== undefined) return "'OFFSET' clause is not allowed";
  return undefined;
}

/** The NotifyForFields rules on what the query must name besides Id. */
function notifyProblem(mode: NotifyForFields, select: string[], where: string[]): string | undefined {
  const hasSelect = select.some((f) => f !== 'Id');
  const hasWhere = where.some((f) => f !== 'Id');
  if (mode === 'Select' && !hasSelect) return 'NotifyForFields Select requires a field other than Id in the SELECT clause';
  if (mode === 'Where' && !hasWhere) return 'NotifyForFields Where requires a field other than Id in the WHERE clause';
  if (mode === 'Referenced' && !hasSelect && !hasWhere) return 'NotifyForFields Referenced requires a field other than Id in the SELECT or WHERE clause';
  return undefined;
}

/**
 * Checks a PushTopic query and takes it apart. Syntax errors and unknown objects or fields get the
 * SOQL engine's own errors; the PushTopic restrictions get INVALID_FIELD.
 */
export function analyseTopicQuery(org: Org, soql: string, notifyForFields: NotifyForFields): TopicQueryOutcome {
  const options = { includeDeleted: false, apiVersion: org.options.apiVersion, now: org.store.now() };
  let parsed: Query;
  try {
    parsed = parseQuery(soql);
  } catch {
    const run = org.soql.run(soql, options);
    return run.ok ? invalid('unparsable query') : { ok: false, error: { statusCode: run.error.errorCode, message: run.error.message, fields: [] } };
  }
  const fields = parsed.fields ?? [];
  const problem = selectProblem(fields) ?? clauseProblem(parsed);
  if (problem !== undefined) return invalid(problem);
  const filtered = whereFields(parsed.where);
  if ('problem' in filtered) return invalid(filtered.problem);
  // The engine resolves every name (object, fields) with the messages a query would get. The
  // query has no LIMIT (refused above), so one is added to keep the check from reading every
  // row; the echo of the query in an error message is the user's own text.
  const limited = `${soql} LIMIT 1`;
  const run = org.soql.run(limited, options);
  if (!run.ok) return { ok: false, error: { statusCode: run.error.errorCode, message: run.error.message.replace(limited, soql), fields: [] } };
  const object = run.result.object;
  if (!object.custom && !SUPPORTED_STANDARD.has(object.name.toLowerCase())) {
    // Salesforce supports a listed subset of standard objects; the message is the emulator's.
    return invalid(`${object.name} is not supported by PushTopic queries`);
  }
  const canonical = (name: string): string => object.fieldMap.get(name.toLowerCase())?.name ?? name;
  const select = fields.map((f) => canonical(f.type === 'Field' ? f.field : ''));
  if (!select.includes('Id')) return invalid('PushTopic queries must select Id');
  const where = filtered.fields.map(canonical);
  const formula = where.find((name) => object.fieldMap.get(name.toLowerCase())?.calculated === true);
  if (formula !== undefined) return invalid(`formula fields are not supported in the WHERE clause: ${formula}`);
  const notify = notifyProblem(notifyForFields, select, where);
  if (notify !== undefined) return invalid(notify);
  const whereText = parsed.where === undefined ? null : composeQuery({ fields: [{ type: 'Field', field: 'Id' }], sObject: object.name, where: parsed.where }).replace(/^SELECT Id FROM \S+ WHERE /, '');
  return { ok: true, query: { object, select: [...new Set(select)], where, whereText } };
}

function notifyForFieldsOf(values: RecordValues): NotifyForFields {
  const v = values['NotifyForFields'];
  return v === 'All' || v === 'Select' || v === 'Where' ? v : 'Referenced';
}

/** The live PushTopic named `name` (channel names are case-sensitive), if any. */
export function pushTopicNamed(org: Org, name: string): RecordValues | undefined {
  for (const row of org.store.table(PUSH_TOPIC)?.rows.values() ?? []) {
    if (row.deletedAt === null && row.values['Name'] === name) return row.values;
  }
  return undefined;
}

export class PushTopicNotifier {
  readonly #org: Org;
  /** Compiled topics by record id, valid while the record's SystemModstamp is unchanged. */
  #compiled = new Map<string, { stamp: unknown; topic: ActiveTopic | null }>();

  constructor(org: Org) {
    this.#org = org;
    // The query check needs the org's schema and SOQL engine, which the object definitions
    // (built before the schema exists) cannot reach: it is attached here, once per org.
    const def = org.schema.get(PUSH_TOPIC);
    if (def !== undefined) def.behaviour = { validate: (values) => this.#validate(values) };
    org.store.onChange((changes) => this.#notify(changes));
  }

  #validate(values: RecordValues): RuleError[] {
    const version = values['ApiVersion'];
    // Salesforce: "It must be an API version greater than 20.0"; the message is the emulator's.
    if (typeof version === 'number' && version <= 20) return [{ statusCode: 'FIELD_INTEGRITY_EXCEPTION', message: 'ApiVersion must be greater than 20.0', fields: ['ApiVersion'] }];
    const soql = values['Query'];
    // A missing query is the required-field check's to report.
    if (typeof soql !== 'string' || soql === '') return [];
    const outcome = analyseTopicQuery(this.#org, soql, notifyForFieldsOf(values));
    return outcome.ok ? [] : [outcome.error];
  }

  /** Active topics, compiled once per saved version of their record. */
  #activeTopics(): ActiveTopic[] {
    const table = this.#org.store.table(PUSH_TOPIC);
    if (table === undefined || table.rows.size === 0) {
      this.#compiled.clear();
      return [];
    }
    const active: ActiveTopic[] = [];
    const seen = new Set<string>();
    for (const [id, row] of table.rows) {
      if (row.deletedAt !== null || row.values['IsActive'] !== true) continue;
      seen.add(id);
      const stamp = row.values['SystemModstamp'];
      const cached = this.#compiled.get(id);
      let topic = cached?.topic ?? null;
      if (cached === undefined || cached.stamp !== stamp) {
        topic = this.#compile(row.values);
        this.#compiled.set(id, { stamp, topic });
      }
      if (topic !== null) active.push(topic);
    }
    for (const id of this.#compiled.keys()) if (!seen.has(id)) this.#compiled.delete(id);
    return active;
  }

  /** A stored topic whose query no longer checks (a snapshot from another schema) stays silent: fail closed. */
  #compile(values: RecordValues): ActiveTopic | null {
    const outcome = analyseTopicQuery(this.#org, String(values['Query']), notifyForFieldsOf(values));
    if (!outcome.ok) return null;
    return {
      name: String(values['Name']),
      query: outcome.query,
      notifyForFields: notifyForFieldsOf(values),
      operations: {
        CREATE: values['NotifyForOperationCreate'] === true,
        UPDATE: values['NotifyForOperationUpdate'] === true,
        DELETE: values['NotifyForOperationDelete'] === true,
        UNDELETE: values['NotifyForOperationUndelete'] === true,
      },
    };
  }

  #notify(changes: RecordChange[]): void {
    const topics = this.#activeTopics();
    if (topics.length === 0) return;
    let published = 0;
    for (const topic of topics) {
      const candidates = changes.filter((c) => c.objectName === topic.query.object.name && this.#counts(topic, c));
      if (candidates.length === 0) continue;
      const matched = this.#matching(topic, [...new Set(candidates.map((c) => c.recordId))]);
      for (const change of candidates) {
        const sobject = matched.get(change.recordId);
        if (sobject === undefined) continue;
        const createdDate = new Date(change.commitTimestamp).toISOString();
        const type = EVENT_TYPE[change.changeType];
        this.#org.bus.publish(`/topic/${topic.name}`, (replayId) => ({ event: { createdDate, replayId, type }, sobject }));
        published += 1;
      }
    }
    if (published > 0) this.#org.countEvents(0, published);
  }

  /**
   * Whether a change is one the topic evaluates: its operation flag, and for updates the
   * NotifyForFields rule on which changed fields count (SystemModstamp moves on every save).
   */
  #counts(topic: ActiveTopic, change: RecordChange): boolean {
    if (!topic.operations[change.changeType]) return false;
    if (change.changeType !== 'UPDATE' || topic.notifyForFields === 'All') return true;
    const watched = new Set<string>();
    if (topic.notifyForFields !== 'Where') for (const f of topic.query.select) if (f !== 'Id') watched.add(f);
    if (topic.notifyForFields !== 'Select') for (const f of topic.query.where) if (f !== 'Id') watched.add(f);
    return [...change.changedFields, 'SystemModstamp'].some((f) => watched.has(f));
  }

  /**
   * The records among `ids` that match the topic's WHERE clause now, as notification `sobject`s:
   * the query itself, narrowed to those ids, run by the SOQL engine. Deleted records are
   * evaluated as they were when deleted.
   */
  #matching(topic: ActiveTopic, ids: string[]): Map<string, Record<string, unknown>> {
    const { object, select, whereText } = topic.query;
    const out = new Map<string, Record<string, unknown>>();
    for (let i = 0; i < ids.length; i += MATCH_CHUNK) {
      const list = ids.slice(i, i + MATCH_CHUNK).map((id) => `'${id}'`).join(', ');
      const soql = `SELECT ${select.join(', ')} FROM ${object.name} WHERE Id IN (${list})${whereText === null ? '' : ` AND (${whereText})`}`;
      const run = this.#org.soql.run(soql, { includeDeleted: true, apiVersion: this.#org.options.apiVersion, now: this.#org.store.now() });
      // The query was checked when the topic was saved; should it fail now, the topic stays silent.
      if (!run.ok) return out;
      for (const record of run.result.records) {
        const sobject: Record<string, unknown> = {};
        for (const name of select) sobject[name] = record[name] ?? null;
        out.set(String(record['Id']), sobject);
      }
    }
    return out;
  }
}
