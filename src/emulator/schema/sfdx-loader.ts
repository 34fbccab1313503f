// Reads custom objects and custom fields from an SFDX source project (the same files an admin
// deploys with `sf project deploy start`), so describe in the emulator matches the real org.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { makeField, type FieldDef, type PicklistValue } from './types.ts';

export interface SfdxObject {
  name: string;
  /** Present when the project defines the object itself, absent for fields on standard objects. */
  object?: {
    label: string;
    pluralLabel: string;
    nameFieldLabel: string;
    nameFieldType: 'Text' | 'AutoNumber';
    displayFormat?: string;
    /** Set for a List custom setting (`<customSettingsType>List`); Hierarchy ones are refused on load. */
    customSettingsType?: 'List';
  };
  fields: FieldDef[];
}

const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  isArray: (name) => name === 'value' || name === 'referenceTo',
});

type Xml = Record<string, unknown>;

function text(node: Xml, key: string): string | undefined {
  const v = node[key];
  return typeof v === 'string' ? v : undefined;
}

function bool(node: Xml, key: string): boolean {
  return text(node, key) === 'true';
}

function num(node: Xml, key: string): number | undefined {
  const v = text(node, key);
  return v === undefined ? undefined : Number(v);
}

function picklistValues(node: Xml): { values: PicklistValue[]; restricted: boolean } {
  const valueSet = node['valueSet'] as Xml | undefined;
  const definition = valueSet?.['valueSetDefinition'] as Xml | undefined;
  const raw = (definition?.['value'] as Xml[] | undefined) ?? [];
  return {
    restricted: valueSet !== undefined && bool(valueSet, 'restricted'),
    values: raw.map((v) => {
      const value = text(v, 'fullName') ?? '';
      return { value, label: text(v, 'label') ?? value, active: true, defaultValue: bool(v, 'default') };
    }),
  };
}

/** Converts one `<CustomField>` to the emulator's field model. */
export function fieldFromMetadata(node: Xml): FieldDef {
  const name = text(node, 'fullName') ?? '';
  const label = text(node, 'label') ?? name;
  const required = bool(node, 'required');
  const common = {
    label,
    custom: true,
    nillable: !required,
    externalId: bool(node, 'externalId'),
    unique: bool(node, 'unique'),
    caseSensitive: bool(node, 'caseSensitive'),
  };
  const idLookup = common.externalId || common.unique;
  const type = text(node, 'type') ?? 'Text';
  const precision = num(node, 'precision') ?? 18;
  const scale = num(node, 'scale') ?? 0;
  switch (type) {
    case 'Text':
      return makeField(name, 'string', { ...common, idLookup, length: num(node, 'length') ?? 255 });
    case 'TextArea':
      return makeField(name, 'textarea', { ...common, length: 255 });
    case 'LongTextArea':
    case 'Html':
      return makeField(name, 'textarea', { ...common, length: num(node, 'length') ?? 32768 });
    case 'Email':
      return makeField(name, 'email', { ...common, idLookup, length: 80 });
    case 'Phone':
      return makeField(name, 'phone', { ...common, length: 40 });
    case 'Url':
      return makeField(name, 'url', { ...common, length: 255 });
    case 'Number':
      return makeField(name, 'double', { ...common, idLookup: common.externalId, precision, scale });
    case 'Currency':
      return makeField(name, 'currency', { ...common, precision, scale });
    case 'Percent':
      return makeField(name, 'percent', { ...common, precision, scale });
    case 'Checkbox':
      return makeField(name, 'boolean', { ...common, nillable: false, defaultValue: text(node, 'defaultValue') === 'true' });
    case 'Date':
      return makeField(name, 'date', common);
    case 'DateTime':
      return makeField(name, 'datetime', common);
    case 'Time':
      return makeField(name, 'time', common);
    case 'Picklist':
    case 'MultiselectPicklist': {
      const { values, restricted } = picklistValues(node);
      const defaultEntry = values.find((v) => v.defaultValue);
      return makeField(name, type === 'Picklist' ? 'picklist' : 'multipicklist', {
        ...common,
        picklistValues: values,
        restrictedPicklist: restricted,
        defaultedOnCreate: defaultEntry !== undefined,
        defaultValue: defaultEntry?.value ?? null,
      });
    }
    case 'AutoNumber':
      return makeField(name, 'string', {
        ...common,
        length: 30,
        autoNumber: true,
        createable: false,
        updateable: false,
        nillable: false,
        defaultedOnCreate: true,
        ...(text(node, 'displayFormat') === undefined ? {} : { autoNumberFormat: text(node, 'displayFormat') ?? '' }),
      });
    case 'Lookup':
    case 'MasterDetail': {
      const master = type === 'MasterDetail';
      const relationshipName = text(node, 'relationshipName');
      return makeField(name, 'reference', {
        ...common,
        nillable: master ? false : !required,
        updateable: master ? bool(node, 'reparentableMasterDetail') : true,
        referenceTo: (node['referenceTo'] as string[] | undefined) ?? [],
        relationshipName: name.replace(/__c$/, '__r'),
        childRelationshipName: relationshipName === undefined ? null : `${relationshipName}__r`,
        cascadeDelete: master,
        restrictedDelete: !master && text(node, 'deleteConstraint') === 'Restrict',
      });
    }
    default:
      // Formulas and other computed types are described but hold no stored value.
      return makeField(name, 'string', { ...common, calculated: true, createable: false, updateable: false });
  }
}

async function listDir(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** Reads `<packageDir>/main/default/objects/*` (or any folder holding object folders). */
export async function loadSfdxObjects(objectsDir: string): Promise<SfdxObject[]> {
  const result: SfdxObject[] = [];
  for (const name of (await listDir(objectsDir)).sort()) {
    const dir = join(objectsDir, name);
    const entry: SfdxObject = { name, fields: [] };
    const objectFile = join(dir, `${name}.object-meta.xml`);
    const objectXml = await readFile(objectFile, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    if (objectXml !== undefined) {
      const node = (parser.parse(objectXml) as Xml)['CustomObject'] as Xml;
      const nameField = (node['nameField'] as Xml | undefined) ?? {};
      const displayFormat = text(nameField, 'displayFormat');
      const settingsType = text(node, 'customSettingsType');
      if (settingsType !== undefined && settingsType !== 'List') {
        throw new Error(`${objectFile}: ${settingsType} custom settings are not supported by the emulator (List ones are)`);
      }
      entry.object = {
        label: text(node, 'label') ?? name,
        // Custom settings have no plural label in their metadata: describe repeats the label.
        pluralLabel: text(node, 'pluralLabel') ?? text(node, 'label') ?? name,
        nameFieldLabel: text(nameField, 'label') ?? 'Name',
        nameFieldType: text(nameField, 'type') === 'AutoNumber' ? 'AutoNumber' : 'Text',
        ...(displayFormat === undefined ? {} : { displayFormat }),
        ...(settingsType === undefined ? {} : { customSettingsType: settingsType }),
      };
    }
    const fieldsDir = join(dir, 'fields');
    for (const file of (await listDir(fieldsDir)).sort()) {
      if (!file.endsWith('.field-meta.xml')) continue;
      const xml = await readFile(join(fieldsDir, file), 'utf8');
      entry.fields.push(fieldFromMetadata((parser.parse(xml) as Xml)['CustomField'] as Xml));
    }
    result.push(entry);
  }
  return result;
}

/** Finds the objects folder of every package directory listed in sfdx-project.json. */
export async function sfdxObjectDirs(projectDir: string): Promise<string[]> {
  const project = JSON.parse(await readFile(join(projectDir, 'sfdx-project.json'), 'utf8')) as {
    packageDirectories?: { path: string }[];
  };
  return (project.packageDirectories ?? []).map((p) => join(projectDir, p.path, 'main', 'default', 'objects'));
}
