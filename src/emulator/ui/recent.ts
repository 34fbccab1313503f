// Recently viewed items: what each user read through the REST retrieve route or created, and the
// list views they opened, most recent first. Salesforce keeps up to 200 recent records per object
// for a user (the /recent resource's default limit); so does this, from the moment each is noted.
import type { Org } from '../org.ts';
import type { Table } from '../store/store.ts';
import { isLayoutable, nameFieldOf } from './common.ts';

const MAX_RECENT_PER_OBJECT = 200;

export class RecentItems {
  readonly #org: Org;
  /**
   * user id -> object name -> record id -> sequence number (higher is more recent), at most
   * MAX_RECENT_PER_OBJECT a user and object: every creation is noted, so an org seeded with a
   * million records keeps 200 of them here, not a million.
   */
  #records = new Map<string, Map<string, Map<string, number>>>();
  /** user id -> list view id -> sequence number. */
  #listViews = new Map<string, Map<string, number>>();
  #seq = 0;
  /** The User table the entries were noted against: a test reset replaces every table. */
  #generation: Table | undefined;

  constructor(org: Org) {
    this.#org = org;
    this.#generation = org.store.table('User');
    org.store.onChange((changes) => {
      for (const c of changes) if (c.changeType === 'CREATE') this.noteRecord(c.userId, c.recordId);
    });
  }

  /** Forgets everything once the org was reset: its records and views are not the same any more. */
  #current(): void {
    const generation = this.#org.store.table('User');
    if (generation === this.#generation) return;
    this.#generation = generation;
    this.#records.clear();
    this.#listViews.clear();
  }

  /** Notes `id` as the most recent of `map` (insertion order is recency: it is moved to the end). */
  #note<K>(map: Map<K, Map<string, number>>, key: K, id: string, max = Infinity): void {
    let mine = map.get(key);
    if (mine === undefined) {
      mine = new Map();
      map.set(key, mine);
    }
    this.#seq += 1;
    mine.delete(id);
    mine.set(id, this.#seq);
    if (mine.size > max) mine.delete(mine.keys().next().value!);
  }

  noteRecord(userId: string, id: string): void {
    const def = this.#org.store.tableOfId(id)?.def;
    if (def === undefined || !isLayoutable(def)) return;
    this.#current();
    let objects = this.#records.get(userId);
    if (objects === undefined) {
      objects = new Map();
      this.#records.set(userId, objects);
    }
    this.#note(objects, def.name, id, MAX_RECENT_PER_OBJECT);
  }

  noteListView(userId: string, listViewId: string): void {
    this.#current();
    this.#note(this.#listViews, userId, listViewId);
  }

  /** Live records the user saw or created, most recent first, at most 200 per object. */
  records(userId: string, objectName?: string): { id: string; objectName: string; name: unknown; nameField: string }[] {
    this.#current();
    const objects = [...(this.#records.get(userId) ?? new Map<string, Map<string, number>>()).entries()]
      .filter(([name]) => objectName === undefined || name.toLowerCase() === objectName.toLowerCase());
    const ids = objects.flatMap(([, noted]) => [...noted.entries()]).sort((a, b) => b[1] - a[1]).map(([id]) => id);
    const out: { id: string; objectName: string; name: unknown; nameField: string }[] = [];
    for (const id of ids) {
      const found = this.#org.store.get(id);
      if (found === undefined || found.deleted) continue;
      const def = found.table.def;
      const nameField = nameFieldOf(def)?.name ?? 'Name';
      out.push({ id, objectName: def.name, name: found.values[nameField] ?? null, nameField });
    }
    return out;
  }

  /** Ids of list views the user opened, most recent first. */
  listViews(userId: string): string[] {
    this.#current();
    return [...(this.#listViews.get(userId) ?? new Map<string, number>()).entries()].sort((a, b) => b[1] - a[1]).map(([id]) => id);
  }
}

/** A recent record as /recent and an object's `recentItems` show it. */
export function recentRecordJson(item: { id: string; objectName: string; name: unknown; nameField: string }, version: string): Record<string, unknown> {
  return { attributes: { type: item.objectName, url: `/services/data/v${version}/sobjects/${item.objectName}/${item.id}` }, Id: item.id, [item.nameField]: item.name };
}
