import { issuesFromZod, type Issue } from '../../platform/index.ts';
import type { IntegrationSettings, SYNC_DIRECTIONS } from '../integrations/schemas.ts';
import type { EntityType } from '../types.ts';
import type { ChildDefinition, EntityTypeDefinition, ObjectDefinition } from './definition.ts';
import { DEFINITIONS } from './entities/index.ts';
import { compileExpression, isExpressionError, type Compiled } from './expressions.ts';
import { readPath } from './paths.ts';
import { ruleInput, ruleKey, sendsToSalesforce, type ContactPointRule, type FieldRule, type LookupRule, type Rule } from './rules.ts';

type SyncDirection = (typeof SYNC_DIRECTIONS)[number];

/** Fills in each rule's defaults and object; every problem comes back with its path. */
export function normaliseRules(entityType: EntityType, inputs: unknown[], pathPrefix: (string | number)[] = ['rules']): { rules: Rule[]; issues: Issue[] } {
  const definition = DEFINITIONS[entityType];
  const rules: Rule[] = [];
  const issues: Issue[] = [];
  inputs.forEach((input, index) => {
    const parsed = ruleInput.safeParse(input);
    if (!parsed.success) {
      for (const issue of issuesFromZod(parsed.error, input)) issues.push({ path: [...pathPrefix, index, ...issue.path], message: issue.message });
      return;
    }
    const rule = parsed.data;
    const object = rule.object ?? objectForPath(definition, 'ferry' in rule ? rule.ferry : '');
    rules.push({ ...rule, object });
  });
  return { rules, issues };
}

function objectForPath(definition: EntityTypeDefinition, path: string): string {
  for (const o of definition.objects) if (o.children !== undefined && path.startsWith(`${o.children.path}[]`)) return o.children.object;
  return definition.objects[0]!.object;
}

/** The default mapping of an entity type, normalised. */
export function defaultRules(entityType: EntityType, direction: SyncDirection = 'to_salesforce'): Rule[] {
  const definition = DEFINITIONS[entityType];
  const normalised = (inputs: unknown[]) => {
    const { rules, issues } = normaliseRules(entityType, inputs);
    if (issues.length > 0) throw new Error(`The default ${entityType} mapping is invalid: ${JSON.stringify(issues)}`);
    return rules;
  };
  const sending = normalised(definition.defaults);
  if (direction === 'to_salesforce' || definition.reading === undefined) return sending;
  const reading = normalised(definition.reading);
  return direction === 'from_salesforce' ? reading : combined(sending, reading);
}

/** Which Ferry value a rule is about (its path or contact point) and which Salesforce field. */
function pairKey(rule: Rule): string {
  return JSON.stringify([rule.kind, rule.object, rule.salesforce, rule.kind === 'contact_point' ? [rule.point, rule.contactType] : rule.ferry]);
}

/**
 * The two-way default: a value sent and read through the same field as it is becomes one rule of
 * direction both (so conflicts are seen and echoes known); where the sending rule computes the
 * Salesforce value (a transform), Salesforce's value is read back as the reading rule says and not
 * sent. A reading rule on a field sent from another Ferry value (the street joined from the
 * address lines) is left out, so that a value never goes round and comes back changed.
 */
function combined(sending: Rule[], reading: Rule[]): Rule[] {
  const readingByKey = new Map(reading.map((r) => [pairKey(r), r]));
  const out: Rule[] = [];
  const paired = new Set<Rule>();
  for (const rule of sending) {
    const read = readingByKey.get(pairKey(rule));
    if (read === undefined) {
      out.push(rule);
      continue;
    }
    paired.add(read);
    out.push(rule.kind === 'field' && rule.transform !== undefined ? read : { ...rule, direction: 'both' });
  }
  const sentFields = new Set(out.filter((r) => sendsToSalesforce(r)).map((r) => `${r.object}.${r.salesforce}`));
  for (const read of reading) if (!paired.has(read) && !sentFields.has(`${read.object}.${read.salesforce}`)) out.push(read);
  return out;
}

/** Where a rule's values come from and go: the object definition, or its children. */
export interface RuleTarget {
  owner: ObjectDefinition;
  child?: ChildDefinition | undefined;
}

export function targetOf(definition: EntityTypeDefinition, object: string): RuleTarget | undefined {
  const lower = object.toLowerCase();
  for (const owner of definition.objects) {
    if (owner.object.toLowerCase() === lower) return { owner };
    if (owner.children?.object.toLowerCase() === lower) return { owner, child: owner.children };
  }
  return undefined;
}

interface CompiledField {
  rule: FieldRule;
  /** The path relative to the record it reads: a line item for `lineItems[].x`, else the record. */
  path: string;
  /** Reads the parent record (a plain path on a line item rule), not the child. */
  fromParent: boolean;
  transform?: Compiled | undefined;
}

/** The rules of one Salesforce object, ready to apply to many records. */
export interface FieldsMapper {
  object: string;
  fields: CompiledField[];
  lookups: LookupRule[];
  contactPoints: ContactPointRule[];
}

export interface ObjectMapper {
  definition: ObjectDefinition;
  object: string;
  main: FieldsMapper;
  child?: { definition: ChildDefinition; mapper: FieldsMapper } | undefined;
  /** Top-level record fields the Salesforce side depends on: a change elsewhere sends nothing. */
  reads: Set<string>;
  /** Identifies the mapping: a record mapped under another one is sent again. */
  signature: string;
}

export interface CompiledMapping {
  entityType: EntityType;
  objects: ObjectMapper[];
}

/** A rule set that no longer compiles (a stored mapping after a change of Ferry's schema). */
export class MappingCompileError extends Error {
  override name = 'MappingCompileError';
  readonly issues: Issue[];

  constructor(issues: Issue[]) {
    super(issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    this.issues = issues;
  }
}

/** Compiles the rules that send to Salesforce; throws MappingCompileError when any does not compile. */
export function compileMapping(entityType: EntityType, rules: Rule[]): CompiledMapping {
  const definition = DEFINITIONS[entityType];
  const issues: Issue[] = [];
  const mappers = new Map<string, { main: FieldsMapper; child?: FieldsMapper; reads: Set<string> }>();
  for (const owner of definition.objects) {
    mappers.set(owner.object, {
      main: { object: owner.object, fields: [], lookups: [], contactPoints: [] },
      ...(owner.children !== undefined ? { child: { object: owner.children.object, fields: [], lookups: [], contactPoints: [] } } : {}),
      reads: new Set<string>(),
    });
  }
  rules.forEach((rule, index) => {
    if (!sendsToSalesforce(rule)) return;
    const target = targetOf(definition, rule.object);
    if (target === undefined) {
      issues.push({ path: ['rules', index, 'object'], message: `is not an object of ${entityType} integrations` });
      return;
    }
    const slot = mappers.get(target.owner.object)!;
    const mapper = target.child !== undefined ? slot.child! : slot.main;
    if (rule.kind === 'lookup') {
      mapper.lookups.push(rule);
      slot.reads.add(rule.ferry === 'id' && target.child !== undefined ? target.child.path : rule.ferry.split('.')[0]!);
      return;
    }
    if (rule.kind === 'contact_point') {
      mapper.contactPoints.push(rule);
      for (const field of ['type', rule.point === 'email' ? 'email' : rule.point.startsWith('phone.') ? 'phones' : 'address']) slot.reads.add(field);
      return;
    }
    const prefix = target.child !== undefined ? `${target.child.path}[].` : undefined;
    const relative = prefix !== undefined && rule.ferry.startsWith(prefix);
    const path = relative ? rule.ferry.slice(prefix.length) : rule.ferry;
    const compiled: CompiledField = { rule, path, fromParent: target.child !== undefined && !relative };
    if (rule.transform !== undefined) {
      const transform = compileExpression(rule.transform);
      if (isExpressionError(transform)) {
        issues.push({ path: ['rules', index, 'transform'], message: `does not parse: ${transform.message}${transform.position !== undefined ? ` (at character ${transform.position})` : ''}` });
        return;
      }
      compiled.transform = transform;
      // A line item transform reads the line item's fields: they change with `lineItems`.
      for (const read of transform.reads) slot.reads.add(target.child !== undefined ? target.child.path : read);
    }
    slot.reads.add(target.child !== undefined && relative ? target.child.path : rule.ferry.split('.')[0]!.replace(/\[\]$/, ''));
    mapper.fields.push(compiled);
  });
  if (issues.length > 0) throw new MappingCompileError(issues);
  return {
    entityType,
    objects: definition.objects.map((owner) => {
      const slot = mappers.get(owner.object)!;
      const signatureRules = rules.filter((r) => sendsToSalesforce(r) && (targetOf(definition, r.object)?.owner === owner)).map((r) => ruleKey(r) + JSON.stringify(r)).sort();
      return {
        definition: owner,
        object: owner.object,
        main: slot.main,
        child: owner.children !== undefined ? { definition: owner.children, mapper: slot.child! } : undefined,
        reads: slot.reads,
        signature: signatureRules.join('\n'),
      };
    }),
  };
}

/** A lookup of one mapped record: which parent (by Ferry id) the reference field must name. */
export interface PendingLookup {
  rule: LookupRule;
  ferryId: string | null;
}

export interface MappedFields {
  fields: Record<string, unknown>;
  lookups: PendingLookup[];
}

export interface MappedRecord extends MappedFields {
  children?: (MappedFields & { key: string })[] | undefined;
}

function street(address: unknown): string | null {
  if (typeof address !== 'object' || address === null) return null;
  const a = address as Record<string, unknown>;
  const lines = [a.line1, a.line2, a.line3, a.line4].filter((line): line is string => typeof line === 'string' && line !== '');
  return lines.length > 0 ? lines.join('\n') : null;
}

/** A contact's value at one contact point: its e-mail, the number of its phone of one type, an address part (`street`: the lines joined). */
export function contactPointValue(record: Record<string, unknown>, point: ContactPointRule['point']): unknown {
  if (point === 'email') return record.email;
  if (point.startsWith('phone.')) {
    const kind = point.slice('phone.'.length);
    const phones = Array.isArray(record.phones) ? (record.phones as { type?: unknown; number?: unknown }[]) : [];
    return phones.find((p) => p.type === kind)?.number;
  }
  const part = point.slice('address.'.length);
  return part === 'street' ? street(record.address) : readPath(record.address, part);
}

/** Transform results and plain values as Salesforce takes them: undefined and "" read as null. */
function toSalesforceValue(value: unknown): unknown {
  if (value === undefined || value === '') return null;
  return value;
}

async function mapFields(mapper: FieldsMapper, record: Record<string, unknown>, parent: Record<string, unknown> | undefined, index: number | undefined): Promise<MappedFields> {
  const fields: Record<string, unknown> = {};
  for (const f of mapper.fields) {
    const source = f.fromParent ? (parent ?? record) : record;
    const value = readPath(source, f.path);
    fields[f.rule.salesforce] = toSalesforceValue(
      f.transform === undefined ? value : await f.transform.evaluate(source, { value, parent, index }),
    );
  }
  if (mapper.contactPoints.length > 0) {
    // Rules for the contact's own type win over the `*` rules for the same field.
    const type = typeof record.type === 'string' ? record.type : undefined;
    const specific = new Set(mapper.contactPoints.filter((r) => r.contactType === type).map((r) => r.salesforce));
    for (const rule of mapper.contactPoints) {
      if (rule.contactType === type || (rule.contactType === '*' && !specific.has(rule.salesforce))) fields[rule.salesforce] = toSalesforceValue(contactPointValue(record, rule.point));
      else if (!(rule.salesforce in fields)) fields[rule.salesforce] = null;
    }
  }
  const lookups = mapper.lookups.map((rule) => {
    const source = parent !== undefined ? parent : record;
    const value = readPath(source, rule.ferry);
    return { rule, ferryId: typeof value === 'string' ? value : null };
  });
  return { fields, lookups };
}

/** Applies a compiled object mapping to one record (and its children). */
export async function mapRecord(mapper: ObjectMapper, record: Record<string, unknown>, settings: IntegrationSettings): Promise<MappedRecord> {
  const mapped: MappedRecord = await mapFields(mapper.main, record, undefined, undefined);
  if (mapper.child !== undefined) {
    const { definition, mapper: childMapper } = mapper.child;
    const value = record[definition.path];
    // Stored records were validated: anything but a list here is a broken invariant (a bug), never
    // "no children" (that would delete the children in Salesforce).
    if (value !== undefined && !Array.isArray(value)) throw new TypeError(`${definition.path} of ${String(record.id)} is not a list`);
    const items = (value ?? []) as Record<string, unknown>[];
    const children: MappedRecord['children'] = [];
    for (const [index, item] of items.entries()) {
      if (definition.excluded?.(item, settings) === true) continue;
      children.push({ key: definition.keyOf(String(record.id), index, item), ...(await mapFields(childMapper, item, record, index)) });
    }
    mapped.children = children;
  }
  return mapped;
}

