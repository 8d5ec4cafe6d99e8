import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { randomToken } from '../../../src/crypto/random';
import { hashGeneratedSecret, hashPassword, verifySecret } from '../../../src/crypto/secret-hash';
import { encodingCases } from '../../support/encoding-cases';

describe('base64url and hex with the native encodings (workerd)', () => {
  it('runs where the platform has Uint8Array.prototype.toBase64', () => {
    expect(typeof (Uint8Array.prototype as { toBase64?: unknown }).toBase64).toBe('function');
  });
  encodingCases();
});

describe('Secret hashing (src/crypto/secret-hash.ts)', () => {
  it('PBKDF2 hashes verify the password and nothing else', async () => {
    const stored = await hashPassword('correct horse');
    expect(stored).toMatch(/^pbkdf2-sha256\$100000\$[\w-]{22}\$[\w-]{43}$/);
    expect(await verifySecret('correct horse', stored)).toBe(true);
    expect(await verifySecret('correct horse ', stored)).toBe(false);
    expect(await hashPassword('correct horse')).not.toBe(stored);
  });

  it('generated secrets use a salted SHA-256 and must carry 256 bits', async () => {
    const secret = randomToken();
    const stored = await hashGeneratedSecret(secret);
    expect(stored).toMatch(/^sha256\$/);
    expect(await verifySecret(secret, stored)).toBe(true);
    expect(await verifySecret(randomToken(), stored)).toBe(false);
    await expect(hashGeneratedSecret('short')).rejects.toThrow(RangeError);
  });

  it('a malformed stored hash never matches and never throws', async () => {
    for (const stored of [
      '',
      'plain',
      'pbkdf2-sha256$x$y$z',
      'pbkdf2-sha256$9999999$AA$AA',
      'sha256$!!$AA',
      'md5$a$b',
    ]) {
      expect(await verifySecret('x', stored)).toBe(false);
    }
  });

  it('every demo secret and password in seed/demo.sql is Password1 (docs/design.md §7)', async () => {
    const hashes = env.TEST_SEED_SQL.match(/pbkdf2-sha256\$[^']+/g) ?? [];
    expect(hashes.length).toBe(3);
    for (const stored of hashes) {
      expect(await verifySecret('Password1', stored)).toBe(true);
      expect(await verifySecret('password1', stored)).toBe(false);
    }
  });
});
