import { Button, Group, PasswordInput, SegmentedControl, Stack, Text, Textarea, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useMutation } from '@tanstack/react-query';
import { api, fieldErrors, unwrap, type Schemas } from '../../api/client.ts';
import type { operations } from '../../api/schema.ts';
import { ErrorAlert } from '../ErrorAlert.tsx';

export type Credential = Schemas['Credential'];
export type CredentialType = Credential['type'];

export const TYPE_LABELS: Record<CredentialType, string> = {
  password: 'Username and password',
  client_credentials: 'Client credentials',
  jwt_bearer: 'JWT bearer',
  authorization_code: 'Authorization code (a person approves)',
  access_token: 'Access token',
};

type Field = 'loginUrl' | 'instanceUrl' | 'username' | 'password' | 'securityToken' | 'clientId' | 'clientSecret' | 'privateKey' | 'redirectUri' | 'accessToken';

interface FieldSpec {
  field: Field;
  label: string;
  secret?: boolean;
  required?: boolean;
  description?: string;
  multiline?: boolean;
}

const LOGIN_URL: FieldSpec = { field: 'loginUrl', label: 'Login URL', description: 'https://login.salesforce.com, https://test.salesforce.com for a sandbox, or your My Domain URL' };

/** The fields each type takes (POST /api/v1/credentials, one body per type). */
const FIELDS: Record<CredentialType, FieldSpec[]> = {
  password: [
    LOGIN_URL,
    { field: 'username', label: 'Username', required: true },
    { field: 'password', label: 'Password', secret: true, required: true },
    { field: 'securityToken', label: 'Security token', secret: true, description: 'Appended to the password; not needed from a trusted IP range' },
    { field: 'clientId', label: 'Client id', description: 'Optional: a connected app’s consumer key (OAuth username-password flow)' },
    { field: 'clientSecret', label: 'Client secret', secret: true, description: 'Optional, with the client id' },
  ],
  client_credentials: [
    LOGIN_URL,
    { field: 'clientId', label: 'Client id', required: true, description: 'The connected app’s consumer key' },
    { field: 'clientSecret', label: 'Client secret', secret: true, required: true },
  ],
  jwt_bearer: [
    LOGIN_URL,
    { field: 'clientId', label: 'Client id', required: true, description: 'The connected app’s consumer key' },
    { field: 'username', label: 'Username', required: true, description: 'The user Ferry acts as (the JWT subject)' },
    { field: 'privateKey', label: 'Private key', secret: true, required: true, multiline: true, description: 'PKCS#8 PEM (-----BEGIN PRIVATE KEY-----) matching the certificate on the connected app' },
  ],
  authorization_code: [
    LOGIN_URL,
    { field: 'clientId', label: 'Client id', required: true, description: 'The connected app’s consumer key' },
    { field: 'clientSecret', label: 'Client secret', secret: true, required: true },
    { field: 'redirectUri', label: 'Callback URL', description: 'Optional: Ferry’s own callback (…/api/v1/oauth/callback) when empty; it must be a callback URL of the connected app' },
  ],
  access_token: [
    { field: 'instanceUrl', label: 'Instance URL', required: true, description: 'The org’s URL, e.g. https://yourcompany.my.salesforce.com' },
    { field: 'accessToken', label: 'Access token', secret: true, required: true },
  ],
};

/** One body per type; the form builds it from the fields of the chosen type, and the API checks it. */
type CreateBody = operations['create-credential']['requestBody']['content']['application/json'];

type Values = { name: string } & Record<Field, string>;

const EMPTY: Values = {
  name: '', loginUrl: 'https://login.salesforce.com', instanceUrl: '', username: '', password: '', securityToken: '', clientId: '', clientSecret: '', privateKey: '', redirectUri: '', accessToken: '',
};

function initialValues(credential: Credential | undefined): Values {
  if (credential === undefined) return EMPTY;
  const s = credential.settings;
  return {
    ...EMPTY,
    name: credential.name,
    // An access-token credential keeps its instance URL where the others keep the login URL.
    loginUrl: credential.type === 'access_token' ? '' : credential.loginUrl,
    instanceUrl: credential.type === 'access_token' ? credential.loginUrl : '',
    username: s.username ?? '',
    clientId: s.clientId ?? '',
    redirectUri: s.redirectUri ?? '',
  };
}

/**
 * Creates a credential, or changes one. Secrets are write-only: the form never holds a stored
 * secret, and on a change a secret left blank keeps the stored one.
 */
export function CredentialForm({ credential, onSaved, onCancel }: { credential?: Credential; onSaved: (saved: Credential) => void; onCancel: () => void }) {
  const editing = credential !== undefined;
  const form = useForm<Values & { type: CredentialType }>({ initialValues: { ...initialValues(credential), type: credential?.type ?? 'password' } });
  const type = form.values.type;
  const specs = FIELDS[type];

  const save = useMutation({
    mutationFn: async (values: Values & { type: CredentialType }) => {
      const body: Record<string, string> = { name: values.name };
      for (const spec of FIELDS[values.type]) {
        const value = values[spec.field];
        // Blank optional fields and blank secrets are left out (on a change: kept as stored).
        if (value.trim() === '') continue;
        body[spec.field] = value;
      }
      if (editing) return unwrap(await api.PATCH('/api/v1/credentials/{id}', { params: { path: { id: credential.id } }, body }));
      return unwrap(await api.POST('/api/v1/credentials', { body: { ...body, type: values.type } as CreateBody }));
    },
    onSuccess: (saved) => onSaved(saved),
    onError: (error) => form.setErrors(fieldErrors(error)),
  });
  const errors = fieldErrors(save.error);
  const placed = new Set(['name', 'type', ...specs.map((s) => s.field)]);
  const unplaced = save.error !== null && Object.keys(errors).every((key) => !placed.has(key));

  return (
    <form onSubmit={form.onSubmit((values) => save.mutate(values))} aria-label={editing ? 'Change credential' : 'New credential'}>
      <Stack>
        <TextInput label="Name" required data-autofocus {...form.getInputProps('name')} />
        {editing ? (
          <Text size="sm">
            Type: <strong>{TYPE_LABELS[type]}</strong> (a credential keeps its type; create another to use a different flow)
          </Text>
        ) : (
          <Stack gap={4}>
            <Text size="sm" fw={500} id="credential-type-label">
              Type
            </Text>
            <SegmentedControl
              aria-labelledby="credential-type-label"
              data={(Object.keys(TYPE_LABELS) as CredentialType[]).map((value) => ({ value, label: value.replaceAll('_', ' ') }))}
              {...form.getInputProps('type')}
            />
            <Text size="xs" c="gray.7">
              {TYPE_LABELS[type]}
            </Text>
            {form.errors.type !== undefined && (
              <Text size="xs" c="red.8">
                {form.errors.type}
              </Text>
            )}
          </Stack>
        )}
        {specs.map((spec) => {
          const stored = editing && spec.secret === true && credential.secretsSet.includes(spec.field);
          const description = [spec.description, stored ? 'Stored: leave blank to keep it, or type a new one to replace it.' : undefined].filter(Boolean).join(' ');
          const key = `${type}-${spec.field}`;
          const common = {
            label: spec.label,
            description: description === '' ? undefined : description,
            required: spec.required === true && !stored && (spec.field !== 'loginUrl' || !editing),
            autoComplete: spec.secret === true ? 'new-password' : 'off',
            ...form.getInputProps(spec.field),
          };
          if (spec.multiline === true) return <Textarea key={key} {...common} autosize minRows={4} maxRows={10} spellCheck={false} placeholder={stored ? '(stored; not shown)' : undefined} styles={{ input: { fontFamily: 'monospace' } }} />;
          if (spec.secret === true) return <PasswordInput key={key} {...common} placeholder={stored ? '(stored; not shown)' : undefined} />;
          return <TextInput key={key} {...common} />;
        })}
        <ErrorAlert error={unplaced ? save.error : null} title="The credential was not saved" />
        <Group justify="flex-end">
          <Button variant="default" onClick={onCancel}>
            Cancel
          </Button>
          <Button type="submit" loading={save.isPending}>
            {editing ? 'Save changes' : 'Create credential'}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
