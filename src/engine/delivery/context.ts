import { createHash } from 'node:crypto';
import type { StoredRecord } from '../../platform/index.ts';
import type { ObjectDescribe, SalesforceClient } from '../../salesforce/index.ts';
import type { Database } from '../../storage/index.ts';
import type { IntegrationRow } from '../integrations/integrations.ts';
import type { ReadingMapping } from '../incoming/reading.ts';
import type { CompiledMapping } from '../mapping/mapping.ts';
import type { NewEvent } from '../runs/events.ts';
import type { RunCounts } from '../runs/runs.ts';

/**
 * The delivery pipeline, one stage per file:
 *   select  journal (or every record, or given records) → candidate records, per object
 *   scope   allow/deny lists, account filter, entity rules (approval)  → keep, or a skip reason
 *   map     the integration's mapping → Salesforce fields, children, lookups
 *   check   values against the org's fields (describe)                 → send, or an event
 *   write   collections or Bulk API 2.0, children after parents, deletes
 *   record  links, delivery intents, events, run counts
 * The runner holds the lease and the run's lifecycle around them; the dispatcher decides when runs
 * happen. Preview runs select, scope, map and check, and stops before write.
 */

/** A record a run considers: its latest state, and which fields changed since the watermark. */
export interface Candidate {
  entity: string;
  record: StoredRecord;
  accountId: string | null;
  deleted: boolean;
  /** Top-level fields changed by the journal entries that made it a candidate; null: all (created, deleted, full sync). */
  changedFields: Set<string> | null;
}

export interface ChildRecord {
  key: string;
  fields: Record<string, unknown>;
}

export type FailureEvent = Omit<NewEvent, 'integrationId' | 'runId'>;

export type Planned =
  | {
    candidate: Candidate; action: 'upsert'; fields: Record<string, unknown>; children: ChildRecord[] | undefined; hash: string;
    /** Parents named by external id (Ferry has no link for them): Salesforce resolves them in the write. */
    parents: { target: string; ferryId: string }[];
  }
  | { candidate: Candidate; action: 'delete'; salesforceId: string | null; reason?: string }
  | { candidate: Candidate; action: 'skip'; reason: string; /** A warning recorded with the skip (not an error). */ event?: FailureEvent }
  | { candidate: Candidate; action: 'fail'; event: FailureEvent };

export type PlannedUpsert = Extract<Planned, { action: 'upsert' }>;

/** What every stage of one run (or preview) shares. */
export interface DeliveryContext {
  db: Database;
  integration: IntegrationRow;
  mapping: CompiledMapping;
  /**
   * For an integration that also reads from Salesforce: the fields both sides sync, whose value a
   * delivery makes the merge base of the link (what both sides now hold).
   */
  reading?: ReadingMapping | undefined;
  /** The org the integration delivers to, when known (links are looked up there). */
  salesforceOrgId: string | null;
  /** Absent in preview: no write, and lookups Salesforce would answer are shown as such. */
  client?: SalesforceClient | undefined;
  /** The org's objects, by lower-case name, for the check stage (absent: nothing to check against). */
  describes?: Map<string, ObjectDescribe> | undefined;
  /** Send even records unchanged since their last delivery. */
  force: boolean;
  /**
   * Ask Salesforce whether parents Ferry has no link for are there (preview, after the check
   * stage): a run names them by external id in the write instead and learns the answer from it,
   * with no query spent.
   */
  verifyParents?: boolean | undefined;
}

/** Where a run stands while it works: counts, events, record ids. */
export class RunState {
  counts: RunCounts = { sent: 0, created: 0, updated: 0, skipped: 0, deleted: 0, failed: 0 };
  events: NewEvent[] = [];
  successes = 0;
  recordIds = new Set<string>();
  fromSeq: number | null = null;
  toSeq: number | null = null;
  /** Accounts that records of this run waited for (not in Salesforce yet). */
  waitingAccounts = new Set<string>();
  /** Skipped records by reason (the run shows them). */
  skips = new Map<string, { count: number; recordIds: string[] }>();
  /** Conflicts incoming sync held for a person in this run (opened, or held again): one webhook alert lists them. */
  heldConflicts = new Set<string>();
  /** The run used up its time slice while others waited: a run that continues it is queued. */
  continues = false;

  /** The ids a run keeps of the records it considered (for a replay): bounded, so memory follows the batch, not the data. */
  static readonly MAX_RECORD_IDS = 10_000;

  /** Notes a record the run considered; past MAX_RECORD_IDS only the count shows it. */
  consider(recordId: string): void {
    if (this.recordIds.size < RunState.MAX_RECORD_IDS) this.recordIds.add(recordId);
  }

  skip(recordId: string, reason: string): void {
    this.counts.skipped++;
    const entry = this.skips.get(reason) ?? { count: 0, recordIds: [] };
    entry.count++;
    if (entry.recordIds.length < 20) entry.recordIds.push(recordId);
    this.skips.set(reason, entry);
  }

  /** What the counts say now, to go back to when a transaction that counted rolls back. */
  checkpoint(): () => void {
    const counts = { ...this.counts };
    const { successes } = this;
    const events = this.events.length;
    const skips = new Map([...this.skips].map(([reason, entry]) => [reason, { count: entry.count, recordIds: [...entry.recordIds] }]));
    const heldConflicts = new Set(this.heldConflicts);
    return () => {
      this.counts = counts;
      this.successes = successes;
      this.events.length = events;
      this.skips = skips;
      this.heldConflicts = heldConflicts;
    };
  }
}

/**
 * What a record was sent as, to skip it while nothing changes. Fields come in the mapping's
 * order, so the same mapping and values always give the same text (no sorting needed).
 */
export function hashOf(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('base64url');
}
