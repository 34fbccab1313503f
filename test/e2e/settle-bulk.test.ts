import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestFerry, type TestFerry } from '../ferry.ts';

let ferry: TestFerry;
beforeAll(async () => {
  ferry = await startTestFerry();
});
afterAll(async () => ferry.stop());

describe('Bulk jobs left by an interrupted delivery', () => {
  it('waits for a running job of the object to finish, and aborts one left open, before going on', async () => {
    const credential = await ferry.credential();
    const { client } = await ferry.engine.credentials.open(ferry.orgId, credential.id);
    const conn = client.connection;
    const rows = Array.from({ length: 3000 }, (_, i) => ({ Name: `Settle ${i}`, Ferry_Id__c: `settle-${i}` }));
    // A job a killed worker closed (still running), and one it only uploaded.
    const running = conn.bulk2.createJob({ object: 'Account', operation: 'upsert', externalIdFieldName: 'Ferry_Id__c', lineEnding: 'LF' });
    await running.open();
    await running.uploadData(rows);
    const open = conn.bulk2.createJob({ object: 'Account', operation: 'upsert', externalIdFieldName: 'Ferry_Id__c', lineEnding: 'LF' });
    await open.open();
    await open.uploadData(rows.slice(0, 10));
    await running.close();
    await client.settleBulkJobs('Account');
    expect((await running.check()).state).toBe('JobComplete');
    expect((await open.check()).state).toBe('Aborted');
    expect((await conn.query('SELECT COUNT() FROM Account WHERE Name LIKE \'Settle %\'')).totalSize).toBe(3000);
  });
});
