import type { Engine } from '../engine/index.ts';
import type { Result } from '../platform/index.ts';
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
