// `ferry emulator` (and `npm run emulator`, src/emulator/main.ts): the library's options from a
// command line. Every bad value is reported at once (what, which option, how to fix) with exit
// code 2, before anything starts; then the emulator runs until SIGINT/SIGTERM (or `signal`).
import { X509Certificate, createPublicKey } from 'node:crypto';
import { chmodSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { startEmulator } from './index.ts';
import { identityText } from './identity-text.ts';
import { DEFAULT_IDENTITY, DEFAULT_SFDX_PROJECT, DEFAULT_USERS, resolveCurrencies, resolveOptions, type EmulatorOptions, type EmulatorUser, type RequestInfo } from './options.ts';

/** The exit codes Ferry's CLI names (src/cli/exit-codes.ts), repeated: the emulator imports nothing from Ferry. */
export const EMULATOR_EXIT = { ok: 0, failure: 1, usage: 2, portInUse: 69 } as const;

export interface EmulatorCommandOptions {
  port?: number | string;
  host?: string;
  snapshot?: string;
  /** Stops the emulator when aborted; by default SIGINT and SIGTERM do. */
  signal?: AbortSignal;
  /** Where the identity (and, with `log`, each request) is printed; default stdout. */
  write?: (text: string) => void;
  /** Where errors are printed; default `write` when given, else stderr. */
  writeError?: (text: string) => void;
  /** Print one line per request. */
  log?: boolean;
  /** Active currencies, corporate first, as a list or comma-separated ("USD,EUR"). */
  currencies?: string[] | string;
  /** Serve HTTPS on `port` (self-signed certificate, written to a file whose path is printed). */
  https?: boolean;
  /** Serve HTTPS on this port too, beside HTTP on `port`. */
  httpsPort?: number | string;
  /** SFDX project folders whose objects extend the schema, besides the repository's salesforce/. */
  sfdxProject?: string[];
  /** PEM file: the connected app's certificate (or public key) for the JWT bearer flow. */
  jwtCert?: string;
  /** More users, each "username:password[:token]", besides integration@ and rep@ferry.test. */
  user?: string[];
  /** "FIXED[,PERRECORD]" in milliseconds: latency of every Salesforce call. */
  latency?: string;
}

type Parsed = { ok: true; options: EmulatorOptions } | { ok: false; errors: string[] };

/** Turns command-line values into library options, or lists every value that is wrong. */
export function parseEmulatorCommand(raw: EmulatorCommandOptions): Parsed {
  const errors: string[] = [];
  const options: EmulatorOptions = {};
  const port = parsePort(raw.port, '--port', errors);
  if (port !== undefined) options.port = port;
  if (raw.host !== undefined) {
    if (raw.host.trim() === '') errors.push('--host is empty: give an address to listen on, such as 127.0.0.1 or 0.0.0.0');
    else options.host = raw.host;
  }
  if (raw.snapshot !== undefined && checkSnapshotPath(raw.snapshot, errors)) options.snapshot = raw.snapshot;
  const currencies = parseCurrencies(raw.currencies, errors);
  if (currencies !== undefined) options.currencies = currencies;
  const httpsPort = parsePort(raw.httpsPort, '--https-port', errors);
  if (raw.https === true && httpsPort !== undefined) errors.push('--https and --https-port exclude each other: --https serves HTTPS on --port; --https-port adds an HTTPS port beside HTTP on --port');
  else if (raw.https === true) options.https = true;
  else if (httpsPort !== undefined) options.httpsPort = httpsPort;
  if (raw.sfdxProject !== undefined && raw.sfdxProject.length > 0) options.sfdxProjects = [DEFAULT_SFDX_PROJECT, ...raw.sfdxProject.map((dir) => checkSfdxProject(dir, errors))];
  if (raw.jwtCert !== undefined) {
    const pem = readJwtCertificate(raw.jwtCert, errors);
    if (pem !== undefined) options.jwtCertificate = pem;
  }
  if (raw.user !== undefined && raw.user.length > 0) options.users = [...DEFAULT_USERS, ...parseUsers(raw.user, errors)];
  if (raw.latency !== undefined) {
    const latency = parseLatency(raw.latency, errors);
    if (latency !== undefined) options.latency = latency;
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, options };
}

function parsePort(value: number | string | undefined, flag: string, errors: string[]): number | undefined {
  if (value === undefined) return undefined;
  const port = typeof value === 'number' ? value : /^\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (Number.isInteger(port) && port >= 0 && port <= 65535) return port;
  errors.push(`invalid port ${JSON.stringify(String(value))} (${flag}): use a number from 0 to 65535; 0 picks a free port and prints it`);
  return undefined;
}

function parseCurrencies(value: string[] | string | undefined, errors: string[]): string[] | undefined {
  if (value === undefined) return undefined;
  const listed = typeof value === 'string' ? value.split(',').map((c) => c.trim().toUpperCase()).filter((c) => c !== '') : value;
  try {
    return resolveCurrencies(listed);
  } catch (error) {
    errors.push(`${(error as Error).message} (--currencies; e.g. --currencies USD,EUR)`);
    return undefined;
  }
}

/** The snapshot is written next to itself (temp file + rename): its folder must exist, and it must not be one. */
function checkSnapshotPath(file: string, errors: string[]): boolean {
  const folder = dirname(resolve(file));
  if (!isDirectory(folder)) {
    errors.push(`--snapshot ${file}: the folder ${folder} does not exist; create it or pick a file in an existing folder`);
    return false;
  }
  if (isDirectory(file)) {
    errors.push(`--snapshot ${file}: is a folder; give a file name, e.g. --snapshot ${join(file, 'emulator.json')}`);
    return false;
  }
  return true;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function checkSfdxProject(dir: string, errors: string[]): string {
  const full = resolve(dir);
  const file = join(full, 'sfdx-project.json');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    errors.push(`--sfdx-project ${dir}: no sfdx-project.json in ${full}; give the folder of an SFDX project (the one holding sfdx-project.json)`);
    return full;
  }
  try {
    const project = JSON.parse(text) as { packageDirectories?: unknown };
    if (!Array.isArray(project.packageDirectories)) errors.push(`--sfdx-project ${dir}: ${file} lists no packageDirectories; add e.g. "packageDirectories": [{ "path": "force-app", "default": true }]`);
  } catch (error) {
    errors.push(`--sfdx-project ${dir}: ${file} is not JSON (${(error as Error).message})`);
  }
  return full;
}

function readJwtCertificate(file: string, errors: string[]): string | undefined {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (error) {
    errors.push(`--jwt-cert ${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); give the connected app's certificate as a PEM file`);
    return undefined;
  }
  try {
    // The JWT bearer flow verifies RS256 signatures: a certificate or a public key, both PEM.
    if (pem.includes('-----BEGIN CERTIFICATE-----')) new X509Certificate(pem);
    else if (pem.includes('-----BEGIN PUBLIC KEY-----')) createPublicKey(pem);
    else throw new Error('it holds neither "BEGIN CERTIFICATE" nor "BEGIN PUBLIC KEY"');
    return pem;
  } catch (error) {
    errors.push(`--jwt-cert ${file}: not a PEM certificate or public key (${(error as Error).message}); e.g. openssl req -x509 -newkey rsa:2048 -nodes -keyout server.key -out server.crt -subj /CN=ferry`);
    return undefined;
  }
}

function parseUsers(specs: string[], errors: string[]): EmulatorUser[] {
  const taken = new Set([DEFAULT_IDENTITY.username, ...DEFAULT_USERS.map((u) => u.username)]);
  const users: EmulatorUser[] = [];
  for (const spec of specs) {
    const [username = '', password = '', securityToken, ...rest] = spec.split(':');
    const hint = `use --user username:password[:token], e.g. --user ops@ferry.test:secret:tok (no ":" in the password)`;
    if (rest.length > 0 || password === '' || !/^[^\s@]+@[^\s@]+$/.test(username)) {
      errors.push(`--user ${JSON.stringify(spec)}: ${hint}; a username has the form of an e-mail address`);
      continue;
    }
    if (taken.has(username.toLowerCase())) {
      errors.push(`--user ${JSON.stringify(spec)}: ${username} already exists; pick another username`);
      continue;
    }
    taken.add(username.toLowerCase());
    const local = username.slice(0, username.indexOf('@'));
    users.push({ username, password, ...(securityToken === undefined || securityToken === '' ? {} : { securityToken }), lastName: local, email: username });
  }
  return users;
}

function parseLatency(value: string, errors: string[]): { fixedMs: number; perRecordMs: number } | undefined {
  const parts = value.split(',').map((p) => p.trim());
  const numbers = parts.map((p) => (/^\d+(?:\.\d+)?$/.test(p) ? Number(p) : Number.NaN));
  if (parts.length > 2 || numbers.some((n) => !Number.isFinite(n) || n > 600_000)) {
    errors.push(`--latency ${JSON.stringify(value)}: use FIXED[,PERRECORD] in milliseconds, e.g. --latency 50 or --latency 50,0.2 (at most 600000)`);
    return undefined;
  }
  return { fixedMs: numbers[0] ?? 0, perRecordMs: numbers[1] ?? 0 };
}

/**
 * Starts the emulator from command-line values, prints its identity and runs until SIGINT/SIGTERM
 * (or `signal`). Resolves with the exit code: 2 for bad values, 69 when the port is taken.
 */
export async function runEmulatorCommand(raw: EmulatorCommandOptions = {}): Promise<number> {
  const write = raw.write ?? ((text: string) => process.stdout.write(text));
  const writeError = raw.writeError ?? raw.write ?? ((text: string) => process.stderr.write(text));
  const parsed = parseEmulatorCommand(raw);
  if (!parsed.ok) {
    for (const error of parsed.errors) writeError(`ferry emulator: ${error}\n`);
    return EMULATOR_EXIT.usage;
  }
  const options: EmulatorOptions = { ...parsed.options, ...(raw.log === true ? { onRequest: (r: RequestInfo) => write(`${r.method} ${r.url} -> ${r.status} (${r.ms} ms)\n`) } : {}) };
  // Listening for the stop before starting: a SIGTERM sent as soon as the identity is printed
  // must stop the emulator cleanly, not kill the process.
  const stop = stopRequest(raw.signal);
  try {
    let emulator: Awaited<ReturnType<typeof startEmulator>>;
    try {
      emulator = await startEmulator(options);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE') {
        writeError(`ferry emulator: port ${String((error as { port?: number }).port ?? options.port)} on ${options.host ?? '127.0.0.1'} is in use; pick another with --port (0 picks a free one and prints it)\n`);
        return EMULATOR_EXIT.portInUse;
      }
      if (options.snapshot !== undefined && (error instanceof SyntaxError || /snapshot/.test((error as Error).message))) {
        writeError(`ferry emulator: --snapshot ${options.snapshot}: cannot be read as a snapshot (${(error as Error).message}); move it away to start empty, or pick another file\n`);
        return EMULATOR_EXIT.usage;
      }
      writeError(`ferry emulator: could not start: ${(error as Error).message}\n`);
      return EMULATOR_EXIT.failure;
    }
    const pem = emulator.identity.certificate;
    const certificateFile = pem === undefined ? undefined : writeCertificate(pem, emulator.identity.httpsPort ?? emulator.port);
    write(identityText(emulator.identity, resolveOptions(options), certificateFile === undefined ? {} : { certificateFile }));
    await stop.requested;
    await emulator.stop();
    if (certificateFile !== undefined) rmSync(certificateFile, { force: true });
    return EMULATOR_EXIT.ok;
  } finally {
    stop.dispose();
  }
}

/** The HTTPS certificate in a file of its own, so a client can be pointed at it. */
function writeCertificate(pem: string, port: number): string {
  const file = join(tmpdir(), `ferry-emulator-${port}-cert.pem`);
  writeFileSync(file, pem);
  // bin/ferry.js sets umask 077; a certificate is public, and clients run as other users too.
  chmodSync(file, 0o644);
  return file;
}

/** Resolves `requested` on `signal`'s abort, or else on SIGINT/SIGTERM; `dispose` stops listening. */
function stopRequest(signal: AbortSignal | undefined): { requested: Promise<void>; dispose: () => void } {
  let done: () => void = () => undefined;
  const requested = new Promise<void>((resolve) => (done = resolve));
  const dispose = (): void => {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    signal?.removeEventListener('abort', stop);
  };
  function stop(): void {
    dispose();
    done();
  }
  if (signal !== undefined) {
    if (signal.aborted) stop();
    else signal.addEventListener('abort', stop, { once: true });
  } else {
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  }
  return { requested, dispose };
}
