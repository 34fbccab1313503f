import { Button, Checkbox, Fieldset, Group, NumberInput, PasswordInput, Radio, Select, Stack, Text, Textarea, TextInput } from '@mantine/core';
import type { GetInputPropsReturnType } from '@mantine/form';
import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client.ts';
import { ErrorAlert } from '../ErrorAlert.tsx';
import { Notice } from '../integration-details/Notice.tsx';
import { reconciliationKey } from '../reconciliation/queries.ts';
import type { Integration } from './options.ts';

type Config = NonNullable<Integration['reconciliation']>;
type Format = Extract<Config['source'], { kind: 'file' }>['format'];
export type ContactSource = Config['contactSource'];
type ExternalMapping = { externalSystem: string; externalTable: string };

/** A header an HTTPS source sends; its value is a secret the API never gives back. */
export interface HeaderRow {
  name: string;
  value: string;
}

/** A compared field as the form holds it: an empty side is a side not compared (null to the API). */
export interface ComparedField {
  name: string;
  ferry: string;
  salesforce: string;
  source: string;
}

/**
 * A reconciliation's settings as the form holds them: each choice of a union (links or external
 * mappings; a field or external mappings) beside the values of both, so switching back and forth
 * keeps what was typed. The paths are the API's (reconciliation.ferryToSource.field,
 * reconciliation.fields.0.salesforce), so its errors land on their inputs as they are.
 */
export interface ReconciliationValues {
  salesforceBillingIdField: string;
  source: {
    kind: 'file' | 'http';
    format: Format;
    url: string;
    records: string;
    next: string;
    pageSize: number | string;
    /** The headers the stored HTTPS source sends (names only: their values are sealed). */
    headerNames: string[];
    /** Keep the stored headers (headers left out of the change); off: send `headers`, which replace them. */
    keepHeaders: boolean;
    headers: HeaderRow[];
  };
  sourceIdField: string;
  sourceSalesforceIdField: string;
  ferryToSalesforce: { kind: 'links' | 'externalMapping'; externalMapping: ExternalMapping };
  ferryToSource: { kind: 'field' | 'externalMapping'; field: string; externalMapping: ExternalMapping };
  fields: ComparedField[];
  /** Where the contacts of matched accounts come from. */
  contactSource: ContactSource;
  /** Make the Account's owner the matched Ferry account's assigned user. */
  importOwners: boolean;
}

export const FORMATS: { value: Format; label: string }[] = [
  { value: 'csv', label: 'CSV' },
  { value: 'jsonl', label: 'JSON lines' },
];

export function isFormat(value: string | null): value is Format {
  return value === 'csv' || value === 'jsonl';
}

/** Most compared fields a reconciliation takes (the API refuses more). */
const MAX_FIELDS = 20;

/** Most headers an HTTPS source sends (the API refuses more). */
const MAX_HEADERS = 20;

const NO_MAPPING: ExternalMapping = { externalSystem: '', externalTable: '' };

function sourceValues(source: Config['source'] | undefined): ReconciliationValues['source'] {
  const none = { kind: 'file' as const, format: 'csv' as const, url: '', records: '', next: '', pageSize: '', headerNames: [], keepHeaders: false, headers: [] };
  if (source === undefined) return none;
  if (source.kind === 'file') return { ...none, format: source.format };
  return { ...none, kind: 'http', url: source.url, records: source.records, next: source.next ?? '', pageSize: source.pageSize ?? '', headerNames: source.headerNames, keepHeaders: source.headerNames.length > 0 };
}

/** The stored settings in the form's shape; a new reconciliation starts from docs/reconciliation.md's example. */
export function reconciliationValues(config: Config | null | undefined): ReconciliationValues {
  if (config === null || config === undefined) {
    return {
      salesforceBillingIdField: '',
      source: sourceValues(undefined),
      sourceIdField: 'id',
      sourceSalesforceIdField: '',
      ferryToSalesforce: { kind: 'links', externalMapping: NO_MAPPING },
      ferryToSource: { kind: 'field', field: 'externalKey', externalMapping: NO_MAPPING },
      fields: [{ name: 'name', ferry: 'name', salesforce: 'Name', source: '' }],
      contactSource: 'ferry',
      importOwners: false,
    };
  }
  const toSalesforce = config.ferryToSalesforce;
  const toSource = config.ferryToSource;
  return {
    salesforceBillingIdField: config.salesforceBillingIdField,
    source: sourceValues(config.source),
    sourceIdField: config.sourceIdField,
    sourceSalesforceIdField: config.sourceSalesforceIdField ?? '',
    ferryToSalesforce: toSalesforce === 'links' ? { kind: 'links', externalMapping: NO_MAPPING } : { kind: 'externalMapping', externalMapping: toSalesforce.externalMapping },
    ferryToSource: 'field' in toSource ? { kind: 'field', field: toSource.field, externalMapping: NO_MAPPING } : { kind: 'externalMapping', field: '', externalMapping: toSource.externalMapping },
    fields: config.fields.map((field) => ({ name: field.name, ferry: field.ferry ?? '', salesforce: field.salesforce ?? '', source: field.source ?? '' })),
    contactSource: config.contactSource,
    importOwners: config.importOwners,
  };
}

const orNull = (value: string) => (value.trim() === '' ? null : value);

function sourceBody(source: ReconciliationValues['source']) {
  if (source.kind === 'file') return { kind: 'file' as const, format: source.format };
  return {
    kind: 'http' as const,
    url: source.url,
    records: source.records,
    next: orNull(source.next),
    ...(source.pageSize === '' ? {} : { pageSize: Number(source.pageSize) }),
    // Left out, the stored headers stay; given (even empty), they replace them.
    ...(source.keepHeaders ? {} : { headers: Object.fromEntries(source.headers.map((header) => [header.name, header.value])) }),
  };
}

/** The body's `reconciliation`, values as typed (the API says what is wrong with them); an empty side is null. */
export function reconciliationBody(values: ReconciliationValues) {
  return {
    salesforceBillingIdField: values.salesforceBillingIdField,
    source: sourceBody(values.source),
    sourceIdField: values.sourceIdField,
    sourceSalesforceIdField: orNull(values.sourceSalesforceIdField),
    ferryToSalesforce: values.ferryToSalesforce.kind === 'links' ? ('links' as const) : { externalMapping: values.ferryToSalesforce.externalMapping },
    ferryToSource: values.ferryToSource.kind === 'field' ? { field: values.ferryToSource.field } : { externalMapping: values.ferryToSource.externalMapping },
    fields: values.fields.map((field) => ({ name: field.name, ferry: orNull(field.ferry), salesforce: orNull(field.salesforce), source: orNull(field.source) })),
    contactSource: values.contactSource,
    importOwners: values.importOwners,
  };
}

type InputProps = GetInputPropsReturnType;
/** The form's props for a path under `reconciliation.` (Mantine's getInputProps). */
type Input = (path: string, options?: { type: 'checkbox' }) => InputProps;

function ExternalMappingInputs({ input, at, what }: { input: Input; at: string; what: string }) {
  return (
    <Group grow align="flex-start">
      <TextInput label={`External system (${what})`} description="e.g. chargebee" spellCheck={false} {...input(`${at}.externalMapping.externalSystem`)} />
      <TextInput label={`External table (${what})`} description="e.g. customers" spellCheck={false} {...input(`${at}.externalMapping.externalTable`)} />
    </Group>
  );
}

/**
 * Where the billing tool's customers come from: an uploaded file (its format), or an HTTPS
 * endpoint of JSON pages with the headers it sends. Header values are write-only: stored ones are
 * named and kept unless replaced.
 */
function SourceInputs({
  source,
  input,
  errorOf,
  onInsert,
  onRemove,
}: {
  source: ReconciliationValues['source'];
  input: Input;
  errorOf: (path: string) => string | undefined;
  onInsert: (path: string, item: HeaderRow) => void;
  onRemove: (path: string, index: number) => void;
}) {
  const headersError = errorOf('source.headers');
  return (
    <>
      <Radio.Group label="Billing tool's customers" description="Where each run reads them from." {...input('source.kind')} error={errorOf('source') ?? (input('source.kind').error as string | undefined)}>
        <Stack gap={6} mt="xs">
          <Radio value="file" label="An uploaded file (CSV or JSON lines), uploaded on the report page" />
          <Radio value="http" label="An HTTPS endpoint answering JSON pages" />
        </Stack>
      </Radio.Group>
      {source.kind === 'file' ? (
        <Select label="File format" description="How runs read the uploaded file." data={FORMATS} allowDeselect={false} w={260} {...input('source.format')} />
      ) : (
        <Fieldset legend="HTTPS endpoint" p="sm">
          <Stack gap="sm">
            <TextInput label="First page URL" description="https (plain http only for localhost)" spellCheck={false} withAsterisk {...input('source.url')} />
            <Group grow align="flex-start">
              <Textarea label="Records" description="JSONata giving a page's customers, e.g. data or customers[]" spellCheck={false} autosize minRows={1} withAsterisk styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }} {...input('source.records')} />
              <Textarea label="Next page" description="JSONata giving the next page's URL, e.g. links.next. Empty: one page." spellCheck={false} autosize minRows={1} styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }} {...input('source.next')} />
            </Group>
            <NumberInput label="Page size" description="Bound as $pageSize in the expressions. Empty: none." min={1} max={100_000} allowDecimal={false} w={260} {...input('source.pageSize')} />
            {source.headerNames.length > 0 && (
              <Checkbox
                label={`Keep the headers sent now: ${source.headerNames.join(', ')}`}
                description="Their values are sealed and never shown. Clear this to replace them (none: send no header)."
                {...input('source.keepHeaders', { type: 'checkbox' })}
              />
            )}
            {!source.keepHeaders && (
              <Stack gap="xs">
                <Text size="sm" fw={500}>
                  Headers
                </Text>
                {source.headers.map((header, index) => {
                  const n = index + 1;
                  // The API names a header's problem by the header's name (its value is never quoted).
                  const rowError = errorOf(`source.headers.${header.name}`);
                  return (
                    <Fieldset key={index} legend={`Header ${n}`} p="sm">
                      <Group align="flex-start" gap="sm" wrap="nowrap">
                        <TextInput label="Header name" description="e.g. authorization" spellCheck={false} style={{ flex: 1 }} {...input(`source.headers.${index}.name`)} />
                        <PasswordInput label="Header value" description="A secret: sealed when saved" style={{ flex: 1 }} {...input(`source.headers.${index}.value`)} />
                        <Button variant="subtle" color="red" c="red.9" mt={44} aria-label={`Remove header ${n}`} onClick={() => onRemove('source.headers', index)}>
                          Remove
                        </Button>
                      </Group>
                      {rowError !== undefined && (
                        <Text size="sm" c="red.9" mt="xs">
                          {rowError}
                        </Text>
                      )}
                    </Fieldset>
                  );
                })}
                {headersError !== undefined && (
                  <Text size="sm" c="red.9">
                    {headersError}
                  </Text>
                )}
                <Group>
                  <Button variant="default" onClick={() => onInsert('source.headers', { name: '', value: '' })} disabled={source.headers.length >= MAX_HEADERS}>
                    Add header
                  </Button>
                </Group>
              </Stack>
            )}
          </Stack>
        </Fieldset>
      )}
    </>
  );
}

/** A stored reconciliation: its id and the contact source it has now (to say what switching replaces). */
export interface SavedReconciliation {
  integrationId: string;
  contactSource: ContactSource;
}

const SOURCE_NAME: Record<ContactSource, string> = { ferry: 'Ferry', salesforce: 'Salesforce' };

/**
 * What choosing another contact source replaces, said before it is saved: for a stored
 * reconciliation, the API's preview from its latest report (and why saving would be refused now, if
 * it would); for a new one, which has no report, what a run will do.
 */
function ContactSourceNotice({ chosen, saved }: { chosen: ContactSource; saved: SavedReconciliation | null }) {
  const switching = saved !== null && chosen !== saved.contactSource;
  const preview = useQuery({
    queryKey: [...reconciliationKey(saved?.integrationId ?? ''), 'contact-source', chosen],
    queryFn: async () =>
      unwrap(await api.GET('/api/v1/integrations/{id}/reconciliation/contact-source', { params: { path: { id: saved!.integrationId }, query: { to: chosen } } })),
    enabled: switching,
    // Other integrations may change meanwhile: what is shown is read when the choice is made.
    staleTime: 0,
  });
  if (saved === null) {
    if (chosen === 'ferry') return null;
    return (
      <Notice color="orange" title="Contacts from Salesforce" role="status">
        From the first run, the contacts of each matched account (an Account and a Ferry account in one group) become those of its Account in Salesforce: Ferry contacts with the e-mail of one of the
        Account&apos;s contacts are updated from it, the others are removed, and the rest of Salesforce&apos;s are created. Contacts of other accounts are left as they are. Saving is refused while another
        integration writes contact data: an enabled Contact integration that sends Ferry&apos;s contacts to Salesforce, or a reconciliation that imports them.
      </Notice>
    );
  }
  if (!switching) return null;
  if (preview.error !== null) return <ErrorAlert error={preview.error} title="What switching replaces could not be read" />;
  if (preview.data === undefined) {
    return (
      <Text size="sm" role="status">
        Reading what switching to {SOURCE_NAME[chosen]} replaces…
      </Text>
    );
  }
  const refused = preview.data.conflicts.length > 0;
  // The API's message says it all, the conflicts included: they only set the tone here.
  return (
    <Notice color={refused ? 'red' : 'orange'} title={refused ? `Switching to ${SOURCE_NAME[chosen]} would be refused now` : `Switching to ${SOURCE_NAME[chosen]} when saved`} role="status">
      {preview.data.message}
    </Notice>
  );
}

/**
 * Where the contacts of matched accounts come from, and whether their owners come in as assigned
 * users: a reconciliation's only writes into Ferry.
 */
function PeopleInputs({ values, saved, input }: { values: ReconciliationValues; saved: SavedReconciliation | null; input: Input }) {
  return (
    <Fieldset legend="People of matched accounts" p="sm">
      <Stack gap="sm">
        <Text size="sm" c="gray.7">
          A matched account is a group of the report with a Salesforce Account and a Ferry account. These settings are what a run writes into Ferry; Salesforce is only read.
        </Text>
        <Radio.Group label="Contacts come from" description="Contact data comes from one source at a time." {...input('contactSource')}>
          <Stack gap={6} mt="xs">
            <Radio value="ferry" label="Ferry (the billing platform, through Ferry's API)" description="Runs leave the contacts alone." />
            <Radio value="salesforce" label="Salesforce" description="Each run makes them the Account's Salesforce contacts: updated, linked by e-mail or created, and those Salesforce lacks removed." />
          </Stack>
        </Radio.Group>
        <ContactSourceNotice chosen={values.contactSource} saved={saved} />
        <Checkbox
          label="Make each Salesforce Account's owner the assigned user"
          description="Of the matched Ferry account: the Ferry user with the owner's e-mail, created if there is none."
          {...input('importOwners', { type: 'checkbox' })}
        />
      </Stack>
    </Fieldset>
  );
}

/**
 * A Reconciliation integration's settings (`reconciliation`): how each side names the others, the
 * billing tool's source, the fields compared and the people of matched accounts; `saved` is the
 * stored reconciliation being edited (null: a new one). `input(path)` gives the form's props for a path
 * under `reconciliation.`; `errorOf` reads an error the inputs do not show (a union's, a compared
 * field's own, a list's); `onInsert` and `onRemove` change its lists.
 */
export function ReconciliationFields({
  values,
  saved,
  input,
  errorOf,
  onInsert,
  onRemove,
}: {
  values: ReconciliationValues;
  saved: SavedReconciliation | null;
  input: Input;
  errorOf: (path: string) => string | undefined;
  onInsert: (path: string, item: ComparedField | HeaderRow) => void;
  onRemove: (path: string, index: number) => void;
}) {
  const listError = errorOf('fields');
  return (
    <Stack gap="sm">
      <Text size="sm" c="gray.7">
        A reconciliation writes nothing to Salesforce: each run compares Salesforce Accounts, Ferry accounts and the billing tool&apos;s customers, and writes a report (and, if chosen under People of
        matched accounts, brings their contacts and owners into Ferry). Its Salesforce fields are checked against the credential&apos;s org when it is saved.
      </Text>
      <TextInput
        label="Salesforce billing id field"
        description="The Account field that holds the billing tool's customer id (API name, e.g. Chargebee_ID__c)."
        withAsterisk
        spellCheck={false}
        {...input('salesforceBillingIdField')}
      />
      <Group grow align="flex-start">
        <TextInput label="Source id field" description="The customer's own id in the billing tool's file (a CSV column or JSON key)." withAsterisk spellCheck={false} {...input('sourceIdField')} />
        <TextInput label="Source Salesforce id field" description="The column that holds the Salesforce Account Id, if the billing tool keeps it. Empty: none." spellCheck={false} {...input('sourceSalesforceIdField')} />
      </Group>
      <SourceInputs source={values.source} input={input} errorOf={errorOf} onInsert={onInsert} onRemove={onRemove} />

      <Radio.Group
        label="Ferry to Salesforce"
        description="Which Salesforce Account a Ferry account is."
        {...input('ferryToSalesforce.kind')}
        error={errorOf('ferryToSalesforce') ?? (input('ferryToSalesforce.kind').error as string | undefined)}
      >
        <Stack gap={6} mt="xs">
          <Radio value="links" label="Links: the Account a Ferry integration delivered it as, or read it from" />
          <Radio value="externalMapping" label="External mappings of a system and table" />
        </Stack>
      </Radio.Group>
      {values.ferryToSalesforce.kind === 'externalMapping' && <ExternalMappingInputs input={input} at="ferryToSalesforce" what="Salesforce" />}

      <Radio.Group
        label="Ferry to billing tool"
        description="How a Ferry account names its billing-tool customer."
        {...input('ferryToSource.kind')}
        error={errorOf('ferryToSource') ?? (input('ferryToSource.kind').error as string | undefined)}
      >
        <Stack gap={6} mt="xs">
          <Radio value="field" label="A field of the account" />
          <Radio value="externalMapping" label="External mappings of a system and table" />
        </Stack>
      </Radio.Group>
      {values.ferryToSource.kind === 'field' ? (
        <TextInput label="Ferry account field" description="A path on a Ferry account: externalKey, customFields.chargebeeId" spellCheck={false} w={420} {...input('ferryToSource.field')} />
      ) : (
        <ExternalMappingInputs input={input} at="ferryToSource" what="billing tool" />
      )}

      <div>
        <Text size="sm" fw={500}>
          Compared fields
        </Text>
        <Text size="sm" c="gray.7">
          Compared on every matched group; a field needs a value on at least two sides. Ferry paths are like mapping paths (name, address.locality), Salesforce fields are Account API names, source fields are columns or JSON keys.
        </Text>
      </div>
      {values.fields.length === 0 && <Text size="sm">No compared fields: groups are matched, and no field is compared.</Text>}
      {values.fields.map((_, index) => {
        const n = index + 1;
        const at = `fields.${index}`;
        const rowError = errorOf(at);
        return (
          // A row is named by its place: two rows may name the same field until saved.
          <Fieldset key={index} legend={`Compared field ${n}`} p="sm">
            <Group align="flex-start" gap="sm" wrap="nowrap">
              <TextInput label="Field name" description="As the report names it" spellCheck={false} style={{ flex: 1 }} {...input(`${at}.name`)} />
              <TextInput label="Ferry path" description="e.g. name" spellCheck={false} style={{ flex: 1 }} {...input(`${at}.ferry`)} />
              <TextInput label="Salesforce field" description="e.g. Name" spellCheck={false} style={{ flex: 1 }} {...input(`${at}.salesforce`)} />
              <TextInput label="Source field" description="e.g. company" spellCheck={false} style={{ flex: 1 }} {...input(`${at}.source`)} />
              <Button variant="subtle" color="red" c="red.9" mt={44} aria-label={`Remove compared field ${n}`} onClick={() => onRemove('fields', index)}>
                Remove
              </Button>
            </Group>
            {rowError !== undefined && (
              <Text size="sm" c="red.9" mt="xs">
                {rowError}
              </Text>
            )}
          </Fieldset>
        );
      })}
      {listError !== undefined && (
        <Text size="sm" c="red.9">
          {listError}
        </Text>
      )}
      <Group>
        <Button variant="default" onClick={() => onInsert('fields', { name: '', ferry: '', salesforce: '', source: '' })} disabled={values.fields.length >= MAX_FIELDS}>
          Add compared field
        </Button>
      </Group>
      <PeopleInputs values={values} saved={saved} input={input} />
    </Stack>
  );
}
