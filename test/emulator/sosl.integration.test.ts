import { describe, expect, it } from 'vitest';
import { API_VERSION, failure, raw, useEmulator } from './support.ts';

const ctx = useEmulator();

interface SearchBody {
  searchRecords: Record<string, unknown>[];
  metadata?: unknown;
}

function url(type: string, id: string | undefined): string {
  return `/services/data/v${API_VERSION}/sobjects/${type}/${id ?? ''}`;
}

/** Two accounts, two contacts and a lead; "Acme" appears in names, an email and a description. */
function seed(): { acme: string; globex: string; jane: string; john: string; lead: string } {
  const ids = ctx.emu.controls
    .seed([
      { attributes: { type: 'Account', referenceId: 'acme' }, Name: 'Acme Corporation', Phone: '(415) 555-1212', Description: 'Sells widgets' },
      { attributes: { type: 'Account', referenceId: 'globex' }, Name: 'Globex', Description: 'Competes with Acme' },
      { attributes: { type: 'Contact', referenceId: 'jane' }, FirstName: 'Jane', LastName: 'Doe', Email: 'jane.doe@acme.com', AccountId: '@acme' },
      { attributes: { type: 'Contact', referenceId: 'john' }, FirstName: 'John', LastName: 'Acme', Email: 'john@example.org' },
      { attributes: { type: 'Lead', referenceId: 'lead' }, LastName: 'Smith', Company: 'Acme Widgets' },
    ])
    .map((r) => r.id ?? '');
  return { acme: ids[0] ?? '', globex: ids[1] ?? '', jane: ids[2] ?? '', john: ids[3] ?? '', lead: ids[4] ?? '' };
}

describe('SOSL search through jsforce', () => {
  it('returns the RETURNING objects with their fields, WHERE applied per object, in searchRecords', async () => {
    const ids = seed();
    const result = (await ctx.conn.search("FIND {Acme} IN NAME FIELDS RETURNING Account(Id, Name), Contact(Name, Email WHERE Email LIKE '%example.org')")) as unknown as SearchBody;
    expect(result).toEqual({
      searchRecords: [
        { attributes: { type: 'Account', url: url('Account', ids.acme) }, Id: ids.acme, Name: 'Acme Corporation' },
        { attributes: { type: 'Contact', url: url('Contact', ids.john) }, Name: 'John Acme', Email: 'john@example.org' },
      ],
    });
  });

  it('searches every searchable object with Id only when there is no RETURNING clause', async () => {
    const ids = seed();
    const result = (await ctx.conn.search('FIND {acme}')) as unknown as SearchBody;
    const found = result.searchRecords.map((r) => `${(r['attributes'] as { type: string }).type}:${String(r['Id'])}`).sort();
    expect(found).toEqual([`Account:${ids.acme}`, `Account:${ids.globex}`, `Contact:${ids.jane}`, `Contact:${ids.john}`, `Lead:${ids.lead}`].sort());
    expect(Object.keys(result.searchRecords[0] ?? {})).toEqual(['attributes', 'Id']);
  });

  it('limits the fields searched to the IN scope', async () => {
    const ids = seed();
    const ofType = async (sosl: string): Promise<unknown[]> => ((await ctx.conn.search(sosl)) as unknown as SearchBody).searchRecords.map((r) => r['Id']);
    expect(await ofType('FIND {acme} IN EMAIL FIELDS RETURNING Contact, Account')).toEqual([ids.jane]);
    expect(await ofType('FIND {acme} IN ALL FIELDS RETURNING Account')).toEqual([ids.acme, ids.globex]);
    expect(await ofType('FIND {acme} IN NAME FIELDS RETURNING Account')).toEqual([ids.acme]);
    expect(await ofType('FIND {4155551212} IN PHONE FIELDS RETURNING Account')).toEqual([ids.acme]);
    expect(await ofType('FIND {555-1212} IN NAME FIELDS RETURNING Account')).toEqual([]);
  });

  it('understands wildcards, phrases, AND, OR and AND NOT, case-insensitively', async () => {
    const ids = seed();
    const names = async (sosl: string): Promise<unknown[]> => ((await ctx.conn.search(sosl)) as unknown as SearchBody).searchRecords.map((r) => r['Name']);
    expect(await names('FIND {ACM*} RETURNING Account(Name ORDER BY Name)')).toEqual(['Acme Corporation', 'Globex']);
    expect(await names('FIND {"acme corporation"} RETURNING Account(Name)')).toEqual(['Acme Corporation']);
    expect(await names('FIND {"corporation acme"} RETURNING Account(Name)')).toEqual([]);
    expect(await names('FIND {acme AND NOT widgets} RETURNING Account(Name), Lead(Name)')).toEqual(['Globex']);
    expect(await names('FIND {glob?x OR smith} RETURNING Account(Name), Lead(Name)')).toEqual(['Globex', 'Smith']);
    expect(await names("FIND 'acme widgets' RETURNING Account(Name), Lead(Name)")).toEqual(['Acme Corporation', 'Smith']);
    expect(ids.acme).not.toBe('');
  });

  it('applies ORDER BY, LIMIT and OFFSET per object and LIMIT overall', async () => {
    ctx.emu.controls.seed(Array.from({ length: 6 }, (_, i) => ({ attributes: { type: 'Account' }, Name: `Widget Maker ${i}`, NumberOfEmployees: i })));
    ctx.emu.controls.seed([{ attributes: { type: 'Contact' }, LastName: 'Widget' }]);
    const names = async (sosl: string): Promise<unknown[]> => ((await ctx.conn.search(sosl)) as unknown as SearchBody).searchRecords.map((r) => r['Name']);
    expect(await names('FIND {widget} RETURNING Account(Name ORDER BY NumberOfEmployees DESC LIMIT 2 OFFSET 1), Contact(Name)')).toEqual(['Widget Maker 4', 'Widget Maker 3', 'Widget']);
    expect(await names('FIND {widget} RETURNING Account(Name ORDER BY Name), Contact(Name) LIMIT 3')).toEqual(['Widget Maker 0', 'Widget Maker 1', 'Widget Maker 2']);
    expect(await names('FIND {widget} RETURNING Account(Name WHERE NumberOfEmployees > 3 ORDER BY Name) WITH SPELL_CORRECTION = false UPDATE TRACKING')).toEqual(['Widget Maker 4', 'Widget Maker 5']);
  });

  it('does not find deleted records', async () => {
    const ids = seed();
    await ctx.conn.sobject('Account').destroy(ids.acme);
    const result = (await ctx.conn.search('FIND {acme} IN NAME FIELDS RETURNING Account(Name)')) as unknown as SearchBody;
    expect(result.searchRecords).toEqual([]);
  });

  it('adds field labels under metadata when asked WITH METADATA = LABELS', async () => {
    seed();
    const result = (await ctx.conn.search("FIND {globex} RETURNING Account(Name, Phone) WITH METADATA = 'LABELS'")) as unknown as SearchBody;
    expect(result.metadata).toEqual({ entityMetadata: [{ entityName: 'Account', fieldMetadata: [{ name: 'Name', label: 'Account Name' }, { name: 'Phone', label: 'Account Phone' }] }] });
    expect(result.searchRecords.map((r) => r['Name'])).toEqual(['Globex']);
  });
});

describe('SOSL errors', () => {
  it('refuses a one-character term, a missing brace and a syntax error with Salesforce codes', async () => {
    seed();
    const short = await failure(ctx.conn.search('FIND {a} RETURNING Account'));
    expect(short.errorCode).toBe('INVALID_SEARCH');
    expect(short.message).toBe('search term must be longer than one character: a');
    const unbraced = await failure(ctx.conn.search('FIND Acme RETURNING Account'));
    expect(unbraced.errorCode).toBe('MALFORMED_SEARCH');
    expect(unbraced.message).toBe('No search term found. The search term must be enclosed in braces.');
    const syntax = await raw(ctx.conn, 'GET', `/search?q=${encodeURIComponent('FIND {Acme} RETURNING Account(Name')}`);
    expect(syntax.status).toBe(400);
    expect(syntax.body).toEqual([{ errorCode: 'MALFORMED_SEARCH', message: `\nFIND {Acme} RETURNING Account(Name\n${' '.repeat(34)}^\nERROR at Row:1:Column:35\nunexpected token: <EOF>` }]);
  });

  it('answers INVALID_TYPE for an unknown object and INVALID_FIELD for an unknown field', async () => {
    const type = await raw(ctx.conn, 'GET', `/search?q=${encodeURIComponent('FIND {Acme} RETURNING Acount(Name)')}`);
    expect(type.status).toBe(400);
    expect(type.body).toEqual([
      {
        errorCode: 'INVALID_TYPE',
        message:
          "\nFIND {Acme} RETURNING Acount(Name)\n                      ^\nERROR at Row:1:Column:23\nsObject type 'Acount' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.",
      },
    ]);
    const field = await failure(ctx.conn.search("FIND {Acme} RETURNING Account(Name), Contact(Name WHERE Emial = 'x')"));
    expect(field.errorCode).toBe('INVALID_FIELD');
    expect(field.message).toContain("No such column 'Emial' on entity 'Contact'.");
    expect(field.message).toContain('ERROR at Row:1:Column:57');
    const event = await failure(ctx.conn.search('FIND {Acme} RETURNING Ferry_Test_Event__e'));
    expect(event.errorCode).toBe('INVALID_TYPE');
  });
});

describe('parameterized search', () => {
  it('searches with GET query parameters: sobject, per-object fields and limit, in, overallLimit', async () => {
    const ids = seed();
    const get = await ctx.conn.request<SearchBody>(`/parameterizedSearch/?q=Acme&sobject=Account&Account.fields=id,name&Account.limit=1&in=NAME`);
    expect(get).toEqual({ searchRecords: [{ attributes: { type: 'Account', url: url('Account', ids.acme) }, Id: ids.acme, Name: 'Acme Corporation' }] });
    const all = await ctx.conn.request<SearchBody>('/parameterizedSearch/?q=acme&overallLimit=2');
    expect(all.searchRecords).toHaveLength(2);
    const labels = await ctx.conn.request<SearchBody>('/parameterizedSearch/?q=globex&sobject=Account&fields=Name&metadata=LABELS');
    expect(labels.metadata).toEqual({ entityMetadata: [{ entityName: 'Account', fieldMetadata: [{ name: 'Name', label: 'Account Name' }] }] });
  });

  it('searches with a POST body: sobjects with fields, where and limit, defaultLimit', async () => {
    const ids = seed();
    const body = await ctx.conn.request<SearchBody>({
      method: 'POST',
      url: '/parameterizedSearch',
      body: JSON.stringify({
        q: 'acme',
        fields: ['Id', 'Name'],
        sobjects: [{ name: 'Contact', fields: ['Id', 'Email'], where: "Email LIKE '%acme.com'" }, { name: 'Account', limit: 5 }, { name: 'Lead' }],
        in: 'ALL',
        defaultLimit: 1,
        overallLimit: 10,
      }),
      headers: { 'Content-Type': 'application/json' },
    });
    expect(body.searchRecords).toEqual([
      { attributes: { type: 'Contact', url: url('Contact', ids.jane) }, Id: ids.jane, Email: 'jane.doe@acme.com' },
      { attributes: { type: 'Account', url: url('Account', ids.acme) }, Id: ids.acme, Name: 'Acme Corporation' },
      { attributes: { type: 'Account', url: url('Account', ids.globex) }, Id: ids.globex, Name: 'Globex' },
      { attributes: { type: 'Lead', url: url('Lead', ids.lead) }, Id: ids.lead, Name: 'Smith' },
    ]);
  });

  it('refuses a missing q, a short term and an unknown object', async () => {
    const missing = await raw(ctx.conn, 'GET', '/parameterizedSearch/?sobject=Account');
    expect(missing.status).toBe(400);
    expect((missing.body as { errorCode: string }[])[0]?.errorCode).toBe('MALFORMED_SEARCH');
    const short = await raw(ctx.conn, 'POST', '/parameterizedSearch', { q: 'x' });
    expect((short.body as { errorCode: string }[])[0]?.errorCode).toBe('INVALID_SEARCH');
    const unknown = await raw(ctx.conn, 'POST', '/parameterizedSearch', { q: 'acme', sobjects: [{ name: 'Nope__c' }] });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toEqual([{ errorCode: 'INVALID_TYPE', message: "sObject type 'Nope__c' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names." }]);
  });
});
