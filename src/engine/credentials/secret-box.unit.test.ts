import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SecretBox } from './secret-box.ts';

describe('secret box', () => {
  it('round-trips secrets without the plain text appearing in the sealed form', () => {
    const box = new SecretBox(randomBytes(32));
    const sealed = box.seal({ password: 'hunter2-very-secret', securityToken: 'tok' });
    expect(sealed).not.toContain('hunter2');
    expect(box.open(sealed)).toEqual({ password: 'hunter2-very-secret', securityToken: 'tok' });
  });

  it('refuses to open a value sealed with another key or tampered with', () => {
    const sealed = new SecretBox(randomBytes(32)).seal({ password: 'x' });
    expect(() => new SecretBox(randomBytes(32)).open(sealed)).toThrow();
    const box = new SecretBox(randomBytes(32));
    const good = box.seal({ password: 'x' });
    const parts = good.split('.');
    parts[3] = Buffer.from('{"password":"y"}').toString('base64url');
    expect(() => box.open(parts.join('.'))).toThrow();
  });
});
