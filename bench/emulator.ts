// Benchmark of the Salesforce emulator on the paths Ferry leans on: collection upserts by
// Ferry_Id__c (200 a call), Bulk API 2.0 ingest, and SOQL on 100,000 rows by Id, by external id
// and by (SystemModstamp, Id) cursor. Prints a table and writes bench/results/emulator-*.json.
// Run: npm run bench:emulator [-- --records 100000 --concurrency 4]
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { DEFAULT_IDENTITY, startEmulator } from '../src/emulator/index.ts';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set((process.argv[i] ?? '').replace(/^--/, ''), process.argv[i + 1] ?? '');
const RECORDS = Number(args.get('records') ?? 100_000);
const CONCURRENCY = Number(args.get('concurrency') ?? 4);
const QUERY_SAMPLES = Number(args.get('samples') ?? 500);
const V = '60.0';

interface Row {
  scenario: string;
  calls: number;
  records: number;
  seconds: number;
  recordsPerSecond: number | null;
  p50ms: number | null;
  p95ms: number | null;
}

const rows: Row[] = [];

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

function record(scenario: string, calls: number, records: number, ms: number, latencies: number[] = []): void {
  const sorted = [...latencies].sort((a, b) => a - b);
  rows.push({
    scenario,
    calls,
    records,
    seconds: Math.round(ms) / 1000,
    recordsPerSecond: records > 0 ? Math.round((records / ms) * 1000) : null,
    p50ms: sorted.length > 0 ? Math.round(percentile(sorted, 50) * 100) / 100 : null,
    p95ms: sorted.length > 0 ? Math.round(percentile(sorted, 95) * 100) / 100 : null,
  });
}

async function pool<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) {
        const item = items[next++];
        if (item !== undefined) await work(item);
      }
    }),
  );
}

const emu = await startEmulator({ port: 0 });
try {
  const login = await fetch(`${emu.loginUrl}/services/oauth2/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'password',
      client_id: DEFAULT_IDENTITY.clientId,
      client_secret: DEFAULT_IDENTITY.clientSecret,
      username: DEFAULT_IDENTITY.username,
      password: DEFAULT_IDENTITY.password + DEFAULT_IDENTITY.securityToken,
    }).toString(),
  });
  const { access_token: token } = (await login.json()) as { access_token: string };
  const api = async (method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<{ status: number; json: unknown; text: string; headers: Headers }> => {
    const res = await fetch(`${emu.url}/services/data/v${V}${path}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'Content-Type': contentType }) },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await res.text();
    let json: unknown = null;
    if ((res.headers.get('content-type') ?? '').startsWith('application/json') && text !== '') json = JSON.parse(text);
    if (res.status >= 400) throw new Error(`${method} ${path} -> ${res.status} ${text.slice(0, 300)}`);
    return { status: res.status, json, text, headers: res.headers };
  };
  const query = async (soql: string): Promise<{ totalSize: number; records: Record<string, unknown>[]; nextRecordsUrl?: string }> =>
    (await api('GET', `/query?q=${encodeURIComponent(soql)}`)).json as { totalSize: number; records: Record<string, unknown>[]; nextRecordsUrl?: string };

  // 1. Collection upserts by external id, 200 records a call: first inserts, then updates.
  const batches: number[][] = [];
  for (let start = 0; start < RECORDS; start += 200) batches.push(Array.from({ length: Math.min(200, RECORDS - start) }, (_, i) => start + i));
  for (const pass of ['insert', 'update'] as const) {
    const latencies: number[] = [];
    const t0 = performance.now();
    await pool(batches, CONCURRENCY, async (batch) => {
      const s = performance.now();
      const res = await api('PATCH', '/composite/sobjects/Account/Ferry_Id__c', {
        allOrNone: false,
        records: batch.map((i) => ({ attributes: { type: 'Account' }, Ferry_Id__c: `cust-${i}`, Name: `Customer ${i} ${pass}`, Ferry_Sync__c: true, AnnualRevenue: i })),
      });
      latencies.push(performance.now() - s);
      const results = res.json as { success: boolean }[];
      if (!results.every((r) => r.success)) throw new Error('collection upsert failed');
    });
    record(`collection upsert (${pass}), 200/call`, batches.length, RECORDS, performance.now() - t0, latencies);
  }

  // 2. Bulk API 2.0 upsert ingest of RECORDS new rows, end to end (create, upload, close, poll).
  {
    const csv = ['Ferry_Id__c,Name,Total__c,Status__c,Bill_Date__c', ...Array.from({ length: RECORDS }, (_, i) => `bill-${i},Bill ${i},${i}.5,PENDING,2024-05-01`)].join('\n');
    const t0 = performance.now();
    const job = (await api('POST', '/jobs/ingest', { object: 'Ferry_Bill__c', operation: 'upsert', externalIdFieldName: 'Ferry_Id__c', contentType: 'CSV' })).json as { id: string };
    await api('PUT', `/jobs/ingest/${job.id}/batches`, csv, 'text/csv');
    await api('PATCH', `/jobs/ingest/${job.id}`, { state: 'UploadComplete' });
    let calls = 4;
    let info = { state: '', numberRecordsProcessed: 0, numberRecordsFailed: 0 };
    while (info.state !== 'JobComplete' && info.state !== 'Failed') {
      await new Promise((resolve) => setTimeout(resolve, 20));
      info = (await api('GET', `/jobs/ingest/${job.id}`)).json as typeof info;
      calls += 1;
    }
    if (info.numberRecordsFailed > 0 || info.numberRecordsProcessed !== RECORDS) throw new Error(`bulk ingest: ${JSON.stringify(info)}`);
    record('bulk 2.0 upsert ingest (end to end)', calls, RECORDS, performance.now() - t0);
  }

  // 3. SOQL on RECORDS rows.
  const ids = (await api('GET', `/query?q=${encodeURIComponent('SELECT Id FROM Account LIMIT 2000')}`)).json as { records: { Id: string }[] };
  const sample = <T>(list: T[], n: number): T[] => Array.from({ length: n }, (_, i) => list[(i * 7919) % list.length] as T);
  {
    const latencies: number[] = [];
    const t0 = performance.now();
    for (const r of sample(ids.records, QUERY_SAMPLES)) {
      const s = performance.now();
      const res = await query(`SELECT Id, Name, Ferry_Id__c, SystemModstamp FROM Account WHERE Id = '${r.Id}'`);
      latencies.push(performance.now() - s);
      if (res.totalSize !== 1) throw new Error('by Id');
    }
    record(`SOQL by Id (${RECORDS} rows)`, QUERY_SAMPLES, QUERY_SAMPLES, performance.now() - t0, latencies);
  }
  {
    const latencies: number[] = [];
    const t0 = performance.now();
    for (let i = 0; i < QUERY_SAMPLES; i += 1) {
      const key = (i * 7919) % RECORDS;
      const s = performance.now();
      const res = await query(`SELECT Id, Name FROM Account WHERE Ferry_Id__c = 'cust-${key}'`);
      latencies.push(performance.now() - s);
      if (res.totalSize !== 1) throw new Error('by external id');
    }
    record(`SOQL by external id (${RECORDS} rows)`, QUERY_SAMPLES, QUERY_SAMPLES, performance.now() - t0, latencies);
  }
  {
    const latencies: number[] = [];
    const t0 = performance.now();
    let cursor: { stamp: string; id: string } | null = null;
    let seen = 0;
    let calls = 0;
    for (;;) {
      const where: string = cursor === null ? '' : `WHERE SystemModstamp > ${cursor.stamp} OR (SystemModstamp = ${cursor.stamp} AND Id > '${cursor.id}')`;
      const s = performance.now();
      const page = await query(`SELECT Id, Name, SystemModstamp FROM Account ${where} ORDER BY SystemModstamp, Id LIMIT 2000`);
      latencies.push(performance.now() - s);
      calls += 1;
      if (page.records.length === 0) break;
      seen += page.records.length;
      const last = page.records[page.records.length - 1] ?? {};
      cursor = { stamp: String(last['SystemModstamp']), id: String(last['Id']) };
    }
    if (seen !== RECORDS) throw new Error(`cursor saw ${seen}`);
    record(`SOQL (SystemModstamp, Id) cursor, 2000/page`, calls, seen, performance.now() - t0, latencies);
  }
  {
    const t0 = performance.now();
    let page = await query('SELECT Id, Name, Ferry_Id__c FROM Account');
    let seen = page.records.length;
    let calls = 1;
    while (page.nextRecordsUrl !== undefined) {
      page = (await api('GET', page.nextRecordsUrl.replace(`/services/data/v${V}`, ''))).json as typeof page;
      seen += page.records.length;
      calls += 1;
    }
    if (seen !== RECORDS) throw new Error(`locators saw ${seen}`);
    record('SOQL full scan with queryMore locators', calls, seen, performance.now() - t0);
  }
  {
    const t0 = performance.now();
    const job = (await api('POST', '/jobs/query', { operation: 'query', query: 'SELECT Id, Name, Total__c FROM Ferry_Bill__c' })).json as { id: string };
    let calls = 1;
    let state = '';
    while (state !== 'JobComplete') {
      await new Promise((resolve) => setTimeout(resolve, 20));
      state = ((await api('GET', `/jobs/query/${job.id}`)).json as { state: string }).state;
      calls += 1;
    }
    let locator: string | null = null;
    let seen = 0;
    do {
      const res = await api('GET', `/jobs/query/${job.id}/results${locator === null ? '' : `?locator=${locator}`}`);
      seen += Number(res.headers.get('sforce-numberofrecords'));
      const next = res.headers.get('sforce-locator');
      locator = next === 'null' ? null : next;
      calls += 1;
    } while (locator !== null);
    if (seen !== RECORDS) throw new Error(`bulk query saw ${seen}`);
    record('bulk 2.0 query (end to end)', calls, seen, performance.now() - t0);
  }

  const counters = emu.controls.counters();
  const header = ['scenario', 'calls', 'records', 'seconds', 'records/s', 'p50 ms', 'p95 ms'];
  const table = rows.map((r) => [r.scenario, String(r.calls), String(r.records), r.seconds.toFixed(2), r.recordsPerSecond === null ? '-' : String(r.recordsPerSecond), r.p50ms === null ? '-' : r.p50ms.toFixed(2), r.p95ms === null ? '-' : r.p95ms.toFixed(2)]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((t) => (t[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  process.stdout.write(`\nSalesforce emulator benchmark: ${RECORDS} records, concurrency ${CONCURRENCY}, node ${process.version}, ${cpus().length} CPUs\n\n`);
  process.stdout.write(`${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n${table.map(line).join('\n')}\n\n`);
  process.stdout.write(`counters: ${JSON.stringify(counters)}\n`);
  const dir = fileURLToPath(new URL('./results/', import.meta.url));
  await mkdir(dir, { recursive: true });
  const file = `${dir}emulator-${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
  await writeFile(file, `${JSON.stringify({ date: new Date().toISOString(), records: RECORDS, concurrency: CONCURRENCY, node: process.version, cpus: cpus().length, rows, counters }, null, 2)}\n`);
  process.stdout.write(`results written to ${file}\n`);
} finally {
  await emu.stop();
}
