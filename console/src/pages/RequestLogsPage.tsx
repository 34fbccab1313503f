import { Text } from '@mantine/core';
import { PageTitle } from '../components/PageTitle.tsx';
import { RequestLogTable } from '../components/RequestLogTable.tsx';

export function RequestLogsPage() {
  return (
    <>
      <PageTitle title="Request log" />
      <Text c="gray.7" size="sm" mb="md">
        Every call Ferry made to Salesforce, with the org&apos;s API usage it reported. A Waiting row is a call still under way.
      </Text>
      <RequestLogTable />
    </>
  );
}
