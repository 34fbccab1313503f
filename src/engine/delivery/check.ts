import type { FieldDescribe, ObjectDescribe } from '../../salesforce/describe.ts';
import { checkValue } from '../../salesforce/field-check.ts';
import { SalesforceError } from '../../salesforce/index.ts';
import type { CompiledMapping, ObjectMapper } from '../mapping/mapping.ts';
import type { DeliveryContext, Planned } from './context.ts';

const fieldMaps = new WeakMap<ObjectDescribe, Map<string, FieldDescribe>>();

/** An object's fields by name (exact and lower-case), built once per describe. */
function fieldsOf(describe: ObjectDescribe): Map<string, FieldDescribe> {
  let map = fieldMaps.get(describe);
  if (map === undefined) {
    map = new Map();
    for (const f of describe.fields) {
      map.set(f.name, f);
      map.set(f.name.toLowerCase(), f);
    }
    fieldMaps.set(describe, map);
  }
  return map;
}

function problemsOf(describe: ObjectDescribe | undefined, object: string, fields: Record<string, unknown>, where: string): string[] {
  if (describe === undefined) return [];
  const problems: string[] = [];
  const byName = fieldsOf(describe);
  for (const [name, value] of Object.entries(fields)) {
    if (value === null || value === undefined) continue;
    const field = byName.get(name) ?? byName.get(name.toLowerCase());
    // A parent named by external id is checked by Salesforce; fields the org lacks stop the run
    // before this stage (assertMappedFieldsExist).
    if (field === undefined) continue;
    if (typeof value === 'object') {
      problems.push(`${object}.${field.name}${where}: the mapping produced ${Array.isArray(value) ? 'a list' : 'an object'}, not one value (correct the transform)`);
      continue;
    }
    const problem = checkValue(field, value);
    if (problem !== undefined) problems.push(`${object}.${field.name}${where}: ${problem.message}`);
  }
  return problems;
}

/**
 * The check stage: every value against its Salesforce field before anything is sent. A value
 * longer than the field, with more digits or decimals than it holds, or outside a restricted
 * picklist holds the record back with an `integration.validation.error` event naming the field
 * and the limit: nothing is ever cut or rounded on the way.
 */
export function check(context: DeliveryContext, mapper: ObjectMapper, planned: Planned[]): Planned[] {
  if (context.describes === undefined) return planned;
  const describe = context.describes.get(mapper.object.toLowerCase());
  const childObject = mapper.child?.definition.object;
  const childDescribe = childObject === undefined ? undefined : context.describes.get(childObject.toLowerCase());
  return planned.map((p) => {
    if (p.action !== 'upsert') return p;
    const problems = problemsOf(describe, mapper.object, p.fields, '');
    for (const child of p.children ?? []) problems.push(...problemsOf(childDescribe, childObject!, child.fields, ` of line ${child.key}`));
    if (problems.length === 0) return p;
    return {
      candidate: p.candidate,
      action: 'fail',
      event: {
        name: 'integration.validation.error',
        entity: mapper.definition.entity,
        entityId: p.candidate.record.id,
        message: `Not sent: ${problems.join('; ')}.`,
        hint: 'Correct the value on the Ferry record, widen the Salesforce field, or change the mapping, then retry this event.',
      },
    } satisfies Planned;
  });
}

/**
 * Fail closed: every field the mapping sends must exist in the org. A field deleted or renamed
 * there since the mapping was saved stops the run before anything is sent.
 */
export function assertMappedFieldsExist(mapping: CompiledMapping, describes: Map<string, ObjectDescribe | null>): void {
  const problems: string[] = [];
  for (const mapper of mapping.objects) {
    for (const fields of [mapper.main, ...(mapper.child !== undefined ? [mapper.child.mapper] : [])]) {
      const describe = describes.get(fields.object.toLowerCase());
      if (describe === null || describe === undefined) {
        problems.push(`the org has no object ${fields.object}`);
        continue;
      }
      const names = new Set(describe.fields.map((f) => f.name.toLowerCase()));
      const wanted = [...fields.fields.map((f) => f.rule.salesforce), ...fields.lookups.map((l) => l.salesforce), ...fields.contactPoints.map((c) => c.salesforce)];
      const absent = [...new Set(wanted.filter((w) => !names.has(w.toLowerCase())))];
      if (absent.length > 0) problems.push(`${fields.object} has no field ${absent.join(', ')}`);
    }
  }
  if (problems.length > 0) {
    throw new SalesforceError({
      kind: 'config',
      errorCode: 'MAPPED_FIELD_MISSING',
      message: `The mapping sends fields the org does not have: ${problems.join('; ')}. Nothing was sent.`,
    });
  }
}
