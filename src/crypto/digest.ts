/**
 * @module digest
 * The hashes the rest of the code needs: SHA-256, and SHA-512 for EdDSA's `at_hash`.
 */
import { encodeBase64Url, encodeHex } from './base64url';

const encoder = new TextEncoder();

export async function sha256(data: Uint8Array | string): Promise<Uint8Array> {
  const bytes = typeof data === 'string' ? encoder.encode(data) : data;
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
}

export async function sha512(data: Uint8Array | string): Promise<Uint8Array> {
  const bytes = typeof data === 'string' ? encoder.encode(data) : data;
  return new Uint8Array(await crypto.subtle.digest('SHA-512', bytes));
}

export async function sha256Base64Url(data: Uint8Array | string): Promise<string> {
  return encodeBase64Url(await sha256(data));
}

export async function sha256Hex(data: Uint8Array | string): Promise<string> {
  return encodeHex(await sha256(data));
}
