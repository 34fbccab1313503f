import { Button, Checkbox, Group, Modal, Select, Stack, TextInput, Textarea } from '@mantine/core';
import { useForm } from '@mantine/form';
import type { Rule } from './queries.ts';

const DIRECTIONS = [
  { value: 'to_salesforce', label: 'To Salesforce' },
  { value: 'to_ferry', label: 'To Ferry (read back)' },
  { value: 'both', label: 'Both ways' },
];
const KINDS = [
  { value: 'field', label: 'Field (with optional transform)' },
  { value: 'lookup', label: 'Lookup (a parent record\u2019s Salesforce Id)' },
  { value: 'contact_point', label: 'Contact point (e-mail, phone, address line)' },
];
const POINTS = ['email', 'phone.WORK', 'phone.MOBILE', 'phone.HOME', 'phone.FAX', 'phone.OTHER', 'address.street', 'address.line1', 'address.line2', 'address.locality', 'address.region', 'address.postCode', 'address.country'];

// Mantine's default description grey falls short of WCAG AA contrast on white.
const DESCRIPTION = { description: { color: 'var(--mantine-color-gray-7)' } };

interface Values {
  kind: Rule['kind'];
  object: string;
  direction: Rule['direction'];
  salesforce: string;
  ferry: string;
  transform: string;
  target: string;
  required: boolean;
  contactType: string;
  point: string;
}

function valuesOf(rule: Rule | undefined, defaultObject: string): Values {
  return {
    kind: rule?.kind ?? 'field',
    object: rule?.object ?? defaultObject,
    direction: rule?.direction ?? 'to_salesforce',
    salesforce: rule?.salesforce ?? '',
    ferry: rule !== undefined && 'ferry' in rule ? rule.ferry : '',
    transform: rule?.kind === 'field' ? (rule.transform ?? '') : '',
    target: rule?.kind === 'lookup' ? rule.target : '',
    required: rule?.kind === 'lookup' ? rule.required : false,
    contactType: rule?.kind === 'contact_point' ? rule.contactType : '*',
    point: rule?.kind === 'contact_point' ? rule.point : 'email',
  };
}

function ruleOf(values: Values): Rule {
  const base = { object: values.object.trim(), salesforce: values.salesforce.trim(), direction: values.direction };
  switch (values.kind) {
    case 'field': {
      const transform = values.transform.trim();
      return { kind: 'field', ...base, ferry: values.ferry.trim(), ...(transform === '' ? {} : { transform }) };
    }
    case 'lookup':
      return { kind: 'lookup', ...base, ferry: values.ferry.trim(), target: values.target.trim(), required: values.required };
    case 'contact_point':
      return { kind: 'contact_point', ...base, contactType: values.contactType.trim() === '' ? '*' : values.contactType.trim(), point: values.point as Extract<Rule, { kind: 'contact_point' }>['point'] };
  }
}

/**
 * One rule's fields. The API checks the rule when the mapping is saved; the errors it gave for this
 * rule (keyed by field: ferry, salesforce, transform, ...) are shown beside the fields.
 */
export function RuleModal(props: { opened: boolean; rule: Rule | undefined; defaultObject: string; errors: Record<string, string>; onSave: (rule: Rule) => void; onClose: () => void }) {
  return (
    <Modal closeButtonProps={{ 'aria-label': 'Close' }} opened={props.opened} onClose={props.onClose} title={props.rule === undefined ? 'Add rule' : 'Edit rule'} size="lg">
      {/* Mounted afresh each time it opens, so the form starts from the rule. */}
      {props.opened && <RuleForm {...props} />}
    </Modal>
  );
}

function RuleForm({ rule, defaultObject, errors, onSave, onClose }: { rule: Rule | undefined; defaultObject: string; errors: Record<string, string>; onSave: (rule: Rule) => void; onClose: () => void }) {
  const form = useForm<Values>({
    initialValues: valuesOf(rule, defaultObject),
    initialErrors: errors,
    validate: {
      salesforce: (value) => (value.trim() === '' ? 'is required: a Salesforce field API name such as "Name"' : null),
      ferry: (value, values) => (values.kind !== 'contact_point' && value.trim() === '' ? 'is required: a path on the Ferry record such as "name"' : null),
      target: (value, values) => (values.kind === 'lookup' && value.trim() === '' ? 'is required: the Ferry entity the id names, such as "accounts"' : null),
      object: (value) => (value.trim() === '' ? 'is required: a Salesforce object such as "Account"' : null),
    },
  });
  const kind = form.values.kind;
  return (
    <form
      onSubmit={form.onSubmit((values) => {
        onSave(ruleOf(values));
      })}
    >
      <Stack>
        <Select label="Kind" data={KINDS} allowDeselect={false} {...form.getInputProps('kind')} />
        <Group grow>
          <TextInput label="Salesforce object" {...form.getInputProps('object')} />
          <TextInput label="Salesforce field" placeholder="Name, Region__c" {...form.getInputProps('salesforce')} />
        </Group>
        <Select label="Direction" data={DIRECTIONS} allowDeselect={false} {...form.getInputProps('direction')} />
        {kind !== 'contact_point' && <TextInput label="Ferry field" placeholder="name, customFields.region, lineItems[].quantity" {...form.getInputProps('ferry')} />}
        {kind === 'field' && (
          <Textarea
            label="Transform (JSONata, optional)"
            description="Computes the value sent; $value is the Ferry field's value. Leave empty for a plain copy."
            styles={DESCRIPTION}
            autosize
            minRows={2}
            {...form.getInputProps('transform')}
          />
        )}
        {kind === 'lookup' && (
          <>
            <TextInput label="Target entity" placeholder="accounts" {...form.getInputProps('target')} />
            <Checkbox label="Required: hold the record back until its parent is in Salesforce" {...form.getInputProps('required', { type: 'checkbox' })} />
          </>
        )}
        {kind === 'contact_point' && (
          <Group grow>
            <TextInput label="Contact type" description="* for any type" styles={DESCRIPTION} {...form.getInputProps('contactType')} />
            <Select label="Contact point" data={POINTS} allowDeselect={false} {...form.getInputProps('point')} />
          </Group>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit">{rule === undefined ? 'Add rule' : 'Apply'}</Button>
        </Group>
      </Stack>
    </form>
  );
}
