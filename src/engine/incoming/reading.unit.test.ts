import { describe, expect, it } from 'vitest';
import { compileReading, currentValuesOf, fieldsFor, patchOf } from './reading.ts';
import type { Rule } from '../mapping/rules.ts';

const point = (p: string, salesforce: string, contactType = '*'): Rule => ({ kind: 'contact_point', point: p as never, salesforce, contactType, direction: 'both', object: 'Contact' });

describe('contact points read back', () => {
  const reading = compileReading('Contact', [
    point('phone.WORK', 'Phone'),
    point('phone.MOBILE', 'MobilePhone'),
    point('phone.HOME', 'Phone', 'BILLING'),
    point('address.street', 'MailingStreet'),
  ]);
  const points = new Set(['phone.WORK', 'phone.MOBILE', 'phone.HOME', 'address.street']);

  it('applies the rules of the contact\'s own type before the * ones, per Salesforce field', () => {
    expect(fieldsFor(reading, undefined).fields.map((f) => f.path)).toEqual(['phone.WORK', 'phone.MOBILE', 'address.street']);
    expect(fieldsFor(reading, 'BILLING').fields.map((f) => f.path)).toEqual(['phone.MOBILE', 'phone.HOME', 'address.street']);
  });

  it('reads a phone by its type and the street from the address lines', () => {
    const data = { phones: [{ type: 'HOME', number: '1' }, { type: 'WORK', number: '2' }], address: { line1: 'Flat 2', line2: '10 High St', locality: 'Leeds' } };
    expect(currentValuesOf(reading, data)).toEqual({ 'phone.WORK': '2', 'phone.MOBILE': null, 'phone.HOME': '1', 'address.street': 'Flat 2\n10 High St' });
  });

  it('sets, adds and removes phones by type, leaving the others', () => {
    const data = { phones: [{ type: 'HOME', number: '1' }, { type: 'WORK', number: '2' }] };
    expect(patchOf(data, { 'phone.WORK': '3', 'phone.MOBILE': '4' }, points)).toEqual({ phones: [{ type: 'HOME', number: '1' }, { type: 'WORK', number: '3' }, { type: 'MOBILE', number: '4' }] });
    expect(patchOf(data, { 'phone.HOME': null }, points)).toEqual({ phones: [{ type: 'WORK', number: '2' }] });
    expect(patchOf({ phones: [{ type: 'WORK', number: '2' }] }, { 'phone.WORK': null }, points)).toEqual({ phones: null });
    // The record it was given is not changed.
    expect(data.phones).toHaveLength(2);
  });

  it('lays a street on the address lines, one line each, the fourth taking what is left', () => {
    const data = { address: { line1: 'old', line2: 'old 2', line3: 'old 3', locality: 'Leeds' } };
    expect(patchOf(data, { 'address.street': 'A\r\nB' }, points)).toEqual({ address: { line1: 'A', line2: 'B', locality: 'Leeds' } });
    expect(patchOf(data, { 'address.street': 'A\nB\nC\nD\nE' }, points)).toEqual({ address: { line1: 'A', line2: 'B', line3: 'C', line4: 'D, E', locality: 'Leeds' } });
    expect(patchOf(data, { 'address.street': null }, points)).toEqual({ address: { locality: 'Leeds' } });
  });
});
