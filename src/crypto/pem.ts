/**
 * @module pem
 * PEM (RFC 7468) to DER, and base64 (standard alphabet) helpers for binary inputs.
 */

/** Decodes standard base64 (padding optional); null when it is not base64. */
export function decodeBase64(text: string): Uint8Array | null {
  const clean = text.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean) || clean.replace(/=+$/, '').length % 4 === 1)
    return null;
  try {
    return Uint8Array.from(atob(clean), (ch) => ch.charCodeAt(0));
  } catch {
    return null;
  }
}

export function encodeBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** The DER bytes of the first `label` block of a PEM text. */
export function pemToDer(pem: string, label = 'CERTIFICATE'): Uint8Array {
  const match = new RegExp(`-----BEGIN ${label}-----([\\s\\S]+?)-----END ${label}-----`).exec(pem);
  const der = match ? decodeBase64(match[1] as string) : null;
  if (!der) throw new TypeError(`not a PEM ${label}`);
  return der;
}

/** A PEM `label` block of `der` (base64 in lines of 64 characters). */
export function derToPem(der: Uint8Array, label = 'CERTIFICATE'): string {
  const body = encodeBase64(der)
    .replace(/(.{64})/g, '$1\n')
    .replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----`;
}
