import { z } from 'zod';
import type { Engine } from '../engine/index.ts';
import { unsafeTextIssues, type Result } from '../platform/index.ts';
import type { ApiDeps } from './contract.ts';
import { ApiError } from './errors.ts';

export function engineOf(deps: ApiDeps): Engine {
  if (deps.engine === undefined) throw new ApiError('internal_error', 'The integration engine is not running in this process.');
  return deps.engine;
}

export function unwrap<T>(result: Result<T>, location = 'body'): T {
  if (!result.ok) throw ApiError.fromStore(result.error, location);
  return result.value;
}

/**
 * A request body that must be a JSON object, checked whole by the handler's own schema later. Its
 * text is checked here, at the door, so no handler can pass a NUL or a lone surrogate to the
 * database. (Bulk bodies are not: each item is checked on its own, so one bad row fails alone.)
 */
export const jsonObjectBody = z.record(z.string(), z.unknown(), { error: 'the body must be a JSON object' }).superRefine((body, context) => {
  for (const issue of unsafeTextIssues(body)) context.addIssue({ code: 'custom', path: issue.path, message: issue.message, input: body });
});
