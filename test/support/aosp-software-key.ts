/**
 * The AOSP software attestation key (EC P-256) and its intermediate certificate. The key is public:
 * it is published in AOSP's keymaster sources (`soft_attestation_cert.cpp`, `kEcAttestKey`), which
 * is exactly why a chain ending in the software root proves nothing about a device. The tests use
 * it to forge what an attacker can forge: a chain to the software root that claims a TEE.
 * The intermediate expired on 2026-01-08, so forged chains are verified at a time before that.
 */
import type { DevCa } from '../../client/dev-attestation';
import { decodeBase64 } from '../../src/crypto/pem';

const hexToB64u = (hex: string) =>
  btoa(String.fromCharCode(...(hex.match(/../g) ?? []).map((h) => Number.parseInt(h, 16))))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');

// kEcAttestKey (SEC1 ECPrivateKey): the private scalar and the public point.
const D = '21e086432a15198459cf363a50fc14c9daadf935f527c2dfd71e4d6dbc42e544';
const X = 'eb9e79f8426359accb2a914c8986cc70ad90669382a9732613feaccbf821274c';
const Y = '2174974a2afea5b94d7f66d4e065106635bc53b7a0a3a671583edb3e11ae1014';

/** The intermediate ("Android Keystore Software Attestation Intermediate"), as DER. */
export const AOSP_EC_INTERMEDIATE_B64 =
  'MIICeDCCAh6gAwIBAgICEAEwCgYIKoZIzj0EAwIwgZgxCzAJBgNVBAYTAlVTMRMwEQYDVQQIDApDYWxpZm9ybmlhMRYwFAYDVQQHDA1Nb3VudGFpbiBWaWV3MRUwEwYDVQQKDAxHb29nbGUsIEluYy4xEDAOBgNVBAsMB0FuZHJvaWQxMzAxBgNVBAMMKkFuZHJvaWQgS2V5c3RvcmUgU29mdHdhcmUgQXR0ZXN0YXRpb24gUm9vdDAeFw0xNjAxMTEwMDQ2MDlaFw0yNjAxMDgwMDQ2MDlaMIGIMQswCQYDVQQGEwJVUzETMBEGA1UECAwKQ2FsaWZvcm5pYTEVMBMGA1UECgwMR29vZ2xlLCBJbmMuMRAwDgYDVQQLDAdBbmRyb2lkMTswOQYDVQQDDDJBbmRyb2lkIEtleXN0b3JlIFNvZnR3YXJlIEF0dGVzdGF0aW9uIEludGVybWVkaWF0ZTBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABOueefhCY1msyyqRTImGzHCtkGaTgqlzJhP+rMv4ISdMIXSXSir+pblNf2bU4GUQZjW8U7ego6ZxWD7bPhGuEBSjZjBkMB0GA1UdDgQWBBQ//KzWGrE6noEguNUlHMVlux6RqTAfBgNVHSMEGDAWgBTIrel3TEXDo88NFhDkeUM6IVowzzASBgNVHRMBAf8ECDAGAQH/AgEAMA4GA1UdDwEB/wQEAwIChDAKBggqhkjOPQQDAgNIADBFAiBLipt77oK8wDOHri/AiZi03cONqycqRZ9pDMfDktQPjgIhAO7aAV229DLp1IQ7YkyUBO86fMy9Xvsiu+f+uXc/WT/7';

/** A time at which the AOSP intermediate is valid. */
export const AOSP_INTERMEDIATE_VALID_AT = new Date('2025-06-01T00:00:00Z');

/** The AOSP intermediate as an issuing CA for androidChain(): anyone can be it. */
export async function aospSoftwareCa(): Promise<DevCa> {
  const jwk = { kty: 'EC', crv: 'P-256', x: hexToB64u(X), y: hexToB64u(Y) };
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256' };
  const privateKey = await crypto.subtle.importKey(
    'jwk',
    { ...jwk, d: hexToB64u(D) },
    algorithm,
    false,
    ['sign'],
  );
  const publicKey = await crypto.subtle.importKey('jwk', jwk, algorithm, true, ['verify']);
  return {
    keys: { privateKey, publicKey },
    name: 'Android Keystore Software Attestation Intermediate',
    der: decodeBase64(AOSP_EC_INTERMEDIATE_B64) as Uint8Array,
    pem: '',
  };
}
