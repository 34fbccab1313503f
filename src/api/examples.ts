/**
 * Request examples for the main operations, shown by the API reference (/api/v1/docs). Each is
 * checked against the endpoint's own body schema by examples.unit.test.ts, so none can drift from
 * what the API accepts.
 */
export interface OperationExample {
  summary: string;
  body: unknown;
}

const ACCOUNT_ID = '01965c1e-7d2a-7c41-9a3e-0b6f1c2d3e4f';
const CREDENTIAL_ID = '01965c1e-8e3b-7d52-8b4f-1c7a2d3e4f50';
const CONFLICT_ID = '01965c1f-0a1b-7e63-9c50-2d8b3e4f5a61';

export const OPERATION_EXAMPLES: Record<string, OperationExample[]> = {
  'sign-in': [{ summary: 'Open a console session with an API key', body: { apiKey: 'ferry_3q2x...your key' } }],
  'create-api-key': [{ summary: 'A key for a billing exporter', body: { name: 'billing exporter' } }],
  'create-accounts': [
    {
      summary: 'A customer account with an address',
      body: {
        code: 'ACME-001',
        name: 'Acme Ltd',
        currency: 'GBP',
        emailAddress: 'billing@acme.example',
        address: { line1: '1 High Street', locality: 'London', postCode: 'EC1A 1AA', country: 'GB' },
      },
    },
  ],
  'create-bills': [
    {
      summary: 'A bill with a standing charge and usage',
      body: {
        accountId: ACCOUNT_ID,
        billNumber: 'INV-2026-0001',
        billDate: '2026-02-01',
        periodStart: '2026-01-01',
        periodEnd: '2026-01-31',
        dueDate: '2026-03-01',
        currency: 'GBP',
        total: '120.00',
        lineItems: [
          { lineItemType: 'STANDING_CHARGE', productCode: 'PLATFORM', quantity: '1', unitPrice: '100', amount: '100' },
          { lineItemType: 'USAGE', productCode: 'API-CALLS', quantity: '2000', unitPrice: '0.01', amount: '20' },
        ],
      },
    },
  ],
  'create-credential': [
    {
      summary: 'Username, password and security token (OAuth password flow)',
      body: {
        name: 'Production org',
        type: 'password',
        loginUrl: 'https://login.salesforce.com',
        username: 'integration@acme.example',
        password: 'the password',
        securityToken: 'the security token',
        clientId: 'the connected app consumer key',
        clientSecret: 'the connected app consumer secret',
      },
    },
    {
      summary: 'Client credentials flow (a connected app with a run-as user)',
      body: { name: 'Production org', type: 'client_credentials', loginUrl: 'https://acme.my.salesforce.com', clientId: 'the consumer key', clientSecret: 'the consumer secret' },
    },
  ],
  'create-integration': [
    {
      summary: 'Bills to Salesforce, approved only, every change and nightly',
      body: {
        name: 'Bills to Salesforce',
        entityType: 'Bill',
        credentialId: CREDENTIAL_ID,
        settings: { onlyApprovedBills: true, excludedLineItemTypes: ['ADJUSTMENT'] },
        trigger: { onChange: true, schedule: { cron: '0 2 * * *', timeZone: 'Europe/London' } },
        errorThreshold: 10,
      },
    },
    {
      summary: 'Accounts both ways, conflicts held for review',
      body: { name: 'Accounts both ways', entityType: 'Account', credentialId: CREDENTIAL_ID, sync: { direction: 'both', conflictPolicy: 'hold' } },
    },
  ],
  'sync-integration': [
    { summary: 'Send pending changes now', body: { mode: 'incremental' } },
    { summary: 'Send every record again', body: { mode: 'full' } },
  ],
  'resolve-conflicts': [
    { summary: 'Keep what Salesforce has for every held field', body: { ids: [CONFLICT_ID], choose: 'salesforce' } },
    { summary: 'Per field: a value of your own for the name', body: { ids: [CONFLICT_ID], fields: { name: { value: 'Acme Limited' } } } },
  ],
  'put-webhook': [
    { summary: 'Every alert, the secret generated (shown once in the answer)', body: { url: 'https://ops.example.com/ferry-alerts' } },
    { summary: 'Failed runs and disabled integrations only, after 5 failed runs, with your own secret', body: { url: 'https://ops.example.com/ferry-alerts', secret: 'a-long-random-string-of-yours', events: ['runs.failed', 'integration.disabled'], failedRunsThreshold: 5 } },
  ],
};
