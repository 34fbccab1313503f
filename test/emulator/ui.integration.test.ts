// UI metadata resources through jsforce 3.10.16: layouts, compact and approval layouts, list
// views, query plans, recent items, tabs, theme and quick actions.
import { join } from 'node:path';
import type { Connection } from 'jsforce';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SFDX_PROJECT, startEmulator, type RunningEmulator } from '../../src/emulator/index.ts';
import { API_VERSION, connectionAs, failure, oauthLogin, raw, useEmulator } from './support.ts';

const ctx = useEmulator();
const MASTER = '012000000000000AAA';
const REP = 'rep@ferry.test';

type Json = Record<string, unknown>;
interface Item {
  label: string;
  required: boolean;
  editableForNew: boolean;
  placeholder: boolean;
  layoutComponents: { type: string; value: string; details: { name: string; type: string } }[];
}
interface Section {
  heading: string;
  layoutRows: { layoutItems: Item[] }[];
}

function items(sections: Section[]): Item[] {
  return sections.flatMap((s) => s.layoutRows.flatMap((r) => r.layoutItems)).filter((i) => !i.placeholder);
}

function itemOf(sections: Section[], field: string): Item | undefined {
  return items(sections).find((i) => i.layoutComponents[0]?.value === field);
}

/** Accounts created by another user, so that they are not the admin's recent items. */
function seedAccounts(names: string[]): string[] {
  return ctx.emu.controls.seed(names.map((Name, i) => ({ attributes: { type: 'Account' }, Name, Ferry_Id__c: `ui-${i}`, Phone: `555-${i}` })), REP).map((r) => r.id ?? '');
}

async function contactsOf(accountId: string): Promise<{ LastName: string; AccountId: string }[]> {
  return (await ctx.conn.query<{ LastName: string; AccountId: string }>(`SELECT LastName, AccountId FROM Contact WHERE AccountId = '${accountId}'`)).records;
}

describe('page layouts', () => {
  it('describes the one layout of an object, assigned to the master record type', async () => {
    const result = (await ctx.conn.sobject('Account').layouts()) as unknown as { layouts: (Json & { detailLayoutSections: Section[]; editLayoutSections: Section[] })[]; recordTypeMappings: Json[]; recordTypeSelectorRequired: boolean[] };
    expect(result.layouts).toHaveLength(1);
    const layout = result.layouts[0] as Json & { detailLayoutSections: Section[]; editLayoutSections: Section[] };
    expect(layout['id']).toMatch(/^00h[A-Za-z0-9]{15}$/);
    expect(result.recordTypeSelectorRequired).toEqual([false]);
    expect(result.recordTypeMappings).toEqual([
      expect.objectContaining({ recordTypeId: MASTER, master: true, name: 'Master', layoutId: layout['id'], available: true, defaultRecordTypeMapping: true, urls: { layout: `/services/data/v${API_VERSION}/sobjects/Account/describe/layouts/${MASTER}` } }),
    ]);
    const picklists = (result.recordTypeMappings[0] as { picklistsForRecordType: { picklistName: string; picklistValues: { value: string }[] }[] }).picklistsForRecordType;
    expect(picklists.find((p) => p.picklistName === 'Industry')?.picklistValues.map((v) => v.value)).toContain('Banking');
    // The Name item embeds the field's describe and is required on the edit layout.
    const name = itemOf(layout.editLayoutSections, 'Name');
    expect(name).toMatchObject({ label: 'Account Name', required: true, editableForNew: true });
    expect(name?.layoutComponents[0]?.details).toMatchObject({ name: 'Name', type: 'string' });
    expect(itemOf(layout.editLayoutSections, 'CreatedById')).toBeUndefined();
    expect(layout.detailLayoutSections.map((s) => s.heading)).toEqual(['Account Information', 'System Information']);
    expect(itemOf(layout.detailLayoutSections, 'Ferry_Id__c')).toBeDefined();
    // Addresses show their parts, not the read-only compound field or geolocation parts.
    expect(itemOf(layout.editLayoutSections, 'BillingCity')).toBeDefined();
    expect(itemOf(layout.detailLayoutSections, 'BillingAddress')).toBeUndefined();
    expect(itemOf(layout.detailLayoutSections, 'BillingLatitude')).toBeUndefined();
    const related = layout['relatedLists'] as { name: string; sobject: string; field: string }[];
    expect(related).toContainEqual(expect.objectContaining({ name: 'Contacts', sobject: 'Contact', field: 'AccountId' }));
    const actions = (layout['quickActionList'] as { quickActionListItems: { quickActionName: string; targetSobjectType: string }[] }).quickActionListItems;
    expect(actions).toContainEqual(expect.objectContaining({ quickActionName: 'NewContact', targetSobjectType: 'Contact' }));
  });

  it('generates layouts for the custom objects of the SFDX project', async () => {
    const result = (await ctx.conn.sobject('Ferry_Bill__c').layouts()) as unknown as { layouts: { editLayoutSections: Section[]; relatedLists: { sobject: string }[] }[] };
    const layout = result.layouts[0];
    expect(itemOf(layout?.editLayoutSections ?? [], 'Name')?.label).toBe('Bill Name');
    expect(itemOf(layout?.editLayoutSections ?? [], 'Account__c')).toBeDefined();
    expect(layout?.relatedLists).toContainEqual(expect.objectContaining({ sobject: 'Ferry_Bill_Line_Item__c' }));
  });

  it('answers the master record type layout by id, and 404 for another record type or object', async () => {
    const byType = await raw(ctx.conn, 'GET', `/sobjects/Account/describe/layouts/${MASTER}`);
    const all = (await ctx.conn.sobject('Account').layouts()) as unknown as { layouts: Json[] };
    expect(byType.status).toBe(200);
    expect((byType.body as Json)['id']).toBe(all.layouts[0]?.['id']);
    for (const path of ['/sobjects/Account/describe/layouts/012000000000001AAA', '/sobjects/Nope__c/describe/layouts']) {
      const missing = await raw(ctx.conn, 'GET', path);
      expect(missing.status).toBe(404);
      expect(missing.body).toEqual([{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }]);
    }
  });

  it('serves the global publisher layout with the global actions', async () => {
    const res = await raw(ctx.conn, 'GET', '/sobjects/Global/describe/layouts');
    expect(res.status).toBe(200);
    const body = res.body as { layouts: { quickActionList: { quickActionListItems: { quickActionName: string }[] }; detailLayoutSections: unknown[] }[]; recordTypeMappings: unknown[] };
    expect(body.recordTypeMappings).toEqual([]);
    expect(body.layouts[0]?.detailLayoutSections).toEqual([]);
    expect(body.layouts[0]?.quickActionList.quickActionListItems.map((i) => i.quickActionName)).toEqual(expect.arrayContaining(['NewAccount', 'NewContact', 'NewCase']));
  });

  it('knows the named layout UserAlt and refuses other names', async () => {
    const alt = (await ctx.conn.sobject('User').layouts('UserAlt')) as unknown as { layouts: { editLayoutSections: Section[] }[] };
    expect(itemOf(alt.layouts[0]?.editLayoutSections ?? [], 'Username')).toBeDefined();
    const err = await failure(ctx.conn.sobject('Account').layouts('UserAlt'));
    expect(err.errorCode).toBe('NOT_FOUND');
  });
});

describe('compact and approval layouts', () => {
  it('describes the system default compact layout, headed by the name field', async () => {
    const result = (await ctx.conn.sobject('Account').compactLayouts()) as unknown as { compactLayouts: (Json & { fieldItems: Item[] })[]; defaultCompactLayoutId: string | null; recordTypeCompactLayoutMappings: Json[]; urls: Json };
    expect(result.defaultCompactLayoutId).toBeNull();
    expect(result.compactLayouts).toHaveLength(1);
    expect(result.compactLayouts[0]).toMatchObject({ id: null, name: 'SYSTEM', label: 'System Default', objectType: 'Account' });
    expect(result.compactLayouts[0]?.fieldItems[0]?.layoutComponents[0]).toMatchObject({ type: 'Field', value: 'Name' });
    expect(result.recordTypeCompactLayoutMappings).toEqual([expect.objectContaining({ recordTypeId: MASTER, compactLayoutName: 'SYSTEM', compactLayoutId: null, available: true })]);
    expect(result.urls).toEqual({ primary: `/services/data/v${API_VERSION}/sobjects/Account/describe/compactLayouts/primary` });
    const primary = await raw(ctx.conn, 'GET', '/sobjects/Account/describe/compactLayouts/primary');
    expect(primary.body).toEqual(result.compactLayouts[0]);
    expect((await raw(ctx.conn, 'GET', '/sobjects/Account/describe/compactLayouts/secondary')).status).toBe(404);
  });

  it('lists no approval layouts and answers 404 for a named approval process', async () => {
    expect(await ctx.conn.sobject('Account').approvalLayouts()).toEqual({ approvalLayouts: [] });
    const named = await raw(ctx.conn, 'GET', '/sobjects/Account/describe/approvalLayouts/Big_Deals');
    expect(named.status).toBe(404);
    expect(named.body).toEqual([{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }]);
  });
});

describe('list views', () => {
  async function views(type: string): Promise<{ id: string; developerName: string; label: string; soqlCompatible: boolean; resultsUrl: string }[]> {
    const body = (await ctx.conn.sobject(type).listviews()) as { listviews: { id: string; developerName: string; label: string; soqlCompatible: boolean; resultsUrl: string }[]; sobjectType: string; size: number; done: boolean };
    expect(body).toMatchObject({ sobjectType: type, done: true, size: body.listviews.length });
    return body.listviews;
  }

  it('lists All, My, New This Week and Recently Viewed with their URLs', async () => {
    const list = await views('Account');
    expect(list.map((v) => [v.developerName, v.label])).toEqual([
      ['AllAccounts', 'All Accounts'],
      ['MyAccounts', 'My Accounts'],
      ['NewThisWeek', 'New This Week'],
      ['RecentlyViewedAccounts', 'Recently Viewed Accounts'],
    ]);
    const all = list[0];
    expect(all?.resultsUrl).toBe(`/services/data/v${API_VERSION}/sobjects/Account/listviews/${all?.id ?? ''}/results`);
    expect((await views('Ferry_Bill__c'))[0]).toMatchObject({ developerName: 'All', label: 'All' });
  });

  it('describes a view with its columns, order and a query the SOQL engine runs', async () => {
    const all = (await views('Account'))[0];
    const described = (await ctx.conn.sobject('Account').listview(all?.id ?? '').describe()) as { id: string; query: string; columns: { fieldNameOrPath: string; hidden: boolean; sortIndex: number | null; selectListItem: string }[]; orderBy: Json[]; sobjectType: string; whereCondition: Json };
    expect(described.id).toBe(all?.id.slice(0, 15));
    expect(described.sobjectType).toBe('Account');
    expect(described.columns.filter((c) => !c.hidden).map((c) => c.fieldNameOrPath)).toEqual(['Name', 'Site', 'BillingState', 'Phone', 'Type', 'Owner.Alias']);
    expect(described.columns.find((c) => c.fieldNameOrPath === 'Type')?.selectListItem).toBe('toLabel(Type)');
    expect(described.columns.filter((c) => c.hidden).map((c) => c.fieldNameOrPath)).toEqual(['Id', 'CreatedDate', 'LastModifiedDate', 'SystemModstamp']);
    expect(described.orderBy).toEqual([
      { fieldNameOrPath: 'Name', nullsPosition: 'first', sortDirection: 'ascending' },
      { fieldNameOrPath: 'Id', nullsPosition: 'first', sortDirection: 'ascending' },
    ]);
    expect(described.whereCondition).toEqual({ conditions: [], conjunction: 'and' });
    seedAccounts(['Beta', 'Alpha']);
    const queried = await ctx.conn.query<{ Name: string }>(described.query);
    expect(queried.records.map((r) => r.Name)).toEqual(['Alpha', 'Beta']);
    const newThisWeek = (await ctx.conn.sobject('Account').listview((await views('Account'))[2]?.id ?? '').describe()) as { query: string; whereCondition: Json };
    expect(newThisWeek.whereCondition).toEqual({ field: 'CreatedDate', operator: 'equals', values: ['THIS_WEEK'] });
    expect(newThisWeek.query).toContain('WHERE CreatedDate = THIS_WEEK');
  });

  it('runs a view through the SOQL engine and answers columns and records', async () => {
    seedAccounts(['Gamma', 'Alpha', 'Beta']);
    ctx.emu.controls.seed([{ attributes: { type: 'Account' }, Name: 'Admin Own' }]);
    const [all, mine] = await views('Account');
    const results = (await ctx.conn.sobject('Account').listview(all?.id ?? '').results()) as { developerName: string; done: boolean; size: number; label: string; columns: { fieldNameOrPath: string }[]; records: { columns: { fieldNameOrPath: string; value: string | null }[] }[] };
    expect(results).toMatchObject({ developerName: 'AllAccounts', label: 'All Accounts', done: true, size: 4 });
    const names = results.records.map((r) => r.columns.find((c) => c.fieldNameOrPath === 'Name')?.value);
    expect(names).toEqual(['Admin Own', 'Alpha', 'Beta', 'Gamma']);
    const first = results.records[0]?.columns ?? [];
    expect(first.map((c) => c.fieldNameOrPath)).toEqual(results.columns.map((c) => c.fieldNameOrPath));
    expect(first.find((c) => c.fieldNameOrPath === 'Owner.Alias')?.value).toBe('FAdmin');
    expect(first.find((c) => c.fieldNameOrPath === 'CreatedDate')?.value).toMatch(/^(Sun|Mon|Tue|Wed|Thu|Fri|Sat) [A-Z][a-z]{2} \d{2} \d{2}:\d{2}:\d{2} GMT \d{4}$/);
    const own = (await ctx.conn.sobject('Account').listview(mine?.id ?? '').results()) as { records: { columns: { fieldNameOrPath: string; value: string | null }[] }[] };
    expect(own.records.map((r) => r.columns[0]?.value)).toEqual(['Admin Own']);
    const page = await raw(ctx.conn, 'GET', `/sobjects/Account/listviews/${all?.id ?? ''}/results?limit=2&offset=1`);
    expect(page.body).toMatchObject({ size: 2, done: false });
    expect((page.body as { records: { columns: { value: string }[] }[] }).records.map((r) => r.columns[0]?.value)).toEqual(['Alpha', 'Beta']);
    const bad = await raw(ctx.conn, 'GET', `/sobjects/Account/listviews/${all?.id ?? ''}/results?limit=0`);
    expect(bad.status).toBe(400);
  });

  it('answers 404 for a list view of another object or an unknown id', async () => {
    const contactView = (await views('Contact'))[0];
    for (const id of [contactView?.id ?? '', '00B000000000000AAA', 'garbage']) {
      const err = await failure(ctx.conn.sobject('Account').listview(id).results());
      expect(err.errorCode).toBe('NOT_FOUND');
    }
  });

  it('keeps the recently viewed view and the recent list views in step with what the user opened', async () => {
    const [a, b] = seedAccounts(['Seen', 'Unseen']);
    await ctx.conn.sobject('Account').retrieve(a ?? '');
    const list = await views('Account');
    const recentView = list.find((v) => v.developerName === 'RecentlyViewedAccounts');
    const results = (await ctx.conn.sobject('Account').listview(recentView?.id ?? '').results()) as { records: { columns: { fieldNameOrPath: string; value: string | null }[] }[] };
    expect(results.records.map((r) => r.columns[0]?.value)).toEqual(['Seen']);
    expect(b).toBeDefined();
    await ctx.conn.sobject('Account').listview(list[0]?.id ?? '').describe();
    const recent = await raw(ctx.conn, 'GET', '/sobjects/Account/listviews/recent');
    expect((recent.body as { listviews: { developerName: string }[] }).listviews.map((v) => v.developerName)).toEqual(['AllAccounts', 'RecentlyViewedAccounts']);
    const basic = await raw(ctx.conn, 'GET', `/sobjects/Account/listviews/${list[0]?.id ?? ''}`);
    expect(basic.body).toEqual(expect.objectContaining({ developerName: 'AllAccounts', soqlCompatible: true, id: list[0]?.id }));
  });
});

describe('query plans (explain)', () => {
  interface Plan {
    cardinality: number;
    fields: string[];
    leadingOperationType: string;
    relativeCost: number;
    sobjectCardinality: number;
    sobjectType: string;
    notes: { description: string; fields: string[]; tableEnumOrId: string }[];
  }

  it('leads with an index when an indexed field filters, and always offers the table scan', async () => {
    seedAccounts(Array.from({ length: 40 }, (_, i) => `Account ${i}`));
    const explained = (await ctx.conn.sobject('Account').find({ Ferry_Id__c: 'ui-3', Phone: '555-3' }, ['Id']).explain()) as { plans: Plan[]; sourceQuery: string };
    expect(explained.plans.map((p) => p.leadingOperationType)).toEqual(['Index', 'TableScan']);
    expect(explained.plans[0]).toMatchObject({ cardinality: 1, fields: ['Ferry_Id__c'], sobjectCardinality: 40, sobjectType: 'Account' });
    expect(explained.plans[0]?.relativeCost).toBeLessThan(1);
    expect(explained.plans[1]).toMatchObject({ cardinality: 1, fields: [], leadingOperationType: 'TableScan' });
    expect(explained.plans[1]?.relativeCost).toBeGreaterThan(1);
    expect(explained.plans[0]?.notes).toEqual([{ description: 'Not considering filter for optimization because unindexed', fields: ['IsDeleted', 'Phone'], tableEnumOrId: 'Account' }]);
    expect(explained.sourceQuery).toContain('FROM Account');
  });

  it('scans the table when no indexed field filters, or the index cannot seek', async () => {
    seedAccounts(['One', 'Two']);
    const cases: [string, number][] = [
      ["SELECT Id FROM Account WHERE Phone = '555-1'", 1],
      ["SELECT Id FROM Account WHERE Name LIKE '%ne'", 1],
      ["SELECT Id FROM Account WHERE Name != 'One'", 1],
      ["SELECT Id FROM Account WHERE Name = 'One' OR Phone = '555-1'", 2],
    ];
    for (const [soql, cardinality] of cases) {
      const explained = await ctx.conn.request<{ plans: Plan[] }>(`/query?explain=${encodeURIComponent(soql)}`);
      expect(explained.plans.map((p) => p.leadingOperationType)).toEqual(['TableScan']);
      expect(explained.plans[0]).toMatchObject({ sobjectCardinality: 2, cardinality });
    }
  });

  it('explains a list view by its id, and refuses bad queries and ids as Salesforce does', async () => {
    const views = (await ctx.conn.sobject('Account').listviews()) as { listviews: { id: string }[] };
    const explained = (await ctx.conn.sobject('Account').listview(views.listviews[0]?.id ?? '').explain()) as { plans: Plan[]; sourceQuery: string };
    expect(explained.plans.at(-1)?.leadingOperationType).toBe('TableScan');
    expect(explained.sourceQuery).toMatch(/^SELECT Name, Site/);
    const malformed = await failure(ctx.conn.request('/query?explain=SELEC+Id+FROM+Account'));
    expect(malformed.errorCode).toBe('MALFORMED_QUERY');
    const badField = await failure(ctx.conn.request(`/query?explain=${encodeURIComponent('SELECT Nope__c FROM Account')}`));
    expect(badField.errorCode).toBe('INVALID_FIELD');
    const badId = await failure(ctx.conn.request('/query?explain=00B000000000000AAA'));
    expect(badId.errorCode).toBe('INVALID_ID');
  });

  it('still runs queries when explain is not asked for', async () => {
    seedAccounts(['Plain']);
    expect((await ctx.conn.query<{ Name: string }>('SELECT Name FROM Account')).records.map((r) => r.Name)).toEqual(['Plain']);
  });
});

describe('recently viewed items', () => {
  it('lists the records the user read or created, most recent first, with a limit', async () => {
    const [read, other] = seedAccounts(['Read Me', 'Never Read']);
    const created = await ctx.conn.sobject('Contact').create({ LastName: 'Fresh' });
    await ctx.conn.sobject('Account').retrieve(read ?? '');
    const recent = (await ctx.conn.recent()) as unknown as Json[];
    expect(recent).toEqual([
      { attributes: { type: 'Account', url: `/services/data/v${API_VERSION}/sobjects/Account/${read ?? ''}` }, Id: read, Name: 'Read Me' },
      { attributes: { type: 'Contact', url: `/services/data/v${API_VERSION}/sobjects/Contact/${created.id ?? ''}` }, Id: created.id, Name: 'Fresh' },
    ]);
    expect(recent.map((r) => r['Id'])).not.toContain(other);
    expect(((await ctx.conn.recent(1)) as unknown as Json[]).map((r) => r['Id'])).toEqual([read]);
    expect(((await ctx.conn.sobject('Account').recent()) as unknown as Json[]).map((r) => r['Id'])).toEqual([read]);
    const bad = await raw(ctx.conn, 'GET', '/recent?limit=zero');
    expect(bad.status).toBe(400);
  });

  it('keeps the 200 most recent records of an object for a user', async () => {
    const names = Array.from({ length: 250 }, (_, i) => `Bulk ${String(i).padStart(3, '0')}`);
    const ids: string[] = [];
    for (let i = 0; i < names.length; i += 200) {
      const results = await ctx.conn.sobject('Account').create(names.slice(i, i + 200).map((Name) => ({ Name })), { allOrNone: true });
      ids.push(...results.map((r) => r.id ?? ''));
    }
    const contact = await ctx.conn.sobject('Contact').create({ LastName: 'After them' });
    const recent = (await ctx.conn.recent()) as unknown as Json[];
    // The contact, then the last 200 accounts created, newest first; the first 50 fell out.
    expect(recent.map((r) => r['Id'])).toEqual([contact.id, ...ids.slice(50).reverse()]);
  });

  it('keeps each user their own list and forgets deleted records', async () => {
    const [a] = seedAccounts(['Shared']);
    const rep = connectionAs(ctx.emu, REP);
    await rep.sobject('Account').retrieve(a ?? '');
    expect((await ctx.conn.recent()) as unknown as Json[]).toEqual([]);
    expect(((await rep.recent()) as unknown as Json[]).map((r) => r['Id'])).toEqual([a]);
    await ctx.conn.sobject('Account').destroy(a ?? '');
    expect((await rep.recent()) as unknown as Json[]).toEqual([]);
  });

  it('does not count a failed read, and still serves reads inside composite requests', async () => {
    const [a] = seedAccounts(['Composite']);
    expect((await raw(ctx.conn, 'GET', '/sobjects/Account/001000000000000AAA')).status).toBe(404);
    const res = await raw(ctx.conn, 'POST', '/composite', { compositeRequest: [{ method: 'GET', url: `/services/data/v${API_VERSION}/sobjects/Account/${a ?? ''}`, referenceId: 'acc' }] });
    expect((res.body as { compositeResponse: { httpStatusCode: number; body: Json }[] }).compositeResponse[0]).toMatchObject({ httpStatusCode: 200, body: { Name: 'Composite' } });
    expect(((await ctx.conn.recent()) as unknown as Json[]).map((r) => r['Id'])).toEqual([a]);
    // The record read itself is unchanged: fields, and the deleted record's error.
    const named = await raw(ctx.conn, 'GET', `/sobjects/Account/${a ?? ''}?fields=Name`);
    expect(named.body).toEqual({ attributes: { type: 'Account', url: `/services/data/v${API_VERSION}/sobjects/Account/${a ?? ''}` }, Name: 'Composite' });
    await ctx.conn.sobject('Account').destroy(a ?? '');
    expect((await raw(ctx.conn, 'GET', `/sobjects/Account/${a ?? ''}`)).body).toEqual([{ errorCode: 'ENTITY_IS_DELETED', message: 'entity is deleted' }]);
  });
});

describe('tabs and theme', () => {
  it('lists a tab per standard object with one, with icons and colors', async () => {
    const tabs = (await ctx.conn.tabs()) as unknown as Json[];
    const account = tabs.find((t) => t['name'] === 'standard-Account');
    expect(account).toMatchObject({ custom: false, label: 'Accounts', sobjectName: 'Account', url: `${ctx.emu.url}/001/o` });
    expect(account?.['colors']).toContainEqual({ color: '6f7ccb', context: 'primary', theme: 'theme4' });
    expect((account?.['icons'] as { contentType: string; url: string }[]).map((i) => i.contentType)).toContain('image/svg+xml');
    // Ferry's own objects have no tab files, so no tabs.
    expect(tabs.some((t) => t['sobjectName'] === 'Ferry_Bill__c')).toBe(false);
  });

  it('describes theme items with colors and icons', async () => {
    const theme = await ctx.conn.theme();
    const account = theme.themeItems.find((t) => t.name === 'Account');
    expect(account?.colors).toContainEqual({ color: '6f7ccb', context: 'primary', theme: 'theme4' });
    expect(account?.icons?.[0]).toMatchObject({ contentType: 'image/png', height: 32, width: 32, theme: 'theme3' });
    expect(theme.themeItems.map((t) => t.name)).toContain('Ferry_Bill__c');
  });
});

describe('quick actions', () => {
  it('lists the global actions, also in an object context', async () => {
    const global = (await ctx.conn.quickActions()) as unknown as { name: string; type: string; label: string; urls: Json }[];
    expect(global.map((a) => a.name)).toEqual(['NewAccount', 'NewContact', 'NewOpportunity', 'NewCase', 'NewLead', ...(global.some((a) => a.name === 'NewTask') ? ['NewTask', 'LogACall'] : [])]);
    expect(global[1]).toEqual({
      actionEnumOrId: 'NewContact',
      label: 'New Contact',
      name: 'NewContact',
      type: 'Create',
      urls: {
        defaultValuesTemplate: `/services/data/v${API_VERSION}/quickActions/NewContact/defaultValues/{ID}`,
        quickAction: `/services/data/v${API_VERSION}/quickActions/NewContact`,
        describe: `/services/data/v${API_VERSION}/quickActions/NewContact/describe`,
        defaultValues: `/services/data/v${API_VERSION}/quickActions/NewContact/defaultValues`,
      },
    });
    const onAccount = (await ctx.conn.sobject('Account').quickActions()) as { name: string; urls: { quickAction: string } }[];
    expect(onAccount.find((a) => a.name === 'NewContact')?.urls.quickAction).toBe(`/services/data/v${API_VERSION}/sobjects/Account/quickActions/NewContact`);
  });

  it('describes an action with its target, the context lookup and a layout holding required fields', async () => {
    const described = await ctx.conn.sobject('Account').quickAction('NewContact').describe();
    expect(described).toMatchObject({ name: 'NewContact', type: 'Create', targetSobjectType: 'Contact', contextSobjectType: 'Account', targetParentField: 'AccountId' });
    const rows = described.layout.layoutRows as { layoutItems: Item[] }[];
    const lastName = rows.flatMap((r) => r.layoutItems).find((i) => i.layoutComponents[0]?.value === 'LastName');
    expect(lastName).toMatchObject({ required: true, editableForNew: true });
    const global = await ctx.conn.quickAction('NewCase').describe();
    expect(global).toMatchObject({ contextSobjectType: null, targetParentField: null, targetSobjectType: 'Case' });
    expect(global.defaultValues).toContainEqual({ defaultValue: 'New', field: 'Status' });
  });

  it('gives default values, with the context record in its lookup', async () => {
    const [account] = seedAccounts(['Context Co']);
    const plain = await ctx.conn.quickAction('NewCase').defaultValues();
    expect(plain).toMatchObject({ attributes: { type: 'Case' }, Status: 'New', Priority: 'Medium', AccountId: null, Subject: null });
    const withContext = await ctx.conn.sobject('Account').quickAction('NewContact').defaultValues(account);
    expect(withContext).toMatchObject({ AccountId: account, LastName: null });
    const globalWithContext = await ctx.conn.quickAction('NewCase').defaultValues(account);
    expect(globalWithContext['AccountId']).toBe(account);
  });

  it('creates the record with the context lookup set, as Salesforce answers', async () => {
    const [account] = seedAccounts(['Parent Co']);
    const result = await ctx.conn.sobject('Account').quickAction('NewContact').execute(account ?? '', { LastName: 'Smith', Email: 'smith@example.com' });
    expect(result).toEqual({ contextId: account, created: true, errors: [], feedItemIds: [], id: expect.stringMatching(/^003/) as unknown, success: true });
    expect(await contactsOf(account ?? '')).toEqual([expect.objectContaining({ LastName: 'Smith', AccountId: account })]);
    const viaGlobal = await ctx.conn.quickAction('NewOpportunity').execute(account ?? '', { Name: 'Deal', StageName: 'Prospecting', CloseDate: '2027-01-31' });
    const opp = await ctx.conn.sobject('Opportunity').retrieve(viaGlobal.id);
    expect(opp['AccountId']).toBe(account);
  });

  it('refuses bad input with Salesforce errors and creates nothing', async () => {
    const [account] = seedAccounts(['Careful Co']);
    const missing = await failure(ctx.conn.sobject('Account').quickAction('NewContact').execute(account ?? '', { FirstName: 'NoLast' }));
    expect(missing.errorCode).toBe('REQUIRED_FIELD_MISSING');
    const contact = await ctx.conn.sobject('Contact').create({ LastName: 'Elsewhere' });
    const wrongContext = await failure(ctx.conn.sobject('Account').quickAction('NewContact').execute(contact.id ?? '', { LastName: 'Lost' }));
    expect(wrongContext.errorCode).toBe('INVALID_CROSS_REFERENCE_KEY');
    const unknown = await failure(ctx.conn.sobject('Account').quickAction('NewWidget').execute(account ?? '', { LastName: 'X' }));
    expect(unknown.errorCode).toBe('NOT_FOUND');
    const notJson = await raw(ctx.conn, 'POST', '/quickActions/NewContact', '{"record": ');
    expect(notJson.status).toBe(400);
    expect((notJson.body as { errorCode: string }[])[0]?.errorCode).toBe('JSON_PARSER_ERROR');
    expect(await contactsOf(account ?? '')).toEqual([]);
    expect((await ctx.conn.query('SELECT Id FROM Contact')).totalSize).toBe(1);
  });
});

describe('objects from another SFDX project', () => {
  let emu: RunningEmulator;
  let conn: Connection;
  beforeAll(async () => {
    emu = await startEmulator({ port: 0, host: '127.0.0.1', sfdxProjects: [DEFAULT_SFDX_PROJECT, join(import.meta.dirname, 'fixtures', 'ui')] });
    conn = await oauthLogin(emu);
  });
  afterAll(async () => {
    await emu.stop();
  });

  it('gives a custom object with a tab file its tab and motif icon, and one without none', async () => {
    const tabs = (await conn.tabs()) as unknown as Json[];
    const widget = tabs.find((t) => t['sobjectName'] === 'Ui_Widget__c');
    expect(widget).toMatchObject({ name: 'Ui_Widget__c', custom: true, label: 'Widgets' });
    expect((widget?.['icons'] as { url: string }[]).map((i) => i.url)).toContain(`${emu.url}/img/icon/t4/custom/custom20.svg`);
    expect(tabs.some((t) => t['sobjectName'] === 'Ui_Gadget__c')).toBe(false);
  });

  it('lays out a custom object: required custom field, lookup and the parent related list', async () => {
    const layouts = (await conn.sobject('Ui_Widget__c').layouts()) as unknown as { layouts: { editLayoutSections: Section[] }[] };
    expect(itemOf(layouts.layouts[0]?.editLayoutSections ?? [], 'Colour__c')).toMatchObject({ required: true, label: 'Colour' });
    const account = (await conn.sobject('Account').layouts()) as unknown as { layouts: { relatedLists: { name: string }[] }[] };
    expect(account.layouts[0]?.relatedLists.map((r) => r.name)).toContain('Widgets__r');
    const views = (await conn.sobject('Ui_Widget__c').listviews()) as { listviews: { developerName: string }[] };
    expect(views.listviews.map((v) => v.developerName)).toEqual(['All', 'MyWidgets', 'NewThisWeek', 'RecentlyViewedWidgets']);
  });
});
