/**
 * @module random
 * Unguessable identifiers and secrets from the platform CSPRNG.
 */
import { encodeBase64Url } from './base64url';

/** `bytes` random bytes as base64url (32 bytes: 256 bits, 43 characters). */
export function randomToken(bytes = 32): string {
  return encodeBase64Url(crypto.getRandomValues(new Uint8Array(bytes)));
}
