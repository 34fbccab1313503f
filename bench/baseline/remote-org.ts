// An emulated org in a child process of its own (emulator-child.ts), driven over /__emulator.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/** An emulated org in a child process (bench/baseline/emulator-child.ts), driven over /__emulator. */
export interface RemoteOrg {
  url: string;
  loginUrl: string;
  control(method: string, path: string, body?: unknown): Promise<any>;
  stop(): Promise<void>;
}

export async function startRemoteOrg(options: { currencies?: string[]; sfdxProjects?: string[] } = {}): Promise<RemoteOrg> {
  const env = {
    ...process.env,
    ...(options.currencies === undefined ? {} : { BENCH_CURRENCIES: options.currencies.join(',') }),
    ...(options.sfdxProjects === undefined ? {} : { BENCH_SFDX: options.sfdxProjects.join(',') }),
  };
  const child = spawn(process.execPath, ['--import', 'tsx', join('bench', 'baseline', 'emulator-child.ts')], { stdio: ['ignore', 'pipe', 'inherit'], env });
  const first = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.once('line', (line) => resolve(line));
    child.once('exit', (code) => reject(new Error(`the emulator process ended (${code}) before listening`)));
  });
  const { url, loginUrl } = JSON.parse(first) as { url: string; loginUrl: string };
  return {
    url,
    loginUrl,
    async control(method, path, body) {
      const res = await fetch(`${url}/__emulator${path}`, { method, headers: { 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
      if (!res.ok) throw new Error(`emulator ${method} ${path}: ${res.status} ${await res.text()}`);
      return res.json();
    },
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
