/**
 * @module hmac
 * Keys derived from SERVER_SECRET with HKDF-SHA256 (RFC 5869), one per purpose, and HMAC-SHA256
 * over them. Derived keys are cached per secret and purpose.
 */
import { decodeBase64Url } from './base64url';

export type KeyPurpose =
  | 'dpop-nonce'
  | 'refresh-token'
  | 'attestation-challenge'
  | 'flow-id'
  | 'webauthn-decoy'
  | 'end-session'
  | 'initial-access-token';

const encoder = new TextEncoder();
const cache = new Map<string, Promise<CryptoKey>>();

export function derivedHmacKey(serverSecret: string, purpose: KeyPurpose): Promise<CryptoKey> {
  const cacheKey = `${purpose}\u0000${serverSecret}`;
  let key = cache.get(cacheKey);
  if (!key) {
    key = derive(serverSecret, purpose);
    cache.set(cacheKey, key);
  }
  return key;
}

async function derive(serverSecret: string, purpose: KeyPurpose): Promise<CryptoKey> {
  const material = decodeBase64Url(serverSecret.replace(/\+/g, '-').replace(/\//g, '_'));
  if (!material) throw new TypeError('SERVER_SECRET is not base64url');
  const ikm = await crypto.subtle.importKey('raw', material, 'HKDF', false, ['deriveKey']);
  return crypto.subtle.deriveKey(
    {
      name: 'HKDF',
      hash: 'SHA-256',
      salt: new Uint8Array(0),
      info: encoder.encode(`edge-haapi ${purpose}`),
    },
    ikm,
    { name: 'HMAC', hash: 'SHA-256', length: 256 },
    false,
    ['sign', 'verify'],
  );
}

/** HMAC-SHA256 of a text (UTF-8) or of bytes. */
export async function hmacSha256(key: CryptoKey, data: string | Uint8Array): Promise<Uint8Array> {
  const bytes = typeof data === 'string' ? encoder.encode(data) : data;
  return new Uint8Array(await crypto.subtle.sign('HMAC', key, bytes));
}
