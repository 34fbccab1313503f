import type { IntegrationSettings } from '../integrations/schemas.ts';
import type { EntityType } from '../types.ts';
import type { z } from 'zod';
import type { ruleInput } from './rules.ts';

/** Every object is upserted by this external id field, which holds the Ferry id. */
export const EXTERNAL_ID_FIELD = 'Ferry_Id__c';
/** Which side wrote a Salesforce record last: Ferry sets "Ferry" on every write of a two-way integration. */
export const LAST_SYSTEM_FIELD = 'Ferry_Last_System_To_Update__c';
/** The optional sync status fields (sync.statusFields). */
export const SYNC_STATUS_FIELD = 'Ferry_Sync_Status__c';
export const LAST_SYNCED_AT_FIELD = 'Ferry_Last_Synced_At__c';
export const SYNC_MESSAGE_FIELD = 'Ferry_Sync_Message__c';

/** Records embedded in a parent record (a bill's line items), delivered as child records. */
export interface ChildDefinition {
  /** The array on the parent that holds them; rules address them as `<path>[].field`. */
  path: string;
  object: string;
  /**
   * The child's external id: stable for a parent and position (or for what the item is, such as a
   * product's frequency), so a resend updates in place.
   */
  keyOf(parentId: string, index: number, item: Record<string, unknown>): string;
  /** How keyOf builds the key, for the docs (default: `<parent id>:<position>`). */
  keyDescription?: string;
  /** Children an integration setting leaves out (e.g. excluded line item types). */
  excluded?(child: Record<string, unknown>, settings: IntegrationSettings): boolean;
}

/** One Ferry entity and the Salesforce object it becomes. */
export interface ObjectDefinition {
  /** The platform entity (journal name): "bills". */
  entity: string;
  object: string;
  children?: ChildDefinition | undefined;
  /** An entity-specific reason to leave a record out under the integration's settings. */
  scope?(record: Record<string, unknown>, settings: IntegrationSettings): string | undefined;
}

/**
 * What an integration of one entity type delivers: its objects in delivery order (parents first:
 * balances before their transactions) and its default mapping, as data.
 */
export interface EntityTypeDefinition {
  entityType: EntityType;
  objects: ObjectDefinition[];
  defaults: z.input<typeof ruleInput>[];
  /** The journal entities whose changes start a run, when not only those of `objects` (imports). */
  follows?: string[];
  /** Said in docs/salesforce.md instead of a mapping table, for a type that takes no mapping rules. */
  docsNote?: string;
  /** Fields an import writes besides its mapping's (its fixed objects), by object: what `ferry salesforce check` asks for. */
  writes?: Record<string, string[]>;
  /**
   * What an integration that reads this entity from Salesforce takes by default (direction
   * to_ferry): the CRM import's field table. Two-way integrations combine it with `defaults`
   * (see defaultRules).
   */
  reading?: z.input<typeof ruleInput>[];
}
