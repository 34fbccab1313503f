// The rules of a mapping that read from Salesforce (direction to_ferry or both), compiled for the
// integration's main object, and Salesforce records turned into Ferry values by them.
import { DEFINITIONS } from '../mapping/entities/index.ts';
import { compileExpression, isExpressionError, type Compiled } from '../mapping/expressions.ts';
import { resolvePath, readPath, type FerryField } from '../mapping/paths.ts';
import { readsFromSalesforce, type FieldRule, type Rule } from '../mapping/rules.ts';
import type { EntityType } from '../types.ts';

export interface ReadingField {
  /** The Ferry path the value goes to (`name`, `address.locality`, `customFields.region`). */
  path: string;
  salesforce: string;
  kind: FerryField['kind'];
  /** A to_ferry rule's transform, evaluated on the Salesforce record ($value: the field's value). */
  transform?: Compiled | undefined;
  /** The rule also sends (direction both): outgoing delivery keeps its base. */
  both: boolean;
  /** A lookup read back: the Salesforce id names a record of `target`, found through the links. */
  lookup?: { target: string } | undefined;
}

export interface ReadingMapping {
  entity: string;
  object: string;
  fields: ReadingField[];
}

/**
 * The reading rules of the main object. A `both` rule with a transform computes Salesforce's value
 * from Ferry's and cannot be read back: it is left out here (and refused when the mapping is saved
 * for an integration that reads from Salesforce).
 */
export function compileReading(entityType: EntityType, rules: Rule[]): ReadingMapping {
  const [main] = DEFINITIONS[entityType].objects;
  const fields: ReadingField[] = [];
  for (const rule of rules) {
    if (rule.kind === 'lookup' && readsFromSalesforce(rule) && rule.object === main!.object) {
      fields.push({ path: rule.ferry, salesforce: rule.salesforce, kind: 'id', both: rule.direction === 'both', lookup: { target: rule.target } });
      continue;
    }
    if (rule.kind !== 'field' || !readsFromSalesforce(rule) || rule.object !== main!.object) continue;
    if (rule.direction === 'both' && rule.transform !== undefined) continue;
    const resolved = resolvePath(main!.entity, rule.ferry);
    if (!resolved.ok || rule.ferry.includes('[]')) continue;
    const transform = rule.transform === undefined ? undefined : compileExpression(rule.transform);
    fields.push({ path: rule.ferry, salesforce: rule.salesforce, kind: resolved.field.kind, transform: transform === undefined || isExpressionError(transform) ? undefined : transform, both: rule.direction === 'both' });
  }
  return { entity: main!.entity, object: main!.object, fields };
}

/** Readings whose problems a save must refuse, with the rule's index and the field at fault. */
export interface ReadingProblem {
  index: number;
  field: 'transform' | 'direction';
  message: string;
}

export function readingProblems(rules: Rule[]): ReadingProblem[] {
  return rules.flatMap((rule, index): ReadingProblem[] => {
    if (rule.kind === 'field' && rule.direction === 'both' && rule.transform !== undefined) {
      return [{ index, field: 'transform', message: 'a transform computes the Salesforce value from Ferry\'s and cannot be read back: use direction "to_salesforce" for it, and a "to_ferry" rule (with its own transform over the Salesforce record) to read the field' }];
    }
    if (rule.kind === 'contact_point' && rule.direction !== 'to_salesforce') {
      return [{ index, field: 'direction', message: 'contact points (emails, phones) are sent to Salesforce but not read back yet: use direction "to_salesforce"' }];
    }
    return [];
  });
}

/** Empty text and absent values are one and the same on both sides. */
export function normalise(kind: FerryField['kind'], value: unknown): unknown {
  if (value === undefined || value === null || value === '') return null;
  if (kind === 'string' && (typeof value === 'number' || typeof value === 'boolean')) return String(value);
  if (kind === 'number' && typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  // Bulk API results are text.
  if (kind === 'boolean' && (value === 'true' || value === 'false')) return value === 'true';
  return value;
}

export function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/**
 * The Ferry values a Salesforce record holds, by Ferry path. A lookup's Salesforce id becomes the
 * Ferry id `resolved` maps it to; one it does not map is left out (the caller says why).
 */
export async function ferryValuesOf(reading: ReadingMapping, record: Record<string, unknown>, resolved: ReadonlyMap<string, string> = new Map()): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const field of reading.fields) {
    const raw = record[field.salesforce];
    if (field.lookup !== undefined) {
      // Absent (a change event that did not change it): no value, so no change.
      if (raw === undefined) continue;
      if (raw === null || raw === '') out[field.path] = null;
      else if (typeof raw === 'string' && resolved.has(raw)) out[field.path] = resolved.get(raw);
      continue;
    }
    const value = field.transform === undefined ? raw : await field.transform.evaluate(record, { value: raw });
    out[field.path] = normalise(field.kind, value);
  }
  return out;
}

/** The record's current values at the reading paths. */
export function currentValuesOf(reading: ReadingMapping, data: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(reading.fields.map((f) => [f.path, normalise(f.kind, readPath(data, f.path))]));
}

/** A store patch that sets each path (nested objects are completed from the current data). */
export function patchOf(data: Record<string, unknown>, values: Record<string, unknown>): Record<string, unknown> {
  const patch: Record<string, unknown> = {};
  for (const [path, value] of Object.entries(values)) {
    const [top, ...rest] = path.split('.');
    if (rest.length === 0) {
      patch[top!] = value;
      continue;
    }
    const base = (patch[top!] ?? structuredClone(data[top!] ?? {})) as Record<string, unknown>;
    let node = base;
    for (const part of rest.slice(0, -1)) {
      node[part] = typeof node[part] === 'object' && node[part] !== null ? node[part] : {};
      node = node[part] as Record<string, unknown>;
    }
    if (value === null) delete node[rest.at(-1)!];
    else node[rest.at(-1)!] = value;
    patch[top!] = base;
  }
  return patch;
}

export type { FieldRule };
