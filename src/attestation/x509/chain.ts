/**
 * @module attestation/x509/chain
 * The steps of certificate path validation that Android and Apple share (RFC 5280 §6, cut down to
 * what attestation chains need), each a function so that every platform verifier can run them in
 * its own documented order:
 *  - names chain: the issuer of certificate i is the subject of certificate i+1 (DER bytes);
 *  - signatures chain: certificate i verifies with the key of certificate i+1;
 *  - trust: the last certificate IS a trust anchor key, or is signed by one;
 *  - validity at the verification time, for the certificates the caller asks about.
 */
import { timingSafeEqualBytes } from '../../crypto/constant-time';
import { sha256Hex } from '../../crypto/digest';
import type { ParsedCertificate } from './certificate';
import { type PublicKeyInfo, verifySignature } from './signature';

export function keyOf(cert: ParsedCertificate): PublicKeyInfo {
  return { spki: cert.spki, algorithm: cert.spkiAlgorithm, parameters: cert.spkiParameters };
}

export function namesChain(chain: readonly ParsedCertificate[]): boolean {
  for (let i = 0; i + 1 < chain.length; i++) {
    if (
      !timingSafeEqualBytes(
        (chain[i] as ParsedCertificate).issuer,
        (chain[i + 1] as ParsedCertificate).subject,
      )
    ) {
      return false;
    }
  }
  return true;
}

/**
 * Signatures already verified, per certificate (by identity: parsed certificates are cached by
 * their bytes, so the intermediates and roots every device sends are the same objects), as the
 * issuer keys' SPKI bytes that verified them. A verification is a pure function of those bytes,
 * so a positive answer is remembered; a failure never is.
 */
const verifiedBy = new WeakMap<ParsedCertificate, WeakSet<Uint8Array>>();

async function signedBy(cert: ParsedCertificate, issuer: ParsedCertificate): Promise<boolean> {
  if (verifiedBy.get(cert)?.has(issuer.spki)) return true;
  if (!(await verifySignature(keyOf(issuer), cert.signatureAlgorithm, cert.signature, cert.tbs)))
    return false;
  const verified = verifiedBy.get(cert) ?? new WeakSet<Uint8Array>();
  verified.add(issuer.spki);
  verifiedBy.set(cert, verified);
  return true;
}

export async function signaturesChain(chain: readonly ParsedCertificate[]): Promise<boolean> {
  for (let i = 0; i + 1 < chain.length; i++) {
    if (!(await signedBy(chain[i] as ParsedCertificate, chain[i + 1] as ParsedCertificate)))
      return false;
  }
  return true;
}

/** SHA-256 (hex) of a certificate's SPKI, remembered per parsed certificate. */
const spkiHashes = new WeakMap<ParsedCertificate, Promise<string>>();
function spkiHash(cert: ParsedCertificate): Promise<string> {
  let hash = spkiHashes.get(cert);
  if (!hash) {
    hash = sha256Hex(cert.spki);
    spkiHashes.set(cert, hash);
  }
  return hash;
}

export type AnchorMatch = 'is-anchor' | 'signed-by-anchor';

/**
 * How the top of the chain reaches a trust anchor: its key is an anchor's key (any copy of the
 * anchor certificate counts, expired or not), or an anchor's key signed it. Null: untrusted.
 */
export async function anchorOf(
  top: ParsedCertificate,
  anchors: readonly ParsedCertificate[],
): Promise<AnchorMatch | null> {
  const topKey = await spkiHash(top);
  for (const anchor of anchors) {
    if ((await spkiHash(anchor)) === topKey) return 'is-anchor';
  }
  for (const anchor of anchors) {
    if (!timingSafeEqualBytes(top.issuer, anchor.subject)) continue;
    if (await signedBy(top, anchor)) return 'signed-by-anchor';
  }
  return null;
}

export type ValidityProblem = 'certificate_not_yet_valid' | 'certificate_expired';

/** The first validity problem of `certificates` at `now`, not-yet-valid before expired. */
export function validityProblem(
  certificates: readonly ParsedCertificate[],
  now: Date,
): ValidityProblem | null {
  if (certificates.some((cert) => cert.notBefore.getTime() > now.getTime()))
    return 'certificate_not_yet_valid';
  if (certificates.some((cert) => cert.notAfter.getTime() < now.getTime()))
    return 'certificate_expired';
  return null;
}
