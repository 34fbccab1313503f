import { describe, expect, it } from 'vitest';
import { IdGenerator, idChecksum, normalizeId, toId18 } from './ids.ts';

describe('ids', () => {
  it('computes the documented checksum of a 15-character id', () => {
    expect(idChecksum('00558000001N0Ke')).toBe('AAK');
    expect(toId18('00558000001N0Ke')).toBe('00558000001N0KeAAK');
  });

  it('normalises 15-character ids to 18 and rejects malformed ones', () => {
    expect(normalizeId('00558000001N0Ke')).toBe('00558000001N0KeAAK');
    expect(normalizeId('00558000001N0KeAAK')).toBe('00558000001N0KeAAK');
    expect(normalizeId('00558000001N0KeAAB')).toBeUndefined();
    expect(normalizeId('not-an-id')).toBeUndefined();
    expect(normalizeId('001')).toBeUndefined();
  });

  it('hands out increasing ids per prefix that sort in creation order', () => {
    const gen = new IdGenerator();
    const a = gen.next('001');
    const b = gen.next('001');
    expect(a).toHaveLength(18);
    expect(a.startsWith('001')).toBe(true);
    expect(a < b).toBe(true);
    expect(normalizeId(a)).toBe(a);
  });

  it('never reissues an id it observed from a snapshot', () => {
    const first = new IdGenerator();
    const ids = [first.next('003'), first.next('003'), first.next('003')];
    const second = new IdGenerator();
    for (const id of ids) second.observe(id);
    expect(second.next('003') > (ids[2] ?? '')).toBe(true);
  });
});
