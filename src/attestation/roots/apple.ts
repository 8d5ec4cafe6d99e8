/**
 * @module attestation/roots/apple
 * The Apple App Attestation Root CA, the trust anchor of App Attest attestation statements.
 */
/**
 * Apple App Attestation Root CA (ECDSA P-384). Published by Apple (Apple PKI, private CA section). The same bytes are pinned by node-app-attest, appattest-checker-node and appattest-swift.
 * Subject: ST=California,O=Apple Inc.,CN=Apple App Attestation Root CA. Valid 2020-03-18T18:32:53Z to 2045-03-15T00:00:00Z. Key: EC P-384.
 * SHA-256 of the certificate: 1cb9823ba28ba6ad2d33a006941de2ae4f513ef1d4e831b9f7e0fa7b6242c932
 * SHA-256 of its SubjectPublicKeyInfo: 1ae751fd29896d0f1f13fe226c063f445d40d8938acc6245c251ecc0679330bd
 * Source: https://www.apple.com/certificateauthority/Apple_App_Attestation_Root_CA.pem (Apple PKI page), as linked from developer.apple.com/documentation/devicecheck/validating-apps-that-connect-to-your-server
 */
export const APPLE_APP_ATTESTATION_ROOT = {
  pem: `-----BEGIN CERTIFICATE-----
MIICITCCAaegAwIBAgIQC/O+DvHN0uD7jG5yH2IXmDAKBggqhkjOPQQDAzBSMSYw
JAYDVQQDDB1BcHBsZSBBcHAgQXR0ZXN0YXRpb24gUm9vdCBDQTETMBEGA1UECgwK
QXBwbGUgSW5jLjETMBEGA1UECAwKQ2FsaWZvcm5pYTAeFw0yMDAzMTgxODMyNTNa
Fw00NTAzMTUwMDAwMDBaMFIxJjAkBgNVBAMMHUFwcGxlIEFwcCBBdHRlc3RhdGlv
biBSb290IENBMRMwEQYDVQQKDApBcHBsZSBJbmMuMRMwEQYDVQQIDApDYWxpZm9y
bmlhMHYwEAYHKoZIzj0CAQYFK4EEACIDYgAERTHhmLW07ATaFQIEVwTtT4dyctdh
NbJhFs/Ii2FdCgAHGbpphY3+d8qjuDngIN3WVhQUBHAoMeQ/cLiP1sOUtgjqK9au
Yen1mMEvRq9Sk3Jm5X8U62H+xTD3FE9TgS41o0IwQDAPBgNVHRMBAf8EBTADAQH/
MB0GA1UdDgQWBBSskRBTM72+aEH/pwyp5frq5eWKoTAOBgNVHQ8BAf8EBAMCAQYw
CgYIKoZIzj0EAwMDaAAwZQIwQgFGnByvsiVbpTKwSga0kP0e8EeDS4+sQmTvb7vn
53O5+FRXgeLhpJ06ysC5PrOyAjEAp5U4xDgEgllF7En3VcE3iexZZtKeYnpqtijV
oyFraWVIyd/dganmrduC1bmTBGwD
-----END CERTIFICATE-----`,
  certificateSha256: '1cb9823ba28ba6ad2d33a006941de2ae4f513ef1d4e831b9f7e0fa7b6242c932',
  spkiSha256: '1ae751fd29896d0f1f13fe226c063f445d40d8938acc6245c251ecc0679330bd',
  notAfter: '2045-03-15T00:00:00Z',
} as const;
