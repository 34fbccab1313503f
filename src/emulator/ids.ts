// Salesforce record ids: 15 case-sensitive base62 characters, the first three naming the object
// (the key prefix). REST answers with the 18-character form, whose last three characters encode
// which of the first fifteen are upper case, so that case-insensitive tools can tell ids apart.

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const CHECKSUM_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';
const ID_PATTERN = /^[a-zA-Z0-9]{15}(?:[A-Z0-5]{3})?$/;

/** The three checksum characters for a 15-character id. */
export function idChecksum(id15: string): string {
  let suffix = '';
  for (let chunk = 0; chunk < 3; chunk += 1) {
    let bits = 0;
    for (let i = 0; i < 5; i += 1) {
      const c = id15.charCodeAt(chunk * 5 + i);
      if (c >= 65 && c <= 90) bits |= 1 << i;
    }
    suffix += CHECKSUM_ALPHABET[bits];
  }
  return suffix;
}

export function toId18(id: string): string {
  return id.length === 18 ? id : id + idChecksum(id);
}

/** Normalises a 15- or 18-character id to 18 characters, or undefined if it is malformed. */
export function normalizeId(id: string): string | undefined {
  if (!ID_PATTERN.test(id)) return undefined;
  const id15 = id.slice(0, 15);
  if (id.length === 18 && id.slice(15) !== idChecksum(id15)) {
    // Salesforce accepts an 18-char id whose suffix was upper-cased by a case-insensitive tool,
    // but not one that names a different 15-char id.
    if (id.slice(15).toUpperCase() !== idChecksum(id15)) return undefined;
  }
  return id15 + idChecksum(id15);
}

export function isIdLike(value: string): boolean {
  return ID_PATTERN.test(value);
}

export function keyPrefixOf(id: string): string {
  return id.slice(0, 3);
}

export function toBase62(n: number, width: number): string {
  let s = '';
  let v = Math.floor(n);
  while (v > 0) {
    s = BASE62[v % 62] + s;
    v = Math.floor(v / 62);
  }
  return s.padStart(width, '0');
}

export function fromBase62(s: string): number {
  let v = 0;
  for (const c of s) v = v * 62 + BASE62.indexOf(c);
  return v;
}

/**
 * Hands out ids per key prefix from a counter. Ids of one object sort in creation order because
 * the counter is left-padded base62 and base62 digits are in ASCII order.
 */
export class IdGenerator {
  #counters = new Map<string, number>();
  // Two fixed characters stand where a real org puts its pod, like "5g" in 0015g00000AbCdE.
  static readonly POD = '8X';

  next(prefix: string): string {
    const n = (this.#counters.get(prefix) ?? 0) + 1;
    this.#counters.set(prefix, n);
    return toId18(prefix + IdGenerator.POD + toBase62(n, 10));
  }

  /** Counter state, for snapshots. */
  export(): Record<string, number> {
    return Object.fromEntries(this.#counters);
  }

  import(state: Record<string, number>): void {
    this.#counters = new Map(Object.entries(state));
  }

  /** Makes sure ids loaded from elsewhere are never handed out again. */
  observe(id: string): void {
    const prefix = id.slice(0, 3);
    if (id.slice(3, 5) !== IdGenerator.POD) return;
    const n = fromBase62(id.slice(5, 15));
    if (n > (this.#counters.get(prefix) ?? 0)) this.#counters.set(prefix, n);
  }
}

/** The 8-character base62 random strings Salesforce uses in tokens and secrets. */
export function randomToken(length: number): string {
  const bytes = new Uint8Array(length);
  crypto.getRandomValues(bytes);
  let s = '';
  for (const b of bytes) s += BASE62[b % 62];
  return s;
}
