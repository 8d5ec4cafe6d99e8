/**
 * @module attestation/x509/signature
 * Signature checks with WebCrypto for certificates and App Attest assertions. ECDSA signatures
 * arrive as DER `SEQUENCE { r, s }` (RFC 3279 §2.2.3); WebCrypto wants `r‖s`, each left-padded to
 * the signing key's field size. The signature algorithm must agree with the issuer key type.
 */
import { ECDSASigValue } from '@peculiar/asn1-ecc';
import { AsnConvert } from '@peculiar/asn1-schema';

export const OID = {
  ecPublicKey: '1.2.840.10045.2.1',
  rsaEncryption: '1.2.840.113549.1.1.1',
  p256: '1.2.840.10045.3.1.7',
  p384: '1.3.132.0.34',
  ecdsaSha256: '1.2.840.10045.4.3.2',
  ecdsaSha384: '1.2.840.10045.4.3.3',
  rsaSha256: '1.2.840.113549.1.1.11',
  rsaSha384: '1.2.840.113549.1.1.12',
} as const;

export interface PublicKeyInfo {
  readonly spki: Uint8Array;
  readonly algorithm: string;
  readonly parameters: string | undefined;
}

const CURVES: Record<string, { name: 'P-256' | 'P-384'; size: number }> = {
  [OID.p256]: { name: 'P-256', size: 32 },
  [OID.p384]: { name: 'P-384', size: 48 },
};

const SIGNATURE_HASH: Record<string, { key: 'EC' | 'RSA'; hash: 'SHA-256' | 'SHA-384' }> = {
  [OID.ecdsaSha256]: { key: 'EC', hash: 'SHA-256' },
  [OID.ecdsaSha384]: { key: 'EC', hash: 'SHA-384' },
  [OID.rsaSha256]: { key: 'RSA', hash: 'SHA-256' },
  [OID.rsaSha384]: { key: 'RSA', hash: 'SHA-384' },
};

/** Whether WebCrypto can use this key (EC P-256/P-384 or RSA). */
export function isSupportedKey(key: PublicKeyInfo): boolean {
  return (
    (key.algorithm === OID.ecPublicKey &&
      key.parameters !== undefined &&
      key.parameters in CURVES) ||
    key.algorithm === OID.rsaEncryption
  );
}

/** DER ECDSA signature → raw r‖s for a curve of `size`-byte field elements; null if malformed. */
export function derToRawEcdsa(der: Uint8Array, size: number): Uint8Array | null {
  let value: ECDSASigValue;
  try {
    value = AsnConvert.parse(der, ECDSASigValue);
  } catch {
    return null;
  }
  const out = new Uint8Array(size * 2);
  for (const [index, part] of [value.r, value.s].entries()) {
    let bytes = new Uint8Array(part);
    while (bytes.length > size && bytes[0] === 0) bytes = bytes.slice(1);
    if (bytes.length > size) return null;
    out.set(bytes, index * size + (size - bytes.length));
  }
  return out;
}

/**
 * Imported verification keys by the SPKI bytes they came from (the bytes of a cached certificate
 * live as long as it does) and the import parameters.
 */
const importedKeys = new WeakMap<Uint8Array, Map<string, Promise<CryptoKey>>>();

function verificationKey(
  spki: Uint8Array,
  algorithm: SubtleCryptoImportKeyAlgorithm,
): Promise<CryptoKey> {
  const id = JSON.stringify(algorithm);
  let byAlgorithm = importedKeys.get(spki);
  if (!byAlgorithm) {
    byAlgorithm = new Map();
    importedKeys.set(spki, byAlgorithm);
  }
  let key = byAlgorithm.get(id);
  if (!key) {
    key = crypto.subtle.importKey('spki', spki, algorithm, false, ['verify']);
    // A key that does not import is not remembered: the next call fails the same way.
    key.catch(() => byAlgorithm.delete(id));
    byAlgorithm.set(id, key);
  }
  return key;
}

/** Verifies `signature` (as in X.509: DER for ECDSA) over `data` with `issuerKey`. */
export async function verifySignature(
  issuerKey: PublicKeyInfo,
  signatureAlgorithm: string,
  signature: Uint8Array,
  data: Uint8Array,
): Promise<boolean> {
  const algorithm = SIGNATURE_HASH[signatureAlgorithm];
  if (!algorithm) return false;
  try {
    if (algorithm.key === 'EC') {
      const curve =
        issuerKey.algorithm === OID.ecPublicKey ? CURVES[issuerKey.parameters ?? ''] : undefined;
      if (!curve) return false;
      const raw = derToRawEcdsa(signature, curve.size);
      if (!raw) return false;
      const key = await verificationKey(issuerKey.spki, {
        name: 'ECDSA',
        namedCurve: curve.name,
      });
      return await crypto.subtle.verify({ name: 'ECDSA', hash: algorithm.hash }, key, raw, data);
    }
    if (issuerKey.algorithm !== OID.rsaEncryption) return false;
    const key = await verificationKey(issuerKey.spki, {
      name: 'RSASSA-PKCS1-v1_5',
      hash: algorithm.hash,
    });
    return await crypto.subtle.verify('RSASSA-PKCS1-v1_5', key, signature, data);
  } catch {
    return false;
  }
}
