// Runs the real `ferry` binary as a child process.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export const FERRY_BIN = join(import.meta.dirname, '..', 'bin', 'ferry.js');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runFerry(args: string[], env: Record<string, string>, timeoutMs = 60_000): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [FERRY_BIN, ...args], { env: { ...process.env, FERRY_LOG_LEVEL: 'error', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export interface RunningFerry {
  child: ChildProcess;
  url: string;
  output: () => string;
  stop(): Promise<number | null>;
}

/** Starts `ferry start` and resolves once it prints where it listens. */
export function startFerry(env: Record<string, string>, args: string[] = ['--no-demo']): Promise<RunningFerry> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [FERRY_BIN, 'start', ...args], { env: { ...process.env, FERRY_LOG_LEVEL: 'error', FERRY_PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`ferry start did not come up:\n${out}`));
    }, 60_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      // The banner ends with the "try" line; wait for all of it.
      const match = /Ferry is running at (http:\/\/\S+)[\s\S]*\n {2}try /.exec(out);
      if (match !== null) {
        clearTimeout(timer);
        resolve({
          child,
          url: match[1]!,
          output: () => out,
          stop: () =>
            new Promise((done) => {
              child.once('close', (code) => done(code));
              child.kill('SIGTERM');
            }),
        });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('close', (code) => {
      clearTimeout(timer);
      reject(new Error(`ferry start exited with ${code}:\n${out}`));
    });
  });
}
