import type { RecordData, RecordStore } from '../../platform/index.ts';
import type { Database, Queryable } from '../../storage/index.ts';
import type { RunState } from '../delivery/context.ts';
import type { IntegrationRow } from '../integrations/integrations.ts';
import { usersFor } from '../people/users.ts';
import type { ReconciliationView } from './schemas.ts';

/**
 * The people of matched accounts, read from Salesforce by a reconciliation run (after its report):
 * the Account's owner as the Ferry account's assigned user, and, when Salesforce is the source of
 * contact data, the Account's contacts as the Ferry account's contacts. A matched account is a
 * group of the report with an Account and a Ferry account (all_three, salesforce_ferry).
 *
 * Contacts are kept in step by the Salesforce contact's Id: an external mapping of this
 * reconciliation (system "salesforce", table "Contact") names the Ferry contact it became; a
 * Salesforce contact with none is linked to the Ferry contact an integration of the organization
 * linked it to, or to the account's Ferry contact with the same e-mail, or created. Ferry contacts
 * of a matched account that no Salesforce contact claimed are removed: contact data comes from one
 * source at a time.
 */

export const CONTACT_MAPPING = { externalSystem: 'salesforce', externalTable: 'Contact' } as const;

/** The Salesforce Contact fields a run reads, and what each becomes in Ferry. */
export const CONTACT_FIELDS = ['Id', 'AccountId', 'FirstName', 'LastName', 'Salutation', 'Title', 'Department', 'Email', 'Phone', 'MobilePhone'] as const;

export interface PeopleSummary {
  owners?: { assigned: number; unchanged: number; withoutOwner: number; refused: number };
  contacts?: { read: number; created: number; updated: number; unchanged: number; removed: number; refused: number };
}

/** A staged Salesforce contact: its fields as read (empty is no value). */
type StagedContact = Record<(typeof CONTACT_FIELDS)[number], string | null>;

const PAGE = 500;

/** A Salesforce contact as a Ferry contact's fields (those Salesforce lacks set to null: removed). */
export function contactData(c: StagedContact, accountId: string): RecordData {
  const phones = [
    ...(c.Phone === null ? [] : [{ type: 'WORK', number: c.Phone }]),
    ...(c.MobilePhone === null ? [] : [{ type: 'MOBILE', number: c.MobilePhone }]),
  ];
  return {
    accountId,
    firstName: c.FirstName,
    lastName: c.LastName ?? '(no last name)',
    salutation: c.Salutation,
    title: c.Title,
    department: c.Department,
    email: c.Email,
    phones: phones.length === 0 ? null : phones,
  };
}

/** The fields of a patch that would change the record (a null removes a present field). */
function changesOf(record: RecordData, patch: RecordData): RecordData {
  const out: RecordData = {};
  for (const [key, value] of Object.entries(patch)) {
    const current = record[key];
    if (value === null ? current !== undefined && current !== null : JSON.stringify(current) !== JSON.stringify(value)) out[key] = value;
  }
  return out;
}

function refusal(error: { message: string; details: { path: (string | number)[]; message: string }[] }): string {
  return `${error.message} ${error.details.map((d) => `${d.path.join('.')}: ${d.message}`).join('; ')}`.trim();
}

export interface PeopleContext {
  db: Database;
  store: RecordStore;
  integration: IntegrationRow;
  config: ReconciliationView;
  runId: string;
  salesforceOrgId: string;
  state: RunState;
}

/**
 * Brings the people of the run's matched accounts into Ferry, a page of groups at a time, each
 * page in one transaction. Reads the staged Salesforce rows (owners on the Accounts, contacts on
 * the "contact" side), so it runs before the staging is emptied.
 */
export async function importPeople(context: PeopleContext): Promise<PeopleSummary> {
  const { db, integration, config, runId } = context;
  const orgId = integration.org_id;
  const summary: PeopleSummary = {};
  if (config.importOwners) summary.owners = { assigned: 0, unchanged: 0, withoutOwner: 0, refused: 0 };
  if (config.contactSource === 'salesforce') {
    const [read] = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM reconciliation_rows WHERE org_id = $1 AND run_id = $2 AND side = 'contact'", [orgId, runId]);
    summary.contacts = { read: read?.n ?? 0, created: 0, updated: 0, unchanged: 0, removed: 0, refused: 0 };
  }
  if (summary.owners === undefined && summary.contacts === undefined) return summary;
  let after = -1;
  for (;;) {
    // One Ferry account per Account: a Ferry account in two groups (a duplicate) takes the first.
    const pairs = await db.query<{ n: number; salesforce_id: string; ferry_id: string }>(
      `SELECT n, salesforce_id, ferry_id FROM reconciliation_items
       WHERE org_id = $1 AND run_id = $2 AND category IN ('all_three', 'salesforce_ferry') AND n > $3 ORDER BY n LIMIT $4`,
      [orgId, runId, after, PAGE],
    );
    if (pairs.length === 0) return summary;
    after = pairs[pairs.length - 1]!.n;
    await db.transaction(async (tx) => {
      if (summary.owners !== undefined) await assignOwners(tx, context, pairs, summary.owners);
      if (summary.contacts !== undefined) await syncContacts(tx, context, pairs, summary.contacts);
    });
  }
}

async function assignOwners(tx: Queryable, context: PeopleContext, pairs: { salesforce_id: string; ferry_id: string }[], counts: NonNullable<PeopleSummary['owners']>): Promise<void> {
  const { integration, runId, store, state } = context;
  const orgId = integration.org_id;
  const origin = `integration:${integration.id}` as const;
  const owners = new Map((await tx.query<{ record_id: string; email: string | null; name: string | null }>(
    `SELECT record_id, fields->>'@ownerEmail' AS email, fields->>'@ownerName' AS name FROM reconciliation_rows
     WHERE org_id = $1 AND run_id = $2 AND side = 'salesforce' AND record_id = ANY($3::text[])`,
    [orgId, runId, pairs.map((p) => p.salesforce_id)],
  )).map((r) => [r.record_id, r]));
  const users = await usersFor(tx, store, orgId, [...owners.values()].flatMap((o) => (o.email === null ? [] : [{ email: o.email, name: o.name ?? '' }])), origin);
  const accounts = new Map((await tx.query<{ id: string; data: RecordData }>(
    "SELECT id, data FROM records WHERE org_id = $1 AND entity = 'accounts' AND deleted_at IS NULL AND id = ANY($2::uuid[])",
    [orgId, pairs.map((p) => p.ferry_id)],
  )).map((r) => [r.id, r.data]));
  const patches: { id: string; input: RecordData }[] = [];
  for (const pair of pairs) {
    const account = accounts.get(pair.ferry_id);
    if (account === undefined) continue;
    const email = owners.get(pair.salesforce_id)?.email ?? null;
    if (email === null) {
      counts.withoutOwner++;
      continue;
    }
    const userId = users.get(email.trim().toLowerCase());
    if (userId === undefined) {
      counts.refused++;
      state.skip(pair.ferry_id, `the Account's owner (${email}) could not be made a Ferry user`);
    } else if (account.ownerUserId === userId) counts.unchanged++;
    else if (!patches.some((p) => p.id === pair.ferry_id)) patches.push({ id: pair.ferry_id, input: { ownerUserId: userId } });
  }
  const written = await store.writeManyIn(tx, orgId, 'accounts', patches.map((p) => ({ kind: 'patch' as const, ...p })), origin);
  written.forEach((result, i) => {
    if (result.ok) {
      counts.assigned++;
      context.state.successes++;
    } else {
      counts.refused++;
      state.skip(patches[i]!.id, `the assigned user was refused: ${refusal(result.error)}`);
    }
  });
}

async function syncContacts(tx: Queryable, context: PeopleContext, pairs: { salesforce_id: string; ferry_id: string }[], counts: NonNullable<PeopleSummary['contacts']>): Promise<void> {
  const { integration, runId, store, state, salesforceOrgId } = context;
  const orgId = integration.org_id;
  const origin = `integration:${integration.id}` as const;
  const ferryOf = new Map(pairs.map((p) => [p.salesforce_id, p.ferry_id]));
  const accountIds = [...new Set(pairs.map((p) => p.ferry_id))];
  const staged = (await tx.query<{ fields: StagedContact }>(
    `SELECT fields FROM reconciliation_rows WHERE org_id = $1 AND run_id = $2 AND side = 'contact' AND salesforce_id = ANY($3::text[]) ORDER BY record_id`,
    [orgId, runId, [...ferryOf.keys()]],
  )).map((r) => r.fields);
  // The Ferry contacts of these accounts, and those this reconciliation (or an integration) linked
  // to the Salesforce contacts read, wherever they are now.
  const sfIds = staged.map((c) => c.Id!);
  const mappings = await tx.query<{ id: string; external_id: string; entity_id: string }>(
    `SELECT id, data->>'externalId' AS external_id, data->>'entityId' AS entity_id FROM records
     WHERE org_id = $1 AND entity = 'external-mappings' AND deleted_at IS NULL AND data->>'integrationId' = $2
       AND data->>'externalSystem' = $3 AND data->>'externalTable' = $4 AND data->>'entity' = 'contacts'
       AND (data->>'externalId' = ANY($5::text[]) OR data->>'entityId' IN (SELECT id::text FROM records WHERE org_id = $1 AND entity = 'contacts' AND account_id = ANY($6::uuid[])))`,
    [orgId, integration.id, CONTACT_MAPPING.externalSystem, CONTACT_MAPPING.externalTable, sfIds, accountIds],
  );
  const links = await tx.query<{ entity_id: string; salesforce_id: string }>(
    `SELECT DISTINCT ON (salesforce_id) entity_id, salesforce_id FROM links
     WHERE org_id = $1 AND entity = 'contacts' AND salesforce_org_id = $2 AND salesforce_id = ANY($3::text[]) ORDER BY salesforce_id, synced_at DESC`,
    [orgId, salesforceOrgId, sfIds],
  );
  const mappedTo = new Map(mappings.map((m) => [m.external_id, m.entity_id]));
  const linkedTo = new Map(links.map((l) => [l.salesforce_id, l.entity_id]));
  const candidates = [...new Set([...mappedTo.values(), ...linkedTo.values()])];
  const contacts = new Map((await tx.query<{ id: string; account_id: string | null; data: RecordData }>(
    `SELECT id, account_id, data FROM records WHERE org_id = $1 AND entity = 'contacts' AND deleted_at IS NULL
       AND (account_id = ANY($2::uuid[]) OR id = ANY($3::uuid[])) ORDER BY id`,
    [orgId, accountIds, candidates],
  )).map((r) => [r.id, r]));
  const claimed = new Set<string>();
  const byEmail = (accountId: string, email: string | null): string | undefined => {
    if (email === null) return undefined;
    for (const [id, c] of contacts) {
      if (!claimed.has(id) && c.account_id === accountId && typeof c.data.email === 'string' && c.data.email.toLowerCase() === email.toLowerCase()) return id;
    }
    return undefined;
  };
  const creates: { sfId: string; input: RecordData }[] = [];
  const patches: { sfId: string; id: string; input: RecordData; mapped: boolean }[] = [];
  for (const c of staged) {
    const accountId = ferryOf.get(c.AccountId!)!;
    const target = [mappedTo.get(c.Id!), linkedTo.get(c.Id!)].find((id) => id !== undefined && contacts.has(id) && !claimed.has(id)) ?? byEmail(accountId, c.Email);
    const data = contactData(c, accountId);
    if (target === undefined) {
      creates.push({ sfId: c.Id!, input: Object.fromEntries(Object.entries(data).filter(([, v]) => v !== null)) });
      continue;
    }
    claimed.add(target);
    const changes = changesOf(contacts.get(target)!.data, data);
    const mapped = mappedTo.get(c.Id!) === target;
    if (Object.keys(changes).length === 0) {
      counts.unchanged++;
      if (!mapped) patches.push({ sfId: c.Id!, id: target, input: {}, mapped });
    } else patches.push({ sfId: c.Id!, id: target, input: changes, mapped });
  }
  const newMappings: { sfId: string; contactId: string }[] = [];
  const changed = patches.filter((p) => Object.keys(p.input).length > 0);
  const patched = await store.writeManyIn(tx, orgId, 'contacts', changed.map((p) => ({ kind: 'patch' as const, id: p.id, input: p.input })), origin);
  patched.forEach((result, i) => {
    const p = changed[i]!;
    if (result.ok) {
      counts.updated++;
      context.state.successes++;
    } else {
      counts.refused++;
      state.skip(p.sfId, `Salesforce contact ${p.sfId} was refused by Ferry: ${refusal(result.error)}`);
    }
  });
  for (const p of patches) if (!p.mapped) newMappings.push({ sfId: p.sfId, contactId: p.id });
  const created = await store.writeManyIn(tx, orgId, 'contacts', creates.map((c) => ({ kind: 'create' as const, input: c.input })), origin);
  created.forEach((result, i) => {
    const c = creates[i]!;
    if (result.ok) {
      counts.created++;
      context.state.successes++;
      newMappings.push({ sfId: c.sfId, contactId: result.value.record.id });
    } else {
      counts.refused++;
      state.skip(c.sfId, `Salesforce contact ${c.sfId} was refused by Ferry: ${refusal(result.error)}`);
    }
  });
  // The matched accounts' Ferry contacts no Salesforce contact claimed: replaced, so removed.
  const removed = new Set<string>();
  for (const [id, c] of contacts) {
    if (claimed.has(id) || c.account_id === null || !accountIds.includes(c.account_id)) continue;
    const result = await store.deleteIn(tx, orgId, 'contacts', id, origin);
    if (result.ok) {
      counts.removed++;
      removed.add(id);
    } else {
      counts.refused++;
      state.skip(id, `Ferry contact ${id} is not in Salesforce but could not be removed: ${refusal(result.error)}`);
    }
  }
  // Mappings that name another contact now, or a removed one, go; the new ones are written.
  const relinked = new Set(newMappings.map((n) => n.sfId));
  for (const m of mappings) {
    if (relinked.has(m.external_id) || removed.has(m.entity_id)) await store.deleteIn(tx, orgId, 'external-mappings', m.id, origin);
  }
  await store.writeManyIn(tx, orgId, 'external-mappings', newMappings.map((n) => ({ kind: 'create' as const, input: { ...CONTACT_MAPPING, externalId: n.sfId, entity: 'contacts', entityId: n.contactId, integrationId: integration.id } })), origin);
}
