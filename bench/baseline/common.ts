// Shared by the baseline scripts: what a team would write by hand to load Ferry's data with
// jsforce. Each script signs in (OAuth password flow), loads accounts, then bills (naming their
// account by Account__r.Ferry_Id__c), then line items (naming their bill by Bill__r.Ferry_Id__c),
// and prints {"wallMs": ...} on stdout. The harness (bench/versus.ts) gives the org and the data.
import { readFileSync } from 'node:fs';
import jsforce from 'jsforce';

export interface Dataset {
  accounts: Record<string, unknown>[];
  bills: Record<string, unknown>[];
  lineItems: Record<string, unknown>[];
}

export const OBJECTS = [['Account', 'accounts'], ['Ferry_Bill__c', 'bills'], ['Ferry_Bill_Line_Item__c', 'lineItems']] as const;

export async function signIn(): Promise<jsforce.Connection> {
  const conn = new jsforce.Connection({
    oauth2: { loginUrl: process.env.SF_LOGIN_URL!, clientId: process.env.SF_CLIENT_ID!, clientSecret: process.env.SF_CLIENT_SECRET! },
    version: '60.0',
  });
  await conn.login(process.env.SF_USERNAME!, process.env.SF_PASSWORD!);
  return conn;
}

export function dataset(): Dataset {
  return JSON.parse(readFileSync(process.env.DATA_FILE!, 'utf8')) as Dataset;
}

export async function timed(load: (conn: jsforce.Connection, data: Dataset) => Promise<void>): Promise<void> {
  const data = dataset();
  const started = performance.now();
  const conn = await signIn();
  await load(conn, data);
  process.stdout.write(`${JSON.stringify({ wallMs: Math.round(performance.now() - started) })}\n`);
}
