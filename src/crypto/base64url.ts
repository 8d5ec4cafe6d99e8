/**
 * @module base64url
 * Base64url without padding (RFC 4648 §5), the encoding of JOSE and of our opaque values, and
 * lower-case hex (§8) of hashes, serial numbers and digests.
 */

/**
 * The platform's own base64 and hex of byte arrays (ES2026 `Uint8Array.prototype.toBase64`,
 * `toHex`, `Uint8Array.fromBase64`; workerd has them), used where present: one native call
 * instead of a string built byte by byte and rewritten by three regular expressions. Node 20 (the
 * admin scripts and the bench) has none: the portable code below does the same there.
 */
interface NativeEncodings {
  toBase64?: (this: Uint8Array, options: { alphabet: 'base64url'; omitPadding: boolean }) => string;
  toHex?: (this: Uint8Array) => string;
}
interface NativeDecoding {
  fromBase64?: (text: string, options: { alphabet: 'base64url' }) => Uint8Array;
}
const native = Uint8Array.prototype as NativeEncodings;
const nativeFrom = (Uint8Array as NativeDecoding).fromBase64;
const URL_OPTIONS = { alphabet: 'base64url', omitPadding: true } as const;

export function encodeBase64Url(bytes: Uint8Array): string {
  if (native.toBase64) return native.toBase64.call(bytes, URL_OPTIONS);
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

const BASE64URL = /^[A-Za-z0-9_-]*={0,2}$/;

/** Decodes base64url (padding optional); returns null for anything that is not base64url. */
export function decodeBase64Url(text: string): Uint8Array | null {
  if (!BASE64URL.test(text)) return null;
  const unpadded = text.replace(/=+$/, '');
  if (unpadded.length % 4 === 1) return null;
  if (nativeFrom) {
    try {
      return nativeFrom(unpadded, { alphabet: 'base64url' });
    } catch {
      return null;
    }
  }
  const base64 = unpadded.replace(/-/g, '+').replace(/_/g, '/');
  const binary = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Two hex digits per byte value, built once (for platforms without `toHex`). */
const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

/** Lower-case hex of bytes. */
export function encodeHex(bytes: Uint8Array): string {
  if (native.toHex) return native.toHex.call(bytes);
  let hex = '';
  for (const byte of bytes) hex += HEX[byte];
  return hex;
}
