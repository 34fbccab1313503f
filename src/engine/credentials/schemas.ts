import { z } from 'zod';

const name = z.string().trim().min(1, 'must not be empty').max(255, 'must be at most 255 characters');
const httpUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http(s) URL such as "https://login.salesforce.com" or your My Domain URL' })
  // A password typed into the URL (https://user:pw@host) would be stored and shown in plain text,
  // as this field is not a secret: refuse it and say where credentials go.
  .refine((url) => {
    const parsed = URL.parse(url);
    return parsed === null || (parsed.username === '' && parsed.password === '');
  }, 'must not contain a user name or password (user:password@): put them in the username and password fields, which are stored sealed')
  .transform((url) => url.replace(/\/+$/, ''));
const secret = (what: string) => z.string().min(1, `${what} must not be empty`).max(10_000);
const loginUrl = httpUrl.default('https://login.salesforce.com');
const username = z.string().min(3).max(255);
const clientId = z.string().min(1).max(255);

/** Fields that are secrets: sealed at rest, never returned. */
export const SECRET_FIELDS = ['password', 'securityToken', 'clientSecret', 'privateKey', 'accessToken', 'refreshToken'] as const;

export const credentialInput = z.discriminatedUnion(
  'type',
  [
    z.strictObject({
      name,
      type: z.literal('password'),
      loginUrl,
      username,
      password: secret('password'),
      securityToken: z.string().max(255).optional(),
      clientId: clientId.optional(),
      clientSecret: secret('clientSecret').optional(),
    }),
    z.strictObject({ name, type: z.literal('client_credentials'), loginUrl, clientId, clientSecret: secret('clientSecret') }),
    z.strictObject({
      name,
      type: z.literal('jwt_bearer'),
      loginUrl,
      clientId,
      username,
      privateKey: secret('privateKey').regex(/-----BEGIN PRIVATE KEY-----/, 'must be a PKCS#8 PEM private key (-----BEGIN PRIVATE KEY-----)'),
    }),
    z.strictObject({
      name,
      type: z.literal('authorization_code'),
      loginUrl,
      clientId,
      clientSecret: secret('clientSecret'),
      redirectUri: httpUrl.optional(),
      refreshToken: secret('refreshToken').optional(),
      accessToken: secret('accessToken').optional(),
      instanceUrl: httpUrl.optional(),
    }),
    z.strictObject({ name, type: z.literal('access_token'), instanceUrl: httpUrl, accessToken: secret('accessToken') }),
  ],
  { error: 'must be one of password, client_credentials, jwt_bearer, authorization_code, access_token' },
);

export type CredentialInput = z.infer<typeof credentialInput>;

export const credentialView = z
  .strictObject({
    id: z.uuid(),
    name: z.string(),
    type: z.enum(['password', 'client_credentials', 'jwt_bearer', 'authorization_code', 'access_token']),
    loginUrl: z.string(),
    settings: z.record(z.string(), z.string()).meta({ description: 'Non-secret settings: username, clientId, instanceUrl, redirectUri.' }),
    secretsSet: z.array(z.string()).meta({ description: 'Which secrets are stored. Their values are never returned.' }),
    status: z.enum(['untested', 'connected', 'failed', 'awaiting_authorization', 'unreadable']).meta({ description: 'unreadable: its secrets cannot be opened with the current secret key (lastError says what to do).' }),
    salesforceOrgId: z.string().nullable(),
    salesforceUserId: z.string().nullable(),
    instanceUrl: z.string().nullable(),
    lastTestedAt: z.string().nullable(),
    lastError: z.strictObject({ errorCode: z.string(), message: z.string() }).nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Credential' });

export type CredentialView = z.infer<typeof credentialView>;
