// Sessions, refresh tokens, authorization codes and the connected app. Tokens have the shape the
// Salesforce CLI checks for: <15-char org id>!<[A-Za-z0-9._]+>.
import { createHmac } from 'node:crypto';
import { randomToken } from '../ids.ts';

export interface Session {
  token: string;
  userId: string;
  clientId: string | null;
  issuedAt: number;
  expiresAt: number;
}

export interface UserCredentials {
  userId: string;
  username: string;
  password: string;
  securityToken: string;
}

export interface ConnectedApp {
  clientId: string;
  clientSecret: string;
  /** PEM certificate or SPKI public key that JWT bearer assertions must be signed for. */
  certificate?: string;
  /** Redirect URIs the authorization-code flow accepts; empty accepts any. */
  callbackUrls: string[];
}

interface RefreshGrant {
  userId: string;
  clientId: string;
}

interface AuthCode extends RefreshGrant {
  redirectUri: string;
  expiresAt: number;
}

export type SessionLookup = { ok: true; session: Session } | { ok: false };

export class AuthService {
  readonly orgId: string;
  readonly app: ConnectedApp;
  sessionTtlMs: number;
  #now: () => number;
  #users = new Map<string, UserCredentials>();
  #sessions = new Map<string, Session>();
  #refresh = new Map<string, RefreshGrant>();
  #codes = new Map<string, AuthCode>();

  constructor(orgId: string, app: ConnectedApp, sessionTtlMs: number, now: () => number) {
    this.orgId = orgId;
    this.app = app;
    this.sessionTtlMs = sessionTtlMs;
    this.#now = now;
  }

  addUser(user: UserCredentials): void {
    this.#users.set(user.username.toLowerCase(), user);
  }

  userByName(username: string): UserCredentials | undefined {
    return this.#users.get(username.toLowerCase());
  }

  userById(userId: string): UserCredentials | undefined {
    for (const u of this.#users.values()) if (u.userId === userId) return u;
    return undefined;
  }

  users(): UserCredentials[] {
    return [...this.#users.values()];
  }

  /** Password grant and SOAP login: the password, optionally followed by the security token. */
  checkPassword(username: string, password: string): UserCredentials | undefined {
    const user = this.userByName(username);
    if (user === undefined) return undefined;
    return password === user.password + user.securityToken || password === user.password ? user : undefined;
  }

  checkClient(clientId: string | null, clientSecret: string | null, secretRequired: boolean): 'ok' | 'invalid_client_id' | 'invalid_client' {
    if (clientId !== this.app.clientId) return 'invalid_client_id';
    if (secretRequired || clientSecret !== null) {
      if (clientSecret !== this.app.clientSecret) return 'invalid_client';
    }
    return 'ok';
  }

  issueSession(userId: string, clientId: string | null): Session {
    const now = this.#now();
    const token = `${this.orgId.slice(0, 15)}!${randomToken(96)}`;
    const session: Session = { token, userId, clientId, issuedAt: now, expiresAt: now + this.sessionTtlMs };
    this.#sessions.set(token, session);
    return session;
  }

  issueRefreshToken(userId: string, clientId: string): string {
    const token = `5Aep861${randomToken(80)}`;
    this.#refresh.set(token, { userId, clientId });
    return token;
  }

  /**
   * The connected app's refresh token rotation policy: when on, each refresh_token grant answers
   * with a new refresh token and the one it redeemed stops working.
   */
  rotateRefreshTokens = false;

  /** Redeems a refresh token; under rotation it is spent and its successor is returned. */
  refreshGrant(token: string): { grant: RefreshGrant; next?: string } | undefined {
    const grant = this.#refresh.get(token);
    if (grant === undefined) return undefined;
    if (!this.rotateRefreshTokens) return { grant };
    this.#refresh.delete(token);
    return { grant, next: this.issueRefreshToken(grant.userId, grant.clientId) };
  }

  issueCode(userId: string, clientId: string, redirectUri: string): string {
    const code = `aPrx${randomToken(60)}`;
    this.#codes.set(code, { userId, clientId, redirectUri, expiresAt: this.#now() + 15 * 60_000 });
    return code;
  }

  /** Codes are single use and short-lived, as in Salesforce. */
  redeemCode(code: string): AuthCode | undefined {
    const grant = this.#codes.get(code);
    this.#codes.delete(code);
    if (grant === undefined || grant.expiresAt < this.#now()) return undefined;
    return grant;
  }

  lookup(token: string): SessionLookup {
    const session = this.#sessions.get(token);
    if (session === undefined) return { ok: false };
    if (session.expiresAt <= this.#now()) {
      this.#sessions.delete(token);
      return { ok: false };
    }
    return { ok: true, session };
  }

  /** Revokes an access token, or a refresh token together with the sessions it issued. */
  revoke(token: string): boolean {
    if (this.#sessions.delete(token)) return true;
    const grant = this.#refresh.get(token);
    if (grant === undefined) return false;
    this.#refresh.delete(token);
    for (const [t, s] of this.#sessions) if (s.userId === grant.userId && s.clientId === grant.clientId) this.#sessions.delete(t);
    return true;
  }

  /** Ends every session at once (test control "expire sessions"). */
  expireAll(): void {
    this.#sessions.clear();
  }

  /** The `signature` field of token responses: HMAC-SHA256 of id + issued_at with the secret. */
  signature(idUrl: string, issuedAt: string): string {
    return createHmac('sha256', this.app.clientSecret).update(idUrl + issuedAt).digest('base64');
  }
}
