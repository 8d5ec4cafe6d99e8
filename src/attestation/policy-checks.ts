/**
 * @module attestation/policy-checks
 * What an attestation policy demands of a device, derived in one place and used by both the
 * server's attestation (attest.ts) and the diagnostic (diagnose.ts), so that the two can never
 * decide differently for the same device: the verifier inputs of each platform, the rules on a
 * stored App Attest key, and the evidence an AAT carries.
 */
import type { AndroidEvidence, AndroidPolicyCheck } from './android/verify';
import type { AppAttestCheck } from './ios/verify-attestation';
import type { AndroidPolicy, IosPolicy } from './policies';

/** The Android verifier's input for `policy`, with the status list's revoked serials. */
export function androidCheck(
  policy: AndroidPolicy,
  revokedSerials: ReadonlySet<string>,
): AndroidPolicyCheck {
  return {
    anchors: policy.anchors,
    packageNames: policy.packageNames,
    signatureDigests: policy.signingCertDigests.length > 0 ? policy.signingCertDigests : null,
    minSecurityLevel: policy.minSecurityLevel,
    requireVerifiedBoot: policy.requireVerifiedBoot,
    requireDeviceLocked: policy.requireDeviceLocked,
    requireOriginGenerated: policy.mode === 'production',
    factoryChainExpiry: policy.factoryChainExpiry,
    revokedSerials,
  };
}

/** The App Attest verifier's input for `policy`. */
export function appAttestCheck(policy: IosPolicy): AppAttestCheck {
  return {
    anchors: policy.anchors,
    appIds: policy.appIds,
    allowedEnvironments: policy.allowedEnvironments,
  };
}

/** Why a stored App Attest key may not make assertions under `policy` (null: it may). */
export function storedKeyProblem(
  policy: IosPolicy,
  stored: { readonly appId: string; readonly environment: string },
): 'unknown_key' | 'environment_mismatch' | null {
  if (!policy.appIds.includes(stored.appId)) return 'unknown_key';
  if (!(policy.allowedEnvironments as readonly string[]).includes(stored.environment))
    return 'environment_mismatch';
  return null;
}

/** The evidence an AAT carries for a valid Android attestation. */
export function androidEvidence(e: AndroidEvidence) {
  return {
    platform: 'android',
    securityLevel: e.securityLevel,
    verifiedBootState: e.verifiedBootState,
    deviceLocked: e.deviceLocked,
    attestationVersion: e.attestationVersion,
    factoryProvisioned: e.factoryProvisioned,
  } as const;
}

/** The evidence an AAT carries for App Attest (an attestation or an assertion). */
export function iosEvidence(
  environment: string,
  appId: string,
  proof: 'attestation' | 'assertion',
) {
  return { platform: 'ios', environment, appId, proof } as const;
}
