// describeGlobal and describe, projected from the schema model in the shape REST returns.
import type { FieldDef, FieldType, ObjectDef } from '../schema/types.ts';

const SOAP_TYPES: Record<FieldType, string> = {
  id: 'tns:ID',
  reference: 'tns:ID',
  string: 'xsd:string',
  textarea: 'xsd:string',
  email: 'xsd:string',
  phone: 'xsd:string',
  url: 'xsd:string',
  combobox: 'xsd:string',
  picklist: 'xsd:string',
  multipicklist: 'xsd:string',
  boolean: 'xsd:boolean',
  int: 'xsd:int',
  double: 'xsd:double',
  currency: 'xsd:double',
  percent: 'xsd:double',
  date: 'xsd:date',
  datetime: 'xsd:dateTime',
  time: 'xsd:time',
  address: 'urn:address',
  base64: 'xsd:base64Binary',
};

function objectUrls(o: ObjectDef, v: string): Record<string, string> {
  const base = `/services/data/v${v}/sobjects/${o.name}`;
  return { sobject: base, describe: `${base}/describe`, rowTemplate: `${base}/{ID}` };
}

export function describeGlobalEntry(o: ObjectDef, v: string): Record<string, unknown> {
  // A custom setting has no page layouts, search, recent items, triggers or recycle bin.
  const setting = o.customSetting === true;
  return {
    activateable: false,
    createable: o.createable,
    custom: o.custom,
    customSetting: setting,
    deepCloneable: false,
    deletable: o.deletable,
    deprecatedAndHidden: false,
    feedEnabled: false,
    hasSubtypes: false,
    isInterface: false,
    isSubtype: false,
    // ActivityHistory and OpenActivity have no key prefix of their own.
    keyPrefix: o.keyPrefix === '' ? null : o.keyPrefix,
    label: o.label,
    labelPlural: o.labelPlural,
    layoutable: !o.isEvent && !setting,
    mergeable: o.name === 'Account' || o.name === 'Contact' || o.name === 'Lead',
    mruEnabled: !o.isEvent && !setting,
    name: o.name,
    queryable: o.queryable,
    replicateable: !o.isEvent,
    retrieveable: o.queryable,
    searchable: o.queryable && !setting,
    triggerable: !setting,
    undeletable: o.deletable && !setting,
    updateable: o.updateable,
    urls: objectUrls(o, v),
  };
}

function describeField(f: FieldDef): Record<string, unknown> {
  // A compound address is selected whole only: it can't be sorted, grouped or aggregated.
  const compound = f.type === 'address';
  const isText = f.type !== 'boolean' && f.type !== 'int' && f.type !== 'double' && f.type !== 'currency' && f.type !== 'percent' && f.type !== 'date' && f.type !== 'datetime' && f.type !== 'time';
  return {
    aggregatable: f.type !== 'textarea' && f.type !== 'multipicklist' && !compound,
    autoNumber: f.autoNumber,
    byteLength: isText ? f.length * 3 : 0,
    calculated: f.calculated,
    cascadeDelete: false,
    caseSensitive: f.caseSensitive,
    compoundFieldName: f.compoundFieldName,
    createable: f.createable,
    custom: f.custom,
    defaultValue: f.defaultedOnCreate && f.type !== 'boolean' ? null : f.type === 'boolean' ? (f.defaultValue ?? false) : null,
    defaultValueFormula: null,
    defaultedOnCreate: f.defaultedOnCreate,
    dependentPicklist: false,
    deprecatedAndHidden: false,
    digits: f.type === 'int' ? f.digits : 0,
    externalId: f.externalId,
    extraTypeInfo: f.extraTypeInfo,
    filterable: f.type !== 'textarea' || f.length <= 255,
    groupable: !compound && f.type !== 'textarea' && f.type !== 'double' && f.type !== 'currency' && f.type !== 'percent' && f.type !== 'datetime' && f.type !== 'multipicklist',
    htmlFormatted: false,
    idLookup: f.idLookup,
    label: f.label,
    length: isText && f.type !== 'reference' && f.type !== 'id' ? f.length : f.type === 'id' || f.type === 'reference' ? 18 : 0,
    name: f.name,
    nameField: f.nameField,
    nillable: f.nillable,
    permissionable: f.nillable && !f.calculated && f.name !== 'Id',
    picklistValues: f.picklistValues.map((p) => ({ active: p.active, defaultValue: p.defaultValue, label: p.label, validFor: null, value: p.value })),
    polymorphicForeignKey: f.referenceTo.length > 1,
    precision: f.type === 'double' || f.type === 'currency' || f.type === 'percent' ? f.precision : 0,
    referenceTargetField: null,
    referenceTo: f.referenceTo,
    relationshipName: f.relationshipName,
    relationshipOrder: f.cascadeDelete && !f.nillable ? 0 : null,
    restrictedDelete: f.restrictedDelete,
    restrictedPicklist: f.restrictedPicklist,
    scale: f.type === 'double' || f.type === 'currency' || f.type === 'percent' ? f.scale : 0,
    soapType: SOAP_TYPES[f.type],
    sortable: !compound && (f.type !== 'textarea' || f.length <= 255),
    type: f.type,
    unique: f.unique,
    updateable: f.updateable,
    writeRequiresMasterRead: false,
  };
}

export function describeObject(o: ObjectDef, v: string): Record<string, unknown> {
  return {
    ...describeGlobalEntry(o, v),
    actionOverrides: [],
    childRelationships: o.childRelationships.map((r) => ({
      cascadeDelete: r.cascadeDelete,
      childSObject: r.childSObject,
      deprecatedAndHidden: false,
      field: r.field,
      junctionIdListNames: [],
      junctionReferenceTo: [],
      relationshipName: r.relationshipName,
      restrictedDelete: false,
    })),
    compactLayoutable: true,
    fields: o.fields.map((f) => ({ ...describeField(f), cascadeDelete: false })),
    listviewable: null,
    lookupLayoutable: null,
    namedLayoutInfos: [],
    networkScopeFieldName: null,
    recordTypeInfos: [],
    searchLayoutable: true,
    sobjectDescribeOption: 'FULL',
    supportedScopes: [{ label: 'All', name: 'everything' }],
    urls: {
      ...objectUrls(o, v),
      compactLayouts: `/services/data/v${v}/sobjects/${o.name}/describe/compactLayouts`,
      layouts: `/services/data/v${v}/sobjects/${o.name}/describe/layouts`,
    },
  };
}
