export { prune, PRUNED_TABLES, type JournalHold, type PruneOptions, type PruneReport, type PrunedTable } from './prune.ts';
export { ferryStatus, type StatusOptions } from './status.ts';
export { pruneReportView, statusView, type PruneReportView, type StatusView } from './schemas.ts';
export { PRUNE_SCHEDULE_DEFAULT, RETENTION_DEFAULTS, retentionSettings, type RetentionOptions, type RetentionSettings } from './settings.ts';
export type { JournalGap } from './journal.ts';
