// The Salesforce emulator's public surface: start it, stop it, reach its controls. It imports
// nothing from the rest of Ferry and runs alone (`ferry emulator`).
import { oauthRoutes } from './auth/oauth.ts';
import { BulkService } from './bulk/bulk.ts';
import { soapRoutes } from './auth/soap.ts';
import { EmulatorControls, controlsHandler } from './controls/controls.ts';
import { createDispatcher } from './http/dispatch.ts';
import type { Route } from './http/types.ts';
import { compositeRoutes } from './rest/composite.ts';
import { resolveCurrencies, resolveOptions, type EmulatorOptions, type RequestInfo } from './options.ts';
import { Org } from './org.ts';
import { limitRoutes, queryRoutes } from './rest/query.ts';
import { sobjectRoutes } from './rest/sobjects.ts';
import { EmulatorServer } from './server.ts';
import { loadSnapshot, SnapshotWriter } from './snapshot.ts';
import { CometdServer } from './streaming/cometd.ts';
import { toolingRoutes } from './tooling/tooling.ts';

export { DEFAULT_HOST, DEFAULT_IDENTITY, DEFAULT_PORT, DEFAULT_SFDX_PROJECT, DEFAULT_USERS } from './options.ts';
export type { EmulatorOptions, EmulatorUser, RequestInfo } from './options.ts';
export type { EmulatorControls, SeedResult } from './controls/controls.ts';
export type { FaultSpec, LatencyModel } from './controls/faults.ts';
export type { Counters } from './org.ts';

export interface EmulatorIdentity {
  loginUrl: string;
  instanceUrl: string;
  username: string;
  password: string;
  securityToken: string;
  clientId: string;
  clientSecret: string;
  orgId: string;
  userId: string;
  apiVersion: string;
  /** Active currencies, corporate first; more than one in a multi-currency org. */
  currencies: string[];
}

export interface RunningEmulator {
  /** Base URL of the instance (also the login URL; one origin serves both). */
  url: string;
  loginUrl: string;
  port: number;
  identity: EmulatorIdentity;
  /** Test controls, callable in-process; the same ones are served under /__emulator. */
  controls: EmulatorControls;
  /** Writes the snapshot now (if one is configured). */
  saveSnapshot(): Promise<void>;
  stop(): Promise<void>;
}

function routes(org: Org, bulk: BulkService, cometd: CometdServer): Route[] {
  const all: Route[] = [];
  const dispatch = createDispatcher(() => all);
  // Composite routes come first: /composite/sobjects/X must not be read as /sobjects/X.
  all.push(...oauthRoutes(org), ...soapRoutes(org), ...compositeRoutes(org, dispatch), ...sobjectRoutes(org), ...queryRoutes(org), ...toolingRoutes(org), ...limitRoutes(org), ...bulk.routes(), ...cometd.routes());
  return all;
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const resolved = resolveOptions(options);
  const org = await Org.create(resolved);
  if (resolved.snapshot !== undefined) await loadSnapshot(org, resolved.snapshot);
  const writer = resolved.snapshot === undefined ? null : new SnapshotWriter(org, resolved.snapshot);
  if (writer !== null) org.store.onChange(() => writer.schedule());
  let identity: EmulatorIdentity | null = null;
  // Controls need the server's state and the server needs the controls' handler: build in order.
  const holder: { controls: EmulatorControls | null } = { controls: null };
  const bulk = new BulkService(org);
  const cometd = new CometdServer(org);
  const server = new EmulatorServer(org, routes(org, bulk, cometd), (req) => {
    if (holder.controls === null || identity === null) throw new Error('emulator is still starting');
    return controlsHandler(holder.controls, () => ({ ...identity }))(req);
  });
  const controls = new EmulatorControls(org, server.state, () => writer?.schedule(), () => {
    bulk.clear();
    cometd.clear();
  }, () => cometd.clear());
  holder.controls = controls;
  const address = await server.listen(resolved.port, resolved.host);
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${address.port}`;
  identity = {
    loginUrl: url,
    instanceUrl: url,
    username: resolved.username,
    password: resolved.password,
    securityToken: resolved.securityToken,
    clientId: resolved.clientId,
    clientSecret: resolved.clientSecret,
    orgId: org.orgId,
    userId: org.adminUserId,
    apiVersion: resolved.apiVersion,
    currencies: [...resolved.currencies],
  };
  if (resolved.printIdentity) process.stdout.write(identityText(identity, resolved.snapshot));
  let stopped = false;
  return {
    url,
    loginUrl: url,
    port: address.port,
    identity,
    controls,
    saveSnapshot: async () => {
      await writer?.flush();
    },
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await server.close();
      await bulk.stop();
      await writer?.flush();
    },
  };
}

function identityText(identity: EmulatorIdentity, snapshot: string | undefined): string {
  const lines = [
    `Salesforce emulator listening on ${identity.instanceUrl}`,
    `  login URL      ${identity.loginUrl}`,
    `  username       ${identity.username}`,
    `  password       ${identity.password}`,
    `  security token ${identity.securityToken}   (password grant: ${identity.password}${identity.securityToken})`,
    `  client id      ${identity.clientId}`,
    `  client secret  ${identity.clientSecret}`,
    `  org id         ${identity.orgId}`,
    `  API version    ${identity.apiVersion}`,
    `  currencies     ${identity.currencies.join(', ')}${identity.currencies.length > 1 ? ' (multi-currency; corporate first)' : ''}`,
    `  data           ${snapshot === undefined ? 'in memory' : `snapshot ${snapshot}`}`,
    `  controls       ${identity.instanceUrl}/__emulator`,
  ];
  return `${lines.join('\n')}\n`;
}

export interface EmulatorCommandOptions {
  port?: number | string;
  host?: string;
  snapshot?: string;
  /** Stops the emulator when aborted; by default SIGINT and SIGTERM do. */
  signal?: AbortSignal;
  /** Where the identity (and, with `log`, each request) is printed; default stdout. */
  write?: (text: string) => void;
  /** Print one line per request. */
  log?: boolean;
  /** Active currencies, corporate first, as a list or comma-separated ("USD,EUR"). */
  currencies?: string[] | string;
}

/**
 * `ferry emulator [--port 8788] [--host 127.0.0.1] [--snapshot FILE]` (and, run alone through
 * main.ts, `[--currencies USD,EUR]`): starts the emulator, prints its identity and runs until
 * SIGINT/SIGTERM (or `signal`). Resolves with the exit code.
 */
export async function runEmulatorCommand(options: EmulatorCommandOptions = {}): Promise<number> {
  const write = options.write ?? ((text: string) => process.stdout.write(text));
  const port = options.port === undefined ? undefined : Number(options.port);
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) {
    write(`ferry emulator: invalid port ${String(options.port)}\n`);
    return 2;
  }
  const listed = typeof options.currencies === 'string' ? options.currencies.split(',').map((c) => c.trim().toUpperCase()).filter((c) => c !== '') : options.currencies;
  let currencies: string[] | undefined;
  try {
    currencies = listed === undefined ? undefined : resolveCurrencies(listed);
  } catch (error) {
    write(`ferry emulator: ${(error as Error).message}\n`);
    return 2;
  }
  const emulator = await startEmulator({
    ...(port === undefined ? {} : { port }),
    ...(options.host === undefined ? {} : { host: options.host }),
    ...(options.snapshot === undefined ? {} : { snapshot: options.snapshot }),
    ...(currencies === undefined ? {} : { currencies }),
    ...(options.log === true ? { onRequest: (r: RequestInfo) => write(`${r.method} ${r.url} -> ${r.status} (${r.ms} ms)\n`) } : {}),
  });
  write(identityText(emulator.identity, options.snapshot));
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      options.signal?.removeEventListener('abort', stop);
      resolve();
    };
    if (options.signal !== undefined) {
      if (options.signal.aborted) stop();
      else options.signal.addEventListener('abort', stop, { once: true });
    } else {
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    }
  });
  await emulator.stop();
  return 0;
}
