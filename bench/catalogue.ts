// The catalogue import, measured: Ferry holds --products products (default 10,000), each sold
// MONTHLY, QUARTERLY and ANNUAL in USD and EUR (a tenth of the prices in volume tiers), including
// 2 of 20 services (2 usage buckets each), and a rate plan for every tenth product (2 groups of 2
// tiers). An emulated multi-currency org runs in a process of its own with its latency model on
// (--latency ms a call, default 150). Three imports: the first (everything created), a second
// with nothing changed, a third after 1% of the products changed a price and 1% were deleted.
// Per import: wall time, rows a second, API calls (Ferry's request log for the run) and the peak
// RSS of this process (Ferry and the bench; with --store pglite the database too).
//   npm run bench:catalogue
//   npm run bench:catalogue -- --products 1000 --store postgres
import { parseArgs } from 'node:util';
import { eventually } from '../test/wait.ts';
import { startRemoteOrg } from './baseline/remote-org.ts';
import { bulkUpsert, memorySampler, mib, must, printTable, saveResults, startBenchFerry } from './lib.ts';

const { values } = parseArgs({
  options: {
    products: { type: 'string', default: '10000' },
    latency: { type: 'string', default: '150' },
    store: { type: 'string', default: 'pglite' },
  },
});
const PRODUCTS = Number(values.products);
const LATENCY = Number(values.latency);
const STORE = values.store;
if (STORE !== 'pglite' && STORE !== 'postgres') throw new Error('--store is pglite or postgres');
const FREQUENCIES = ['MONTHLY', 'QUARTERLY', 'ANNUAL'];
const CURRENCIES = ['USD', 'EUR'];

/** Upserts records 1,000 a call; answers their ids in order. */

function pricingRules(i: number, bump = 0): Record<string, unknown>[] {
  return FREQUENCIES.flatMap((frequency, f) => CURRENCIES.map((currency) => ({
    currency, frequency, price: `${(i % 500) + 1 + f * 10 + bump}.${currency === 'USD' ? '00' : '50'}`,
    ...(i % 10 === 0 ? { tiers: [{ fromQuantity: '0', unitPrice: '1.00' }, { fromQuantity: '100', unitPrice: '0.80' }] } : {}),
  })));
}

async function main(): Promise<void> {
  const org = await startRemoteOrg({ currencies: CURRENCIES });
  const ferry = await startBenchFerry(STORE, { incomingCheckMs: 3_600_000, clientOptions: { timeoutMs: 120_000 } });
  try {
    const t0 = performance.now();
    const services = await bulkUpsert(ferry, 'services', Array.from({ length: 20 }, (_, s) => ({
      code: `SVC-${s}`, name: `Service ${s}`, unit: 'unit', usageBuckets: [{ code: 'INCL', name: 'Included', quantity: '1000' }, { code: 'EXTRA', name: 'Extra', quantity: '50.5' }],
    })));
    const productItems = Array.from({ length: PRODUCTS }, (_, i) => ({
      code: `PKG-${i}`, name: `Package ${i}`, description: `Package number ${i}`, frequencies: FREQUENCIES.map((frequency) => ({ frequency })), currencies: CURRENCIES,
      pricingRules: pricingRules(i), serviceIds: [services[i % 20]!, services[(i + 1) % 20]!],
    }));
    const products = await bulkUpsert(ferry, 'products', productItems);
    await bulkUpsert(ferry, 'rate-plans', products.filter((_, i) => i % 10 === 0).map((productId, k) => ({
      code: `RP-${k}`, name: `Rates ${k}`, productId, serviceId: services[k % 20], currency: 'USD', frequency: 'MONTHLY',
      groups: [{ code: 'DOM', name: 'Domestic', tiers: [{ fromQuantity: '0', unitPrice: '0.02' }, { fromQuantity: '1000', unitPrice: '0.015' }] }, { code: 'INT', name: 'International', tiers: [{ fromQuantity: '0', unitPrice: '0.10' }, { fromQuantity: '500', unitPrice: '0.08' }] }],
    })));
    console.log(`seeded ${PRODUCTS} products, 20 services, ${Math.ceil(PRODUCTS / 10)} rate plans in Ferry in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    await org.control('PUT', '/latency', { fixedMs: LATENCY, perRecordMs: 0 });
    const credential = await ferry.credential({ loginUrl: org.loginUrl });

    const rows: Record<string, string | number>[] = [];
    const memory = memorySampler();
    const measure = async (label: string) => {
      memory.reset();
      const started = performance.now();
      const begun = await must(ferry, 'POST', `/api/v1/credentials/${credential.id}/import-catalogue`, {});
      const run = await eventually(async () => {
        const view = await must(ferry, 'GET', `/api/v1/runs/${begun.run.id}`);
        return view.status === 'WAITING' || view.status === 'STARTED' ? undefined : view;
      }, { what: label, timeoutMs: 3_600_000, everyMs: 500 });
      const seconds = (performance.now() - started) / 1000;
      if (run.status !== 'COMPLETE') console.error(`${label} ended ${run.status}:`, JSON.stringify(run, null, 2).slice(0, 4000));
      const calls = await ferry.db.query<{ operation: string; n: number }>('SELECT operation, count(*)::int AS n FROM request_logs WHERE org_id = $1 AND run_id = $2 GROUP BY operation ORDER BY operation', [ferry.orgId, run.id]);
      const total = calls.reduce((sum, c) => sum + c.n, 0);
      const objects = Object.values<{ created: number; updated: number; unchanged: number; retired: number; failed: number }>(run.progress?.objects ?? {});
      const sum = (k: 'created' | 'updated' | 'unchanged' | 'retired' | 'failed') => objects.reduce((n, o) => n + o[k], 0);
      rows.push({
        import: label, status: run.status, rows: run.progress?.total ?? 0,
        created: sum('created'), updated: sum('updated'), unchanged: sum('unchanged'), retired: sum('retired'), failed: sum('failed'),
        'wall time': `${seconds.toFixed(1)} s`, 'rows/s': ((run.progress?.total ?? 0) / seconds).toFixed(0),
        'API calls': total, 'peak RSS': mib(memory.peak()), calls: calls.map((c) => `${c.operation} ${c.n}`).join(', '),
      });
    };
    await measure('first (all new)');
    await measure('again, nothing changed');
    // 1% of the products change a price, 1% are deleted (with their rate plans, where they have one).
    const changed = products.filter((_, i) => i % 100 === 1);
    for (const id of changed) await must(ferry, 'PATCH', `/api/v1/products/${id}`, { pricingRules: pricingRules(products.indexOf(id), 1) });
    const deleted = products.filter((_, i) => i % 100 === 2);
    for (const id of deleted) await must(ferry, 'DELETE', `/api/v1/products/${id}`);
    await measure('1% changed, 1% deleted');
    memory.stop();
    const [counts] = await ferry.db.query<{ n: number }>('SELECT count(*)::int AS n FROM import_rows WHERE org_id = $1', [ferry.orgId]);
    printTable(`Catalogue import: ${PRODUCTS} products × 3 frequencies × 2 currencies, 20 services, ${Math.ceil(PRODUCTS / 10)} rate plans (${counts!.n} Salesforce records); ${STORE === 'pglite' ? 'PGlite in memory (the database is in this RSS)' : 'Postgres'}, ${LATENCY} ms a call, multi-currency org`, rows);
    const sized = PRODUCTS === 10_000 ? '' : `-${PRODUCTS}`;
    const file = saveResults(`catalogue${sized}${STORE === 'postgres' ? '-postgres' : ''}`, { store: STORE, products: PRODUCTS, latencyMs: LATENCY, rows });
    console.log(`\nsaved ${file}`);
  } finally {
    await ferry.stop();
    await org.stop();
  }
}

await main();
