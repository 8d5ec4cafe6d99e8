/**
 * @module attestation/ios/verify-attestation
 * Apple App Attest attestation verification ("Validating apps that connect to your server",
 * docs/attestation.md §2.2). Steps, in the order the reasons are reported:
 *  0. The object is CBOR {fmt: "apple-appattest", attStmt: {x5c, receipt}, authData} → format_invalid.
 *  1. "Verify that the x5c array contains the intermediate and leaf certificates for App Attest,
 *     starting from the credential certificate... Verify the validity of the certificates using
 *     Apple's App Attest root certificate." → untrusted_root, chain_signature_invalid,
 *     certificate_not_yet_valid, certificate_expired.
 *  2–4. "Create clientDataHash... Append that hash to the end of the authenticator data... Generate
 *     a new SHA256 hash of the composite item to create nonce. Obtain the value of the credCert
 *     extension with OID 1.2.840.113635.100.8.2... Verify that nonce matches" → nonce_mismatch.
 *  5. "Create the SHA256 hash of the public key in credCert, and verify that it matches the key
 *     identifier from your app." → key_id_mismatch.
 *  6. "Compute the SHA256 hash of your app's App ID, and verify that it's the same as the
 *     authenticator data's RP ID hash." → rp_id_mismatch.
 *  7. "Verify that the authenticator data's counter field equals 0." → counter_not_zero.
 *  8. "Verify that the authenticator data's aaguid field is either appattestdevelop if operating
 *     in the development environment, or appattest followed by seven 0x00 bytes if operating in
 *     the production environment." → environment_mismatch.
 *  9. "Verify that the authenticator data's credentialId field is the same as the key
 *     identifier." → credential_id_mismatch.
 */
import { decodeCBOR } from '@levischuck/tiny-cbor';
import { AsnConvert } from '@peculiar/asn1-schema';
import { SubjectPublicKeyInfo } from '@peculiar/asn1-x509';
import * as asn1js from 'asn1js';
import { timingSafeEqualBytes } from '../../crypto/constant-time';
import { sha256 } from '../../crypto/digest';
import { type ParsedCertificate, parseCertificate } from '../x509/certificate';
import { anchorOf, signaturesChain, validityProblem } from '../x509/chain';
import { type AttestationAuthData, parseAttestationAuthData } from './auth-data';

export const APPLE_NONCE_OID = '1.2.840.113635.100.8.2';
export type AppAttestEnvironment = 'production' | 'development';

export type AppAttestReason =
  | 'format_invalid'
  | 'untrusted_root'
  | 'chain_signature_invalid'
  | 'certificate_not_yet_valid'
  | 'certificate_expired'
  | 'nonce_mismatch'
  | 'key_id_mismatch'
  | 'rp_id_mismatch'
  | 'counter_not_zero'
  | 'environment_mismatch'
  | 'credential_id_mismatch';

export interface AppAttestCheck {
  readonly anchors: readonly ParsedCertificate[];
  /** `TEAMID.bundleId` values this client may be. */
  readonly appIds: readonly string[];
  readonly allowedEnvironments: readonly AppAttestEnvironment[];
}

export interface AppAttestEvidence {
  readonly platform: 'ios';
  readonly environment: AppAttestEnvironment;
  readonly appId: string;
  /** The attested key as SubjectPublicKeyInfo DER (P-256), stored for assertions. */
  readonly publicKeySpki: Uint8Array;
  readonly receipt: Uint8Array | null;
}

export type AppAttestResult =
  | { readonly valid: true; readonly evidence: AppAttestEvidence }
  | { readonly valid: false; readonly reason: AppAttestReason };

const fail = (reason: AppAttestReason): AppAttestResult => ({ valid: false, reason });
const AAGUID_DEVELOPMENT = new TextEncoder().encode('appattestdevelop');
const AAGUID_PRODUCTION = Uint8Array.from([
  ...new TextEncoder().encode('appattest'),
  0,
  0,
  0,
  0,
  0,
  0,
  0,
]);

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** The nonce in credCert's 1.2.840.113635.100.8.2 extension: SEQUENCE { [1] EXPLICIT OCTET STRING }. */
function certificateNonce(cert: ParsedCertificate): Uint8Array | null {
  const value = cert.extensions.get(APPLE_NONCE_OID);
  if (!value) return null;
  const decoded = asn1js.fromBER(value);
  if (!(decoded.result instanceof asn1js.Sequence)) return null;
  for (const item of decoded.result.valueBlock.value) {
    if (
      item.idBlock.tagClass === 3 &&
      item.idBlock.tagNumber === 1 &&
      item instanceof asn1js.Constructed
    ) {
      const inner = item.valueBlock.value[0];
      if (inner instanceof asn1js.OctetString) return new Uint8Array(inner.valueBlock.valueHexView);
    }
  }
  return null;
}

interface Decoded {
  x5c: Uint8Array[];
  receipt: Uint8Array | null;
  authData: Uint8Array;
}

function decodeAttestationObject(object: Uint8Array): Decoded | null {
  try {
    const decoded = decodeCBOR(object);
    if (!(decoded instanceof Map) || decoded.get('fmt') !== 'apple-appattest') return null;
    const statement = decoded.get('attStmt');
    const authData = decoded.get('authData');
    if (!(statement instanceof Map) || !(authData instanceof Uint8Array)) return null;
    const x5c = statement.get('x5c');
    if (!Array.isArray(x5c) || x5c.length !== 2 || !x5c.every((c) => c instanceof Uint8Array))
      return null;
    const receipt = statement.get('receipt');
    return {
      x5c: x5c as Uint8Array[],
      receipt: receipt instanceof Uint8Array ? receipt : null,
      authData,
    };
  } catch {
    return null;
  }
}

export async function verifyAppAttestation(
  attestationObject: Uint8Array,
  keyId: Uint8Array,
  clientDataHash: Uint8Array,
  now: Date,
  check: AppAttestCheck,
): Promise<AppAttestResult> {
  // Step 0
  const decoded = decodeAttestationObject(attestationObject);
  if (!decoded) return fail('format_invalid');
  let chain: ParsedCertificate[];
  let authData: AttestationAuthData;
  try {
    chain = decoded.x5c.map(parseCertificate);
    authData = parseAttestationAuthData(decoded.authData);
  } catch {
    return fail('format_invalid');
  }
  const [credCert, intermediate] = chain as [ParsedCertificate, ParsedCertificate];
  // Step 1
  if (
    intermediate.isCa !== true ||
    (await anchorOf(intermediate, check.anchors)) !== 'signed-by-anchor'
  ) {
    return fail('untrusted_root');
  }
  if (!(await signaturesChain(chain))) return fail('chain_signature_invalid');
  const problem = validityProblem(chain, now);
  if (problem) return fail(problem);
  // Steps 2–4
  const nonce = await sha256(concat(decoded.authData, clientDataHash));
  const certNonce = certificateNonce(credCert);
  if (!certNonce || !timingSafeEqualBytes(certNonce, nonce)) return fail('nonce_mismatch');
  // Step 5
  const point = new Uint8Array(
    AsnConvert.parse(credCert.spki, SubjectPublicKeyInfo).subjectPublicKey,
  );
  if (!timingSafeEqualBytes(await sha256(point), keyId)) return fail('key_id_mismatch');
  // Step 6
  let appId: string | undefined;
  for (const candidate of check.appIds) {
    if (timingSafeEqualBytes(await sha256(candidate), authData.rpIdHash)) appId = candidate;
  }
  if (!appId) return fail('rp_id_mismatch');
  // Step 7
  if (authData.signCount !== 0) return fail('counter_not_zero');
  // Step 8
  const environment: AppAttestEnvironment | null = timingSafeEqualBytes(
    authData.aaguid,
    AAGUID_PRODUCTION,
  )
    ? 'production'
    : timingSafeEqualBytes(authData.aaguid, AAGUID_DEVELOPMENT)
      ? 'development'
      : null;
  if (!environment || !check.allowedEnvironments.includes(environment))
    return fail('environment_mismatch');
  // Step 9
  if (!timingSafeEqualBytes(authData.credentialId, keyId)) return fail('credential_id_mismatch');
  return {
    valid: true,
    evidence: {
      platform: 'ios',
      environment,
      appId,
      publicKeySpki: credCert.spki,
      receipt: decoded.receipt,
    },
  };
}
