import { Alert, Text } from '@mantine/core';
import type { operations } from '../../api/schema.ts';

export type TestOutcome = operations['test-credential']['responses'][200]['content']['application/json'];

/** What Test Connection found: the org and user it signed in as, or Salesforce's error and what to check. */
export function TestResult({ name, outcome }: { name: string; outcome: TestOutcome }) {
  if (outcome.ok) {
    return (
      <Alert color="green" styles={{ title: { color: 'var(--mantine-color-text)' } }} title={`"${name}" connected`} role="status">
        <Text size="sm">
          Signed in to org <code>{outcome.organizationId}</code> as user <code>{outcome.userId}</code> at {outcome.instanceUrl}.
          {outcome.apiUsage !== undefined && ` API requests today: ${outcome.apiUsage.used.toLocaleString()} of ${outcome.apiUsage.max.toLocaleString()}.`}
        </Text>
      </Alert>
    );
  }
  return (
    <Alert color="red" styles={{ title: { color: 'var(--mantine-color-text)' } }} title={`"${name}" could not connect: ${outcome.errorCode}`} role="status">
      <Text size="sm">{outcome.message}</Text>
      <Text size="sm" mt={4}>
        {outcome.hint}
      </Text>
    </Alert>
  );
}
