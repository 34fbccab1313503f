import { describe, expect, it } from 'vitest';
import { partsOf } from './parts.ts';

const sizes = (n: number, bulkThreshold: number, concurrency = 4) => partsOf(Array.from({ length: n }, (_, i) => i), { bulkThreshold, concurrency }).map((p) => p.length);

describe('partsOf', () => {
  it('cuts the collections path into whole rounds of the call slots', () => {
    expect(sizes(2000, 2000)).toEqual([800, 800, 400]);
    expect(sizes(1000, 1_000_000, 2)).toEqual([800, 200]);
    expect(sizes(150, 2000)).toEqual([150]);
    expect(sizes(0, 2000)).toEqual([]);
  });

  it('rounds to the slots a run has, and keeps a batch under a low threshold whole', () => {
    expect(sizes(1000, 1000, 3)).toEqual([600, 400]);
    expect(sizes(100, 100, 4)).toEqual([100]);
  });

  it('sends a Bulk batch as a smaller first job and even ones after, each above the threshold', () => {
    expect(sizes(10_000, 2000)).toEqual([2500, 3750, 3750]);
    expect(sizes(30, 5)).toEqual([12, 18]);
    for (const [n, threshold] of [[2001, 2000], [4003, 2000], [7000, 2000], [50_000, 2000], [13, 5], [100, 1]] as const) {
      const parts = sizes(n, threshold);
      expect(parts.reduce((a, b) => a + b, 0)).toBe(n);
      for (const size of parts) expect(size).toBeGreaterThan(threshold);
    }
  });

  it('keeps a Bulk batch whole when a second job would not be above the threshold', () => {
    expect(sizes(4003, 2000)).toEqual([4003]);
    expect(sizes(2001, 2000)).toEqual([2001]);
  });
});
