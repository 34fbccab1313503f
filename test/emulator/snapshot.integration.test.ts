import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/index.ts';

const dirs: string[] = [];
async function snapshotFile(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ferry-emu-snap-'));
  dirs.push(dir);
  return join(dir, 'org.json');
}
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

const accounts = (from: number, count: number) =>
  Array.from({ length: count }, (_, i) => ({ attributes: { type: 'Account' }, Name: `Account ${from + i}`, Description: 'x'.repeat(1500) }));

/** The longest time the event loop went without running a 1 ms timer while `work` ran. */
async function longestStall(work: () => Promise<unknown>): Promise<number> {
  let last = performance.now();
  let longest = 0;
  const ticker = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
  }, 1);
  try {
    await work();
  } finally {
    clearInterval(ticker);
  }
  return longest;
}

describe('emulator snapshots', () => {
  it('keeps answering while a large snapshot is written (the write yields instead of stalling)', async () => {
    const file = await snapshotFile();
    const emulator = await startEmulator({ port: 0, snapshot: file });
    try {
      for (let i = 0; i < 16_000; i += 2000) emulator.controls.seed(accounts(i, 2000));
      await emulator.saveSnapshot();
      const written = JSON.parse(readFileSync(file, 'utf8'));
      // What serialising the whole org at once costs: the stall every change used to cause.
      const t = performance.now();
      expect(JSON.stringify(written).length).toBeGreaterThan(25_000_000);
      const wholeSync = performance.now() - t;
      const stall = await longestStall(() => emulator.saveSnapshot());
      expect(stall).toBeLessThan(wholeSync / 2);
      const saved = JSON.parse(readFileSync(file, 'utf8'));
      expect(saved.store.tables.Account).toHaveLength(16_000);
      expect(existsSync(`${file}.tmp`)).toBe(false);
    } finally {
      await emulator.stop();
    }
  });

  it('writes a burst of changes once after they settle, and the last change on stop', async () => {
    const file = await snapshotFile();
    const emulator = await startEmulator({ port: 0, snapshot: file });
    try {
      for (let i = 0; i < 50; i += 1) emulator.controls.seed(accounts(i, 1));
      await new Promise((resolve) => setTimeout(resolve, 1600));
      expect(JSON.parse(readFileSync(file, 'utf8')).store.tables.Account).toHaveLength(50);
      emulator.controls.seed(accounts(50, 1));
    } finally {
      await emulator.stop();
    }
    expect(JSON.parse(readFileSync(file, 'utf8')).store.tables.Account).toHaveLength(51);
  });
});
