// The Salesforce CLI's legacy Bulk API 1.0 commands (@salesforce/cli 2.130.9, plugin-data 4.0.85,
// which calls `conn.bulk` of @jsforce/jsforce-node 3.12.0): `sf force data bulk upsert`,
// `delete` and `status` against the emulator.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useSfCli } from './sf-cli.ts';
import { useEmulator } from './support.ts';

const ctx = useEmulator();
const cli = useSfCli(ctx);

async function csvFile(name: string, text: string): Promise<string> {
  const path = join(cli.home, name);
  await writeFile(path, text);
  return path;
}

async function accountNames(): Promise<string[]> {
  const result = await ctx.conn.query<{ Name: string }>('SELECT Name FROM Account ORDER BY Name');
  return result.records.map((r) => r.Name);
}

describe('sf force data bulk (Bulk API 1.0)', () => {
  it('upserts a CSV by external id with --wait and reports the closed job', async () => {
    ctx.emu.controls.seed([{ attributes: { type: 'Account' }, Name: 'Old', Ferry_Id__c: 'cli-1' }]);
    const file = await csvFile('upsert.csv', 'Ferry_Id__c,Name\ncli-1,Updated\ncli-2,Inserted\n');
    const run = await cli.run(['force', 'data', 'bulk', 'upsert', '--sobject', 'Account', '--file', file, '--external-id', 'Ferry_Id__c', '--wait', '1', '--json']);
    expect(run.code).toBe(0);
    expect(run.json?.result).toEqual([
      expect.objectContaining({ object: 'Account', operation: 'upsert', state: 'Closed', externalIdFieldName: 'Ferry_Id__c', numberBatchesCompleted: '1', numberRecordsProcessed: '2', numberRecordsFailed: '0' }),
    ]);
    expect(await accountNames()).toEqual(['Inserted', 'Updated']);
  }, 120_000);

  it('queues without --wait, then shows the job and its batch through status', async () => {
    const file = await csvFile('queued.csv', 'Ferry_Id__c,Name\ncli-3,Queued\n');
    const run = await cli.run(['force', 'data', 'bulk', 'upsert', '--sobject', 'Account', '--file', file, '--external-id', 'Ferry_Id__c', '--json']);
    expect(run.code).toBe(0);
    const [queued] = run.json?.result as { jobId: string; id: string }[];
    expect(queued).toMatchObject({ jobId: expect.stringMatching(/^750/), id: expect.stringMatching(/^751/) });
    const jobId = queued?.jobId ?? '';
    const batchId = queued?.id ?? '';
    const status = await cli.run(['force', 'data', 'bulk', 'status', '--job-id', jobId, '--batch-id', batchId, '--json']);
    expect(status.code).toBe(0);
    expect(status.json?.result).toEqual([expect.objectContaining({ id: batchId, jobId, state: 'Completed', numberRecordsProcessed: '1', numberRecordsFailed: '0' })]);
    const job = await cli.run(['force', 'data', 'bulk', 'status', '--job-id', jobId, '--json']);
    expect(job.json?.result).toMatchObject({ id: jobId, state: 'Closed', numberBatchesCompleted: '1', numberBatchesTotal: '1' });
    expect(await accountNames()).toEqual(['Queued']);
  }, 120_000);

  it('shows a failed batch with its state message through status', async () => {
    // The batch is created directly: whether `upsert` without --wait sees it Queued or already
    // Failed depends on timing, on a real org too.
    const job = ctx.conn.bulk.createJob('Account', 'insert');
    await job.open();
    const jobId = job.id ?? '';
    const added = await fetch(`${ctx.conn.instanceUrl}/services/async/60.0/job/${jobId}/batch`, {
      method: 'POST',
      headers: { 'X-SFDC-Session': ctx.conn.accessToken ?? '', 'Content-Type': 'text/csv' },
      body: 'Name,Bogus__c\nx,y\n',
    });
    const batchId = /<id>([^<]+)<\/id>/.exec(await added.text())?.[1] ?? '';
    let batch: Record<string, unknown> | undefined;
    for (let i = 0; i < 10 && (batch === undefined || batch['state'] === 'Queued' || batch['state'] === 'InProgress'); i += 1) {
      const status = await cli.run(['force', 'data', 'bulk', 'status', '--job-id', jobId, '--batch-id', batchId, '--json']);
      expect(status.code).toBe(0);
      batch = (status.json?.result as Record<string, unknown>[]).find((b) => b['id'] === batchId);
    }
    expect(batch).toMatchObject({ state: 'Failed', stateMessage: 'InvalidBatch : Field name not found : Bogus__c', numberRecordsProcessed: '0' });
    expect(await accountNames()).toEqual([]);
  }, 120_000);

  it('deletes the records of an Id CSV with --wait', async () => {
    const ids = ctx.emu.controls.seed([
      { attributes: { type: 'Account' }, Name: 'Gone 1' },
      { attributes: { type: 'Account' }, Name: 'Gone 2' },
      { attributes: { type: 'Account' }, Name: 'Stays' },
    ]).map((r) => r.id ?? '');
    const file = await csvFile('delete.csv', `Id\n${ids[0] ?? ''}\n${ids[1] ?? ''}\n`);
    const run = await cli.run(['force', 'data', 'bulk', 'delete', '--sobject', 'Account', '--file', file, '--wait', '1', '--json']);
    expect(run.code).toBe(0);
    expect(run.json?.result).toEqual([expect.objectContaining({ operation: 'delete', state: 'Closed', numberRecordsProcessed: '2', numberRecordsFailed: '0' })]);
    expect(await accountNames()).toEqual(['Stays']);
  }, 120_000);

  it('reports an unknown job id with Salesforce\'s InvalidJob', async () => {
    const run = await cli.run(['force', 'data', 'bulk', 'status', '--job-id', '750000000000000AAA', '--json']);
    expect(run.code).not.toBe(0);
    expect(run.json).toMatchObject({ name: 'InvalidJob', message: 'Unable to find job: 750000000000000AAA' });
  }, 60_000);
});
