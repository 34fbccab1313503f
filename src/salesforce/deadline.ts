import { SalesforceError } from './errors.ts';

/**
 * Bounds a call that leaves the process: an answer that never comes becomes a transient TIMEOUT
 * that says what was waited for, so the caller retries or reports it instead of hanging.
 */
export function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expiry = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new SalesforceError({ kind: 'transient', errorCode: 'TIMEOUT', message: `${what} did not answer within ${ms} ms` })), ms);
  });
  return Promise.race([promise, expiry]).finally(() => clearTimeout(timer));
}
