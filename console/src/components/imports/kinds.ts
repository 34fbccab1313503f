import type { Schemas } from '../../api/client.ts';

type EntityType = Schemas['Integration']['entityType'];
type EventName = Schemas['Event']['name'];

/** The entity types an import integration writes: the whole set each run (schemas.ts IMPORT_ENTITY_TYPES). */
export type ImportKind = Extract<EntityType, 'Catalogue' | 'ReferenceData'>;

export interface ImportText {
  /** The button that starts one. */
  action: string;
  /** What it writes, in a sentence: "Importing {what} into …". */
  what: string;
  /** Its name in a heading or label: "{name} into …". */
  name: string;
  /** The step shown before the first one is named. */
  firstStep: string;
  /** The events of its run shown with its outcome (what the run found for a person to do), under a title. */
  outcome: { events: EventName[]; title: string; link: string } | null;
}

export const IMPORTS: Record<ImportKind, ImportText> = {
  Catalogue: { action: 'Import Catalogue', what: 'the catalogue', name: 'Catalogue import', firstStep: 'reading the catalogue', outcome: null },
  ReferenceData: {
    action: 'Import Data',
    what: 'the reference data',
    name: 'Reference data import',
    firstStep: 'reading the reference data',
    outcome: {
      events: ['integration.picklist_values_missing.warning'],
      title: 'Picklists that lack Ferry\u2019s codes',
      link: 'Check the picklists and get the metadata to deploy',
    },
  },
};

export function isImport(entityType: EntityType): entityType is ImportKind {
  return entityType in IMPORTS;
}
