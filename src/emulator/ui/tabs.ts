// GET /tabs and GET /theme. A standard object has a tab when a Developer Edition org gives it
// one; a custom object has one when its SFDX project holds `tabs/<Object>.tab-meta.xml` (as in a
// real org, where a custom object without a tab has none), and the tab's motif picks its icon.
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import type { Org } from '../org.ts';
import { sfdxObjectDirs } from '../schema/schema.ts';
import type { ObjectDef } from '../schema/types.ts';
import { json, type EmuRequest, type EmuResponse } from '../http/types.ts';
import { isLayoutable } from './common.ts';
import { colorsOf, iconsOf, iconUrlsOf, lookOf } from './icons.ts';

const STANDARD_TABS = ['Account', 'Contact', 'Lead', 'Opportunity', 'Case', 'Product2', 'Pricebook2', 'Task'];

/** Custom object tabs of the org's SFDX projects: object name -> motif (`Custom20: Airplane`). */
export type CustomTabs = Map<string, string>;

const parser = new XMLParser({ ignoreAttributes: true, parseTagValue: false, trimValues: true });

async function tabsOfProject(project: string): Promise<[string, string][]> {
  const found: [string, string][] = [];
  for (const objectsDir of await sfdxObjectDirs(project)) {
    const tabsDir = join(dirname(objectsDir), 'tabs');
    const files = await readdir(tabsDir).catch((error: NodeJS.ErrnoException) => {
      // A package without tabs is the usual case; anything else is a broken project.
      if (error.code === 'ENOENT') return [] as string[];
      throw error;
    });
    for (const file of files.filter((f) => f.endsWith('.tab-meta.xml'))) {
      const parsed = parser.parse(await readFile(join(tabsDir, file), 'utf8')) as { CustomTab?: { customObject?: string; motif?: string } };
      const tab = parsed.CustomTab;
      if (tab?.customObject === 'true') found.push([file.slice(0, -'.tab-meta.xml'.length), tab.motif ?? '']);
    }
  }
  return found;
}

const loaded = new WeakMap<Org, Promise<CustomTabs>>();

/** Read once per org: projects do not change while the emulator runs. */
export function customTabs(org: Org): Promise<CustomTabs> {
  let tabs = loaded.get(org);
  if (tabs === undefined) {
    tabs = Promise.all(org.options.sfdxProjects.map(tabsOfProject)).then((lists) => new Map(lists.flat().map(([name, motif]) => [name.toLowerCase(), motif])));
    loaded.set(org, tabs);
  }
  return tabs;
}

function tabOf(def: ObjectDef, motif: string | undefined, baseUrl: string): Record<string, unknown> {
  const look = lookOf(def, motif);
  return {
    colors: colorsOf(look),
    custom: def.custom,
    ...iconUrlsOf(look, baseUrl),
    icons: iconsOf(look, baseUrl),
    label: def.labelPlural,
    name: def.custom ? def.name : `standard-${def.name}`,
    sobjectName: def.name,
    url: `${baseUrl}/${def.keyPrefix}/o`,
  };
}

export async function tabsResponse(org: Org, req: EmuRequest): Promise<EmuResponse> {
  const custom = await customTabs(org);
  const tabs: Record<string, unknown>[] = [];
  for (const name of STANDARD_TABS) {
    const def = org.schema.get(name);
    if (def !== undefined) tabs.push(tabOf(def, undefined, req.baseUrl));
  }
  for (const def of org.schema.objects) {
    const motif = custom.get(def.name.toLowerCase());
    if (def.custom && motif !== undefined && isLayoutable(def)) tabs.push(tabOf(def, motif, req.baseUrl));
  }
  return json(200, tabs);
}

/** One theme item per object that has a look: every object with layouts. */
export async function themeResponse(org: Org, req: EmuRequest): Promise<EmuResponse> {
  const custom = await customTabs(org);
  const themeItems = org.schema.objects
    .filter(isLayoutable)
    .map((def) => {
      const look = lookOf(def, custom.get(def.name.toLowerCase()));
      return { colors: colorsOf(look), icons: iconsOf(look, req.baseUrl), name: def.name };
    });
  return json(200, { themeItems });
}
