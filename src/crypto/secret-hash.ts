/**
 * @module secret-hash
 * Hashing of passwords and client secrets for storage in D1.
 *
 * Stored forms (all fields base64url):
 * - `pbkdf2-sha256$<iterations>$<salt>$<hash>`: PBKDF2-HMAC-SHA256 (RFC 8018 §5.2), used for
 *   passwords and for any secret a person may have chosen. workerd caps PBKDF2 at 100,000
 *   iterations, which is what we use.
 * - `sha256$<salt>$<hash>`: one salted SHA-256, used only for secrets of at least 256 bits that the
 *   server generated itself (dynamic clients, registration access tokens), where a slow hash
 *   adds nothing but CPU.
 *
 * Verification recomputes the hash and compares in constant time.
 */
import { decodeBase64Url, encodeBase64Url } from './base64url';
import { timingSafeEqualBytes } from './constant-time';
import { sha256 } from './digest';

export const PBKDF2_ITERATIONS = 100_000;
const encoder = new TextEncoder();

async function pbkdf2(secret: string, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey('raw', encoder.encode(secret), 'PBKDF2', false, [
    'deriveBits',
  ]);
  const bits = await crypto.subtle.deriveBits(
    { name: 'PBKDF2', hash: 'SHA-256', salt, iterations },
    key,
    256,
  );
  return new Uint8Array(bits);
}

async function saltedSha256(secret: string, salt: Uint8Array): Promise<Uint8Array> {
  const data = encoder.encode(secret);
  const input = new Uint8Array(salt.length + data.length);
  input.set(salt);
  input.set(data, salt.length);
  return sha256(input);
}

/** Hashes a password or a secret a person chose (slow hash). */
export async function hashPassword(secret: string): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const hash = await pbkdf2(secret, salt, PBKDF2_ITERATIONS);
  return `pbkdf2-sha256$${PBKDF2_ITERATIONS}$${encodeBase64Url(salt)}$${encodeBase64Url(hash)}`;
}

/** Hashes a secret of at least 256 bits that the server generated (fast hash). */
export async function hashGeneratedSecret(secret: string): Promise<string> {
  if (secret.length < 43) throw new RangeError('generated secrets must carry at least 256 bits');
  const salt = crypto.getRandomValues(new Uint8Array(16));
  return `sha256$${encodeBase64Url(salt)}$${encodeBase64Url(await saltedSha256(secret, salt))}`;
}

/**
 * Checks `secret` against a stored hash. Unknown or malformed stored forms never match (and are
 * not an exception: a bad row must not turn into a 500 for the client).
 */
export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts[0] === 'pbkdf2-sha256' && parts.length === 4) {
    const iterations = Number(parts[1]);
    const salt = decodeBase64Url(parts[2] ?? '');
    const expected = decodeBase64Url(parts[3] ?? '');
    if (!Number.isInteger(iterations) || iterations < 1 || iterations > PBKDF2_ITERATIONS) {
      return false;
    }
    if (!salt || !expected) return false;
    return timingSafeEqualBytes(await pbkdf2(secret, salt, iterations), expected);
  }
  if (parts[0] === 'sha256' && parts.length === 3) {
    const salt = decodeBase64Url(parts[1] ?? '');
    const expected = decodeBase64Url(parts[2] ?? '');
    if (!salt || !expected) return false;
    return timingSafeEqualBytes(await saltedSha256(secret, salt), expected);
  }
  return false;
}
