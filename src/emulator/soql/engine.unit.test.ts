import { describe, expect, it } from 'vitest';
import { Schema } from '../schema/schema.ts';
import { standardObjects } from '../schema/standard-objects.ts';
import { makeField, picklist } from '../schema/types.ts';
import { Store } from '../store/store.ts';
import { likeToRegExp, SoqlEngine } from './engine.ts';

const NOW = Date.UTC(2024, 4, 15, 12, 0);

function setup(): { store: Store; engine: SoqlEngine; names: (soql: string) => unknown[] } {
  const objects = standardObjects();
  const account = objects.find((o) => o.name === 'Account');
  if (account === undefined) throw new Error('no Account');
  const tags = makeField('Tags__c', 'multipicklist', { picklistValues: picklist(['a', 'b', 'c']) });
  const ferryId = makeField('Ferry_Id__c', 'string', { length: 64, externalId: true, unique: true, caseSensitive: true, idLookup: true });
  for (const f of [tags, ferryId]) {
    account.fields.push(f);
    account.fieldMap.set(f.name.toLowerCase(), f);
  }
  let clock = NOW;
  const store = new Store(new Schema(objects), { now: () => clock });
  const engine = new SoqlEngine(store);
  const ctx = { userId: '005000000000000AAA' };
  const rows = [
    { Name: 'Alpha', NumberOfEmployees: 1, Tags__c: 'a;b', Industry: 'Banking', Ferry_Id__c: 'Cust-A' },
    { Name: 'Beta', NumberOfEmployees: 2, Tags__c: 'b', Industry: 'Retail' },
    { Name: '50% Off', NumberOfEmployees: 3, Tags__c: 'c', Industry: null },
    { Name: 'gamma', NumberOfEmployees: null, Tags__c: null, Industry: 'Banking' },
  ];
  for (const r of rows) {
    store.create('Account', r, ctx);
    clock += 86_400_000;
  }
  const names = (soql: string): unknown[] => {
    const out = engine.run(soql, { includeDeleted: false, apiVersion: '60.0', now: NOW + 3 * 86_400_000 });
    if (!out.ok) throw new Error(out.error.message);
    return out.result.records.map((r) => r['Name']);
  };
  return { store, engine, names };
}

describe('SOQL engine', () => {
  it('applies NOT, AND and OR with SOQL precedence and parentheses', () => {
    const { names } = setup();
    expect(names("SELECT Name FROM Account WHERE Name = 'alpha' OR Name = 'beta' AND NumberOfEmployees = 1 ORDER BY Name")).toEqual(['Alpha']);
    expect(names("SELECT Name FROM Account WHERE (Name = 'alpha' OR Name = 'beta') AND NumberOfEmployees = 2")).toEqual(['Beta']);
    expect(names("SELECT Name FROM Account WHERE NOT (Name = 'alpha' OR Name = 'beta') ORDER BY Name")).toEqual(['50% Off', 'gamma']);
  });

  it('matches LIKE case-insensitively with escaped wildcards', () => {
    const { names } = setup();
    expect(names("SELECT Name FROM Account WHERE Name LIKE 'GAM%'")).toEqual(['gamma']);
    expect(names("SELECT Name FROM Account WHERE Name LIKE '50\\% %'")).toEqual(['50% Off']);
    expect(names("SELECT Name FROM Account WHERE Name LIKE '_eta'")).toEqual(['Beta']);
    expect(likeToRegExp('a.b%').test('a.bcd')).toBe(true);
    expect(likeToRegExp('a.b%').test('axbcd')).toBe(false);
  });

  it('treats INCLUDES groups as all-of and the list as any-of', () => {
    const { names } = setup();
    expect(names("SELECT Name FROM Account WHERE Tags__c INCLUDES ('a;b', 'c') ORDER BY Name")).toEqual(['50% Off', 'Alpha']);
    expect(names("SELECT Name FROM Account WHERE Tags__c EXCLUDES ('b') ORDER BY Name")).toEqual(['50% Off', 'gamma']);
  });

  it('compares nulls the way SOQL does', () => {
    const { names } = setup();
    expect(names('SELECT Name FROM Account WHERE Industry = null')).toEqual(['50% Off']);
    expect(names("SELECT Name FROM Account WHERE Industry != 'Banking' ORDER BY Name")).toEqual(['50% Off', 'Beta']);
    expect(names('SELECT Name FROM Account WHERE NumberOfEmployees < 3 ORDER BY Name')).toEqual(['Alpha', 'Beta']);
    expect(names("SELECT Name FROM Account WHERE Industry IN ('Retail', null) ORDER BY Name")).toEqual(['50% Off', 'Beta']);
  });

  it('resolves date literals against the clock', () => {
    const { names } = setup();
    // Rows were created one day apart starting three days before "now".
    expect(names('SELECT Name FROM Account WHERE CreatedDate = TODAY')).toEqual(['gamma']);
    expect(names('SELECT Name FROM Account WHERE CreatedDate = LAST_N_DAYS:1 ORDER BY Name')).toEqual(['50% Off', 'gamma']);
    expect(names('SELECT Name FROM Account WHERE CreatedDate < YESTERDAY ORDER BY Name')).toEqual(['Alpha', 'Beta']);
  });

  it('gives the same rows through the Id index as through a scan', () => {
    const { store, names } = setup();
    const ids = [...(store.table('Account')?.rows.keys() ?? [])];
    expect(names(`SELECT Name FROM Account WHERE Id IN ('${ids[1] ?? ''}', '${(ids[2] ?? '').slice(0, 15)}') ORDER BY Name`)).toEqual(['50% Off', 'Beta']);
    expect(names(`SELECT Name FROM Account WHERE Id = '${ids[0] ?? ''}' AND Name = 'nobody'`)).toEqual([]);
  });

  it('compares case-sensitive unique fields exactly and other text case-insensitively', () => {
    const { names } = setup();
    expect(names("SELECT Name FROM Account WHERE Ferry_Id__c = 'Cust-A'")).toEqual(['Alpha']);
    expect(names("SELECT Name FROM Account WHERE Ferry_Id__c = 'cust-a'")).toEqual([]);
    expect(names("SELECT Name FROM Account WHERE Ferry_Id__c IN ('cust-a', 'Cust-A') AND Name = 'ALPHA'")).toEqual(['Alpha']);
    expect(names("SELECT Name FROM Account WHERE Ferry_Id__c LIKE 'cust%'")).toEqual(['Alpha']);
  });

  it('reports unknown relationships and unknown parent fields as INVALID_FIELD on the right entity', () => {
    const { engine } = setup();
    const options = { includeDeleted: false, apiVersion: '60.0', now: NOW };
    const rel = engine.run('SELECT Nope.Name FROM Account', options);
    expect(rel.ok ? null : rel.error).toMatchObject({ errorCode: 'INVALID_FIELD', message: expect.stringContaining("Didn't understand relationship 'Nope'") as unknown });
    const field = engine.run('SELECT Id, Owner.Nope FROM Account', options);
    expect(field.ok ? null : field.error.message).toContain("ERROR at Row:1:Column:12\nNo such column 'Nope' on entity 'User'.");
  });
});
