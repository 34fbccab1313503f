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

export interface StartedProcess {
  child: ChildProcess;
  /** What the output matched when it was ready. */
  ready: RegExpExecArray;
  output: () => string;
  /** SIGTERM, and the exit code. */
  stop: () => Promise<number | null>;
}

/**
 * Spawns node with `args` and resolves once its output (stdout and stderr) matches `ready`;
 * rejects with the output if it exits first or is not ready within a minute.
 */
export function spawnUntil(args: string[], ready: RegExp, what: string, env: NodeJS.ProcessEnv = process.env): Promise<StartedProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${what} did not come up:\n${out}`));
    }, 60_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const match = ready.exec(out);
      if (match !== null) {
        clearTimeout(timer);
        resolve({
          child,
          ready: match,
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
      reject(new Error(`${what} exited with ${code}:\n${out}`));
    });
  });
}

/** Starts `ferry start` and resolves once it prints where it listens. */
export async function startFerry(env: Record<string, string>, args: string[] = ['--no-demo']): Promise<RunningFerry> {
  // The banner ends with the "try" line; wait for all of it.
  const started = await spawnUntil([FERRY_BIN, 'start', ...args], /Ferry is running at (http:\/\/\S+)[\s\S]*\n {2}try /, 'ferry start', { ...process.env, FERRY_LOG_LEVEL: 'error', FERRY_PORT: '0', ...env });
  return { child: started.child, url: started.ready[1]!, output: started.output, stop: started.stop };
}
