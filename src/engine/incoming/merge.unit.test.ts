import { describe, expect, it } from 'vitest';
import { merge, type MergeInput } from './merge.ts';
import { patchOf, normalise } from './reading.ts';

const at = (iso: string) => new Date(iso);
const input = (over: Partial<MergeInput>): MergeInput => ({
  base: { name: 'Acme', 'address.locality': 'Leeds' },
  ferry: { name: 'Acme', 'address.locality': 'Leeds' },
  salesforce: { name: 'Acme', 'address.locality': 'Leeds' },
  policy: 'hold',
  ferryChangedAt: at('2026-12-01T10:00:00Z'),
  salesforceChangedAt: at('2026-12-01T11:00:00Z'),
  ...over,
});

describe('merge', () => {
  it('lets Salesforce win a conflict on a path it is the source of truth for, whatever the policy, and holds the others', () => {
    const out = merge(input({
      ferry: { name: 'Acme (Ferry)', 'address.locality': 'Hull' },
      salesforce: { name: 'Acme (Salesforce)', 'address.locality': 'York' },
      salesforceOwns: (path) => path.startsWith('address.'),
    }));
    expect(out.toFerry).toEqual({ 'address.locality': 'York' });
    expect(out.conflicts.map((c) => [c.path, c.outcome])).toEqual([['name', 'held'], ['address.locality', 'salesforce']]);
  });

  it('takes nothing when Salesforce holds the base (an echo of Ferry\'s own write)', () => {
    const out = merge(input({ ferry: { name: 'Acme Ltd', 'address.locality': 'Leeds' } }));
    expect(out).toEqual({ toFerry: {}, salesforceChanged: [], conflicts: [], base: { name: 'Acme', 'address.locality': 'Leeds' } });
  });

  it('takes a field changed in Salesforce only, and moves its base', () => {
    const out = merge(input({ salesforce: { name: 'Acme', 'address.locality': 'York' } }));
    expect(out.toFerry).toEqual({ 'address.locality': 'York' });
    expect(out.salesforceChanged).toEqual(['address.locality']);
    expect(out.base['address.locality']).toBe('York');
    expect(out.conflicts).toEqual([]);
  });

  it('agrees when both sides changed a field to the same value', () => {
    const out = merge(input({ ferry: { name: 'Acme 2', 'address.locality': 'Leeds' }, salesforce: { name: 'Acme 2', 'address.locality': 'Leeds' } }));
    expect(out.toFerry).toEqual({});
    expect(out.conflicts).toEqual([]);
    expect(out.base.name).toBe('Acme 2');
  });

  it.each([
    ['ferry_wins', 'ferry', {}],
    ['salesforce_wins', 'salesforce', { name: 'From SF' }],
    ['hold', 'held', {}],
  ] as const)('settles a field changed on both sides under %s', (policy, outcome, toFerry) => {
    const out = merge(input({ policy, ferry: { name: 'From Ferry', 'address.locality': 'Leeds' }, salesforce: { name: 'From SF', 'address.locality': 'York' } }));
    expect(out.conflicts).toEqual([{ path: 'name', base: 'Acme', ferry: 'From Ferry', salesforce: 'From SF', outcome }]);
    // The other field still syncs, whatever became of the conflict.
    expect(out.toFerry).toEqual({ ...toFerry, 'address.locality': 'York' });
    expect(out.base.name).toBe(outcome === 'salesforce' ? 'From SF' : 'Acme');
  });

  it('lets the newer side win under newest_wins', () => {
    const both = { ferry: { name: 'From Ferry', 'address.locality': 'Leeds' }, salesforce: { name: 'From SF', 'address.locality': 'Leeds' } };
    expect(merge(input({ ...both, policy: 'newest_wins' })).conflicts[0]!.outcome).toBe('salesforce');
    expect(merge(input({ ...both, policy: 'newest_wins', ferryChangedAt: at('2026-12-01T12:00:00Z') })).conflicts[0]!.outcome).toBe('ferry');
  });

  it('counts Ferry\'s value as the base of a field that has none yet', () => {
    expect(merge(input({ base: null, ferry: { name: 'Acme' }, salesforce: { name: 'Acme' } })).salesforceChanged).toEqual([]);
    expect(merge(input({ base: null, ferry: { name: 'Acme' }, salesforce: { name: 'Acme SF' } })).toFerry).toEqual({ name: 'Acme SF' });
  });
});

describe('reading helpers', () => {
  it('treats empty, null and absent alike, and Salesforce numbers as text for text fields', () => {
    expect(normalise('string', '')).toBeNull();
    expect(normalise('string', undefined)).toBeNull();
    expect(normalise('string', 42)).toBe('42');
    expect(normalise('number', '12.5')).toBe(12.5);
  });

  it('builds a patch that keeps the rest of a nested object, and drops a cleared key', () => {
    const data = { name: 'Acme', address: { line1: '1 High St', locality: 'Leeds', region: 'West Yorkshire' } };
    expect(patchOf(data, { 'address.locality': 'York', 'address.region': null, name: 'Acme 2' })).toEqual({
      name: 'Acme 2',
      address: { line1: '1 High St', locality: 'York' },
    });
    expect(data.address.locality).toBe('Leeds');
  });
});
