import { describe, expect, it } from 'vitest';
import {
  type ParsedCertificate,
  parseCertificate,
} from '../../../src/attestation/x509/certificate';
import { anchorOf, signaturesChain } from '../../../src/attestation/x509/chain';
import { decodeBase64 } from '../../../src/crypto/pem';
import { androidAnchors } from '../../support/attestation-anchors';
import pixel9a from '../../vectors/android/pixel9a-tee-ec-2026-root.json';
import pixel9pro from '../../vectors/android/pixel9pro-tee-ec-rkp-rsa-root.json';

const chainOf = (vector: { input: { certificateChainB64: string[] } }): ParsedCertificate[] =>
  vector.input.certificateChainB64.map((b64) => parseCertificate(decodeBase64(b64) as Uint8Array));

// Verified signatures and imported keys are remembered per isolate (src/attestation/x509/chain.ts,
// signature.ts): a remembered success must never stand in for a different issuer or certificate.
describe('certificate chain checks with remembered verifications', () => {
  it('a real device chain verifies, and verifies again from what was remembered', async () => {
    const chain = chainOf(pixel9pro);
    expect(await signaturesChain(chain)).toBe(true);
    expect(await signaturesChain(chain)).toBe(true);
    const top = chain[chain.length - 1] as ParsedCertificate;
    const anchors = androidAnchors('google');
    const first = await anchorOf(top, anchors);
    expect(first).not.toBeNull();
    expect(await anchorOf(top, anchors)).toBe(first);
  });

  it('a certificate remembered as signed by one issuer is not taken as signed by another', async () => {
    const [leaf, issuer] = chainOf(pixel9pro) as [ParsedCertificate, ParsedCertificate];
    const [, otherIssuer] = chainOf(pixel9a) as [ParsedCertificate, ParsedCertificate];
    expect(await signaturesChain([leaf, issuer])).toBe(true);
    expect(await signaturesChain([leaf, otherIssuer])).toBe(false);
    expect(await signaturesChain([leaf, otherIssuer])).toBe(false);
    expect(await signaturesChain([leaf, issuer])).toBe(true);
  });

  it('a failure is not remembered as a success, and a chain to other anchors stays untrusted', async () => {
    const chain = chainOf(pixel9pro);
    const top = chain[chain.length - 1] as ParsedCertificate;
    expect(await anchorOf(top, androidAnchors('google'))).not.toBeNull();
    const unrelated = chainOf(pixel9a).slice(0, 1);
    expect(await anchorOf(top, unrelated)).toBeNull();
    expect(await anchorOf(top, unrelated)).toBeNull();
  });
});
