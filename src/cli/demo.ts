import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { RunningEmulator } from '../emulator/index.ts';
import type { Engine } from '../engine/index.ts';
import { RecordStore, type RecordData } from '../platform/index.ts';
import type { Database } from '../storage/index.ts';

export const DEMO_CREDENTIAL_NAME = 'Emulated org (demo)';

const COMPANIES: [string, string, string, string][] = [
  ['ACME', 'Acme Corporation', 'US', 'USD'],
  ['GLOBEX', 'Globex Ltd', 'GB', 'GBP'],
  ['INITECH', 'Initech GmbH', 'DE', 'EUR'],
  ['UMBRELLA', 'Umbrella Pty', 'AU', 'AUD'],
  ['HOOLI', 'Hooli Inc', 'US', 'USD'],
];

function must<T>(result: { ok: true; value: T } | { ok: false; error: { message: string } }): T {
  if (!result.ok) throw new Error(`demo data refused: ${result.error.message}`);
  return result.value;
}

/**
 * First start with the demo: a credential for the emulated org, one enabled integration per entity
 * type, then sample billing data, which the integrations deliver on change within seconds.
 * Later starts find the credential and leave everything as it is.
 */
export async function seedDemo(db: Database, engine: Engine, orgId: string, emulator: RunningEmulator): Promise<{ seeded: boolean }> {
  const existing = await engine.credentials.list(orgId);
  if (existing.some((c) => c.name === DEMO_CREDENTIAL_NAME)) return { seeded: false };
  const credential = must(
    await engine.credentials.create(orgId, {
      name: DEMO_CREDENTIAL_NAME,
      type: 'password',
      loginUrl: emulator.loginUrl,
      username: emulator.identity.username,
      password: emulator.identity.password,
      securityToken: emulator.identity.securityToken,
      clientId: emulator.identity.clientId,
      clientSecret: emulator.identity.clientSecret,
    }),
  );
  await engine.credentials.test(orgId, credential.id);
  for (const [entityType, name] of [['Account', 'Accounts'], ['Contact', 'Contacts'], ['Contract', 'Contracts'], ['Commitment', 'Commitments'], ['Balance', 'Balances'], ['Bill', 'Bills']] as const) {
    must(await engine.integrations.create(orgId, { name: `${name} to Salesforce (demo)`, entityType, credentialId: credential.id }));
  }
  const store = new RecordStore(db);
  for (const [index, [code, name, country, currency]] of COMPANIES.entries()) {
    const account = must(await store.create(orgId, 'accounts', { code, name, currency, address: { line1: `${index + 1} Main Street`, country } }, 'api')).record;
    must(await store.create(orgId, 'contacts', { accountId: account.id, firstName: 'Alex', lastName: `${name.split(' ')[0]} Billing`, email: `billing@${code.toLowerCase()}.example`, title: 'Accounts payable' }, 'api'));
    const contract = must(await store.create(orgId, 'contracts', { accountId: account.id, code: `${code}-2026`, name: `${name} 2026 agreement`, startDate: '2026-01-01', endDate: '2026-12-31' }, 'api')).record;
    must(await store.create(orgId, 'commitments', { accountId: account.id, contractId: contract.id, amount: '12000', currency, startDate: '2026-01-01', endDate: '2026-12-31' }, 'api'));
    const balance = must(await store.create(orgId, 'balances', { accountId: account.id, code: `${code}-PREPAY`, name: 'Prepaid credit', currency, amount: '5000', startDate: '2026-01-01' }, 'api')).record;
    must(await store.create(orgId, 'balance-transactions', { balanceId: balance.id, amount: '-250.00', type: 'DEBIT', appliedAt: '2026-02-01T00:00:00Z', description: 'January usage' }, 'api'));
    for (const month of [1, 2, 3]) {
      const usage = (100 + index * 10 + month * 7).toFixed(2);
      const total = (1000 + Number(usage)).toFixed(2);
      const bill: RecordData = {
        accountId: account.id,
        billNumber: `${code}-2026-${String(month).padStart(2, '0')}`,
        billDate: `2026-0${month + 1}-01`,
        periodStart: `2026-0${month}-01`,
        periodEnd: `2026-0${month}-28`,
        dueDate: `2026-0${month + 1}-28`,
        currency,
        status: month < 3 ? 'APPROVED' : 'PENDING',
        total,
        lineItems: [
          { lineItemType: 'STANDING_CHARGE', productCode: 'PLATFORM', description: 'Platform fee', quantity: '1', unitPrice: '1000', amount: '1000' },
          { lineItemType: 'USAGE', productCode: 'API-CALLS', description: 'API calls', quantity: String(Number(usage) * 100), unitPrice: '0.01', amount: usage },
        ],
      };
      must(await store.create(orgId, 'bills', bill, 'api'));
    }
  }
  await seedDemoCatalogue(store, orgId);
  await seedDemoReconciliation(engine, orgId, credential.id);
  return { seeded: true };
}

/** The billing tool's customers of the demo: samples/billing-customers.csv, shipped with Ferry. */
export const DEMO_BILLING_CUSTOMERS = fileURLToPath(new URL('../../samples/billing-customers.csv', import.meta.url));

/**
 * A reconciliation of the demo's customers: Salesforce Accounts (the account code in
 * AccountNumber, as the Accounts integration delivers it), Ferry accounts and a sample billing
 * tool file in which one customer is named differently, one bills in another currency, one is
 * missing and one is the billing tool's alone. It runs at 02:00 UTC, or now from the console or
 * with `ferry reconciliation run`.
 */
async function seedDemoReconciliation(engine: Engine, orgId: string, credentialId: string): Promise<void> {
  const integration = must(await engine.createIntegration(orgId, {
    name: 'Customers across Salesforce, Ferry and billing (demo)', entityType: 'Reconciliation', credentialId,
    reconciliation: {
      salesforceBillingIdField: 'AccountNumber',
      source: { kind: 'file', format: 'csv' },
      sourceIdField: 'id',
      ferryToSource: { field: 'code' },
      fields: [
        { name: 'name', ferry: 'name', salesforce: 'Name', source: 'company' },
        { name: 'currency', ferry: 'currency', source: 'currency' },
      ],
    },
  }));
  must(await engine.reconciliations.uploadFile(orgId, integration.id, { format: 'csv', content: await readFile(DEMO_BILLING_CUSTOMERS, 'utf8') }));
}

/** The demo's reconciliation, if the demo made one. */
export async function findDemoReconciliation(engine: Engine, orgId: string): Promise<string | undefined> {
  const setup = await findDemoSetup(engine, orgId);
  if (setup === undefined) return undefined;
  const integrations = await engine.integrations.list(orgId);
  return integrations.find((i) => i.entityType === 'Reconciliation' && i.credentialId === setup.credentialId)?.id;
}

/**
 * A small catalogue and some reference data, for Import Catalogue and Import Data in the console
 * (nothing imports them until someone does): one account type, RESELLER, that the org's
 * Account.Type picklist lacks, for the picklist report.
 */
async function seedDemoCatalogue(store: RecordStore, orgId: string): Promise<void> {
  const calls = must(await store.create(orgId, 'services', { code: 'API-CALLS', name: 'API calls', unit: 'call', usageBuckets: [{ code: 'INCLUDED', name: 'Included calls', quantity: '10000', unit: 'call' }] }, 'api')).record;
  const support = must(await store.create(orgId, 'services', { code: 'SUPPORT', name: 'Support', unit: 'hour' }, 'api')).record;
  const plans: [string, string, string, string[]][] = [['STARTER', 'Starter plan', '49.00', [calls.id]], ['GROWTH', 'Growth plan', '199.00', [calls.id, support.id]]];
  for (const [code, name, monthly, serviceIds] of plans) {
    const product = must(await store.create(orgId, 'products', {
      code, name, description: `${name} of the demo catalogue`, currencies: ['USD'], serviceIds,
      frequencies: [{ frequency: 'MONTHLY' }, { frequency: 'ANNUAL' }],
      pricingRules: [
        { currency: 'USD', frequency: 'MONTHLY', price: monthly },
        { currency: 'USD', frequency: 'ANNUAL', price: (Number(monthly) * 10).toFixed(2), description: 'Two months free' },
      ],
    }, 'api')).record;
    must(await store.create(orgId, 'rate-plans', {
      code: `${code}-CALLS`, name: `${name}: API calls`, productId: product.id, serviceId: calls.id, currency: 'USD', frequency: 'MONTHLY',
      groups: [{ code: 'OVERAGE', name: 'Calls over the included', tiers: [{ fromQuantity: '0', unitPrice: '0.01' }, { fromQuantity: '100000', unitPrice: '0.008' }] }],
    }, 'api'));
  }
  must(await store.create(orgId, 'account-types', { code: 'Customer - Direct', name: 'Direct customer' }, 'api'));
  must(await store.create(orgId, 'account-types', { code: 'RESELLER', name: 'Reseller' }, 'api'));
  must(await store.create(orgId, 'ar-terms', { code: 'NET30', name: 'Net 30', days: 30 }, 'api'));
}

export interface DemoSetup {
  credentialId: string;
  integrationIds: string[];
}

/** The demo's credential and the integrations that use it, if an earlier start with the demo made them. */
export async function findDemoSetup(engine: Engine, orgId: string): Promise<DemoSetup | undefined> {
  const credential = (await engine.credentials.list(orgId)).find((c) => c.name === DEMO_CREDENTIAL_NAME);
  if (credential === undefined) return undefined;
  const integrations = (await engine.integrations.list(orgId)).filter((i) => i.credentialId === credential.id);
  return { credentialId: credential.id, integrationIds: integrations.map((i) => i.id) };
}

/** Deletes the demo's integrations and credential (`--remove-demo`); the sample billing records stay. */
export async function removeDemoSetup(engine: Engine, orgId: string, setup: DemoSetup): Promise<number> {
  let removed = 0;
  for (const id of setup.integrationIds) if ((await engine.integrations.delete(orgId, id)).ok) removed += 1;
  const deleted = await engine.credentials.delete(orgId, setup.credentialId);
  if (!deleted.ok) throw new Error(`the demo credential could not be removed: ${deleted.error.message}`);
  return removed;
}
