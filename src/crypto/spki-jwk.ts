/**
 * @module spki-jwk
 * An attested key (SubjectPublicKeyInfo DER) as a public JWK and its RFC 7638 thumbprint, so that
 * it can be compared with the `jwk` of DPoP proofs. EC P-256/P-384 and RSA keys.
 */
import { calculateJwkThumbprint, exportJWK, type JWK } from 'jose';

const EC_CURVES: Record<string, string> = { 'P-256': 'P-256', 'P-384': 'P-384' };

export async function spkiToJwk(spki: Uint8Array): Promise<JWK> {
  for (const curve of Object.keys(EC_CURVES)) {
    try {
      const key = await crypto.subtle.importKey(
        'spki',
        spki,
        { name: 'ECDSA', namedCurve: curve },
        true,
        ['verify'],
      );
      return exportJWK(key);
    } catch {
      // not this curve
    }
  }
  const key = await crypto.subtle.importKey(
    'spki',
    spki,
    { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
    true,
    ['verify'],
  );
  const { kty, n, e } = await exportJWK(key);
  return { kty, n, e };
}

export async function spkiThumbprint(spki: Uint8Array): Promise<string> {
  const { kty, crv, x, y, n, e } = await spkiToJwk(spki);
  return calculateJwkThumbprint({ kty, crv, x, y, n, e } as JWK, 'sha256');
}
