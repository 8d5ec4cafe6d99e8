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

export async function signaturesChain(chain: readonly ParsedCertificate[]): Promise<boolean> {
  for (let i = 0; i + 1 < chain.length; i++) {
    const cert = chain[i] as ParsedCertificate;
    const issuer = chain[i + 1] as ParsedCertificate;
    if (!(await verifySignature(keyOf(issuer), cert.signatureAlgorithm, cert.signature, cert.tbs)))
      return false;
  }
  return true;
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
  const topKey = await sha256Hex(top.spki);
  for (const anchor of anchors) {
    if ((await sha256Hex(anchor.spki)) === topKey) return 'is-anchor';
  }
  for (const anchor of anchors) {
    if (!timingSafeEqualBytes(top.issuer, anchor.subject)) continue;
    if (await verifySignature(keyOf(anchor), top.signatureAlgorithm, top.signature, top.tbs)) {
      return 'signed-by-anchor';
    }
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
