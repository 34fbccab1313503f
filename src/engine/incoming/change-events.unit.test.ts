import { describe, expect, it } from 'vitest';
import { changedFieldsOf, distinctRecords, flatValues, type ChangeEventHeader, type StoredEvent } from './change-events.ts';

const header = (recordIds: string[], extra: Partial<ChangeEventHeader> = {}): ChangeEventHeader => ({
  entityName: 'Account', recordIds, changeType: 'UPDATE', commitTimestamp: 0, commitUser: '005000000000001AAA', changedFields: [], nulledFields: [], ...extra,
});
const event = (replayId: number, recordIds: string[]): StoredEvent => ({ replay_id: String(replayId), header: header(recordIds), payload: {} });

describe('change events', () => {
  it('lays compound fields flat, as REST and SOQL name them', () => {
    expect(flatValues({ ChangeEventHeader: {}, BillingAddress: { City: 'York', Street: null }, Name: { FirstName: 'Ada' }, Industry: 'Retail' }))
      .toEqual({ BillingCity: 'York', BillingStreet: null, FirstName: 'Ada', Industry: 'Retail' });
    expect(changedFieldsOf(header(['a'], { changedFields: ['BillingAddress.City', 'LastModifiedDate'], nulledFields: ['Name.FirstName'] }), {}))
      .toEqual(['BillingCity', 'LastModifiedDate', 'FirstName']);
    // A create names every field it carries.
    expect(changedFieldsOf(header(['a'], { changeType: 'CREATE' }), { ChangeEventHeader: {}, Name: 'Acme', ShippingAddress: { City: 'Hull' } })).toEqual(['Name', 'ShippingCity']);
  });

  it('cuts a batch before the first event naming a record the batch already has', () => {
    const events = [event(1, ['a']), event(2, ['b', 'c']), event(3, ['d']), event(4, ['c']), event(5, ['e'])];
    expect(distinctRecords(events).map((e) => e.replay_id)).toEqual(['1', '2', '3']);
    expect(distinctRecords(events.slice(3)).map((e) => e.replay_id)).toEqual(['4', '5']);
    // One event always goes, whatever it names.
    expect(distinctRecords([event(6, ['x', 'x'])])).toHaveLength(1);
  });
});
