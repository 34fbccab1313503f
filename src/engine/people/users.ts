import type { Origin, RecordStore } from '../../platform/index.ts';
import type { Queryable } from '../../storage/index.ts';

/** A Salesforce user named by a record (an Account's owner): their e-mail and name. */
export interface Person {
  email: string;
  name: string;
}

/**
 * Ferry users for people Salesforce names, by e-mail (lower case): found by their e-mail (a
 * user's key), or created in the caller's transaction with the name Salesforce gives. The map
 * goes from the lower-case e-mail to the user's id; one Ferry refuses (an invalid e-mail) is
 * left out.
 */
export async function usersFor(tx: Queryable, store: RecordStore, orgId: string, people: Iterable<Person>, origin: Origin): Promise<Map<string, string>> {
  const wanted = new Map<string, Person>();
  for (const person of people) {
    const lower = person.email.trim().toLowerCase();
    if (lower !== '' && !wanted.has(lower)) wanted.set(lower, { email: person.email.trim(), name: person.name.trim() === '' ? person.email.trim() : person.name.trim() });
  }
  const found = new Map<string, string>();
  if (wanted.size === 0) return found;
  for (const user of await tx.query<{ id: string; key: string }>(
    "SELECT id, key FROM records WHERE org_id = $1 AND entity = 'users' AND deleted_at IS NULL AND lower(key) = ANY($2::text[])",
    [orgId, [...wanted.keys()]],
  )) found.set(user.key.toLowerCase(), user.id);
  const missing = [...wanted.entries()].filter(([lower]) => !found.has(lower));
  if (missing.length === 0) return found;
  const created = await store.writeManyIn(tx, orgId, 'users', missing.map(([, p]) => ({ kind: 'create' as const, input: { email: p.email, name: p.name } })), origin);
  created.forEach((result, i) => {
    if (result.ok) found.set(missing[i]![0], result.value.record.id);
  });
  return found;
}
