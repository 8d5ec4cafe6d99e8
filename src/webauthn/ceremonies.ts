/**
 * @module webauthn/ceremonies
 * The WebAuthn ceremonies (W3C WebAuthn Level 3 §7) through @simplewebauthn/server: options for
 * registration and authentication, and verification of the browser's or app's response. The
 * library's plain `Error`s become our problems; nothing is stored here (see storage/webauthn-devices).
 *
 * Mode rules (haapi/authenticators/webauthn/config.ts):
 *  - passkeys-or-user-verifying-devices: `residentKey: preferred`, `userVerification: required`
 *    (registration and authentication), any attachment;
 *  - any-device: `userVerification: preferred`; the platform and cross-platform option sets differ
 *    in `authenticatorAttachment` and the `hints`.
 */

import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import { decodeBase64Url, encodeBase64Url } from '../crypto/base64url';
import type { DeviceType, WebauthnDevice } from '../storage/webauthn-devices';
import type { AttestationConveyance } from './attestation-policy';
import type { RelyingParty, WebauthnMode } from './settings';

/** Bytes of a base64url string, on a plain ArrayBuffer (what the library's types ask for). */
function bytes(text: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(decodeBase64Url(text) ?? new Uint8Array(0));
}

/** COSE algorithms we accept: ES256, EdDSA, RS256 (the WebAuthn-recommended set). */
const ALGORITHMS = [-7, -8, -257];

export class CeremonyError extends Error {
  constructor(
    /** `malformed`: not a credential at all; `failed`: a credential that does not verify. */
    readonly kind: 'malformed' | 'failed',
    readonly reason: string,
  ) {
    super(reason);
  }
}

export interface RegistrationUser {
  readonly subject: string;
  readonly username: string;
  readonly displayName: string;
}

export async function registrationOptions(
  rp: RelyingParty,
  mode: WebauthnMode,
  user: RegistrationUser,
  existing: readonly WebauthnDevice[],
  challenge: string,
  attachment?: DeviceType,
  conveyance: AttestationConveyance = 'none',
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const passkeys = mode === 'passkeys-or-user-verifying-devices';
  const options = await generateRegistrationOptions({
    rpName: rp.name,
    rpID: rp.id,
    userName: user.username,
    userDisplayName: user.displayName,
    userID: new Uint8Array(new TextEncoder().encode(user.subject)),
    challenge: bytes(challenge),
    timeout: rp.timeoutMs,
    // The library takes none, direct and enterprise; indirect is set on its answer below.
    attestationType: conveyance === 'indirect' ? 'none' : conveyance,
    excludeCredentials: existing.map((d) => ({
      id: d.credentialId,
      transports: [...d.transports],
    })),
    authenticatorSelection: {
      residentKey: passkeys ? 'preferred' : 'discouraged',
      userVerification: passkeys ? 'required' : 'preferred',
      ...(attachment ? { authenticatorAttachment: attachment } : {}),
    },
    supportedAlgorithmIDs: ALGORITHMS,
    ...(attachment
      ? { preferredAuthenticatorType: attachment === 'platform' ? 'localDevice' : 'securityKey' }
      : {}),
  });
  return conveyance === 'indirect' ? { ...options, attestation: 'indirect' } : options;
}

export async function authenticationOptions(
  rp: RelyingParty,
  mode: WebauthnMode,
  devices: readonly WebauthnDevice[],
  challenge: string,
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  return generateAuthenticationOptions({
    rpID: rp.id,
    challenge: bytes(challenge),
    timeout: rp.timeoutMs,
    userVerification: mode === 'any-device' ? 'preferred' : 'required',
    allowCredentials: devices.map((d) => ({ id: d.credentialId, transports: [...d.transports] })),
  });
}

/** Parses the JSON of a `PublicKeyCredential.toJSON()` (as a string or already an object). */
function credentialJson(value: string | undefined): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = value === undefined ? undefined : JSON.parse(value);
  } catch {
    throw new CeremonyError('malformed', 'credential_not_json');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new CeremonyError('malformed', 'credential_not_object');
  const c = parsed as Record<string, unknown>;
  if (
    typeof c.id !== 'string' ||
    typeof c.rawId !== 'string' ||
    c.type !== 'public-key' ||
    typeof c.response !== 'object' ||
    c.response === null ||
    !decodeBase64Url(c.id)
  )
    throw new CeremonyError('malformed', 'credential_shape');
  return c;
}

/** The id of a submitted credential (to find the device before verifying). */
export function credentialIdOf(value: string | undefined): string {
  return credentialJson(value).id as string;
}

/** The user handle of a discoverable credential's assertion, as our subject (UTF-8 user.id). */
export function userHandleOf(value: string | undefined): string | null {
  const response = credentialJson(value).response as Record<string, unknown>;
  if (typeof response.userHandle !== 'string') return null;
  const bytes = decodeBase64Url(response.userHandle);
  return bytes ? new TextDecoder().decode(bytes) : null;
}

export interface RegisteredDevice {
  readonly credentialId: string;
  readonly publicKey: string;
  readonly counter: number;
  readonly transports: readonly string[];
  readonly deviceType: DeviceType;
  readonly aaguid: string;
  readonly backupEligible: boolean;
  readonly backupState: boolean;
  readonly userVerified: boolean;
  /** The raw attestation object (CBOR), for the attestation policy. */
  readonly attestationObject: Uint8Array;
}

function failed(err: unknown): CeremonyError {
  if (err instanceof CeremonyError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new CeremonyError('failed', message.slice(0, 200));
}

/**
 * Verifies a registration response. `attachment` is what the user chose (any-device); otherwise the
 * credential's `authenticatorAttachment`, or its `internal` transport, tells a built-in device.
 */
export async function verifyRegistration(
  rp: RelyingParty,
  mode: WebauthnMode,
  challenge: string,
  value: string | undefined,
  attachment?: DeviceType,
): Promise<RegisteredDevice> {
  const response = credentialJson(value) as unknown as RegistrationResponseJSON;
  let result: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
  try {
    result = await verifyRegistrationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: [...rp.origins],
      expectedRPID: rp.id,
      requireUserVerification: mode === 'passkeys-or-user-verifying-devices',
      supportedAlgorithmIDs: ALGORITHMS,
    });
  } catch (err) {
    throw failed(err);
  }
  if (!result.verified) throw new CeremonyError('failed', 'not_verified');
  const info = result.registrationInfo;
  const transports = (response.response.transports ?? []).filter((t) => typeof t === 'string');
  const reported = response.authenticatorAttachment;
  const deviceType: DeviceType =
    attachment ??
    (reported === 'platform' || reported === 'cross-platform'
      ? reported
      : transports.includes('internal')
        ? 'platform'
        : 'cross-platform');
  return {
    credentialId: info.credential.id,
    publicKey: encodeBase64Url(info.credential.publicKey),
    counter: info.credential.counter,
    transports,
    deviceType,
    aaguid: info.aaguid,
    backupEligible: info.credentialDeviceType === 'multiDevice',
    backupState: info.credentialBackedUp,
    userVerified: info.userVerified,
    attestationObject: info.attestationObject,
  };
}

export interface VerifiedUse {
  readonly counter: number;
  readonly userVerified: boolean;
  readonly backupState: boolean;
}

export async function verifyAuthentication(
  rp: RelyingParty,
  mode: WebauthnMode,
  challenge: string,
  value: string | undefined,
  device: WebauthnDevice,
): Promise<VerifiedUse> {
  const response = credentialJson(value) as unknown as AuthenticationResponseJSON;
  const publicKey = bytes(device.publicKey);
  if (publicKey.length === 0) throw new CeremonyError('failed', 'stored_key');
  let result: Awaited<ReturnType<typeof verifyAuthenticationResponse>>;
  try {
    result = await verifyAuthenticationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: [...rp.origins],
      expectedRPID: rp.id,
      credential: {
        id: device.credentialId,
        publicKey,
        counter: device.counter,
        transports: [...device.transports] as never,
      },
      requireUserVerification: mode === 'passkeys-or-user-verifying-devices',
    });
  } catch (err) {
    throw failed(err);
  }
  if (!result.verified) throw new CeremonyError('failed', 'not_verified');
  return {
    counter: result.authenticationInfo.newCounter,
    userVerified: result.authenticationInfo.userVerified,
    backupState: result.authenticationInfo.credentialBackedUp,
  };
}
