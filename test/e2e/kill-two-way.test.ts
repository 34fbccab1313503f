// Two-way sync under SIGKILL: a Ferry process reading by change events and delivering on change is
// killed at random moments, again and again, while people change the same accounts on both sides
// (also while it is down). Once it runs undisturbed, every account must be equal on both sides, or
// differ only in fields an open held conflict explains, and neither side may hold a duplicate.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jsforce from 'jsforce';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_IDENTITY, startEmulator, type RunningEmulator } from '../../src/emulator/index.ts';
import { startFerry, type RunningFerry } from '../cli.ts';

const KEY = 'ferry_kill_two_way_key_0123456789abcdef';
/** At least 20, as the issue asks; FERRY_KILLS raises it for a longer run by hand. */
const KILLS = Math.max(20, Number(process.env.FERRY_KILLS ?? 20));
const ACCOUNTS = 12;
const dir = mkdtempSync(join(tmpdir(), 'ferry-kill-two-way-'));
let emulator: RunningEmulator | undefined;
let running: RunningFerry | undefined;
afterAll(async () => {
  if (running !== undefined && running.child.exitCode === null) running.child.kill('SIGKILL');
  await emulator?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function call(url: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${url}${path}`, { method, headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: res.status, body: (await res.json()) as any };
}

async function must(url: string, method: string, path: string, body?: unknown): Promise<any> {
  const res = await call(url, method, path, body);
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const pick = <T>(items: T[]): T => items[Math.floor(Math.random() * items.length)]!;

describe('two-way sync killed with SIGKILL at random moments', () => {
  it(`converges after ${KILLS} kills: equal on both sides or an explained conflict, no duplicates`, async () => {
    emulator = await startEmulator({ port: 0, host: '127.0.0.1', printIdentity: false });
    emulator.controls.setLatency({ fixedMs: 20, perRecordMs: 0 });
    emulator.controls.addUser({ username: 'rep@ferry.test', password: 'rep', securityToken: '', lastName: 'Rep' });
    const rep = new jsforce.Connection({ instanceUrl: emulator.url, accessToken: emulator.controls.sessionFor('rep@ferry.test').accessToken, version: '60.0' });
    const env = { FERRY_DATA_DIR: dir, FERRY_API_KEY: KEY, FERRY_INCOMING_CHECK_MS: '200', FERRY_WORKER_DEAD_AFTER_MS: '2000' };

    running = await startFerry(env);
    let url = running.url;
    const credential = await must(url, 'POST', '/api/v1/credentials', {
      name: 'Emulator', type: 'password', loginUrl: emulator.loginUrl, username: DEFAULT_IDENTITY.username, password: DEFAULT_IDENTITY.password, securityToken: DEFAULT_IDENTITY.securityToken,
    });
    const integration = await must(url, 'POST', '/api/v1/integrations', { name: 'Two-way', entityType: 'Account', sync: { direction: 'both', conflictPolicy: 'hold' } });
    await must(url, 'PUT', `/api/v1/integrations/${integration.id}/mapping`, {
      rules: [
        { ferry: 'name', salesforce: 'Name', direction: 'both' },
        { ferry: 'code', salesforce: 'AccountNumber' },
        { ferry: 'address.locality', salesforce: 'BillingCity', direction: 'both' },
      ],
    });
    const accounts: { id: string; code: string }[] = [];
    for (let i = 0; i < ACCOUNTS; i++) {
      const account = await must(url, 'POST', '/api/v1/accounts', { code: `KT-${i}`, name: `Kill ${i}`, currency: 'USD', address: { line1: '1 Quay', locality: 'Leeds', country: 'GB' } });
      accounts.push({ id: account.id, code: account.code });
    }
    await must(url, 'POST', `/api/v1/integrations/${integration.id}/connect`, { credentialId: credential.id });
    const sfIdOf = new Map<string, string>();
    const until = Date.now() + 30_000;
    while (sfIdOf.size < ACCOUNTS && Date.now() < until) {
      for (const row of (await rep.query<{ Id: string; Ferry_Id__c: string }>("SELECT Id, Ferry_Id__c FROM Account WHERE AccountNumber LIKE 'KT-%'")).records) sfIdOf.set(row.Ferry_Id__c, row.Id);
      await sleep(100);
    }
    expect(sfIdOf.size).toBe(ACCOUNTS);

    let edits = 0;
    const salesforceEdit = async () => {
      const account = pick(accounts);
      const field = Math.random() < 0.5 ? { Name: `SF name ${edits}` } : { BillingCity: `SF city ${edits}` };
      edits++;
      await rep.sobject('Account').update({ Id: sfIdOf.get(account.id)!, ...field });
    };
    for (let kill = 0; kill < KILLS; kill++) {
      // Both sides change for a random while; the process dies at a random moment of it.
      const lifetime = 300 + Math.random() * 1500;
      const stopAt = Date.now() + lifetime;
      const workload = (async () => {
        while (Date.now() < stopAt) {
          if (Math.random() < 0.5) {
            const account = pick(accounts);
            const patch = Math.random() < 0.5 ? { name: `Ferry name ${edits}` } : { address: { line1: '1 Quay', locality: `Ferry city ${edits}`, country: 'GB' } };
            edits++;
            // The process may die under the call: then the edit may or may not have been made.
            await call(url, 'PATCH', `/api/v1/accounts/${account.id}`, patch).catch((error: unknown) => ({ status: 0, body: String(error) }));
          } else {
            await salesforceEdit();
          }
          await sleep(20 + Math.random() * 80);
        }
      })();
      await sleep(lifetime * Math.random());
      running.child.kill('SIGKILL');
      await new Promise((resolve) => running!.child.once('close', resolve));
      await workload;
      // Salesforce goes on changing while Ferry is down.
      for (let i = 0; i < 3; i++) await salesforceEdit();
      running = await startFerry(env);
      url = running.url;
    }

    // Undisturbed now: everything settles.
    const converged = async (): Promise<string[]> => {
      const problems: string[] = [];
      const open = (await must(url, 'GET', `/api/v1/conflicts?integrationId=${integration.id}&open=true&limit=200`)).data as any[];
      const held = new Set(open.flatMap((c) => c.fields.map((f: any) => `${c.entityId}:${f.path}`)));
      const rows = (await rep.query<{ Id: string; Name: string; BillingCity: string; Ferry_Id__c: string }>("SELECT Id, Name, BillingCity, Ferry_Id__c FROM Account WHERE AccountNumber LIKE 'KT-%'")).records;
      if (rows.length !== ACCOUNTS) problems.push(`${rows.length} accounts in Salesforce`);
      if (new Set(rows.map((r) => r.Ferry_Id__c)).size !== rows.length) problems.push('a duplicate Ferry_Id__c in Salesforce');
      const ferryAccounts = (await must(url, 'GET', '/api/v1/accounts?limit=200')).data as any[];
      if (ferryAccounts.filter((a) => String(a.code).startsWith('KT-')).length !== ACCOUNTS) problems.push('a duplicate (or lost) account in Ferry');
      for (const row of rows) {
        const account = ferryAccounts.find((a) => a.id === row.Ferry_Id__c);
        if (account === undefined) {
          problems.push(`no Ferry account for ${row.Id}`);
          continue;
        }
        if (account.name !== row.Name && !held.has(`${account.id}:name`)) problems.push(`${account.code} name: Ferry "${account.name}", Salesforce "${row.Name}"`);
        if (account.address?.locality !== row.BillingCity && !held.has(`${account.id}:address.locality`)) problems.push(`${account.code} city: Ferry "${account.address?.locality}", Salesforce "${row.BillingCity}"`);
      }
      return problems;
    };
    const deadline = Date.now() + 120_000;
    let problems = await converged();
    while (problems.length > 0 && Date.now() < deadline) {
      await sleep(500);
      problems = await converged();
    }
    expect(problems).toEqual([]);
    // The kills left their mark: runs interrupted and taken over, and the stream resumed each time.
    const runs = (await must(url, 'GET', `/api/v1/runs?integrationId=${integration.id}&limit=200`)).data as any[];
    expect(runs.some((r) => r.mode === 'incoming' && r.trigger === 'stream')).toBe(true);
    expect(edits).toBeGreaterThan(KILLS * 3);
    const open = (await must(url, 'GET', `/api/v1/conflicts?integrationId=${integration.id}&open=true&limit=200`)).data as any[];
    console.info(`kill test: ${KILLS} kills, ${edits} edits, ${runs.filter((r) => r.status === 'INTERRUPTED').length} of the last ${runs.length} runs interrupted, ${open.length} accounts with an open held conflict`);
    expect((await must(url, 'GET', `/api/v1/integrations/${integration.id}/incoming`)).reader).toBe('cdc');
    await running.stop();
  }, 600_000);
});
