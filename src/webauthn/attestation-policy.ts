/**
 * @module webauthn/attestation-policy
 * What a WebAuthn authenticator's configuration demands of a device's attestation at
 * registration, decided after @simplewebauthn/server has verified the ceremony and the
 * attestation statement's signature:
 *  - `allowedAaguids`: only these authenticator models (AAGUIDs) may register;
 *  - the FIDO metadata of the AAGUID (webauthn/metadata.ts) must not report it compromised
 *    (`REVOKED`, `ATTESTATION_KEY_COMPROMISE`, `USER_VERIFICATION_BYPASS`,
 *    `USER_KEY_REMOTE_COMPROMISE`, `USER_KEY_PHYSICAL_COMPROMISE`);
 *  - trust: the statement's certificate path (`x5c`) chains to a root of the AAGUID's metadata,
 *    or, for `apple` and `android-key` statements, to Apple's WebAuthn root or Google's hardware
 *    attestation roots; names, signatures and validity at `now` are checked (attestation/x509).
 *    `none` and self attestation are never trusted. `requireTrustedAttestation` refuses an
 *    untrusted device; otherwise the verdict is only recorded.
 */
import { SettingsService } from '@simplewebauthn/server';
import { decodeAttestationObject } from '@simplewebauthn/server/helpers';
import { type ParsedCertificate, parseCertificate } from '../attestation/x509/certificate';
import { anchorOf, namesChain, signaturesChain, validityProblem } from '../attestation/x509/chain';
import { decodeBase64, pemToDer } from '../crypto/pem';

export const ATTESTATION_CONVEYANCES = ['none', 'indirect', 'direct', 'enterprise'] as const;
export type AttestationConveyance = (typeof ATTESTATION_CONVEYANCES)[number];

export interface WebauthnAttestationPolicy {
  readonly conveyance: AttestationConveyance;
  /** Lower-case AAGUIDs that may register; null: any. */
  readonly allowedAaguids: readonly string[] | null;
  readonly requireTrustedAttestation: boolean;
}

/** What the FIDO metadata says of one authenticator model (storage/webauthn-metadata.ts). */
export interface AuthenticatorMetadata {
  readonly aaguid: string;
  readonly description: string;
  /** Base64 (standard) DER certificates its attestations chain to. */
  readonly attestationRootCertificates: readonly string[];
  /** The latest status report's status (e.g. `FIDO_CERTIFIED_L1`, `REVOKED`). */
  readonly status: string | null;
}

/** Statuses after which an authenticator model must not register (FIDO MDS3 §3.1.4). */
const COMPROMISED = new Set([
  'REVOKED',
  'ATTESTATION_KEY_COMPROMISE',
  'USER_VERIFICATION_BYPASS',
  'USER_KEY_REMOTE_COMPROMISE',
  'USER_KEY_PHYSICAL_COMPROMISE',
]);

/** The platform roots @simplewebauthn/server ships for statements that name their vendor. */
const VENDOR_ROOTS: Readonly<Record<string, 'apple' | 'android-key'>> = {
  apple: 'apple',
  'android-key': 'android-key',
};

export class AttestationRefused extends Error {
  constructor(
    readonly reason: 'aaguid_not_allowed' | 'authenticator_compromised' | 'attestation_untrusted',
  ) {
    super(reason);
  }
}

export interface AttestationVerdict {
  /** The statement's format (`none`, `packed`, `tpm`, `android-key`, `apple`, …). */
  readonly fmt: string;
  /** The path chained to a trusted root. */
  readonly trusted: boolean;
}

/** Roots parsed once per isolate, by their text (base64 DER or PEM); null: not a certificate. */
const parsedRoots = new Map<string, ParsedCertificate | null>();
function root(text: string, decode: (text: string) => Uint8Array | null): ParsedCertificate | null {
  let cert = parsedRoots.get(text);
  if (cert === undefined) {
    const der = decode(text);
    try {
      cert = der ? parseCertificate(der) : null;
    } catch {
      cert = null;
    }
    parsedRoots.set(text, cert);
  }
  return cert;
}

function anchorsFor(fmt: string, metadata: AuthenticatorMetadata | null): ParsedCertificate[] {
  const vendor = VENDOR_ROOTS[fmt];
  const anchors = [
    ...(metadata?.attestationRootCertificates ?? []).map((b64) => root(b64, decodeBase64)),
    ...(vendor ? SettingsService.getRootCertificates({ identifier: vendor }) : []).map((pem) =>
      root(pem, (text) => pemToDer(text)),
    ),
  ];
  return anchors.filter((cert): cert is ParsedCertificate => cert !== null);
}

/** Whether the statement's `x5c` chains to one of `anchors`, every certificate valid at `now`. */
async function chainsTo(
  x5c: readonly Uint8Array[],
  anchors: readonly ParsedCertificate[],
  now: Date,
): Promise<boolean> {
  if (x5c.length === 0 || anchors.length === 0) return false;
  let chain: ParsedCertificate[];
  try {
    chain = x5c.map((der) => parseCertificate(der));
  } catch {
    return false;
  }
  if (validityProblem(chain, now) !== null) return false;
  if (!namesChain(chain) || !(await signaturesChain(chain))) return false;
  return (await anchorOf(chain[chain.length - 1] as ParsedCertificate, anchors)) !== null;
}

/**
 * Applies `policy` to a verified registration's attestation (`attestationObject`, the raw CBOR).
 * Throws AttestationRefused; returns the verdict otherwise.
 */
export async function checkAttestation(
  policy: WebauthnAttestationPolicy,
  registration: { readonly aaguid: string; readonly attestationObject: Uint8Array },
  metadata: AuthenticatorMetadata | null,
  now: Date,
): Promise<AttestationVerdict> {
  const aaguid = registration.aaguid.toLowerCase();
  if (policy.allowedAaguids && !policy.allowedAaguids.includes(aaguid))
    throw new AttestationRefused('aaguid_not_allowed');
  if (metadata?.status && COMPROMISED.has(metadata.status))
    throw new AttestationRefused('authenticator_compromised');
  const decoded = decodeAttestationObject(
    registration.attestationObject as Parameters<typeof decodeAttestationObject>[0],
  );
  const fmt = decoded.get('fmt');
  const x5c = fmt === 'none' ? [] : (decoded.get('attStmt').get('x5c') ?? []);
  const trusted = await chainsTo(x5c, anchorsFor(fmt, metadata), now);
  if (policy.requireTrustedAttestation && !trusted)
    throw new AttestationRefused('attestation_untrusted');
  return { fmt, trusted };
}
