/**
 * @module attestation/android/key-description
 * Reads the Android KeyDescription extension (OID 1.3.6.1.4.1.11129.2.1.17, docs/attestation.md
 * §1.5). The outer SEQUENCE (versions, security levels, challenge, unique id) has the same layout
 * in every attestation version, 1 to KeyMint 500 and later; the two authorization lists are read
 * item by item: each `[tag] EXPLICIT` item is parsed with @peculiar/asn1-android's schema, and an
 * item whose tag the schema does not know (tag 11 for ML-DSA keys in KeyMint 500, or any later
 * one) is skipped, as Google's guidance says, instead of rejecting the whole description. Items
 * may come in any order (real devices emit them out of tag order, §1.8). An item that drives a
 * decision (origin, rootOfTrust, attestationApplicationId) must parse, or the description is
 * malformed. attestationApplicationId is an OCTET STRING holding DER, decoded a second time.
 */
import {
  AttestationApplicationId,
  NonStandardAuthorization,
  NonStandardAuthorizationList,
} from '@peculiar/asn1-android';
import { AsnConvert, AsnProp, AsnPropTypes, OctetString } from '@peculiar/asn1-schema';
import * as asn1js from 'asn1js';
import { encodeHex } from '../../crypto/base64url';

export const KEY_DESCRIPTION_OID = '1.3.6.1.4.1.11129.2.1.17';

export const SECURITY_LEVELS = ['Software', 'TrustedEnvironment', 'StrongBox'] as const;
export type SecurityLevelName = (typeof SECURITY_LEVELS)[number];
export const BOOT_STATES = ['Verified', 'SelfSigned', 'Unverified', 'Failed'] as const;

/** The authorization-list tags whose values the verifier decides on: they must parse. */
const DECIDING_TAGS = new Set([702, 704, 709]);

export interface KeyDescriptionFacts {
  readonly attestationVersion: number;
  readonly attestationSecurityLevel: number;
  readonly keyMintSecurityLevel: number;
  readonly challenge: Uint8Array;
  readonly packageNames: readonly string[];
  readonly signatureDigestsHex: readonly string[];
  readonly rootOfTrust: { verifiedBootState: number; deviceLocked: boolean } | null;
  readonly hardwareOrigin: number | undefined;
  /** Authorization-list tags skipped because the schema does not know them. */
  readonly skippedTags: readonly number[];
}

/**
 * The KeyDescription SEQUENCE with both authorization lists kept as raw DER (AsnPropTypes.Any),
 * so that an unknown item in them cannot fail the parse of the rest.
 */
class RawKeyDescription {
  attestationVersion = 0;
  attestationSecurityLevel = 0;
  keyMintVersion = 0;
  keyMintSecurityLevel = 0;
  attestationChallenge = new OctetString();
  uniqueId = new OctetString();
  softwareEnforced = new ArrayBuffer(0);
  hardwareEnforced = new ArrayBuffer(0);
}
const field = (type: Parameters<typeof AsnProp>[0]['type'], name: keyof RawKeyDescription) =>
  AsnProp({ type })(RawKeyDescription.prototype, name);
field(AsnPropTypes.Integer, 'attestationVersion');
field(AsnPropTypes.Enumerated, 'attestationSecurityLevel');
field(AsnPropTypes.Integer, 'keyMintVersion');
field(AsnPropTypes.Enumerated, 'keyMintSecurityLevel');
field(OctetString, 'attestationChallenge');
field(OctetString, 'uniqueId');
field(AsnPropTypes.Any, 'softwareEnforced');
field(AsnPropTypes.Any, 'hardwareEnforced');

/**
 * The bytes of an OCTET STRING field. The schema declares `OctetString`, but fields declared with
 * `AsnPropTypes.OctetString` (those of AttestationApplicationId) arrive as plain ArrayBuffers.
 */
function bytesOf(value: { buffer: ArrayBuffer } | ArrayBuffer): Uint8Array {
  return new Uint8Array(value instanceof ArrayBuffer ? value : value.buffer);
}

/** One authorization list: its known items typed, its unknown tags skipped (and listed). */
export function parseAuthorizationList(
  der: ArrayBuffer,
  skipped: number[],
): NonStandardAuthorizationList {
  const decoded = asn1js.fromBER(der);
  if (decoded.offset === -1 || !(decoded.result instanceof asn1js.Sequence))
    throw new Error('authorization list: not a SEQUENCE');
  if (decoded.offset !== der.byteLength) throw new Error('authorization list: trailing bytes');
  const items: NonStandardAuthorization[] = [];
  for (const item of decoded.result.valueBlock.value) {
    const { tagClass, tagNumber } = item.idBlock;
    if (tagClass !== 3) throw new Error('authorization list: an item without a context tag');
    const raw = item.valueBeforeDecodeView;
    try {
      items.push(AsnConvert.parse(raw, NonStandardAuthorization));
    } catch (err) {
      if (DECIDING_TAGS.has(tagNumber)) throw err;
      skipped.push(tagNumber);
    }
  }
  return new NonStandardAuthorizationList(items);
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
  const description = AsnConvert.parse(extension, RawKeyDescription);
  const skippedTags: number[] = [];
  const software = parseAuthorizationList(description.softwareEnforced, skippedTags);
  const hardware = parseAuthorizationList(description.hardwareEnforced, skippedTags);
  const appId = applicationId([software, hardware]);
  const rootOfTrust = hardware.findProperty('rootOfTrust');
  return {
    attestationVersion: description.attestationVersion,
    attestationSecurityLevel: description.attestationSecurityLevel,
    keyMintSecurityLevel: description.keyMintSecurityLevel,
    challenge: bytesOf(description.attestationChallenge),
    packageNames: (appId?.packageInfos ?? []).map((info) =>
      new TextDecoder().decode(bytesOf(info.packageName)),
    ),
    signatureDigestsHex: (appId?.signatureDigests ?? []).map((digest) =>
      encodeHex(bytesOf(digest)),
    ),
    rootOfTrust: rootOfTrust
      ? {
          verifiedBootState: rootOfTrust.verifiedBootState,
          deviceLocked: Boolean(rootOfTrust.deviceLocked),
        }
      : null,
    hardwareOrigin: hardware.findProperty('origin'),
    skippedTags,
  };
}
