import { describe, expect, it } from 'vitest';
import { useEmulator } from './support.ts';

const ctx = useEmulator();

describe('sObject collection upsert with allOrNone', () => {
  it('rolls every row back and answers created:false next to success:false on each, as Salesforce does', async () => {
    await ctx.conn.sobject('Account').create({ Name: 'Existing', Ferry_Id__c: 'cust-1' });
    const results = await ctx.conn.sobject('Account').upsert(
      [
        { Ferry_Id__c: 'cust-1', Name: 'Renamed' },
        { Ferry_Id__c: 'cust-2', Name: 'Would be new' },
        { Ferry_Id__c: 'cust-3', Name: null },
      ],
      'Ferry_Id__c',
      { allOrNone: true },
    );
    const rolledBack = { statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK', message: 'Record rolled back because not all records were valid and the request was using AllOrNone header', fields: [] };
    expect(results).toEqual([
      { success: false, errors: [rolledBack], created: false },
      { success: false, errors: [rolledBack], created: false },
      { success: false, errors: [{ statusCode: 'REQUIRED_FIELD_MISSING', message: 'Required fields are missing: [Name]', fields: ['Name'] }], created: false },
    ]);
    const names = (await ctx.conn.query<{ Name: string; Ferry_Id__c: string }>('SELECT Name, Ferry_Id__c FROM Account ORDER BY Ferry_Id__c')).records.map((r) => [r.Ferry_Id__c, r.Name]);
    expect(names).toEqual([['cust-1', 'Existing']]);
  });

  it('keeps created flags for every row when allOrNone succeeds', async () => {
    await ctx.conn.sobject('Account').create({ Name: 'Existing', Ferry_Id__c: 'cust-1' });
    const results = await ctx.conn.sobject('Account').upsert(
      [
        { Ferry_Id__c: 'cust-1', Name: 'Renamed' },
        { Ferry_Id__c: 'cust-2', Name: 'New' },
      ],
      'Ferry_Id__c',
      { allOrNone: true },
    );
    expect(results.map((r) => [r.success, (r as { created?: boolean }).created])).toEqual([
      [true, false],
      [true, true],
    ]);
  });
});
