// The rules of a mapping that read from Salesforce (direction to_ferry or both), compiled for the
// integration's main object, and Salesforce records turned into Ferry values by them.
import { DEFINITIONS } from '../mapping/entities/index.ts';
import { compileExpression, isExpressionError, type Compiled } from '../mapping/expressions.ts';
import { resolvePath, readPath, type FerryField } from '../mapping/paths.ts';
import { contactPointValue } from '../mapping/mapping.ts';
import { readsFromSalesforce, type ContactPoint, type FieldRule, type Rule } from '../mapping/rules.ts';
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
  /**
   * A lookup read back: the Salesforce id names a record of `target`, found through the links. A
   * required one makes the record follow its parent: not taken while the parent is not in Ferry.
   */
  lookup?: { target: string; required: boolean; byEmail?: { name: string } | undefined } | undefined;
  /**
   * A contact point read back (its `path` is the point: `email`, `phone.WORK`, `address.street`),
   * for contacts of `contactType` (`*`: any type without a rule of its own for the field).
   */
  point?: { name: ContactPoint; contactType: string } | undefined;
}

export interface ReadingMapping {
  entity: string;
  object: string;
  fields: ReadingField[];
  /** Variables the reading rules' transforms see besides `$value` (a deal's `$currency`). */
  bindings?: Record<string, unknown> | undefined;
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
      fields.push({ path: rule.ferry, salesforce: rule.salesforce, kind: 'id', both: rule.direction === 'both', lookup: { target: rule.target, required: rule.required } });
      continue;
    }
    if (rule.kind === 'contact_point' && readsFromSalesforce(rule) && rule.object === main!.object) {
      fields.push({ path: rule.point, salesforce: rule.salesforce, kind: 'string', both: rule.direction === 'both', point: { name: rule.point, contactType: rule.contactType } });
      continue;
    }
    if (rule.kind !== 'field' || !readsFromSalesforce(rule) || rule.object !== main!.object) continue;
    if (rule.direction === 'both' && rule.transform !== undefined) continue;
    const resolved = resolvePath(main!.entity, rule.ferry);
    if (!resolved.ok || rule.ferry.includes('[]')) continue;
    const transform = rule.transform === undefined ? undefined : compileExpression(rule.transform);
    // A decimal is text in Ferry (an exact amount): a number read from Salesforce becomes its text.
    fields.push({ path: rule.ferry, salesforce: rule.salesforce, kind: resolved.field.decimal !== undefined ? 'string' : resolved.field.kind, transform: transform === undefined || isExpressionError(transform) ? undefined : transform, both: rule.direction === 'both' });
  }
  return { entity: main!.entity, object: main!.object, fields };
}

/** Readings whose problems a save must refuse, with the rule's index and the field at fault. */
export interface ReadingProblem {
  index: number;
  field: 'transform';
  message: string;
}

export function readingProblems(rules: Rule[]): ReadingProblem[] {
  return rules.flatMap((rule, index): ReadingProblem[] => {
    if (rule.kind === 'field' && rule.direction === 'both' && rule.transform !== undefined) {
      return [{ index, field: 'transform', message: 'a transform computes the Salesforce value from Ferry\'s and cannot be read back: use direction "to_salesforce" for it, and a "to_ferry" rule (with its own transform over the Salesforce record) to read the field' }];
    }
    return [];
  });
}

/**
 * The reading fields that apply to a record of contact type `type`: every field and lookup, and
 * of the contact point rules, those of its type, or of `*` for a Salesforce field its type has
 * no rule for (as deliveries choose them).
 */
export function fieldsFor(reading: ReadingMapping, type: unknown): ReadingMapping {
  if (!reading.fields.some((f) => f.point !== undefined)) return reading;
  const specific = new Set(reading.fields.filter((f) => f.point !== undefined && f.point.contactType === type).map((f) => f.salesforce));
  return { ...reading, fields: reading.fields.filter((f) => f.point === undefined || f.point.contactType === type || (f.point.contactType === '*' && !specific.has(f.salesforce))) };
}

/** A date-time with its zone, as Salesforce writes it (`2026-01-31T09:30:00.000+0000`) or ISO 8601 does. */
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

/**
 * Empty text and absent values are one and the same on both sides; a date-time is the instant it
 * names, written one way (UTC, milliseconds: Salesforce's +0000 is not ISO 8601's +00:00).
 */
export function normalise(kind: FerryField['kind'], value: unknown): unknown {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value === 'string' && DATE_TIME.test(value)) {
    const instant = new Date(value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
    if (!Number.isNaN(instant.getTime())) return instant.toISOString();
  }
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
    const value = field.transform === undefined ? raw : await field.transform.evaluate(record, { ...reading.bindings, value: raw });
    out[field.path] = normalise(field.kind, value);
  }
  return out;
}

/** The record's value a reading field reads: at its path, or at its contact point. */
export function valueAt(field: ReadingField, data: Record<string, unknown>): unknown {
  return normalise(field.kind, field.point === undefined ? readPath(data, field.path) : contactPointValue(data, field.point.name));
}

/** The record's current values at the reading paths. */
export function currentValuesOf(reading: ReadingMapping, data: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(reading.fields.map((f) => [f.path, valueAt(f, data)]));
}

const STREET_LINES = ['line1', 'line2', 'line3', 'line4'] as const;

/**
 * A store patch that sets each path (nested objects are completed from the current data). The
 * contact points among `points` are set where they live: a phone in `phones` by its type (added,
 * renumbered, or removed when empty), a street on the address lines (one line each, the fourth
 * taking what is left).
 */
export function patchOf(data: Record<string, unknown>, values: Record<string, unknown>, points: ReadonlySet<string> = new Set()): Record<string, unknown> {
  const patch: Record<string, unknown> = {};
  for (const [path, value] of Object.entries(values)) {
    if (points.has(path) && path.startsWith('phone.')) {
      const type = path.slice('phone.'.length);
      const number = typeof value === 'string' || typeof value === 'number' ? String(value) : null;
      const phones = ((patch.phones ?? structuredClone(data.phones ?? [])) as { type: string; number: string }[]).filter((p) => p.type !== type || number !== null);
      const existing = phones.find((p) => p.type === type);
      if (existing !== undefined && number !== null) existing.number = number;
      else if (number !== null) phones.push({ type, number });
      patch.phones = phones.length === 0 ? null : phones;
      continue;
    }
    if (points.has(path) && path === 'address.street') {
      const address = (patch.address ?? structuredClone(data.address ?? {})) as Record<string, unknown>;
      const lines = typeof value === 'string' ? value.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '') : [];
      const kept = [...lines.slice(0, 3), ...(lines.length > 3 ? [lines.slice(3).join(', ')] : [])];
      STREET_LINES.forEach((line, i) => {
        if (kept[i] === undefined) delete address[line];
        else address[line] = kept[i];
      });
      patch.address = address;
      continue;
    }
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
