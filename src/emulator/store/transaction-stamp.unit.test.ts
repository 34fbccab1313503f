// One transaction, one time: every record it saves gets the same audit stamp, however long it
// takes, so records that got the same change share one change event (as in Salesforce).
import { describe, expect, it } from 'vitest';
import { Schema } from '../schema/schema.ts';
import { standardObjects } from '../schema/standard-objects.ts';
import type { RecordChange } from './store.ts';
import { Store } from './store.ts';

const ctx = { userId: '005000000000000AAA' };

describe('the emulator store\'s clock', () => {
  it('stamps every record of a transaction alike, and the next transaction later', () => {
    let clock = Date.parse('2026-12-05T10:00:00.000Z');
    // Every reading of the clock is a millisecond on: a slow machine, at its worst.
    const store = new Store(new Schema(standardObjects()), { now: () => clock++ });
    const ids = ['One', 'Two', 'Three'].map((Name) => {
      const result = store.create('Account', { Name }, ctx);
      if (!result.success) throw new Error('create failed');
      return result.id;
    });
    const events: RecordChange[][] = [];
    store.onChange((changes) => events.push(changes));
    store.transaction(() => ({ commit: true, value: ids.map((id) => store.update('Account', id, { Industry: 'Retail' }, ctx)) }));
    const stamps = events[0]!.map((c) => c.values['LastModifiedDate']);
    expect(stamps).toHaveLength(3);
    expect(new Set(stamps).size).toBe(1);
    store.transaction(() => ({ commit: true, value: store.update('Account', ids[0]!, { Industry: 'Banking' }, ctx) }));
    expect(Date.parse(String(events[1]![0]!.values['LastModifiedDate']).replace('+0000', 'Z'))).toBeGreaterThan(Date.parse(String(stamps[0]).replace('+0000', 'Z')));
  });
});
