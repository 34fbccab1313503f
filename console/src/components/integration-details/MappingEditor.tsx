import { Anchor, Badge, Button, Code, Group, List, Modal, Stack, Table, Text, VisuallyHidden } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Fragment, useState } from 'react';
import { Link } from 'react-router';
import { api, ApiFailure, unwrap } from '../../api/client.ts';
import { Notice } from './Notice.tsx';
import { ErrorAlert } from '../ErrorAlert.tsx';
import { RuleModal } from './RuleModal.tsx';
import { integrationKey, mappingKey, type Mapping, type Rule } from './queries.ts';

/** The API's errors about rules (body.rules[3].transform), per rule index and field. */
function ruleErrors(error: unknown): Map<number, Record<string, string>> {
  const byRule = new Map<number, Record<string, string>>();
  if (!(error instanceof ApiFailure)) return byRule;
  for (const detail of error.details) {
    const match = /^body\.rules\[(\d+)\](?:\.(.+))?$/.exec(detail.path);
    if (match === null) continue;
    const index = Number(match[1]);
    const field = match[2] ?? 'rule';
    const errors = byRule.get(index) ?? {};
    errors[field] = errors[field] === undefined ? detail.message : `${errors[field]}; ${detail.message}`;
    byRule.set(index, errors);
  }
  return byRule;
}

function source(rule: Rule) {
  switch (rule.kind) {
    case 'field':
      return <Code>{rule.ferry}</Code>;
    case 'lookup':
      return (
        <>
          <Code>{rule.ferry}</Code> → {rule.target}
          {rule.required ? ' (required)' : ''}
        </>
      );
    case 'contact_point':
      return (
        <>
          <Code>{rule.point}</Code> of contact type {rule.contactType}
        </>
      );
  }
}

const DIRECTION_LABELS: Record<Rule['direction'], string> = { to_salesforce: '→ Salesforce', to_ferry: '← Ferry', both: '⇄ both' };

/** A rule's row, and under it the problems the API found with it, if any. */
function RuleRows({ index, rule, problems, name, onEdit, onRemove }: { index: number; rule: Rule; problems: Record<string, string> | undefined; name: string; onEdit: () => void; onRemove: () => void }) {
  const errorId = `rule-${index}-errors`;
  return (
    <Fragment>
      <Table.Tr {...(problems === undefined ? {} : { bg: 'red.0', 'aria-describedby': errorId })}>
        <Table.Td>{index + 1}</Table.Td>
        <Table.Td style={{ whiteSpace: 'nowrap' }}>{DIRECTION_LABELS[rule.direction]}</Table.Td>
        <Table.Td>{rule.object}</Table.Td>
        <Table.Td>
          <Code>{rule.salesforce}</Code>
        </Table.Td>
        <Table.Td>{rule.kind.replace('_', ' ')}</Table.Td>
        <Table.Td>{source(rule)}</Table.Td>
        <Table.Td>{rule.kind === 'field' && rule.transform !== undefined ? <Code block maw={320} style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-word' }}>
              {rule.transform}
            </Code> : <Text span size="sm" c="gray.7">none</Text>}</Table.Td>
        <Table.Td>
          <Group gap={4} wrap="nowrap">
            <Button size="xs" variant="subtle" onClick={onEdit} aria-label={`Edit ${name}`}>
              Edit
            </Button>
            <Button size="xs" variant="subtle" color="red" c="red.9" onClick={onRemove} aria-label={`Remove ${name}`}>
              Remove
            </Button>
          </Group>
        </Table.Td>
      </Table.Tr>
      {problems !== undefined && (
        <Table.Tr bg="red.0">
          <Table.Td colSpan={8}>
            <Text size="sm" c="red.9" id={errorId} role="alert">
              Rule {index + 1}: {Object.entries(problems).map(([field, message]) => `${field}: ${message}`).join('; ')}
            </Text>
          </Table.Td>
        </Table.Tr>
      )}
    </Fragment>
  );
}

interface Draft {
  rules: Rule[];
  /** The integration's version the draft started from: saving is refused if it changed meanwhile. */
  version: number;
}

/**
 * The integration's mapping as a table of rules, edited as a draft: rules are changed, added and
 * removed here, and the draft is saved as a whole (PUT with the version it started from). Each
 * problem the API finds comes back by rule and is shown beside it.
 */
export function MappingEditor({ integrationId, defaultObject }: { integrationId: string; /** The object a new rule is about until the person picks another. */ defaultObject: string }) {
  const client = useQueryClient();
  const mapping = useQuery({
    queryKey: mappingKey(integrationId),
    queryFn: async () => unwrap(await api.GET('/api/v1/integrations/{id}/mapping', { params: { path: { id: integrationId } } })),
  });
  const [draft, setDraft] = useState<Draft | null>(null);
  const [editing, setEditing] = useState<{ index: number | null } | null>(null);
  const [confirmReset, setConfirmReset] = useState(false);
  const [saved, setSaved] = useState<{ mapping: Mapping; how: 'saved' | 'reset' } | null>(null);

  const afterSave = async (result: Mapping, how: 'saved' | 'reset') => {
    client.setQueryData(mappingKey(integrationId), result);
    setDraft(null);
    setSaved({ mapping: result, how });
    await client.invalidateQueries({ queryKey: integrationKey(integrationId) });
    await client.invalidateQueries({ queryKey: ['runs'] });
  };
  const save = useMutation({
    mutationFn: async (current: Draft) =>
      unwrap(await api.PUT('/api/v1/integrations/{id}/mapping', { params: { path: { id: integrationId } }, body: { rules: current.rules, version: current.version } })),
    onSuccess: async (result) => afterSave(result, 'saved'),
  });
  const reset = useMutation({
    mutationFn: async () => unwrap(await api.POST('/api/v1/integrations/{id}/mapping/reset', { params: { path: { id: integrationId } } })),
    onSuccess: async (result) => {
      setConfirmReset(false);
      save.reset();
      await afterSave(result, 'reset');
    },
  });

  if (mapping.isPending) return <Text>Loading the mapping…</Text>;
  if (mapping.isError) return <ErrorAlert error={mapping.error} title="The mapping could not be read" />;
  const rules = draft?.rules ?? mapping.data.rules;
  const errors = ruleErrors(save.error);
  const change = (next: Rule[]) => {
    setSaved(null);
    setDraft({ rules: next, version: draft?.version ?? mapping.data.version });
  };
  const editedRule = editing?.index === null || editing === null ? undefined : rules[editing.index];

  return (
    <Stack>
      <Group justify="space-between">
        <Group gap="xs">
          <Badge variant="outline" color={mapping.data.isDefault ? 'gray.8' : 'indigo.9'}>
            {mapping.data.isDefault ? `${mapping.data.entityType} default mapping` : 'Own mapping'}
          </Badge>
          {draft !== null && (
            <Badge variant="outline" color="red.9">
              Unsaved changes
            </Badge>
          )}
        </Group>
        <Group gap="xs">
          <Button variant="default" onClick={() => setEditing({ index: null })}>
            Add rule
          </Button>
          {draft !== null && (
            <Button
              variant="default"
              onClick={() => {
                setDraft(null);
                save.reset();
              }}
            >
              Discard changes
            </Button>
          )}
          <Button variant="default" color="red" onClick={() => setConfirmReset(true)} disabled={mapping.data.isDefault && draft === null}>
            Reset to defaults
          </Button>
          <Button onClick={() => draft !== null && save.mutate(draft)} disabled={draft === null} loading={save.isPending}>
            Save mapping
          </Button>
        </Group>
      </Group>
      {mapping.data.warnings.length > 0 && (
        <Notice color="yellow" title="Checked per value at delivery">
          <List size="sm">
            {mapping.data.warnings.map((warning) => (
              <List.Item key={`${warning.path.join('.')}:${warning.message}`}>
                <code>{warning.path.join('.')}</code>: {warning.message}
              </List.Item>
            ))}
          </List>
        </Notice>
      )}
      <ErrorAlert error={save.error} title="The mapping was not saved" />
      <ErrorAlert error={reset.error} title="The mapping was not reset" />
      {saved !== null && (
        <Notice color="green" title={saved.how === 'saved' ? 'Mapping saved' : 'Mapping reset to defaults'} role="status">
          {saved.mapping.resync === null ? (
            'Nothing needs to be sent again.'
          ) : (
            <>
              A full run resends the records it affects:{' '}
              <Anchor component={Link} to={`/runs/${saved.mapping.resync.runId}`}>
                run {saved.mapping.resync.runId}
              </Anchor>
            </>
          )}
        </Notice>
      )}
      <Table.ScrollContainer minWidth={900}>
        <Table withTableBorder aria-label="Mapping rules">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>#</Table.Th>
              <Table.Th>Direction</Table.Th>
              <Table.Th>Salesforce object</Table.Th>
              <Table.Th>Salesforce field</Table.Th>
              <Table.Th>Kind</Table.Th>
              <Table.Th>Ferry source</Table.Th>
              <Table.Th>Transform</Table.Th>
              <Table.Th>
                <VisuallyHidden>Actions</VisuallyHidden>
              </Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rules.length === 0 && (
              <Table.Tr>
                <Table.Td colSpan={8}>No rules: nothing is mapped.</Table.Td>
              </Table.Tr>
            )}
            {rules.map((rule, index) => {
              const problems = errors.get(index);
              const name = `rule ${index + 1} (${rule.object}.${rule.salesforce})`;
              return (
                // A rule is named by its place: two draft rules may write the same field until saved.
                <RuleRows key={index} index={index} rule={rule} problems={problems} name={name}
                  onEdit={() => setEditing({ index })}
                  onRemove={() => {
                    save.reset();
                    change(rules.filter((_, i) => i !== index));
                  }}
                />
              );
            })}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      <RuleModal
        opened={editing !== null}
        rule={editedRule}
        defaultObject={defaultObject}
        errors={editing?.index === null || editing === null ? {} : (errors.get(editing.index) ?? {})}
        onClose={() => setEditing(null)}
        onSave={(rule) => {
          if (editing === null) return;
          if (editing.index === null) {
            save.reset();
            change([...rules, rule]);
          } else {
            change(rules.map((r, i) => (i === editing.index ? rule : r)));
          }
          setEditing(null);
        }}
      />
      <Modal closeButtonProps={{ 'aria-label': 'Close' }} opened={confirmReset} onClose={() => setConfirmReset(false)} title="Reset the mapping to defaults?">
        <Stack>
          <Text size="sm">
            The integration goes back to the {mapping.data.entityType} default mapping; its own rules{draft !== null ? ' and the unsaved changes' : ''} are lost. A full run resends the records the change affects.
          </Text>
          <ErrorAlert error={reset.error} title="The mapping was not reset" />
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setConfirmReset(false)}>
              Cancel
            </Button>
            <Button color="red.9" onClick={() => reset.mutate()} loading={reset.isPending}>
              Reset to defaults
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Stack>
  );
}
