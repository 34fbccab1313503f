import type { z } from 'zod';
import { entityByName } from '../../platform/index.ts';
import type { ValueKind } from './expressions.ts';

/** What Ferry knows of a field from its entity's schema: its kind and longest text, if any. */
export interface FerryField {
  kind: ValueKind | 'object' | 'array';
  maxLength?: number | undefined;
  /** The values an enum field takes (a restricted Salesforce picklist must hold them all). */
  values?: string[] | undefined;
  /** Decimal strings (amounts, quantities): exact numbers, with the most digits the schema accepts. */
  decimal?: { integerDigits: number; decimals: number } | undefined;
}

/** Fields every stored record has besides its data. */
const SYSTEM_FIELDS: Record<string, FerryField> = {
  id: { kind: 'id' },
  createdAt: { kind: 'datetime' },
  updatedAt: { kind: 'datetime' },
};

/** Custom field keys follow the platform's rule (no spaces, starting with a lowercase letter). */
export const CUSTOM_FIELD_KEY = /^[a-z][A-Za-z0-9_]{0,63}$/;

type AnyZod = z.ZodType & { def: Record<string, unknown> & { type: string }; format?: string | null; maxLength?: number | null };

function unwrap(schema: AnyZod): AnyZod {
  let current = schema;
  for (let i = 0; i < 10; i++) {
    const def = current.def;
    if (def.type === 'optional' || def.type === 'nullable' || def.type === 'default' || def.type === 'readonly' || def.type === 'catch') current = def.innerType as AnyZod;
    else if (def.type === 'pipe') current = def.in as AnyZod;
    else break;
  }
  return current;
}

/** A string schema whose patterns accept decimal numbers and nothing else: an exact decimal string. */
function isDecimalString(schema: AnyZod): boolean {
  const checks = (schema.def.checks as { _zod?: { def?: { pattern?: RegExp } } }[] | undefined) ?? [];
  const patterns = checks.map((c) => c._zod?.def?.pattern).filter((p): p is RegExp => p instanceof RegExp);
  return patterns.length > 0 && patterns.every((p) => p.test('12.50') && p.test('-1') && !p.test('abc'));
}

/** The most integer and decimal digits a decimal string schema accepts, found by asking it. */
function decimalLimits(schema: AnyZod): { integerDigits: number; decimals: number } {
  let integerDigits = 1;
  while (integerDigits < 40 && schema.safeParse('9'.repeat(integerDigits + 1)).success) integerDigits++;
  let decimals = 0;
  while (decimals < 40 && schema.safeParse(`0.${'9'.repeat(decimals + 1)}`).success) decimals++;
  return { integerDigits, decimals };
}

function describeField(schema: AnyZod): FerryField {
  const s = unwrap(schema);
  const type: string = s.def.type;
  switch (type) {
    case 'string': {
      if (s.format === 'date') return { kind: 'date' };
      if (s.format === 'datetime') return { kind: 'datetime' };
      if (s.format === 'uuid') return { kind: 'id' };
      if (isDecimalString(s)) return { kind: 'number', decimal: decimalLimits(s) };
      return { kind: 'string', maxLength: typeof s.maxLength === 'number' ? s.maxLength : undefined };
    }
    case 'boolean':
      return { kind: 'boolean' };
    case 'number':
      return { kind: 'number' };
    case 'enum':
      return { kind: 'string', values: Object.values(s.def.entries as Record<string, string>) };
    case 'object':
    case 'record':
      return { kind: 'object' };
    case 'array':
      return { kind: 'array' };
    default:
      return { kind: 'unknown' };
  }
}

function child(schema: AnyZod, key: string): AnyZod | undefined {
  const s = unwrap(schema);
  if (s.def.type === 'object') return (s.def.shape as Record<string, AnyZod>)[key];
  return undefined;
}

function element(schema: AnyZod): AnyZod | undefined {
  const s = unwrap(schema);
  return s.def.type === 'array' ? (s.def.element as AnyZod) : undefined;
}

export type PathResult = { ok: true; field: FerryField; /** the record field it starts with */ top: string } | { ok: false; message: string };

/**
 * Checks a Ferry path against the entity's schema: `name`, `address.locality`,
 * `customFields.region`, `lineItems[].quantity`. `customFields.*` keys are free but must follow the
 * custom field naming rule.
 */
export function resolvePath(entity: string, path: string): PathResult {
  const definition = entityByName(entity);
  if (definition === undefined) return { ok: false, message: `no Ferry entity is named ${entity}` };
  const parts = path.split('.');
  const top = parts[0] ?? '';
  if (parts.length === 1 && top in SYSTEM_FIELDS) return { ok: true, field: SYSTEM_FIELDS[top]!, top };
  let schema: AnyZod | undefined = definition.schema as unknown as AnyZod;
  const walked: string[] = [];
  for (const [index, raw] of parts.entries()) {
    const isArray = raw.endsWith('[]');
    const name = isArray ? raw.slice(0, -2) : raw;
    // Custom fields (of the record, or of its list items: a product's frequencies) are free keys.
    if (walked.at(-1) === 'customFields' && schema !== undefined && unwrap(schema).def.type === 'record') {
      if (!CUSTOM_FIELD_KEY.test(name)) return { ok: false, message: `custom field key "${name}" must start with a lowercase letter and use letters, digits and _ only (no spaces)` };
      if (index !== parts.length - 1) return { ok: false, message: 'custom field values are plain values: nothing can follow the key' };
      return { ok: true, field: { kind: 'unknown' }, top };
    }
    const next: AnyZod | undefined = schema === undefined ? undefined : child(schema, name);
    if (next === undefined) {
      const known = schema === undefined ? [] : Object.keys((unwrap(schema).def.shape as Record<string, unknown> | undefined) ?? {});
      const at = walked.length === 0 ? `${definition.label} records` : `${walked.join('.')}`;
      return { ok: false, message: `${at} have no field "${name}"${known.length > 0 ? `; known fields: ${known.join(', ')}` : ''}` };
    }
    walked.push(name);
    if (isArray) {
      const item = element(next);
      if (item === undefined) return { ok: false, message: `${walked.join('.')} is not a list: drop the []` };
      schema = item;
    } else {
      schema = next;
    }
  }
  const field = describeField(schema);
  if (field.kind === 'array' && !path.endsWith('[]')) {
    // A list as a whole (phones, billingSchedule): only a transform can turn it into one value.
    return { ok: true, field: { kind: 'unknown' }, top };
  }
  return { ok: true, field, top: top.replace(/\[\]$/, '') };
}

/** Reads a dotted path (no `[]`) from a value; undefined when any step is missing. */
export function readPath(value: unknown, path: string): unknown {
  let current = value;
  for (const part of path.split('.')) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}
