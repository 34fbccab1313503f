// Ferry's delivery side by side with short hand-written jsforce scripts, against the same
// emulated org (one fresh org per contender, 150 ms a call), in one run and one process tree:
//   npm run bench:versus                                  (2,000 and 10,000 accounts and bills)
//   npm run bench:versus -- --sizes 500 --per-record-max 500
// The emulated org runs in a child process of its own for every contender, so that its CSV
// parsing and record processing share the event loop of neither Ferry nor a script.
// Contenders: rest-per-record (one REST upsert per record, 10 at a time), collections (200 a
// call), bulk2 (jsforce's bulk2.loadAndWaitForResults per object), and Ferry on its collections
// path (bulkThreshold 10,000,000) and its Bulk path (the default threshold, 2,000). Each loads N
// accounts, N bills and 5N line items; the scripts get exactly the fields Ferry sends (mapped by
// Ferry's own default mapping), so they pay no mapping cost of their own. Ferry is timed from the
// sync request of the Account integration to the end of the Bill run; scripts from their sign-in
// to their last answer. Every contender's org is counted afterwards: one that did not deliver
// everything is reported failed, not timed. Each contender runs --repeat times (default 3) in
// interleaved rounds and its median round is reported, with every round's time beside it.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import jsforce from 'jsforce';
import { DEFAULT_IDENTITY, type Counters } from '../src/emulator/index.ts';
import { defaultRules, compileMapping, mapRecord } from '../src/engine/mapping/mapping.ts';
import { integrationSettings } from '../src/engine/integrations/schemas.ts';
import { startTestFerry, type TestFerry } from '../test/ferry.ts';
import { startRemoteOrg, type RemoteOrg } from './baseline/remote-org.ts';
import { must, printTable, sampleBill, saveResults } from './lib.ts';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '2000,10000' },
    latency: { type: 'string', default: '150' },
    'per-record-max': { type: 'string', default: '2000' },
    contenders: { type: 'string', default: 'rest-per-record,collections,bulk2,ferry-collections,ferry-bulk' },
    timeout: { type: 'string', default: '3600' },
    repeat: { type: 'string', default: '3' },
  },
});
const SIZES = values.sizes.split(',').map(Number);
const LATENCY = Number(values.latency);
const PER_RECORD_MAX = Number(values['per-record-max']);
const CONTENDERS = values.contenders.split(',');
const TIMEOUT_MS = Number(values.timeout) * 1000;
const REPEAT = Number(values.repeat);
const BATCH = 1000;

const totalCalls = (c: Counters) => Object.values(c.apiCalls).reduce((a, b) => a + b, 0);
const byKind = (c: Counters) => Object.fromEntries(Object.entries(c.apiCalls).filter(([, n]) => n > 0));

/** A Ferry with N accounts and N bills, and its Account and Bill integrations (on change off). */
async function loadedFerry(size: number, bulkThreshold: number, org?: RemoteOrg): Promise<{ ferry: TestFerry; accounts: string; bills: string }> {
  const ferry = await startTestFerry({ clientOptions: { timeoutMs: 600_000 } });
  const credential = await ferry.credential(org === undefined ? {} : { loginUrl: org.loginUrl });
  const create = (entityType: string) => must(ferry, 'POST', '/api/v1/integrations', { name: `${entityType} versus`, entityType, credentialId: credential.id, trigger: { onChange: false }, delivery: { bulkThreshold } });
  const accounts = (await create('Account')).id as string;
  const bills = (await create('Bill')).id as string;
  const accountIds: string[] = [];
  for (let start = 0; start < size; start += BATCH) {
    const items = Array.from({ length: Math.min(BATCH, size - start) }, (_, i) => ({ code: `ACC-${start + i}`, name: `Account ${start + i}`, currency: 'USD', address: { line1: `${start + i} High Street`, locality: 'Leeds', country: 'GB' } }));
    for (const r of (await must(ferry, 'POST', '/api/v1/accounts/bulk', { items })).results) accountIds.push(r.id);
  }
  for (let start = 0; start < size; start += BATCH) {
    const items = Array.from({ length: Math.min(BATCH, size - start) }, (_, i) => sampleBill(accountIds[(start + i) % accountIds.length]!, start + i));
    const result = await must(ferry, 'POST', '/api/v1/bills/bulk', { items });
    if (result.summary.failed > 0) throw new Error(JSON.stringify(result.results.find((r: any) => r.error)));
  }
  return { ferry, accounts, bills };
}

/** Ferry's records as the Salesforce rows its default mapping makes: what the scripts send. */
async function datasetOf(ferry: TestFerry): Promise<{ accounts: unknown[]; bills: unknown[]; lineItems: unknown[] }> {
  const settings = integrationSettings.parse({});
  const [account] = compileMapping('Account', defaultRules('Account')).objects;
  const [bill] = compileMapping('Bill', defaultRules('Bill')).objects;
  const rows = async (entity: string) => (await ferry.db.query<{ id: string; data: Record<string, unknown> }>('SELECT id, data FROM records WHERE entity = $1 ORDER BY id', [entity])).map((r): Record<string, unknown> & { id: string } => ({ id: r.id, ...r.data }));
  const accounts = [];
  for (const r of await rows('accounts')) accounts.push({ Ferry_Id__c: r.id, ...(await mapRecord(account!, r, settings)).fields });
  const bills = [];
  const lineItems = [];
  for (const r of await rows('bills')) {
    const mapped = await mapRecord(bill!, r, settings);
    bills.push({ Ferry_Id__c: r.id, ...mapped.fields, Account__r: { Ferry_Id__c: String(r.accountId) } });
    for (const child of mapped.children ?? []) lineItems.push({ Ferry_Id__c: child.key, ...child.fields, Bill__r: { Ferry_Id__c: r.id } });
  }
  return { accounts, bills, lineItems };
}

async function counts(org: RemoteOrg): Promise<number[]> {
  await org.control('PUT', '/latency', { fixedMs: 0, perRecordMs: 0 });
  const conn = new jsforce.Connection({ oauth2: { loginUrl: org.loginUrl, clientId: DEFAULT_IDENTITY.clientId, clientSecret: DEFAULT_IDENTITY.clientSecret }, version: '60.0' });
  await conn.login(DEFAULT_IDENTITY.username, `${DEFAULT_IDENTITY.password}${DEFAULT_IDENTITY.securityToken}`);
  const out: number[] = [];
  for (const object of ['Account', 'Ferry_Bill__c', 'Ferry_Bill_Line_Item__c']) out.push((await conn.query<{ expr0: number }>(`SELECT COUNT() FROM ${object}`)).totalSize);
  return out;
}

function runScript(script: string, emulator: RemoteOrg, dataFile: string): Promise<number> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', join('bench', 'baseline', `${script}.ts`)], {
      env: {
        ...process.env, DATA_FILE: dataFile, SF_LOGIN_URL: emulator.loginUrl, SF_USERNAME: DEFAULT_IDENTITY.username,
        SF_PASSWORD: `${DEFAULT_IDENTITY.password}${DEFAULT_IDENTITY.securityToken}`, SF_CLIENT_ID: DEFAULT_IDENTITY.clientId, SF_CLIENT_SECRET: DEFAULT_IDENTITY.clientSecret,
      },
      timeout: TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024,
    }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`${script}: ${error.message}\n${stderr}`));
      const line = stdout.trim().split('\n').at(-1) ?? '';
      try {
        resolve((JSON.parse(line) as { wallMs: number }).wallMs);
      } catch {
        reject(new Error(`${script} printed no result: ${stdout}\n${stderr}`));
      }
    });
  });
}

interface Outcome { contender: string; wallMs: number | null; calls: number; byKind: Record<string, number>; written: number; counts: number[]; ok: boolean; note?: string; rounds?: number[] }

async function ferryContender(name: string, size: number, bulkThreshold: number): Promise<Outcome> {
  const org = await startRemoteOrg();
  const { ferry, accounts, bills } = await loadedFerry(size, bulkThreshold, org);
  try {
    await org.control('PUT', '/latency', { fixedMs: LATENCY, perRecordMs: 0 });
    await org.control('POST', '/counters/reset');
    const started = performance.now();
    for (const integration of [accounts, bills]) {
      const run = await must(ferry, 'POST', `/api/v1/integrations/${integration}/sync`, { mode: 'incremental' });
      // As a user would wait: the run's status through the API (cheap), not the test harness's
      // settle(), whose journal scan would take the embedded database from the run it measures.
      const finished = await ferry.eventually(async () => {
        const view = await must(ferry, 'GET', `/api/v1/runs/${run.id}`);
        return view.status === 'WAITING' || view.status === 'STARTED' ? undefined : view;
      }, TIMEOUT_MS);
      if (finished.status !== 'COMPLETE') throw new Error(`${name}: run ended ${finished.status} ${JSON.stringify(finished.error)}`);
    }
    const wallMs = Math.round(performance.now() - started);
    const counters = (await org.control('GET', '/counters')) as Counters;
    const found = await counts(org);
    return { contender: name, wallMs, calls: totalCalls(counters), byKind: byKind(counters), written: counters.recordsWritten, counts: found, ok: found.join() === [size, size, 5 * size].join() };
  } finally {
    await ferry.stop();
    await org.stop();
  }
}

async function scriptContender(script: string, size: number, dataFile: string): Promise<Outcome> {
  const emulator = await startRemoteOrg();
  try {
    await emulator.control('PUT', '/latency', { fixedMs: LATENCY, perRecordMs: 0 });
    await emulator.control('POST', '/counters/reset');
    const wallMs = await runScript(script, emulator, dataFile);
    const counters = (await emulator.control('GET', '/counters')) as Counters;
    const found = await counts(emulator);
    return { contender: script, wallMs, calls: totalCalls(counters), byKind: byKind(counters), written: counters.recordsWritten, counts: found, ok: found.join() === [size, size, 5 * size].join() };
  } finally {
    await emulator.stop();
  }
}

const results: Record<string, unknown> = { parameters: { sizes: SIZES, latencyMs: LATENCY, perRecordMax: PER_RECORD_MAX, lineItemsPerBill: 5, repeat: REPEAT } };
const folder = mkdtempSync(join(tmpdir(), 'ferry-versus-'));
for (const size of SIZES) {
  // The scripts' data: what a Ferry holding the same kind of data sends.
  const source = await loadedFerry(size, 2000);
  const dataFile = join(folder, `data-${size}.json`);
  writeFileSync(dataFile, JSON.stringify(await datasetOf(source.ferry)));
  await source.ferry.stop();

  // Rounds interleave the contenders, so that a noisy stretch of the shared machine falls on all
  // of them; each contender's median round is reported (rest-per-record runs once: minutes).
  const rounds = new Map<string, Outcome[]>();
  for (let round = 1; round <= REPEAT; round++) {
    for (const contender of CONTENDERS) {
      if (contender === 'rest-per-record' && (size > PER_RECORD_MAX || round > 1)) continue;
      console.log(`[${size}] ${contender} (round ${round} of ${REPEAT}) ...`);
      const outcome = contender === 'ferry-collections' ? await ferryContender(contender, size, 10_000_000)
        : contender === 'ferry-bulk' ? await ferryContender(contender, size, 2000)
        : await scriptContender(contender, size, dataFile);
      rounds.set(contender, [...(rounds.get(contender) ?? []), outcome]);
    }
  }
  const outcomes: Outcome[] = CONTENDERS.map((contender) => {
    const runs = rounds.get(contender);
    if (runs === undefined) return { contender, wallMs: null, calls: 0, byKind: {}, written: 0, counts: [], ok: false, note: `skipped above --per-record-max ${PER_RECORD_MAX}` };
    const failed = runs.find((o) => !o.ok);
    if (failed !== undefined) return failed;
    const sorted = [...runs].sort((a, b) => a.wallMs! - b.wallMs!);
    return { ...sorted[Math.floor((sorted.length - 1) / 2)]!, rounds: runs.map((o) => o.wallMs!) };
  });
  const rows = outcomes.map((o) => ({
    contender: o.contender,
    'records written': o.written,
    'API calls': o.calls,
    'wall s (median)': o.wallMs === null ? '-' : (o.wallMs / 1000).toFixed(1),
    rounds: o.rounds === undefined ? '-' : o.rounds.map((ms) => (ms / 1000).toFixed(1)).join(' / '),
    'floor s': ((o.calls * LATENCY) / 1000).toFixed(1),
    'wall/floor': o.wallMs === null || o.calls === 0 ? '-' : (o.wallMs / (o.calls * LATENCY)).toFixed(2),
    delivered: o.note ?? (o.ok ? 'all' : `FAILED ${o.counts.join('/')}`),
  }));
  printTable(`${size} accounts, ${size} bills, ${5 * size} line items; ${LATENCY} ms a call`, rows);
  const get = (name: string) => outcomes.find((o) => o.contender === name && o.ok && o.wallMs !== null);
  const ratio = (a: Outcome | undefined, b: Outcome | undefined) => (a === undefined || b === undefined ? '-' : (a.wallMs! / b.wallMs!).toFixed(2));
  const ratios = [
    { measure: 'ferry-bulk wall / bulk2 script wall (target ≤ 0.9)', value: ratio(get('ferry-bulk'), get('bulk2')) },
    { measure: 'ferry-collections wall / collections script wall', value: ratio(get('ferry-collections'), get('collections')) },
    { measure: 'ferry-collections wall / its floor (target ≤ 1.1)', value: get('ferry-collections') === undefined ? '-' : (get('ferry-collections')!.wallMs! / (get('ferry-collections')!.calls * LATENCY)).toFixed(2) },
    { measure: 'ferry-bulk calls / bulk2 script calls', value: get('ferry-bulk') && get('bulk2') ? `${get('ferry-bulk')!.calls} / ${get('bulk2')!.calls}` : '-' },
  ];
  printTable(`${size}: ratios of medians (${REPEAT} interleaved rounds, same machine)`, ratios);
  results[String(size)] = { outcomes, ratios };
}
console.log(`\nsaved ${saveResults('versus', results)}`);
process.exit(0);
