/**
 * @module attestation/policies
 * Attestation policies, from the ATTESTATION setting: a JSON object of policy id → policy. A
 * client names its policy (`attestation_policy` column). Example:
 *
 *   { "android-prod": { "platform": "android", "mode": "production",
 *                       "packageNames": ["com.example.app"], "signingCertDigests": ["<hex SHA-256>"] },
 *     "ios-prod":     { "platform": "ios", "mode": "production", "teamId": "ABCDE12345",
 *                       "bundleIds": ["com.example.app"] } }
 *
 * Production policies trust only Google's (Android) or Apple's (iOS) roots and, on Android, need a
 * TEE or StrongBox key, verified boot and a locked device. Non-production policies (emulators,
 * development builds, the demo) also trust the AOSP software roots and `developmentRoots` (PEM),
 * accept software keys and unverified boot, and accept Apple's development environment.
 */
import { ConfigError } from '../config/errors';
import { ObjectReader } from '../config/parsers';
import { pemToDer } from '../crypto/pem';
import { SECURITY_LEVELS, type SecurityLevelName } from './android/key-description';
import type { AppAttestEnvironment } from './ios/verify-attestation';
import { ANDROID_SOFTWARE_ROOTS } from './roots/android-software';
import { APPLE_APP_ATTESTATION_ROOT } from './roots/apple';
import { GOOGLE_ROOTS } from './roots/google';
import { type ParsedCertificate, parseCertificate } from './x509/certificate';

export type PolicyMode = 'production' | 'non-production';

interface CommonPolicy {
  readonly id: string;
  readonly mode: PolicyMode;
  /** Lifetime of the AAT issued after this attestation (Curity's `haapi-access-token-ttl`). */
  readonly haapiAccessTokenTtl: number | undefined;
  readonly anchors: readonly ParsedCertificate[];
}

export interface AndroidPolicy extends CommonPolicy {
  readonly platform: 'android';
  readonly packageNames: readonly string[];
  /** Allowed APK signing-certificate SHA-256 digests; empty (non-production only): any. */
  readonly signingCertDigests: readonly string[];
  readonly minSecurityLevel: SecurityLevelName;
  readonly requireVerifiedBoot: boolean;
  readonly requireDeviceLocked: boolean;
  readonly factoryChainExpiry: 'ignore' | 'enforce';
}

export interface IosPolicy extends CommonPolicy {
  readonly platform: 'ios';
  readonly teamId: string;
  readonly bundleIds: readonly string[];
  readonly appIds: readonly string[];
  readonly allowedEnvironments: readonly AppAttestEnvironment[];
}

export interface WebPolicy extends CommonPolicy {
  readonly platform: 'web';
  readonly disableOriginVerification: boolean;
}

export type AttestationPolicy = AndroidPolicy | IosPolicy | WebPolicy;

const parseRoot = (root: { pem: string }) => parseCertificate(pemToDer(root.pem));
let builtIn:
  | { google: ParsedCertificate[]; software: ParsedCertificate[]; apple: ParsedCertificate[] }
  | undefined;
function builtInRoots() {
  builtIn ??= {
    google: GOOGLE_ROOTS.map(parseRoot),
    software: ANDROID_SOFTWARE_ROOTS.map(parseRoot),
    apple: [parseRoot(APPLE_APP_ATTESTATION_ROOT)],
  };
  return builtIn;
}

function developmentRoots(reader: ObjectReader, mode: PolicyMode): ParsedCertificate[] {
  const pems = reader.strings('developmentRoots', []);
  if (pems.length > 0 && mode === 'production') {
    throw new ConfigError(
      `${reader.path}.developmentRoots`,
      'is only allowed in non-production policies',
    );
  }
  return pems.map((pem, i) => {
    try {
      return parseCertificate(pemToDer(pem));
    } catch {
      throw new ConfigError(`${reader.path}.developmentRoots[${i}]`, 'must be a PEM certificate');
    }
  });
}

/** Production needs at least one digest; an empty list in non-production accepts any (development). */
function signingDigests(reader: ObjectReader, production: boolean): string[] {
  const digests = reader.strings(
    'signingCertDigests',
    production ? undefined : [],
    /^[0-9a-fA-F]{64}$/,
  );
  if (production && digests.length === 0) {
    throw new ConfigError(
      `${reader.path}.signingCertDigests`,
      'must list at least one digest in production',
    );
  }
  return digests.map((d) => d.toLowerCase());
}

export function parsePolicy(id: string, value: unknown, settingName: string): AttestationPolicy {
  const r = new ObjectReader(value, `${settingName}.${id}`);
  const policy = readPolicy(id, r);
  r.end();
  return policy;
}

function readPolicy(id: string, r: ObjectReader): AttestationPolicy {
  const platform = r.oneOf('platform', ['android', 'ios', 'web'] as const, 'android');
  const mode = r.oneOf('mode', ['production', 'non-production'] as const, 'production');
  const production = mode === 'production';
  const common = {
    id,
    mode,
    haapiAccessTokenTtl: r.optionalInteger('haapiAccessTokenTtl', 30, 86400),
  };
  const roots = builtInRoots();
  if (platform === 'android') {
    return {
      ...common,
      platform,
      anchors: [
        ...roots.google,
        ...(production ? [] : roots.software),
        ...developmentRoots(r, mode),
      ],
      packageNames: r.strings('packageNames'),
      signingCertDigests: signingDigests(r, production),
      minSecurityLevel: r.oneOf(
        'minSecurityLevel',
        SECURITY_LEVELS,
        production ? 'TrustedEnvironment' : 'Software',
      ),
      requireVerifiedBoot: r.boolean('requireVerifiedBoot', production),
      requireDeviceLocked: r.boolean('requireDeviceLocked', production),
      factoryChainExpiry: r.oneOf('factoryChainExpiry', ['ignore', 'enforce'] as const, 'ignore'),
    };
  }
  if (platform === 'ios') {
    const teamId = r.string('teamId');
    const bundleIds = r.strings('bundleIds');
    return {
      ...common,
      platform,
      anchors: [...roots.apple, ...developmentRoots(r, mode)],
      teamId,
      bundleIds,
      appIds: bundleIds.map((bundle) => `${teamId}.${bundle}`),
      allowedEnvironments: production ? ['production'] : ['production', 'development'],
    };
  }
  return {
    ...common,
    platform,
    anchors: [],
    disableOriginVerification: r.boolean('disableOriginVerification', false),
  };
}

/** Parses the ATTESTATION setting's JSON object into policies by id. */
export function parsePolicies(
  raw: Readonly<Record<string, unknown>>,
  settingName: string,
): ReadonlyMap<string, AttestationPolicy> {
  return new Map(
    Object.entries(raw).map(([id, value]) => [id, parsePolicy(id, value, settingName)]),
  );
}

/**
 * The policies with DEV_ATTESTATION_ROOTS added to the anchors of the non-production ones (a
 * production policy never trusts them; web policies have no roots).
 */
export function addDevelopmentRoots(
  policies: ReadonlyMap<string, AttestationPolicy>,
  roots: readonly ParsedCertificate[],
): ReadonlyMap<string, AttestationPolicy> {
  if (roots.length === 0) return policies;
  return new Map(
    [...policies].map(([id, policy]) => [
      id,
      policy.mode === 'non-production' && policy.platform !== 'web'
        ? { ...policy, anchors: [...policy.anchors, ...roots] }
        : policy,
    ]),
  );
}
