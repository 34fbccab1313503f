import { describe, expect, it } from 'vitest';
import type { FieldDescribe } from './describe.ts';
import { checkValue, valueKindFits } from './field-check.ts';

const field = (type: string, extra: Partial<FieldDescribe> = {}): FieldDescribe => ({
  name: 'F__c', label: 'F', type, length: 0, precision: 0, scale: 0, digits: 0, createable: true, updateable: true, nillable: true,
  externalId: false, custom: true, referenceTo: [], relationshipName: null, picklistValues: [], restrictedPicklist: false, ...extra,
});

describe('checkValue', () => {
  it('counts text in UTF-16 code units, exactly at the limit passing', () => {
    const text = field('string', { length: 5 });
    expect(checkValue(text, 'abcde')).toBeUndefined();
    expect(checkValue(text, 'abcdef')).toMatchObject({ code: 'STRING_TOO_LONG', limit: '5 characters', message: 'is 6 characters; F__c holds at most 5: shorten the value in Ferry or widen the field' });
    expect(checkValue(text, '😀😀😀')).toMatchObject({ code: 'STRING_TOO_LONG' });
  });

  it('counts digits and decimals exactly, never through floating point', () => {
    const number = field('double', { precision: 8, scale: 2 });
    expect(checkValue(number, '999999.99')).toBeUndefined();
    expect(checkValue(number, '-999999.99')).toBeUndefined();
    expect(checkValue(number, '1.2300')).toBeUndefined();
    expect(checkValue(number, '-0.5')).toBeUndefined();
    expect(checkValue(number, '0.125')).toMatchObject({ code: 'NUMBER_TOO_PRECISE', limit: '2 decimals' });
    expect(checkValue(number, '1000000')).toMatchObject({ code: 'NUMBER_TOO_LARGE', limit: '6 integer digits' });
    expect(checkValue(number, 12.5)).toBeUndefined();
    expect(checkValue(number, 'twelve')).toMatchObject({ code: 'WRONG_TYPE' });
    const wide = field('currency', { precision: 18, scale: 4 });
    expect(checkValue(wide, '99999999999999.9999')).toBeUndefined();
    expect(checkValue(wide, '99999999999999.99999')).toMatchObject({ code: 'NUMBER_TOO_PRECISE' });
    expect(checkValue(field('int', { digits: 3 }), '1.0')).toBeUndefined();
    expect(checkValue(field('int', { digits: 3 }), '1000')).toMatchObject({ code: 'NUMBER_TOO_LARGE' });
  });

  it('takes only the values of a restricted picklist, each of a multi-select', () => {
    const picklist = field('picklist', { length: 255, picklistValues: ['Gold', 'Silver'], restrictedPicklist: true });
    expect(checkValue(picklist, 'Gold')).toBeUndefined();
    expect(checkValue(picklist, 'gold')).toMatchObject({ code: 'NOT_IN_PICKLIST' });
    expect(checkValue({ ...picklist, restrictedPicklist: false }, 'Bronze')).toBeUndefined();
    const multi = field('multipicklist', { length: 4099, picklistValues: ['A', 'B'], restrictedPicklist: true });
    expect(checkValue(multi, 'A;B')).toBeUndefined();
    expect(checkValue(multi, 'A;C')).toMatchObject({ code: 'NOT_IN_PICKLIST', message: expect.stringContaining('"C" is not among') });
  });

  it('tells dates from date-times and rejects impossible ones', () => {
    expect(checkValue(field('date'), '2026-02-28')).toBeUndefined();
    expect(checkValue(field('date'), '2026-02-30')).toMatchObject({ code: 'INVALID_DATE' });
    expect(checkValue(field('date'), '2026-02-28T10:00:00Z')).toMatchObject({ code: 'INVALID_DATE' });
    expect(checkValue(field('datetime'), '2026-02-28T10:00:00.123+01:00')).toBeUndefined();
    expect(checkValue(field('datetime'), '2026-02-28')).toMatchObject({ code: 'INVALID_DATE' });
    expect(checkValue(field('boolean'), true)).toBeUndefined();
    expect(checkValue(field('boolean'), 'yes')).toMatchObject({ code: 'WRONG_TYPE' });
    expect(checkValue(field('string', { length: 5 }), null)).toBeUndefined();
  });
});

describe('valueKindFits', () => {
  it('lets any kind into text, and only its own kind into numbers, checkboxes, dates and references', () => {
    expect(valueKindFits(field('string'), 'number')).toBeUndefined();
    expect(valueKindFits(field('double'), 'string')).toMatch(/number field, and the value is a string/);
    expect(valueKindFits(field('boolean'), 'string')).toMatch(/checkbox/);
    expect(valueKindFits(field('date'), 'datetime')).toMatch(/\$substring/);
    expect(valueKindFits(field('datetime'), 'date')).toMatch(/no time of day/);
    expect(valueKindFits(field('reference'), 'id')).toMatch(/use a lookup rule/);
    expect(valueKindFits(field('double'), 'unknown')).toBeUndefined();
  });
});
