import { z } from 'zod';
import { closeSession, issueApiKey, listApiKeys, listOrganizations, openSession, revokeApiKey, safeString } from '../../platform/index.ts';
import { defineEndpoint, type Endpoint } from '../contract.ts';
import { idParams } from '../entities/schemas.ts';
import { ApiError } from '../errors.ts';

/**
 * The console signs in by trading an API key for a session cookie (HttpOnly, SameSite=Strict,
 * expiring): the browser never stores the key. The same endpoints serve any client that prefers
 * a cookie to a bearer header.
 */
const sessionView = z
  .strictObject({
    organization: z.strictObject({ id: z.uuid(), name: z.string() }),
    key: z.strictObject({ id: z.uuid(), name: z.string(), prefix: z.string() }).nullable().meta({ description: 'The API key the caller used (null for the local admin token)' }),
    expiresAt: z.string().nullable().meta({ description: 'When the console session ends (null: the request used a bearer key, not a session)' }),
  })
  .meta({ id: 'Session' });

const apiKeyView = z
  .strictObject({
    id: z.uuid(),
    name: z.string(),
    prefix: z.string().meta({ description: 'The first characters of the key, to tell keys apart; the key itself is never stored' }),
    createdAt: z.string(),
    revokedAt: z.string().nullable(),
    current: z.boolean().meta({ description: 'The key this request was made with (directly, or to open the console session)' }),
  })
  .meta({ id: 'ApiKey' });

const WRONG_KEY = 'That API key is not valid: it is unknown or was revoked. Check it (it starts with "ferry_"), or issue a new one on the server with `npx ferry org key create`.';

export const sessionEndpoints: Endpoint[] = [
  defineEndpoint({
    method: 'POST', path: '/api/v1/session', operationId: 'sign-in', summary: 'Sign in with an API key: opens a console session (cookie)', tag: 'Console session', auth: false,
    description: 'Answers with a `ferry_session` cookie (HttpOnly, SameSite=Strict, Secure over HTTPS) that authenticates later requests from the same site until it expires or the key is revoked.',
    body: z.strictObject({ apiKey: z.string({ error: 'is required: your organization\'s API key' }).trim().min(1, 'is required: your organization\'s API key').max(200) }),
    success: { status: 201, description: 'The session', schema: sessionView },
    errors: ['validation_failed', 'malformed_json', 'unauthorized'],
    handler: async ({ body, deps }) => {
      const opened = await openSession(deps.db, body.apiKey, deps.sessionLifetimeMs);
      if (opened === undefined) throw new ApiError('unauthorized', WRONG_KEY, [{ path: 'body.apiKey', message: 'is not a valid API key' }]);
      return {
        status: 201,
        sessionCookie: { token: opened.token, expiresAt: opened.expiresAt },
        body: {
          organization: { id: opened.orgId, name: opened.organizationName },
          key: opened.key,
          expiresAt: opened.expiresAt.toISOString(),
        },
      };
    },
  }),
  defineEndpoint({
    method: 'GET', path: '/api/v1/session', operationId: 'get-session', summary: 'Who the caller is: the organization, the key, when the session ends', tag: 'Console session', auth: true,
    success: { status: 200, description: 'The session', schema: sessionView },
    errors: ['unauthorized'],
    handler: async ({ orgId, caller, deps }) => {
      if (caller.session !== null) {
        const { info } = caller.session;
        return {
          status: 200,
          body: { organization: { id: orgId, name: info.organizationName }, key: { id: info.apiKeyId, name: info.keyName, prefix: info.keyPrefix }, expiresAt: info.expiresAt.toISOString() },
        };
      }
      const organization = (await listOrganizations(deps.db)).find((org) => org.id === orgId)!;
      const key = caller.apiKeyId === null ? undefined : (await listApiKeys(deps.db, orgId)).find((candidate) => candidate.id === caller.apiKeyId);
      return {
        status: 200,
        body: { organization: { id: orgId, name: organization.name }, key: key === undefined ? null : { id: key.id, name: key.name, prefix: key.prefix }, expiresAt: null },
      };
    },
  }),
  defineEndpoint({
    method: 'DELETE', path: '/api/v1/session', operationId: 'sign-out', summary: 'Sign out: ends the console session and clears its cookie', tag: 'Console session', auth: false,
    success: { status: 204, description: 'Signed out (also when there was no session)' },
    errors: [],
    handler: async ({ caller, deps }) => {
      if (caller.sessionCookie !== undefined) await closeSession(deps.db, caller.sessionCookie);
      return { status: 204, sessionCookie: null };
    },
  }),
  defineEndpoint({
    method: 'GET', path: '/api/v1/api-keys', operationId: 'list-api-keys', summary: 'List the organization\'s API keys (never the keys themselves)', tag: 'API keys', auth: true,
    success: { status: 200, description: 'API keys, newest first, revoked ones marked', schema: z.strictObject({ data: z.array(apiKeyView) }) },
    errors: ['unauthorized'],
    handler: async ({ orgId, caller, deps }) => ({
      status: 200,
      body: { data: (await listApiKeys(deps.db, orgId)).map((key) => ({ ...key, current: key.id === caller.apiKeyId })) },
    }),
  }),
  defineEndpoint({
    method: 'POST', path: '/api/v1/api-keys', operationId: 'create-api-key', summary: 'Issue an API key (shown once, in this answer only)', tag: 'API keys', auth: true,
    body: z.strictObject({ name: safeString({ error: 'is required: what the key is for, e.g. "billing exporter"' }).trim().min(1, 'is required: what the key is for, e.g. "billing exporter"').max(200) }),
    success: { status: 201, description: 'The key\'s record and the key itself', schema: z.strictObject({ key: apiKeyView, apiKey: z.string().meta({ description: 'The key: store it now, Ferry keeps only its hash' }) }) },
    errors: ['validation_failed', 'malformed_json', 'unauthorized'],
    handler: async ({ orgId, body, deps }) => {
      const issued = await issueApiKey(deps.db, orgId, body.name);
      return { status: 201, body: { key: { ...issued.key, current: false }, apiKey: issued.apiKey } };
    },
  }),
  defineEndpoint({
    method: 'DELETE', path: '/api/v1/api-keys/{id}', operationId: 'revoke-api-key', summary: 'Revoke an API key: its requests and console sessions are refused from now on', tag: 'API keys', auth: true, params: idParams,
    success: { status: 200, description: 'The revoked key', schema: apiKeyView },
    errors: ['unauthorized', 'not_found', 'last_api_key'],
    handler: async ({ orgId, params, caller, deps }) => {
      const outcome = await revokeApiKey(deps.db, orgId, params.id);
      if ('refused' in outcome) {
        if (outcome.refused === 'not_found') throw new ApiError('not_found', `No API key of this organization has id ${params.id}.`);
        throw new ApiError('last_api_key', 'This is the organization\'s last active API key: issue another before revoking it, or nobody could sign in.');
      }
      return { status: 200, body: { ...outcome.revoked, current: outcome.revoked.id === caller.apiKeyId } };
    },
  }),
];
