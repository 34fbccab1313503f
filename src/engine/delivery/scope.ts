import type { StoredRecord } from '../../platform/index.ts';
import type { Database } from '../../storage/index.ts';
import { compileAccountFilter } from '../filters/account-filter.ts';
import type { IntegrationRow } from '../integrations/integrations.ts';
import type { ObjectMapper } from '../mapping/mapping.ts';
import type { Candidate } from './context.ts';
import { loadCandidates } from './select.ts';

/** Keep (undefined) or the reason a record is left out by the integration's settings. */
export type Scope = (candidate: Candidate) => string | undefined;

/**
 * The integration's scope over these candidates: included and excluded accounts, the account
 * filter (the accounts are read only when there is one), and the entity's own rules (a bill's
 * approval). A stored filter that no longer compiles keeps nothing: it never widens what is sent.
 */
export async function scopeOf(db: Database, integration: IntegrationRow, mapper: ObjectMapper, candidates: Candidate[]): Promise<Scope> {
  const settings = integration.settings;
  const included = new Set(settings.includedAccountIds);
  const excluded = new Set(settings.excludedAccountIds);
  const filter = settings.accountFilter === null ? undefined : compileAccountFilter(settings.accountFilter);
  if (filter?.ok === false) {
    const reason = `the stored account filter no longer compiles (${filter.error.message} at character ${filter.error.position}): nothing is sent until it is fixed`;
    return () => reason;
  }
  let accounts = new Map<string, StoredRecord>();
  if (filter !== undefined) {
    const ids = [...new Set(candidates.map((c) => c.accountId).filter((id): id is string => id !== null))];
    accounts = new Map((await loadCandidates(db, integration.org_id, 'accounts', ids)).map((c) => [c.record.id, c.record]));
  }
  return (candidate) => {
    const accountId = candidate.accountId;
    if (included.size > 0 && (accountId === null || !included.has(accountId))) return 'account not in includedAccountIds';
    if (accountId !== null && excluded.has(accountId)) return 'account in excludedAccountIds';
    if (filter?.ok === true) {
      const account = accountId === null ? undefined : accounts.get(accountId);
      if (account === undefined || !filter.filter(account)) return 'account does not match the account filter';
    }
    return mapper.definition.scope?.(candidate.record, settings);
  };
}
