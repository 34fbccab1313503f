import type { z } from 'zod';

/**
 * Turns one CSV row (flat columns) into a record. Columns name fields by path: `address.line1`,
 * `customFields.tier`, `lineItems.0.amount`. Empty cells are left out. Cells are strings, except
 * where the entity's schema says boolean or number, so `locked` = "true" becomes true.
 */
export function rowToRecord(schema: z.ZodObject, row: Record<string, string>): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  for (const [column, cell] of Object.entries(row)) {
    if (cell === '') continue;
    const path = column.split('.').map((part) => (/^\d+$/.test(part) ? Number(part) : part));
    setPath(record, path, coerce(leafType(schema, path), cell));
  }
  return record;
}

function setPath(target: Record<string, unknown>, path: (string | number)[], value: unknown): void {
  let node: Record<string | number, unknown> = target;
  path.forEach((part, index) => {
    if (index === path.length - 1) {
      node[part] = value;
      return;
    }
    const nextIsIndex = typeof path[index + 1] === 'number';
    node[part] ??= nextIsIndex ? [] : {};
    node = node[part] as Record<string | number, unknown>;
  });
}

interface ZodInternals {
  _zod: { def: { type: string; innerType?: unknown; shape?: Record<string, unknown>; element?: unknown; valueType?: unknown } };
}

function unwrap(schema: unknown): ZodInternals | undefined {
  let node = schema as ZodInternals | undefined;
  while (node !== undefined && ['optional', 'default', 'nullable', 'prefault'].includes(node._zod.def.type)) {
    node = node._zod.def.innerType as ZodInternals | undefined;
  }
  return node;
}

function leafType(schema: z.ZodObject, path: (string | number)[]): string | undefined {
  let node: ZodInternals | undefined = unwrap(schema);
  for (const part of path) {
    if (node === undefined) return undefined;
    const def = node._zod.def;
    if (def.type === 'object' && typeof part === 'string') node = unwrap(def.shape?.[part]);
    else if (def.type === 'array' && typeof part === 'number') node = unwrap(def.element);
    else if (def.type === 'record') node = unwrap(def.valueType);
    else return undefined;
  }
  return node?._zod.def.type;
}

/**
 * Whether a CSV column names a field of the schema (`address.line1`, `lineItems.0.amount`,
 * `customFields.anything`); an unknown one would make every row of the file fail the same way.
 */
export function isKnownColumn(schema: z.ZodObject, column: string): boolean {
  const path = column.split('.').map((part) => (/^\d+$/.test(part) ? Number(part) : part));
  let node: ZodInternals | undefined = unwrap(schema);
  for (const part of path) {
    if (node === undefined) return false;
    const def = node._zod.def;
    if (def.type === 'object' && typeof part === 'string' && def.shape !== undefined && Object.hasOwn(def.shape, part)) node = unwrap(def.shape[part]);
    else if (def.type === 'array' && typeof part === 'number') node = unwrap(def.element);
    else if (def.type === 'record') node = unwrap(def.valueType);
    else return false;
  }
  return true;
}

function coerce(type: string | undefined, cell: string): unknown {
  if (type === 'boolean') {
    if (/^(true|yes|1)$/i.test(cell)) return true;
    if (/^(false|no|0)$/i.test(cell)) return false;
    return cell;
  }
  if (type === 'number') {
    const value = Number(cell);
    return Number.isFinite(value) ? value : cell;
  }
  return cell;
}
