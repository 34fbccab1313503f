// Reconciliation, measured: --accounts customers (default 100,000) on each side: Salesforce
// Accounts holding their billing id in Billing_Customer_Id__c (an emulated org in a process of its
// own, --latency ms a call, default 150), Ferry accounts naming Salesforce by external mappings and
// the billing tool by externalKey, and a CSV of the billing tool's customers. 5% of the customers
// differ: 2% have another name in the billing tool, 1% are missing from each side. One run: wall
// time, API calls (Ferry's request log for it), peak RSS of this process (Ferry and the bench;
// with --store pglite the database too), and the report's counts.
//   npm run bench:reconciliation
//   npm run bench:reconciliation -- --accounts 10000 --store postgres
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { eventually } from '../test/wait.ts';
import { startRemoteOrg } from './baseline/remote-org.ts';
import { bulkUpsert, memorySampler, mib, must, printTable, saveResults, seedOrg, startBenchFerry } from './lib.ts';

const { values } = parseArgs({
  options: {
    accounts: { type: 'string', default: '100000' },
    latency: { type: 'string', default: '150' },
    store: { type: 'string', default: 'pglite' },
  },
});
const N = Number(values.accounts);
const LATENCY = Number(values.latency);
const STORE = values.store;
if (STORE !== 'pglite' && STORE !== 'postgres') throw new Error('--store is pglite or postgres');

async function main(): Promise<void> {
  const org = await startRemoteOrg({ sfdxProjects: [join(import.meta.dirname, '..', 'test', 'fixtures', 'reconciliation-sfdx')] });
  const ferry = await startBenchFerry(STORE, { incomingCheckMs: 3_600_000, clientOptions: { timeoutMs: 120_000 } });
  try {
    const t0 = performance.now();
    // Customer i: in Salesforce unless i % 100 === 1, in Ferry unless i % 100 === 2, in the billing
    // tool unless i % 100 === 3; named differently in the billing tool when i % 50 === 4.
    const inSalesforce = Array.from({ length: N }, (_, i) => i).filter((i) => i % 100 !== 1);
    const sfIds = await seedOrg(org, inSalesforce.map((i) => ({ attributes: { type: 'Account' }, Name: `Customer ${i}`, Billing_Customer_Id__c: `cus_${i}` })));
    const sfIdOf = new Map(inSalesforce.map((i, k) => [i, sfIds[k]!]));
    const inFerry = Array.from({ length: N }, (_, i) => i).filter((i) => i % 100 !== 2);
    const ferryIds = await bulkUpsert(ferry, 'accounts', inFerry.map((i) => ({ code: `C${i}`, name: `Customer ${i}`, currency: 'EUR', externalKey: `cus_${i}` })));
    await bulkUpsert(ferry, 'external-mappings', inFerry.flatMap((i, k) => (sfIdOf.has(i) ? [{ externalSystem: 'salesforce', externalTable: 'Account', externalId: sfIdOf.get(i), entity: 'accounts', entityId: ferryIds[k] }] : [])));
    const rows = Array.from({ length: N }, (_, i) => i).filter((i) => i % 100 !== 3).map((i) => `cus_${i},${i % 50 === 4 ? `Customer ${i} Ltd` : `Customer ${i}`},EUR`);
    const csv = ['id,company,currency', ...rows].join('\n');
    console.log(`seeded ${inSalesforce.length} Accounts, ${inFerry.length} Ferry accounts, ${rows.length} billing customers (${(csv.length / 1024 / 1024).toFixed(1)} MiB CSV) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const credential = await ferry.credential({ loginUrl: org.loginUrl });
    const integration = await must(ferry, 'POST', '/api/v1/integrations', {
      name: 'Bench', entityType: 'Reconciliation', credentialId: credential.id, trigger: { onChange: false },
      reconciliation: {
        salesforceBillingIdField: 'Billing_Customer_Id__c', source: { kind: 'file', format: 'csv' }, sourceIdField: 'id',
        ferryToSalesforce: { externalMapping: { externalSystem: 'salesforce', externalTable: 'Account' } }, ferryToSource: { field: 'externalKey' },
        fields: [{ name: 'name', ferry: 'name', salesforce: 'Name', source: 'company' }, { name: 'currency', ferry: 'currency', source: 'currency' }],
      },
    });
    await must(ferry, 'PUT', `/api/v1/integrations/${integration.id}/reconciliation/file`, { format: 'csv', content: csv });
    await org.control('PUT', '/latency', { fixedMs: LATENCY, perRecordMs: 0 });

    const memory = memorySampler();
    const before = process.memoryUsage().rss;
    const started = performance.now();
    const queued = await must(ferry, 'POST', `/api/v1/integrations/${integration.id}/sync`, { mode: 'full' });
    const run = await eventually(async () => {
      const view = await must(ferry, 'GET', `/api/v1/runs/${queued.id}`);
      return view.status === 'WAITING' || view.status === 'STARTED' ? undefined : view;
    }, { what: 'the reconciliation', timeoutMs: 3_600_000, everyMs: 500 });
    const seconds = (performance.now() - started) / 1000;
    memory.stop();
    if (run.status !== 'COMPLETE') console.error('the run ended', JSON.stringify(run, null, 2));
    const calls = await ferry.db.query<{ operation: string; n: number }>('SELECT operation, count(*)::int AS n FROM request_logs WHERE org_id = $1 AND run_id = $2 GROUP BY operation ORDER BY operation', [ferry.orgId, run.id]);
    const report = (await must(ferry, 'GET', `/api/v1/integrations/${integration.id}/reconciliation`)).report;
    const row = {
      accounts: N, status: run.status, 'wall time': `${seconds.toFixed(1)} s`, 'records/s': (((report?.summary.read.salesforce ?? 0) + (report?.summary.read.ferry ?? 0) + (report?.summary.read.source ?? 0)) / seconds).toFixed(0),
      'API calls': calls.reduce((sum, c) => sum + c.n, 0), 'RSS before': mib(before), 'peak RSS': mib(memory.peak()),
      calls: calls.map((c) => `${c.operation} ${c.n}`).join(', '),
    };
    printTable(`Reconciliation: ${N} customers a side, 5% differing; ${STORE === 'pglite' ? 'PGlite in memory (the database is in this RSS)' : 'Postgres'}, ${LATENCY} ms a call`, [row]);
    console.log('report:', JSON.stringify(report?.summary));
    const sized = N === 100_000 ? '' : `-${N}`;
    const file = saveResults(`reconciliation${sized}${STORE === 'postgres' ? '-postgres' : ''}`, { store: STORE, accounts: N, latencyMs: LATENCY, row, summary: report?.summary });
    console.log(`\nsaved ${file}`);
  } finally {
    await ferry.stop();
    await org.stop();
  }
}

await main();
