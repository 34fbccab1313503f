import { Button, Checkbox, Code, Group, Loader, MultiSelect, NumberInput, Paper, Radio, Select, Stack, Switch, Text, TextInput, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo, type ReactNode } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { api, fieldErrors, unwrap, type Schemas } from '../api/client.ts';
import { ErrorAlert } from '../components/ErrorAlert.tsx';
import { PageTitle } from '../components/PageTitle.tsx';
import { IMPORTS, isImport } from '../components/imports/kinds.ts';
import { AccountFilterField } from '../components/integration-form/AccountFilterField.tsx';
import { PicklistsField, type Picklist } from '../components/integration-form/PicklistsField.tsx';
import { ReconciliationFields, reconciliationBody, reconciliationValues, type ReconciliationValues } from '../components/integration-form/ReconciliationFields.tsx';
import { SearchPicker } from '../components/integration-form/SearchPicker.tsx';
import {
  CONFLICT_POLICIES,
  DIRECTIONS,
  ENTITY_TYPES,
  INCOMING_ENTITY_TYPES,
  isEntityType,
  LINE_ITEM_TYPES,
  READ_ONLY_ENTITY_TYPES,
  SALESFORCE_DELETES,
  timeZones,
  type EntityType,
  type Integration,
} from '../components/integration-form/options.ts';

type Sync = Integration['sync'];
type ScheduleKind = 'none' | 'interval' | 'cron';

interface Values {
  name: string;
  entityType: EntityType;
  credentialId: string | null;
  errorThreshold: number | string;
  settings: {
    includedAccountIds: string[];
    excludedAccountIds: string[];
    notifyUserIds: string[];
    accountFilter: string;
    enforceExternalMappings: boolean;
    useExternalMappingAccountCode: boolean;
    onlyApprovedBills: boolean;
    excludedLineItemTypes: Integration['settings']['excludedLineItemTypes'];
    /** Catalogue: '' is the standard price book only (null to the API). */
    priceBook: string;
    /** ReferenceData: the picklists that should offer Ferry's codes. */
    picklists: Picklist[];
  };
  trigger: { onChange: boolean; schedule: ScheduleKind; intervalMinutes: number | string; cron: string; timeZone: string };
  sync: Pick<Sync, 'direction' | 'incoming' | 'conflictPolicy' | 'salesforceDeletes'>;
  /** Reconciliation only: how its sides name each other, its source and the fields compared. */
  reconciliation: ReconciliationValues;
}

/** A new reconciliation runs daily at 02:00 UTC (the API's default too), and never on change: it follows none. */
const RECONCILIATION_CRON = '0 2 * * *';

function initialTrigger(entityType: EntityType, trigger: Integration['trigger'] | undefined): Values['trigger'] {
  if (trigger === undefined && entityType === 'Reconciliation') {
    return { onChange: false, schedule: 'cron', intervalMinutes: 60, cron: RECONCILIATION_CRON, timeZone: 'UTC' };
  }
  const schedule = trigger?.schedule ?? null;
  return {
    // An import writes the whole set each time: a run on every change would rewrite it all.
    onChange: trigger?.onChange ?? !isImport(entityType),
    schedule: schedule === null ? 'none' : 'intervalMinutes' in schedule ? 'interval' : 'cron',
    intervalMinutes: schedule !== null && 'intervalMinutes' in schedule ? schedule.intervalMinutes : 60,
    cron: schedule !== null && 'cron' in schedule ? schedule.cron : '',
    timeZone: schedule !== null && 'cron' in schedule ? (schedule.timeZone ?? 'UTC') : 'UTC',
  };
}

function initialValues(entityType: EntityType, integration: Integration | undefined): Values {
  return {
    name: integration?.name ?? '',
    entityType,
    credentialId: integration?.credentialId ?? null,
    errorThreshold: integration?.errorThreshold ?? 10,
    settings: {
      includedAccountIds: integration?.settings.includedAccountIds ?? [],
      excludedAccountIds: integration?.settings.excludedAccountIds ?? [],
      notifyUserIds: integration?.settings.notifyUserIds ?? [],
      accountFilter: integration?.settings.accountFilter ?? '',
      enforceExternalMappings: integration?.settings.enforceExternalMappings ?? false,
      useExternalMappingAccountCode: integration?.settings.useExternalMappingAccountCode ?? false,
      onlyApprovedBills: integration?.settings.onlyApprovedBills ?? false,
      excludedLineItemTypes: integration?.settings.excludedLineItemTypes ?? [],
      priceBook: integration?.settings.priceBook ?? '',
      picklists: integration?.settings.picklists ?? [{ entity: 'account-types', object: 'Account', field: 'Type' }],
    },
    trigger: initialTrigger(entityType, integration?.trigger),
    sync: {
      direction: integration?.sync.direction ?? (READ_ONLY_ENTITY_TYPES.includes(entityType) ? 'from_salesforce' : 'to_salesforce'),
      incoming: integration?.sync.incoming ?? true,
      conflictPolicy: integration?.sync.conflictPolicy ?? 'hold',
      salesforceDeletes: integration?.sync.salesforceDeletes ?? 'ignore',
    },
    reconciliation: reconciliationValues(integration?.reconciliation),
  };
}

/** The body the API takes, from what the form holds (numbers left as typed: the API says what is wrong with them). */
function bodyOf(values: Values) {
  const { schedule, intervalMinutes, cron, timeZone, onChange } = values.trigger;
  return {
    name: values.name,
    errorThreshold: values.errorThreshold === '' ? 10 : Number(values.errorThreshold),
    settings: {
      ...values.settings,
      accountFilter: values.settings.accountFilter.trim() === '' ? null : values.settings.accountFilter,
      priceBook: values.settings.priceBook.trim() === '' ? null : values.settings.priceBook,
    },
    trigger: {
      onChange,
      schedule: schedule === 'none' ? null : schedule === 'interval' ? { intervalMinutes: Number(intervalMinutes) } : { cron, timeZone },
    },
    ...(INCOMING_ENTITY_TYPES.includes(values.entityType) ? { sync: values.sync } : {}),
    ...(values.entityType === 'Reconciliation' ? { reconciliation: reconciliationBody(values.reconciliation) } : {}),
  };
}

/**
 * The API's field errors keyed as this form names its fields: a schedule's fields sit under
 * `trigger` here, and a list's item errors show on the list.
 */
function formErrors(error: unknown): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const [path, message] of Object.entries(fieldErrors(error))) {
    let key = path.replace(/^trigger\.schedule\.(cron|timeZone|intervalMinutes)$/, 'trigger.$1').replace(/^trigger\.schedule$/, 'trigger.schedule');
    key = key.replace(/^(settings\.(?:includedAccountIds|excludedAccountIds|notifyUserIds|excludedLineItemTypes))\.(\d+)$/, (_, list: string, index: string) => `${list}|${index}`);
    const [list, index] = key.split('|');
    const text = index === undefined ? message : `item ${Number(index) + 1}: ${message}`;
    const field = list ?? key;
    errors[field] = errors[field] === undefined ? text : `${errors[field]}; ${text}`;
  }
  return errors;
}

/** Create (/integrations/new?entityType=X) or edit (/integrations/:id/edit) an integration. */
export function IntegrationFormPage() {
  const { id } = useParams();
  const [searchParams] = useSearchParams();
  const integration = useQuery({
    queryKey: ['integrations', id],
    queryFn: async () => unwrap(await api.GET('/api/v1/integrations/{id}', { params: { path: { id: id! } } })),
    enabled: id !== undefined,
  });
  if (id === undefined) {
    const requested = searchParams.get('entityType');
    return <IntegrationForm key={requested ?? 'new'} entityType={isEntityType(requested) ? requested : 'Account'} />;
  }
  if (integration.error !== null) {
    return (
      <>
        <PageTitle title="Edit integration" />
        <ErrorAlert error={integration.error} title="The integration could not be read" />
      </>
    );
  }
  if (integration.data === undefined) return <Loader aria-label="Loading the integration" />;
  return <IntegrationForm key={integration.data.id} entityType={integration.data.entityType} integration={integration.data} />;
}

function Panel({ title, children }: { title: string; children: ReactNode }) {
  const headingId = `panel-${title.replaceAll(/\W+/g, '-').toLowerCase()}`;
  return (
    <Paper component="section" withBorder p="md" aria-labelledby={headingId}>
      <Title order={3} size="h4" id={headingId} mb="sm">
        {title}
      </Title>
      <Stack gap="sm">{children}</Stack>
    </Paper>
  );
}

function IntegrationForm({ entityType, integration }: { entityType: EntityType; integration?: Integration }) {
  const navigate = useNavigate();
  const client = useQueryClient();
  const editing = integration !== undefined;
  const form = useForm<Values>({
    mode: 'controlled',
    initialValues: initialValues(entityType, integration),
    validate: {
      name: (value) => (value.trim() === '' ? 'is required' : null),
      // Headers go to the API as an object: a name given twice would lose a value without a word.
      reconciliation: {
        source: {
          headers: {
            name: (value, all) => (all.reconciliation.source.headers.filter((header) => header.name.toLowerCase() === value.toLowerCase()).length > 1 ? 'is given twice: send each header once' : null),
          },
        },
      },
    },
  });
  const values = form.getValues();
  const credentials = useQuery({
    queryKey: ['credentials'],
    queryFn: async () => unwrap(await api.GET('/api/v1/credentials')).data,
  });
  const zones = useMemo(() => timeZones(), []);

  const save = useMutation({
    mutationFn: async (submitted: Values): Promise<Schemas['Integration']> => {
      const body = bodyOf(submitted);
      if (!editing) {
        return unwrap(await api.POST('/api/v1/integrations', { body: { ...body, entityType: submitted.entityType, credentialId: submitted.credentialId } }));
      }
      const path = { id: integration.id };
      let saved = unwrap(await api.PATCH('/api/v1/integrations/{id}', { params: { path }, body: { ...body, version: integration.version } }));
      // The credential is not PATCHed: connecting checks the org it reaches, disconnecting is its own step.
      if (submitted.credentialId !== integration.credentialId) {
        saved =
          submitted.credentialId === null
            ? unwrap(await api.POST('/api/v1/integrations/{id}/disconnect', { params: { path } }))
            : unwrap(await api.POST('/api/v1/integrations/{id}/connect', { params: { path }, body: { credentialId: submitted.credentialId } }));
      }
      return saved;
    },
    onSuccess: async (saved) => {
      await client.invalidateQueries({ queryKey: ['integrations'] });
      await navigate(`/integrations/${saved.id}`);
    },
    onError: (error) => form.setErrors(formErrors(error)),
  });

  const incoming = INCOMING_ENTITY_TYPES.includes(values.entityType);
  // An import writes the whole set to Salesforce: accounts and external mappings mean nothing to it.
  const importKind = isImport(values.entityType) ? values.entityType : null;
  const isCatalogue = values.entityType === 'Catalogue';
  // A reconciliation compares accounts on three sides and writes nothing to Salesforce: no account or entity settings.
  const isReconciliation = values.entityType === 'Reconciliation';
  const accountSettings = importKind === null && !isReconciliation;
  const credentialOptions = (credentials.data ?? []).map((credential) => ({ value: credential.id, label: `${credential.name} (${credential.status})` }));
  const title = editing ? `Edit ${integration.name}` : `New ${values.entityType} integration`;

  return (
    <>
      <PageTitle title={title}>
        <Button component={Link} to={editing ? `/integrations/${integration.id}` : '/integrations'} variant="default">
          Cancel
        </Button>
      </PageTitle>
      <form onSubmit={form.onSubmit((submitted) => save.mutate(submitted))} noValidate aria-label={title}>
        <Stack gap="md" maw={960}>
          <ErrorAlert error={save.error} title={editing ? 'The integration was not saved' : 'The integration was not created'} />
          <ErrorAlert error={credentials.error} title="The credentials could not be read" />

          <Panel title="Global configuration">
            <TextInput label="Name" withAsterisk {...form.getInputProps('name')} />
            {!editing && (
              <Select
                label="Entity type"
                data={ENTITY_TYPES}
                allowDeselect={false}
                {...form.getInputProps('entityType')}
                onChange={(value: string | null) => {
                  if (!isEntityType(value)) return;
                  const before = values.entityType;
                  form.setFieldValue('entityType', value);
                  form.setFieldValue('sync.direction', READ_ONLY_ENTITY_TYPES.includes(value) ? 'from_salesforce' : 'to_salesforce');
                  // A reconciliation's own schedule comes and goes with it; other types keep what was chosen.
                  if (value === 'Reconciliation' || before === 'Reconciliation') form.setFieldValue('trigger', initialTrigger(value, undefined));
                  else form.setFieldValue('trigger.onChange', !isImport(value));
                }}
              />
            )}
            <Text size="sm">
              {editing ? `Entity type: ${values.entityType}. ` : ''}Destination: Salesforce
            </Text>
            <Select
              label="Credential"
              description={
                isReconciliation
                  ? 'The Salesforce org whose Accounts it compares; its Salesforce fields are checked against that org. None: not connected until you choose one.'
                  : 'The Salesforce connection it uses. None: the integration is not connected until you choose one.'
              }
              placeholder="Not connected"
              data={credentialOptions}
              clearable
              searchable
              nothingFoundMessage="No credential has that name"
              {...form.getInputProps('credentialId')}
            />
            {accountSettings && (
              <>
                <SearchPicker
                  kind="accounts"
                  label="Included accounts"
                  description="Only these accounts. None: every account."
                  value={values.settings.includedAccountIds}
                  onChange={(ids) => form.setFieldValue('settings.includedAccountIds', ids)}
                  error={form.errors['settings.includedAccountIds'] as string | undefined}
                />
                <SearchPicker
                  kind="accounts"
                  label="Excluded accounts"
                  description="Never these accounts."
                  value={values.settings.excludedAccountIds}
                  onChange={(ids) => form.setFieldValue('settings.excludedAccountIds', ids)}
                  error={form.errors['settings.excludedAccountIds'] as string | undefined}
                />
              </>
            )}
            <SearchPicker
              kind="users"
              label="Users to notify when disabled"
              description="E-mailed when the integration disables itself after too many errors in a row."
              value={values.settings.notifyUserIds}
              onChange={(ids) => form.setFieldValue('settings.notifyUserIds', ids)}
              error={form.errors['settings.notifyUserIds'] as string | undefined}
            />
            <NumberInput label="Error threshold" description="Errors in a row before the integration disables itself." min={1} max={1000} allowDecimal={false} {...form.getInputProps('errorThreshold')} />
          </Panel>

          {isReconciliation && (
            <Panel title="Reconciliation">
              {typeof form.errors.reconciliation === 'string' && (
                <Text size="sm" c="red.9">
                  {form.errors.reconciliation}
                </Text>
              )}
              <ReconciliationFields
                values={values.reconciliation}
                saved={integration === undefined || integration.reconciliation === null ? null : { integrationId: integration.id, contactSource: integration.reconciliation.contactSource }}
                input={(path, options) => form.getInputProps(`reconciliation.${path}`, options)}
                errorOf={(path) => form.errors[`reconciliation.${path}`] as string | undefined}
                onInsert={(path, item) => form.insertListItem(`reconciliation.${path}`, item)}
                onRemove={(path, index) => form.removeListItem(`reconciliation.${path}`, index)}
              />
            </Panel>
          )}

          {!isReconciliation && (
            <Panel title="Entity configuration">
              {values.entityType === 'Bill' && (
                <>
                  <Checkbox
                    label="Send approved bills only"
                    description="Otherwise every regeneration of a bill is sent."
                    {...form.getInputProps('settings.onlyApprovedBills', { type: 'checkbox' })}
                  />
                  <MultiSelect
                    label="Excluded line item types"
                    description="Line items of these types are not sent."
                    data={LINE_ITEM_TYPES}
                    searchable
                    clearable
                    {...form.getInputProps('settings.excludedLineItemTypes')}
                  />
                </>
              )}
              {isCatalogue && (
                <TextInput
                  label="Ferry price book"
                  description="A price book Ferry fills besides the standard one, made in the org when it has none of that name. Empty: the standard price book only."
                  placeholder="The standard price book only"
                  {...form.getInputProps('settings.priceBook')}
                />
              )}
              {values.entityType === 'ReferenceData' && (
                <PicklistsField
                  rows={values.settings.picklists}
                  errorOf={(path) => form.errors[path] as string | undefined}
                  onAdd={(row) => form.insertListItem('settings.picklists', row)}
                  onRemove={(index) => form.removeListItem('settings.picklists', index)}
                  onChange={(index, row) => {
                    // A field's error goes when the field changes, as with the form's other inputs.
                    const before = values.settings.picklists[index];
                    for (const key of ['entity', 'object', 'field'] as const) if (before?.[key] !== row[key]) form.clearFieldError(`settings.picklists.${index}.${key}`);
                    form.replaceListItem('settings.picklists', index, row);
                  }}
                />
              )}
              {accountSettings && (
                <>
                  <Checkbox
                    label="Use the external-mapping account code"
                    description="Find the Salesforce account through external mappings instead of Ferry's account ids."
                    {...form.getInputProps('settings.useExternalMappingAccountCode', { type: 'checkbox' })}
                  />
                  <Checkbox
                    label="Enforce external mappings for this integration"
                    description="Only external mappings whose integration is this one count."
                    {...form.getInputProps('settings.enforceExternalMappings', { type: 'checkbox' })}
                  />
                  <AccountFilterField
                    value={values.settings.accountFilter}
                    onChange={(event) => form.setFieldValue('settings.accountFilter', event.currentTarget.value)}
                    error={form.errors['settings.accountFilter'] as string | undefined}
                  />
                </>
              )}
            </Panel>
          )}

          <Panel title="Trigger">
            {isReconciliation ? (
              <Text size="sm">
                Each run compares the three sides as they are then and writes a report. A new reconciliation runs daily at 02:00 UTC (cron <Code>{RECONCILIATION_CRON}</Code>); Run now on its report page runs it at once.
              </Text>
            ) : (
              <Checkbox
                label="Run on change"
                description={importKind === null ? 'Within a second of a change to the entity.' : `Within a second of a change to ${IMPORTS[importKind].what}; each run writes the whole set again.`}
                {...form.getInputProps('trigger.onChange', { type: 'checkbox' })}
              />
            )}
            <Radio.Group label="Schedule" {...form.getInputProps('trigger.schedule')}>
              <Group mt="xs">
                <Radio value="none" label="None" />
                <Radio value="interval" label="Every so many minutes" />
                <Radio value="cron" label="Cron expression" />
              </Group>
            </Radio.Group>
            {values.trigger.schedule === 'interval' && (
              <NumberInput label="Interval in minutes" min={1} max={10_080} allowDecimal={false} {...form.getInputProps('trigger.intervalMinutes')} />
            )}
            {values.trigger.schedule === 'cron' && (
              <Group align="flex-start" grow>
                <TextInput
                  label="Cron expression"
                  description="e.g. 0 2 * * * (02:00 every day)"
                  spellCheck={false}
                  styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
                  {...form.getInputProps('trigger.cron')}
                />
                <Select label="Time zone" data={zones} searchable allowDeselect={false} limit={100} nothingFoundMessage="No such time zone" {...form.getInputProps('trigger.timeZone')} />
              </Group>
            )}
          </Panel>

          {incoming && (
            <Panel title="Two-way sync">
              <Select label="Direction" data={DIRECTIONS} allowDeselect={false} {...form.getInputProps('sync.direction')} />
              <Switch label="Read Salesforce changes" description="This integration's switch for reading changes back (off: nothing is read; reading resumes where it stopped)." {...form.getInputProps('sync.incoming', { type: 'checkbox' })} />
              <Select label="Conflict policy" description="A field changed on both sides to different values." data={CONFLICT_POLICIES} allowDeselect={false} {...form.getInputProps('sync.conflictPolicy')} />
              <Select label="Records deleted in Salesforce" data={SALESFORCE_DELETES} allowDeselect={false} {...form.getInputProps('sync.salesforceDeletes')} />
            </Panel>
          )}

          {!editing && (
            <Text size="sm" c="gray.7">
              {importKind !== null
                ? `An import writes ${IMPORTS[importKind].what} each time: ${IMPORTS[importKind].action} on the integration\u2019s page starts one.`
                : isReconciliation
                  ? 'Once it is created, upload the billing tool\u2019s customers on its report page, then Run now.'
                  : 'A new integration delivers changes made after it is created; a full sync from its page sends what already exists.'}
            </Text>
          )}
          <Group>
            <Button type="submit" loading={save.isPending}>
              {editing ? 'Save changes' : 'Create integration'}
            </Button>
          </Group>
        </Stack>
      </form>
    </>
  );
}
