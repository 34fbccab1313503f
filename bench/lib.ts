// Shared helpers for benchmarks: a real Postgres server, memory sampling, tables and results.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate, openDatabase } from '../src/storage/index.ts';
import { loadEmbeddedPostgres } from '../test/embedded-postgres.ts';
import { startTestFerry, type TestFerry, type TestFerryOptions } from '../test/ferry.ts';
import { freePort } from '../test/net.ts';
import type { RemoteOrg } from './baseline/remote-org.ts';

export { freePort };

export async function startPostgres(): Promise<{ url: string; stop: () => Promise<void> }> {
  const base = mkdtempSync(join(tmpdir(), 'ferry-bench-pg-'));
  chmodSync(base, 0o777);
  const port = await freePort();
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const pg = new EmbeddedPostgres({ databaseDir: join(base, 'data'), user: 'ferry', password: 'ferry', port, persistent: false, onLog: () => undefined, onError: () => undefined });
  await pg.initialise();
  await pg.start();
  await pg.createDatabase('bench');
  return {
    url: `postgres://ferry:ferry@127.0.0.1:${port}/bench`,
    stop: async () => {
      await pg.stop();
      rmSync(base, { recursive: true, force: true });
    },
  };
}

/** A whole Ferry on PGlite in memory, or on a fresh embedded Postgres server it stops with it. */
export async function startBenchFerry(store: string, options: TestFerryOptions = {}): Promise<TestFerry> {
  if (store === 'pglite') return startTestFerry(options);
  const pg = await startPostgres();
  const db = await openDatabase({ databaseUrl: pg.url });
  await migrate(db);
  const ferry = await startTestFerry({ ...options, db });
  return {
    ...ferry,
    stop: async () => {
      await ferry.stop();
      await db.close();
      await pg.stop();
    },
  };
}

/** Samples RSS every 50 ms; `peak()` is the largest seen since `reset()`. */
export function memorySampler() {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  timer.unref();
  return {
    reset: () => (peak = process.memoryUsage().rss),
    peak: () => Math.max(peak, process.memoryUsage().rss),
    stop: () => clearInterval(timer),
  };
}

export const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;

export function printTable(title: string, rows: Record<string, string | number>[]): void {
  const columns = Object.keys(rows[0] ?? {});
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)));
  const line = (cells: string[]) => `| ${cells.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(`\n${title}`);
  console.log(line(columns));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const row of rows) console.log(line(columns.map((c) => String(row[c]))));
}

export function saveResults(name: string, data: unknown): string {
  const dir = join(import.meta.dirname, 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.json`);
  writeFileSync(file, `${JSON.stringify({ recordedAt: new Date().toISOString(), node: process.version, ...((data as object) ?? {}) }, null, 2)}\n`);
  return file;
}

/** A bill of 5 line items (one of them a credit) whose total adds up, for load tests. */
export function sampleBill(accountId: string, n: number) {
  const lineItems = ['STANDING_CHARGE', 'USAGE', 'USAGE', 'MINIMUM_SPEND', 'CREDIT_MEMO'].map((type, i) => ({
    lineItemType: type,
    productCode: `P${i}`,
    description: `Line ${i} of bill ${n}`,
    // The credit is 10 x -1.25: every line's amount is its quantity times its unit price.
    quantity: i === 4 ? '10' : String(10 + i),
    unitPrice: i === 4 ? '-1.25' : '1.25',
    amount: i === 4 ? '-12.50' : ((10 + i) * 1.25).toFixed(2),
  }));
  const cents = lineItems.reduce((sum, item) => sum + Math.round(Number(item.amount) * 100), 0);
  return {
    accountId,
    billNumber: `INV-${n}`,
    billDate: '2026-01-31',
    periodStart: '2026-01-01',
    periodEnd: '2026-01-31',
    dueDate: '2026-02-28',
    currency: 'USD',
    total: (cents / 100).toFixed(2),
    lineItems,
  };
}

/** An API call that must succeed: its body, or an error naming the call and the answer. */
export async function must(ferry: TestFerry, method: string, path: string, body?: unknown): Promise<any> {
  const res = await ferry.call(method, path, body);
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body).slice(0, 2000)}`);
  return res.body;
}

/** Upserts records through the bulk endpoint, 1,000 a call; answers their ids in order. */
export async function bulkUpsert(ferry: TestFerry, entity: string, items: Record<string, unknown>[]): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < items.length; i += 1000) {
    const answer = await must(ferry, 'POST', `/api/v1/${entity}/bulk`, { items: items.slice(i, i + 1000) });
    if (answer.summary.failed > 0) throw new Error(`${entity}: ${JSON.stringify(answer.results.find((r: any) => r.status === 'failed'))}`);
    ids.push(...answer.results.map((r: any) => r.id as string));
  }
  return ids;
}

/** Seeds records into an emulated org in its own process, 10,000 at a time; answers their ids in order. */
export async function seedOrg(org: RemoteOrg, records: Record<string, unknown>[]): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < records.length; i += 10_000) {
    const seeded = (await org.control('POST', '/seed', { records: records.slice(i, i + 10_000) })) as { results: { success: boolean; id: string | null }[] };
    if (!seeded.results.every((r) => r.success)) throw new Error('seeding the org failed');
    ids.push(...seeded.results.map((r) => r.id!));
  }
  return ids;
}
