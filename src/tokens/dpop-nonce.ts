/**
 * @module tokens/dpop-nonce
 * Stateless DPoP server nonces (RFC 9449 §8, §9): a nonce is the period number it was issued in
 * and an HMAC over it with a key derived from SERVER_SECRET, so any isolate can check it without
 * storage. A nonce is valid in its own period and the next one; the key "rotates" with the
 * period number, and a new SERVER_SECRET invalidates every outstanding nonce at once.
 */
import { decodeBase64Url, encodeBase64Url } from '../crypto/base64url';
import { timingSafeEqualBytes } from '../crypto/constant-time';
import { derivedHmacKey, hmacSha256 } from '../crypto/hmac';

export interface NonceOptions {
  readonly serverSecret: string;
  /** Seconds per period. */
  readonly lifetime: number;
}

async function mac(options: NonceOptions, period: number): Promise<Uint8Array> {
  const key = await derivedHmacKey(options.serverSecret, 'dpop-nonce');
  return (await hmacSha256(key, `dpop-nonce:${period}`)).slice(0, 16);
}

/** The current nonce, to send in `DPoP-Nonce`. */
export async function currentNonce(options: NonceOptions, now: number): Promise<string> {
  const period = Math.floor(now / options.lifetime);
  return `${period.toString(36)}.${encodeBase64Url(await mac(options, period))}`;
}

/** Whether `nonce` was issued by us in the current or the previous period. */
export async function isValidNonce(
  options: NonceOptions,
  nonce: string,
  now: number,
): Promise<boolean> {
  const match = /^([0-9a-z]{1,12})\.([A-Za-z0-9_-]{22})$/.exec(nonce);
  if (!match) return false;
  const period = Number.parseInt(match[1] as string, 36);
  const current = Math.floor(now / options.lifetime);
  if (period !== current && period !== current - 1) return false;
  const presented = decodeBase64Url(match[2] as string);
  return presented !== null && timingSafeEqualBytes(presented, await mac(options, period));
}
