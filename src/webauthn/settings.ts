/**
 * @module webauthn/settings
 * The WEBAUTHN setting (relying party) and the app identities that WebAuthn and the app
 * association files share with the attestation policies (one source of truth):
 *
 *   { "rpId": "login.example.com", "rpName": "Example", "origins": ["https://login.example.com"],
 *     "androidOrigins": true, "timeoutSeconds": 300, "userGesture": "safari" }
 *
 *  - `rpId` defaults to the issuer's host, `origins` to the issuer's origin;
 *  - `androidOrigins` (default true) adds `android:apk-key-hash:<base64url SHA-256>` for every
 *    signing digest of the Android attestation policies, so the apps' Credential Manager calls
 *    verify (their clientDataJSON carries that origin, not a web origin);
 *  - `userGesture`: when the HTML pages wait for a button press before a ceremony: `safari`
 *    (Safari needs a user gesture for WebAuthn; other browsers start at once), `always`, `never`.
 */
import type { AndroidPolicy, AttestationPolicy, IosPolicy } from '../attestation/policies';
import { ConfigError } from '../config/errors';
import { ObjectReader } from '../config/parsers';
import { encodeBase64Url } from '../crypto/base64url';

export type UserGestureRule = 'safari' | 'always' | 'never';

export interface WebauthnOptions {
  readonly rpId: string | null;
  readonly rpName: string;
  readonly origins: readonly string[] | null;
  readonly androidOrigins: boolean;
  readonly timeoutSeconds: number;
  readonly userGesture: UserGestureRule;
}

export interface RelyingParty {
  readonly id: string;
  readonly name: string;
  /** Every origin a ceremony may come from (web origins and Android app origins). */
  readonly origins: readonly string[];
  readonly timeoutMs: number;
  readonly userGesture: UserGestureRule;
}

/**
 * The WebAuthn authenticator's modes (Curity's names): `passkeys-or-user-verifying-devices`
 * requires user verification and prefers discoverable credentials; `any-device` prefers user
 * verification and lets the user pick a built-in device or a security key.
 */
export type WebauthnMode = 'passkeys-or-user-verifying-devices' | 'any-device';

const GESTURES: readonly UserGestureRule[] = ['safari', 'always', 'never'];

export function parseWebauthnOptions(
  raw: Readonly<Record<string, unknown>>,
  name: string,
): WebauthnOptions {
  const r = new ObjectReader(raw, name);
  const rpId = r.optionalString(
    'rpId',
    /^[a-z0-9.-]{1,253}$/,
    'must be a host name (lower case, no port)',
  );
  const rpName = r.optionalString('rpName', /^.{1,64}$/, 'must be 1–64 characters');
  const origins = r.get('origins');
  if (
    origins !== undefined &&
    (!Array.isArray(origins) ||
      origins.length === 0 ||
      !origins.every((o) => typeof o === 'string' && isOrigin(o)))
  )
    throw new ConfigError(
      r.at('origins'),
      'must be a non-empty list of origins (scheme://host[:port])',
    );
  const androidOrigins = r.boolean('androidOrigins', true);
  const timeoutSeconds = r.optionalInteger('timeoutSeconds', 30, 600);
  const userGesture = r.oneOf('userGesture', GESTURES, 'safari');
  r.end();
  return {
    rpId: rpId ?? null,
    rpName: rpName ?? 'edge-haapi',
    origins: (origins as string[] | undefined) ?? null,
    androidOrigins,
    timeoutSeconds: timeoutSeconds ?? 300,
    userGesture,
  };
}

function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === value;
  } catch {
    return false;
  }
}

function hexToBytes(hex: string): Uint8Array {
  return Uint8Array.from(hex.match(/../g) ?? [], (h) => Number.parseInt(h, 16));
}

export function androidPolicies(policies: ReadonlyMap<string, AttestationPolicy>): AndroidPolicy[] {
  return [...policies.values()].filter((p): p is AndroidPolicy => p.platform === 'android');
}

export function iosPolicies(policies: ReadonlyMap<string, AttestationPolicy>): IosPolicy[] {
  return [...policies.values()].filter((p): p is IosPolicy => p.platform === 'ios');
}

/** `android:apk-key-hash:` origin of an APK signing-certificate SHA-256 digest (hex). */
export function apkKeyHashOrigin(digestHex: string): string {
  return `android:apk-key-hash:${encodeBase64Url(hexToBytes(digestHex))}`;
}

export function relyingParty(
  options: WebauthnOptions,
  issuer: string,
  policies: ReadonlyMap<string, AttestationPolicy>,
  name: string,
  production = false,
): RelyingParty {
  const issuerUrl = new URL(issuer);
  const id = options.rpId ?? issuerUrl.hostname;
  const web = options.origins ?? [issuerUrl.origin];
  // The demo's relying party (localhost, http) must not reach production unnoticed.
  if (production && (id === 'localhost' || web.some((o) => !o.startsWith('https://'))))
    throw new ConfigError(
      `${name}.rpId`,
      'must be your domain, with https origins, when ENVIRONMENT is production',
    );
  for (const origin of web) {
    const host = new URL(origin).hostname;
    if (host !== id && !host.endsWith(`.${id}`))
      throw new ConfigError(`${name}.origins`, `${origin} is not on the relying party id ${id}`);
  }
  const android = options.androidOrigins
    ? androidPolicies(policies).flatMap((p) => p.signingCertDigests.map(apkKeyHashOrigin))
    : [];
  return {
    id,
    name: options.rpName,
    origins: [...new Set([...web, ...android])],
    timeoutMs: options.timeoutSeconds * 1000,
    userGesture: options.userGesture,
  };
}
