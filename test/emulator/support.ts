// Shared setup for the emulator's conformance suites: one emulator per file on an OS-picked
// port, jsforce connections logged in the two ways jsforce supports, and raw fetch helpers for
// checking wire shapes jsforce would hide.
import jsforce, { type Connection } from 'jsforce';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { DEFAULT_IDENTITY, startEmulator, type EmulatorOptions, type RunningEmulator } from '../../src/emulator/index.ts';

export const API_VERSION = '60.0';
export const PASSWORD = DEFAULT_IDENTITY.password + DEFAULT_IDENTITY.securityToken;

export interface EmulatorFixture {
  emu: RunningEmulator;
  /** Admin connection logged in through OAuth password grant. */
  conn: Connection;
}

/** Starts one emulator for the file, resets it before each test and stops it after the file. */
export function useEmulator(options: EmulatorOptions = {}): EmulatorFixture {
  const fixture = {} as EmulatorFixture;
  beforeAll(async () => {
    fixture.emu = await startEmulator({ port: 0, host: '127.0.0.1', ...options });
    fixture.conn = await oauthLogin(fixture.emu);
  });
  beforeEach(() => {
    fixture.emu.controls.reset();
  });
  afterAll(async () => {
    await fixture.emu.stop();
  });
  return fixture;
}

export async function oauthLogin(emu: RunningEmulator, username: string = DEFAULT_IDENTITY.username): Promise<Connection> {
  const conn = new jsforce.Connection({
    oauth2: { loginUrl: emu.loginUrl, clientId: DEFAULT_IDENTITY.clientId, clientSecret: DEFAULT_IDENTITY.clientSecret },
    version: API_VERSION,
  });
  await conn.login(username, PASSWORD);
  return conn;
}

export async function soapLogin(emu: RunningEmulator, username: string = DEFAULT_IDENTITY.username): Promise<Connection> {
  const conn = new jsforce.Connection({ loginUrl: emu.loginUrl, version: API_VERSION });
  await conn.login(username, PASSWORD);
  return conn;
}

/** A connection for `username` built from a control-issued session (no password needed). */
export function connectionAs(emu: RunningEmulator, username: string): Connection {
  const { accessToken } = emu.controls.sessionFor(username);
  return new jsforce.Connection({ instanceUrl: emu.url, accessToken, version: API_VERSION });
}

export interface RawResponse {
  status: number;
  headers: Headers;
  body: unknown;
  text: string;
}

/** A raw REST call with the connection's token, for exact wire-shape assertions. */
export async function raw(conn: Connection, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<RawResponse> {
  const url = path.startsWith('http') ? path : `${conn.instanceUrl}${path.startsWith('/services') ? '' : `/services/data/v${API_VERSION}`}${path}`;
  const res = await fetch(url, {
    method,
    headers: {
      Authorization: `Bearer ${conn.accessToken ?? ''}`,
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text === '' ? null : JSON.parse(text);
  } catch {
    // Not JSON (CSV, XML, HTML): the text is the body.
  }
  return { status: res.status, headers: res.headers, body: parsed, text };
}

/** The error jsforce raised for a failed call, with the fields tests look at. */
export async function failure(promise: PromiseLike<unknown>): Promise<{ name: string; errorCode: string; message: string; data: unknown }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { name: string; errorCode?: string; message: string; data?: unknown };
    return { name: e.name, errorCode: e.errorCode ?? e.name, message: e.message, data: e.data };
  }
  throw new Error('expected the call to fail, but it succeeded');
}
