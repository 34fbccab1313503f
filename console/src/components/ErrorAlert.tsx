import { Alert, List } from '@mantine/core';
import { ApiFailure } from '../api/client.ts';

/** A failed request: the API's message, and each detail with where it is. */
export function ErrorAlert({ error, title = 'The request failed' }: { error: unknown; title?: string }) {
  if (error === null || error === undefined) return null;
  const failure = error instanceof ApiFailure ? error : undefined;
  return (
    <Alert color="red" title={title} role="alert">
      {error instanceof Error ? error.message : JSON.stringify(error)}
      {failure !== undefined && failure.details.length > 0 && (
        <List size="sm" mt="xs">
          {failure.details.map((detail) => (
            <List.Item key={`${detail.path}:${detail.message}`}>
              <code>{detail.path}</code>: {detail.message}
            </List.Item>
          ))}
        </List>
      )}
    </Alert>
  );
}
