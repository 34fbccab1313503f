// OAuth 2.0 endpoints: token (password, client credentials, JWT bearer, refresh token,
// authorization code), the consent page, revoke, userinfo and the identity URL.
import { importSPKI, importX509, jwtVerify, type CryptoKey } from 'jose';
import type { Org } from '../org.ts';
import { json, sfError, type EmuRequest, type EmuResponse, type Route } from '../http/types.ts';
import type { Session } from './auth-service.ts';

function form(req: EmuRequest): URLSearchParams {
  const type = String(req.headers['content-type'] ?? '');
  const params = new URLSearchParams(req.query);
  if (type.includes('application/json')) {
    try {
      const body = JSON.parse(req.body.toString('utf8')) as Record<string, unknown>;
      for (const [k, v] of Object.entries(body)) if (typeof v === 'string') params.set(k, v);
    } catch {
      // A malformed JSON body carries no grant; the grant checks below report what is missing.
    }
    return params;
  }
  for (const [k, v] of new URLSearchParams(req.body.toString('utf8'))) params.set(k, v);
  return params;
}

function oauthError(error: string, description: string, status = 400): EmuResponse {
  return json(status, { error, error_description: description });
}

export function tokenResponse(org: Org, req: EmuRequest, session: Session, refreshToken?: string): EmuResponse {
  const id = `${req.baseUrl}/id/${org.orgId}/${session.userId}`;
  const issuedAt = String(session.issuedAt);
  const body: Record<string, string> = {
    access_token: session.token,
    ...(refreshToken === undefined ? {} : { refresh_token: refreshToken }),
    signature: org.auth.signature(id, issuedAt),
    scope: refreshToken === undefined ? 'api' : 'refresh_token api',
    instance_url: req.baseUrl,
    id,
    token_type: 'Bearer',
    issued_at: issuedAt,
  };
  return json(200, body);
}

async function verifyJwt(org: Org, req: EmuRequest, assertion: string): Promise<{ userId: string } | EmuResponse> {
  const pem = org.auth.app.certificate;
  if (pem === undefined) return oauthError('invalid_grant', 'no certificate is configured for this connected app');
  let key: CryptoKey;
  try {
    key = pem.includes('BEGIN CERTIFICATE') ? await importX509(pem, 'RS256') : await importSPKI(pem, 'RS256');
  } catch {
    return oauthError('invalid_grant', 'the connected app certificate cannot be read');
  }
  let claims: Record<string, unknown>;
  try {
    // The CLI sends exp in milliseconds; jose reads seconds, so such an exp is simply far ahead.
    const verified = await jwtVerify(assertion, key, { algorithms: ['RS256'], clockTolerance: 5 });
    claims = verified.payload;
  } catch (error) {
    const expired = error instanceof Error && error.name === 'JWTExpired';
    return oauthError('invalid_grant', expired ? 'expired authorization code' : 'invalid assertion');
  }
  if (claims['iss'] !== org.auth.app.clientId) return oauthError('invalid_client_id', 'client identifier invalid');
  const audiences = Array.isArray(claims['aud']) ? (claims['aud'] as unknown[]) : [claims['aud']];
  const allowed = new Set([req.baseUrl, `${req.baseUrl}/`, 'https://login.salesforce.com', 'https://test.salesforce.com']);
  if (!audiences.some((a) => typeof a === 'string' && allowed.has(a))) return oauthError('invalid_grant', 'audience is invalid');
  const exp = claims['exp'];
  if (typeof exp !== 'number') return oauthError('invalid_grant', 'invalid assertion');
  const expMs = exp > 1e12 ? exp : exp * 1000;
  if (expMs < org.store.now()) return oauthError('invalid_grant', 'expired authorization code');
  const user = typeof claims['sub'] === 'string' ? org.auth.userByName(claims['sub']) : undefined;
  if (user === undefined) return oauthError('invalid_grant', 'user hasn\'t approved this consumer');
  return { userId: user.userId };
}

async function token(org: Org, req: EmuRequest): Promise<EmuResponse> {
  const p = form(req);
  const grant = p.get('grant_type');
  const clientId = p.get('client_id');
  const clientSecret = p.get('client_secret');
  switch (grant) {
    case 'password': {
      const client = org.auth.checkClient(clientId, clientSecret, true);
      if (client !== 'ok') return oauthError(client, client === 'invalid_client_id' ? 'client identifier invalid' : 'invalid client credentials');
      const user = org.auth.checkPassword(p.get('username') ?? '', p.get('password') ?? '');
      if (user === undefined) return oauthError('invalid_grant', 'authentication failure');
      return tokenResponse(org, req, org.auth.issueSession(user.userId, clientId));
    }
    case 'client_credentials': {
      const client = org.auth.checkClient(clientId, clientSecret, true);
      if (client !== 'ok') return oauthError(client, client === 'invalid_client_id' ? 'client identifier invalid' : 'invalid client credentials');
      return tokenResponse(org, req, org.auth.issueSession(org.adminUserId, clientId));
    }
    case 'urn:ietf:params:oauth:grant-type:jwt-bearer': {
      const verified = await verifyJwt(org, req, p.get('assertion') ?? '');
      if ('status' in verified) return verified;
      return tokenResponse(org, req, org.auth.issueSession(verified.userId, org.auth.app.clientId));
    }
    case 'refresh_token': {
      const client = org.auth.checkClient(clientId, clientSecret, false);
      if (client !== 'ok') return oauthError(client, client === 'invalid_client_id' ? 'client identifier invalid' : 'invalid client credentials');
      const refresh = org.auth.refreshGrant(p.get('refresh_token') ?? '');
      if (refresh === undefined || refresh.grant.clientId !== clientId) return oauthError('invalid_grant', 'expired access/refresh token');
      return tokenResponse(org, req, org.auth.issueSession(refresh.grant.userId, clientId), refresh.next);
    }
    case 'authorization_code': {
      const client = org.auth.checkClient(clientId, clientSecret, true);
      if (client !== 'ok') return oauthError(client, client === 'invalid_client_id' ? 'client identifier invalid' : 'invalid client credentials');
      const code = org.auth.redeemCode(p.get('code') ?? '');
      if (code === undefined || code.clientId !== clientId) return oauthError('invalid_grant', 'invalid authorization code');
      if (code.redirectUri !== (p.get('redirect_uri') ?? '')) return oauthError('redirect_uri_mismatch', 'redirect_uri must match configuration');
      const session = org.auth.issueSession(code.userId, clientId);
      return tokenResponse(org, req, session, org.auth.issueRefreshToken(code.userId, code.clientId));
    }
    case null:
    default:
      return oauthError('unsupported_grant_type', 'grant type not supported');
  }
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function consentPage(org: Org, p: URLSearchParams, message?: string): EmuResponse {
  const hidden = ['client_id', 'redirect_uri', 'state', 'response_type', 'scope']
    .map((k) => `<input type="hidden" name="${k}" value="${escapeHtml(p.get(k) ?? '')}">`)
    .join('');
  const html = `<!doctype html><html><head><title>Allow Access? | Ferry Salesforce Emulator</title></head><body>
<h1>Allow Access?</h1>
<p>The app <strong>${escapeHtml(p.get('client_id') ?? '')}</strong> asks to access your data in the emulated org ${org.orgId}.</p>
${message === undefined ? '' : `<p role="alert">${escapeHtml(message)}</p>`}
<form method="post" action="/services/oauth2/authorize">${hidden}
<label>Username <input name="username" value="${escapeHtml(org.options.username)}"></label>
<label>Password <input name="password" type="password"></label>
<button name="action" value="allow">Allow</button> <button name="action" value="deny">Deny</button>
</form></body></html>`;
  return { status: 200, raw: html, contentType: 'text/html;charset=UTF-8' };
}

function redirectTo(uri: string, params: Record<string, string>): EmuResponse {
  const url = new URL(uri);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return { status: 302, headers: { Location: url.toString() }, raw: '' };
}

function checkAuthorizeRequest(org: Org, p: URLSearchParams): EmuResponse | null {
  if (p.get('client_id') !== org.auth.app.clientId) return { status: 400, raw: 'error=invalid_client_id&error_description=client%20identifier%20invalid', contentType: 'text/plain' };
  const redirect = p.get('redirect_uri') ?? '';
  const allowed = org.auth.app.callbackUrls;
  let valid = true;
  try {
    new URL(redirect);
  } catch {
    valid = false;
  }
  if (!valid || (allowed.length > 0 && !allowed.includes(redirect))) {
    return { status: 400, raw: 'error=redirect_uri_mismatch&error_description=redirect_uri%20must%20match%20configuration', contentType: 'text/plain' };
  }
  return null;
}

function sessionInfo(org: Org, req: EmuRequest, kind: 'userinfo' | 'identity'): EmuResponse {
  const session = req.session;
  if (session === null) return sfError(401, 'INVALID_SESSION_ID', 'Session expired or invalid');
  const userId = kind === 'identity' ? (req.params[1] ?? session.userId) : session.userId;
  const user = org.store.get(userId);
  const cred = org.auth.userById(userId);
  if (user === undefined || cred === undefined) return json(404, { error: 'Not Found', error_description: 'no such user' });
  const base = req.baseUrl;
  const idUrl = `${base}/id/${org.orgId}/${userId}`;
  const urls = {
    enterprise: `${base}/services/Soap/c/{version}/${org.orgId.slice(0, 15)}`,
    metadata: `${base}/services/Soap/m/{version}/${org.orgId.slice(0, 15)}`,
    partner: `${base}/services/Soap/u/{version}/${org.orgId.slice(0, 15)}`,
    rest: `${base}/services/data/v{version}/`,
    sobjects: `${base}/services/data/v{version}/sobjects/`,
    search: `${base}/services/data/v{version}/search/`,
    query: `${base}/services/data/v{version}/query/`,
    recent: `${base}/services/data/v{version}/recent/`,
    tooling_rest: `${base}/services/data/v{version}/tooling/`,
    profile: `${base}/${userId}`,
    users: `${base}/services/data/v{version}/chatter/users`,
    custom_domain: base,
  };
  const u = user.values;
  const common = {
    user_id: userId,
    organization_id: org.orgId,
    email: u['Email'],
    active: u['IsActive'],
    user_type: 'STANDARD',
    language: 'en_US',
    locale: 'en_US',
    utcOffset: 0,
    urls,
  };
  if (kind === 'userinfo') {
    return json(200, {
      sub: idUrl,
      ...common,
      preferred_username: cred.username,
      nickname: u['CommunityNickname'],
      name: u['Name'],
      email_verified: true,
      given_name: u['FirstName'],
      family_name: u['LastName'],
      zoneinfo: 'GMT',
      updated_at: u['LastModifiedDate'],
      is_app_installed: true,
    });
  }
  return json(200, {
    id: idUrl,
    asserted_user: true,
    ...common,
    username: cred.username,
    nick_name: u['CommunityNickname'],
    display_name: u['Name'],
    first_name: u['FirstName'],
    last_name: u['LastName'],
    timezone: 'GMT',
    last_modified_date: u['LastModifiedDate'],
    is_app_installed: true,
  });
}

export function oauthRoutes(org: Org): Route[] {
  const route = (method: string, pattern: RegExp, auth: boolean, handler: Route['handler']): Route => ({ method, pattern, auth, counted: false, kind: 'auth', handler });
  return [
    route('POST', /^\/services\/oauth2\/token\/?$/, false, (req) => token(org, req)),
    route('GET', /^\/services\/oauth2\/authorize\/?$/, false, (req) => {
      const bad = checkAuthorizeRequest(org, req.query);
      if (bad !== null) return bad;
      if (req.query.get('response_type') !== 'code') return redirectTo(req.query.get('redirect_uri') ?? '', { error: 'unsupported_response_type', error_description: 'response type not supported' });
      return consentPage(org, req.query);
    }),
    route('POST', /^\/services\/oauth2\/authorize\/?$/, false, (req) => {
      const p = form(req);
      const bad = checkAuthorizeRequest(org, p);
      if (bad !== null) return bad;
      const redirect = p.get('redirect_uri') ?? '';
      const state = p.get('state');
      const stateParam: Record<string, string> = state === null ? {} : { state };
      if (p.get('action') !== 'allow') return redirectTo(redirect, { error: 'access_denied', error_description: 'end-user denied authorization', ...stateParam });
      const user = org.auth.checkPassword(p.get('username') ?? '', p.get('password') ?? '');
      if (user === undefined) return consentPage(org, p, 'Please check your username and password.');
      return redirectTo(redirect, { code: org.auth.issueCode(user.userId, org.auth.app.clientId, redirect), ...stateParam });
    }),
    route('POST', /^\/services\/oauth2\/revoke\/?$/, false, (req) => {
      const tokenValue = form(req).get('token') ?? '';
      if (!org.auth.revoke(tokenValue)) return oauthError('invalid_token', 'invalid token');
      return { status: 200, raw: '' };
    }),
    route('GET', /^\/services\/oauth2\/revoke\/?$/, false, (req) => {
      if (!org.auth.revoke(req.query.get('token') ?? '')) return oauthError('invalid_token', 'invalid token');
      return { status: 200, raw: '' };
    }),
    route('GET', /^\/services\/oauth2\/userinfo\/?$/, true, (req) => sessionInfo(org, req, 'userinfo')),
    route('POST', /^\/services\/oauth2\/userinfo\/?$/, true, (req) => sessionInfo(org, req, 'userinfo')),
    route('GET', /^\/id\/([A-Za-z0-9]{15,18})\/([A-Za-z0-9]{15,18})\/?$/, true, (req) => sessionInfo(org, req, 'identity')),
  ];
}
