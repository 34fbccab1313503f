import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Env } from '../config/index.ts';
import { ensureDefaultOrganization, listOrganizations } from '../platform/index.ts';
import { migrate, openDatabase, type Database } from '../storage/index.ts';
import { CliError, ExitCode } from './exit-codes.ts';

const PID_FILE = 'ferry.pid';

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * The embedded database is a folder that only one process may open. `ferry start` marks it with a
 * pid file; other commands refuse to open it while that process lives, instead of corrupting it.
 */
export function claimDataDir(env: Env): () => void {
  if (env.DATABASE_URL !== undefined) return () => undefined;
  const dir = resolve(env.FERRY_DATA_DIR);
  mkdirSync(dir, { recursive: true });
  const pidFile = join(dir, PID_FILE);
  if (existsSync(pidFile)) {
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    if (Number.isInteger(pid) && pid !== process.pid && processAlive(pid)) {
      throw new CliError(
        `The data folder ${dir} is in use by a running Ferry (pid ${pid}). Stop it first, or point this command at another folder with FERRY_DATA_DIR, or use a Postgres server (DATABASE_URL) so several processes can share the data.`,
        ExitCode.dataDirBusy,
      );
    }
  }
  writeFileSync(pidFile, String(process.pid));
  return () => rmSync(pidFile, { force: true });
}

export async function openMigratedDatabase(env: Env): Promise<Database> {
  const db = await openDatabase({ databaseUrl: env.DATABASE_URL, dataDir: resolve(env.FERRY_DATA_DIR) });
  await migrate(db);
  return db;
}

/** The organization a command acts for: the one named, or the default one. */
export async function resolveOrganization(db: Database, env: Env, orgId: string | undefined): Promise<string> {
  if (orgId !== undefined) {
    const orgs = await listOrganizations(db);
    if (!orgs.some((org) => org.id === orgId)) {
      throw new CliError(`No organization has id ${orgId}. Known: ${orgs.map((org) => `${org.id} (${org.name})`).join(', ') || 'none'}.`, ExitCode.usage);
    }
    return orgId;
  }
  return (await ensureDefaultOrganization(db, env.FERRY_API_KEY)).organization.id;
}
