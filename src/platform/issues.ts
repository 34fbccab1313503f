import type { z } from 'zod';
import type { Issue } from './entity.ts';

// zod's own messages ("Invalid input: expected string, received undefined") say what the parser
// saw, not what to send. Schemas with a message of their own keep it; zod's defaults are reworded.
const ZOD_DEFAULT = /^(Invalid|Too (big|small))\b/;

const EXAMPLES: Record<string, string> = {
  uuid: 'must be a Ferry id (a UUID such as "0190a3c2-7b1e-7cc0-9a4e-1f2d3c4b5a69")',
  email: 'must be an e-mail address such as "ap@example.com"',
  url: 'must be a URL such as "https://login.salesforce.com"',
  datetime: 'must be a date-time in ISO 8601 with a time zone, e.g. "2026-01-31T09:30:00Z"',
  date: 'must be a calendar date written YYYY-MM-DD, e.g. "2026-01-31"',
};

const KINDS: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  bigint: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a JSON object',
  record: 'a JSON object',
  null: 'null',
};

const kind = (expected: string) => KINDS[expected] ?? expected;
const listValues = (values: readonly unknown[]) => values.map((value) => (typeof value === 'string' ? value : JSON.stringify(value))).join(', ');

/** True when nothing was sent at `path` (the field or one of its parents is absent). */
function absent(input: unknown, path: readonly PropertyKey[]): boolean {
  let node = input;
  for (const part of path) {
    if (typeof node !== 'object' || node === null) return true;
    node = (node as Record<PropertyKey, unknown>)[part];
  }
  return node === undefined;
}

function reworded(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return `must be ${kind(issue.expected)}`;
    case 'invalid_value':
      return issue.values.length === 1 ? `must be ${listValues(issue.values)}` : `must be one of ${listValues(issue.values)}`;
    case 'invalid_format':
      return EXAMPLES[issue.format] ?? `must be in the format ${issue.format}`;
    case 'too_big': {
      const limit = String(issue.maximum);
      if (issue.origin === 'string') return `must be at most ${limit} characters`;
      if (issue.origin === 'array' || issue.origin === 'set') return `must hold at most ${limit} items`;
      return issue.inclusive === false ? `must be less than ${limit}` : `must be at most ${limit}`;
    }
    case 'too_small': {
      const limit = String(issue.minimum);
      if (issue.origin === 'string') return issue.minimum === 1 ? 'must not be empty' : `must be at least ${limit} characters`;
      if (issue.origin === 'array' || issue.origin === 'set') return `must hold at least ${limit} item${limit === '1' ? '' : 's'}`;
      return issue.inclusive === false ? `must be more than ${limit}` : `must be at least ${limit}`;
    }
    case 'not_multiple_of':
      return `must be a multiple of ${String(issue.divisor)}`;
    case 'custom':
    case 'invalid_element':
    case 'invalid_key':
    case 'invalid_union':
    case 'unrecognized_keys':
      return issue.message;
  }
}

/**
 * zod's issues as Ferry's: a path into the input, and a message a person can act on. With the
 * input, a field that was not sent at all is reported as required, saying what it takes.
 */
export function issuesFromZod(error: z.ZodError, input?: unknown): Issue[] {
  return error.issues.map((issue) => {
    const path = issue.path.map((part) => (typeof part === 'symbol' ? String(part) : part));
    if (issue.code === 'unrecognized_keys') return { path, message: `unknown field(s): ${issue.keys.join(', ')}` };
    const isDefault = ZOD_DEFAULT.test(issue.message);
    const message = isDefault ? reworded(issue) : issue.message;
    const missing =
      (issue.code === 'invalid_type' || issue.code === 'invalid_value' || issue.code === 'invalid_union') &&
      path.length > 0 &&
      (input === undefined ? isDefault && issue.message.endsWith('received undefined') : absent(input, path));
    if (!missing) return { path, message };
    if (issue.code === 'invalid_value') return { path, message: `is required: one of ${listValues(issue.values)}` };
    if (issue.code === 'invalid_type' && isDefault) return { path, message: `is required (${kind(issue.expected)})` };
    return { path, message: `is required; it ${message}` };
  });
}
