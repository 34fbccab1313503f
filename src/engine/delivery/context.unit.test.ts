import { describe, expect, it } from 'vitest';
import { RunState } from './context.ts';

describe('RunState', () => {
  it('keeps the ids of the first records a run considers, not every one: memory follows the batch, not the data', () => {
    const state = new RunState();
    for (let i = 0; i < RunState.MAX_RECORD_IDS + 500; i++) state.consider(`record-${i}`);
    expect(state.recordIds.size).toBe(RunState.MAX_RECORD_IDS);
    expect(state.recordIds.has('record-0')).toBe(true);
    expect(state.recordIds.has(`record-${RunState.MAX_RECORD_IDS}`)).toBe(false);
    state.consider('record-0');
    expect(state.recordIds.size).toBe(RunState.MAX_RECORD_IDS);
  });
});
