// Benchmark for the core store (issue 2): bulk upsert of accounts and of bills with 5 line items
// through the HTTP API, then reading the whole change journal back, on PGlite and on Postgres.
//   npm run bench:core                       (100,000 accounts and 100,000 bills, both stores)
//   npm run bench:core -- --records 10000 --stores pglite
import { parseArgs } from 'node:util';
import { buildServer } from '../src/api/index.ts';
import { createOrganization } from '../src/platform/index.ts';
import { migrate, openDatabase, type Database } from '../src/storage/index.ts';
import { memorySampler, mib, printTable, saveResults, sampleBill, startPostgres } from './lib.ts';

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '100000' },
    stores: { type: 'string', default: 'pglite,postgres' },
    batch: { type: 'string', default: '1000' },
  },
});
const total = Number(values.records);
const batchSize = Number(values.batch);
const stores = values.stores.split(',');

async function post(url: string, key: string, body: unknown): Promise<any> {
  const res = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (res.status !== 200) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  return res.json();
}

async function runOn(kind: string, db: Database) {
  await migrate(db);
  const { apiKey } = await createOrganization(db, 'bench');
  const app = buildServer({ db, bodyLimitBytes: 64 * 1024 * 1024 });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  const memory = memorySampler();
  const rows: Record<string, string | number>[] = [];
  const measure = async (phase: string, count: number, work: () => Promise<void>) => {
    memory.reset();
    const start = performance.now();
    await work();
    const seconds = (performance.now() - start) / 1000;
    rows.push({ store: kind, phase, records: count, seconds: seconds.toFixed(1), 'records/s': Math.round(count / seconds), 'peak RSS': mib(memory.peak()) });
  };
  const accountIds: string[] = [];
  await measure('upsert accounts', total, async () => {
    for (let start = 0; start < total; start += batchSize) {
      const items = Array.from({ length: Math.min(batchSize, total - start) }, (_, i) => ({ code: `ACC-${start + i}`, name: `Account ${start + i}`, currency: 'USD', customFields: { region: i % 2 ? 'EU' : 'US' } }));
      const result = await post(`${url}/api/v1/accounts/bulk`, apiKey, { items });
      if (result.summary.failed > 0) throw new Error(JSON.stringify(result.results.find((r: any) => r.error)));
      for (const r of result.results) accountIds.push(r.id);
    }
  });
  await measure('upsert bills (5 lines)', total, async () => {
    for (let start = 0; start < total; start += batchSize) {
      const items = Array.from({ length: Math.min(batchSize, total - start) }, (_, i) => sampleBill(accountIds[(start + i) % accountIds.length]!, start + i));
      const result = await post(`${url}/api/v1/bills/bulk`, apiKey, { items });
      if (result.summary.failed > 0) throw new Error(JSON.stringify(result.results.find((r: any) => r.error)));
    }
  });
  let journalCount = 0;
  await measure('read journal', total * 2, async () => {
    let after = 0;
    for (;;) {
      const res = await fetch(`${url}/api/v1/changes?after=${after}&limit=10000`, { headers: { authorization: `Bearer ${apiKey}` } });
      const page: any = await res.json();
      journalCount += page.changes.length;
      after = page.lastSeq;
      if (!page.hasMore) break;
    }
  });
  if (journalCount !== total * 2) throw new Error(`journal has ${journalCount} entries, expected ${total * 2}`);
  memory.stop();
  await app.close();
  return rows;
}

const all: Record<string, string | number>[] = [];
for (const kind of stores) {
  if (kind === 'pglite') {
    const db = await openDatabase({ inMemory: true });
    all.push(...(await runOn('pglite', db)));
    await db.close();
  } else if (kind === 'postgres') {
    const pg = await startPostgres();
    const db = await openDatabase({ databaseUrl: pg.url });
    all.push(...(await runOn('postgres', db)));
    await db.close();
    await pg.stop();
  }
}
printTable(`Core store: ${total} accounts, ${total} bills of 5 line items, batches of ${batchSize}, over HTTP`, all);
console.log(`\nsaved ${saveResults('core', { total, batchSize, rows: all })}`);
