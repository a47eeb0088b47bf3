import { describe, expect, it } from 'vitest';
import { SecretBox, hashApiSecret, tokenHash, verifyApiSecret } from './secrets';

describe('SecretBox', () => {
  it('opens what it sealed, with a fresh nonce each time', () => {
    const box = new SecretBox('instance-secret-for-tests');
    const a = box.seal('merchant-key-123');
    const b = box.seal('merchant-key-123');
    expect(a).not.toBe(b);
    expect(a).not.toContain('merchant-key-123');
    expect(box.open(a)).toBe('merchant-key-123');
  });

  it('refuses a value sealed with another instance secret or tampered with', () => {
    const sealed = new SecretBox('instance-secret-one').seal('x');
    expect(() => new SecretBox('instance-secret-two').open(sealed)).toThrow();
    const parts = sealed.split('.');
    parts[2] = Buffer.from('y').toString('base64url');
    expect(() => new SecretBox('instance-secret-one').open(parts.join('.'))).toThrow();
  });
});

describe('API secret hashing', () => {
  it('verifies the right secret only and never stores it in clear', () => {
    const stored = hashApiSecret('s3cret-value');
    expect(stored).not.toContain('s3cret-value');
    expect(verifyApiSecret('s3cret-value', stored)).toBe(true);
    expect(verifyApiSecret('s3cret-valuf', stored)).toBe(false);
    expect(verifyApiSecret('s3cret-value', 'garbage')).toBe(false);
  });

  it('hashes tokens deterministically', () => {
    expect(tokenHash('abc')).toBe(tokenHash('abc'));
    expect(tokenHash('abc')).toMatch(/^[0-9a-f]{64}$/);
  });
});
