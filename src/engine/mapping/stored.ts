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
