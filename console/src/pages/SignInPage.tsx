import { Alert, Anchor, Button, Center, Paper, PasswordInput, Stack, Text, Title } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useNavigate, useSearchParams } from 'react-router';
import { api, ApiFailure, unwrap } from '../api/client.ts';

/** Sign-in: the API key goes to the server once, which answers with an HttpOnly session cookie. */
export function SignInPage() {
  const [apiKey, setApiKey] = useState('');
  const [searchParams] = useSearchParams();
  const navigate = useNavigate();
  const client = useQueryClient();
  const signIn = useMutation({
    mutationFn: async () => unwrap(await api.POST('/api/v1/session', { body: { apiKey } })),
    onSuccess: async (session) => {
      setApiKey('');
      client.setQueryData(['session'], session);
      const next = searchParams.get('next');
      await navigate(next?.startsWith('/') && !next.startsWith('//') ? next : '/');
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    signIn.mutate();
  };
  const failure = signIn.error instanceof ApiFailure ? signIn.error : undefined;
  const fieldError = failure?.details.find((detail) => detail.path === 'body.apiKey')?.message;
  return (
    <Center mih="100vh" bg="gray.0">
      <Paper component="main" withBorder shadow="sm" p="xl" w={440}>
        <form onSubmit={submit} aria-labelledby="sign-in-title">
          <Stack>
            <Title order={1} size="h2" id="sign-in-title">
              Sign in to Ferry
            </Title>
            <Text size="sm">
              Use your organization&apos;s API key. <code>npm start</code> prints the default organization&apos;s key the first time it runs; <code>npx ferry org key create</code> issues another.
            </Text>
            {failure !== undefined && failure.status === 401 && (
              <Alert color="red" title="Not signed in" role="alert">
                {failure.message}
              </Alert>
            )}
            {signIn.error !== null && failure === undefined && (
              <Alert color="red" title="Ferry did not answer" role="alert">
                {signIn.error.message}
              </Alert>
            )}
            <PasswordInput
              label="API key"
              placeholder="ferry_…"
              autoComplete="off"
              required
              value={apiKey}
              onChange={(event) => setApiKey(event.currentTarget.value)}
              error={fieldError !== undefined && failure?.status !== 401 ? fieldError : undefined}
              data-autofocus
            />
            <Button type="submit" loading={signIn.isPending}>
              Sign in
            </Button>
            <Text size="xs" c="gray.7">
              The key is not stored in your browser: the console keeps a session cookie that ends when you sign out or after a few hours. API reference:{' '}
              <Anchor href="/api/v1/docs" size="xs">
                /api/v1/docs
              </Anchor>
            </Text>
          </Stack>
        </form>
      </Paper>
    </Center>
  );
}
