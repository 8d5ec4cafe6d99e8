/**
 * @module attestation/diagnose
 * The attestation diagnostic behind `npm run attestation -- verify FILE.json`: verifies one
 * sample file with the same verifiers the server uses and says why it passes or fails.
 *
 * Sample format (JSON):
 *   platform: "android" | "ios"; at: ISO-8601 verification time;
 *   android: x5c (base64 DER, leaf first), challenge (base64 of the expected attestationChallenge);
 *   ios: keyId, attestation (base64 CBOR attestation object), clientDataHash (all base64);
 *   policy: { mode: "production"|"non-production", packageNames, signingCertDigests (hex),
 *             minSecurityLevel, requireVerifiedBoot, teamId, bundleId };
 *   optional: expected { valid, reason }, source, licence.
 */
import { decodeBase64, pemToDer } from '../crypto/pem';
import { SECURITY_LEVELS, type SecurityLevelName } from './android/key-description';
import { verifyAndroidKeyAttestation } from './android/verify';
import { verifyAppAttestation } from './ios/verify-attestation';
import { ANDROID_SOFTWARE_ROOTS } from './roots/android-software';
import { APPLE_APP_ATTESTATION_ROOT } from './roots/apple';
import { GOOGLE_ROOTS } from './roots/google';
import { parseCertificate } from './x509/certificate';

export class SampleError extends Error {
  override readonly name = 'SampleError';
}

export interface Diagnosis {
  readonly valid: boolean;
  readonly reason: string;
  readonly platform: 'android' | 'ios';
  readonly [detail: string]: unknown;
}

type Json = Record<string, unknown>;

function field<T>(object: Json, key: string, check: (v: unknown) => v is T, what: string): T {
  const value = object[key];
  if (!check(value)) throw new SampleError(`${key} must be ${what}`);
  return value;
}
const isString = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
const isStrings = (v: unknown): v is string[] =>
  Array.isArray(v) && v.every((s) => typeof s === 'string');
const isObject = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function bytes(object: Json, key: string): Uint8Array {
  const value = decodeBase64(field(object, key, isString, 'base64'));
  if (!value) throw new SampleError(`${key} must be base64`);
  return value;
}

const parseRoot = (root: { pem: string }) => parseCertificate(pemToDer(root.pem));

export async function diagnose(sample: unknown): Promise<Diagnosis> {
  if (!isObject(sample)) throw new SampleError('the sample must be a JSON object');
  const platform = sample.platform;
  const at = new Date(field(sample, 'at', isString, 'an ISO-8601 time'));
  if (Number.isNaN(at.getTime())) throw new SampleError('at must be an ISO-8601 time');
  const policy = field(sample, 'policy', isObject, 'an object');
  const production = (policy.mode ?? 'production') === 'production';

  if (platform === 'android') {
    const x5c = field(sample, 'x5c', isStrings, 'an array of base64 certificates').map((c, i) => {
      const der = decodeBase64(c);
      if (!der) throw new SampleError(`x5c[${i}] must be base64`);
      return der;
    });
    const level = (policy.minSecurityLevel ??
      (production ? 'TrustedEnvironment' : 'Software')) as SecurityLevelName;
    if (!SECURITY_LEVELS.includes(level))
      throw new SampleError(`policy.minSecurityLevel must be one of ${SECURITY_LEVELS.join(', ')}`);
    const verifiedBoot = policy.requireVerifiedBoot ?? production;
    const result = await verifyAndroidKeyAttestation(x5c, bytes(sample, 'challenge'), at, {
      anchors: [
        ...GOOGLE_ROOTS.map(parseRoot),
        ...(production ? [] : ANDROID_SOFTWARE_ROOTS.map(parseRoot)),
      ],
      packageNames: isStrings(policy.packageNames) ? policy.packageNames : null,
      signatureDigests: isStrings(policy.signingCertDigests) ? policy.signingCertDigests : null,
      minSecurityLevel: level,
      requireVerifiedBoot: verifiedBoot === true,
      requireDeviceLocked: verifiedBoot === true,
      requireOriginGenerated: production,
      factoryChainExpiry: 'ignore',
      revokedSerials: new Set(),
    });
    if (!result.valid) return { valid: false, reason: result.reason, platform: 'android' };
    const { attestedKeySpki: _key, ...evidence } = result.evidence;
    return { valid: true, reason: 'ok', ...evidence, platform: 'android' };
  }
  if (platform === 'ios') {
    const teamId = field(policy, 'teamId', isString, 'a string');
    const bundleId = field(policy, 'bundleId', isString, 'a string');
    const result = await verifyAppAttestation(
      bytes(sample, 'attestation'),
      bytes(sample, 'keyId'),
      bytes(sample, 'clientDataHash'),
      at,
      {
        anchors: [parseRoot(APPLE_APP_ATTESTATION_ROOT)],
        appIds: [`${teamId}.${bundleId}`],
        allowedEnvironments: production ? ['production'] : ['production', 'development'],
      },
    );
    if (!result.valid) return { valid: false, reason: result.reason, platform: 'ios' };
    return {
      valid: true,
      reason: 'ok',
      platform: 'ios',
      environment: result.evidence.environment,
      appId: result.evidence.appId,
    };
  }
  throw new SampleError('platform must be "android" or "ios"');
}
