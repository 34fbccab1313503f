import { syncOf, type IntegrationRow } from '../integrations/integrations.ts';
import { MappingCompileError, defaultRules, normaliseRules } from './mapping.ts';
import type { Rule } from './rules.ts';

/**
 * The integration's rules: its own (as stored), or its entity type's default mapping for the way
 * it syncs (sending, reading, or both).
 */
export function storedRules(integration: Pick<IntegrationRow, 'entity_type' | 'mapping' | 'sync'>): Rule[] {
  if (integration.mapping === null) return defaultRules(integration.entity_type, syncOf(integration).direction);
  const { rules, issues } = normaliseRules(integration.entity_type, integration.mapping);
  if (issues.length > 0) throw new MappingCompileError(issues);
  return rules;
}

/** Ferry paths that are an account's contact data (its addresses, phones, e-mail and website). */
const ACCOUNT_CONTACT_DATA = /^(address|shippingAddress|phones|emailAddress|website|emailDomains)(\.|$)/;

/** Whether a Ferry path (or contact point) is contact data: a contact's (all but its account), or an account's. */
export function isContactData(entityType: string, path: string): boolean {
  if (entityType === 'Contact') return path !== 'accountId';
  if (entityType === 'Account') return ACCOUNT_CONTACT_DATA.test(path);
  return false;
}

/** Whether a rule moves contact data (by the value it is about: its Ferry path, or its contact point). */
function movesContactData(entityType: string, rule: Rule): boolean {
  return isContactData(entityType, rule.kind === 'contact_point' ? rule.point : rule.ferry);
}

/**
 * The rules a run follows: the stored ones, with contact data going one way only when the
 * integration names its source of truth (sync.contactData): from Salesforce (its rules read and
 * never send) or from Ferry (they send and never read).
 */
export function effectiveRules(integration: Pick<IntegrationRow, 'entity_type' | 'mapping' | 'sync'>): Rule[] {
  const rules = storedRules(integration);
  const source = syncOf(integration).contactData;
  if (source === null) return rules;
  const keep = source === 'salesforce' ? 'to_ferry' : 'to_salesforce';
  return rules.flatMap((rule): Rule[] => {
    if (!movesContactData(integration.entity_type, rule)) return [rule];
    if (rule.direction === 'both') return [{ ...rule, direction: keep }];
    return rule.direction === keep ? [rule] : [];
  });
}
