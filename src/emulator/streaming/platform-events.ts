// Platform events (X__e): published through REST like an insert, never stored as records,
// delivered on /event/X__e with a replay id.
import { randomUUID } from 'node:crypto';
import { IdGenerator } from '../ids.ts';
import type { Org } from '../org.ts';
import type { ObjectDef } from '../schema/types.ts';
import { coerceValue } from '../store/values.ts';
import { json, type EmuResponse } from '../http/types.ts';

const publishIds = new IdGenerator();

export function publishPlatformEvent(org: Org, def: ObjectDef, input: Record<string, unknown>, userId: string): EmuResponse {
  const payload: Record<string, unknown> = {};
  const errors: { statusCode: string; message: string; fields: string[] }[] = [];
  for (const [key, raw] of Object.entries(input)) {
    if (key === 'attributes') continue;
    const field = def.fieldMap.get(key.toLowerCase());
    if (field === undefined || !field.createable) {
      errors.push({ statusCode: 'INVALID_FIELD', message: `No such column '${key}' on sobject of type ${def.name}`, fields: [] });
      continue;
    }
    const coerced = coerceValue(field, raw);
    if (!coerced.ok) errors.push(coerced.error);
    else payload[field.name] = coerced.value;
  }
  if (errors.length > 0) return { status: 400, body: errors.map((e) => ({ message: e.message, errorCode: e.statusCode, fields: e.fields })) };
  const createdDate = new Date(org.store.now()).toISOString();
  org.bus.publish(`/event/${def.name}`, (replayId) => ({
    schema: `emulator-${def.name}`,
    payload: { ...payload, CreatedDate: createdDate, CreatedById: userId, EventUuid: randomUUID() },
    event: { replayId, EventUuid: randomUUID() },
  }));
  org.countEvents(0, 1);
  // Salesforce answers a publish with an id that names the publish, not a stored record.
  return json(201, { id: publishIds.next('e00'), success: true, errors: [] }, 1);
}
