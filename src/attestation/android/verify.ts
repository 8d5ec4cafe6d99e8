/**
 * @module attestation/android/verify
 * Android key attestation verification (docs/attestation.md §1; developer.android.com
 * "Verify hardware-backed key pairs with key attestation"). WebCrypto only. Steps, in the order
 * the reasons are reported:
 *
 * §1.3 path validation
 *  1. "Parse every certificate; reject on failure" (leaf first, at most 6) → format_invalid; the
 *     leaf alone does not reach a trusted root → untrusted_root.
 *  2. "issuer Name of cert i equals subject Name of cert i+1, and the signature of cert i
 *     verifies with the public key of cert i+1" → chain_name_mismatch, chain_signature_invalid.
 *  3. "the last certificate's public key equals a trusted root key, or the last certificate is
 *     signed by a trusted root key" → untrusted_root.
 *  4. Validity: "skip the leaf", skip the trust anchor copy; not-yet-valid always fails; expired
 *     fails except on factory chains when the policy ignores their expiry (Google does)
 *     → certificate_not_yet_valid, certificate_expired.
 *  7. Revocation: any certificate of the chain in the status list → revoked.
 *  6. "the leaf must carry the KeyDescription, no other certificate may"
 *     → extension_missing, extension_not_in_leaf_only.
 * §1.6 checks on the KeyDescription
 *  1. attestationChallenge equals the expected bytes → challenge_mismatch.
 *  2. the package is among packageInfos; every signature digest is allowed, at least one
 *     → package_mismatch, signature_digest_mismatch.
 *  3. both security levels ≥ the policy minimum → security_level_too_low. A chain that ends in
 *     an AOSP software root is Software whatever its KeyDescription claims: those roots' keys
 *     are public, so anyone can sign a "TrustedEnvironment" description with them.
 *  4. RootOfTrust: Verified boot, device locked → boot_state_not_verified, device_not_locked.
 *  5. hardware origin GENERATED → origin_not_generated.
 *  7. the attested key is usable with WebCrypto (EC or RSA) → key_algorithm_unsupported, last,
 *     so a key WebCrypto cannot use (ML-DSA) still gets the reason of what failed first.
 */
import { timingSafeEqualBytes } from '../../crypto/constant-time';
import { pemToDer } from '../../crypto/pem';
import { ANDROID_SOFTWARE_ROOTS } from '../roots/android-software';
import { type ParsedCertificate, parseCertificate } from '../x509/certificate';
import { anchorOf, keyOf, namesChain, signaturesChain, validityProblem } from '../x509/chain';
import { isSupportedKey } from '../x509/signature';
import {
  BOOT_STATES,
  KEY_DESCRIPTION_OID,
  type KeyDescriptionFacts,
  parseKeyDescription,
  SECURITY_LEVELS,
  type SecurityLevelName,
} from './key-description';

export type AndroidReason =
  | 'format_invalid'
  | 'chain_name_mismatch'
  | 'chain_signature_invalid'
  | 'untrusted_root'
  | 'certificate_not_yet_valid'
  | 'certificate_expired'
  | 'revoked'
  | 'extension_missing'
  | 'extension_not_in_leaf_only'
  | 'extension_malformed'
  | 'challenge_mismatch'
  | 'package_mismatch'
  | 'signature_digest_mismatch'
  | 'security_level_too_low'
  | 'boot_state_not_verified'
  | 'device_not_locked'
  | 'origin_not_generated'
  | 'key_algorithm_unsupported';

export interface AndroidPolicyCheck {
  /** Trust anchors (parsed): Google's roots, plus development roots for non-production policies. */
  readonly anchors: readonly ParsedCertificate[];
  /** `null`: do not check the package (diagnostics only). */
  readonly packageNames: readonly string[] | null;
  /** Allowed signing-certificate SHA-256 digests, lower-case hex; `null`: do not check. */
  readonly signatureDigests: readonly string[] | null;
  readonly minSecurityLevel: SecurityLevelName;
  readonly requireVerifiedBoot: boolean;
  readonly requireDeviceLocked: boolean;
  readonly requireOriginGenerated: boolean;
  readonly factoryChainExpiry: 'ignore' | 'enforce';
  /** Serials (lower-case hex, no leading zeros) listed as REVOKED or SUSPENDED. */
  readonly revokedSerials: ReadonlySet<string>;
}

export interface AndroidEvidence {
  readonly platform: 'android';
  readonly attestationVersion: number;
  readonly securityLevel: SecurityLevelName;
  readonly keyMintSecurityLevel: SecurityLevelName;
  readonly verifiedBootState: string | null;
  readonly deviceLocked: boolean | null;
  readonly factoryProvisioned: boolean;
  readonly packageNames: readonly string[];
  /** The attested key (the leaf's SubjectPublicKeyInfo, DER). */
  readonly attestedKeySpki: Uint8Array;
}

export type AndroidResult =
  | { readonly valid: true; readonly evidence: AndroidEvidence }
  | { readonly valid: false; readonly reason: AndroidReason };

const fail = (reason: AndroidReason): AndroidResult => ({ valid: false, reason });

let softwareRoots: ParsedCertificate[] | undefined;
/** Whether the chain's top is, or is signed by, an AOSP software root (public private keys). */
async function endsInSoftwareRoot(top: ParsedCertificate): Promise<boolean> {
  softwareRoots ??= ANDROID_SOFTWARE_ROOTS.map((root) => parseCertificate(pemToDer(root.pem)));
  return (await anchorOf(top, softwareRoots)) !== null;
}
const SERIAL_NUMBER_ATTRIBUTE = '2.5.4.5';

export async function verifyAndroidKeyAttestation(
  chainDer: readonly Uint8Array[],
  expectedChallenge: Uint8Array,
  now: Date,
  policy: AndroidPolicyCheck,
): Promise<AndroidResult> {
  // §1.3 step 1
  if (chainDer.length < 1 || chainDer.length > 6) return fail('format_invalid');
  let chain: ParsedCertificate[];
  try {
    chain = chainDer.map(parseCertificate);
  } catch {
    return fail('format_invalid');
  }
  // The leaf alone does not reach a trusted root (a device always sends its intermediates).
  if (chain.length === 1) return fail('untrusted_root');
  const leaf = chain[0] as ParsedCertificate;
  const top = chain[chain.length - 1] as ParsedCertificate;
  // §1.3 step 2
  if (!namesChain(chain)) return fail('chain_name_mismatch');
  if (!(await signaturesChain(chain))) return fail('chain_signature_invalid');
  // §1.3 step 3
  const anchor = await anchorOf(top, policy.anchors);
  if (!anchor) return fail('untrusted_root');
  // §1.3 step 4: not the leaf, not the anchor copy itself.
  const dated = chain.slice(1, anchor === 'is-anchor' ? -1 : undefined);
  const belowRoot = chain[chain.length - (anchor === 'is-anchor' ? 2 : 1)] as ParsedCertificate;
  const factoryProvisioned =
    belowRoot !== leaf && belowRoot.subjectText.includes(`${SERIAL_NUMBER_ATTRIBUTE}=`);
  const problem = validityProblem(dated, now);
  if (problem === 'certificate_not_yet_valid') return fail(problem);
  if (
    problem === 'certificate_expired' &&
    !(factoryProvisioned && policy.factoryChainExpiry === 'ignore')
  ) {
    return fail(problem);
  }
  // §1.3 step 7
  if (chain.some((cert) => policy.revokedSerials.has(cert.serialHex))) return fail('revoked');
  // §1.3 step 6
  const extension = leaf.extensions.get(KEY_DESCRIPTION_OID);
  if (!extension) return fail('extension_missing');
  if (chain.slice(1).some((cert) => cert.extensions.has(KEY_DESCRIPTION_OID))) {
    return fail('extension_not_in_leaf_only');
  }
  let facts: KeyDescriptionFacts;
  try {
    facts = parseKeyDescription(extension);
  } catch {
    // Unknown authorization-list tags are skipped by the parser, so a throw is malformed DER.
    return fail('extension_malformed');
  }
  // The root caps the level a policy compares (software keys sign whatever they like); the
  // evidence still reports what the description claims.
  const levelCap = (await endsInSoftwareRoot(top)) ? 0 : Number.POSITIVE_INFINITY;
  return checkKeyDescription(facts, leaf, expectedChallenge, policy, factoryProvisioned, levelCap);
}

function checkKeyDescription(
  facts: KeyDescriptionFacts,
  leaf: ParsedCertificate,
  expectedChallenge: Uint8Array,
  policy: AndroidPolicyCheck,
  factoryProvisioned: boolean,
  levelCap: number,
): AndroidResult {
  // §1.6 step 1
  if (!timingSafeEqualBytes(facts.challenge, expectedChallenge)) return fail('challenge_mismatch');
  // §1.6 step 2
  if (
    policy.packageNames &&
    !facts.packageNames.some((name) => policy.packageNames?.includes(name))
  ) {
    return fail('package_mismatch');
  }
  if (policy.signatureDigests) {
    const allowed = policy.signatureDigests.map((d) => d.toLowerCase());
    if (
      facts.signatureDigestsHex.length === 0 ||
      !facts.signatureDigestsHex.every((d) => allowed.includes(d))
    ) {
      return fail('signature_digest_mismatch');
    }
  }
  // §1.6 step 3
  const minimum = SECURITY_LEVELS.indexOf(policy.minSecurityLevel);
  const attestationLevel = Math.min(facts.attestationSecurityLevel, levelCap);
  const keyMintLevel = Math.min(facts.keyMintSecurityLevel, levelCap);
  if (attestationLevel < minimum || keyMintLevel < minimum) {
    return fail('security_level_too_low');
  }
  // §1.6 step 4
  if (policy.requireVerifiedBoot && facts.rootOfTrust?.verifiedBootState !== 0)
    return fail('boot_state_not_verified');
  if (policy.requireDeviceLocked && facts.rootOfTrust?.deviceLocked !== true)
    return fail('device_not_locked');
  // §1.6 step 5 (meaningless when software attestation is allowed)
  if (policy.requireOriginGenerated && minimum > 0 && facts.hardwareOrigin !== 0)
    return fail('origin_not_generated');
  // §1.6 step 7
  if (!isSupportedKey(keyOf(leaf))) return fail('key_algorithm_unsupported');
  return {
    valid: true,
    evidence: {
      platform: 'android',
      attestationVersion: facts.attestationVersion,
      securityLevel: SECURITY_LEVELS[facts.attestationSecurityLevel] ?? 'Software',
      keyMintSecurityLevel: SECURITY_LEVELS[facts.keyMintSecurityLevel] ?? 'Software',
      verifiedBootState: facts.rootOfTrust
        ? (BOOT_STATES[facts.rootOfTrust.verifiedBootState] ?? null)
        : null,
      deviceLocked: facts.rootOfTrust?.deviceLocked ?? null,
      factoryProvisioned,
      packageNames: facts.packageNames,
      attestedKeySpki: leaf.spki,
    },
  };
}
