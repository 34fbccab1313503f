import type { Issue } from './entity.ts';

/** Expected outcomes of a write are values, not exceptions: the API maps each code to a status. */
export type StoreErrorCode =
  | 'validation_failed'
  | 'not_found'
  | 'version_conflict'
  | 'duplicate_key'
  | 'record_locked'
  | 'has_dependents'
  | 'reference_not_found'
  | 'org_mismatch'
  /** Salesforce could not be asked (a check against the org): nothing was changed. */
  | 'salesforce_error';

export interface StoreError {
  code: StoreErrorCode;
  message: string;
  details: Issue[];
}

/** The error as one line of text: its message, then each detail as `path: message`. */
export function errorText(error: StoreError): string {
  const detail = error.details.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
  return detail === '' ? error.message : `${error.message} (${detail})`;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: StoreError };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });

export const fail = <T = never>(code: StoreErrorCode, message: string, details: Issue[] = []): Result<T> => ({
  ok: false,
  error: { code, message, details },
});
