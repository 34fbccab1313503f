import { describe, expect, it } from 'vitest';
import { API_VERSION, failure, raw, useEmulator } from './support.ts';

const ctx = useEmulator();

function seedAccounts(n: number): string[] {
  const results = ctx.emu.controls.seed(Array.from({ length: n }, (_, i) => ({ attributes: { type: 'Account' }, Name: `Account ${String(i).padStart(5, '0')}`, Ferry_Id__c: `acc-${i}`, NumberOfEmployees: i })));
  return results.map((r) => r.id ?? '');
}

describe('SOQL query through jsforce', () => {
  it('returns parent fields as nested records and child subqueries as nested results', async () => {
    const [accountId] = ctx.emu.controls.seed([{ attributes: { type: 'Account', referenceId: 'a' }, Name: 'Parent Co' }, { attributes: { type: 'Contact' }, LastName: 'Kid', AccountId: '@a' }]).map((r) => r.id);
    ctx.emu.controls.seed([{ attributes: { type: 'Account' }, Name: 'Lonely' }]);
    const result = await ctx.conn.query<Record<string, unknown>>(
      "SELECT Id, Name, Owner.Name, (SELECT LastName, Account.Name FROM Contacts) FROM Account WHERE Name LIKE '%co' OR Name = 'lonely' ORDER BY Name DESC",
    );
    expect(result.totalSize).toBe(2);
    expect(result.records[0]).toEqual({
      attributes: { type: 'Account', url: `/services/data/v${API_VERSION}/sobjects/Account/${accountId ?? ''}` },
      Id: accountId,
      Name: 'Parent Co',
      Owner: { attributes: { type: 'User', url: `/services/data/v${API_VERSION}/sobjects/User/${ctx.emu.identity.userId}` }, Name: 'Ferry Admin' },
      Contacts: {
        totalSize: 1,
        done: true,
        records: [{ attributes: expect.objectContaining({ type: 'Contact' }) as unknown, LastName: 'Kid', Account: { attributes: expect.objectContaining({ type: 'Account' }) as unknown, Name: 'Parent Co' } }],
      },
    });
    expect(result.records[1]?.['Contacts']).toBeNull();
  });

  it('pages with locators and follows them with autoFetch and queryMore', async () => {
    seedAccounts(450);
    const first = await raw(ctx.conn, 'GET', `/query?q=${encodeURIComponent('SELECT Id FROM Account ORDER BY Name')}`, undefined, { 'Sforce-Query-Options': 'batchSize=200' });
    const body = first.body as { totalSize: number; done: boolean; nextRecordsUrl: string; records: unknown[] };
    expect(body.totalSize).toBe(450);
    expect(body.done).toBe(false);
    expect(body.records).toHaveLength(200);
    expect(body.nextRecordsUrl).toMatch(new RegExp(`^/services/data/v${API_VERSION}/query/01g[A-Za-z0-9]{15}-200$`));
    const more = await ctx.conn.queryMore(body.nextRecordsUrl);
    expect(more.records).toHaveLength(200);
    const all = await ctx.conn.query<{ Name: string }>('SELECT Id, Name FROM Account ORDER BY Name').execute({ autoFetch: true, maxFetch: 10_000 });
    expect(all.records).toHaveLength(450);
    expect(all.records[449]?.Name).toBe('Account 00449');
  });

  it('supports comparison, IN, NOT, date literals, null ordering, LIMIT and OFFSET', async () => {
    seedAccounts(20);
    ctx.emu.controls.seed([{ attributes: { type: 'Account' }, Name: 'No employees' }]);
    const q = async (soql: string): Promise<unknown[]> => (await ctx.conn.query<{ Name: string }>(soql)).records.map((r) => r.Name);
    expect(await q('SELECT Name FROM Account WHERE NumberOfEmployees >= 18 ORDER BY NumberOfEmployees DESC')).toEqual(['Account 00019', 'Account 00018']);
    expect(await q("SELECT Name FROM Account WHERE Ferry_Id__c IN ('acc-3', 'acc-4') AND NOT Name = 'Account 00004'")).toEqual(['Account 00003']);
    expect(await q('SELECT Name FROM Account WHERE NumberOfEmployees != null ORDER BY NumberOfEmployees LIMIT 2 OFFSET 5')).toEqual(['Account 00005', 'Account 00006']);
    expect((await q('SELECT Name FROM Account ORDER BY NumberOfEmployees NULLS LAST'))[20]).toBe('No employees');
    expect((await q('SELECT Name FROM Account ORDER BY NumberOfEmployees'))[0]).toBe('No employees');
    expect(await q('SELECT Name FROM Account WHERE CreatedDate = TODAY AND SystemModstamp > 2000-01-01T00:00:00Z')).toHaveLength(21);
    expect(await q('SELECT Name FROM Account WHERE CreatedDate < LAST_N_DAYS:3')).toHaveLength(0);
    expect(await q("SELECT Name FROM Account WHERE (NumberOfEmployees < 2 OR NumberOfEmployees > 18) AND Name LIKE 'account%'")).toHaveLength(3);
  });

  it('counts and aggregates with GROUP BY', async () => {
    ctx.emu.controls.seed([
      { attributes: { type: 'Account' }, Name: 'A', Industry: 'Banking', AnnualRevenue: 10 },
      { attributes: { type: 'Account' }, Name: 'B', Industry: 'Banking', AnnualRevenue: 30 },
      { attributes: { type: 'Account' }, Name: 'C', Industry: 'Retail', AnnualRevenue: 5 },
    ]);
    const count = await raw(ctx.conn, 'GET', `/query?q=${encodeURIComponent('SELECT COUNT() FROM Account')}`);
    expect(count.body).toEqual({ totalSize: 3, done: true, records: [] });
    const grouped = await ctx.conn.query('SELECT Industry, COUNT(Id), SUM(AnnualRevenue) total FROM Account GROUP BY Industry ORDER BY Industry');
    expect(grouped.records).toEqual([
      { attributes: { type: 'AggregateResult' }, Industry: 'Banking', expr0: 2, total: 40 },
      { attributes: { type: 'AggregateResult' }, Industry: 'Retail', expr0: 1, total: 5 },
    ]);
  });

  it('sees deleted rows only through queryAll', async () => {
    const [id] = seedAccounts(2);
    await ctx.conn.sobject('Account').destroy(id ?? '');
    expect((await ctx.conn.query('SELECT Id FROM Account')).totalSize).toBe(1);
    const all = await raw(ctx.conn, 'GET', `/queryAll?q=${encodeURIComponent('SELECT Id, IsDeleted FROM Account ORDER BY Name')}`);
    expect((all.body as { records: { IsDeleted: boolean }[] }).records.map((r) => r.IsDeleted)).toEqual([true, false]);
  });

  it('walks a (SystemModstamp, Id) cursor without skipping rows that share a stamp', async () => {
    seedAccounts(300);
    const seen: string[] = [];
    let cursor: { stamp: string; id: string } | null = null;
    for (;;) {
      const where: string = cursor === null ? '' : `WHERE SystemModstamp > ${cursor.stamp} OR (SystemModstamp = ${cursor.stamp} AND Id > '${cursor.id}')`;
      const page = await ctx.conn.query<{ Id: string; SystemModstamp: string }>(`SELECT Id, SystemModstamp FROM Account ${where} ORDER BY SystemModstamp, Id LIMIT 70`);
      if (page.records.length === 0) break;
      for (const r of page.records) seen.push(r.Id);
      const last = page.records[page.records.length - 1];
      if (last === undefined) break;
      cursor = { stamp: last.SystemModstamp, id: last.Id };
    }
    expect(seen).toHaveLength(300);
    expect(new Set(seen).size).toBe(300);
  });

  it('answers malformed queries, unknown fields and unknown objects with Salesforce error shapes', async () => {
    const malformed = await raw(ctx.conn, 'GET', `/query?q=${encodeURIComponent('SELECT Id FROM')}`);
    expect(malformed.status).toBe(400);
    expect(malformed.body).toMatchObject([{ errorCode: 'MALFORMED_QUERY', message: expect.stringContaining('unexpected token') as unknown }]);
    const field = await failure(ctx.conn.query('SELECT Id, Nme FROM Account').execute());
    expect(field.errorCode).toBe('INVALID_FIELD');
    expect(field.message).toBe(
      "\nSELECT Id, Nme FROM Account\n           ^\nERROR at Row:1:Column:12\nNo such column 'Nme' on entity 'Account'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.",
    );
    const type = await failure(ctx.conn.query('SELECT Id FROM Bill__c').execute());
    expect(type.errorCode).toBe('INVALID_TYPE');
    expect(type.message).toContain("sObject type 'Bill__c' is not supported.");
  });

  it('answers the Salesforce CLI column metadata request with relationship and subquery trees', async () => {
    const res = await raw(ctx.conn, 'GET', `/query?q=${encodeURIComponent('SELECT Id, Name, Owner.Name, (SELECT LastName FROM Contacts) FROM Account')}&columns=true`);
    expect(res.body).toMatchObject({
      entityName: 'Account',
      columnMetadata: [
        { columnName: 'Id', joinColumns: [] },
        { columnName: 'Name', joinColumns: [] },
        { columnName: 'Owner', aggregate: false, joinColumns: [{ columnName: 'Name', displayName: 'Owner.Name', joinColumns: [] }] },
        { columnName: 'Contacts', aggregate: true, joinColumns: [{ columnName: 'LastName' }] },
      ],
    });
    const agg = await raw(ctx.conn, 'GET', `/query?q=${encodeURIComponent('SELECT COUNT(Id) FROM Account')}&columns=true`);
    expect(agg.body).toMatchObject({ columnMetadata: [{ columnName: 'expr0', displayName: 'COUNT(Id)', aggregate: true }] });
  });
});
