import { existsSync } from 'node:fs';
import cliProgress from 'cli-progress';
import type { Env } from '../../config/index.ts';
import { formatFromFileName, importFile, type ImportFormat } from '../../import/index.ts';
import { ENTITY_NAMES, entityByName, RecordStore } from '../../platform/index.ts';
import { CliError, ExitCode } from '../exit-codes.ts';
import { resolveOrganization, withLocalStore } from '../runtime.ts';

export interface ImportCommandOptions {
  env: Env;
  entity: string;
  file: string;
  format?: string | undefined;
  org?: string | undefined;
  print: (line: string) => void;
  printError: (line: string) => void;
  /** Draw a progress bar (on a terminal). */
  progress: boolean;
}

export async function importCommand(options: ImportCommandOptions): Promise<number> {
  const definition = entityByName(options.entity);
  if (definition === undefined) throw new CliError(`Unknown entity "${options.entity}". Choose one of: ${ENTITY_NAMES.join(', ')}.`, ExitCode.usage);
  if (!existsSync(options.file)) throw new CliError(`No file at ${options.file}.`, ExitCode.usage);
  const format = (options.format ?? formatFromFileName(options.file)) as ImportFormat | undefined;
  if (format !== 'csv' && format !== 'jsonl') {
    throw new CliError('Cannot tell the file format: name the file .csv, .jsonl or .ndjson, or pass --format csv|jsonl.', ExitCode.usage);
  }
  const bar = options.progress ? new cliProgress.SingleBar({ format: 'importing {bar} {percentage}% | {value}/{total} bytes' }, cliProgress.Presets.shades_classic) : undefined;
  return withLocalStore(options.env, options.printError, async (db) => {
    try {
      const orgId = await resolveOrganization(db, options.env, options.org, options.print);
      let started = false;
      const summary = await importFile({
        store: new RecordStore(db),
        orgId,
        definition,
        file: options.file,
        format,
        onProgress: (done, total) => {
          if (bar === undefined) return;
          if (!started) bar.start(total, 0);
          started = true;
          bar.update(done);
        },
      });
      bar?.stop();
      for (const error of summary.errors) {
        const details = error.details.map((d) => `${d.path}: ${d.message}`).join('; ');
        options.printError(`line ${error.line}: ${error.message}${details ? ` (${details})` : ''}`);
      }
      // A file refused before its first row (an unknown CSV column) has no row counts to show.
      options.print(
        summary.rows === 0 && summary.failed > 0
          ? 'nothing imported: the file was refused (see above)'
          : `${summary.rows} rows: ${summary.created} created, ${summary.updated} updated, ${summary.unchanged} unchanged, ${summary.failed} refused`,
      );
      return summary.failed > 0 ? ExitCode.rowsRefused : ExitCode.ok;
    } finally {
      bar?.stop();
    }
  });
}
