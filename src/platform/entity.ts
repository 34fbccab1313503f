import type { z } from 'zod';

/** A problem with one field of one record: `path` points into the record as the caller sent it. */
export interface Issue {
  path: (string | number)[];
  message: string;
}

export type RecordData = Record<string, unknown>;

/**
 * A field that holds the id of another record, which must exist (and be live) in the same org.
 * `entity` names a billing entity, or `integrations` for the engine's integrations.
 */
export interface Reference {
  field: string;
  entity: string;
  /** The field holds a list of ids (a product's services), each of which must exist. */
  many?: boolean;
}

/**
 * Everything specific about one billing entity. The store, the API routes, the bulk import and the
 * OpenAPI document are all generated from these definitions; nothing is written per entity.
 */
export interface EntityDefinition {
  /** URL segment and journal name: "accounts", "balance-transactions". */
  name: string;
  /** Human label for messages and docs: "account", "balance transaction". */
  label: string;
  /** Schema name in the OpenAPI document: "Account". */
  typeName: string;
  /** The writable fields, strict: unknown fields are refused. */
  schema: z.ZodObject;
  /** The natural key field (unique among live records); otherwise `externalKey` serves. */
  keyField?: string;
  /** Static references, or a function when the target depends on the record (external mappings). */
  references: Reference[] | ((data: RecordData) => Reference[]);
  /** Derives the natural key when it is not a single field (external mappings); null when the input has none. */
  keyOf?: (data: RecordData) => string | null;
  /** How a record finds its account: a field of its own, or through a referenced parent. */
  account?: { field: string } | { via: string };
  /** A reference field copied to the `parent_id` column, for fast child look-ups. */
  parentField?: string;
  /** Extra equality filters on list, by field name. */
  filters: string[];
  /** Cross-field rules; returns the issues found (empty when valid). */
  check?: (data: RecordData) => Issue[];
  /** Canonical form of a valid record (e.g. amounts to currency minor units). */
  normalise?: (data: RecordData) => RecordData;
  /** Refuses any change to an existing record in this state, with a reason. */
  frozen?: (data: RecordData) => string | undefined;
  /** Named state changes offered as `POST /{entity}/{id}/{action}`: a fixed patch. */
  actions?: Record<string, { summary: string; patch: RecordData }>;
}
