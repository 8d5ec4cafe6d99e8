/**
 * @module secret-hash
 * Hashing of passwords and client secrets for storage in D1.
 *
 * Stored forms (all fields base64url):
 * - `pbkdf2-sha256$<iterations>$<salt>$<hash>`: PBKDF2-HMAC-SHA256 (RFC 8018 §5.2), used for
 *   passwords and for any secret a person may have chosen. workerd caps PBKDF2 at 100,000
 *   iterations, which is what we use.
 * - `pbkdf2-sha256-peppered$<iterations>$<salt>$<hash>`: the same over HMAC-SHA256(pepper,
 *   password), when a PASSWORD_PEPPER secret is configured: a stolen D1 copy alone is then not
 *   enough to test guesses. Unpeppered hashes still verify and are upgraded at the next login.
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

/** HMAC-SHA256(pepper, secret) as base64url: what a peppered hash stretches. */
async function peppered(secret: string, pepper: string): Promise<string> {
  const key = await crypto.subtle.importKey(
    'raw',
    encoder.encode(pepper),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  return encodeBase64Url(
    new Uint8Array(await crypto.subtle.sign('HMAC', key, encoder.encode(secret))),
  );
}

/** Hashes a password or a secret a person chose (slow hash), with the pepper when there is one. */
export async function hashPassword(secret: string, pepper?: string | null): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const input = pepper ? await peppered(secret, pepper) : secret;
  const hash = await pbkdf2(input, salt, PBKDF2_ITERATIONS);
  const scheme = pepper ? 'pbkdf2-sha256-peppered' : 'pbkdf2-sha256';
  return `${scheme}$${PBKDF2_ITERATIONS}$${encodeBase64Url(salt)}$${encodeBase64Url(hash)}`;
}

/** Whether a stored hash should be recomputed (to add the pepper now configured). */
export function needsRehash(stored: string, pepper?: string | null): boolean {
  return Boolean(pepper) && stored.startsWith('pbkdf2-sha256$');
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
export async function verifySecret(
  secret: string,
  stored: string,
  pepper?: string | null,
): Promise<boolean> {
  const parts = stored.split('$');
  if (parts[0] === 'pbkdf2-sha256-peppered' && parts.length === 4) {
    if (!pepper) return false;
    return verifySecret(
      await peppered(secret, pepper),
      `pbkdf2-sha256$${parts.slice(1).join('$')}`,
    );
  }
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
