// Every case of every shared Android vector (real devices; test/vectors/README.md): verified with
// the clock fixed at the case's verificationTime, compared with the expected verdict and reason.
import { describe, expect, it } from 'vitest';
import type { SecurityLevelName } from '../../../src/attestation/android/key-description';
import { verifyAndroidKeyAttestation } from '../../../src/attestation/android/verify';
import { decodeBase64, encodeBase64 } from '../../../src/crypto/pem';
import { androidAnchors } from '../../support/attestation-anchors';
import pixel3 from '../../vectors/android/pixel3-tee-ec-factory.json';
import pixel9a from '../../vectors/android/pixel9a-tee-ec-2026-root.json';
import pixel9pro from '../../vectors/android/pixel9pro-tee-ec-rkp-rsa-root.json';
import pixelxl from '../../vectors/android/pixelxl-software-attestation-ec.json';

interface AndroidCase {
  name: string;
  parameters: {
    verificationTime: string;
    expectedChallengeB64: string;
    packageName: string | null;
    signatureDigestsSha256Hex: string[] | null;
    trustAnchors: string;
    minSecurityLevel: SecurityLevelName;
    requireVerifiedBoot: boolean;
    requireDeviceLocked: boolean;
    requireOriginGenerated: boolean;
    factoryChainExpiry: 'ignore' | 'enforce';
    revokedSerialsHex?: string[];
  };
  expect: {
    result: 'accept' | 'reject';
    reason: string | null;
    attested?: {
      attestationVersion: number;
      securityLevel: string;
      subjectPublicKeyInfoB64?: string;
      leafSubjectPublicKeyInfoB64?: string;
    };
  };
}

const vectors = [pixel3, pixel9a, pixel9pro, pixelxl] as unknown as {
  id: string;
  input: { certificateChainB64: string[] };
  cases: AndroidCase[];
}[];

describe('Android key attestation: real-device vectors (docs/attestation.md §1)', () => {
  for (const vector of vectors) {
    describe(vector.id, () => {
      for (const testCase of vector.cases) {
        const p = testCase.parameters;
        it(`${testCase.name}: ${testCase.expect.result}${testCase.expect.reason ? ` (${testCase.expect.reason})` : ''}`, async () => {
          const chain = vector.input.certificateChainB64.map(
            (b64) => decodeBase64(b64) as Uint8Array,
          );
          const result = await verifyAndroidKeyAttestation(
            chain,
            decodeBase64(p.expectedChallengeB64) as Uint8Array,
            new Date(p.verificationTime),
            {
              anchors: androidAnchors(p.trustAnchors),
              packageNames: p.packageName === null ? null : [p.packageName],
              signatureDigests: p.signatureDigestsSha256Hex,
              minSecurityLevel: p.minSecurityLevel,
              requireVerifiedBoot: p.requireVerifiedBoot,
              requireDeviceLocked: p.requireDeviceLocked,
              requireOriginGenerated: p.requireOriginGenerated,
              factoryChainExpiry: p.factoryChainExpiry,
              revokedSerials: new Set(p.revokedSerialsHex ?? []),
            },
          );
          if (testCase.expect.result === 'accept') {
            expect(result).toMatchObject({ valid: true });
            if (result.valid && testCase.expect.attested) {
              expect(result.evidence.attestationVersion).toBe(
                testCase.expect.attested.attestationVersion,
              );
              expect(result.evidence.securityLevel).toBe(testCase.expect.attested.securityLevel);
              const spki =
                testCase.expect.attested.leafSubjectPublicKeyInfoB64 ??
                testCase.expect.attested.subjectPublicKeyInfoB64;
              if (spki) expect(encodeBase64(result.evidence.attestedKeySpki)).toBe(spki);
            }
          } else {
            expect(result).toEqual({ valid: false, reason: testCase.expect.reason });
          }
        });
      }
    });
  }
});
