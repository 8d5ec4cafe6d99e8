/**
 * @module haapi/authenticators/webauthn/config
 * The WebAuthn authenticator's options in AUTHENTICATORS:
 *
 *   { "id": "webauthn", "type": "webauthn", "mode": "passkeys-or-user-verifying-devices",
 *     "allowRegistrationDuringLogin": true, "prerequisiteAuthenticator": "pw",
 *     "askToRegisterAdditionalPlatformDevice": true }
 *
 * Modes (Curity's names): `passkeys-or-user-verifying-devices` requires user verification and
 * prefers discoverable credentials, any attachment (the browser offers the choices);
 * `any-device` prefers user verification and lets the user pick "Built-in device" (platform,
 * when `allowPlatformDevices`) or "Security key" (cross-platform).
 *
 * Device attestation (webauthn/attestation-policy.ts): `attestation` is the conveyance asked of
 * the authenticator (`none` default, `indirect`, `direct`, `enterprise`); `allowedAaguids` lists
 * the authenticator models that may register (AAGUIDs, default any); `requireTrustedAttestation`
 * refuses a device whose attestation does not chain to a root of its FIDO metadata (or Apple's /
 * Google's for `apple` / `android-key` statements).
 */
import { ConfigError } from '../../../config/errors';
import type { ObjectReader } from '../../../config/parsers';
import {
  ATTESTATION_CONVEYANCES,
  type WebauthnAttestationPolicy,
} from '../../../webauthn/attestation-policy';
import type { WebauthnMode } from '../../../webauthn/settings';
import type { AuthenticatorTitle } from '../title';

export type { WebauthnMode };

export interface WebauthnAuthenticatorConfig {
  readonly id: string;
  readonly type: 'webauthn';
  readonly title: AuthenticatorTitle;
  readonly mode: WebauthnMode;
  /** any-device mode: offer built-in (platform) devices next to security keys. */
  readonly allowPlatformDevices: boolean;
  readonly allowRegistrationDuringLogin: boolean;
  /** The authenticator that establishes the subject before a device is registered. */
  readonly prerequisiteAuthenticator: string | null;
  readonly askToRegisterAdditionalPlatformDevice: boolean;
  /** Set in a browser that has a platform device (or said not to ask again). */
  readonly platformDeviceCookieName: string;
  /** The account manager holding the accounts and devices (only `default`: D1). */
  readonly accountManager: string;
  /** What registration asks of and checks in a device's attestation. */
  readonly attestation: WebauthnAttestationPolicy;
}

const MODES: readonly WebauthnMode[] = ['passkeys-or-user-verifying-devices', 'any-device'];

export function readWebauthnConfig(
  id: string,
  title: AuthenticatorTitle,
  options: ObjectReader,
  path: string,
): WebauthnAuthenticatorConfig {
  const mode =
    options.optionalString('mode', /^[a-z-]+$/, `must be one of ${MODES.join(', ')}`) ?? MODES[0];
  if (!MODES.includes(mode as WebauthnMode))
    throw new ConfigError(`${path}.mode`, `must be one of ${MODES.join(', ')}`);
  const allowRegistrationDuringLogin = options.boolean('allowRegistrationDuringLogin', false);
  const prerequisite =
    options.optionalString(
      'prerequisiteAuthenticator',
      /^[a-z0-9-]{1,32}$/,
      'must be an authenticator id',
    ) ?? null;
  if (allowRegistrationDuringLogin && !prerequisite)
    throw new ConfigError(
      `${path}.prerequisiteAuthenticator`,
      'is required when allowRegistrationDuringLogin is true (it establishes who registers)',
    );
  const accountManager =
    options.optionalString(
      'accountManager',
      /^default$/,
      'must be default (the D1 account manager)',
    ) ?? 'default';
  return {
    id,
    type: 'webauthn',
    title,
    mode: mode as WebauthnMode,
    allowPlatformDevices: options.boolean('allowPlatformDevices', true),
    allowRegistrationDuringLogin,
    prerequisiteAuthenticator: prerequisite,
    askToRegisterAdditionalPlatformDevice: options.boolean(
      'askToRegisterAdditionalPlatformDevice',
      true,
    ),
    platformDeviceCookieName:
      options.optionalString(
        'platformDeviceCookieName',
        /^[A-Za-z0-9_-]{1,64}$/,
        'must be 1–64 of A-Z, a-z, 0-9, _, -',
      ) ?? `webauthn_platform_${id.replace(/-/g, '_')}`,
    accountManager,
    attestation: readAttestationPolicy(options, path),
  };
}

const AAGUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function readAttestationPolicy(options: ObjectReader, path: string): WebauthnAttestationPolicy {
  const conveyance = options.oneOf('attestation', ATTESTATION_CONVEYANCES, 'none');
  const aaguids = options.get('allowedAaguids');
  const allowedAaguids =
    aaguids === undefined
      ? null
      : options.strings('allowedAaguids', [], AAGUID).map((a) => a.toLowerCase());
  if (allowedAaguids?.length === 0)
    throw new ConfigError(
      `${path}.allowedAaguids`,
      'must list at least one AAGUID (or be left out)',
    );
  const requireTrustedAttestation = options.boolean('requireTrustedAttestation', false);
  if (requireTrustedAttestation && conveyance === 'none')
    throw new ConfigError(
      `${path}.requireTrustedAttestation`,
      'needs an attestation other than none (a device sends none unless asked)',
    );
  return { conveyance, allowedAaguids, requireTrustedAttestation };
}
