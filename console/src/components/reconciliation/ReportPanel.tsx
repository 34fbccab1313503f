import { Anchor, SimpleGrid, Stack, Text } from '@mantine/core';
import { useId } from 'react';
import { Link } from 'react-router';
import { ErrorAlert } from '../ErrorAlert.tsx';
import { formatDateTime } from '../format.ts';
import { formatBytes, formatShare, useReconciliation, type Report } from './queries.ts';

type People = NonNullable<Report['summary']['people']>;
type Owners = NonNullable<People['owners']>;
type Contacts = NonNullable<People['contacts']>;

// Every count once, in the API's order: a Record makes the compiler say when the summary gains one.
const OWNER_TEXT: Record<keyof Owners, string> = { assigned: 'Assigned', unchanged: 'Already assigned', withoutOwner: 'No owner e-mail', refused: 'Refused' };
const CONTACT_TEXT: Record<keyof Contacts, string> = { read: 'Read from Salesforce', created: 'Created', updated: 'Updated', unchanged: 'Unchanged', removed: 'Removed', refused: 'Refused' };
/** One grid for both lists, so their figures line up in columns. */
const COLUMNS = Math.max(Object.keys(OWNER_TEXT).length, Object.keys(CONTACT_TEXT).length);

/** One kind of person's counts as a labelled definition list; each count marked with its key. */
function Counts<K extends string>({ label, counts, text }: { label: string; counts: Record<K, number>; text: Record<K, string> }) {
  const id = useId();
  const keys = Object.keys(text) as K[];
  return (
    <div role="group" aria-labelledby={id}>
      <Text size="sm" fw={600} id={id}>
        {label}
      </Text>
      <SimpleGrid cols={COLUMNS} spacing={4} component="dl" m={0}>
        {keys.map((key) => (
          <div key={key}>
            <Text component="dt" size="xs" c="gray.7">
              {text[key]}
            </Text>
            <Text component="dd" m={0} fw={700} data-count={key}>
              {counts[key].toLocaleString()}
            </Text>
          </div>
        ))}
      </SimpleGrid>
    </div>
  );
}

/** What the latest run brought into Ferry for matched accounts (importOwners, contacts from Salesforce). */
function PeopleCounts({ people }: { people: People }) {
  return (
    <Stack gap={6}>
      {people.owners !== undefined && <Counts label="Account owners as assigned users" counts={people.owners} text={OWNER_TEXT} />}
      {people.contacts !== undefined && <Counts label="Contacts from Salesforce" counts={people.contacts} text={CONTACT_TEXT} />}
    </Stack>
  );
}

/** The latest report in a sentence on the integration's page, and the way to the whole of it. */
export function ReportPanel({ integrationId, fileSource }: { integrationId: string; fileSource: boolean }) {
  const status = useReconciliation(integrationId);
  const report = status.data?.report ?? null;
  const file = status.data?.file ?? null;
  const people = report?.summary.people;
  return (
    <Stack gap="xs">
      <ErrorAlert error={status.error} title="The report could not be read" />
      {status.isPending && <Text size="sm">Reading the report…</Text>}
      {status.data !== undefined && (
        <Text size="sm">
          {report === null
            ? 'No report yet.'
            : `Latest report ${formatDateTime(report.createdAt)}: ${formatShare(report.summary.matchedShare)} of the Salesforce Accounts matched on all three sides; ${report.summary.withDifferences.toLocaleString()} groups with differences.`}{' '}
          {fileSource && (file === null ? 'No file of the billing tool\u2019s customers uploaded yet.' : `Billing tool\u2019s file: ${formatBytes(file.bytes)}, uploaded ${formatDateTime(file.uploadedAt)}.`)}
        </Text>
      )}
      {people !== undefined && <PeopleCounts people={people} />}
      <Anchor component={Link} to={`/integrations/${integrationId}/reconciliation`} size="sm">
        Open the reconciliation report
      </Anchor>
    </Stack>
  );
}
