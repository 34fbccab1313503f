// Waiting for something to become true, for tests and benchmarks.

/**
 * Polls `check` every `everyMs` until it answers (not undefined), or fails after `timeoutMs`
 * naming `what` and the last error. A check that throws (a busy process dropping a kept-alive
 * socket, a record not there yet) is tried again.
 */
export async function eventually<T>(check: () => Promise<T | undefined>, options: { timeoutMs?: number; everyMs?: number; what?: string } = {}): Promise<T> {
  const { timeoutMs = 15_000, everyMs = 50, what = 'the condition' } = options;
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms${last instanceof Error ? `: ${last.message}` : ''}`, { cause: last });
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
