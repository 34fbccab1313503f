import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Encrypts credential secrets at rest with AES-256-GCM (authenticated: a tampered or wrongly-keyed
 * value fails to open instead of yielding garbage). Stored form: `v1.<iv>.<tag>.<ciphertext>`,
 * base64url parts. The key never leaves this object.
 */
export class SecretBox {
  readonly #key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== 32) throw new Error('The secret key must be 32 bytes (base64 of 32 random bytes).');
    this.#key = key;
  }

  /** From FERRY_SECRET_KEY (base64 or base64url of 32 bytes). */
  static fromBase64(value: string): SecretBox {
    return new SecretBox(Buffer.from(value, 'base64'));
  }

  /**
   * Reads the key file, or creates it with 0600 permissions when absent. Processes sharing a
   * Postgres server on several machines must share one key: set FERRY_SECRET_KEY there instead.
   */
  static fromFile(path: string): SecretBox {
    if (!existsSync(path)) {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
    }
    chmodSync(path, 0o600);
    return SecretBox.fromBase64(readFileSync(path, 'utf8').trim());
  }

  /** A MAC for values Ferry hands out and must recognise later (OAuth state). */
  stateMac(value: string): string {
    return createHmac('sha256', this.#key).update(`ferry-oauth-state:${value}`).digest('base64url');
  }

  seal(plain: Record<string, string>): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    const body = Buffer.concat([cipher.update(JSON.stringify(plain), 'utf8'), cipher.final()]);
    return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
  }

  open(sealed: string): Record<string, string> {
    const [version, iv, tag, body] = sealed.split('.');
    if (version !== 'v1' || iv === undefined || tag === undefined || body === undefined) throw new Error('Unrecognised sealed secret.');
    const decipher = createDecipheriv('aes-256-gcm', this.#key, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    const plain = Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
    return JSON.parse(plain) as Record<string, string>;
  }
}
