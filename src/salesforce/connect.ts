import { importPKCS8, SignJWT } from 'jose';
import jsforce, { type Connection } from 'jsforce';
import { SalesforceError, toSalesforceError } from './errors.ts';

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
  /** Called when Salesforce hands out new tokens (authorization code refresh), to store them. */
  onTokens?: (tokens: { accessToken: string; refreshToken?: string | undefined; instanceUrl: string }) => void;
}

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

/** Gets a fresh access token the way this credential type allows; used to log in and to refresh. */
async function authenticate(connection: Connection, spec: ConnectionSpec): Promise<void> {
  switch (spec.type) {
    case 'password':
      await connection.login(spec.username, spec.password + (spec.securityToken ?? ''));
      return;
    case 'client_credentials':
      await connection.authorize({ grant_type: 'client_credentials' });
      return;
    case 'jwt_bearer':
      await connection.authorize({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: await jwtAssertion(spec) });
      return;
    case 'authorization_code': {
      const tokens = await connection.oauth2.refreshToken(spec.refreshToken);
      connection.accessToken = tokens.access_token;
      connection.instanceUrl = tokens.instance_url;
      return;
    }
    case 'access_token':
      return;
  }
}

/**
 * Opens a session for a credential and reads who it is. An expired session is refreshed by jsforce
 * (through `refreshFn`) once per failing request, with the same grant that opened it.
 */
export async function openConnection(spec: ConnectionSpec, options: ConnectOptions = {}): Promise<OpenedConnection> {
  const loginUrl = spec.type === 'access_token' ? trimSlash(spec.instanceUrl) : trimSlash(spec.loginUrl);
  const oauth2 =
    spec.type === 'password' && spec.clientId !== undefined && spec.clientSecret !== undefined
      ? { loginUrl, clientId: spec.clientId, clientSecret: spec.clientSecret }
      : spec.type === 'client_credentials'
        ? { loginUrl, clientId: spec.clientId, clientSecret: spec.clientSecret }
        : spec.type === 'authorization_code'
          ? { loginUrl, clientId: spec.clientId, clientSecret: spec.clientSecret, redirectUri: spec.redirectUri }
          : { loginUrl };
  let connection: Connection;
  const refreshFn = (conn: Connection, callback: (error: Error | null, accessToken?: string) => void) => {
    authenticate(conn, spec).then(
      () => {
        options.onTokens?.({ accessToken: conn.accessToken ?? '', instanceUrl: conn.instanceUrl });
        callback(null, conn.accessToken ?? undefined);
      },
      (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
    );
  };
  if (spec.type === 'access_token') {
    connection = new jsforce.Connection({ instanceUrl: loginUrl, accessToken: spec.accessToken, version: API_VERSION });
  } else if (spec.type === 'authorization_code' && spec.accessToken !== undefined && spec.instanceUrl !== undefined) {
    connection = new jsforce.Connection({ oauth2, instanceUrl: spec.instanceUrl, accessToken: spec.accessToken, refreshToken: spec.refreshToken, version: API_VERSION });
    connection.on('refresh', (accessToken: string) => options.onTokens?.({ accessToken, refreshToken: spec.refreshToken, instanceUrl: connection.instanceUrl }));
  } else {
    connection = new jsforce.Connection({ oauth2, loginUrl, version: API_VERSION, refreshFn });
    try {
      await authenticate(connection, spec);
    } catch (error) {
      throw toSalesforceError(error);
    }
    if (spec.type === 'authorization_code') options.onTokens?.({ accessToken: connection.accessToken ?? '', refreshToken: spec.refreshToken, instanceUrl: connection.instanceUrl });
  }
  try {
    const info = await connection.request<{ organization_id?: string; user_id?: string }>('/services/oauth2/userinfo');
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
    const tokens = await oauth2.requestToken(code);
    if (tokens.refresh_token === undefined) throw new SalesforceError({ kind: 'auth', errorCode: 'NO_REFRESH_TOKEN', message: 'Salesforce returned no refresh token; add the refresh_token scope to the connected app' });
    return { accessToken: tokens.access_token, refreshToken: tokens.refresh_token, instanceUrl: tokens.instance_url };
  } catch (error) {
    throw toSalesforceError(error);
  }
}
