// The Tooling API objects the emulator answers queries about, as virtual rows derived from the
// org's schema: EntityDefinition, FieldDefinition, CustomObject, CustomField and
// PlatformEventChannelMember. They live in a small schema and store of their own so that the
// SOQL engine evaluates WHERE, ORDER BY, LIMIT and COUNT() over them like over any record.
import { idChecksum, toBase62 } from '../ids.ts';
import type { Org } from '../org.ts';
import { Schema } from '../schema/schema.ts';
import { makeField, makeObject, type FieldDef, type FieldOptions, type FieldType, type ObjectDef, type RecordValues } from '../schema/types.ts';
import { Store } from '../store/store.ts';
import { changeEventName } from '../streaming/change-events.ts';

/** EntityDefinition and FieldDefinition rows all answer this Id on a real org; DurableId names them. */
export const PLACEHOLDER_ID = '000000000000000AAA';

/**
 * FieldDefinition's parent relationship (EntityDefinition.QualifiedApiName) needs a reference
 * holding the virtual row's key, while EntityDefinitionId holds the DurableId ("Account") as on
 * a real org. This field carries the key and is removed from every answer.
 */
export const HIDDEN_FIELDS = new Set(['EntityDefinitionRowId__emu']);

// Key prefixes of the virtual rows. 01I (CustomObject), 00N (CustomField) and 0v8
// (PlatformEventChannelMember) are Salesforce's; the two Definition prefixes are the emulator's
// own, since those rows answer PLACEHOLDER_ID.
const PREFIX = { entity: '4ie', field: '4fe', customObject: '01I', customField: '00N', member: '0v8' } as const;

function id15(prefix: string, n: number): string {
  return `${prefix}${toBase62(n, 12)}`;
}

function id18(prefix: string, n: number): string {
  const id = id15(prefix, n);
  return id + idChecksum(id);
}

type Spec = [name: string, type: FieldType, options?: FieldOptions];

function virtualObject(name: string, keyPrefix: string, specs: Spec[]): ObjectDef {
  const fields = [makeField('Id', 'id', { label: `${name} ID` }), ...specs.map(([n, t, o]) => makeField(n, t, { custom: false, ...o }))];
  return makeObject({ name, label: name, labelPlural: name, keyPrefix, custom: false, createable: false, updateable: false, deletable: false, queryable: true, isEvent: false, fields });
}

const bool = (name: string): Spec => [name, 'boolean'];
const str = (name: string): Spec => [name, 'string'];

const ENTITY_FIELDS: Spec[] = [
  str('DurableId'),
  str('QualifiedApiName'),
  str('DeveloperName'),
  str('MasterLabel'),
  str('Label'),
  str('PluralLabel'),
  str('KeyPrefix'),
  str('NamespacePrefix'),
  str('InternalSharingModel'),
  str('ExternalSharingModel'),
  str('DetailUrl'),
  bool('IsCustomizable'),
  bool('IsCustomSetting'),
  bool('IsApexTriggerable'),
  bool('IsTriggerable'),
  bool('IsWorkflowEnabled'),
  bool('IsCompactLayoutable'),
  bool('IsDeprecatedAndHidden'),
  bool('IsReplicateable'),
  bool('IsRetrieveable'),
  bool('IsSearchable'),
  bool('IsSearchLayoutable'),
  bool('IsQueryable'),
  bool('IsIdEnabled'),
  bool('IsEverCreatable'),
  bool('IsEverUpdatable'),
  bool('IsEverDeletable'),
  bool('IsFeedEnabled'),
  bool('IsLayoutable'),
  bool('IsMruEnabled'),
  bool('IsProcessEnabled'),
  bool('IsInterface'),
  bool('IsSubtype'),
  bool('HasSubtypes'),
  bool('RecordTypesSupported'),
];

const FIELD_FIELDS: Spec[] = [
  str('DurableId'),
  str('QualifiedApiName'),
  str('DeveloperName'),
  str('MasterLabel'),
  str('Label'),
  str('DataType'),
  str('ValueTypeId'),
  str('ServiceDataTypeId'),
  str('ExtraTypeInfo'),
  str('NamespacePrefix'),
  str('RelationshipName'),
  str('Description'),
  str('InlineHelpText'),
  str('EntityDefinitionId'),
  ['EntityDefinitionRowId__emu', 'reference', { referenceTo: ['EntityDefinition'], relationshipName: 'EntityDefinition' }],
  ['Length', 'int'],
  ['Precision', 'int'],
  ['Scale', 'int'],
  ['Digits', 'int'],
  bool('IsNillable'),
  bool('IsNameField'),
  bool('IsCalculated'),
  bool('IsIndexed'),
  bool('IsCompound'),
  bool('IsHighScaleNumber'),
  bool('IsHtmlFormatted'),
  bool('IsPolymorphicForeignKey'),
  bool('IsFieldHistoryTracked'),
  bool('IsApiFilterable'),
  bool('IsApiSortable'),
  bool('IsApiGroupable'),
  bool('IsListVisible'),
  bool('IsWorkflowFilterable'),
];

const CUSTOM_OBJECT_FIELDS: Spec[] = [
  str('DeveloperName'),
  str('NamespacePrefix'),
  str('Description'),
  str('ExternalName'),
  str('ExternalRepository'),
  str('Language'),
  str('ManageableState'),
  str('SharingModel'),
  ['CustomHelpId', 'string'],
  str('FullName'),
  ['Metadata', 'textarea'],
];

const CUSTOM_FIELD_FIELDS: Spec[] = [
  str('DeveloperName'),
  str('TableEnumOrId'),
  str('EntityDefinitionId'),
  str('NamespacePrefix'),
  str('ManageableState'),
  str('Description'),
  str('InlineHelpText'),
  ['Length', 'int'],
  str('FullName'),
  ['Metadata', 'textarea'],
];

const MEMBER_FIELDS: Spec[] = [str('DeveloperName'), str('EventChannel'), str('SelectedEntity'), str('FilterExpression'), str('EnrichedFields')];

let virtualSchema: Schema | null = null;

/** The Tooling objects the emulator knows; built once, they never change. */
export function toolingSchema(): Schema {
  virtualSchema ??= new Schema([
    virtualObject('EntityDefinition', PREFIX.entity, ENTITY_FIELDS),
    virtualObject('FieldDefinition', PREFIX.field, FIELD_FIELDS),
    virtualObject('CustomObject', PREFIX.customObject, CUSTOM_OBJECT_FIELDS),
    virtualObject('CustomField', PREFIX.customField, CUSTOM_FIELD_FIELDS),
    virtualObject('PlatformEventChannelMember', PREFIX.member, MEMBER_FIELDS),
  ]);
  return virtualSchema;
}

/** The Tooling rows for the org as it is now; `urlIds` maps each row's key to the id its URL names. */
export interface ToolingRows {
  store: Store;
  urlIds: Map<string, string>;
}

function withoutSuffix(name: string): string {
  return name.replace(/__(c|e|mdt|x|b)$/, '');
}

/** FieldDefinition.DataType as Setup shows it: Text(255), Lookup(Account), Number(18, 0), ... */
function dataTypeOf(f: FieldDef): string {
  if (f.autoNumber) return 'Auto Number';
  const formula = f.calculated && f.compute !== undefined && f.custom;
  const base = ((): string => {
    switch (f.type) {
      case 'id':
        return 'Lookup()';
      case 'string':
        return `Text(${f.length})`;
      case 'textarea':
        return f.length > 255 ? `Long Text Area(${f.length})` : `Text Area(${f.length})`;
      case 'boolean':
        return 'Checkbox';
      case 'int':
        return `Number(${f.digits || 9}, 0)`;
      case 'double':
        return `Number(${f.precision}, ${f.scale})`;
      case 'currency':
        return `Currency(${f.precision}, ${f.scale})`;
      case 'percent':
        return `Percent(${f.precision}, ${f.scale})`;
      case 'date':
        return 'Date';
      case 'datetime':
        return 'Date/Time';
      case 'time':
        return 'Time';
      case 'picklist':
      case 'combobox':
        return 'Picklist';
      case 'multipicklist':
        return 'Picklist (Multi-Select)';
      case 'reference':
        // Standard lookups that cascade (Contact.AccountId) are still lookups; only custom
        // fields are master-detail relationships.
        return `${f.custom && f.cascadeDelete ? 'Master-Detail' : 'Lookup'}(${f.referenceTo.join(',')})`;
      case 'email':
        return 'Email';
      case 'phone':
        return 'Phone';
      case 'url':
        return 'URL';
      case 'address':
        return 'Address';
      case 'base64':
        return 'Content';
    }
  })();
  // Setup's Data Type column (which DataType mirrors) appends key flags: "Text(64) (External ID) (Unique Case Sensitive)".
  const flags = `${f.custom && f.externalId ? ' (External ID)' : ''}${f.custom && f.unique ? ` (Unique Case ${f.caseSensitive ? 'Sensitive' : 'Insensitive'})` : ''}`;
  return (formula ? `Formula (${base})` : base) + flags;
}

function valueTypeOf(f: FieldDef): string {
  switch (f.type) {
    case 'id':
    case 'reference':
      return 'id';
    case 'boolean':
      return 'boolean';
    case 'int':
      return 'int';
    case 'double':
    case 'currency':
    case 'percent':
      return 'double';
    case 'date':
      return 'date';
    case 'datetime':
      return 'datetime';
    case 'time':
      return 'time';
    case 'address':
      return 'address';
    case 'base64':
      return 'base64';
    case 'string':
    case 'textarea':
    case 'email':
    case 'phone':
    case 'url':
    case 'picklist':
    case 'combobox':
    case 'multipicklist':
      return 'string';
  }
}

/** The Metadata API's CustomField.type for a field. */
function metadataTypeOf(f: FieldDef): string {
  if (f.autoNumber) return 'AutoNumber';
  const types: Record<FieldType, string> = {
    id: 'Id',
    string: 'Text',
    textarea: f.length > 255 ? 'LongTextArea' : 'TextArea',
    boolean: 'Checkbox',
    int: 'Number',
    double: 'Number',
    currency: 'Currency',
    percent: 'Percent',
    date: 'Date',
    datetime: 'DateTime',
    time: 'Time',
    picklist: 'Picklist',
    combobox: 'Picklist',
    multipicklist: 'MultiselectPicklist',
    reference: f.cascadeDelete ? 'MasterDetail' : 'Lookup',
    email: 'Email',
    phone: 'Phone',
    url: 'Url',
    address: 'Address',
    base64: 'File',
  };
  return types[f.type];
}

function customFieldMetadata(f: FieldDef): Record<string, unknown> {
  const textual = f.type === 'string' || f.type === 'textarea';
  const numeric = f.type === 'double' || f.type === 'currency' || f.type === 'percent' || f.type === 'int';
  return {
    caseSensitive: f.caseSensitive,
    defaultValue: typeof f.defaultValue === 'string' || typeof f.defaultValue === 'number' || typeof f.defaultValue === 'boolean' ? String(f.defaultValue) : null,
    deleteConstraint: f.type === 'reference' && !f.cascadeDelete ? (f.restrictedDelete ? 'Restrict' : 'SetNull') : null,
    description: null,
    externalId: f.externalId,
    formula: null,
    inlineHelpText: null,
    label: f.label,
    length: textual ? f.length : null,
    precision: numeric ? f.precision || f.digits : null,
    referenceTo: f.referenceTo[0] ?? null,
    // The Metadata API names the child relationship here (Ferry_Bills), not the parent one.
    relationshipName: f.childRelationshipName?.replace(/__r$/, '') ?? null,
    required: !f.nillable && f.type !== 'boolean',
    scale: numeric ? f.scale : null,
    type: metadataTypeOf(f),
    unique: f.unique,
    valueSet: f.picklistValues.length === 0 ? null : { restricted: f.restrictedPicklist, valueSetDefinition: { sorted: false, value: f.picklistValues.map((p) => ({ default: p.defaultValue, label: p.label, valueName: p.value })) } },
  };
}

function customObjectMetadata(def: ObjectDef): Record<string, unknown> {
  const name = def.fieldMap.get('name');
  return {
    customSettingsType: def.customSetting === true ? 'List' : null,
    deploymentStatus: 'Deployed',
    description: null,
    label: def.label,
    pluralLabel: def.labelPlural,
    nameField: name === undefined ? null : { label: name.label, type: name.autoNumber ? 'AutoNumber' : 'Text', displayFormat: name.autoNumberFormat ?? null },
    sharingModel: sharingModelOf(def),
  };
}

function sharingModelOf(def: ObjectDef): string {
  return def.fields.some((f) => f.cascadeDelete) ? 'ControlledByParent' : 'ReadWrite';
}

/** Fills a store with the Tooling rows describing `org` as it is now. */
export function toolingRows(org: Org): ToolingRows {
  const store = new Store(toolingSchema());
  const urlIds = new Map<string, string>();
  const put = (object: string, values: RecordValues, urlId: string): void => {
    store.restore(object, values, null);
    urlIds.set(String(values['Id']), urlId);
  };
  const objects = [...org.schema.objects].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  let entityN = 0;
  let fieldN = 0;
  let customObjectN = 0;
  let customFieldN = 0;
  for (const def of objects) {
    const customObjectId = def.custom ? id15(PREFIX.customObject, ++customObjectN) : null;
    const durable = customObjectId ?? def.name;
    const entityKey = id18(PREFIX.entity, ++entityN);
    put('EntityDefinition', entityRow(def, entityKey, durable), durable);
    if (customObjectId !== null) {
      put(
        'CustomObject',
        {
          Id: customObjectId + idChecksum(customObjectId),
          DeveloperName: withoutSuffix(def.name),
          NamespacePrefix: null,
          Description: null,
          ExternalName: null,
          ExternalRepository: null,
          Language: 'en_US',
          ManageableState: 'unmanaged',
          SharingModel: sharingModelOf(def),
          CustomHelpId: null,
          FullName: def.name,
          Metadata: customObjectMetadata(def),
        },
        customObjectId + idChecksum(customObjectId),
      );
    }
    for (const f of def.fields) {
      const customFieldId = f.custom && f.name.endsWith('__c') ? id15(PREFIX.customField, ++customFieldN) : null;
      const fieldDurable = `${durable}.${customFieldId ?? f.name}`;
      put('FieldDefinition', fieldRow(f, id18(PREFIX.field, ++fieldN), fieldDurable, durable, entityKey), fieldDurable);
      if (customFieldId !== null) {
        const id = customFieldId + idChecksum(customFieldId);
        put(
          'CustomField',
          {
            Id: id,
            DeveloperName: withoutSuffix(f.name),
            TableEnumOrId: durable,
            EntityDefinitionId: durable,
            NamespacePrefix: null,
            ManageableState: 'unmanaged',
            Description: null,
            InlineHelpText: null,
            Length: f.type === 'string' || f.type === 'textarea' ? f.length : 0,
            FullName: `${def.name}.${f.name}`,
            Metadata: customFieldMetadata(f),
          },
          id,
        );
      }
    }
  }
  addChannelMembers(org, store, urlIds);
  return { store, urlIds };
}

function entityRow(def: ObjectDef, key: string, durable: string): RecordValues {
  return {
    Id: key,
    DurableId: durable,
    QualifiedApiName: def.name,
    DeveloperName: withoutSuffix(def.name),
    MasterLabel: def.label,
    Label: def.label,
    PluralLabel: def.labelPlural,
    KeyPrefix: def.keyPrefix,
    NamespacePrefix: null,
    InternalSharingModel: def.isEvent ? 'None' : sharingModelOf(def),
    ExternalSharingModel: def.isEvent ? 'None' : sharingModelOf(def),
    DetailUrl: null,
    IsCustomizable: true,
    IsCustomSetting: def.customSetting === true,
    IsApexTriggerable: def.name !== 'Organization',
    IsTriggerable: def.name !== 'Organization',
    IsWorkflowEnabled: !def.isEvent,
    IsCompactLayoutable: !def.isEvent,
    IsDeprecatedAndHidden: false,
    IsReplicateable: def.queryable,
    IsRetrieveable: def.queryable,
    IsSearchable: def.queryable && !def.isEvent && def.customSetting !== true,
    IsSearchLayoutable: def.queryable && !def.isEvent,
    IsQueryable: def.queryable,
    IsIdEnabled: true,
    IsEverCreatable: def.createable,
    IsEverUpdatable: def.updateable,
    IsEverDeletable: def.deletable,
    IsFeedEnabled: false,
    IsLayoutable: !def.isEvent,
    IsMruEnabled: !def.isEvent,
    IsProcessEnabled: !def.isEvent,
    IsInterface: false,
    IsSubtype: false,
    HasSubtypes: false,
    RecordTypesSupported: false,
  };
}

function fieldRow(f: FieldDef, key: string, durable: string, entityDurable: string, entityKey: string): RecordValues {
  const numeric = f.type === 'double' || f.type === 'currency' || f.type === 'percent';
  return {
    Id: key,
    DurableId: durable,
    QualifiedApiName: f.name,
    DeveloperName: withoutSuffix(f.name),
    MasterLabel: f.label,
    Label: f.label,
    DataType: dataTypeOf(f),
    ValueTypeId: valueTypeOf(f),
    ServiceDataTypeId: null,
    ExtraTypeInfo: null,
    NamespacePrefix: null,
    RelationshipName: f.relationshipName,
    Description: null,
    InlineHelpText: null,
    EntityDefinitionId: entityDurable,
    EntityDefinitionRowId__emu: entityKey,
    Length: f.length,
    Precision: numeric ? f.precision : 0,
    Scale: numeric ? f.scale : 0,
    Digits: f.digits,
    IsNillable: f.nillable,
    IsNameField: f.nameField,
    IsCalculated: f.calculated,
    IsIndexed: f.type === 'id' || f.type === 'reference' || f.externalId || f.unique || f.nameField,
    IsCompound: f.type === 'address',
    IsHighScaleNumber: false,
    IsHtmlFormatted: false,
    IsPolymorphicForeignKey: f.referenceTo.length > 1,
    IsFieldHistoryTracked: false,
    IsApiFilterable: f.type !== 'textarea' || f.length <= 255,
    IsApiSortable: f.type !== 'textarea' || f.length <= 255,
    IsApiGroupable: f.type !== 'textarea' && f.type !== 'double' && f.type !== 'currency' && f.type !== 'percent' && f.type !== 'address' && f.type !== 'base64' && f.type !== 'datetime',
    IsListVisible: true,
    IsWorkflowFilterable: true,
  };
}

/** PlatformEventChannelMember: the objects selected for Change Data Capture on ChangeEvents. */
function addChannelMembers(org: Org, store: Store, urlIds: Map<string, string>): void {
  const objects = org.schema.objects.filter((o) => !o.isEvent && o.queryable && o.name !== 'User' && o.name !== 'Organization').map((o) => o.name);
  for (const [index, object] of org.cdc.selected(objects).entries()) {
    const entity = changeEventName(object);
    const id = id18(PREFIX.member, index + 1);
    store.restore('PlatformEventChannelMember', { Id: id, DeveloperName: `ChangeEvents_${entity}`, EventChannel: 'ChangeEvents', SelectedEntity: entity, FilterExpression: null, EnrichedFields: null }, null);
    urlIds.set(id, id);
  }
}
