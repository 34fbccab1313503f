import type { EntityType } from '../../types.ts';
import { INCOMING_ENTITY_TYPES, READ_ONLY_ENTITY_TYPES } from '../../integrations/schemas.ts';
import { EXTERNAL_ID_FIELD, LAST_SYSTEM_FIELD, type EntityTypeDefinition } from '../definition.ts';
import { accountDefinition } from './account.ts';
import { balanceDefinition } from './balance.ts';
import { billDefinition } from './bill.ts';
import { catalogueDefinition } from './catalogue.ts';
import { commitmentDefinition } from './commitment.ts';
import { contactDefinition } from './contact.ts';
import { contractDefinition } from './contract.ts';
import { reconciliationDefinition, referenceDataDefinition } from './reference.ts';
import { subscriptionDefinition } from './subscription.ts';
import { ticketDefinition } from './ticket.ts';

/** One definition per entity type; adding an entity type means adding a file here. */
export const DEFINITIONS: Record<EntityType, EntityTypeDefinition> = {
  Account: accountDefinition,
  Contact: contactDefinition,
  Contract: contractDefinition,
  Commitment: commitmentDefinition,
  Balance: balanceDefinition,
  Bill: billDefinition,
  Ticket: ticketDefinition,
  Subscription: subscriptionDefinition,
  Catalogue: catalogueDefinition,
  ReferenceData: referenceDataDefinition,
  Reconciliation: reconciliationDefinition,
};

/** Journal entities whose changes an integration of this type follows. */
export function entitiesOf(type: EntityType): string[] {
  return DEFINITIONS[type].follows ?? DEFINITIONS[type].objects.map((o) => o.entity);
}

/** Every Salesforce object and field the default mappings write (what `ferry salesforce check` asks the org for). */
export function requiredSalesforceFields(): Map<string, Set<string>> {
  const required = new Map<string, Set<string>>();
  for (const [type, definition] of Object.entries(DEFINITIONS)) {
    // Ferry only reads the objects of these: it needs none of its fields on them.
    if ((READ_ONLY_ENTITY_TYPES as readonly string[]).includes(type) || type === 'Reconciliation') continue;
    const main = definition.objects[0]!.object;
    for (const o of definition.objects) {
      required.set(o.object, new Set([EXTERNAL_ID_FIELD]));
      if (o.children !== undefined) required.set(o.children.object, new Set([EXTERNAL_ID_FIELD]));
    }
    // Two-way integrations mark their writes on the main object.
    if ((INCOMING_ENTITY_TYPES as readonly string[]).includes(type)) required.get(main)!.add(LAST_SYSTEM_FIELD);
    for (const [object, fields] of Object.entries(definition.writes ?? {})) required.set(object, new Set([...(required.get(object) ?? []), ...fields]));
    for (const rule of definition.defaults) {
      const object = rule.object ?? (definition.objects.find((o) => o.children !== undefined && 'ferry' in rule && rule.ferry.startsWith(`${o.children.path}[]`))?.children?.object ?? main);
      required.get(object)!.add(rule.salesforce);
    }
  }
  // The invoice list's columns (the custom setting its component reads; PUT /credentials/{id}/invoice-columns).
  required.set('Ferry_Invoice_Column__c', new Set(['Name', 'Field__c', 'Label__c', 'Position__c']));
  return required;
}
