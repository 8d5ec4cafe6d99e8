// Every case of the shared App Attest vectors (Apple's own sample and a real iOS 14.4 device;
// test/vectors/README.md), with the clock fixed at the case's verificationTime.
import { describe, expect, it } from 'vitest';
import { verifyAppAttestAssertion } from '../../../src/attestation/ios/verify-assertion';
import {
  type AppAttestEnvironment,
  verifyAppAttestation,
} from '../../../src/attestation/ios/verify-attestation';
import { APPLE_APP_ATTESTATION_ROOT } from '../../../src/attestation/roots/apple';
import { parseCertificate } from '../../../src/attestation/x509/certificate';
import { decodeBase64, encodeBase64, pemToDer } from '../../../src/crypto/pem';
import appleGuide from '../../vectors/ios/apple-guide-2026-production-attestation.json';
import ios14 from '../../vectors/ios/ios14-4-development-attestation-and-assertion.json';

interface IosCase {
  name: string;
  kind: 'attestation' | 'assertion';
  parameters: {
    appId: string;
    keyIdB64?: string;
    clientDataHashB64: string;
    verificationTime?: string;
    allowedEnvironments?: AppAttestEnvironment[];
    publicKeySpkiB64?: string;
    previousCounter?: number;
  };
  expect: {
    result: 'accept' | 'reject';
    reason: string | null;
    result_details?: { environment?: string; publicKeySpkiB64?: string; counter?: number };
  };
}

const vectors = [appleGuide, ios14] as unknown as {
  id: string;
  input: { attestationObjectB64: string; assertionB64?: string };
  cases: IosCase[];
}[];
const anchors = [parseCertificate(pemToDer(APPLE_APP_ATTESTATION_ROOT.pem))];
const bytes = (b64: string) => decodeBase64(b64) as Uint8Array;

describe('Apple App Attest: real vectors (docs/attestation.md §2)', () => {
  for (const vector of vectors) {
    describe(vector.id, () => {
      for (const testCase of vector.cases) {
        const p = testCase.parameters;
        it(`${testCase.kind} ${testCase.name}: ${testCase.expect.result}${testCase.expect.reason ? ` (${testCase.expect.reason})` : ''}`, async () => {
          if (testCase.kind === 'attestation') {
            const result = await verifyAppAttestation(
              bytes(vector.input.attestationObjectB64),
              bytes(p.keyIdB64 as string),
              bytes(p.clientDataHashB64),
              new Date(p.verificationTime as string),
              { anchors, appIds: [p.appId], allowedEnvironments: p.allowedEnvironments ?? [] },
            );
            if (testCase.expect.result === 'accept') {
              expect(result.valid).toBe(true);
              if (result.valid) {
                expect(result.evidence.environment).toBe(
                  testCase.expect.result_details?.environment,
                );
                expect(encodeBase64(result.evidence.publicKeySpki)).toBe(
                  testCase.expect.result_details?.publicKeySpkiB64,
                );
              }
            } else {
              expect(result).toEqual({ valid: false, reason: testCase.expect.reason });
            }
          } else {
            const result = await verifyAppAttestAssertion(
              bytes(vector.input.assertionB64 as string),
              bytes(p.clientDataHashB64),
              bytes(p.publicKeySpkiB64 as string),
              p.appId,
              p.previousCounter as number,
            );
            if (testCase.expect.result === 'accept') {
              expect(result).toEqual({
                valid: true,
                counter: testCase.expect.result_details?.counter,
              });
            } else {
              expect(result).toEqual({ valid: false, reason: testCase.expect.reason });
            }
          }
        });
      }
    });
  }

  it('a truncated or foreign attestation object is format_invalid', async () => {
    const good = bytes(ios14.input.attestationObjectB64);
    for (const object of [good.slice(0, 100), new Uint8Array([0xa0]), new Uint8Array(0)]) {
      const result = await verifyAppAttestation(
        object,
        new Uint8Array(32),
        new Uint8Array(32),
        new Date(),
        { anchors, appIds: ['x'], allowedEnvironments: ['production'] },
      );
      expect(result).toEqual({ valid: false, reason: 'format_invalid' });
    }
  });
});
