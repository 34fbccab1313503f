import { Decimal } from 'decimal.js';
import type { FieldDescribe } from './describe.ts';

/** Why a value cannot go into a Salesforce field as it is. */
export interface ValueProblem {
  code: 'STRING_TOO_LONG' | 'NUMBER_TOO_PRECISE' | 'NUMBER_TOO_LARGE' | 'NOT_IN_PICKLIST' | 'WRONG_TYPE' | 'INVALID_DATE';
  message: string;
  limit?: string | undefined;
}

const TEXT_TYPES = new Set(['string', 'textarea', 'email', 'phone', 'url', 'encryptedstring', 'picklist', 'multipicklist', 'combobox', 'reference', 'id']);
const NUMBER_TYPES = new Set(['double', 'currency', 'percent', 'int', 'long']);
const DECIMAL = /^-?(\d+)(\.\d+)?$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATETIME = /^(\d{4})-(\d{2})-(\d{2})T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

const shown = (value: string) => (value.length > 40 ? `${JSON.stringify(value.slice(0, 40))}...` : JSON.stringify(value));

function validDate(match: RegExpExecArray): boolean {
  const [, y, m, d] = match.map(Number) as [number, number, number, number];
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

function checkNumber(field: FieldDescribe, value: unknown): ValueProblem | undefined {
  const text = typeof value === 'number' ? (Number.isFinite(value) ? new Decimal(value).toFixed() : String(value)) : typeof value === 'string' ? value.trim() : undefined;
  if (text === undefined || !DECIMAL.test(text)) {
    return { code: 'WRONG_TYPE', message: `is ${typeof value === 'string' ? shown(value) : typeof value}, not a number; ${field.name} is a number field` };
  }
  // Counted on the exact decimal: trailing zeros ("1.2300") change nothing and are not counted.
  const decimal = new Decimal(text);
  const decimals = decimal.decimalPlaces();
  const integer = decimal.abs().trunc();
  const integerDigits = integer.isZero() ? 0 : integer.toFixed().length;
  const isInt = field.type === 'int' || field.type === 'long';
  const maxDecimals = isInt ? 0 : field.scale;
  const maxInteger = isInt ? (field.digits > 0 ? field.digits : 18) : field.precision - field.scale;
  if (decimals > maxDecimals) {
    return { code: 'NUMBER_TOO_PRECISE', message: `${text} has ${decimals} decimal${decimals === 1 ? '' : 's'}; ${field.name} keeps ${maxDecimals} (Salesforce would round it): widen the field's decimal places or round the value in Ferry`, limit: `${maxDecimals} decimals` };
  }
  if (integerDigits > maxInteger) {
    return { code: 'NUMBER_TOO_LARGE', message: `${text} has ${integerDigits} digits before the decimal point; ${field.name} holds ${maxInteger}: widen the field (length ${integerDigits} or more)`, limit: `${maxInteger} integer digits` };
  }
  return undefined;
}

/**
 * Whether a value fits a Salesforce field as described: text length, number digits and decimals
 * (counted exactly, never through floating point), restricted picklist values, booleans, dates
 * and date-times. null is always fine here (whether a field is required is Salesforce's to say).
 * The message says what is wrong, the limit, and how to fix it.
 */
export function checkValue(field: FieldDescribe, value: unknown): ValueProblem | undefined {
  if (value === null || value === undefined) return undefined;
  if (NUMBER_TYPES.has(field.type)) return checkNumber(field, value);
  if (field.type === 'boolean') {
    return typeof value === 'boolean' || value === 'true' || value === 'false' ? undefined : { code: 'WRONG_TYPE', message: `is ${typeof value === 'string' ? shown(value) : typeof value}, not true or false; ${field.name} is a checkbox` };
  }
  if (field.type === 'date') {
    const match = typeof value === 'string' ? DATE.exec(value) : null;
    return match !== null && validDate(match) ? undefined : { code: 'INVALID_DATE', message: `is ${typeof value === 'string' ? shown(value) : typeof value}; ${field.name} takes a date written YYYY-MM-DD` };
  }
  if (field.type === 'datetime') {
    const match = typeof value === 'string' ? DATETIME.exec(value) : null;
    return match !== null && validDate(match) ? undefined : { code: 'INVALID_DATE', message: `is ${typeof value === 'string' ? shown(value) : typeof value}; ${field.name} takes a date and time with its zone, e.g. 2026-01-31T09:30:00Z` };
  }
  if (!TEXT_TYPES.has(field.type)) return undefined;
  if (typeof value === 'object') return { code: 'WRONG_TYPE', message: `is ${Array.isArray(value) ? 'a list' : 'an object'}; ${field.name} takes one text value` };
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  // Salesforce counts a text's length in UTF-16 code units, as JavaScript does.
  if (field.length > 0 && text.length > field.length) {
    return { code: 'STRING_TOO_LONG', message: `is ${text.length} characters; ${field.name} holds at most ${field.length}: shorten the value in Ferry or widen the field`, limit: `${field.length} characters` };
  }
  if (field.restrictedPicklist && (field.type === 'picklist' || field.type === 'multipicklist')) {
    const values = field.type === 'multipicklist' ? text.split(';') : [text];
    const missing = values.filter((v) => !field.picklistValues.includes(v));
    if (missing.length > 0) {
      return { code: 'NOT_IN_PICKLIST', message: `${missing.map(shown).join(', ')} ${missing.length === 1 ? 'is' : 'are'} not among the values of the restricted picklist ${field.name} (${field.picklistValues.map((v) => JSON.stringify(v)).join(', ')}): add ${missing.length === 1 ? 'it' : 'them'} to the picklist or change the value in Ferry`, limit: field.picklistValues.join(';') };
    }
  }
  return undefined;
}

export type ValueKind = 'string' | 'number' | 'boolean' | 'date' | 'datetime' | 'id' | 'unknown';

/**
 * Whether a Ferry value of this kind can go into the field at all (checked when a mapping is
 * saved); the message explains the mismatch. Any kind fits a text field; a number, boolean, date
 * or date-time field takes only its own kind.
 */
export function valueKindFits(field: FieldDescribe, kind: ValueKind): string | undefined {
  if (kind === 'unknown') return undefined;
  const into = (what: string) => `${field.name} is a ${what} field, and the value is ${kind === 'id' ? 'a Ferry id' : kind === 'datetime' ? 'a date and time' : `a ${kind}`}`;
  if (field.type === 'reference') return kind === 'id' ? `${field.name} holds a Salesforce Id, and the value is a Ferry id: use a lookup rule ({"kind": "lookup", ...}) to point at the record Ferry delivered` : kind === 'string' ? undefined : into('reference');
  if (TEXT_TYPES.has(field.type)) return undefined;
  if (NUMBER_TYPES.has(field.type)) return kind === 'number' ? undefined : `${into('number')}: map a number, or convert it in a transform ($number(...))`;
  if (field.type === 'boolean') return kind === 'boolean' ? undefined : `${into('checkbox')}: map a true/false value, or compare in a transform (e.g. status = 'APPROVED')`;
  if (field.type === 'date') return kind === 'date' ? undefined : `${into('date')}${kind === 'datetime' ? ": keep the date part in a transform ($substring($value, 0, 10))" : ''}`;
  if (field.type === 'datetime') return kind === 'datetime' ? undefined : `${into('date/time')}${kind === 'date' ? ": a date has no time of day; give one in a transform ($value & 'T00:00:00Z')" : ''}`;
  return undefined;
}
