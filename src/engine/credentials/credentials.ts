import { timingSafeEqual } from 'node:crypto';
import pRetry from 'p-retry';
import type { Logger } from 'pino';
import { v7 as uuidv7 } from 'uuid';
import { fail, issuesFromZod, ok, type Result } from '../../platform/index.ts';
import {
  authorizeUrl,
  exchangeCode,
  openConnection,
  SalesforceClient,
  SalesforceError,
  type ClientOptions,
  type ConnectionSpec,
  type Identity,
  type RequestLogger,
} from '../../salesforce/index.ts';
import type { Database } from '../../storage/index.ts';
import { credentialInput, SECRET_FIELDS, type CredentialInput, type CredentialView } from './schemas.ts';
import type { SecretBox } from './secret-box.ts';

interface CredentialRow {
  id: string;
  name: string;
  type: CredentialView['type'];
  login_url: string;
  settings: Record<string, string>;
  sealed_secrets: string;
  status: CredentialView['status'];
  salesforce_org_id: string | null;
  salesforce_user_id: string | null;
  instance_url: string | null;
  last_tested_at: Date | null;
  last_error: { errorCode: string; message: string } | null;
  created_at: Date;
  updated_at: Date;
}

/** Secrets sealed under another key (FERRY_SECRET_KEY or secret.key changed) cannot be opened. */
const UNREADABLE = {
  errorCode: 'SECRETS_UNREADABLE',
  message:
    'Its secrets cannot be opened with the current secret key (FERRY_SECRET_KEY, or secret.key in the data folder, changed since they were stored). Restore the key they were sealed with, or enter the secrets again with PATCH /api/v1/credentials/{id}.',
} as const;

export type CredentialTestResult =
  | { ok: true; organizationId: string; userId: string; instanceUrl: string; apiUsage?: { used: number; max: number } | undefined }
  | { ok: false; errorCode: string; message: string; hint: string };

function toView(row: CredentialRow, secrets: Record<string, string>): CredentialView {
  return {
    id: row.id,
    name: row.name,
    type: row.type,
    loginUrl: row.login_url,
    settings: row.settings,
    secretsSet: Object.keys(secrets).sort(),
    status: row.status,
    salesforceOrgId: row.salesforce_org_id,
    salesforceUserId: row.salesforce_user_id,
    instanceUrl: row.instance_url,
    lastTestedAt: row.last_tested_at?.toISOString() ?? null,
    lastError: row.last_error,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

function split(input: CredentialInput): { settings: Record<string, string>; secrets: Record<string, string> } {
  const settings: Record<string, string> = {};
  const secrets: Record<string, string> = {};
  for (const [field, value] of Object.entries(input)) {
    if (field === 'name' || field === 'type' || field === 'loginUrl' || value === undefined) continue;
    if ((SECRET_FIELDS as readonly string[]).includes(field)) secrets[field] = String(value);
    else settings[field] = String(value);
  }
  return { settings, secrets };
}

const HINTS: Record<string, string> = {
  INVALID_LOGIN: 'Check the username, password and security token (the token is appended to the password).',
  invalid_grant: 'Salesforce refused the grant: check the username and password (or the JWT subject), and that the connected app allows this flow.',
  invalid_client_id: 'The client id is not a connected app of this org.',
  invalid_client: 'The client secret does not match the connected app.',
  INVALID_SESSION_ID: 'The access token is expired or revoked: issue a new one.',
  ECONNREFUSED: 'Nothing answers at the login URL: check it, and that the org is reachable from Ferry.',
  ECONNRESET: 'The connection to Salesforce failed: check the login URL and the network.',
};

/** Credentials: stored with sealed secrets, tested on demand, opened into clients for runs. */
export class Credentials {
  readonly #db: Database;
  readonly #box: SecretBox;
  readonly #clientOptions: ClientOptions;
  readonly #logger: Logger | undefined;
  readonly #sessions = new Map<string, Promise<{ connection: SalesforceClient['connection']; identity: Identity }>>();

  constructor(db: Database, box: SecretBox, clientOptions: ClientOptions = {}, logger?: Logger) {
    this.#db = db;
    this.#box = box;
    this.#clientOptions = clientOptions;
    this.#logger = logger?.child({ component: 'credentials' });
  }

  /** The row's secrets, or undefined when they cannot be opened with the current key. */
  #secretsOf(row: CredentialRow): Record<string, string> | undefined {
    try {
      return this.#box.open(row.sealed_secrets);
    } catch {
      return undefined;
    }
  }

  /** The API's view; a credential whose secrets cannot be opened is listed as unreadable, with what to do. */
  #view(row: CredentialRow): CredentialView {
    const secrets = this.#secretsOf(row);
    if (secrets !== undefined) return toView(row, secrets);
    return { ...toView(row, {}), status: 'unreadable', lastError: { errorCode: UNREADABLE.errorCode, message: UNREADABLE.message.replace('{id}', row.id) } };
  }

  async create(orgId: string, body: unknown): Promise<Result<CredentialView>> {
    const parsed = credentialInput.safeParse(body);
    if (!parsed.success) return fail('validation_failed', 'The credential is not valid.', issuesFromZod(parsed.error, body));
    const input = parsed.data;
    const { settings, secrets } = split(input);
    const status = input.type === 'authorization_code' && secrets.refreshToken === undefined ? 'awaiting_authorization' : 'untested';
    const [row] = await this.#db.query<CredentialRow>(
      `INSERT INTO credentials (org_id, id, name, type, login_url, settings, sealed_secrets, status)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *`,
      [orgId, uuidv7(), input.name, input.type, 'loginUrl' in input ? input.loginUrl : input.instanceUrl, settings, this.#box.seal(secrets), status],
    );
    return ok(toView(row!, secrets));
  }

  async list(orgId: string): Promise<CredentialView[]> {
    const rows = await this.#db.query<CredentialRow>('SELECT * FROM credentials WHERE org_id = $1 ORDER BY id', [orgId]);
    return rows.map((row) => this.#view(row));
  }

  async get(orgId: string, id: string): Promise<Result<CredentialView>> {
    const row = await this.#row(orgId, id);
    return row === undefined ? fail('not_found', `No credential has id ${id}.`) : ok(this.#view(row));
  }

  /** Changes fields; secrets sent replace the stored ones. Any change means "untested" again. */
  async update(orgId: string, id: string, body: unknown): Promise<Result<CredentialView>> {
    const row = await this.#row(orgId, id);
    if (row === undefined) return fail('not_found', `No credential has id ${id}.`);
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return fail('validation_failed', 'The body must be a JSON object.');
    if ('type' in body && (body).type !== row.type) {
      return fail('validation_failed', 'A credential cannot change type; create a new one and switch the integrations to it.', [{ path: ['type'], message: `is ${row.type}` }]);
    }
    // Secrets that no longer open count as absent: sending them again repairs the credential.
    const current = { name: row.name, type: row.type, ...(row.type === 'access_token' ? { instanceUrl: row.login_url } : { loginUrl: row.login_url }), ...row.settings, ...this.#secretsOf(row) };
    const merged = { ...current, ...(body as Record<string, unknown>) };
    const parsed = credentialInput.safeParse(merged);
    if (!parsed.success) return fail('validation_failed', 'The credential is not valid.', issuesFromZod(parsed.error, merged));
    const input = parsed.data;
    const { settings, secrets } = split(input);
    const [updated] = await this.#db.query<CredentialRow>(
      `UPDATE credentials SET name = $3, login_url = $4, settings = $5, sealed_secrets = $6, status = $7, last_error = NULL, updated_at = now()
       WHERE org_id = $1 AND id = $2 RETURNING *`,
      [orgId, id, input.name, 'loginUrl' in input ? input.loginUrl : input.instanceUrl, settings, this.#box.seal(secrets),
        input.type === 'authorization_code' && secrets.refreshToken === undefined ? 'awaiting_authorization' : 'untested'],
    );
    this.#sessions.delete(id);
    return ok(toView(updated!, secrets));
  }

  async delete(orgId: string, id: string): Promise<Result<{ id: string }>> {
    const used = await this.#db.query<{ id: string }>('SELECT id FROM integrations WHERE org_id = $1 AND credential_id = $2', [orgId, id]);
    if (used.length > 0) {
      return fail('has_dependents', 'Integrations still use this credential; disconnect or switch them first.', used.map((u) => ({ path: ['integrations', u.id], message: 'uses this credential' })));
    }
    const rows = await this.#db.query('DELETE FROM credentials WHERE org_id = $1 AND id = $2 RETURNING id', [orgId, id]);
    this.#sessions.delete(id);
    return rows.length === 0 ? fail('not_found', `No credential has id ${id}.`) : ok({ id });
  }

  /** Logs in and reads the org's identity and API usage; records the outcome on the credential. */
  async test(orgId: string, id: string): Promise<Result<CredentialTestResult>> {
    const row = await this.#row(orgId, id);
    if (row === undefined) return fail('not_found', `No credential has id ${id}.`);
    this.#sessions.delete(id);
    try {
      const { client, identity } = await this.open(orgId, id);
      // API usage is a nicety of the test: the sign-in is what it proves. A failure is logged.
      const usage = await client.limits().catch((error: unknown) => {
        this.#logger?.warn({ err: error, orgId, credentialId: id }, 'credential test: could not read the API usage');
        return undefined;
      });
      await this.#db.query(
        `UPDATE credentials SET status = 'connected', salesforce_org_id = $3, salesforce_user_id = $4, instance_url = $5, last_tested_at = now(), last_error = NULL WHERE org_id = $1 AND id = $2`,
        [orgId, id, identity.organizationId, identity.userId, identity.instanceUrl],
      );
      return ok({ ok: true, ...identity, apiUsage: usage });
    } catch (error) {
      const info = error instanceof SalesforceError ? error.info : { errorCode: 'UNKNOWN_ERROR', message: String(error) };
      await this.#db.query(`UPDATE credentials SET status = 'failed', last_tested_at = now(), last_error = $3 WHERE org_id = $1 AND id = $2`, [
        orgId, id, { errorCode: info.errorCode, message: info.message },
      ]);
      return ok({ ok: false, errorCode: info.errorCode, message: info.message, hint: HINTS[info.errorCode] ?? 'Check the credential settings and that the org is reachable.' });
    }
  }

  /** A client on an open session for this credential; sessions are reused until they fail. */
  async open(orgId: string, id: string, clientOptions: ClientOptions = {}): Promise<{ client: SalesforceClient; identity: Identity }> {
    let session = this.#sessions.get(id);
    if (session === undefined) {
      session = this.#loggedConnect(orgId, id, clientOptions.logger ?? this.#clientOptions.logger);
      this.#sessions.set(id, session);
      session.catch(() => this.#sessions.delete(id));
    }
    const { connection, identity } = await session;
    return { client: new SalesforceClient(connection, { ...this.#clientOptions, ...clientOptions }), identity };
  }

  /** Forgets a cached session (after an authentication failure). */
  forget(id: string): void {
    this.#sessions.delete(id);
  }

  /** Signing in (token and identity calls) is logged like any other Salesforce call. */
  async #loggedConnect(orgId: string, id: string, logger: RequestLogger | undefined) {
    const finish = await logger?.start({ operation: 'login', method: 'POST', records: 0 });
    const started = performance.now();
    try {
      const opened = await this.#connect(orgId, id);
      await finish?.({ status: 'Success', durationMs: Math.round(performance.now() - started) });
      return opened;
    } catch (error) {
      const info = error instanceof SalesforceError ? error.info : { kind: 'fatal' as const, errorCode: 'UNKNOWN_ERROR', message: String(error) };
      await finish?.({ status: 'Failed', durationMs: Math.round(performance.now() - started), error: info });
      throw error;
    }
  }

  async #connect(orgId: string, id: string) {
    const row = await this.#row(orgId, id);
    if (row === undefined) throw new SalesforceError({ kind: 'config', errorCode: 'NO_CREDENTIAL', message: `Credential ${id} no longer exists.` });
    const spec = this.#spec(row);
    return openConnection(spec, {
      ...(this.#clientOptions.timeoutMs !== undefined ? { timeoutMs: this.#clientOptions.timeoutMs } : {}),
      onTokens: (tokens) => this.#saveTokens(orgId, id, tokens),
    });
  }

  /**
   * Stores tokens Salesforce handed out. A rotated refresh token must last: the one it replaces no
   * longer works, so a lost write would lock the credential out at the next start. The write is
   * retried; if it still fails, the session goes on with the tokens in memory and the failure is
   * logged as an error that says what will happen.
   */
  async #saveTokens(orgId: string, id: string, tokens: { accessToken: string; refreshToken: string; instanceUrl: string }): Promise<void> {
    try {
      await pRetry(
        () =>
          this.#db.transaction(async (tx) => {
            const [row] = await tx.query<CredentialRow>('SELECT * FROM credentials WHERE org_id = $1 AND id = $2 FOR UPDATE', [orgId, id]);
            if (row === undefined) return;
            const secrets = { ...this.#secretsOf(row), accessToken: tokens.accessToken, refreshToken: tokens.refreshToken };
            await tx.query('UPDATE credentials SET sealed_secrets = $3, instance_url = $4 WHERE org_id = $1 AND id = $2', [orgId, id, this.#box.seal(secrets), tokens.instanceUrl]);
          }),
        { retries: 3, minTimeout: 200, factor: 2 },
      );
    } catch (error) {
      this.#logger?.error(
        { err: error, orgId, credentialId: id },
        'could not store the tokens Salesforce issued: this process goes on with them, but after a restart the credential needs authorizing again if its refresh token was rotated',
      );
    }
  }

  #spec(row: CredentialRow): ConnectionSpec {
    const secrets = this.#secretsOf(row);
    if (secrets === undefined) throw new SalesforceError({ kind: 'auth', errorCode: UNREADABLE.errorCode, message: UNREADABLE.message.replace('{id}', row.id) });
    const s = { ...row.settings, ...secrets };
    const need = (field: string): string => {
      const value = s[field];
      if (value === undefined) throw new SalesforceError({ kind: 'auth', errorCode: 'CREDENTIAL_INCOMPLETE', message: `The credential has no ${field}.` });
      return value;
    };
    switch (row.type) {
      case 'password':
        return { type: 'password', loginUrl: row.login_url, username: need('username'), password: need('password'), securityToken: s.securityToken, clientId: s.clientId, clientSecret: s.clientSecret };
      case 'client_credentials':
        return { type: 'client_credentials', loginUrl: row.login_url, clientId: need('clientId'), clientSecret: need('clientSecret') };
      case 'jwt_bearer':
        return { type: 'jwt_bearer', loginUrl: row.login_url, clientId: need('clientId'), username: need('username'), privateKey: need('privateKey') };
      case 'authorization_code':
        if (s.refreshToken === undefined) throw new SalesforceError({ kind: 'auth', errorCode: 'NOT_AUTHORIZED', message: 'The credential is awaiting authorization: open its authorize URL and approve access.' });
        return { type: 'authorization_code', loginUrl: row.login_url, clientId: need('clientId'), clientSecret: need('clientSecret'), redirectUri: need('redirectUri'), refreshToken: s.refreshToken, accessToken: s.accessToken, instanceUrl: row.instance_url ?? undefined };
      case 'access_token':
        return { type: 'access_token', instanceUrl: row.login_url, accessToken: need('accessToken') };
    }
  }

  // ---- authorization code flow -------------------------------------------------------------------

  /** The URL a person opens to approve access; `redirectUri` defaults to Ferry's callback. */
  async authorizeUrl(orgId: string, id: string, callbackUrl: string): Promise<Result<{ authorizeUrl: string; redirectUri: string }>> {
    const row = await this.#row(orgId, id);
    if (row === undefined) return fail('not_found', `No credential has id ${id}.`);
    if (row.type !== 'authorization_code') return fail('validation_failed', 'Only authorization_code credentials are authorized in a browser.', [{ path: ['type'], message: `is ${row.type}` }]);
    const redirectUri = row.settings.redirectUri ?? callbackUrl;
    if (row.settings.redirectUri === undefined) {
      await this.#db.query(`UPDATE credentials SET settings = settings || jsonb_build_object('redirectUri', $3::text) WHERE org_id = $1 AND id = $2`, [orgId, id, redirectUri]);
    }
    const state = `${orgId}.${id}.${this.#box.stateMac(`${orgId}.${id}`)}`;
    return ok({ authorizeUrl: authorizeUrl({ loginUrl: row.login_url, clientId: row.settings.clientId ?? '', redirectUri }, state), redirectUri });
  }

  /** Completes the flow from the callback: checks the state, exchanges the code, stores the tokens. */
  async completeAuthorization(state: string, code: string): Promise<Result<CredentialView>> {
    const [orgId, id, mac] = state.split('.');
    if (orgId === undefined || id === undefined || mac === undefined || !safeEqual(mac, this.#box.stateMac(`${orgId}.${id}`))) {
      return fail('validation_failed', 'The authorization state is not one Ferry issued; start again from the authorize URL.', [{ path: ['state'], message: 'does not verify' }]);
    }
    const row = await this.#row(orgId, id);
    if (row === undefined) return fail('not_found', `No credential has id ${id}.`);
    const secrets = this.#secretsOf(row);
    if (secrets === undefined) return fail('validation_failed', `The credential ${UNREADABLE.message.replace('{id}', id)}`, [{ path: ['state'], message: 'names a credential whose secrets cannot be opened' }]);
    try {
      const tokens = await exchangeCode({ loginUrl: row.login_url, clientId: row.settings.clientId ?? '', clientSecret: secrets.clientSecret ?? '', redirectUri: row.settings.redirectUri ?? '' }, code);
      const sealed = this.#box.seal({ ...secrets, accessToken: tokens.accessToken, refreshToken: tokens.refreshToken });
      const [updated] = await this.#db.query<CredentialRow>(
        `UPDATE credentials SET sealed_secrets = $3, instance_url = $4, status = 'untested', last_error = NULL, updated_at = now() WHERE org_id = $1 AND id = $2 RETURNING *`,
        [orgId, id, sealed, tokens.instanceUrl],
      );
      this.#sessions.delete(id);
      const tested = await this.test(orgId, id);
      void tested;
      return ok(toView((await this.#row(orgId, id)) ?? updated!, this.#box.open(sealed)));
    } catch (error) {
      const info = error instanceof SalesforceError ? error.info : { errorCode: 'UNKNOWN_ERROR', message: String(error) };
      return fail('validation_failed', `Salesforce refused the authorization code: ${info.errorCode}: ${info.message}`);
    }
  }

  async #row(orgId: string, id: string): Promise<CredentialRow | undefined> {
    const rows = await this.#db.query<CredentialRow>('SELECT * FROM credentials WHERE org_id = $1 AND id = $2', [orgId, id]);
    return rows[0];
  }
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

