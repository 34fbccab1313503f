import { importPKCS8, SignJWT } from 'jose';
import jsforce, { type Connection } from 'jsforce';
import { setDefaults } from 'jsforce/lib/request.js';
import { withDeadline } from './deadline.ts';
import { SalesforceError, toSalesforceError } from './errors.ts';

// jsforce repeats GET, PUT and DELETE requests answered 420, 429 or 5xx, or dropped by the network,
// up to five times over some 15 seconds, out of Ferry's sight: unlogged, outside the API budget
// and beyond the call's time bound. Ferry's client retries transient failures itself, logged and
// budgeted, so jsforce's own retries are switched off. setDefaults replaces jsforce's defaults
// whole: the other two are set again as jsforce sets them (a proxy from the environment, redirects).
const proxy = process.env.https_proxy ?? process.env.http_proxy ?? process.env.HTTPS_PROXY ?? process.env.HTTP_PROXY;
setDefaults({ ...(proxy !== undefined ? { httpProxy: proxy } : {}), followRedirect: true, retry: { maxRetries: 0 } });

export const API_VERSION = '60.0';

/** Everything needed to open a session, secrets included: built in memory, never stored or logged. */
export type ConnectionSpec =
  | { type: 'password'; loginUrl: string; username: string; password: string; securityToken?: string | undefined; clientId?: string | undefined; clientSecret?: string | undefined }
  | { type: 'client_credentials'; loginUrl: string; clientId: string; clientSecret: string }
  | { type: 'jwt_bearer'; loginUrl: string; clientId: string; username: string; privateKey: string }
  | { type: 'authorization_code'; loginUrl: string; clientId: string; clientSecret: string; redirectUri: string; refreshToken: string; accessToken?: string | undefined; instanceUrl?: string | undefined }
  | { type: 'access_token'; instanceUrl: string; accessToken: string };

export interface Identity {
  organizationId: string;
  userId: string;
  instanceUrl: string;
}

export interface OpenedConnection {
  connection: Connection;
  identity: Identity;
}

export interface ConnectOptions {
  /**
   * Called when Salesforce hands out new tokens (authorization code grant), to store them; awaited
   * before the session is used. A rotated refresh token is passed on: the old one no longer works.
   */
  onTokens?: (tokens: { accessToken: string; refreshToken: string; instanceUrl: string }) => Promise<void>;
  /** Bound on each sign-in step (token request, identity); an answer that never comes is a transient TIMEOUT. */
  timeoutMs?: number;
}

export const CONNECT_DEFAULTS = { timeoutMs: 30_000 } as const;

const trimSlash = (url: string) => url.replace(/\/+$/, '');

async function jwtAssertion(spec: Extract<ConnectionSpec, { type: 'jwt_bearer' }>): Promise<string> {
  const key = await importPKCS8(spec.privateKey, 'RS256');
  return new SignJWT({})
    .setProtectedHeader({ alg: 'RS256' })
    .setIssuer(spec.clientId)
    .setSubject(spec.username)
    .setAudience(trimSlash(spec.loginUrl))
    .setExpirationTime('3m')
    .sign(key);
}

/**
 * Gets a fresh access token the way this credential type allows; used to log in and to refresh.
 * Resolves to the refresh token Salesforce handed out with it, when it did (authorization code).
 */
async function authenticate(connection: Connection, spec: ConnectionSpec): Promise<string | undefined> {
  switch (spec.type) {
    case 'password':
      // Not connection.login(): it installs jsforce's own refresh function over Ferry's, whose
      // errors lose Salesforce's code and the HTTP status.
      if (spec.clientId !== undefined && spec.clientSecret !== undefined) {
        await connection.authorize({ grant_type: 'password', username: spec.username, password: spec.password + (spec.securityToken ?? '') });
      } else {
        await connection.loginBySoap(spec.username, spec.password + (spec.securityToken ?? ''));
      }
      return undefined;
    case 'client_credentials':
      await connection.authorize({ grant_type: 'client_credentials' });
      return undefined;
    case 'jwt_bearer':
      await connection.authorize({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: await jwtAssertion(spec) });
      return undefined;
    case 'authorization_code': {
      const tokens = await connection.oauth2.refreshToken(spec.refreshToken);
      connection.accessToken = tokens.access_token;
      connection.instanceUrl = tokens.instance_url;
      return tokens.refresh_token;
    }
    case 'access_token':
      return undefined;
  }
}

/**
 * jsforce reports a failed session refresh as a plain Error "Unable to refresh session due to:
 * <message of the refresh function's error>". Ferry's refresh function puts Salesforce's code and
 * HTTP status into that message, so toSalesforceError can read them back (REFRESH_MESSAGE there).
 */
function refreshFailure(error: unknown): Error {
  const info = toSalesforceError(error).info;
  return new Error(`${info.errorCode}${info.httpStatus !== undefined ? ` (HTTP ${info.httpStatus})` : ''}: ${info.message}`);
}

/**
 * Opens a session for a credential and reads who it is. An expired session is refreshed (by
 * jsforce, through `refreshFn`) once per failing request, with the same grant that opened it.
 * Every sign-in step is bounded by `timeoutMs`.
 */
export async function openConnection(spec: ConnectionSpec, options: ConnectOptions = {}): Promise<OpenedConnection> {
  const timeoutMs = options.timeoutMs ?? CONNECT_DEFAULTS.timeoutMs;
  const loginUrl = spec.type === 'access_token' ? trimSlash(spec.instanceUrl) : trimSlash(spec.loginUrl);
  const oauth2 =
    spec.type === 'password' && spec.clientId !== undefined && spec.clientSecret !== undefined
      ? { loginUrl, clientId: spec.clientId, clientSecret: spec.clientSecret }
      : spec.type === 'client_credentials'
        ? { loginUrl, clientId: spec.clientId, clientSecret: spec.clientSecret }
        : spec.type === 'authorization_code'
          ? { loginUrl, clientId: spec.clientId, clientSecret: spec.clientSecret, redirectUri: spec.redirectUri }
          : { loginUrl };
  // The grant as it stands now: Salesforce may rotate the refresh token at each use.
  let current = spec;
  const signIn = async (conn: Connection): Promise<void> => {
    const refreshToken = await withDeadline(authenticate(conn, current), timeoutMs, `Salesforce's sign-in at ${loginUrl}`);
    if (current.type === 'authorization_code') {
      if (refreshToken !== undefined && refreshToken !== current.refreshToken) current = { ...current, refreshToken };
      await options.onTokens?.({ accessToken: conn.accessToken ?? '', refreshToken: current.refreshToken, instanceUrl: conn.instanceUrl });
    }
  };
  const refreshFn = (conn: Connection, callback: (error: Error | null, accessToken?: string) => void) => {
    signIn(conn).then(
      () => callback(null, conn.accessToken ?? undefined),
      (error: unknown) => callback(refreshFailure(error)),
    );
  };
  let connection: Connection;
  if (spec.type === 'access_token') {
    connection = new jsforce.Connection({ instanceUrl: loginUrl, accessToken: spec.accessToken, version: API_VERSION });
  } else if (spec.type === 'authorization_code' && spec.accessToken !== undefined && spec.instanceUrl !== undefined) {
    connection = new jsforce.Connection({ oauth2, instanceUrl: spec.instanceUrl, accessToken: spec.accessToken, version: API_VERSION, refreshFn });
  } else {
    connection = new jsforce.Connection({ oauth2, loginUrl, version: API_VERSION, refreshFn });
    try {
      await signIn(connection);
    } catch (error) {
      throw toSalesforceError(error);
    }
  }
  try {
    const info = await withDeadline(connection.request<{ organization_id?: string; user_id?: string }>('/services/oauth2/userinfo'), timeoutMs, `Salesforce's identity service at ${connection.instanceUrl || loginUrl}`);
    if (typeof info.organization_id !== 'string' || typeof info.user_id !== 'string') {
      throw new SalesforceError({ kind: 'fatal', errorCode: 'UNEXPECTED_RESPONSE', message: 'userinfo did not name the organization and user' });
    }
    return { connection, identity: { organizationId: info.organization_id, userId: info.user_id, instanceUrl: connection.instanceUrl } };
  } catch (error) {
    throw toSalesforceError(error);
  }
}

/** The URL to send a person to for the authorization code flow. */
export function authorizeUrl(spec: { loginUrl: string; clientId: string; redirectUri: string }, state: string): string {
  const oauth2 = new jsforce.OAuth2({ loginUrl: trimSlash(spec.loginUrl), clientId: spec.clientId, redirectUri: spec.redirectUri });
  return oauth2.getAuthorizationUrl({ state });
}

/** Exchanges an authorization code for tokens. */
export async function exchangeCode(
  spec: { loginUrl: string; clientId: string; clientSecret: string; redirectUri: string },
  code: string,
): Promise<{ accessToken: string; refreshToken: string; instanceUrl: string }> {
  const oauth2 = new jsforce.OAuth2({ loginUrl: trimSlash(spec.loginUrl), clientId: spec.clientId, clientSecret: spec.clientSecret, redirectUri: spec.redirectUri });
  try {
    const tokens = await withDeadline(oauth2.requestToken(code), CONNECT_DEFAULTS.timeoutMs, `Salesforce's token endpoint at ${trimSlash(spec.loginUrl)}`);
    if (tokens.refresh_token === undefined) throw new SalesforceError({ kind: 'auth', errorCode: 'NO_REFRESH_TOKEN', message: 'Salesforce returned no refresh token; add the refresh_token scope to the connected app' });
    return { accessToken: tokens.access_token, refreshToken: tokens.refresh_token, instanceUrl: tokens.instance_url };
  } catch (error) {
    throw toSalesforceError(error);
  }
}
