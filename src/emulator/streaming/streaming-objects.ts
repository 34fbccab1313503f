// The Streaming API's own objects: PushTopic (a SOQL query whose matching record changes stream
// on /topic/{Name}) and StreamingChannel (a generic channel /u/{name} that REST pushes to). Both
// are ordinary records, created and queried through REST like any other object. Field names,
// lengths and defaults follow the object reference; the PushTopic query check needs the org's
// schema and SOQL engine and is attached by push-topics.ts.
import { obj as standardObject } from '../schema/standard-objects.ts';
import { makeField as f, picklist, type ObjectBehaviour, type ObjectDef, type RecordValues } from '../schema/types.ts';

export const PUSH_TOPIC = 'PushTopic';
export const STREAMING_CHANNEL = 'StreamingChannel';

/** Streaming channel names: /u/ then letters, digits, '_' and '/', 80 characters in all. */
export const CHANNEL_NAME = /^\/u\/[A-Za-z0-9_/]+$/;

/** NotifyForOperations, the read-only summary API 29.0 and later derive from the four flags. */
function notifyForOperations(r: RecordValues): string {
  const create = r['NotifyForOperationCreate'] === true;
  const update = r['NotifyForOperationUpdate'] === true;
  if (create && update) return 'All';
  if (create) return 'Create';
  if (update) return 'Update';
  return 'Extended';
}

const operationFlag = (name: string) => f(name, 'boolean', { defaultedOnCreate: true, defaultValue: true });

function pushTopic(): ObjectDef {
  return standardObject(PUSH_TOPIC, '0IF', 'Push Topics', [
    f('Name', 'string', { label: 'Topic Name', length: 25, nillable: false, unique: true, nameField: true }),
    f('Query', 'textarea', { label: 'SOQL Query', length: 1300, nillable: false }),
    f('ApiVersion', 'double', { label: 'API Version', precision: 18, scale: 1, nillable: false }),
    f('IsActive', 'boolean', { label: 'Is Active', defaultedOnCreate: true, defaultValue: true }),
    f('NotifyForFields', 'picklist', {
      label: 'Notify For Fields',
      nillable: false,
      defaultedOnCreate: true,
      defaultValue: 'Referenced',
      restrictedPicklist: true,
      picklistValues: picklist(['All', 'Referenced', 'Select', 'Where'], 'Referenced'),
    }),
    f('NotifyForOperations', 'picklist', {
      label: 'Notify For Operations',
      createable: false,
      updateable: false,
      picklistValues: picklist(['All', 'Create', 'Extended', 'Update'], 'All'),
      compute: notifyForOperations,
    }),
    operationFlag('NotifyForOperationCreate'),
    operationFlag('NotifyForOperationUpdate'),
    operationFlag('NotifyForOperationDelete'),
    operationFlag('NotifyForOperationUndelete'),
    f('Description', 'string', { length: 400 }),
  ]);
}

/**
 * The name is the channel: it must start with /u/ and hold only letters, digits, '_' and '/'.
 * Salesforce's exact error text for a bad name is unverified.
 */
const channelBehaviour: ObjectBehaviour = {
  validate: (values) => {
    const name = values['Name'];
    if (typeof name !== 'string' || CHANNEL_NAME.test(name)) return [];
    return [{ statusCode: 'FIELD_INTEGRITY_EXCEPTION', message: "Streaming channel name must start with /u/ and contain only alphanumeric characters, '_' and '/'", fields: ['Name'] }];
  },
};

function streamingChannel(): ObjectDef {
  const fields = [
    f('OwnerId', 'reference', { label: 'Owner ID', referenceTo: ['User'], relationshipName: 'Owner', nillable: false, defaultedOnCreate: true }),
    f('Name', 'string', { label: 'Streaming Channel Name', length: 80, nillable: false, unique: true, idLookup: true, nameField: true }),
    f('Description', 'string', { length: 255 }),
    // Set by the platform when a subscription created the channel (dynamic channels).
    f('IsDynamic', 'boolean', { label: 'Is Dynamic', createable: false, updateable: false, defaultedOnCreate: true }),
  ];
  return standardObject(STREAMING_CHANNEL, '0M6', 'Streaming Channels', fields, { behaviour: channelBehaviour });
}

export function streamingObjects(): ObjectDef[] {
  return [pushTopic(), streamingChannel()];
}
