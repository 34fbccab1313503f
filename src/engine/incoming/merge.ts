// Field-by-field merge of a Salesforce change into a Ferry record, against the link's base (the
// last value both sides agreed on). Pure: no I/O, unit tested.
import type { CONFLICT_POLICIES } from '../integrations/schemas.ts';
import { sameValue } from './reading.ts';

export type ConflictPolicy = (typeof CONFLICT_POLICIES)[number];

export interface FieldConflict {
  path: string;
  base: unknown;
  ferry: unknown;
  salesforce: unknown;
  outcome: 'ferry' | 'salesforce' | 'held';
}

export interface MergeInput {
  /** By path: the base (absent: the field has none yet), Ferry's value, Salesforce's value. */
  base: Record<string, unknown> | null;
  ferry: Record<string, unknown>;
  salesforce: Record<string, unknown>;
  policy: ConflictPolicy;
  /** When each side last changed the record (newest_wins). */
  ferryChangedAt: Date;
  salesforceChangedAt: Date;
  /** Paths Salesforce is the source of truth for (sync.contactData): its value wins whatever the policy. */
  salesforceOwns?: ((path: string) => boolean) | undefined;
}

export interface MergeOutcome {
  /** Values Ferry takes from Salesforce. */
  toFerry: Record<string, unknown>;
  /** Paths Salesforce changed (whatever became of them). */
  salesforceChanged: string[];
  conflicts: FieldConflict[];
  /** The base after this merge. */
  base: Record<string, unknown>;
}

/**
 * Per field: unchanged in Salesforce (equal to the base) → nothing; changed in Salesforce only →
 * Ferry takes it; changed on both sides to the same value → agreed; changed on both sides to
 * different values → a conflict the policy settles (Ferry's value stays, Salesforce's is taken,
 * the newer side's wins, or it is held and neither moves). A field with no base yet counts
 * Ferry's value as the base: Ferry delivered it, so a difference is Salesforce's change.
 */
export function merge(input: MergeInput): MergeOutcome {
  const out: MergeOutcome = { toFerry: {}, salesforceChanged: [], conflicts: [], base: { ...(input.base ?? {}) } };
  for (const [path, incoming] of Object.entries(input.salesforce)) {
    const ferry = input.ferry[path] ?? null;
    const base = input.base !== null && path in input.base ? input.base[path] : ferry;
    if (sameValue(incoming, base)) continue;
    out.salesforceChanged.push(path);
    const ferryChanged = !sameValue(ferry, base);
    if (!ferryChanged || sameValue(ferry, incoming)) {
      if (!sameValue(ferry, incoming)) out.toFerry[path] = incoming;
      out.base[path] = incoming;
      continue;
    }
    const winner = input.salesforceOwns?.(path) === true ? 'salesforce'
      : input.policy === 'ferry_wins' ? 'ferry'
      : input.policy === 'salesforce_wins' ? 'salesforce'
      : input.policy === 'newest_wins' ? (input.salesforceChangedAt.getTime() > input.ferryChangedAt.getTime() ? 'salesforce' : 'ferry')
      : 'held';
    out.conflicts.push({ path, base, ferry, salesforce: incoming, outcome: winner });
    if (winner === 'salesforce') {
      out.toFerry[path] = incoming;
      out.base[path] = incoming;
    }
    // Ferry's value wins: it goes out with Ferry's own pending change, which sets the base then.
  }
  return out;
}
