import { describe, expect, it } from 'vitest';
import { makeField, picklist } from '../schema/types.ts';
import { coerceValue, formatDatetime, parseDatetime } from './values.ts';

describe('field values', () => {
  it('accepts Z, +00:00, +0000 and offsets on datetime input and writes +0000', () => {
    const field = makeField('When__c', 'datetime');
    for (const input of ['2024-05-01T10:00:00Z', '2024-05-01T10:00:00.000+00:00', '2024-05-01T10:00:00.000+0000', '2024-05-01T12:00:00+02:00']) {
      expect(coerceValue(field, input)).toEqual({ ok: true, value: '2024-05-01T10:00:00.000+0000' });
    }
    expect(parseDatetime('2024-13-01T00:00:00Z')).toBeUndefined();
    expect(formatDatetime(Date.UTC(2024, 0, 2, 3, 4, 5, 6))).toBe('2024-01-02T03:04:05.006+0000');
  });

  it('rejects impossible dates and non-numeric numbers with JSON_PARSER_ERROR', () => {
    expect(coerceValue(makeField('D__c', 'date'), '2024-02-30')).toMatchObject({ ok: false, error: { statusCode: 'JSON_PARSER_ERROR' } });
    expect(coerceValue(makeField('N__c', 'double'), 'abc')).toMatchObject({ ok: false, error: { statusCode: 'JSON_PARSER_ERROR' } });
    expect(coerceValue(makeField('I__c', 'int'), 1.5)).toMatchObject({ ok: false, error: { statusCode: 'JSON_PARSER_ERROR' } });
  });

  it('rounds currency to its scale and refuses values beyond its precision', () => {
    const money = makeField('Total__c', 'currency', { precision: 16, scale: 2 });
    expect(coerceValue(money, '10.456')).toEqual({ ok: true, value: 10.46 });
    expect(coerceValue(money, 1e15)).toMatchObject({ ok: false, error: { statusCode: 'NUMBER_OUTSIDE_VALID_RANGE' } });
  });

  it('treats empty strings as null and checks lengths and restricted picklists', () => {
    const name = makeField('Code__c', 'string', { length: 3, label: 'Code' });
    expect(coerceValue(name, '')).toEqual({ ok: true, value: null });
    expect(coerceValue(name, 'abcd')).toEqual({ ok: false, error: { statusCode: 'STRING_TOO_LONG', message: 'Code: data value too large: abcd (max length=3)', fields: ['Code__c'] } });
    const status = makeField('Status__c', 'multipicklist', { label: 'Status', restrictedPicklist: true, picklistValues: picklist(['A', 'B']) });
    expect(coerceValue(status, 'A;B')).toEqual({ ok: true, value: 'A;B' });
    expect(coerceValue(status, 'A;C')).toMatchObject({ ok: false, error: { statusCode: 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', message: 'Status: bad value for restricted picklist field: C' } });
  });

  it('normalises reference ids to 18 characters and rejects malformed ones', () => {
    const ref = makeField('AccountId', 'reference', { label: 'Account ID', referenceTo: ['Account'] });
    expect(coerceValue(ref, '001000000000000')).toEqual({ ok: true, value: '001000000000000AAA' });
    expect(coerceValue(ref, 'nope')).toMatchObject({ ok: false, error: { statusCode: 'MALFORMED_ID' } });
  });
});
