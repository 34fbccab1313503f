// The UI metadata resources through the Salesforce CLI 2.130.9: `sf api request rest` (beta in
// that release, no --json flag: it prints the response body as JSON and exits 1 on an HTTP error).
import { describe, expect, it } from 'vitest';
import { useSfCli } from './sf-cli.ts';
import { API_VERSION, useEmulator } from './support.ts';

const ctx = useEmulator();
const cli = useSfCli(ctx);

async function rest(path: string, extra: string[] = []): Promise<{ code: number | null; body: unknown }> {
  const run = await cli.run(['api', 'request', 'rest', `/services/data/v${API_VERSION}${path}`, ...extra]);
  let body: unknown = null;
  try {
    body = JSON.parse(run.stdout);
  } catch {
    throw new Error(`sf api request rest ${path} printed no JSON (exit ${String(run.code)}): ${run.stdout}\n${run.stderr}`);
  }
  return { code: run.code, body };
}

describe('sf api request rest', () => {
  it('reads tabs, layouts and list views', async () => {
    const tabs = await rest('/tabs');
    expect(tabs.code).toBe(0);
    expect(tabs.body).toContainEqual(expect.objectContaining({ name: 'standard-Account', sobjectName: 'Account', url: `${ctx.emu.url}/001/o` }));
    const layouts = await rest('/sobjects/Account/describe/layouts');
    expect(layouts.body).toMatchObject({ recordTypeSelectorRequired: [false], recordTypeMappings: [expect.objectContaining({ recordTypeId: '012000000000000AAA' })] });
    const views = await rest('/sobjects/Account/listviews');
    expect((views.body as { listviews: { developerName: string }[] }).listviews.map((v) => v.developerName)).toContain('AllAccounts');
  });

  it('runs a quick action with a context record and explains a query', async () => {
    const [accountId] = ctx.emu.controls.seed([{ attributes: { type: 'Account' }, Name: 'CLI Co', Ferry_Id__c: 'cli-1' }]).map((r) => r.id ?? '');
    const created = await rest('/sobjects/Account/quickActions/NewContact', ['--method', 'POST', '--body', JSON.stringify({ contextId: accountId, record: { LastName: 'Cli' } })]);
    expect(created.code).toBe(0);
    expect(created.body).toMatchObject({ contextId: accountId, created: true, success: true, errors: [] });
    const contacts = await ctx.conn.query<{ LastName: string; AccountId: string }>(`SELECT LastName, AccountId FROM Contact WHERE AccountId = '${accountId ?? ''}'`);
    expect(contacts.records).toEqual([expect.objectContaining({ LastName: 'Cli', AccountId: accountId })]);
    const explained = await rest(`/query?explain=${encodeURIComponent("SELECT Id FROM Account WHERE Ferry_Id__c = 'cli-1'")}`);
    expect((explained.body as { plans: { leadingOperationType: string; fields: string[] }[] }).plans[0]).toMatchObject({ leadingOperationType: 'Index', fields: ['Ferry_Id__c'] });
  });

  it('exits non-zero with Salesforce error body for a missing resource', async () => {
    const missing = await rest('/sobjects/Account/describe/approvalLayouts/Big_Deals');
    expect(missing.code).toBe(1);
    expect(missing.body).toEqual([{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }]);
  });
});
