/**
 * @module config/settings
 * The one typed, frozen Settings object, parsed once per `env` object (a WeakMap keyed by env, so
 * each isolate parses its vars once and a dashboard edit, which starts new isolates, is picked up).
 * Handlers read settings from here, never raw `env` strings.
 */

import { type AttestationPolicy, addDevelopmentRoots } from '../attestation/policies';
import { parseCertificate } from '../attestation/x509/certificate';
import { pemToDer } from '../crypto/pem';
import { type RelyingParty, relyingParty } from '../webauthn/settings';
import { type Definitions, definitions } from './definitions';
import { ConfigError } from './errors';

type ParsedValue<K extends keyof Definitions> = ReturnType<Definitions[K]['parse']>;

export type Settings = { readonly [K in keyof Definitions]: ParsedValue<K> } & {
  /** The WebAuthn relying party: WEBAUTHN with its defaults from ISSUER and ATTESTATION. */
  readonly relyingParty: RelyingParty;
  readonly endpoints: Readonly<{
    authorization: string;
    token: string;
    cat: string;
    jwks: string;
    registration: string;
    introspection: string;
    revocation: string;
    userinfo: string;
    endSession: string;
  }>;
};

/** The raw var/secret bag we read settings from (the Worker's env, or a test's copy). */
export type RawSettings = Readonly<Record<string, unknown>>;

const cache = new WeakMap<object, Settings>();

/** Parses and caches the settings of `env`; throws ConfigError naming the first bad setting. */
export function getSettings(env: RawSettings): Settings {
  let settings = cache.get(env);
  if (!settings) {
    settings = parseSettings(env);
    cache.set(env, settings);
  }
  return settings;
}

export function parseSettings(env: RawSettings): Settings {
  const parsed: Record<string, unknown> = {};
  for (const [key, definition] of Object.entries(definitions)) {
    const raw = env[definition.name];
    if (raw !== undefined && typeof raw !== 'string') {
      throw new ConfigError(definition.name, 'must be a string');
    }
    const value = raw ?? definition.default;
    if (value === undefined) {
      throw new ConfigError(definition.name, `is required (${definition.description})`);
    }
    parsed[key] = definition.parse(value, definition.name);
  }
  const settings = parsed as Omit<Settings, 'endpoints' | 'relyingParty'>;
  if (settings.environment === 'production' && !settings.issuer.startsWith('https://')) {
    throw new ConfigError(definitions.issuer.name, 'must use https when ENVIRONMENT is production');
  }
  if (settings.environment === 'production' && settings.debugLoginAttributes) {
    throw new ConfigError(
      definitions.debugLoginAttributes.name,
      'must be false when ENVIRONMENT is production',
    );
  }
  const paths = [
    settings.authorizationPath,
    settings.tokenPath,
    settings.jwksPath,
    settings.registrationPath,
    settings.introspectionPath,
    settings.revocationPath,
    settings.userinfoPath,
    settings.endSessionPath,
    settings.authnPath,
  ];
  const duplicate = paths.find((p, i) => paths.indexOf(p) !== i);
  if (duplicate) {
    throw new ConfigError('paths', `must be distinct (${duplicate} is used twice)`);
  }
  const development = [
    [definitions.devAttestationRoots.name, settings.devAttestationRoots.length > 0],
    [definitions.devClientCertificateHeader.name, settings.devClientCertificateHeader],
  ] as const;
  for (const [name, used] of development) {
    if (used && settings.environment === 'production')
      throw new ConfigError(
        name,
        'is for development only and refused when ENVIRONMENT is production',
      );
  }
  if (settings.environment === 'production') {
    // Non-production policies trust development and software roots (whose keys are public):
    // nothing a production server may accept.
    for (const [id, policy] of settings.attestation) {
      if (policy.mode === 'non-production')
        throw new ConfigError(
          `${definitions.attestation.name}.${id}.mode`,
          'is non-production (it trusts development and software roots) and refused when ENVIRONMENT is production',
        );
    }
  }
  const attestation = withDevelopmentRoots(settings.attestation, settings.devAttestationRoots);
  const url = (p: string) => `${settings.issuer}${p}`;
  return deepFreeze({
    ...settings,
    attestation,
    relyingParty: relyingParty(
      settings.webauthn,
      settings.issuer,
      attestation,
      definitions.webauthn.name,
      settings.environment === 'production',
    ),
    endpoints: {
      authorization: url(settings.authorizationPath),
      token: url(settings.tokenPath),
      cat: url(`${settings.tokenPath}/cat`),
      jwks: url(settings.jwksPath),
      registration: url(settings.registrationPath),
      introspection: url(settings.introspectionPath),
      revocation: url(settings.revocationPath),
      userinfo: url(settings.userinfoPath),
      endSession: url(settings.endSessionPath),
    },
  }) as Settings;
}

/**
 * DEV_ATTESTATION_ROOTS become anchors of every non-production Android and iOS policy (also used
 * by the attestation diagnostic, so that it adds them as the server does).
 */
export function withDevelopmentRoots(
  policies: ReadonlyMap<string, AttestationPolicy>,
  pems: readonly string[],
): ReadonlyMap<string, AttestationPolicy> {
  if (pems.length === 0) return policies;
  const roots = pems.map((pem, i) => {
    try {
      return parseCertificate(pemToDer(pem));
    } catch {
      throw new ConfigError(
        `${definitions.devAttestationRoots.name}[${i}]`,
        'must be a PEM certificate',
      );
    }
  });
  return addDevelopmentRoots(policies, roots);
}

function deepFreeze<T>(value: T): T {
  // Byte arrays cannot be frozen, and Maps (attestation policies) are frozen by convention.
  if (ArrayBuffer.isView(value) || value instanceof Map || value instanceof Date) return value;
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}
