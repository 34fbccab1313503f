import { SalesforceError, type ObjectDescribe, type SalesforceClient } from '../../salesforce/index.ts';

/** How long a describe is trusted: a field widened or removed in the org is seen within this. */
export const DESCRIBE_TTL_MS = 10 * 60_000;

/**
 * Describes of the connected orgs' objects, by org and object, kept for a few minutes: mapping
 * validation at save and the check stage of every run read them without a call each time. An
 * object the org lacks is remembered as null.
 */
export class SchemaCache {
  readonly #entries = new Map<string, { at: number; describe: ObjectDescribe | null }>();
  readonly #ttlMs: number;

  constructor(ttlMs = DESCRIBE_TTL_MS) {
    this.#ttlMs = ttlMs;
  }

  /** Describes of these objects (null for those the org lacks), fetched once per TTL. */
  async describe(client: SalesforceClient, salesforceOrgId: string, objects: string[]): Promise<Map<string, ObjectDescribe | null>> {
    const out = new Map<string, ObjectDescribe | null>();
    const now = Date.now();
    const stale = new Map<string, string>();
    for (const object of objects) {
      const key = object.toLowerCase();
      const cached = this.#entries.get(`${salesforceOrgId}/${key}`);
      if (cached !== undefined && now - cached.at < this.#ttlMs) out.set(key, cached.describe);
      else stale.set(key, object);
    }
    if (stale.size === 0) return out;
    // One describe call per object, side by side; an object the org lacks answers NOT_FOUND.
    const names = [...stale.values()];
    const described = await Promise.all(names.map(async (object) => {
      try {
        return await client.describe(object);
      } catch (error) {
        if (error instanceof SalesforceError && (error.info.errorCode === 'NOT_FOUND' || error.info.httpStatus === 404)) return null;
        throw error;
      }
    }));
    names.forEach((object, i) => {
      const describe = described[i] ?? null;
      this.#entries.set(`${salesforceOrgId}/${object.toLowerCase()}`, { at: Date.now(), describe });
      out.set(object.toLowerCase(), describe);
    });
    return out;
  }

  /** Forgets an org's describes (a run met a field Salesforce no longer has). */
  forget(salesforceOrgId: string): void {
    for (const key of this.#entries.keys()) if (key.startsWith(`${salesforceOrgId}/`)) this.#entries.delete(key);
  }
}
