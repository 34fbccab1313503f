import { fail, issuesFromZod, ok, referenceCodes, type Issue, type Result } from '../../platform/index.ts';
import { SalesforceError, type ObjectDescribe } from '../../salesforce/index.ts';
import type { Database } from '../../storage/index.ts';
import type { Credentials } from '../credentials/credentials.ts';
import type { SchemaCache } from '../delivery/schema-cache.ts';
import { readingProblems } from '../incoming/reading.ts';
import { syncOf, type IntegrationRow, type Integrations } from '../integrations/integrations.ts';
import { DEFINITIONS } from './entities/index.ts';
import { MappingCompileError } from './mapping.ts';
import { mappingPatchBody, mappingPutBody, ruleKey, type MappingView, type Rule } from './rules.ts';
import { storedRules } from './stored.ts';
import { validateMapping, type MappingCheck } from './validate.ts';

export interface MappingsDeps {
  db: Database;
  credentials: Credentials;
  integrations: Integrations;
  schemas: SchemaCache;
  /** Queues the full run that resends what a mapping change affects; its id, or null when none could be queued. */
  requestResync: (orgId: string, integrationId: string) => Promise<string | null>;
}

/**
 * Integrations' mappings: read, replaced, patched, reset. Every change is validated whole before
 * anything is saved (Ferry-side always; Salesforce-side against the connected org's describes),
 * saved under the integration's version, and followed by a full run that resends what it affects.
 */
export class Mappings {
  readonly #deps: MappingsDeps;

  constructor(deps: MappingsDeps) {
    this.#deps = deps;
  }

  async get(orgId: string, id: string): Promise<Result<MappingView>> {
    const row = await this.#deps.integrations.row(orgId, id);
    if (row === undefined) return fail('not_found', `No integration has id ${id}.`);
    const rules = readRules(row);
    return rules.ok ? ok(this.#view(row, rules.value, [], null)) : rules;
  }

  async replace(orgId: string, id: string, body: unknown): Promise<Result<MappingView>> {
    const parsed = mappingPutBody.safeParse(body);
    if (!parsed.success) return fail('validation_failed', 'The mapping is not valid.', issuesFromZod(parsed.error, body));
    return this.#save(orgId, id, parsed.data.version, () => ({ rules: parsed.data.rules }));
  }

  async patch(orgId: string, id: string, body: unknown): Promise<Result<MappingView>> {
    const parsed = mappingPatchBody.safeParse(body);
    if (!parsed.success) return fail('validation_failed', 'The change is not valid.', issuesFromZod(parsed.error, body));
    const { add, remove } = parsed.data;
    return this.#save(orgId, id, parsed.data.version, (row, stored) => {
      // A patch applies to the stored rules: ones that no longer validate are replaced or reset first.
      const read = stored();
      if (!read.ok) return { failed: read };
      const current = read.value;
      const main = DEFINITIONS[row.entity_type].objects[0]!.object;
      const problems: Issue[] = [];
      const removeKeys = remove.map((r, index) => {
        const key = ruleKey({ object: r.object ?? main, salesforce: r.salesforce, kind: r.contactType !== undefined ? 'contact_point' : 'field', contactType: r.contactType });
        if (!current.some((rule) => ruleKey(rule) === key)) problems.push({ path: ['remove', index], message: `no rule of this mapping writes ${r.object ?? main}.${r.salesforce}${r.contactType !== undefined ? ` for contact type ${r.contactType}` : ''}` });
        return key;
      });
      if (problems.length > 0) return { issues: problems };
      // Added rules replace the rule writing the same field; they are validated with the rest.
      const kept = current.filter((rule) => !removeKeys.includes(ruleKey(rule)));
      const addedKeys = new Set(add.map((r) => ruleKeyOfInput(r, main)));
      return { rules: [...kept.filter((rule) => !addedKeys.has(ruleKey(rule))), ...add] };
    });
  }

  async reset(orgId: string, id: string): Promise<Result<MappingView>> {
    const row = await this.#deps.integrations.row(orgId, id);
    if (row === undefined) return fail('not_found', `No integration has id ${id}.`);
    const [updated] = await this.#deps.db.query<IntegrationRow>(
      'UPDATE integrations SET mapping = NULL, version = version + 1, updated_at = now() WHERE org_id = $1 AND id = $2 AND version = $3 RETURNING *',
      [orgId, id, row.version],
    );
    if (updated === undefined) return fail('version_conflict', 'The integration changed meanwhile; read it again and repeat the reset.');
    const resync = await this.#resync(updated);
    return ok(this.#view(updated, storedRules(updated), [], resync));
  }

  /**
   * The Salesforce-side checks of an integration's mapping against the org of a credential: run
   * when the integration is connected, refusing the connection with the same errors as a save.
   */
  async checkAgainstCredential(orgId: string, row: IntegrationRow, credentialId: string): Promise<Result<MappingCheck>> {
    const rules = readRules(row);
    return rules.ok ? this.#check(orgId, row, rules.value, credentialId) : rules;
  }

  async #check(orgId: string, row: IntegrationRow, inputs: unknown[], credentialId: string | null): Promise<Result<MappingCheck>> {
    const contactTypes = row.entity_type === 'Contact' ? await this.#contactTypes(orgId) : undefined;
    let describes: Map<string, ObjectDescribe | null> | undefined;
    if (credentialId !== null) {
      // The Ferry-side pass tells which objects the rules name; the second pass reports every
      // problem of both sides at once.
      const first = validateMapping(row.entity_type, inputs, { contactTypes });
      try {
        const { client, identity } = await this.#deps.credentials.open(orgId, credentialId);
        describes = await this.#deps.schemas.describe(client, identity.organizationId, [...new Set(first.rules.map((r) => r.object))]);
      } catch (error) {
        if (!(error instanceof SalesforceError)) throw error;
        return fail('salesforce_error', `Ferry could not read the connected org's fields to check the mapping (${error.info.errorCode}: ${error.info.message}); nothing was saved. Test the credential, then try again.`);
      }
    }
    return ok(validateMapping(row.entity_type, inputs, { contactTypes, describes }));
  }

  async #contactTypes(orgId: string): Promise<string[]> {
    return referenceCodes(this.#deps.db, orgId, 'contact-types');
  }

  async #save(orgId: string, id: string, version: number | undefined, next: (row: IntegrationRow, current: () => Result<Rule[]>) => { rules: unknown[] } | { issues: Issue[] } | { failed: Result<MappingView> }): Promise<Result<MappingView>> {
    const row = await this.#deps.integrations.row(orgId, id);
    if (row === undefined) return fail('not_found', `No integration has id ${id}.`);
    if (version !== undefined && version !== row.version) return fail('version_conflict', `The integration is at version ${row.version}, not ${version}.`, [{ path: ['version'], message: `current version is ${row.version}` }]);
    const produced = next(row, () => readRules(row));
    if ('failed' in produced) return produced.failed;
    if ('issues' in produced) return fail('validation_failed', 'The change is not valid; nothing was saved.', produced.issues);
    return this.#validateAndStore(orgId, row, produced.rules);
  }

  async #validateAndStore(orgId: string, row: IntegrationRow, inputs: unknown[]): Promise<Result<MappingView>> {
    const checked = await this.#check(orgId, row, inputs, row.credential_id);
    if (!checked.ok) return checked;
    const { rules, warnings } = checked.value;
    // An integration that reads back must be able to read every rule it reads.
    const issues = syncOf(row).direction === 'to_salesforce' ? checked.value.issues : [...checked.value.issues, ...readingProblems(rules).map((p) => ({ path: ['rules', p.index, p.field], message: p.message }))];
    if (issues.length > 0) return fail('validation_failed', `The mapping has ${issues.length} problem${issues.length === 1 ? '' : 's'}; nothing was saved.`, issues);
    const [updated] = await this.#deps.db.query<IntegrationRow>(
      'UPDATE integrations SET mapping = $4::jsonb, version = version + 1, updated_at = now() WHERE org_id = $1 AND id = $2 AND version = $3 RETURNING *',
      [orgId, row.id, row.version, JSON.stringify(rules)],
    );
    if (updated === undefined) return fail('version_conflict', `The integration changed while the mapping was being saved (it was at version ${row.version}); read it again and repeat the change.`);
    const resync = await this.#resync(updated);
    return ok(this.#view(updated, rules, warnings, resync));
  }

  /** A full run for a connected, enabled integration: it resends the records whose mapped values changed. */
  async #resync(row: IntegrationRow): Promise<string | null> {
    if (!row.enabled || row.credential_id === null) return null;
    return this.#deps.requestResync(row.org_id, row.id);
  }

  #view(row: IntegrationRow, rules: Rule[], warnings: Issue[], resyncRunId: string | null): MappingView {
    return {
      integrationId: row.id,
      entityType: row.entity_type,
      isDefault: row.mapping === null,
      version: row.version,
      rules,
      warnings,
      resync: resyncRunId === null ? null : { runId: resyncRunId },
    };
  }
}

/** The integration's rules, or why the stored ones no longer validate (after a change of Ferry's schema). */
function readRules(row: IntegrationRow): Result<Rule[]> {
  try {
    return ok(storedRules(row));
  } catch (error) {
    if (!(error instanceof MappingCompileError)) throw error;
    return fail('validation_failed', 'The stored mapping no longer validates; replace it (PUT) or reset it (POST .../mapping/reset).', error.issues);
  }
}

/** The key of a rule as sent (before defaults are filled in), to replace the rule writing the same field. */
function ruleKeyOfInput(input: unknown, main: string): string {
  if (typeof input !== 'object' || input === null) return '';
  const r = input as { object?: unknown; salesforce?: unknown; kind?: unknown; contactType?: unknown; ferry?: unknown };
  if (typeof r.salesforce !== 'string') return '';
  const object = typeof r.object === 'string' ? r.object : main;
  return ruleKey({ object, salesforce: r.salesforce, kind: typeof r.kind === 'string' ? r.kind : 'field', contactType: typeof r.contactType === 'string' ? r.contactType : '*' });
}
