/**
 * @module attestation/challenge-response
 * Our `challenge_response` format (Curity's is not public; docs/haapi-protocol.md §2.1 leaves it
 * to us). The form field holds a JSON object; binary members are base64 (standard or url-safe):
 *
 *   Android:         {"platform":"android","x5c":["<leaf DER>", ..., "<root DER>"]}
 *     The leaf's attestationChallenge is SHA-256(challenge); the leaf key is the DPoP key.
 *   iOS attestation: {"platform":"ios","keyId":"…","attestation":"<CBOR>","jkt":"<DPoP key thumbprint>"}
 *   iOS assertion:   {"platform":"ios","keyId":"…","assertion":"<CBOR>","jkt":"…"}
 *   Web (the CAT iframe page): {"platform":"web","origin":"<the embedding page's origin>","jkt":"…"}
 *     The origin must be one of the client's allowed origins (unless the web policy disables origin
 *     verification); the key is the page's non-extractable DPoP key.
 *     clientDataHash = SHA-256("<challenge>.<jkt>"): App Attest keys cannot sign DPoP proofs, so
 *     the DPoP key is bound by hashing its thumbprint with the challenge. An assertion answers with
 *     a key this client attested before (Apple recommends attesting once per key).
 */
import { decodeBase64 } from '../crypto/pem';

export type ChallengeResponse =
  | { platform: 'android'; x5c: Uint8Array[] }
  | { platform: 'ios'; keyId: Uint8Array; attestation: Uint8Array; jkt: string }
  | { platform: 'ios'; keyId: Uint8Array; assertion: Uint8Array; jkt: string }
  | { platform: 'web'; origin: string; jkt: string; deviceIdentifier?: string };

const MAX_CERTIFICATES = 6;

function binary(value: unknown): Uint8Array | null {
  if (typeof value !== 'string' || value.length === 0 || value.length > 65536) return null;
  return decodeBase64(value.replace(/-/g, '+').replace(/_/g, '/'));
}

/** Parses the JSON; null when it is not one of the shapes above. */
export function parseChallengeResponse(text: string): ChallengeResponse | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  if (v.platform === 'android') {
    if (!Array.isArray(v.x5c) || v.x5c.length < 2 || v.x5c.length > MAX_CERTIFICATES) return null;
    const x5c = v.x5c.map(binary);
    return x5c.every((c): c is Uint8Array => c !== null) ? { platform: 'android', x5c } : null;
  }
  if (v.platform === 'web') {
    const jkt = typeof v.jkt === 'string' && /^[A-Za-z0-9_-]{43}$/.test(v.jkt) ? v.jkt : null;
    const origin = typeof v.origin === 'string' && v.origin.length <= 512 ? v.origin : null;
    const device =
      typeof v.deviceIdentifier === 'string' && v.deviceIdentifier.length <= 128
        ? v.deviceIdentifier
        : undefined;
    return jkt && origin
      ? { platform: 'web', origin, jkt, ...(device ? { deviceIdentifier: device } : {}) }
      : null;
  }
  if (v.platform === 'ios') {
    const keyId = binary(v.keyId);
    const jkt = typeof v.jkt === 'string' && /^[A-Za-z0-9_-]{43}$/.test(v.jkt) ? v.jkt : null;
    if (!keyId || keyId.length !== 32 || !jkt) return null;
    if (v.attestation !== undefined && v.assertion === undefined) {
      const attestation = binary(v.attestation);
      return attestation ? { platform: 'ios', keyId, attestation, jkt } : null;
    }
    if (v.assertion !== undefined && v.attestation === undefined) {
      const assertion = binary(v.assertion);
      return assertion ? { platform: 'ios', keyId, assertion, jkt } : null;
    }
  }
  return null;
}
