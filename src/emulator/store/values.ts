// Wire formats of field values. Datetimes are stored in Salesforce's own output format
// (yyyy-MM-ddTHH:mm:ss.SSS+0000, always UTC) so that string order is time order.
import { normalizeId } from '../ids.ts';
import { isNumericType, isTextType, type FieldDef } from '../schema/types.ts';

/** A value as text: strings as they are, objects as JSON, null and undefined as ''. */
export function text(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value);
}

export function formatDatetime(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

const DATETIME_INPUT = /^(\d{4}-\d{2}-\d{2})(?:T(\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?)(Z|[+-]\d{2}:?\d{2})?)?$/;

/** Parses the datetime forms Salesforce accepts (Z, +00:00, +0000, date only) to epoch ms. */
export function parseDatetime(value: string): number | undefined {
  const m = DATETIME_INPUT.exec(value.trim());
  if (m === null) return undefined;
  const time = m[2] ?? '00:00:00';
  let zone = m[3] ?? 'Z';
  if (/^[+-]\d{4}$/.test(zone)) zone = `${zone.slice(0, 3)}:${zone.slice(3)}`;
  const ms = Date.parse(`${m[1]}T${time}${zone}`);
  return Number.isNaN(ms) ? undefined : ms;
}

export function parseDate(value: string): string | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:T.*)?$/.exec(value.trim());
  if (m === null) return undefined;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  if (Number.isNaN(d.getTime()) || d.getUTCDate() !== Number(m[3])) return undefined;
  return d.toISOString().slice(0, 10);
}

export interface FieldError {
  statusCode: string;
  message: string;
  fields: string[];
}

/** The error of a valid record whose all-or-none request failed elsewhere (REST collections, SOAP AllOrNoneHeader). */
export const ROLLED_BACK: FieldError = {
  statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK',
  message: 'Record rolled back because not all records were valid and the request was using AllOrNone header',
  fields: [],
};

export type Coerced = { ok: true; value: unknown } | { ok: false; error: FieldError };

function parserError(field: FieldDef, raw: unknown, as: string): Coerced {
  const kind = typeof raw === 'string' ? 'VALUE_STRING' : typeof raw === 'number' ? 'VALUE_NUMBER' : 'START_OBJECT';
  return {
    ok: false,
    error: {
      statusCode: 'JSON_PARSER_ERROR',
      message: `Cannot deserialize instance of ${as} from ${kind} value ${String(raw)} or request may be missing a required field`,
      fields: [field.name],
    },
  };
}

/**
 * Converts an input value (JSON or CSV text) to the stored form, applying Salesforce's type,
 * length, range and picklist rules. Empty strings mean null, as in the real API.
 */
export function coerceValue(field: FieldDef, raw: unknown): Coerced {
  if (raw === null || raw === undefined || raw === '') return { ok: true, value: null };
  const type = field.type;
  if (isNumericType(type)) {
    const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
    if (!Number.isFinite(n)) return parserError(field, raw, type === 'int' ? 'int' : 'double');
    if (type === 'int' && !Number.isInteger(n)) return parserError(field, raw, 'int');
    const integerDigits = type === 'int' ? field.digits || 9 : Math.max(field.precision - field.scale, 1);
    // Compared as a magnitude: a digit count of String(n) misreads 1e21 ("1e+21") as five digits.
    if (Math.abs(Math.trunc(n)) >= 10 ** integerDigits) {
      return {
        ok: false,
        error: {
          statusCode: 'NUMBER_OUTSIDE_VALID_RANGE',
          message: `${field.label}: value outside of valid range on numeric field: ${text(raw)}`,
          fields: [field.name],
        },
      };
    }
    const factor = 10 ** field.scale;
    return { ok: true, value: type === 'int' || field.scale === 0 && type !== 'double' ? n : Math.round(n * factor) / factor };
  }
  switch (type) {
    case 'boolean':
      if (typeof raw === 'boolean') return { ok: true, value: raw };
      if (raw === 'true' || raw === 'TRUE' || raw === '1') return { ok: true, value: true };
      if (raw === 'false' || raw === 'FALSE' || raw === '0') return { ok: true, value: false };
      return parserError(field, raw, 'boolean');
    case 'date': {
      const d = typeof raw === 'string' ? parseDate(raw) : undefined;
      return d === undefined ? parserError(field, raw, 'date') : { ok: true, value: d };
    }
    case 'datetime': {
      const ms = typeof raw === 'string' ? parseDatetime(raw) : typeof raw === 'number' ? raw : undefined;
      return ms === undefined ? parserError(field, raw, 'datetime') : { ok: true, value: formatDatetime(ms) };
    }
    case 'time':
      if (typeof raw === 'string' && /^\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?Z?$/.test(raw)) return { ok: true, value: raw };
      return parserError(field, raw, 'time');
    case 'id':
    case 'reference': {
      const id = typeof raw === 'string' ? normalizeId(raw) : undefined;
      if (id === undefined) {
        return {
          ok: false,
          error: { statusCode: 'MALFORMED_ID', message: `${field.label}: id value of incorrect type: ${text(raw)}`, fields: [field.name] },
        };
      }
      return { ok: true, value: id };
    }
    case 'string':
    case 'textarea':
    case 'email':
    case 'phone':
    case 'url':
    case 'combobox':
    case 'picklist':
    case 'multipicklist':
    case 'address':
    case 'base64':
    case 'int':
    case 'double':
    case 'currency':
    case 'percent':
      break;
  }
  if (typeof raw === 'object') return parserError(field, raw, 'String');
  const s = text(raw);
  if (isTextType(type) && field.length > 0 && s.length > field.length) {
    return {
      ok: false,
      error: {
        statusCode: 'STRING_TOO_LONG',
        message: `${field.label}: data value too large: ${s.length > 60 ? `${s.slice(0, 60)}...` : s} (max length=${field.length})`,
        fields: [field.name],
      },
    };
  }
  if (field.restrictedPicklist && (type === 'picklist' || type === 'multipicklist')) {
    const allowed = new Set(field.picklistValues.filter((v) => v.active).map((v) => v.value));
    const chosen = type === 'multipicklist' ? s.split(';') : [s];
    const bad = chosen.find((v) => !allowed.has(v));
    if (bad !== undefined) {
      // A currency outside the org's active ones is named as such rather than as a picklist value.
      const what = field.name === 'CurrencyIsoCode' ? 'invalid currency code' : 'bad value for restricted picklist field';
      return {
        ok: false,
        error: {
          statusCode: 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
          message: `${field.label}: ${what}: ${bad}`,
          fields: [field.name],
        },
      };
    }
  }
  if (type === 'email' && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(s)) {
    return {
      ok: false,
      error: { statusCode: 'INVALID_EMAIL_ADDRESS', message: `${field.label}: invalid email address: ${s}`, fields: [field.name] },
    };
  }
  return { ok: true, value: s };
}
