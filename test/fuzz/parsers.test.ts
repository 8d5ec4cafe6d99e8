// Property-based fuzzing of the attestation and proof parsers: near misses of real inputs (bytes
// changed, truncated, extended) and random bytes. A verifier answers `valid: false` with a reason;
// it never throws. FUZZ_RUNS cases per property (`npm run soak`: 10,000).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { verifyAndroidKeyAttestation } from '../../src/attestation/android/verify';
import { parseChallengeResponse } from '../../src/attestation/challenge-response';
import { verifyAppAttestAssertion } from '../../src/attestation/ios/verify-assertion';
import { verifyAppAttestation } from '../../src/attestation/ios/verify-attestation';
import { parseCertificate } from '../../src/attestation/x509/certificate';
import { decodeBase64 } from '../../src/crypto/pem';
import { androidAnchors } from '../support/attestation-anchors';
import { mutated, params, TIMEOUT } from '../support/fuzz';
import pixel3 from '../vectors/android/pixel3-tee-ec-factory.json';
import ios from '../vectors/ios/ios14-4-development-attestation-and-assertion.json';

const bytes = (b64: string) => decodeBase64(b64) as Uint8Array;
const chain = (
  pixel3 as { input: { certificateChainB64: string[] } }
).input.certificateChainB64.map(bytes);
const iosInput = (ios as unknown as { input: Record<string, string> }).input;
const androidPolicy = {
  anchors: androidAnchors('google'),
  packageNames: null,
  signatureDigests: null,
  minSecurityLevel: 'Software' as const,
  requireVerifiedBoot: false,
  requireDeviceLocked: false,
  requireOriginGenerated: false,
  factoryChainExpiry: 'ignore' as const,
  revokedSerials: new Set<string>(),
};

describe('Fuzz: parsers never throw on malformed input', () => {
  it(
    'X.509: a certificate either parses or throws CertificateParseError',
    () => {
      fc.assert(
        fc.property(mutated(chain[0] as Uint8Array), (der) => {
          try {
            parseCertificate(der);
          } catch (err) {
            expect((err as Error).name).toBe('CertificateParseError');
          }
        }),
        params,
      );
    },
    TIMEOUT,
  );

  it(
    'Android key attestation: any chain with any certificate changed answers a verdict',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.nat({ max: chain.length - 1 }),
          fc.nat({ max: chain.length - 1 }).chain((i) => mutated(chain[i] as Uint8Array)),
          async (at, replacement) => {
            const input = chain.slice();
            input[at] = replacement;
            const result = await verifyAndroidKeyAttestation(
              input,
              new Uint8Array(16),
              new Date('2019-06-01T00:00:00Z'),
              androidPolicy,
            );
            expect(typeof result.valid).toBe('boolean');
            if (!result.valid) expect(result.reason).toMatch(/^[a-z_]+$/);
          },
        ),
        params,
      );
    },
    TIMEOUT,
  );

  it(
    'App Attest: attestation objects and assertions, mutated or random, answer a verdict',
    async () => {
      const attestation = bytes(iosInput.attestationObjectB64 as string);
      await fc.assert(
        fc.asyncProperty(
          mutated(attestation),
          fc.uint8Array({ maxLength: 64 }),
          async (object, key) => {
            const result = await verifyAppAttestation(object, key, new Uint8Array(32), new Date(), {
              anchors: [],
              appIds: ['TEAMID.app'],
              allowedEnvironments: ['production', 'development'],
            });
            expect(result.valid).toBe(false);
            const assertion = await verifyAppAttestAssertion(
              object,
              new Uint8Array(32),
              key,
              'TEAMID.app',
              0,
            );
            expect(assertion).toHaveProperty('valid', false);
          },
        ),
        params,
      );
    },
    TIMEOUT,
  );

  it(
    'challenge responses: any text parses to a response or null',
    () => {
      fc.assert(
        fc.property(
          fc.oneof(
            fc.string(),
            fc.jsonValue().map((v) => JSON.stringify(v)),
            fc
              .record({
                platform: fc.constantFrom('android', 'ios', 'web', 'other'),
                x5c: fc.oneof(fc.array(fc.base64String()), fc.jsonValue()),
                keyId: fc.oneof(fc.base64String(), fc.jsonValue()),
                attestation: fc.oneof(fc.base64String(), fc.jsonValue()),
                jkt: fc.string(),
              })
              .map((v) => JSON.stringify(v)),
          ),
          (text) => {
            const parsed = parseChallengeResponse(text);
            expect(parsed === null || typeof parsed === 'object').toBe(true);
          },
        ),
        params,
      );
    },
    TIMEOUT,
  );
});
