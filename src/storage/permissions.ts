import { chmodSync, lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The data folder holds every organization's records and sealed secrets: readable by its owner
 * only. New files follow the process umask (the CLI sets 077); this fixes what was made before.
 */
export function restrictToOwner(path: string): void {
  const stat = lstatSync(path);
  // A link is followed by nobody here: what it points at is not the data folder's to change.
  if (stat.isSymbolicLink()) return;
  const mode = stat.isDirectory() ? 0o700 : 0o600;
  if ((stat.mode & 0o777) !== mode) chmodSync(path, mode);
  if (stat.isDirectory()) for (const entry of readdirSync(path)) restrictToOwner(join(path, entry));
}
