// The real Salesforce CLI against a running emulator. `sfCli(emulator)` installs @salesforce/cli
// once into a scratch folder shared by every test file and run (keyed by version, guarded by a
// lock so two files installing at once do not race), gives the CLI a home of its own per call
// (no user config, no keychain, no telemetry or update checks) and logs it in with an access
// token, as docs/emulator.md "With the Salesforce CLI" shows. Tests call it in
// `beforeAll(..., 600_000)`: a first install takes about a minute on a warm npm cache, several on
// a cold one.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RunningEmulator } from '../../src/emulator/index.ts';
import { afterAll, beforeAll } from 'vitest';

/** The last release that runs on Node 20 (later ones need Node 22). */
export const SF_CLI_VERSION = '2.130.9';

const INSTALL_TIMEOUT_MS = 9 * 60_000;
/** A lock older than this is left from a killed install (one takes minutes at most). */
const STALE_LOCK_MS = 10 * 60_000;
const DEFAULT_RUN_TIMEOUT_MS = 180_000;

export interface SfRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON when the run had --json (null when it was not JSON). */
  json: SfJson | null;
}

/** The envelope `sf ... --json` prints: status 0 with result, or status 1 with name and message. */
export interface SfJson {
  status: number;
  result?: unknown;
  name?: string;
  message?: string;
  warnings?: unknown[];
  [key: string]: unknown;
}

export interface SfRunOptions {
  /** Add `--json` (and parse stdout). Runs whose args already hold --json are parsed too. */
  json?: boolean;
  /** Add `--target-org <alias>`. The alias is also the default target org (SF_TARGET_ORG). */
  targetOrg?: boolean;
  /** Working folder; default the CLI's home (outside any SFDX project). */
  cwd?: string;
  /** Extra environment variables for this run. */
  env?: Record<string, string>;
  timeoutMs?: number;
}

export interface SfCli {
  /** Alias of the logged-in org; also its default target org. */
  alias: string;
  username: string;
  /** The CLI's private home (HOME, XDG folders, .sf, .sfdx). */
  home: string;
  /** Environment every run gets (without the caller's SF_* and SFDX_* variables). */
  env: Record<string, string>;
  run(args: string[], options?: SfRunOptions): Promise<SfRun>;
  /** Removes the CLI's home. */
  dispose(): Promise<void>;
}

export interface SfCliOptions {
  /** Default "emu". */
  alias?: string;
  /** The user the CLI is logged in as; default the emulator's admin. */
  username?: string;
  /** Skip the login (for tests of the login commands themselves). */
  login?: boolean;
}

/** Installs the CLI (once per machine and version) and returns the path of its bin/run.js. */
export async function installSfCli(version: string = SF_CLI_VERSION): Promise<string> {
  const dir = join(tmpdir(), `ferry-sf-cli-${version}`);
  const runJs = join(dir, 'node_modules', '@salesforce', 'cli', 'bin', 'run.js');
  const manifest = packageJson(version);
  const marker = join(dir, '.ferry-installed');
  const installed = async (): Promise<boolean> => existsSync(runJs) && existsSync(marker) && (await readFile(marker, 'utf8')) === manifest;
  if (await installed()) return runJs;
  await withLock(`${dir}.lock`, async () => {
    if (await installed()) return;
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'package.json'), manifest);
    // --ignore-scripts: the CLI's only install script checks for an old global sfdx 7.
    await exec('npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir, env: withoutNpmVariables(), timeoutMs: INSTALL_TIMEOUT_MS });
    if (!existsSync(runJs)) throw new Error(`npm installed @salesforce/cli@${version} in ${dir} but ${runJs} is missing`);
    await writeFile(marker, manifest);
  });
  return runJs;
}

function packageJson(version: string): string {
  // 2.130.9 pulls undici 8 transitively, which needs Node 22; 7.30.2 is the last that runs on 20.
  const pkg = { name: 'ferry-sf-cli', private: true, dependencies: { '@salesforce/cli': version }, overrides: { undici: '7.30.2' } };
  return `${JSON.stringify(pkg, null, 2)}\n`;
}

/** Runs `body` holding a lock folder; waits for another holder, and breaks a stale lock. */
async function withLock(lock: string, body: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + INSTALL_TIMEOUT_MS + 60_000;
  for (;;) {
    try {
      await mkdir(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (await isStale(lock)) {
        await rm(lock, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`waited too long for ${lock}; remove it if no install is running`, { cause: error });
      await sleep(500);
    }
  }
  try {
    await writeFile(join(lock, 'pid'), String(process.pid));
    await body();
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

async function isStale(lock: string): Promise<boolean> {
  try {
    const info = await stat(lock);
    if (Date.now() - info.mtimeMs > STALE_LOCK_MS) return true;
    const pid = Number(await readFile(join(lock, 'pid'), 'utf8').catch(() => ''));
    if (!Number.isInteger(pid) || pid <= 0) return false; // just created: its pid is on the way
    try {
      process.kill(pid, 0);
      return false;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'ESRCH';
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false; // released meanwhile
    throw error;
  }
}

function withoutNpmVariables(): Record<string, string> {
  // Under `npm test` the parent's npm_config_* (prefix, global...) would steer the install elsewhere.
  return Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined && !/^npm_/i.test(e[0])));
}

/** The environment of an isolated CLI whose home is `home`. */
function cliEnvironment(home: string, alias: string, caFile: string | undefined): Record<string, string> {
  const inherited = Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined && !/^(SF|SFDX|npm)_/i.test(e[0]) && e[0] !== 'NODE_EXTRA_CA_CERTS' && e[0] !== 'NODE_OPTIONS');
  return {
    ...Object.fromEntries(inherited),
    HOME: home,
    USERPROFILE: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_DATA_HOME: join(home, '.local', 'share'),
    XDG_CACHE_HOME: join(home, '.cache'),
    SF_TARGET_ORG: alias,
    SF_DISABLE_TELEMETRY: 'true',
    SF_TELEMETRY_DISABLE_ACKNOWLEDGEMENT: 'true',
    SF_AUTOUPDATE_DISABLE: 'true',
    SF_DISABLE_AUTOUPDATE: 'true',
    SF_SKIP_NEW_VERSION_CHECK: 'true',
    SF_HIDE_RELEASE_NOTES: 'true',
    SF_HIDE_RELEASE_NOTES_FOOTER: 'true',
    SF_DISABLE_DNS_CHECK: 'true',
    SFDX_DISABLE_DNS_CHECK: 'true',
    SF_USE_GENERIC_UNIX_KEYCHAIN: 'true',
    SF_USE_PROGRESS_BAR: 'false',
    SF_DISABLE_LOG_FILE: 'true',
    SF_LOG_LEVEL: 'error',
    NO_COLOR: '1',
    FORCE_COLOR: '0',
    ...(caFile === undefined ? {} : { NODE_EXTRA_CA_CERTS: caFile }),
  };
}

/**
 * The CLI, logged in to `emulator` under an alias that is also its default target org. An
 * emulator served over HTTPS has its certificate trusted through NODE_EXTRA_CA_CERTS.
 */
export async function sfCli(emulator: RunningEmulator, options: SfCliOptions = {}): Promise<SfCli> {
  const runJs = await installSfCli();
  const alias = options.alias ?? 'emu';
  const username = options.username ?? emulator.identity.username;
  const home = await mkdtemp(join(tmpdir(), 'ferry-sf-home-'));
  const certificate = emulatorCertificate(emulator);
  let caFile: string | undefined;
  if (certificate !== undefined) {
    caFile = join(home, 'emulator-ca.pem');
    await writeFile(caFile, certificate);
  }
  const env = cliEnvironment(home, alias, caFile);
  const run = async (args: string[], runOptions: SfRunOptions = {}): Promise<SfRun> => {
    const full = [...args, ...(runOptions.targetOrg === true ? ['--target-org', alias] : []), ...(runOptions.json === true && !args.includes('--json') ? ['--json'] : [])];
    const result = await exec(process.execPath, [runJs, ...full], { cwd: runOptions.cwd ?? home, env: { ...env, ...runOptions.env }, timeoutMs: runOptions.timeoutMs ?? DEFAULT_RUN_TIMEOUT_MS, check: false });
    return { ...result, json: full.includes('--json') ? parseJson(result.stdout) : null };
  };
  const cli: SfCli = { alias, username, home, env, run, dispose: () => rm(home, { recursive: true, force: true }) };
  if (options.login !== false) {
    const { accessToken } = emulator.controls.sessionFor(username);
    const login = await run(['org', 'login', 'access-token', '--instance-url', emulator.url, '--alias', alias, '--no-prompt', '--json'], { env: { SF_ACCESS_TOKEN: accessToken } });
    if (login.code !== 0) throw new Error(`sf org login access-token failed (exit ${String(login.code)}):\n${login.stdout}\n${login.stderr}`);
  }
  return cli;
}

function emulatorCertificate(emulator: RunningEmulator): string | undefined {
  // Read loosely: emulators without an HTTPS listener have no certificate in their identity.
  const identity = emulator.identity as unknown as { certificate?: unknown };
  return typeof identity.certificate === 'string' ? identity.certificate : undefined;
}

function parseJson(stdout: string): SfJson | null {
  try {
    const value = JSON.parse(stdout) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as SfJson) : null;
  } catch {
    return null;
  }
}

interface ExecOptions {
  cwd: string;
  env: Record<string, string>;
  timeoutMs: number;
  /** Reject on a non-zero exit (default true). */
  check?: boolean;
}

function exec(command: string, args: string[], options: ExecOptions): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const shown = `${command} ${args.join(' ')}`;
      if (timedOut) reject(new Error(`${shown} did not finish within ${options.timeoutMs} ms:\n${stdout}\n${stderr}`));
      else if (code !== 0 && options.check !== false) reject(new Error(`${shown} exited with ${String(code)}:\n${stdout}\n${stderr}`));
      else resolve({ code, stdout, stderr });
    });
  });
}

/**
 * The CLI for a test file, logged in to the file's emulator (`useEmulator`): installed and logged
 * in before the file's tests (an install takes minutes on a cold npm cache), its home removed
 * after. Its members are read inside tests, once that has run.
 */
export function useSfCli(fixture: { emu: RunningEmulator }, options: SfCliOptions = {}): SfCli {
  let cli: SfCli | undefined;
  beforeAll(async () => {
    cli = await sfCli(fixture.emu, options);
  }, 600_000);
  afterAll(async () => {
    await cli?.dispose();
  });
  const ready = (): SfCli => {
    if (cli === undefined) throw new Error('the Salesforce CLI was used before beforeAll installed it');
    return cli;
  };
  return {
    get alias() { return ready().alias; },
    get username() { return ready().username; },
    get home() { return ready().home; },
    get env() { return ready().env; },
    run: (args, runOptions) => ready().run(args, runOptions),
    dispose: () => ready().dispose(),
  };
}
