/**
 * @module attestation/ios/auth-data
 * App Attest authenticator data (docs/attestation.md §2.1, §2.4). A dedicated reader, because
 * App Attest differs from WebAuthn: assertions set the AT flag without carrying credential data,
 * and iOS 27 attestations append an extensions map with the ED flag clear. The COSE key and the
 * extensions are CBOR (decoded with tiny-cbor); the fixed fields are byte offsets.
 */
import { type CBORType, decodePartialCBOR } from '@levischuck/tiny-cbor';

export class AuthDataError extends Error {
  override readonly name = 'AuthDataError';
}

export interface AssertionAuthData {
  readonly rpIdHash: Uint8Array;
  readonly flags: number;
  readonly signCount: number;
}

export interface AttestationAuthData extends AssertionAuthData {
  readonly aaguid: Uint8Array;
  readonly credentialId: Uint8Array;
  /** The credential key as raw uncompressed point 04‖x‖y (P-256). */
  readonly publicPoint: Uint8Array;
  /** iOS 27: `apple_bundle_version_01`, `apple_validation_category_01`, ... when present. */
  readonly extensions: ReadonlyMap<string, CBORType> | null;
}

/** The 37-byte head shared by attestations and assertions. */
export function parseAssertionAuthData(bytes: Uint8Array): AssertionAuthData {
  if (bytes.length < 37) throw new AuthDataError('authenticator data is shorter than 37 bytes');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return {
    rpIdHash: bytes.slice(0, 32),
    flags: bytes[32] as number,
    signCount: view.getUint32(33),
  };
}

export function parseAttestationAuthData(bytes: Uint8Array): AttestationAuthData {
  const head = parseAssertionAuthData(bytes);
  if (bytes.length < 55) throw new AuthDataError('attested credential data is missing');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const aaguid = bytes.slice(37, 53);
  const idLength = view.getUint16(53);
  const keyStart = 55 + idLength;
  if (bytes.length <= keyStart) throw new AuthDataError('credential id overruns the data');
  const credentialId = bytes.slice(55, keyStart);
  let cose: CBORType;
  let used: number;
  try {
    [cose, used] = decodePartialCBOR(bytes, keyStart);
  } catch (cause) {
    throw new AuthDataError('the credential public key is not CBOR', { cause });
  }
  const publicPoint = coseToPoint(cose);
  let extensions: Map<string, CBORType> | null = null;
  const rest = keyStart + used;
  if (rest < bytes.length) {
    let decoded: CBORType;
    let extra: number;
    try {
      [decoded, extra] = decodePartialCBOR(bytes, rest);
    } catch (cause) {
      throw new AuthDataError('trailing authenticator data is not CBOR', { cause });
    }
    if (!(decoded instanceof Map) || rest + extra !== bytes.length) {
      throw new AuthDataError('unexpected trailing authenticator data');
    }
    extensions = new Map([...decoded].map(([k, v]) => [String(k), v]));
  }
  return { ...head, aaguid, credentialId, publicPoint, extensions };
}

/** COSE_Key (RFC 9053 §7.1.1) EC2 P-256 → 04‖x‖y. */
function coseToPoint(cose: CBORType): Uint8Array {
  if (!(cose instanceof Map))
    throw new AuthDataError('the credential public key is not a COSE map');
  const kty = cose.get(1);
  const crv = cose.get(-1);
  const x = cose.get(-2);
  const y = cose.get(-3);
  if (
    kty !== 2 ||
    crv !== 1 ||
    !(x instanceof Uint8Array) ||
    !(y instanceof Uint8Array) ||
    x.length !== 32 ||
    y.length !== 32
  ) {
    throw new AuthDataError('the credential public key is not an EC2 P-256 key');
  }
  const point = new Uint8Array(65);
  point[0] = 4;
  point.set(x, 1);
  point.set(y, 33);
  return point;
}
