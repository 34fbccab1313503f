/**
 * Glossary
 * - integration: a named configuration that delivers one entity type (Account, Bill, ...) to a
 *   Salesforce org through a credential, with account filters and entity settings.
 * - run: one execution of an integration (by change, schedule, hand, retry or replay), with a
 *   status from RUN_TRANSITIONS and counts of what it sent, created, updated, skipped and failed.
 * - event: a per-record or per-run outcome worth a person's attention, named like
 *   `integration.validation.error`; it can be marked actioned or retried.
 * - link: what Ferry knows of a delivered record: its Salesforce Id and the hash of what was sent,
 *   so an unchanged record is skipped and a re-run after a crash updates instead of duplicating.
 * - journal: the platform's append-only change log (seq order = commit order per organization).
 * - watermark: the journal sequence an integration has delivered up to (`cursor_seq`).
 * - conflict: a field changed on both sides since the last sync (two-way sync; settled by policy).
 */

export const ENTITY_TYPES = ['Account', 'Contact', 'Contract', 'Commitment', 'Balance', 'Bill', 'Ticket', 'Subscription', 'Catalogue', 'ReferenceData', 'Reconciliation'] as const;
export type EntityType = (typeof ENTITY_TYPES)[number];

export const CREDENTIAL_TYPES = ['password', 'client_credentials', 'jwt_bearer', 'authorization_code', 'access_token'] as const;
export type CredentialType = (typeof CREDENTIAL_TYPES)[number];

/** INTERRUPTED: the worker running it stopped (killed, machine lost); its work was queued again. */
export const RUN_STATUSES = ['WAITING', 'STARTED', 'COMPLETE', 'ERROR', 'AWAITING_RETRY', 'AUTH_FAILED', 'RATE_LIMIT_RETRY', 'DISABLED', 'INTERRUPTED'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** The run state machine: a run moves only along these edges. */
export const RUN_TRANSITIONS: Record<RunStatus, readonly RunStatus[]> = {
  WAITING: ['STARTED', 'DISABLED'],
  STARTED: ['COMPLETE', 'ERROR', 'AWAITING_RETRY', 'AUTH_FAILED', 'RATE_LIMIT_RETRY', 'DISABLED', 'INTERRUPTED'],
  COMPLETE: [],
  ERROR: [],
  AWAITING_RETRY: [],
  AUTH_FAILED: [],
  RATE_LIMIT_RETRY: [],
  DISABLED: [],
  INTERRUPTED: [],
};

/** The statuses a run may move to `to` from: the guard of the UPDATE that moves it. */
export function sourcesOf(to: RunStatus): RunStatus[] {
  return RUN_STATUSES.filter((from) => RUN_TRANSITIONS[from].includes(to));
}

/**
 * mapping: the full run queued because the integration's mapping changed (it resends what the
 * change affects); poll: an incoming run queued because the integration's poll interval passed.
 */
export type RunTrigger = 'change' | 'schedule' | 'manual' | 'retry' | 'replay' | 'mapping' | 'poll' | 'stream' | 'follow';
export const RUN_TRIGGERS = ['change', 'schedule', 'manual', 'retry', 'replay', 'mapping', 'poll', 'stream', 'follow'] as const;

/** incremental: pending Ferry changes; full: every record; incoming: Salesforce changes read back. */
export type RunMode = 'incremental' | 'full' | 'incoming' | 'incoming_full';
export const RUN_MODES = ['incremental', 'full', 'incoming', 'incoming_full'] as const;

/** Runs that read from Salesforce (changes, or every record). */
export function readsFromSalesforce(mode: RunMode): boolean {
  return mode === 'incoming' || mode === 'incoming_full';
}

export const EVENT_NAMES = [
  'integration.validation.error',
  'integration.missing_account_mapping.error',
  'integration.authentication.error',
  'integration.perform.error',
  'integration.rate_limit.warning',
  'integration.org_mismatch.error',
  /** A stored setting (e.g. the account filter) no longer parses: the run stopped, nothing was sent. */
  'integration.configuration.error',
  /** A bug in Ferry, not the customer's data: logged, never counted toward auto-disable, never e-mailed. */
  'integration.internal.error',
  'integration.disabled',
  /** A linked record was deleted in Salesforce and the integration flags such deletes (Ferry kept its record). */
  'integration.deleted_in_salesforce.warning',
  /** A change read back from Salesforce that Ferry refused (validation, a key taken, a missing reference); retrying it re-reads the record. */
  'integration.incoming_refused.error',
  /**
   * A value read back from Salesforce that Ferry does not accept (a malformed e-mail address) was
   * left out and the rest of the record taken; retrying it re-reads the record.
   */
  'integration.incoming_value_left_out.warning',
  /** A delivered record was deleted in Ferry and the integration flags such deletes (Salesforce kept its record). */
  'integration.deleted_in_ferry.warning',
  /**
   * Incoming sync had not read for longer than Salesforce keeps deleted records (15 days): deletes
   * made before then may never be seen; a full read (incoming_full) settles them.
   */
  'integration.incoming_gap.warning',
  /**
   * An import of reference data found values a Salesforce picklist should offer (account types in
   * Account.Type) missing from it; the event lists them and the metadata that adds them.
   */
  'integration.picklist_values_missing.warning',
  /**
   * A reconciliation's contact data switched source (Ferry, Salesforce): what the switch replaces
   * (the contacts of matched accounts), said when it was made.
   */
  'integration.contact_source.changed',
  /**
   * Journal entries a disabled integration had not sent were pruned (retention): when enabled again,
   * its next delivery is a full pass instead of following the journal.
   */
  'integration.journal_gap.warning',
] as const;
export type EventName = (typeof EVENT_NAMES)[number];

export class InvalidTransitionError extends Error {
  override name = 'InvalidTransitionError';
}
