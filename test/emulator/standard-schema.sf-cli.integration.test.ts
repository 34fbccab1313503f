// The standard schema as the Salesforce CLI (@salesforce/cli 2.130.9) reads it from the emulator:
// `sf sobject describe` and `sf data query` over compound addresses and polymorphic activities.
import { describe, expect, it } from 'vitest';
import { useSfCli } from './sf-cli.ts';
import { useEmulator } from './support.ts';

const ctx = useEmulator();
const cli = useSfCli(ctx);

interface Described {
  name: string;
  keyPrefix: string | null;
  fields: { name: string; type: string; compoundFieldName: string | null; referenceTo: string[]; relationshipName: string | null; createable: boolean }[];
  childRelationships: { childSObject: string; field: string; relationshipName: string | null }[];
}

describe('sf sobject describe', () => {
  it('describes Account with its compound addresses, Data.com fields and activity relationships', async () => {
    const run = await cli.run(['sobject', 'describe', '--sobject', 'Account', '--json']);
    expect(run.code).toBe(0);
    const account = run.json?.result as Described;
    expect(account.name).toBe('Account');
    const field = (name: string): unknown => account.fields.find((f) => f.name === name);
    expect(field('BillingAddress')).toMatchObject({ type: 'address', createable: false });
    expect(field('BillingCity')).toMatchObject({ compoundFieldName: 'BillingAddress' });
    expect(field('MasterRecordId')).toMatchObject({ type: 'reference', referenceTo: ['Account'], relationshipName: 'MasterRecord' });
    for (const name of ['Sic', 'SicDesc', 'Ownership', 'TickerSymbol', 'AccountSource', 'Jigsaw', 'JigsawCompanyId', 'Tradestyle', 'NaicsCode', 'YearStarted', 'DunsNumber', 'CleanStatus', 'PhotoUrl']) {
      expect(field(name), name).toBeDefined();
    }
    expect(account.childRelationships).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ childSObject: 'Task', field: 'WhatId', relationshipName: 'Tasks' }),
        expect.objectContaining({ childSObject: 'ActivityHistory', field: 'AccountId', relationshipName: 'ActivityHistories' }),
      ]),
    );
  });

  it('describes Task with its polymorphic Who and What, and refuses an unknown object', async () => {
    const run = await cli.run(['sobject', 'describe', '--sobject', 'Task', '--json']);
    expect(run.code).toBe(0);
    const task = run.json?.result as Described;
    expect(task.keyPrefix).toBe('00T');
    expect(task.fields.find((f) => f.name === 'WhoId')).toMatchObject({ referenceTo: ['Contact', 'Lead'], relationshipName: 'Who' });
    const unknown = await cli.run(['sobject', 'describe', '--sobject', 'NoSuchThing', '--json']);
    expect(unknown.code).not.toBe(0);
  });
});

describe('sf data query', () => {
  it('returns an address object and a task\'s What through the CLI', async () => {
    const [, opportunity] = ctx.emu.controls
      .seed([
        { attributes: { type: 'Account', referenceId: 'acc' }, Name: 'CLI Corp', BillingCity: 'Oslo', BillingCountry: 'Norway' },
        { attributes: { type: 'Opportunity' }, Name: 'CLI deal', StageName: 'Qualification', CloseDate: '2030-05-01', AccountId: '@acc' },
      ])
      .map((r) => r.id);
    ctx.emu.controls.seed([{ attributes: { type: 'Task' }, Subject: 'CLI call', WhatId: opportunity }]);
    const accounts = await cli.run(['data', 'query', '--query', 'SELECT Name, BillingAddress FROM Account', '--json']);
    expect(accounts.code).toBe(0);
    expect((accounts.json?.result as { records: Record<string, unknown>[] }).records[0]).toMatchObject({ Name: 'CLI Corp', BillingAddress: { city: 'Oslo', country: 'Norway', street: null } });
    const tasks = await cli.run(['data', 'query', '--query', 'SELECT Subject, What.Name, What.Type FROM Task', '--json']);
    expect(tasks.code).toBe(0);
    expect((tasks.json?.result as { records: Record<string, unknown>[] }).records[0]).toMatchObject({ Subject: 'CLI call', What: { Name: 'CLI deal', Type: 'Opportunity' } });
  });
});
