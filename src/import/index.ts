export { importFile, formatFromFileName, type ImportFormat, type ImportOptions, type ImportSummary, type ImportRowError } from './import-file.ts';
export { rowToRecord } from './rows.ts';
