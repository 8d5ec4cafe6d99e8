/** Trust-anchor sets named as in the shared vectors (`trustAnchors` parameter). */
import { ANDROID_SOFTWARE_ROOTS } from '../../src/attestation/roots/android-software';
import { GOOGLE_ROOT_EC_2025, GOOGLE_ROOT_RSA_2022 } from '../../src/attestation/roots/google';
import { parseCertificate } from '../../src/attestation/x509/certificate';
import { pemToDer } from '../../src/crypto/pem';

const parse = (root: { pem: string }) => parseCertificate(pemToDer(root.pem));

export function androidAnchors(name: string) {
  switch (name) {
    case 'google':
      return [parse(GOOGLE_ROOT_RSA_2022), parse(GOOGLE_ROOT_EC_2025)];
    case 'google-rsa-only':
      return [parse(GOOGLE_ROOT_RSA_2022)];
    case 'google+software':
      return [
        parse(GOOGLE_ROOT_RSA_2022),
        parse(GOOGLE_ROOT_EC_2025),
        ...ANDROID_SOFTWARE_ROOTS.map(parse),
      ];
    default:
      throw new Error(`unknown trust anchor set ${name}`);
  }
}
