import { z } from 'zod';
import type { Issue } from './entity.ts';

/**
 * Text Ferry can store and send. Postgres refuses U+0000 in `text` and `jsonb`, and a lone UTF-16
 * surrogate ("\ud800" without its pair) is not Unicode: jsonb refuses its escape and Salesforce
 * cannot take it. Both reach Ferry only through JSON escapes or CSV cells, so every string that
 * comes in is checked here, once, with a message that says which character and where.
 */
const NUL = '\u0000';
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why `value` cannot be stored, or undefined when it can. */
export function unsafeTextReason(value: string): string | undefined {
  const nul = value.indexOf(NUL);
  if (nul >= 0) return `contains a NUL character (U+0000) at position ${nul + 1}, which Ferry cannot store; remove it`;
  const surrogate = LONE_SURROGATE.exec(value);
  if (surrogate !== null) {
    const code = surrogate[0].charCodeAt(0).toString(16).toUpperCase();
    return `contains a lone surrogate (U+${code}) at position ${surrogate.index + 1}, which is not valid Unicode; send the character itself or a complete surrogate pair`;
  }
  return undefined;
}

/** A string that Ferry can store: the base of every free-text field and query value. */
export function safeString(params?: Parameters<typeof z.string>[0]) {
  return z.string(params).superRefine((value, context) => {
    const reason = unsafeTextReason(value);
    if (reason !== undefined) context.addIssue({ code: 'custom', message: reason, input: value });
  });
}

/** Enough to show what is wrong; a body full of NULs must not answer with a million details. */
const MAX_ISSUES = 50;

/**
 * Every unstorable string in a JSON value, names of fields included, with its path (at most 50).
 * Walks with its own stack: a body may nest deeper than the call stack allows.
 */
export function unsafeTextIssues(value: unknown, at: (string | number)[] = []): Issue[] {
  const issues: Issue[] = [];
  const stack: { value: unknown; path: (string | number)[] }[] = [{ value, path: at }];
  while (stack.length > 0 && issues.length < MAX_ISSUES) {
    const { value: node, path } = stack.pop()!;
    if (typeof node === 'string') {
      const reason = unsafeTextReason(node);
      if (reason !== undefined) issues.push({ path, message: reason });
    } else if (Array.isArray(node)) {
      for (let index = node.length - 1; index >= 0; index--) stack.push({ value: node[index] as unknown, path: [...path, index] });
    } else if (typeof node === 'object' && node !== null) {
      const entries = Object.entries(node);
      for (const [key] of entries) {
        const reason = unsafeTextReason(key);
        if (reason !== undefined) issues.push({ path, message: `has a field name that ${reason}` });
      }
      for (const [key, item] of entries.reverse()) stack.push({ value: item, path: [...path, key] });
    }
  }
  return issues.slice(0, MAX_ISSUES);
}
