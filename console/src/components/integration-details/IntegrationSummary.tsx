import { Badge, Group, List, SimpleGrid, Stack, Text } from '@mantine/core';
import { useQueries, useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { api, ApiFailure, unwrap } from '../../api/client.ts';
import { CopyId } from '../CopyId.tsx';
import { ErrorAlert } from '../ErrorAlert.tsx';
import { formatDateTime } from '../format.ts';
import { IMPORTS, isImport } from '../imports/kinds.ts';
import type { Integration } from './queries.ts';

/** How many referenced records (accounts, users) are read by name; the rest are counted. */
const NAMED = 25;

function Item({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div>
      <Text size="sm" fw={600} component="dt">
        {label}
      </Text>
      <Text size="sm" component="dd" m={0}>
        {children}
      </Text>
    </div>
  );
}

function yesNo(value: boolean): string {
  return value ? 'Yes' : 'No';
}

function triggerText(trigger: Integration['trigger'], byHand: string): string {
  const parts: string[] = [];
  if (trigger.onChange) parts.push('on change (within a second)');
  const schedule = trigger.schedule;
  if (schedule !== null) {
    parts.push('intervalMinutes' in schedule ? `every ${schedule.intervalMinutes} min` : `cron ${schedule.cron} (${schedule.timeZone})`);
  }
  return parts.length === 0 ? `by hand only (${byHand})` : parts.join('; ');
}

/** Accounts named by id in the settings, each read from the API. */
function AccountNames({ ids, emptyText }: { ids: string[]; emptyText: string }) {
  const shown = ids.slice(0, NAMED);
  const accounts = useQueries({
    queries: shown.map((id) => ({
      queryKey: ['accounts', id],
      queryFn: async () => unwrap(await api.GET('/api/v1/accounts/{id}', { params: { path: { id } } })),
    })),
  });
  if (ids.length === 0) return <>{emptyText}</>;
  return (
    <List size="sm">
      {shown.map((id, index) => {
        const query = accounts[index]!;
        return (
          <List.Item key={id}>
            {query.data !== undefined ? `${query.data.name} (${query.data.code})` : query.error instanceof ApiFailure && query.error.status === 404 ? 'deleted account' : query.isError ? 'could not be read' : '…'}{' '}
            <Text span size="xs" c="gray.7">
              {id}
            </Text>
          </List.Item>
        );
      })}
      {ids.length > shown.length && <List.Item>and {ids.length - shown.length} more</List.Item>}
    </List>
  );
}

function UserNames({ ids }: { ids: string[] }) {
  const users = useQueries({
    queries: ids.slice(0, NAMED).map((id) => ({
      queryKey: ['users', id],
      queryFn: async () => unwrap(await api.GET('/api/v1/users/{id}', { params: { path: { id } } })),
    })),
  });
  if (ids.length === 0) return <>Nobody</>;
  return (
    <List size="sm">
      {ids.slice(0, NAMED).map((id, index) => {
        const query = users[index]!;
        return (
          <List.Item key={id}>
            {query.data !== undefined ? `${query.data.name} <${query.data.email}>` : query.error instanceof ApiFailure && query.error.status === 404 ? `deleted user ${id}` : query.isError ? `${id} (could not be read)` : '…'}
          </List.Item>
        );
      })}
      {ids.length > NAMED && <List.Item>and {ids.length - NAMED} more</List.Item>}
    </List>
  );
}

function CredentialName({ id }: { id: string | null }) {
  const credential = useQuery({
    queryKey: ['credentials', id],
    queryFn: async () => unwrap(await api.GET('/api/v1/credentials/{id}', { params: { path: { id: id! } } })),
    enabled: id !== null,
  });
  if (id === null) return <>None</>;
  if (credential.isError) return <ErrorAlert error={credential.error} title="The credential could not be read" />;
  return <>{credential.data === undefined ? '…' : `${credential.data.name} (${credential.data.type}, ${credential.data.status})`}</>;
}

type Reconciliation = NonNullable<Integration['reconciliation']>;

function externalMappingText(mapping: { externalSystem: string; externalTable: string }): string {
  return `external mappings of ${mapping.externalSystem} / ${mapping.externalTable}`;
}

/** A reconciliation's settings: how each side names the others, its source and the fields compared. */
function ReconciliationItems({ config }: { config: Reconciliation }) {
  const { source } = config;
  return (
    <>
      <Item label="Salesforce billing id field">
        <code>{config.salesforceBillingIdField}</code>
      </Item>
      <Item label="Billing tool's customers">
        {source.kind === 'file' ? `an uploaded ${source.format === 'csv' ? 'CSV' : 'JSON lines'} file` : `an HTTPS endpoint (${source.headerNames.length} header${source.headerNames.length === 1 ? '' : 's'})`}; id in <code>{config.sourceIdField}</code>
        {config.sourceSalesforceIdField !== null && (
          <>
            , Salesforce Account Id in <code>{config.sourceSalesforceIdField}</code>
          </>
        )}
      </Item>
      <Item label="Ferry to Salesforce / billing tool">
        {config.ferryToSalesforce === 'links' ? 'links' : externalMappingText(config.ferryToSalesforce.externalMapping)} /{' '}
        {'field' in config.ferryToSource ? (
          <>
            the account&apos;s <code>{config.ferryToSource.field}</code>
          </>
        ) : (
          externalMappingText(config.ferryToSource.externalMapping)
        )}
      </Item>
      <Item label="Compared fields (Ferry / Salesforce / billing tool)">
        {config.fields.length === 0 ? (
          'None'
        ) : (
          <List size="sm">
            {config.fields.map((field) => (
              <List.Item key={field.name}>
                {field.name}: {field.ferry ?? '—'} / {field.salesforce ?? '—'} / {field.source ?? '—'}
              </List.Item>
            ))}
          </List>
        )}
      </Item>
    </>
  );
}

/** What the integration is configured to do, as read from the API. */
export function IntegrationSummary({ integration }: { integration: Integration }) {
  const { settings, sync, delivery } = integration;
  const reads = sync.direction !== 'to_salesforce';
  const isBill = integration.entityType === 'Bill';
  // An import writes the whole set: account settings mean nothing to it.
  const isCatalogue = integration.entityType === 'Catalogue';
  const imports = isImport(integration.entityType);
  // Neither an import nor a reconciliation picks accounts: they take the whole set.
  const accountSettings = !imports && integration.reconciliation === null;
  return (
    <Stack gap="md">
      <Group gap="xs">
        <Text size="sm" fw={600}>
          Id
        </Text>
        <CopyId value={integration.id} label="integration id" />
      </Group>
      <SimpleGrid cols={3} spacing="md" component="dl" m={0}>
        <Item label="Entity type">{integration.entityType}</Item>
        <Item label="Credential">
          <CredentialName id={integration.credentialId} />
        </Item>
        <Item label="Salesforce org">{integration.salesforceOrgId ?? 'None delivered to yet'}</Item>
        <Item label="Trigger">{triggerText(integration.trigger, isImport(integration.entityType) ? IMPORTS[integration.entityType].action : 'Sync now')}</Item>
        <Item label="Error threshold">
          disables after {integration.errorThreshold} successive errors; {integration.consecutiveErrors} now
        </Item>
        <Item label="Last run / next scheduled">
          {formatDateTime(integration.lastRunAt)} / {formatDateTime(integration.nextRunAt)}
        </Item>
        {isCatalogue && (
          <Item label="Ferry price book">{settings.priceBook === null ? 'None: the standard price book only' : `${settings.priceBook}, besides the standard price book`}</Item>
        )}
        {integration.entityType === 'ReferenceData' && (
          <Item label="Picklists checked">
            {settings.picklists.length === 0 ? (
              'None'
            ) : (
              <List size="sm">
                {settings.picklists.map((picklist, index) => (
                  <List.Item key={index}>
                    <code>
                      {picklist.object}.{picklist.field}
                    </code>{' '}
                    offers the codes of {picklist.entity}
                  </List.Item>
                ))}
              </List>
            )}
          </Item>
        )}
        {integration.reconciliation !== null && <ReconciliationItems config={integration.reconciliation} />}
        {accountSettings && (
          <>
            <Item label="Included accounts">
              <AccountNames ids={settings.includedAccountIds} emptyText="All accounts" />
            </Item>
            <Item label="Excluded accounts">
              <AccountNames ids={settings.excludedAccountIds} emptyText="None" />
            </Item>
            <Item label="Account filter">{settings.accountFilter === null ? 'None' : <code>{settings.accountFilter}</code>}</Item>
          </>
        )}
        <Item label="Users notified when it disables itself">
          <UserNames ids={settings.notifyUserIds} />
        </Item>
        {accountSettings && (
          <Item label="External mappings">
            {settings.useExternalMappingAccountCode ? 'Salesforce account found through external mappings' : 'Salesforce account found by Ferry account id'}
            {settings.enforceExternalMappings ? '; only this integration\u2019s mappings count' : ''}
          </Item>
        )}
        {isBill && (
          <Item label="Bills">
            only approved: {yesNo(settings.onlyApprovedBills)}; excluded line item types:{' '}
            {settings.excludedLineItemTypes.length === 0 ? 'none' : settings.excludedLineItemTypes.join(', ')}
          </Item>
        )}
        {/* A reconciliation sends nothing and deletes nothing: it only reads, to compare. */}
        {integration.reconciliation === null && (
          <Item label="Sync direction">
            <Badge variant="outline" color="gray.8">
              {sync.direction.replaceAll('_', ' ')}
            </Badge>
          </Item>
        )}
        {reads && (
          <>
            <Item label="Conflict policy">{sync.conflictPolicy.replaceAll('_', ' ')}</Item>
            <Item label="Reading Salesforce changes">
              {sync.incoming ? 'on' : 'off'}; reader {sync.reader}; polled every {sync.pollIntervalSeconds} s
            </Item>
            <Item label="Salesforce records without a link">
              {sync.salesforceCreates}
              {sync.match !== null && `; matched by ${sync.match.ferry} = ${sync.match.salesforce}`}
            </Item>
            <Item label="Deleted in Salesforce">{sync.salesforceDeletes}</Item>
          </>
        )}
        {integration.reconciliation === null && <Item label="Deleted in Ferry">{sync.ferryDeletes}</Item>}
        <Item label={integration.reconciliation === null ? 'Delivery' : 'Reading Salesforce'}>
          Bulk API above {delivery.bulkThreshold} records; {Math.round(delivery.budgetShare * 100)}% of the daily API allocation; {delivery.concurrency} calls in flight
        </Item>
        <Item label="Created / updated">
          {formatDateTime(integration.createdAt)} / {formatDateTime(integration.updatedAt)}
        </Item>
      </SimpleGrid>
    </Stack>
  );
}
