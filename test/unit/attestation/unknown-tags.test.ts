// Tomorrow's devices (issue #22 §1): an authorization list with tags the schema does not know
// (tag 11 for ML-DSA keys in KeyMint 500, or any later one) is read with those items skipped, in
// softwareEnforced and hardwareEnforced alike, in any attestation version; an item the verifier
// decides on must still parse. With a key WebCrypto cannot use, the verdict names what failed
// first (a wrong challenge stays challenge_mismatch) and key_algorithm_unsupported comes last.
// The leaf alone is untrusted_root. Real KeyMint 500 chains are not in Google's public test data
// yet; a real Pixel 9a leaf's description, re-encoded with new tags, stands in for them here.
import { NonStandardKeyDescription } from '@peculiar/asn1-android';
import { AsnConvert } from '@peculiar/asn1-schema';
import * as asn1js from 'asn1js';
import { describe, expect, it } from 'vitest';
import { androidChain, createDevCa, ecKeyPair } from '../../../client/dev-attestation';
import {
  KEY_DESCRIPTION_OID,
  parseKeyDescription,
} from '../../../src/attestation/android/key-description';
import {
  type AndroidPolicyCheck,
  verifyAndroidKeyAttestation,
} from '../../../src/attestation/android/verify';
import { parseCertificate } from '../../../src/attestation/x509/certificate';
import { decodeBase64 } from '../../../src/crypto/pem';
import pixel9a from '../../vectors/android/pixel9a-tee-ec-2026-root.json';

/** `der` (a KeyDescription) with `[tag] EXPLICIT INTEGER value` appended to list `index` (6, 7). */
function withTag(der: Uint8Array, index: 6 | 7, tag: number, inner?: asn1js.BaseBlock): Uint8Array {
  const decoded = asn1js.fromBER(der);
  const description = decoded.result as asn1js.Sequence;
  const list = description.valueBlock.value[index] as asn1js.Sequence;
  list.valueBlock.value.push(
    new asn1js.Constructed({
      idBlock: { tagClass: 3, tagNumber: tag },
      value: [inner ?? new asn1js.Integer({ value: 1 })],
    }),
  );
  return new Uint8Array(description.toBER());
}

/** `der` with its attestation and KeyMint versions set to `version`. */
function withVersion(der: Uint8Array, version: number): Uint8Array {
  const description = asn1js.fromBER(der).result as asn1js.Sequence;
  description.valueBlock.value[0] = new asn1js.Integer({ value: version });
  description.valueBlock.value[2] = new asn1js.Integer({ value: version });
  return new Uint8Array(description.toBER());
}

const pixelLeaf = parseCertificate(
  decodeBase64(pixel9a.input.certificateChainB64[0] as string) as Uint8Array,
);
const realDescription = pixelLeaf.extensions.get(KEY_DESCRIPTION_OID) as Uint8Array;

describe('KeyDescription: unknown authorization-list tags are skipped', () => {
  const original = parseKeyDescription(realDescription);

  it.each([
    ['hardwareEnforced', 7],
    ['softwareEnforced', 6],
  ] as const)('a new tag in %s (KeyMint 500): the same facts, the tag listed as skipped', (_list, index) => {
    const edited = withVersion(withTag(realDescription, index, 11), 500);
    // The schema alone refuses it: this is what rejected such devices before.
    expect(() => AsnConvert.parse(edited, NonStandardKeyDescription)).toThrow();
    const facts = parseKeyDescription(edited);
    expect(facts).toEqual({ ...original, attestationVersion: 500, skippedTags: [11] });
  });

  it('several unknown tags, among them a large one, and any version after 500', () => {
    let edited = withTag(realDescription, 7, 11);
    edited = withTag(edited, 6, 4242, new asn1js.OctetString({ valueHex: new Uint8Array([1, 2]) }));
    edited = withVersion(edited, 600);
    const facts = parseKeyDescription(edited);
    expect([...facts.skippedTags].sort((a, b) => a - b)).toEqual([11, 4242]);
    expect(facts.packageNames).toEqual(original.packageNames);
    expect(facts.rootOfTrust).toEqual(original.rootOfTrust);
  });

  it('the real description parses as before (nothing skipped)', () => {
    expect(original.skippedTags).toEqual([]);
    expect(original.attestationVersion).toBe(400);
    expect(original.packageNames.length).toBeGreaterThan(0);
  });

  it('an item the verifier decides on must parse: a broken rootOfTrust (704) is malformed', () => {
    const broken = withTag(realDescription, 7, 704, new asn1js.Integer({ value: 5 }));
    expect(() => parseKeyDescription(broken)).toThrow();
  });
});

describe('Android verdicts with new tags and new key types', () => {
  // An ML-DSA-65 SubjectPublicKeyInfo (OID 2.16.840.1.101.3.4.3.18): WebCrypto here has no ML-DSA.
  const mlDsaSpki = new Uint8Array(
    new asn1js.Sequence({
      value: [
        new asn1js.Sequence({
          value: [new asn1js.ObjectIdentifier({ value: '2.16.840.1.101.3.4.3.18' })],
        }),
        new asn1js.BitString({ valueHex: new Uint8Array(1952).fill(3) }),
      ],
    }).toBER(),
  );

  async function setup() {
    const root = await createDevCa('unknown-tags root');
    const policy: AndroidPolicyCheck = {
      anchors: [parseCertificate(root.der)],
      packageNames: ['com.example.app'],
      signatureDigests: null,
      minSecurityLevel: 'TrustedEnvironment',
      requireVerifiedBoot: true,
      requireDeviceLocked: true,
      requireOriginGenerated: true,
      factoryChainExpiry: 'ignore',
      revokedSerials: new Set(),
    };
    const challenge = new Uint8Array(32).fill(9);
    const chain = (options: { leafSpki?: Uint8Array; challenge?: Uint8Array }) =>
      ecKeyPair().then((key) =>
        androidChain({
          root,
          key,
          challenge: options.challenge ?? challenge,
          packageName: 'com.example.app',
          signatureDigests: [new Uint8Array(32).fill(1)],
          editKeyDescription: (der) => withVersion(withTag(withTag(der, 7, 11), 6, 11), 500),
          leafSpki: options.leafSpki,
        }),
      );
    return { policy, challenge, chain };
  }

  it('a KeyMint 500 leaf with an unknown tag and an EC key is valid', async () => {
    const { policy, challenge, chain } = await setup();
    const result = await verifyAndroidKeyAttestation(
      await chain({}),
      challenge,
      new Date(),
      policy,
    );
    expect(result).toMatchObject({ valid: true, evidence: { attestationVersion: 500 } });
  });

  it('an ML-DSA key: challenge_mismatch when the challenge is wrong, key_algorithm_unsupported only when all else holds', async () => {
    const { policy, challenge, chain } = await setup();
    const wrong = await chain({ leafSpki: mlDsaSpki, challenge: new Uint8Array(32).fill(8) });
    expect(await verifyAndroidKeyAttestation(wrong, challenge, new Date(), policy)).toEqual({
      valid: false,
      reason: 'challenge_mismatch',
    });
    const otherPackage = { ...policy, packageNames: ['com.example.other'] };
    const right = await chain({ leafSpki: mlDsaSpki });
    expect(await verifyAndroidKeyAttestation(right, challenge, new Date(), otherPackage)).toEqual({
      valid: false,
      reason: 'package_mismatch',
    });
    expect(await verifyAndroidKeyAttestation(right, challenge, new Date(), policy)).toEqual({
      valid: false,
      reason: 'key_algorithm_unsupported',
    });
  });

  it('the leaf alone does not reach a trusted root: untrusted_root', async () => {
    const { policy, challenge, chain } = await setup();
    const [leaf] = await chain({});
    expect(
      await verifyAndroidKeyAttestation([leaf as Uint8Array], challenge, new Date(), policy),
    ).toEqual({
      valid: false,
      reason: 'untrusted_root',
    });
    expect(
      await verifyAndroidKeyAttestation([new Uint8Array([1, 2, 3])], challenge, new Date(), policy),
    ).toEqual({
      valid: false,
      reason: 'format_invalid',
    });
  });
});
