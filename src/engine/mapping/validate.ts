import { distance } from 'fastest-levenshtein';
import { entityByName, type Issue } from '../../platform/index.ts';
import type { FieldDescribe, ObjectDescribe } from '../../salesforce/describe.ts';
import { valueKindFits } from '../../salesforce/field-check.ts';
import type { EntityType } from '../types.ts';
import { EXTERNAL_ID_FIELD } from './definition.ts';
import { DEFINITIONS } from './entities/index.ts';
import { compileExpression, isExpressionError, type ValueKind } from './expressions.ts';
import { normaliseRules, targetOf } from './mapping.ts';
import { resolvePath, type FerryField } from './paths.ts';
import { isRelationshipField, readsFromSalesforce, ruleKey, sendsToSalesforce, type Rule } from './rules.ts';

export interface MappingCheck {
  rules: Rule[];
  /** Problems: nothing is saved while there is one. */
  issues: Issue[];
  /** Fits that can only be checked per value, at delivery (longer text allowed in Ferry than in the field). */
  warnings: Issue[];
}

export interface ValidationContext {
  /** Contact type codes known in Ferry: contact point rules name one of them, or `*`. */
  contactTypes?: string[] | undefined;
  /** Describes of the connected org's objects, by lower-case name; absent: Salesforce-side checks wait for the connection. */
  describes?: Map<string, ObjectDescribe | null> | undefined;
}

/** The Salesforce object each Ferry entity is delivered as (the target of a lookup rule). */
function objectOfEntity(entity: string): string | undefined {
  for (const definition of Object.values(DEFINITIONS)) for (const o of definition.objects) if (o.entity === entity) return o.object;
  return undefined;
}


const RESERVED = EXTERNAL_ID_FIELD.toLowerCase();

function describedField(describe: ObjectDescribe, name: string): FieldDescribe | undefined {
  const lower = name.toLowerCase();
  return describe.fields.find((f) => f.name.toLowerCase() === lower);
}

/** The org's field nearest to a misspelt name (a typo or two, a letter swapped), to suggest it. */
function closest(describe: ObjectDescribe, name: string): string | undefined {
  const lower = name.toLowerCase();
  let best: { name: string; distance: number } | undefined;
  for (const f of describe.fields) {
    const d = distance(lower, f.name.toLowerCase());
    if (d <= 2 && (best === undefined || d < best.distance)) best = { name: f.name, distance: d };
  }
  return best?.name;
}

/**
 * Checks a mapping as a person saves it: Ferry paths against the entity's schema, transforms
 * parse, lookups name a reference Ferry has, and (with describes of the connected org) every
 * Salesforce field exists, can be written and takes the value's kind. Every problem comes back at
 * once, with the path of the rule and the part of it that is wrong.
 */
export function validateMapping(entityType: EntityType, inputs: unknown[], context: ValidationContext = {}): MappingCheck {
  const definition = DEFINITIONS[entityType];
  const { rules, issues } = normaliseRules(entityType, inputs);
  if (entityType === 'ReferenceData') {
    inputs.forEach((_input, index) => issues.push({ path: ['rules', index], message: 'reference data goes to Ferry_Reference__c with fixed fields: a ReferenceData integration takes no mapping rules' }));
  }
  if (entityType === 'Reconciliation') {
    inputs.forEach((_input, index) => issues.push({ path: ['rules', index], message: 'a reconciliation writes nothing to Salesforce: it takes no mapping rules (the fields it compares are in reconciliation.fields)' }));
  }
  const warnings: Issue[] = [];
  // normaliseRules drops rules that do not parse: keep each rule's original index for paths.
  const indexOf = new Map<Rule, number>();
  {
    let next = 0;
    inputs.forEach((_input, index) => {
      const rule = rules[next];
      if (rule !== undefined && !issues.some((issue) => issue.path[1] === index)) {
        indexOf.set(rule, index);
        next++;
      }
    });
  }
  const sendingKeys = new Map<string, number>();
  const receivingPaths = new Map<string, number>();
  for (const rule of rules) {
    const index = indexOf.get(rule)!;
    const at = (...path: (string | number)[]) => ['rules', index, ...path];
    const target = targetOf(definition, rule.object);
    if (target === undefined) {
      const objects = definition.objects.flatMap((o) => [o.object, ...(o.children !== undefined ? [o.children.object] : [])]);
      issues.push({ path: at('object'), message: `${entityType} integrations write ${objects.join(', ')}, not ${rule.object}` });
      continue;
    }
    const entity = target.owner.entity;
    if (rule.salesforce.toLowerCase() === RESERVED) {
      issues.push({ path: at('salesforce'), message: `${EXTERNAL_ID_FIELD} holds the Ferry id that every delivery upserts by; Ferry fills it itself, so no rule may write it` });
      continue;
    }
    if (sendsToSalesforce(rule) && isRelationshipField(rule.salesforce)) {
      issues.push({ path: at('salesforce'), message: `${rule.salesforce} is a field of a related record: Ferry reads it (direction "to_ferry") but cannot write it` });
      continue;
    }
    if (sendsToSalesforce(rule)) {
      const key = ruleKey(rule);
      const first = sendingKeys.get(key);
      if (first !== undefined) issues.push({ path: at('salesforce'), message: `${rule.object}.${rule.salesforce} is already written by rules[${first}]: one rule per Salesforce field${rule.kind === 'contact_point' ? ' and contact type' : ''}` });
      else sendingKeys.set(key, index);
    }

    let ferryKind: ValueKind = 'unknown';
    let ferryField: FerryField | undefined;
    if (rule.kind === 'field') {
      const childPrefix = target.child !== undefined ? `${target.child.path}[]` : undefined;
      if (childPrefix === undefined && /\[\]/.test(rule.ferry)) {
        issues.push({ path: at('ferry'), message: `list items (${rule.ferry}) map to the object of the items (e.g. ${definition.objects.find((o) => o.children)?.children?.object ?? 'their own object'}), not to ${rule.object}` });
        continue;
      }
      const resolved = resolvePath(entity, rule.ferry);
      if (!resolved.ok) {
        issues.push({ path: at('ferry'), message: `${resolved.message}` });
        continue;
      }
      ferryField = resolved.field;
      if (rule.transform !== undefined) {
        const compiled = compileExpression(rule.transform);
        if (isExpressionError(compiled)) {
          issues.push({ path: at('transform'), message: `is not a valid JSONata expression: ${compiled.message}${compiled.position !== undefined ? ` (at character ${compiled.position})` : ''}` });
          continue;
        }
        ferryKind = compiled.kind;
      } else if (ferryField.kind === 'object' || ferryField.kind === 'array') {
        issues.push({ path: at('ferry'), message: `${rule.ferry} is ${ferryField.kind === 'object' ? 'a group of fields' : 'a list'}: map one of its fields (e.g. ${rule.ferry}.${ferryField.kind === 'object' ? 'locality' : 'number'}) or give a transform that makes one value of it` });
        continue;
      } else {
        ferryKind = ferryField.kind;
      }
      if (readsFromSalesforce(rule)) {
        if (['id', 'createdAt', 'updatedAt'].includes(rule.ferry)) issues.push({ path: at('ferry'), message: `${rule.ferry} is set by Ferry and cannot be written from Salesforce: use direction "to_salesforce"` });
        const first = receivingPaths.get(`${rule.object}:${rule.ferry}`);
        if (first !== undefined) issues.push({ path: at('ferry'), message: `${rule.ferry} is already written from Salesforce by rules[${first}]` });
        else receivingPaths.set(`${rule.object}:${rule.ferry}`, index);
      }
    } else if (rule.kind === 'lookup') {
      const references = entityByName(entity)?.references;
      const known = typeof references === 'function' ? [] : (references ?? []);
      const isParent = target.child !== undefined && rule.ferry === 'id' && rule.target === entity;
      const ok = isParent || (target.child === undefined && known.some((r) => r.field === rule.ferry && r.entity === rule.target));
      if (!ok) {
        const offered = target.child !== undefined ? [`{"ferry": "id", "target": "${entity}"} (the parent)`] : known.filter((r) => objectOfEntity(r.entity) !== undefined).map((r) => `{"ferry": "${r.field}", "target": "${r.entity}"}`);
        issues.push({ path: at('ferry'), message: `${rule.ferry} of ${entity} is not a reference to ${rule.target}${offered.length > 0 ? `; lookups here: ${offered.join(', ')}` : ''}` });
        continue;
      }
      if (objectOfEntity(rule.target) === undefined) {
        issues.push({ path: at('target'), message: `${rule.target} are not delivered to Salesforce by any integration, so there is no Salesforce record to point at` });
        continue;
      }
      // A record's own lookup may be read back (through the links of its target); a child's link to
      // its parent is Ferry's structure, not data.
      if (rule.direction !== 'to_salesforce' && isParent) issues.push({ path: at('direction'), message: 'a child\'s lookup to its parent goes to Salesforce only: use "to_salesforce"' });
      ferryKind = 'id';
    } else {
      if (entityType !== 'Contact') {
        issues.push({ path: at('kind'), message: 'contact points belong to Contact integrations' });
        continue;
      }
      if (rule.contactType !== '*' && context.contactTypes !== undefined && !context.contactTypes.includes(rule.contactType)) {
        issues.push({ path: at('contactType'), message: `no contact type has code ${JSON.stringify(rule.contactType)}; use "*" (any type)${context.contactTypes.length > 0 ? ` or one of ${context.contactTypes.join(', ')}` : ' or create the contact type first (POST /api/v1/contact-types)'}` });
      }
      ferryKind = 'string';
      ferryField = { kind: 'string', maxLength: rule.point === 'email' ? 254 : rule.point.startsWith('phone.') ? 32 : 255 };
    }

    // ---- Salesforce side -----------------------------------------------------------------------
    const describe = context.describes?.get(rule.object.toLowerCase());
    if (context.describes === undefined || describe === undefined) continue;
    // A related record's field is checked by Salesforce when the integration first reads.
    if (isRelationshipField(rule.salesforce)) continue;
    if (describe === null) {
      issues.push({ path: at('object'), message: `the connected org has no object ${rule.object}: deploy Ferry's objects (salesforce/) or correct the name` });
      continue;
    }
    const field = describedField(describe, rule.salesforce);
    if (field === undefined) {
      const suggestion = closest(describe, rule.salesforce);
      issues.push({ path: at('salesforce'), message: `${rule.object} has no field ${rule.salesforce} in the connected org${suggestion !== undefined ? `; did you mean ${suggestion}?` : ': create it, or pick a field from describe'}` });
      continue;
    }
    if (field.name !== rule.salesforce) {
      issues.push({ path: at('salesforce'), message: `is spelled ${field.name} in Salesforce: use the exact API name` });
      continue;
    }
    if (sendsToSalesforce(rule) && !field.createable && !field.updateable) {
      issues.push({ path: at('salesforce'), message: `${rule.object}.${field.name} cannot be written (a formula, roll-up or system field): choose a writable field, or use direction "to_ferry"` });
      continue;
    }
    if (rule.kind === 'lookup') {
      const expected = objectOfEntity(rule.target)!;
      if (field.type !== 'reference') issues.push({ path: at('salesforce'), message: `${rule.object}.${field.name} is a ${field.type} field, not a reference: a lookup needs a field that points at ${expected}` });
      else if (!field.referenceTo.some((t) => t.toLowerCase() === expected.toLowerCase())) issues.push({ path: at('salesforce'), message: `${rule.object}.${field.name} points at ${field.referenceTo.join(', ')}, not at ${expected} (where ${rule.target} go)` });
      continue;
    }
    if (!sendsToSalesforce(rule)) continue;
    const misfit = valueKindFits(field, ferryField?.decimal !== undefined ? 'number' : ferryKind);
    if (misfit !== undefined) {
      issues.push({ path: at(rule.kind === 'field' && rule.transform !== undefined ? 'transform' : 'salesforce'), message: misfit });
      continue;
    }
    if (ferryField?.values !== undefined && field.restrictedPicklist && rule.kind === 'field' && rule.transform === undefined) {
      const missing = ferryField.values.filter((v) => !field.picklistValues.includes(v));
      if (missing.length > 0) issues.push({ path: at('salesforce'), message: `${rule.object}.${field.name} is a restricted picklist without ${missing.map((v) => JSON.stringify(v)).join(', ')}, values Ferry's ${rule.ferry} takes: add them to the picklist` });
    }
    const textual = ['string', 'textarea', 'email', 'phone', 'url', 'picklist', 'multipicklist', 'encryptedstring'].includes(field.type);
    if (textual && ferryField?.maxLength !== undefined && field.length > 0 && ferryField.maxLength > field.length) {
      warnings.push({ path: at('salesforce'), message: `Ferry allows ${ferryField.maxLength} characters, ${rule.object}.${field.name} holds ${field.length}: a longer value is held back with an integration.validation.error event, never cut` });
    }
    const decimal = rule.kind === 'field' && rule.transform === undefined ? ferryField?.decimal : undefined;
    const holds = field.type === 'int' ? { integerDigits: field.digits, decimals: 0 } : { integerDigits: field.precision - field.scale, decimals: field.scale };
    if (['double', 'currency', 'percent', 'int'].includes(field.type) && decimal !== undefined && (decimal.integerDigits > holds.integerDigits || decimal.decimals > holds.decimals)) {
      warnings.push({ path: at('salesforce'), message: `Ferry's ${rule.kind === 'field' ? rule.ferry : 'value'} takes up to ${decimal.integerDigits} integer digits and ${decimal.decimals} decimals, ${rule.object}.${field.name} holds ${holds.integerDigits} and ${holds.decimals}: a value with more is held back with an integration.validation.error event, never rounded` });
    }
  }
  return { rules, issues, warnings };
}
