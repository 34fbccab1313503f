import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { createLogger, type Env } from '../config/index.ts';
import { ensureDefaultOrganization, listOrganizations } from '../platform/index.ts';
import { migrate, openDatabase, restrictToOwner, type Database } from '../storage/index.ts';
import { CliError, ExitCode } from './exit-codes.ts';

const PID_FILE = 'ferry.pid';
/** Where `ferry start` says where it listens, so other commands can ask it instead of the files. */
const SERVER_FILE = 'ferry.server.json';
const ADMIN_TOKEN_FILE = 'admin.token';

export const dataDirOf = (env: Env): string => resolve(env.FERRY_DATA_DIR);

/** Which store a command uses, for the one line it prints on stderr (never the password). */
export function describeStore(env: Env): string {
  if (env.DATABASE_URL === undefined) return `PGlite in ${dataDirOf(env)}`;
  const url = new URL(env.DATABASE_URL);
  return `Postgres at ${url.hostname}${url.port === '' ? '' : `:${url.port}`}${url.pathname}`;
}

/**
 * For commands that act on what is already there (sync, salesforce check, org key create): on an
 * empty place they say so, instead of creating a new empty store and finding nothing in it.
 */
export function requireExistingStore(env: Env, purpose: string): void {
  if (env.DATABASE_URL !== undefined) return;
  const dir = dataDirOf(env);
  if (existsSync(join(dir, 'pgdata', 'PG_VERSION'))) return;
  throw new CliError(
    `No Ferry data in ${dir}, so there is nothing to ${purpose}. Run the command where Ferry keeps its data (FERRY_DATA_DIR=/path/to/.ferry npx ferry ...), or start Ferry there first: npx ferry start.`,
    ExitCode.noData,
  );
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function livePid(dir: string): number | undefined {
  const pidFile = join(dir, PID_FILE);
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  return Number.isInteger(pid) && pid !== process.pid && processAlive(pid) ? pid : undefined;
}

/** The data folder and everything in it: readable by its owner only (0700 folders, 0600 files). */
function prepareDataDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  restrictToOwner(dir);
}

/**
 * The embedded database is a folder that only one process may open. `ferry start` marks it with a
 * pid file; other commands refuse to open it while that process lives, instead of corrupting it.
 */
export function claimDataDir(env: Env): () => void {
  if (env.DATABASE_URL !== undefined) return () => undefined;
  const dir = dataDirOf(env);
  prepareDataDir(dir);
  const pid = livePid(dir);
  if (pid !== undefined) {
    throw new CliError(
      `The data folder ${dir} is in use by a running Ferry (pid ${pid}). Stop it first, or point this command at another folder with FERRY_DATA_DIR, or use a Postgres server (DATABASE_URL) so several processes can share the data.`,
      ExitCode.dataDirBusy,
    );
  }
  const pidFile = join(dir, PID_FILE);
  writeFileSync(pidFile, String(process.pid), { mode: 0o600 });
  return () => rmSync(pidFile, { force: true });
}

export interface RunningServer {
  pid: number;
  url: string;
  token: string;
}

const serverFile = z.object({ pid: z.number().int(), url: z.url() });

/**
 * The `ferry start` that holds the embedded database, if one runs and has said where it listens:
 * commands that can go through its API (sync, salesforce check, org create, org key create) do so.
 */
export function runningServer(env: Env): RunningServer | undefined {
  if (env.DATABASE_URL !== undefined) return undefined;
  const dir = dataDirOf(env);
  const pid = livePid(dir);
  if (pid === undefined || !existsSync(join(dir, SERVER_FILE)) || !existsSync(join(dir, ADMIN_TOKEN_FILE))) return undefined;
  const parsed = serverFile.safeParse(JSON.parse(readFileSync(join(dir, SERVER_FILE), 'utf8')));
  if (!parsed.success || parsed.data.pid !== pid) return undefined;
  return { pid, url: parsed.data.url, token: readFileSync(join(dir, ADMIN_TOKEN_FILE), 'utf8').trim() };
}

/** A fresh local admin token for this run of `ferry start` (see api/local-admin). */
export function newLocalAdminToken(): string {
  return `ferry_local_${randomBytes(32).toString('base64url')}`;
}

/** Publishes the listening server's URL and admin token in the data folder (0600); the result removes them. */
export function publishServer(env: Env, url: string, token: string): () => void {
  if (env.DATABASE_URL !== undefined) return () => undefined;
  const dir = dataDirOf(env);
  const tokenFile = join(dir, ADMIN_TOKEN_FILE);
  const urlFile = join(dir, SERVER_FILE);
  writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
  writeFileSync(urlFile, `${JSON.stringify({ pid: process.pid, url })}\n`, { mode: 0o600 });
  return () => {
    rmSync(urlFile, { force: true });
    rmSync(tokenFile, { force: true });
  };
}

/**
 * What a command does with its own store: claims it, says on stderr which one it is, opens it
 * migrated, runs `work`, and closes and releases it whatever happens.
 */
export async function withLocalStore<T>(env: Env, printError: (line: string) => void, work: (db: Database) => Promise<T>): Promise<T> {
  const release = claimDataDir(env);
  try {
    printError(`using ${describeStore(env)}`);
    const db = await openMigratedDatabase(env);
    try {
      return await work(db);
    } finally {
      await db.close();
    }
  } finally {
    release();
  }
}

/** The one stderr line of a command that goes through the running `ferry start`. */
export function announceServer(server: RunningServer, env: Env, printError: (line: string) => void): void {
  printError(`using the running Ferry at ${server.url} (${describeStore(env)})`);
}

export async function openMigratedDatabase(env: Env): Promise<Database> {
  const log = createLogger(env.FERRY_LOG_LEVEL).child({ component: 'storage' });
  const db = await openDatabase({
    databaseUrl: env.DATABASE_URL,
    dataDir: dataDirOf(env),
    onConnectionError: (error) => log.error({ err: error }, 'a pooled database connection failed; the pool replaces it'),
  });
  await migrate(db);
  // Migrations make files too; the folders are 0700 either way, so nothing inside is reachable by others.
  if (env.DATABASE_URL === undefined) restrictToOwner(dataDirOf(env));
  return db;
}

/** A command-line id: refused with one line unless it is a UUID. */
export function checkId(value: string, what: string): string {
  if (z.uuid().safeParse(value).success) return value;
  throw new CliError(`"${value}" is not ${what}: Ferry's ids are UUIDs, such as 0190a3c2-7b1e-7cc0-9a4e-1f2d3c4b5a69.`, ExitCode.usage);
}

/**
 * The organization a command acts for: the one named, or the default one. A command that runs
 * before the first `ferry start` creates the default organization, and then prints its key: a key
 * nobody saw would lock its owner out.
 */
export async function resolveOrganization(db: Database, env: Env, orgId: string | undefined, print: (line: string) => void): Promise<string> {
  if (orgId !== undefined) {
    checkId(orgId, 'an organization id');
    const orgs = await listOrganizations(db);
    if (!orgs.some((org) => org.id === orgId)) {
      throw new CliError(`No organization has id ${orgId}. Known: ${orgs.map((org) => `${org.id} (${org.name})`).join(', ') || 'none'}.`, ExitCode.usage);
    }
    return orgId;
  }
  const { organization, apiKey } = await ensureDefaultOrganization(db, env.FERRY_API_KEY);
  if (apiKey !== undefined) print(`Created the default organization ${organization.id}; API key ${showKey(apiKey, env)}`);
  return organization.id;
}

/** A key Ferry generated is shown in full (once); one the environment gave is only hinted at. */
export function showKey(apiKey: string, env: Env): string {
  if (apiKey === env.FERRY_API_KEY) return `${apiKey.slice(0, 12)}…   (from FERRY_API_KEY)`;
  return `${apiKey}   (shown once: store it now)`;
}
