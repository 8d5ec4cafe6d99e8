/**
 * @module attestation/android/key-description
 * Reads the Android KeyDescription extension (OID 1.3.6.1.4.1.11129.2.1.17, docs/attestation.md
 * §1.5) with @peculiar/asn1-android. `NonStandardKeyDescription` is used because real devices
 * emit authorization lists out of tag order (§1.8); the layout is the same in every attestation
 * version. attestationApplicationId is an OCTET STRING holding DER, decoded a second time.
 */
import {
  AttestationApplicationId,
  type NonStandardAuthorizationList,
  NonStandardKeyDescription,
} from '@peculiar/asn1-android';
import { AsnConvert } from '@peculiar/asn1-schema';

export const KEY_DESCRIPTION_OID = '1.3.6.1.4.1.11129.2.1.17';

export const SECURITY_LEVELS = ['Software', 'TrustedEnvironment', 'StrongBox'] as const;
export type SecurityLevelName = (typeof SECURITY_LEVELS)[number];
export const BOOT_STATES = ['Verified', 'SelfSigned', 'Unverified', 'Failed'] as const;

export interface KeyDescriptionFacts {
  readonly attestationVersion: number;
  readonly attestationSecurityLevel: number;
  readonly keyMintSecurityLevel: number;
  readonly challenge: Uint8Array;
  readonly packageNames: readonly string[];
  readonly signatureDigestsHex: readonly string[];
  readonly rootOfTrust: { verifiedBootState: number; deviceLocked: boolean } | null;
  readonly hardwareOrigin: number | undefined;
}

const hex = (bytes: Uint8Array) => [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');

/**
 * The bytes of an OCTET STRING field. The schema declares `OctetString`, but fields declared with
 * `AsnPropTypes.OctetString` (those of AttestationApplicationId) arrive as plain ArrayBuffers.
 */
function bytesOf(value: { buffer: ArrayBuffer } | ArrayBuffer): Uint8Array {
  return new Uint8Array(value instanceof ArrayBuffer ? value : value.buffer);
}

function applicationId(lists: NonStandardAuthorizationList[]): AttestationApplicationId | null {
  for (const list of lists) {
    const value = list.findProperty('attestationApplicationId');
    if (value) return AsnConvert.parse(bytesOf(value), AttestationApplicationId);
  }
  return null;
}

/** Parses the extension value; throws on malformed DER (the caller maps it to a reason). */
export function parseKeyDescription(extension: Uint8Array): KeyDescriptionFacts {
  const description = AsnConvert.parse(extension, NonStandardKeyDescription);
  const software = description.softwareEnforced;
  const hardware = description.hardwareEnforced;
  const appId = applicationId([software, hardware]);
  const rootOfTrust = hardware.findProperty('rootOfTrust');
  return {
    attestationVersion: description.attestationVersion,
    attestationSecurityLevel: description.attestationSecurityLevel,
    keyMintSecurityLevel: description.keymasterSecurityLevel,
    challenge: bytesOf(description.attestationChallenge),
    packageNames: (appId?.packageInfos ?? []).map((info) =>
      new TextDecoder().decode(bytesOf(info.packageName)),
    ),
    signatureDigestsHex: (appId?.signatureDigests ?? []).map((digest) => hex(bytesOf(digest))),
    rootOfTrust: rootOfTrust
      ? {
          verifiedBootState: rootOfTrust.verifiedBootState,
          deviceLocked: Boolean(rootOfTrust.deviceLocked),
        }
      : null,
    hardwareOrigin: hardware.findProperty('origin'),
  };
}
