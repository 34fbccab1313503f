// The Salesforce CLI (@salesforce/cli 2.130.9, the real client) against the emulator: the
// commands docs/emulator.md "With the Salesforce CLI" says work.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sfCli, useSfCli } from './sf-cli.ts';
import { useEmulator } from './support.ts';

const ctx = useEmulator();
const cli = useSfCli(ctx);

interface QueryResult {
  totalSize: number;
  done: boolean;
  records: Record<string, unknown>[];
}

describe('sf org', () => {
  it('logs in with an access token and displays the org it is connected to', async () => {
    const run = await cli.run(['org', 'display', '--json']);
    expect(run.code).toBe(0);
    expect(run.json?.result).toMatchObject({
      id: ctx.emu.identity.orgId,
      instanceUrl: `${ctx.emu.url}/`,
      username: ctx.emu.identity.username,
      connectedStatus: 'Connected',
      alias: 'emu',
    });
  });

  it('refuses an access token the org never issued', async () => {
    const other = await sfCli(ctx.emu, { login: false, alias: 'stranger' });
    try {
      const run = await other.run(['org', 'login', 'access-token', '--instance-url', ctx.emu.url, '--alias', 'stranger', '--no-prompt', '--json'], { env: { SF_ACCESS_TOKEN: '00D000000000000!not-a-session' } });
      expect(run.code).not.toBe(0);
      expect(run.json?.status).not.toBe(0);
      const list = await other.run(['org', 'list', 'auth', '--json']);
      expect(list.json?.result).toEqual([]);
    } finally {
      await other.dispose();
    }
  }, 120_000);
});

describe('sf data', () => {
  it('queries parent fields and child subqueries, as JSON and as a table', async () => {
    const [accountId] = ctx.emu.controls.seed([{ attributes: { type: 'Account', referenceId: 'a' }, Name: 'Acme CLI' }, { attributes: { type: 'Contact' }, LastName: 'Kidd', AccountId: '@a' }]).map((r) => r.id);
    const soql = 'SELECT Id, Name, Owner.Name, (SELECT LastName FROM Contacts) FROM Account';
    const run = await cli.run(['data', 'query', '--query', soql, '--json']);
    expect(run.code).toBe(0);
    const result = run.json?.result as QueryResult;
    expect(result.totalSize).toBe(1);
    expect(result.records[0]).toMatchObject({ Id: accountId, Name: 'Acme CLI', Owner: { Name: 'Ferry Admin' }, Contacts: { totalSize: 1, records: [{ LastName: 'Kidd' }] } });
    const table = await cli.run(['data', 'query', '--query', soql]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/OWNER\.NAME[\s\S]*CONTACTS\.LASTNAME/);
    expect(table.stdout).toMatch(new RegExp(`${accountId ?? '-'}.*Acme CLI.*Ferry Admin.*Kidd`));
    expect(table.stdout).toContain('Total number of records retrieved: 1.');
  });

  it('queries aggregate columns with their aliases', async () => {
    ctx.emu.controls.seed([
      { attributes: { type: 'Account' }, Name: 'A', Industry: 'Energy', NumberOfEmployees: 10 },
      { attributes: { type: 'Account' }, Name: 'B', Industry: 'Energy', NumberOfEmployees: 5 },
      { attributes: { type: 'Account' }, Name: 'C', Industry: 'Banking', NumberOfEmployees: 7 },
    ]);
    const run = await cli.run(['data', 'query', '--query', 'SELECT Industry, COUNT(Id) n, SUM(NumberOfEmployees) staff FROM Account GROUP BY Industry ORDER BY Industry', '--json']);
    expect(run.code).toBe(0);
    expect((run.json?.result as QueryResult).records).toEqual([
      { attributes: { type: 'AggregateResult' }, Industry: 'Banking', n: 1, staff: 7 },
      { attributes: { type: 'AggregateResult' }, Industry: 'Energy', n: 2, staff: 15 },
    ]);
  });

  it('reports a query on an unknown field with Salesforce\'s error and exit code 1', async () => {
    const run = await cli.run(['data', 'query', '--query', 'SELECT Bogus FROM Account', '--json']);
    expect(run.code).toBe(1);
    expect(run.json).toMatchObject({ status: 1, name: 'INVALID_FIELD' });
    expect(run.json?.message).toContain("No such column 'Bogus' on entity 'Account'");
  });

  it('creates a record from --values', async () => {
    const run = await cli.run(['data', 'create', 'record', '--sobject', 'Account', '--values', "Name='Acme CLI' Ferry_Id__c=cli-1 Industry=Energy", '--json']);
    expect(run.code).toBe(0);
    const created = run.json?.result as { id: string; success: boolean };
    expect(created.success).toBe(true);
    const stored = await ctx.conn.sobject('Account').retrieve(created.id);
    expect(stored).toMatchObject({ Name: 'Acme CLI', Ferry_Id__c: 'cli-1', Industry: 'Energy' });
  });

  it('refuses a record with an unknown field and creates nothing', async () => {
    const run = await cli.run(['data', 'create', 'record', '--sobject', 'Account', '--values', "Name='Nope' Bogus__c=1", '--json']);
    expect(run.code).not.toBe(0);
    expect(run.json?.message).toContain('Bogus__c');
    expect((await ctx.conn.query('SELECT Id FROM Account')).totalSize).toBe(0);
  });

  it('imports a CSV through Bulk API 2.0 and waits for the job', async () => {
    const file = join(cli.home, 'accounts.csv');
    await writeFile(file, 'Name,Ferry_Id__c,NumberOfEmployees\nBulk One,bulk-1,1\n"Bulk, Two",bulk-2,2\n');
    const run = await cli.run(['data', 'import', 'bulk', '--file', file, '--sobject', 'Account', '--wait', '2', '--json']);
    expect(run.code).toBe(0);
    expect(run.json?.result).toMatchObject({ processedRecords: 2, successfulRecords: 2, failedRecords: 0 });
    const stored = await ctx.conn.query<{ Name: string; Ferry_Id__c: string; NumberOfEmployees: number }>('SELECT Name, Ferry_Id__c, NumberOfEmployees FROM Account ORDER BY Ferry_Id__c');
    expect(stored.records.map((r) => [r.Name, r.Ferry_Id__c, r.NumberOfEmployees])).toEqual([
      ['Bulk One', 'bulk-1', 1],
      ['Bulk, Two', 'bulk-2', 2],
    ]);
  });

  it('reports the rows a bulk import could not load', async () => {
    const file = join(cli.home, 'bad-accounts.csv');
    await writeFile(file, 'Name,NumberOfEmployees\nGood,1\nBad,not-a-number\n');
    const run = await cli.run(['data', 'import', 'bulk', '--file', file, '--sobject', 'Account', '--wait', '2', '--json']);
    expect(run.code).toBe(1);
    expect(run.json).toMatchObject({ name: 'FailedRecordDetailsError', message: 'Job finished being processed but failed to process 1 records.', data: { state: 'JobComplete' } });
    const stored = await ctx.conn.query<{ Name: string }>('SELECT Name FROM Account');
    expect(stored.records.map((r) => r.Name)).toEqual(['Good']);
  });
});
