// Ferry killed (SIGKILL) again and again while it delivers bills that are being created,
// regenerated and deleted: once it settles, with no manual step, Salesforce must hold exactly
// Ferry's data. Runs on PGlite (`ferry start` on its data folder) and, in the postgres project,
// on a real Postgres server (`ferry start` with DATABASE_URL). The emulator lives in the test
// process, so it outlives every kill; its latency model keeps writes in flight when they come.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jsforce from 'jsforce';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_IDENTITY, startEmulator, type RunningEmulator } from '../../src/emulator/index.ts';
import { openDatabase } from '../../src/storage/index.ts';
import { startFerry, type RunningFerry } from '../cli.ts';
import { createTestDatabaseUrl, testDbKind } from '../db.ts';
import { freePort } from '../net.ts';

const KEY = 'ferry_crash_test_key_0123456789abcdef';
const KILLS = 15;
/**
 * The first Salesforce write after a restart must come within this long of the new process's
 * spawn, and within RESUME_AFTER_READY_MS of its API answering. Most of the first is the process
 * coming up (tsx loading the sources, opening PGlite), slowed by the test's own load on 2 cores.
 */
const RESUME_LIMIT_MS = 15_000;
const RESUME_AFTER_READY_MS = 5_000;
/** A worker silent this long is taken over (the killed one, on Postgres). */
const DEAD_AFTER_MS = 3_000;
const SEED = Number(process.env.FERRY_CRASH_SEED ?? Date.now() % 1_000_000);

const dir = mkdtempSync(join(tmpdir(), 'ferry-crash-'));
let emulator: RunningEmulator | undefined;
let ferry: RunningFerry | undefined;
afterAll(async () => {
  if (ferry !== undefined && ferry.child.exitCode === null && ferry.child.signalCode === null) await ferry.stop();
  await emulator?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** mulberry32: the run is reproducible from its printed seed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * What reached the org, kept so that a failure names its cause: every call that named a line item
 * (by key or by Salesforce Id, in its path, its query (a SOQL lookup by key) or its body (a
 * composite call, a Bulk CSV)) or touched a Bulk job (its upload, close, status and result files),
 * with when it came, and when Ferry was killed. Printed only for the line items a failed
 * comparison names.
 */
const wire = {
  started: Date.now(),
  calls: [] as { at: number; ms: number; method: string; url: string; status: number; keys: Set<string> }[],
  kills: [] as number[],
  note(r: { method: string; url: string; status: number; ms: number; body: Buffer }): void {
    const url = ((): string => {
      try {
        return decodeURIComponent(r.url.replace(/\+/g, ' '));
      } catch {
        return r.url;
      }
    })();
    const text = `${url}\n${r.body.toString()}`;
    const named = new Set([...(text.match(/[0-9a-f-]{36}:\d+/g) ?? []), ...(text.match(/\ba0[0-9A-Za-z]{13,16}\b/g) ?? [])]);
    if (named.size > 0 || /jobs\/ingest\/[^/?]+/.test(r.url)) wire.calls.push({ at: Date.now() - r.ms - wire.started, ms: r.ms, method: r.method, url: r.url.slice(0, 120), status: r.status, keys: named });
  },
  /** The calls that named one of `names`, the Bulk jobs among them followed to their close, and the kills between. */
  story(names: string[]): string {
    const wanted = new Set(names);
    const jobs = new Set<string>();
    const lines: [number, string][] = [];
    for (const c of wire.calls) {
      const hits = [...c.keys].filter((k) => wanted.has(k));
      const job = /jobs\/ingest\/([^/?]+)/.exec(c.url)?.[1];
      if (hits.length > 0 && job !== undefined) jobs.add(job);
      if (hits.length > 0 || (job !== undefined && jobs.has(job))) lines.push([c.at, `${c.method} ${c.url} -> ${c.status} (${c.ms} ms, ${c.keys.size} named) ${hits.join(' ')}`]);
    }
    for (const k of wire.kills) lines.push([k, '--- Ferry killed']);
    return lines.sort((a, b) => a[0] - b[0]).map(([at, line]) => `  +${at} ms  ${line}`).join('\n');
  },
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Reply {
  status: number;
  body: any;
}

/** One API call; undefined when Ferry was down or died while answering (the write counts as not done). */
async function call(url: string, method: string, path: string, body?: unknown): Promise<Reply | undefined> {
  try {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(20_000),
    });
    const text = await res.text();
    return { status: res.status, body: text === '' ? undefined : JSON.parse(text) };
  } catch {
    return undefined;
  }
}

/** A call that must succeed (Ferry is known to be up). */
async function must(url: string, method: string, path: string, body?: unknown): Promise<any> {
  const reply = await call(url, method, path, body);
  if (reply === undefined || reply.status >= 300) throw new Error(`${method} ${path}: ${reply === undefined ? 'no answer' : `${reply.status} ${JSON.stringify(reply.body)}`}`);
  return reply.body;
}

/** Every live record of an entity, through the API's pages. */
async function listAll(url: string, entity: string): Promise<any[]> {
  const all: any[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await must(url, 'GET', `/api/v1/${entity}?limit=1000${cursor === undefined ? '' : `&cursor=${cursor}`}`);
    all.push(...page.data);
    if (page.nextCursor === null || page.nextCursor === undefined) return all;
    cursor = page.nextCursor;
  }
}

function lineItems(rand: () => number, count: number) {
  return Array.from({ length: count }, (_, i) => {
    const quantity = 1 + Math.floor(rand() * 9);
    const cents = 100 + Math.floor(rand() * 99_900);
    return { lineItemType: i % 2 === 0 ? 'USAGE' : 'STANDING_CHARGE', productCode: `P${i}`, quantity: String(quantity), unitPrice: (cents / 100).toFixed(2), amount: ((quantity * cents) / 100).toFixed(2) };
  });
}

const totalOf = (items: { amount: string }[]) => (items.reduce((sum, item) => sum + Math.round(Number(item.amount) * 100), 0) / 100).toFixed(2);

function billBody(rand: () => number, accountId: string, billNumber: string, count: number) {
  const items = lineItems(rand, count);
  return { accountId, billNumber, billDate: '2026-02-01', periodStart: '2026-01-01', periodEnd: '2026-01-31', dueDate: '2026-03-01', currency: 'USD', total: totalOf(items), lineItems: items };
}

interface Figures {
  kills: number;
  killedWithWritesInFlight: number;
  resumeMs: number[];
  readyMs: number[];
  apiWrites: { ok: number; lost: number };
}

/** Each restart: how long from spawn to the new process's first Salesforce write. */
async function timeResume(em: RunningEmulator, spawnedAt: number, authBefore: number): Promise<number> {
  const deadline = spawnedAt + 60_000;
  let writtenAtLogin: number | undefined;
  while (Date.now() < deadline) {
    const counters = em.controls.counters();
    // The new process signs in first (sessions live in memory): writes after that are its own,
    // not a late answer to the killed process's last request.
    if (writtenAtLogin === undefined && counters.apiCalls.auth > authBefore) writtenAtLogin = counters.recordsWritten;
    if (writtenAtLogin !== undefined && counters.recordsWritten > writtenAtLogin) return Date.now() - spawnedAt;
    await sleep(10);
  }
  return Number.POSITIVE_INFINITY;
}

describe(`Ferry SIGKILLed ${KILLS} times while delivering bills (${testDbKind})`, () => {
  it('ends with Salesforce equal to Ferry, and resumes delivery within seconds of each restart', async () => {
    const started = Date.now();
    const rand = random(SEED);
    emulator = await startEmulator({ port: 0, host: '127.0.0.1', printIdentity: false, onRequest: (r) => wire.note(r) });
    const em = emulator;
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const env: Record<string, string> = { FERRY_DATA_DIR: dir, FERRY_API_KEY: KEY, FERRY_PORT: String(port), FERRY_WORKER_DEAD_AFTER_MS: String(DEAD_AFTER_MS) };
    if (testDbKind === 'postgres') Object.assign(env, { DATABASE_URL: await createTestDatabaseUrl(), FERRY_WORKER: 'true' });
    ferry = await startFerry(env);

    const credential = await must(url, 'POST', '/api/v1/credentials', {
      name: 'Emulator', type: 'password', loginUrl: em.loginUrl, username: DEFAULT_IDENTITY.username, password: DEFAULT_IDENTITY.password, securityToken: DEFAULT_IDENTITY.securityToken,
    });
    const accountsIntegration = await must(url, 'POST', '/api/v1/integrations', { name: 'Accounts', entityType: 'Account', credentialId: credential.id });
    // Batches of more than 50 bills go through Bulk API 2.0, smaller ones through collections:
    // kills land on both paths.
    const billsIntegration = await must(url, 'POST', '/api/v1/integrations', { name: 'Bills', entityType: 'Bill', credentialId: credential.id, delivery: { bulkThreshold: 50 } });
    em.controls.setLatency({ fixedMs: 60, perRecordMs: 0.1 });

    const figures: Figures = { kills: 0, killedWithWritesInFlight: 0, resumeMs: [], readyMs: [], apiWrites: { ok: 0, lost: 0 } };
    const accounts: string[] = [];
    /** Bills the driver believes live (Ferry's own list is the truth at the end). */
    const bills = new Map<string, { id: string; billNumber: string }>();
    let billSeq = 0;
    let killing = true;

    const attempt = async (method: string, path: string, body?: unknown): Promise<Reply | undefined> => {
      const reply = await call(url, method, path, body);
      if (reply === undefined) {
        figures.apiWrites.lost++;
        // Ferry is down: try again a little later, without loading the machine while it comes up.
        await sleep(500);
      } else figures.apiWrites.ok++;
      return reply;
    };
    const pick = () => [...bills.values()][Math.floor(rand() * bills.size)];

    const driver = async () => {
      while (killing) {
        const roll = rand();
        if (accounts.length < 5 || roll < 0.06) {
          const items = Array.from({ length: 10 }, (_, i) => ({ code: `CRASH-A-${accounts.length}-${i}-${SEED}`, name: `Crash account ${accounts.length + i}` }));
          const reply = await attempt('POST', '/api/v1/accounts/bulk', { items });
          for (const result of reply?.status === 200 ? reply.body.results : []) if (result.id !== undefined && !accounts.includes(result.id)) accounts.push(result.id);
        } else if (roll < 0.26 && billSeq < 1500) {
          // A large batch of new bills: Bulk API when delivered together.
          const items = Array.from({ length: 60 + Math.floor(rand() * 60) }, () => billBody(rand, accounts[Math.floor(rand() * accounts.length)]!, `CRASH-B-${billSeq++}`, 1 + Math.floor(rand() * 5)));
          const reply = await attempt('POST', '/api/v1/bills/bulk', { items });
          for (const result of reply?.status === 200 ? reply.body.results : []) if (result.id !== undefined) bills.set(result.id, { id: result.id, billNumber: items[result.index]!.billNumber });
        } else if (roll < 0.4 && billSeq < 1500) {
          const number = `CRASH-B-${billSeq++}`;
          const reply = await attempt('POST', '/api/v1/bills', billBody(rand, accounts[Math.floor(rand() * accounts.length)]!, number, 1 + Math.floor(rand() * 6)));
          if (reply?.status === 201) bills.set(reply.body.id, { id: reply.body.id, billNumber: number });
        } else if (roll < 0.65 && bills.size > 0) {
          // Regenerated: more or fewer line items than before.
          const bill = pick()!;
          const items = lineItems(rand, rand() < 0.5 ? 1 + Math.floor(rand() * 2) : 4 + Math.floor(rand() * 5));
          await attempt('PATCH', `/api/v1/bills/${bill.id}`, { total: totalOf(items), lineItems: items });
        } else if (roll < 0.75 && bills.size > 60) {
          // Many regenerated at once, through the bulk endpoint by bill number.
          const chosen = new Map<string, { id: string; billNumber: string }>();
          while (chosen.size < 55) {
            const bill = pick()!;
            chosen.set(bill.id, bill);
          }
          const items = [...chosen.values()].map((bill) => {
            const lines = lineItems(rand, 1 + Math.floor(rand() * 8));
            return { billNumber: bill.billNumber, total: totalOf(lines), lineItems: lines };
          });
          await attempt('POST', '/api/v1/bills/bulk', { items });
        } else if (bills.size > 0) {
          const bill = pick()!;
          const reply = await attempt('DELETE', `/api/v1/bills/${bill.id}`);
          if (reply?.status === 200 || reply?.status === 404) bills.delete(bill.id);
        }
        await sleep(20 + Math.floor(rand() * 80));
      }
    };

    const killer = async () => {
      for (let kill = 0; kill < KILLS; kill++) {
        await sleep(300 + Math.floor(rand() * 1200));
        // Every third kill waits until Salesforce is being written to, then strikes mid-write.
        if (kill % 3 === 2) {
          const before = em.controls.counters().recordsWritten;
          const until = Date.now() + 5_000;
          while (em.controls.counters().recordsWritten === before && Date.now() < until) await sleep(5);
          if (em.controls.counters().recordsWritten !== before) figures.killedWithWritesInFlight++;
        }
        const dying = ferry!;
        const closed = new Promise((resolve) => dying.child.once('close', resolve));
        dying.child.kill('SIGKILL');
        wire.kills.push(Date.now() - wire.started);
        await closed;
        figures.kills++;
        const authBefore = em.controls.counters().apiCalls.auth;
        const spawnedAt = Date.now();
        const resumed = timeResume(em, spawnedAt, authBefore);
        ferry = await startFerry(env);
        figures.readyMs.push(Date.now() - spawnedAt);
        figures.resumeMs.push(await resumed);
      }
      killing = false;
    };

    await Promise.all([driver(), killer()]);
    const killedAt = Date.now();

    // No manual step: Ferry settles by itself. Settled is: both integrations still enabled, no run
    // waiting or started, no change of their entities past their watermark, twice in a row.
    const settled = async () => {
      for (const integration of [accountsIntegration, billsIntegration]) {
        const current = await must(url, 'GET', `/api/v1/integrations/${integration.id}`);
        if (current.enabled !== true) throw new Error(`integration ${integration.name} disabled itself: ${JSON.stringify(current)}`);
        for (const status of ['WAITING', 'STARTED']) {
          if ((await must(url, 'GET', `/api/v1/runs?integrationId=${integration.id}&status=${status}&limit=1`)).data.length > 0) return false;
        }
        const entity = integration.entityType === 'Account' ? 'accounts' : 'bills';
        if ((await must(url, 'GET', `/api/v1/changes?after=${current.cursorSeq}&entity=${entity}&limit=1`)).changes.length > 0) return false;
      }
      return true;
    };
    let calm = 0;
    const settleDeadline = Date.now() + 90_000;
    while (calm < 2) {
      if (Date.now() > settleDeadline) {
        // What Ferry was still doing, so that a stall names its cause.
        const state = [];
        for (const integration of [accountsIntegration, billsIntegration]) {
          const current = await must(url, 'GET', `/api/v1/integrations/${integration.id}`);
          const runs = (await must(url, 'GET', `/api/v1/runs?integrationId=${integration.id}&limit=5`)).data.map((r: any) => [r.status, r.trigger, r.counts, r.error]);
          const events = (await must(url, 'GET', `/api/v1/events?integrationId=${integration.id}&limit=5`)).data.map((e: any) => [e.name, e.message]);
          const behind = (await must(url, 'GET', `/api/v1/changes?after=${current.cursorSeq}&limit=3`)).changes;
          state.push({ name: integration.name, cursorSeq: current.cursorSeq, consecutiveErrors: current.consecutiveErrors, runs, events, behind });
        }
        throw new Error(`Ferry did not settle within 90 s of the last restart: ${JSON.stringify(state, null, 1)}`);
      }
      calm = (await settled()) ? calm + 1 : 0;
      await sleep(500);
    }
    const settleMs = Date.now() - killedAt;

    // Ferry's own state is the truth: the driver's requests cut by a kill may or may not have landed.
    const conn = new jsforce.Connection({ loginUrl: em.loginUrl, version: '60.0' });
    await conn.login(DEFAULT_IDENTITY.username, DEFAULT_IDENTITY.password + DEFAULT_IDENTITY.securityToken);
    const all = async <T extends object>(soql: string) => (await conn.query<T>(soql, { autoFetch: true, maxFetch: 1_000_000 })).records;
    const duplicates = (ids: string[]) => ids.filter((id, i) => ids.indexOf(id) !== i);
    /**
     * For a failed comparison: what Ferry holds of the bills at fault, and what reached the org for
     * their line items. Ferry's database is read only on the last comparison (`final`): on PGlite
     * the running Ferry holds its data folder, so it is stopped first and the folder opened here.
     */
    const diagnose = async (keys: string[], sfItems: { Id: string; Ferry_Id__c: string; CreatedDate: string }[], final: boolean): Promise<string> => {
      const billIds = [...new Set(keys.map((k) => k.split(':')[0]!))];
      // Earlier records of the same keys, deleted since (in the recycle bin): a call naming one of
      // their ids is part of the story too.
      const deleted: { Id: string; Ferry_Id__c: string; CreatedDate: string }[] = [];
      for (let i = 0; i < keys.length; i += 200) {
        const soql = `SELECT Id, Ferry_Id__c, CreatedDate FROM Ferry_Bill_Line_Item__c WHERE IsDeleted = true AND Ferry_Id__c IN (${keys.slice(i, i + 200).map((k) => `'${k}'`).join(',')})`;
        deleted.push(...(await conn.query<{ Id: string; Ferry_Id__c: string; CreatedDate: string }>(soql, { autoFetch: true, maxFetch: 1_000_000, scanAll: true })).records);
      }
      const names = [...keys, ...sfItems.filter((i) => keys.includes(i.Ferry_Id__c)).map((i) => i.Id), ...deleted.map((i) => i.Id)];
      const parts = [
        `\nline items at fault: ${sfItems.filter((i) => keys.includes(i.Ferry_Id__c)).map((i) => `${i.Ferry_Id__c}=${i.Id} created ${i.CreatedDate}`).join(', ')}`,
        `deleted records of their keys: ${deleted.map((i) => `${i.Ferry_Id__c}=${i.Id} created ${i.CreatedDate}`).join(', ') || 'none'}`,
      ];
      if (final) {
        if (env.DATABASE_URL === undefined && ferry !== undefined && ferry.child.exitCode === null && ferry.child.signalCode === null) await ferry.stop();
        const db = await openDatabase(env.DATABASE_URL !== undefined ? { databaseUrl: env.DATABASE_URL } : { dataDir: dir });
        try {
          const q = async (sql: string, params: unknown[] = [billIds]) => JSON.stringify(await db.query(sql, params));
          parts.push(`links: ${await q("SELECT entity_id, synced_version, synced_at, children FROM links WHERE entity = 'bills' AND entity_id = ANY($1::uuid[])")}`);
          parts.push(`intents: ${await q('SELECT entity_id, child_keys FROM delivery_intents WHERE entity_id = ANY($1::uuid[])')}`);
          parts.push(`journal: ${await q("SELECT seq, entity_id, operation, version, origin, changed_fields, at FROM journal WHERE entity = 'bills' AND entity_id = ANY($1::uuid[]) ORDER BY seq")}`);
          parts.push(`events: ${await q('SELECT entity_id, name, message, created_at FROM events WHERE entity_id = ANY($1::uuid[])')}`);
          parts.push(`runs: ${await q('SELECT id, status, trigger, mode, record_ids, worker_id, created_at, started_at, finished_at, sent, failed, error FROM runs WHERE integration_id = $1 ORDER BY created_at', [billsIntegration.id])}`);
        } finally {
          await db.close();
        }
      }
      parts.push(`what reached the org (ms since the test started):\n${wire.story(names)}`);
      return parts.join('\n');
    };
    const compare = async (final: boolean) => {
      const liveAccounts = await listAll(url, 'accounts');
      const liveBills = await listAll(url, 'bills');
      const sfAccounts = await all<{ Ferry_Id__c: string | null }>('SELECT Ferry_Id__c FROM Account WHERE Ferry_Id__c != null');
      const sfBills = await all<{ Id: string; Ferry_Id__c: string; Name: string; Total__c: number }>('SELECT Id, Ferry_Id__c, Name, Total__c FROM Ferry_Bill__c');
      const sfItems = await all<{ Id: string; Ferry_Id__c: string; Bill__c: string; Amount__c: number; Quantity__c: string; CreatedDate: string }>('SELECT Id, Ferry_Id__c, Bill__c, Amount__c, Quantity__c, CreatedDate FROM Ferry_Bill_Line_Item__c');
      expect(duplicates(sfAccounts.map((a) => a.Ferry_Id__c!)), 'accounts delivered twice').toEqual([]);
      expect(sfAccounts.map((a) => a.Ferry_Id__c).sort(), 'every live account exactly once').toEqual(liveAccounts.map((a) => a.id).sort());
      expect(duplicates(sfBills.map((b) => b.Ferry_Id__c)), 'bills delivered twice').toEqual([]);
      expect(duplicates(sfItems.map((i) => i.Ferry_Id__c)), 'line items delivered twice').toEqual([]);
      // Bills: exactly the live ones (none of the deleted), with their current number and total.
      expect(sfBills.map((b) => [b.Ferry_Id__c, b.Name, b.Total__c]).sort(), 'Ferry_Bill__c equals the live bills').toEqual(
        liveBills.map((b) => [b.id, b.billNumber, Number(b.total)]).sort(),
      );
      // Line items: exactly the current ones of each live bill, under the right bill, with their amounts.
      const sfBillIdOf = new Map(sfBills.map((b) => [b.Ferry_Id__c, b.Id]));
      const expectedItems = liveBills.flatMap((b) =>
        (b.lineItems as { amount: string; quantity: string }[]).map((item, index) => [`${b.id}:${index}`, sfBillIdOf.get(b.id), Number(item.amount), item.quantity]),
      );
      // Listed as missing and extra (a wrong amount or bill shows on both sides), so a failure
      // names the line items at fault rather than printing thousands of rows.
      const actualItems = new Set(sfItems.map((i) => JSON.stringify([i.Ferry_Id__c, i.Bill__c, i.Amount__c, i.Quantity__c])));
      const wantedItems = new Set(expectedItems.map((i) => JSON.stringify(i)));
      const difference = {
        missing: [...wantedItems].filter((i) => !actualItems.has(i)),
        extra: [...actualItems].filter((i) => !wantedItems.has(i)),
      };
      const story = difference.missing.length + difference.extra.length === 0 ? '' : await diagnose([...difference.missing, ...difference.extra].map((i) => JSON.parse(i)[0] as string), sfItems, final);
      expect(difference, `Ferry_Bill_Line_Item__c equals the live bills' current line items${story}`).toEqual({ missing: [], extra: [] });
      expect(sfItems.length).toBe(expectedItems.length);
      return { accounts: sfAccounts.length, bills: sfBills.length, items: sfItems.length };
    };
    // Settled by Ferry's account, Salesforce must match now or very soon (a last answer in flight);
    // a difference that lasts 20 s is a real one and fails with the comparison's own message.
    let compared: Awaited<ReturnType<typeof compare>>;
    const compareDeadline = Date.now() + 20_000;
    for (;;) {
      const final = Date.now() > compareDeadline;
      try {
        compared = await compare(final);
        break;
      } catch (error) {
        if (final) throw error;
        await sleep(1_000);
      }
    }

    const stats = (values: number[]) => {
      const sorted = [...values].sort((a, b) => a - b);
      return `p50 ${sorted[Math.floor(sorted.length / 2)]}  max ${sorted[sorted.length - 1]}  all ${values.join(' ')}`;
    };
    const afterReady = figures.resumeMs.map((ms, i) => ms - figures.readyMs[i]!);
    console.log(
      [
        `crash test on ${testDbKind} (seed ${SEED}; FERRY_CRASH_SEED=${SEED} repeats the driver's choices, not the kill timing)`,
        `  kills                     ${figures.kills} (${figures.killedWithWritesInFlight} timed on writes in flight)`,
        `  spawn to API up, ms       ${stats(figures.readyMs)}`,
        `  spawn to first write, ms  ${stats(figures.resumeMs)}`,
        `  API up to first write, ms ${stats(afterReady)}`,
        `  API writes                ${figures.apiWrites.ok} answered, ${figures.apiWrites.lost} cut by a kill or refused while down`,
        `  settled after last kill   ${settleMs} ms`,
        `  compared                  ${compared.accounts} accounts, ${compared.bills} bills (${bills.size} per driver), ${compared.items} line items`,
        `  emulator                  ${em.controls.counters().recordsWritten} records written, ${em.controls.counters().apiCalls.bulk} Bulk API calls, ${em.controls.counters().apiCalls.composite} composite calls`,
        `  duration                  ${Date.now() - started} ms`,
      ].join('\n'),
    );
    expect(figures.kills).toBe(KILLS);
    expect(em.controls.counters().apiCalls.bulk, 'some bills went through Bulk API').toBeGreaterThan(0);
    expect(compared.bills, 'the run delivered bills').toBeGreaterThan(100);
    for (const ms of figures.resumeMs) expect(ms, `delivery resumed within ${RESUME_LIMIT_MS} ms of a restart`).toBeLessThan(RESUME_LIMIT_MS);
    for (const ms of afterReady) expect(ms, `delivery resumed within ${RESUME_AFTER_READY_MS} ms of the API answering`).toBeLessThan(RESUME_AFTER_READY_MS);
  }, 240_000);
});
