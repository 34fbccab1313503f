// The Salesforce CLI (@salesforce/cli 2.130.9) against the emulator's SOSL search and Tooling
// API query: `sf data search` and `sf data query --use-tooling-api`.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useSfCli } from './sf-cli.ts';
import { useEmulator } from './support.ts';

const ctx = useEmulator();
const cli = useSfCli(ctx);

function seed(): { acme: string; jane: string } {
  const [acme = '', , jane = ''] = ctx.emu.controls
    .seed([
      { attributes: { type: 'Account', referenceId: 'acme' }, Name: 'Acme CLI' },
      { attributes: { type: 'Account' }, Name: 'Globex' },
      { attributes: { type: 'Contact' }, FirstName: 'Jane', LastName: 'Acme', Email: 'jane@acme.test', AccountId: '@acme' },
    ])
    .map((r) => r.id ?? '');
  return { acme, jane };
}

describe('sf data search', () => {
  it('returns searchRecords as JSON', async () => {
    const ids = seed();
    const run = await cli.run(['data', 'search', '--query', 'FIND {Acme} IN NAME FIELDS RETURNING Account(Id, Name), Contact(Name, Email)', '--json']);
    expect(run.code).toBe(0);
    expect(run.json?.result).toEqual({
      searchRecords: [
        { attributes: { type: 'Account', url: expect.stringContaining(`/sobjects/Account/${ids.acme}`) as unknown }, Id: ids.acme, Name: 'Acme CLI' },
        { attributes: { type: 'Contact', url: expect.stringContaining(`/sobjects/Contact/${ids.jane}`) as unknown }, Name: 'Jane Acme', Email: 'jane@acme.test' },
      ],
    });
  });

  it('writes one CSV file per object with --result-format csv', async () => {
    seed();
    const run = await cli.run(['data', 'search', '--query', 'FIND {acme} RETURNING Account(Name), Contact(LastName)', '--result-format', 'csv']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Written to Account.csv');
    expect(await readFile(join(cli.home, 'Account.csv'), 'utf8')).toBe('Name\nAcme CLI');
    expect(await readFile(join(cli.home, 'Contact.csv'), 'utf8')).toBe('LastName\nAcme');
  });

  it('fails with Salesforce error for a one-character term', async () => {
    const run = await cli.run(['data', 'search', '--query', 'FIND {a}', '--json']);
    expect(run.code).not.toBe(0);
    expect(run.json).toMatchObject({ name: 'INVALID_SEARCH', message: 'search term must be longer than one character: a' });
  });
});

describe('sf data query --use-tooling-api', () => {
  it('queries EntityDefinition and FieldDefinition over the schema', async () => {
    const entities = await cli.run(['data', 'query', '--use-tooling-api', '--query', "SELECT QualifiedApiName, KeyPrefix FROM EntityDefinition WHERE QualifiedApiName = 'Contact'", '--json']);
    expect(entities.code).toBe(0);
    expect(entities.json?.result).toMatchObject({ totalSize: 1, records: [{ QualifiedApiName: 'Contact', KeyPrefix: '003' }] });
    const fields = await cli.run([
      'data',
      'query',
      '--use-tooling-api',
      '--query',
      "SELECT QualifiedApiName, DataType FROM FieldDefinition WHERE EntityDefinition.QualifiedApiName = 'Contact' AND QualifiedApiName IN ('Email', 'AccountId') ORDER BY QualifiedApiName",
      '--json',
    ]);
    expect(fields.code).toBe(0);
    expect((fields.json?.result as { records: Record<string, unknown>[] }).records.map((r) => [r['QualifiedApiName'], r['DataType']])).toEqual([
      ['AccountId', 'Lookup(Account)'],
      ['Email', 'Email'],
    ]);
  });

  it('prints a table of CustomObject rows', async () => {
    const run = await cli.run(['data', 'query', '--use-tooling-api', '--query', "SELECT DeveloperName FROM CustomObject WHERE DeveloperName = 'Ferry_Bill'"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Ferry_Bill');
    expect(run.stdout).toContain('Total number of records retrieved: 1');
  });
});
