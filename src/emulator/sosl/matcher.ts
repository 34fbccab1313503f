// Text matching for SOSL: which records a search expression finds. Salesforce's index splits
// field text into words at spaces and punctuation and matches case-insensitively; a term with
// punctuation inside (jane@acme.com, 555-1212) is matched as the phrase of its words. `*` stands
// for any run of characters and `?` for exactly one; a backslash makes either literal.
import type { SearchNode } from './parser.ts';

/** One searchable field's text, split into lower-case words. */
export type FieldWords = string[];

const WORD = /[\p{L}\p{N}]+/gu;

export function wordsOf(text: string): FieldWords {
  return text.toLowerCase().match(WORD) ?? [];
}

/** A phone number is also indexed as its digits alone, so 4155551212 finds (415) 555-1212. */
export function phoneWords(text: string): FieldWords {
  const digits = text.replace(/\D/g, '');
  return digits === '' ? wordsOf(text) : [...wordsOf(text), digits];
}

/** The term's words, each a matcher; wildcards stay inside words. */
function termWords(term: string): RegExp[] {
  const words: string[] = [];
  let current = '';
  for (let i = 0; i < term.length; i += 1) {
    const c = term[i] ?? '';
    if (c === '\\' && i + 1 < term.length) {
      const next = term[++i] ?? '';
      // An escaped letter or digit is itself; escaped punctuation separates words like any other.
      if (/[\p{L}\p{N}]/u.test(next)) current += next;
      else if (current !== '') {
        words.push(current);
        current = '';
      }
    } else if (c === '*' || c === '?' || /[\p{L}\p{N}]/u.test(c)) {
      current += c;
    } else if (current !== '') {
      words.push(current);
      current = '';
    }
  }
  if (current !== '') words.push(current);
  return words.map((w) => new RegExp(`^${[...w.toLowerCase()].map((ch) => (ch === '*' ? '.*' : ch === '?' ? '.' : ch)).join('')}$`, 'u'));
}

function phraseIn(fields: FieldWords[], pattern: RegExp[]): boolean {
  if (pattern.length === 0) return false;
  for (const words of fields) {
    for (let start = 0; start + pattern.length <= words.length; start += 1) {
      if (pattern.every((re, k) => re.test(words[start + k] ?? ''))) return true;
    }
  }
  return false;
}

/** Compiles a search expression into a test over a record's searchable fields. */
export function compileSearch(node: SearchNode): (fields: FieldWords[]) => boolean {
  switch (node.kind) {
    case 'term':
    case 'phrase': {
      const pattern = termWords(node.text);
      return (fields) => phraseIn(fields, pattern);
    }
    case 'and': {
      const l = compileSearch(node.left);
      const r = compileSearch(node.right);
      return (fields) => l(fields) && r(fields);
    }
    case 'or': {
      const l = compileSearch(node.left);
      const r = compileSearch(node.right);
      return (fields) => l(fields) || r(fields);
    }
    case 'andNot': {
      const l = compileSearch(node.left);
      const r = compileSearch(node.right);
      return (fields) => l(fields) && !r(fields);
    }
  }
}
