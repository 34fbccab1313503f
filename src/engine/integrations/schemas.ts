import { CronExpressionParser } from 'cron-parser';
import { z } from 'zod';
import { LINE_ITEM_TYPES } from '../../platform/index.ts';
import { compileAccountFilter } from '../filters/account-filter.ts';
import { reconciliationInput, reconciliationView } from '../reconciliation/schemas.ts';
import { ENTITY_TYPES, RUN_STATUSES, RUN_TRIGGERS } from '../types.ts';

const id = z.uuid({ error: 'must be a Ferry id (UUID)' });

const accountFilter = z
  .string()
  .max(2000)
  .superRefine((source, context) => {
    const compiled = compileAccountFilter(source);
    if (!compiled.ok) {
      context.addIssue({ code: 'custom', message: `${compiled.error.message} (at character ${compiled.error.position + 1}: "${source.slice(compiled.error.position, compiled.error.position + 20)}")` });
    }
  });

const timeZone = z.string().refine(
  (zone) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: zone });
      return true;
    } catch {
      return false;
    }
  },
  { message: 'must be an IANA time zone such as "Europe/London" or "UTC"' },
);

export const schedule = z.union([
  z.strictObject({ intervalMinutes: z.number().int().min(1, 'must be at least 1 minute').max(10_080) }),
  z
    .strictObject({ cron: z.string().min(1), timeZone: timeZone.default('UTC') })
    .superRefine((value, context) => {
      try {
        CronExpressionParser.parse(value.cron, { tz: value.timeZone });
      } catch (error) {
        context.addIssue({ code: 'custom', path: ['cron'], message: `is not a cron expression (${(error as Error).message})` });
      }
    }),
]);

/** Reference entities whose codes a Salesforce picklist may have to offer (settings.picklists). */
export const PICKLIST_SOURCES = ['account-types', 'account-statuses', 'contact-types', 'bill-groups', 'ar-terms', 'countries'] as const;

export const integrationSettings = z.strictObject({
  includedAccountIds: z.array(id).max(10_000).default([]).meta({ description: 'Only these accounts (empty: all).' }),
  excludedAccountIds: z.array(id).max(10_000).default([]).meta({ description: 'Never these accounts.' }),
  notifyUserIds: z.array(id).max(100).default([]).meta({ description: 'Users e-mailed when the integration disables itself.' }),
  accountFilter: accountFilter.nullable().default(null).meta({ description: 'e.g. customFields != null AND customFields.country == "UK"' }),
  enforceExternalMappings: z.boolean().default(false).meta({ description: 'Only external mappings whose integrationId is this integration count.' }),
  useExternalMappingAccountCode: z.boolean().default(false).meta({ description: 'Find the Salesforce Account through external mappings instead of Ferry account ids.' }),
  onlyApprovedBills: z.boolean().default(false).meta({ description: 'Bills: send only approved bills (otherwise every regeneration is sent).' }),
  excludedLineItemTypes: z.array(z.enum(LINE_ITEM_TYPES)).max(LINE_ITEM_TYPES.length).default([]).meta({ description: 'Bills: line item types not sent.' }),
  priceBook: z.string().trim().min(1, 'must not be empty (null: the standard price book only)').max(255).refine((n) => !/^standard price book$/i.test(n), 'is the standard price book, which every import fills: give another name, or null').nullable().default(null)
    .meta({ description: 'Catalogue: the name of a price book Ferry fills besides the standard one (created when the org has none of that name); null: the standard price book only.' }),
  picklists: z.array(z.strictObject({
    entity: z.enum(PICKLIST_SOURCES, { error: `must be one of ${PICKLIST_SOURCES.join(', ')}` }),
    object: z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,79}$/, 'must be a Salesforce object API name such as "Account"'),
    field: z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,79}$/, 'must be a Salesforce picklist field API name such as "Type"'),
  })).max(20).default([{ entity: 'account-types', object: 'Account', field: 'Type' }])
    .meta({ description: 'ReferenceData: the Salesforce picklists that should offer the codes of Ferry\'s values (account types in Account.Type): each import reports the codes a picklist lacks, with the metadata that adds them.' }),
});

export const integrationTrigger = z.strictObject({
  onChange: z.boolean().default(true).meta({ description: 'Run within a second of a change to the entity.' }),
  schedule: schedule.nullable().default(null),
});

export const integrationDelivery = z.strictObject({
  bulkThreshold: z.number().int().min(1).max(10_000_000).default(2000).meta({ description: 'Above this many records a run uses Bulk API 2.0.' }),
  budgetShare: z.number().min(0.01).max(1).default(0.8).meta({ description: 'Share of the org daily API allocation Ferry may use.' }),
  concurrency: z.number().int().min(1).max(10).default(4).meta({ description: 'sObject Collections calls a run keeps in flight at once (1: one after the other).' }),
});

export const SYNC_DIRECTIONS = ['to_salesforce', 'from_salesforce', 'both'] as const;
export const CONFLICT_POLICIES = ['ferry_wins', 'salesforce_wins', 'newest_wins', 'hold'] as const;
export const SALESFORCE_DELETES = ['ignore', 'propagate', 'flag'] as const;
export const INCOMING_READERS = ['auto', 'cdc', 'polling'] as const;
/** Entity types whose changes in Salesforce Ferry can read back today. */
export const INCOMING_ENTITY_TYPES = ['Account', 'Contact', 'Ticket', 'Subscription'] as const;
/** Entity types Ferry only reads from Salesforce (nothing of theirs is sent). */
export const READ_ONLY_ENTITY_TYPES = ['Subscription'] as const;
/** Entity types an import integration writes (src/engine/imports): the whole set each run, not record by record. */
export const IMPORT_ENTITY_TYPES = ['Catalogue', 'ReferenceData'] as const;
/** Entity types that compare rather than sync: nothing is written anywhere but the report. */
export const REPORT_ENTITY_TYPES = ['Reconciliation'] as const;
/** Entity types whose main Salesforce object carries Ferry's sync status fields (salesforce/). */
export const STATUS_FIELD_ENTITY_TYPES = ['Account', 'Contact'] as const;

/** The Account checkbox that selects the Salesforce accounts Ferry reads in (sync.accountSelection). */
export const SELECTION_FIELD = 'Ferry_Sync__c';

export const integrationSync = z.strictObject({
  direction: z.enum(SYNC_DIRECTIONS, { error: `must be one of ${SYNC_DIRECTIONS.join(', ')}` }).default('to_salesforce')
    .meta({ description: 'to_salesforce: Ferry sends; from_salesforce: Ferry reads Salesforce changes back (the rules with direction to_ferry or both); both: the two.' }),
  incoming: z.boolean().default(true).meta({ description: 'This integration\'s switch for reading Salesforce changes (off: nothing is read, and reading resumes where it stopped when turned on).' }),
  reader: z.enum(INCOMING_READERS, { error: `must be one of ${INCOMING_READERS.join(', ')}` }).default('auto')
    .meta({ description: 'How Salesforce changes are read: auto (Change Data Capture when the org publishes change events for the object, polling otherwise; detected when the integration connects), cdc (change events, without asking the org), or polling (SOQL every pollIntervalSeconds).' }),
  pollIntervalSeconds: z.number().int().min(5, 'must be at least 5 seconds').max(86_400).default(3600).meta({ description: 'Polling (an org that does not publish change events for the object, or sync.reader "polling"): how often Salesforce is asked for changes (SOQL on SystemModstamp, Id); hourly unless set. Reading by change events, a failed run\'s waiting events are tried again after this long, or a minute, whichever is sooner.' }),
  conflictPolicy: z.enum(CONFLICT_POLICIES, { error: `must be one of ${CONFLICT_POLICIES.join(', ')}` }).default('hold')
    .meta({ description: 'A field changed on both sides to different values: ferry_wins, salesforce_wins, newest_wins (by the two change times), or hold (recorded as a held conflict; the record\'s other fields still sync).' }),
  salesforceCreates: z.enum(['create', 'ignore'], { error: 'must be one of create, ignore' }).default('create')
    .meta({ description: 'A Salesforce record Ferry has no link for (no Ferry_Id__c, no match): create (a Ferry record from the reading rules, linked, and Ferry\'s id written to its Ferry_Id__c) or ignore.' }),
  match: z.strictObject({
    ferry: z.string().regex(/^[a-z][A-Za-z0-9]*$/, 'must be a top-level Ferry field such as "code"'),
    salesforce: z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,79}$/, 'must be a Salesforce field API name such as "AccountNumber"'),
  }).nullable().default(null)
    .meta({ description: 'Links a Salesforce record with no Ferry_Id__c to the Ferry record whose field equals its field (e.g. {"ferry": "code", "salesforce": "AccountNumber"}) instead of creating one; two candidates are refused as ambiguous.' }),
  ferryDeletes: z.enum(SALESFORCE_DELETES, { error: `must be one of ${SALESFORCE_DELETES.join(', ')}` }).default('propagate')
    .meta({ description: 'A delivered record deleted in Ferry: propagate (Ferry deletes the Salesforce record), ignore (Salesforce keeps it), or flag (Salesforce keeps it, and an integration.deleted_in_ferry.warning event names it).' }),
  statusFields: z.boolean().default(false)
    .meta({ description: 'Write Ferry_Sync_Status__c (Synced, Failed), Ferry_Last_Synced_At__c and Ferry_Sync_Message__c on each Salesforce record this integration writes (Account and Contact integrations): Synced within the write itself; Failed, with Salesforce\'s reason, by one more call per 200 refused records that exist in Salesforce.' }),
  accountSelection: z.union([
    z.literal('all'),
    z.strictObject({ field: z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,79}$/, 'must be a checkbox (or checkbox formula) field API name such as "Ferry_Sync__c"') }),
    z.strictObject({ where: z.string().trim().min(1, 'must not be empty').max(4000).refine((w) => !/;|\bLIMIT\b|\bORDER\s+BY\b/i.test(w), 'must be a SOQL condition only, such as "Type = \'Customer - Direct\'" (no LIMIT, ORDER BY or ;)') }),
  ], { error: 'must be "all", {"field": "<checkbox field>"} or {"where": "<SOQL condition on Account>"}' }).default({ field: SELECTION_FIELD })
    .meta({ description: 'Account integrations that read back: which Salesforce accounts Ferry takes that it has no link for (not delivered by Ferry, no Ferry_Id__c): those whose checkbox field is checked ({"field": "Ferry_Sync__c"}, the default; a checkbox formula field gives any other rule), those an account filter on Salesforce fields selects ({"where": "Type = \'Customer - Direct\' AND AnnualRevenue > 10000"}, a SOQL condition Salesforce evaluates, one query per 200 records read), or "all". An account left out is logged ignored; once selected (the box checked, the filter met) it comes in when it next changes.' }),
  contactData: z.enum(['salesforce', 'ferry'], { error: 'must be "salesforce", "ferry" or null' }).nullable().default(null)
    .meta({ description: 'Contact and Account integrations: the one source of truth for contact data (a contact\'s names, e-mail, phones and addresses; an account\'s addresses, phones, e-mail and website). salesforce: those rules only read; ferry: they only send; null: each rule\'s direction decides.' }),
  importOwners: z.boolean().default(false)
    .meta({ description: 'Account integrations that read from Salesforce: the account\'s owner (Owner.Email, Owner.Name) becomes its assigned user (ownerUserId), a Ferry user matched by e-mail, or created.' }),
  deals: z.strictObject({
    valueMetric: z.enum(['MRR', 'ACV'], { error: 'must be MRR or ACV' }).default('MRR')
      .meta({ description: 'In an org without revenue scheduling, what a line item\'s price is: monthly (MRR: billed MONTHLY) or yearly (ACV: billed ANNUAL) revenue.' }),
    currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 currency code such as "USD"').default('USD')
      .meta({ description: 'The currency of the subscriptions made of closed-won line items.' }),
  }).default({ valueMetric: 'MRR', currency: 'USD' })
    .meta({ description: 'Subscription integrations: how the line items of closed-won opportunities become subscriptions.' }),
  salesforceDeletes: z.enum(SALESFORCE_DELETES, { error: `must be one of ${SALESFORCE_DELETES.join(', ')}` }).default('ignore')
    .meta({ description: 'A linked record deleted in Salesforce: ignore (Ferry keeps its record), propagate (Ferry deletes it too, and its other integrations follow; undeleted in Salesforce, it is restored in Ferry), or flag (Ferry keeps it and records an integration.deleted_in_salesforce.warning event naming it).' }),
});

export const integrationInput = z.strictObject({
  name: z.string().trim().min(1, 'is required').max(255),
  entityType: z.enum(ENTITY_TYPES, { error: `must be one of ${ENTITY_TYPES.join(', ')}` }),
  destination: z.literal('salesforce').default('salesforce'),
  credentialId: id.nullable().default(null),
  enabled: z.boolean().default(true),
  errorThreshold: z.number().int().min(1).max(1000).default(10).meta({ description: 'Successive error events before the integration disables itself.' }),
  settings: integrationSettings.default(integrationSettings.parse({})),
  trigger: integrationTrigger.default(integrationTrigger.parse({})),
  delivery: integrationDelivery.default(integrationDelivery.parse({})),
  sync: integrationSync.default(integrationSync.parse({})),
  reconciliation: reconciliationInput.nullable().default(null)
    .meta({ description: 'Reconciliation integrations (required for them, null for the others): which fields and links name each side, the billing tool\'s source and the fields compared (docs/reconciliation.md).' }),
}).superRefine((value, context) => {
  if (value.entityType === 'Reconciliation' && value.reconciliation === null) {
    context.addIssue({ code: 'custom', path: ['reconciliation'], message: 'is required for a Reconciliation integration: the Salesforce field that holds the billing tool\'s id, the source, and how Ferry accounts name each side' });
  }
  if (value.entityType !== 'Reconciliation' && value.reconciliation !== null) {
    context.addIssue({ code: 'custom', path: ['reconciliation'], message: `belongs to Reconciliation integrations only; leave it out for ${value.entityType}` });
  }
  if (value.sync.statusFields && !(STATUS_FIELD_ENTITY_TYPES as readonly string[]).includes(value.entityType)) {
    context.addIssue({ code: 'custom', path: ['sync', 'statusFields'], message: `the sync status fields are on the Salesforce objects of ${STATUS_FIELD_ENTITY_TYPES.join(' and ')} integrations only` });
  }
  if (value.sync.direction !== 'from_salesforce' && (READ_ONLY_ENTITY_TYPES as readonly string[]).includes(value.entityType)) {
    context.addIssue({ code: 'custom', path: ['sync', 'direction'], message: `${value.entityType} integrations read closed-won deals from Salesforce and send nothing: set "from_salesforce"` });
  }
  if (value.sync.direction !== 'to_salesforce' && !(INCOMING_ENTITY_TYPES as readonly string[]).includes(value.entityType)) {
    context.addIssue({ code: 'custom', path: ['sync', 'direction'], message: `reading changes back from Salesforce is available for ${INCOMING_ENTITY_TYPES.join(', ')} integrations; use "to_salesforce" for ${value.entityType}` });
  }
});

export type IntegrationInput = z.infer<typeof integrationInput>;
export type IntegrationSettings = z.infer<typeof integrationSettings>;
export type IntegrationTrigger = z.infer<typeof integrationTrigger>;
export type IntegrationDelivery = z.infer<typeof integrationDelivery>;
export type IntegrationSync = z.infer<typeof integrationSync>;

export const integrationView = z
  .strictObject({
    id: z.uuid(),
    name: z.string(),
    entityType: z.enum(ENTITY_TYPES),
    destination: z.literal('salesforce'),
    credentialId: z.string().nullable(),
    status: z.enum(['CONNECTED', 'NOT_CONNECTED', 'DISABLED']),
    enabled: z.boolean(),
    errorThreshold: z.number(),
    consecutiveErrors: z.number(),
    disabledAt: z.string().nullable(),
    disabledReason: z.string().nullable(),
    salesforceOrgId: z.string().nullable(),
    cursorSeq: z.number(),
    pausedUntil: z.string().nullable(),
    nextRunAt: z.string().nullable(),
    lastRunAt: z.string().nullable(),
    settings: integrationSettings,
    trigger: integrationTrigger,
    delivery: integrationDelivery,
    sync: integrationSync,
    reconciliation: reconciliationView.nullable(),
    version: z.number(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Integration' });

export type IntegrationView = z.infer<typeof integrationView>;

/** The integration's most recent run (the newest, whatever its state), enough to say how it went. */
export const lastRunSummary = z
  .strictObject({
    id: z.uuid(),
    status: z.enum(RUN_STATUSES),
    trigger: z.enum(RUN_TRIGGERS),
    finishedAt: z.string().nullable(),
  })
  .meta({ id: 'LastRun' });

/** An integration as listed and read: its view and its most recent run (null: it never ran). */
export const integrationWithLastRun = integrationView
  .extend({ lastRun: lastRunSummary.nullable().meta({ description: 'The most recent run (newest first, including one waiting or started); null when the integration never ran.' }) })
  .meta({ id: 'IntegrationWithLastRun' });

export type IntegrationWithLastRun = z.infer<typeof integrationWithLastRun>;

/** When a schedule next fires after `from`. */
export function nextRunAt(value: z.infer<typeof schedule> | null, from: Date): Date | null {
  if (value === null) return null;
  if ('intervalMinutes' in value) return new Date(from.getTime() + value.intervalMinutes * 60_000);
  return CronExpressionParser.parse(value.cron, { tz: value.timeZone, currentDate: from }).next().toDate();
}

export const incomingStatus = z
  .strictObject({
    direction: z.enum(SYNC_DIRECTIONS),
    switchedOn: z.boolean().meta({ description: 'The organization\'s switch and the integration\'s are both on.' }),
    object: z.string().meta({ description: 'The Salesforce object read.' }),
    reader: z.enum(['cdc', 'polling']).nullable().meta({ description: 'How changes are read: cdc (Change Data Capture events) or polling; null until decided (when the integration connects, or at its first incoming run).' }),
    reason: z.string().nullable().meta({ description: 'Why this reader: what the org answered, or the chosen setting.' }),
    detectedAt: z.string().nullable(),
    cursor: z.strictObject({ systemModstamp: z.string(), id: z.string().nullable() }).nullable().meta({ description: 'The (SystemModstamp, Id) of the last change applied.' }),
    replayId: z.number().nullable().meta({ description: 'CDC: the replay id of the last change event stored.' }),
    streamConnectedAt: z.string().nullable().meta({ description: 'CDC: when a worker last opened the subscription (null: not open).' }),
    pendingEvents: z.number().meta({ description: 'Change events stored and not applied yet.' }),
    rereading: z.strictObject({ since: z.string(), reason: z.string() }).nullable().meta({ description: 'The object is being re-read from its cursor (events may have been lost), and why.' }),
    lastReadAt: z.string().nullable(),
  })
  .meta({ id: 'IncomingStatus' });

export type IncomingStatus = z.infer<typeof incomingStatus>;
