import { Button, Fieldset, Group, Select, Stack, Text, TextInput } from '@mantine/core';
import type { Integration } from './options.ts';

export type Picklist = Integration['settings']['picklists'][number];
type Source = Picklist['entity'];

// Every source once: a Record makes the compiler say when the API gains or loses one.
const SOURCE_LABELS: Record<Source, string> = {
  'account-types': 'Account types',
  'account-statuses': 'Account statuses',
  'contact-types': 'Contact types',
  'bill-groups': 'Bill groups',
  'ar-terms': 'AR terms',
  countries: 'Countries',
};
const SOURCES = (Object.keys(SOURCE_LABELS) as Source[]).map((value) => ({ value, label: SOURCE_LABELS[value] }));

function isSource(value: string | null): value is Source {
  return value !== null && value in SOURCE_LABELS;
}

/** Most picklists an integration checks (the API refuses more). */
const MAX_PICKLISTS = 20;

/**
 * A ReferenceData integration's picklists (settings.picklists): each Salesforce picklist that
 * should offer the codes of one kind of Ferry value. The API's errors are shown beside their
 * field (settings.picklists.0.field), a row's own under it, and the list's under the list.
 */
export function PicklistsField({
  rows,
  errorOf,
  onAdd,
  onRemove,
  onChange,
}: {
  rows: Picklist[];
  errorOf: (path: string) => string | undefined;
  onAdd: (row: Picklist) => void;
  onRemove: (index: number) => void;
  onChange: (index: number, row: Picklist) => void;
}) {
  const listError = errorOf('settings.picklists');
  return (
    <Stack gap="xs">
      <div>
        <Text size="sm" fw={500}>
          Picklists to check
        </Text>
        <Text size="sm" c="gray.7">
          Salesforce picklists that should offer the codes of Ferry&apos;s values. Each import says which codes a picklist lacks, and the integration&apos;s page gives the metadata that adds them.
        </Text>
      </div>
      {rows.length === 0 && <Text size="sm">No picklists: nothing is checked.</Text>}
      {rows.map((row, index) => {
        const n = index + 1;
        const at = `settings.picklists.${index}`;
        const rowError = errorOf(at);
        return (
          // A row is named by its place: two rows may name the same picklist until saved.
          <Fieldset key={index} legend={`Picklist ${n}`} p="sm">
            <Group align="flex-start" gap="sm" wrap="nowrap">
              <Select
                label="Ferry values"
                data={SOURCES}
                value={row.entity}
                allowDeselect={false}
                error={errorOf(`${at}.entity`)}
                onChange={(value) => isSource(value) && onChange(index, { ...row, entity: value })}
                w={200}
              />
              <TextInput label="Salesforce object" description="API name, e.g. Account" value={row.object} error={errorOf(`${at}.object`)} onChange={(event) => onChange(index, { ...row, object: event.currentTarget.value })} spellCheck={false} style={{ flex: 1 }} />
              <TextInput label="Picklist field" description="API name, e.g. Type" value={row.field} error={errorOf(`${at}.field`)} onChange={(event) => onChange(index, { ...row, field: event.currentTarget.value })} spellCheck={false} style={{ flex: 1 }} />
              <Button variant="subtle" color="red" c="red.9" mt={24} aria-label={`Remove picklist ${n}`} onClick={() => onRemove(index)}>
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
        <Button variant="default" onClick={() => onAdd({ entity: 'account-types', object: 'Account', field: '' })} disabled={rows.length >= MAX_PICKLISTS}>
          Add picklist
        </Button>
      </Group>
    </Stack>
  );
}
