// The pinned roots are what their provenance says: SHA-256 of the certificate and of its key.
import { describe, expect, it } from 'vitest';
import { ANDROID_SOFTWARE_ROOTS } from '../../../src/attestation/roots/android-software';
import { APPLE_APP_ATTESTATION_ROOT } from '../../../src/attestation/roots/apple';
import { GOOGLE_ROOTS } from '../../../src/attestation/roots/google';
import { parseCertificate } from '../../../src/attestation/x509/certificate';
import { keyOf } from '../../../src/attestation/x509/chain';
import { verifySignature } from '../../../src/attestation/x509/signature';
import { sha256Hex } from '../../../src/crypto/digest';
import { pemToDer } from '../../../src/crypto/pem';

const roots = {
  ...Object.fromEntries(GOOGLE_ROOTS.map((r, i) => [`google-${i}`, r])),
  apple: APPLE_APP_ATTESTATION_ROOT,
  ...Object.fromEntries(ANDROID_SOFTWARE_ROOTS.map((r, i) => [`software-${i}`, r])),
};

describe('Pinned attestation roots', () => {
  for (const [name, root] of Object.entries(roots)) {
    it(`${name}: fingerprints, validity end and self-signature match the pinned values`, async () => {
      const der = pemToDer(root.pem);
      const cert = parseCertificate(der);
      expect(await sha256Hex(der)).toBe(root.certificateSha256);
      expect(await sha256Hex(cert.spki)).toBe(root.spkiSha256);
      expect(cert.notAfter.toISOString().replace('.000', '')).toBe(root.notAfter);
      expect(
        await verifySignature(keyOf(cert), cert.signatureAlgorithm, cert.signature, cert.tbs),
      ).toBe(true);
    });
  }

  it('the Google RSA key is the one all four issued RSA root certificates share', async () => {
    expect(GOOGLE_ROOTS[0].spkiSha256).toBe(
      'feb2ea7551ee316ed4bb443c8293b884dbfdea40b603ee3e4f4a897e4580fbae',
    );
  });
});
