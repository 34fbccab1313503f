import { z } from 'zod';
import type { Issue } from '../../platform/index.ts';
import type { Queryable } from '../../storage/index.ts';
import { CONTACT_MAPPING } from './people.ts';
import { CONTACT_SOURCES, type ContactSource } from './schemas.ts';

/**
 * Contact data comes from one source at a time. With "ferry" (the default) the billing platform
 * writes contacts through Ferry's API, and Contact integrations may send them to Salesforce. With
 * "salesforce" a reconciliation makes the contacts of matched accounts those of Salesforce: an
 * enabled Contact integration that sends Ferry's contacts to Salesforce would then send them back
 * (and create in Salesforce the contacts it lacks), so the two are not enabled together, and two
 * reconciliations do not both import contacts.
 */

/** An integration as it would be saved: what the rule looks at. */
export interface ContactWriter {
  id?: string | undefined;
  entityType: string;
  enabled: boolean;
  sync: { direction: string; contactData: string | null };
  reconciliation: { contactSource: ContactSource } | null;
}

/** Whether an enabled Contact integration sends Ferry's contact data to Salesforce. */
function sendsContacts(w: ContactWriter): boolean {
  return w.entityType === 'Contact' && w.enabled && w.sync.direction !== 'from_salesforce' && w.sync.contactData !== 'salesforce';
}

function importsContacts(w: ContactWriter): boolean {
  return w.entityType === 'Reconciliation' && w.enabled && w.reconciliation?.contactSource === 'salesforce';
}

const SENDERS = `entity_type = 'Contact' AND COALESCE(sync->>'direction', 'to_salesforce') <> 'from_salesforce' AND COALESCE(sync->>'contactData', '') <> 'salesforce'`;
const IMPORTERS = `entity_type = 'Reconciliation' AND reconciliation->>'contactSource' = 'salesforce'`;

/** Why this integration, saved as it is, would make contact data come from two sources (none: fine). */
export async function contactSourceConflicts(db: Queryable, orgId: string, w: ContactWriter): Promise<Issue[]> {
  if (!sendsContacts(w) && !importsContacts(w)) return [];
  const others = await db.query<{ id: string; name: string; entity_type: string }>(
    `SELECT id, name, entity_type FROM integrations WHERE org_id = $1 AND enabled AND id IS DISTINCT FROM $2::uuid AND ((${IMPORTERS})${importsContacts(w) ? ` OR (${SENDERS})` : ''}) ORDER BY name, id`,
    [orgId, w.id ?? null],
  );
  return others.map((o) => o.entity_type === 'Contact'
    ? { path: ['reconciliation', 'contactSource'], message: `contact data comes from one source at a time: the Contact integration "${o.name}" (${o.id}) sends Ferry's contacts to Salesforce; set its sync.contactData to "salesforce" or disable it first, or keep contactSource "ferry"` }
    : w.entityType === 'Contact'
      ? { path: ['sync', 'contactData'], message: `contact data comes from one source at a time: the reconciliation "${o.name}" (${o.id}) imports contacts from Salesforce (contactSource "salesforce"); set sync.contactData to "salesforce" (contact fields only read), or switch that reconciliation to contactSource "ferry" first` }
      : { path: ['reconciliation', 'contactSource'], message: `contact data comes from one source at a time: the reconciliation "${o.name}" (${o.id}) already imports contacts from Salesforce` });
}

export interface ContactSourceChange {
  current: ContactSource;
  to: ContactSource;
  /** Matched accounts in the latest report (an Account and a Ferry account): null before any. */
  matchedAccounts: number | null;
  /** Live Ferry contacts of those accounts now. */
  ferryContacts: number | null;
  /** Ferry contacts this reconciliation imported from Salesforce (linked by its mappings). */
  importedContacts: number;
  /** Why the switch would be refused now (other integrations), if it would. */
  conflicts: Issue[];
  /** What switching replaces, in words. */
  message: string;
}

export const contactSourceChangeView = z.strictObject({
  current: z.enum(CONTACT_SOURCES),
  to: z.enum(CONTACT_SOURCES),
  matchedAccounts: z.number().nullable().meta({ description: 'Matched accounts in the latest report (an Account and a Ferry account); null before any report.' }),
  ferryContacts: z.number().nullable().meta({ description: 'Live Ferry contacts of those accounts now.' }),
  importedContacts: z.number().meta({ description: 'Ferry contacts this reconciliation imported from Salesforce.' }),
  conflicts: z.array(z.strictObject({ path: z.array(z.union([z.string(), z.number()])), message: z.string() })).meta({ description: 'Why the switch would be refused now (other integrations writing contact data).' }),
  message: z.string().meta({ description: 'What switching replaces, in words.' }),
}).meta({ id: 'ContactSourceChange' });

/** What switching a reconciliation's contact data to `to` replaces; nothing is changed. */
export async function describeContactSourceChange(db: Queryable, orgId: string, w: ContactWriter & { id: string; reconciliation: { contactSource: ContactSource } }, to: ContactSource): Promise<ContactSourceChange> {
  const current = w.reconciliation.contactSource;
  const [latest] = await db.query<{ run_id: string }>('SELECT run_id FROM reconciliation_reports WHERE org_id = $1 AND integration_id = $2 ORDER BY run_id DESC LIMIT 1', [orgId, w.id]);
  let matchedAccounts: number | null = null;
  let ferryContacts: number | null = null;
  if (latest !== undefined) {
    const [row] = await db.query<{ accounts: number; contacts: number }>(
      `WITH matched AS (
         SELECT DISTINCT ferry_id::uuid AS id FROM reconciliation_items
         WHERE org_id = $1 AND run_id = $2 AND category IN ('all_three', 'salesforce_ferry') AND ferry_id IS NOT NULL)
       SELECT (SELECT count(*)::int FROM matched) AS accounts,
              (SELECT count(*)::int FROM records r JOIN matched m ON r.account_id = m.id WHERE r.org_id = $1 AND r.entity = 'contacts' AND r.deleted_at IS NULL) AS contacts`,
      [orgId, latest.run_id],
    );
    matchedAccounts = row?.accounts ?? 0;
    ferryContacts = row?.contacts ?? 0;
  }
  const [imported] = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM records m WHERE m.org_id = $1 AND m.entity = 'external-mappings' AND m.deleted_at IS NULL AND m.data->>'integrationId' = $2
       AND m.data->>'externalSystem' = $3 AND m.data->>'externalTable' = $4
       AND EXISTS (SELECT 1 FROM records c WHERE c.org_id = $1 AND c.entity = 'contacts' AND c.deleted_at IS NULL AND c.id::text = m.data->>'entityId')`,
    [orgId, w.id, CONTACT_MAPPING.externalSystem, CONTACT_MAPPING.externalTable],
  );
  const importedContacts = imported?.n ?? 0;
  const conflicts = to === 'salesforce' ? await contactSourceConflicts(db, orgId, { ...w, enabled: true, reconciliation: { contactSource: 'salesforce' } }) : [];
  let message: string;
  if (to === current) message = `Contact data already comes from ${to === 'salesforce' ? 'Salesforce' : 'Ferry'}: nothing changes.`;
  else if (to === 'salesforce') {
    message = matchedAccounts === null
      ? 'From the next run, the contacts of every matched account (an Account and a Ferry account in one group) become those of Salesforce: Ferry contacts with the e-mail of a Salesforce contact of the account are updated from it, the others are removed, and the rest of Salesforce\'s are created. No run has matched accounts yet, so how many is not known.'
      : `From the next run, the contacts of the ${matchedAccounts} matched account(s) of the latest report become those of Salesforce: of their ${ferryContacts} Ferry contact(s), those with the e-mail of one of the Account's Salesforce contacts are updated from it, the others are removed; the rest of Salesforce's are created. Contacts of other accounts are left as they are.`;
  } else {
    message = `Ferry's API becomes the source of contact data again: the ${importedContacts} contact(s) imported from Salesforce stay as they are, and runs no longer update, create or remove contacts.`;
  }
  if (conflicts.length > 0) message += ` The switch is refused while: ${conflicts.map((c) => c.message).join('; ')}.`;
  return { current, to, matchedAccounts, ferryContacts, importedContacts, conflicts, message };
}
