// The CRM import, measured: an emulated org in a process of its own (its latency model on,
// --latency ms a call, default 150) holds --accounts selected accounts (default 20,000) with 3
// contacts and 2 cases each, and --deals closed-won opportunities (default 5,000) with 2 line
// items each (one on a product with a monthly revenue schedule, one without). Ferry reads them in
// with four integrations on their default mappings (Account, Contact, Ticket, Subscription), one
// incoming_full run each, in that order (each created just before its run, so no follow run
// overlaps the next measurement). Per object: records in Ferry, wall time, records a second, API
// calls per 1,000 records (Ferry's request log for the run), and the peak RSS of this process
// (Ferry and the bench; with --store pglite the in-memory database too; the org is another process).
//   npm run bench:crm
//   npm run bench:crm -- --accounts 2000 --deals 500 --store postgres
import { parseArgs } from 'node:util';
import { eventually } from '../test/wait.ts';
import { startRemoteOrg } from './baseline/remote-org.ts';
import { memorySampler, mib, must, printTable, saveResults, seedOrg, startBenchFerry } from './lib.ts';

const { values } = parseArgs({
  options: {
    accounts: { type: 'string', default: '20000' },
    deals: { type: 'string', default: '5000' },
    latency: { type: 'string', default: '150' },
    store: { type: 'string', default: 'pglite' },
  },
});
const ACCOUNTS = Number(values.accounts);
const DEALS = Number(values.deals);
const LATENCY = Number(values.latency);
const STORE = values.store;
if (STORE !== 'pglite' && STORE !== 'postgres') throw new Error('--store is pglite or postgres');
if (DEALS > ACCOUNTS) throw new Error('--deals is at most --accounts (one deal per account)');

async function main(): Promise<void> {
  const org = await startRemoteOrg();
  const ferry = await startBenchFerry(STORE, { incomingCheckMs: 3_600_000, clientOptions: { timeoutMs: 60_000 } });
  try {
    // The org's data, made before the latency model is on.
    const started = performance.now();
    const accounts = await seedOrg(org, Array.from({ length: ACCOUNTS }, (_, i) => ({ attributes: { type: 'Account' }, Name: `Customer ${i}`, AccountNumber: `CRM-${i}`, Ferry_Sync__c: true, BillingCity: 'Leeds', BillingCountry: 'United Kingdom', Phone: '+44 113 496 0000', Website: `https://www.customer${i}.example` })));
    const contacts = await seedOrg(org, accounts.flatMap((accountId, i) => [0, 1, 2].map((k) => ({ attributes: { type: 'Contact' }, AccountId: accountId, FirstName: `Person ${k}`, LastName: `Customer ${i}`, Email: `p${k}@customer${i}.example`, Phone: '+44 113 496 0001', MailingCity: 'Leeds' }))));
    const cases = contacts.flatMap((contactId, i) => (i % 3 === 2 ? [] : [{ attributes: { type: 'Case' }, ContactId: contactId, AccountId: accounts[Math.floor(i / 3)], Subject: `Question ${i}`, Origin: 'Web', Priority: 'Medium' }]));
    await seedOrg(org, cases);
    const [monthly, once] = await seedOrg(org, [
      { attributes: { type: 'Product2' }, Name: 'Platform', CanUseRevenueSchedule: true, RevenueScheduleType: 'Divide', RevenueInstallmentPeriod: 'Monthly', NumberOfRevenueInstallments: 12 },
      { attributes: { type: 'Product2' }, Name: 'Onboarding' },
    ]);
    const deals = await seedOrg(org, accounts.slice(0, DEALS).map((accountId, i) => ({ attributes: { type: 'Opportunity' }, AccountId: accountId, Name: `Deal ${i}`, StageName: 'Closed Won', CloseDate: '2026-06-30' })));
    await seedOrg(org, deals.flatMap((dealId) => [
      { attributes: { type: 'OpportunityLineItem' }, OpportunityId: dealId, Product2Id: monthly, Quantity: 2, UnitPrice: 1200, ServiceDate: '2026-07-01' },
      { attributes: { type: 'OpportunityLineItem' }, OpportunityId: dealId, Product2Id: once, Quantity: 1, UnitPrice: 500 },
    ]));
    console.log(`seeded ${accounts.length} accounts, ${contacts.length} contacts, ${cases.length} cases, ${deals.length} deals (${deals.length * 2} line items) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    await org.control('PUT', '/latency', { fixedMs: LATENCY, perRecordMs: 0 });
    const credential = await ferry.credential({ loginUrl: org.loginUrl });

    const rows: Record<string, string | number>[] = [];
    const memory = memorySampler();
    let overallPeak = 0;
    const load = async (entityType: string, entity: string, expected: number) => {
      const integration = await must(ferry, 'POST', '/api/v1/integrations', { name: `CRM ${entityType}`, entityType, credentialId: credential.id, trigger: { onChange: false }, sync: { direction: 'from_salesforce', reader: 'polling', pollIntervalSeconds: 86_400 } });
      const before = process.memoryUsage().rss;
      memory.reset();
      const t0 = performance.now();
      const run = await must(ferry, 'POST', `/api/v1/integrations/${integration.id}/sync`, { mode: 'incoming_full' });
      const done = await eventually(async () => {
        const view = await must(ferry, 'GET', `/api/v1/runs/${run.id}`);
        return view.status === 'WAITING' || view.status === 'STARTED' ? undefined : view;
      }, { what: `the ${entityType} load`, timeoutMs: 3_600_000, everyMs: 500 });
      const seconds = (performance.now() - t0) / 1000;
      overallPeak = Math.max(overallPeak, memory.peak());
      if (done.status !== 'COMPLETE') console.error(`the ${entityType} load ended ${done.status}:`, JSON.stringify(done, null, 2));
      const [inFerry] = await ferry.db.query<{ n: number }>('SELECT count(*)::int AS n FROM links WHERE org_id = $1 AND integration_id = $2 AND entity = $3', [ferry.orgId, integration.id, entity]);
      const calls = await ferry.db.query<{ operation: string; n: number }>('SELECT operation, count(*)::int AS n FROM request_logs WHERE org_id = $1 AND run_id = $2 GROUP BY operation ORDER BY operation', [ferry.orgId, run.id]);
      const total = calls.reduce((sum, c) => sum + c.n, 0);
      rows.push({
        object: entityType,
        'in Salesforce': expected,
        'in Ferry': inFerry!.n,
        status: done.status,
        'wall time': `${seconds.toFixed(1)} s`,
        'records/s': (inFerry!.n / seconds).toFixed(0),
        'API calls': total,
        'calls per 1,000': ((total * 1000) / Math.max(1, inFerry!.n)).toFixed(1),
        'RSS before': mib(before),
        'peak RSS': mib(memory.peak()),
        calls: calls.map((c) => `${c.operation} ${c.n}`).join(', '),
      });
      // Stepped aside: its follow runs do not overlap the next load.
      await must(ferry, 'POST', `/api/v1/integrations/${integration.id}/disable`);
    };
    await load('Account', 'accounts', accounts.length);
    await load('Contact', 'contacts', contacts.length);
    await load('Ticket', 'tickets', cases.length);
    await load('Subscription', 'subscriptions', deals.length * 2);
    memory.stop();
    const totalRecords = rows.reduce((sum, r) => sum + Number(r['in Ferry']), 0);
    const totalSeconds = rows.reduce((sum, r) => sum + Number.parseFloat(String(r['wall time'])), 0);
    const totalCalls = rows.reduce((sum, r) => sum + Number(r['API calls']), 0);
    rows.push({
      object: 'all', 'in Salesforce': accounts.length + contacts.length + cases.length + deals.length * 2, 'in Ferry': totalRecords, status: '',
      'wall time': `${totalSeconds.toFixed(1)} s`, 'records/s': (totalRecords / totalSeconds).toFixed(0), 'API calls': totalCalls,
      'calls per 1,000': ((totalCalls * 1000) / totalRecords).toFixed(1), 'RSS before': '', 'peak RSS': mib(overallPeak), calls: '',
    });
    printTable(`CRM import: ${ACCOUNTS} accounts, 3 contacts and 2 cases each, ${DEALS} closed-won deals of 2 line items; ${STORE === 'pglite' ? 'PGlite in memory (the database is in this RSS)' : 'Postgres (a server process of its own)'}, ${LATENCY} ms a call`, rows);
    const sized = ACCOUNTS === 20_000 && DEALS === 5_000 ? '' : `-${ACCOUNTS}-${DEALS}`;
    const file = saveResults(`crm${sized}${STORE === 'postgres' ? '-postgres' : ''}`, { store: STORE, accounts: ACCOUNTS, deals: DEALS, latencyMs: LATENCY, rows });
    console.log(`\nsaved ${file}`);
  } finally {
    await ferry.stop();
    await org.stop();
  }
}

await main();
