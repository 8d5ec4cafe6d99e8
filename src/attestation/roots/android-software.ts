/**
 * @module attestation/roots/android-software
 * The AOSP software attestation roots. NOT trust anchors for production: their private keys are
 * published, so anyone can forge a chain under them. Non-production policies may trust them so
 * that emulators and development devices can log in; a production policy never does.
 */
/**
 * AOSP software attestation root (EC P-256). Its private key is in the Android source tree: chains ending here prove nothing. Use only to recognise emulators / software attestation.
 * Subject: CN=Android Keystore Software Attestation Root,OU=Android,O=Google\, Inc.,L=Mountain View,ST=California,C=US. Valid 2016-01-11T00:43:50Z to 2036-01-06T00:43:50Z. Key: EC P-256.
 * SHA-256 of the certificate: 51d496ad4664190fbdaf1ad987278efa35d6fbf52e50a9c34ded8395477ede5c
 * SHA-256 of its SubjectPublicKeyInfo: d5100c7942ef2e8310dc30ef82729680cf48d690735c3f68179a33c7c370f286
 * Source: AOSP (hardware/interfaces keymaster / keystore software attestation), also in the testdata of github.com/android/keyattestation
 */
export const ANDROID_SOFTWARE_ROOT_EC = {
  pem: `-----BEGIN CERTIFICATE-----
MIICizCCAjKgAwIBAgIJAKIFntEOQ1tXMAoGCCqGSM49BAMCMIGYMQswCQYDVQQG
EwJVUzETMBEGA1UECAwKQ2FsaWZvcm5pYTEWMBQGA1UEBwwNTW91bnRhaW4gVmll
dzEVMBMGA1UECgwMR29vZ2xlLCBJbmMuMRAwDgYDVQQLDAdBbmRyb2lkMTMwMQYD
VQQDDCpBbmRyb2lkIEtleXN0b3JlIFNvZnR3YXJlIEF0dGVzdGF0aW9uIFJvb3Qw
HhcNMTYwMTExMDA0MzUwWhcNMzYwMTA2MDA0MzUwWjCBmDELMAkGA1UEBhMCVVMx
EzARBgNVBAgMCkNhbGlmb3JuaWExFjAUBgNVBAcMDU1vdW50YWluIFZpZXcxFTAT
BgNVBAoMDEdvb2dsZSwgSW5jLjEQMA4GA1UECwwHQW5kcm9pZDEzMDEGA1UEAwwq
QW5kcm9pZCBLZXlzdG9yZSBTb2Z0d2FyZSBBdHRlc3RhdGlvbiBSb290MFkwEwYH
KoZIzj0CAQYIKoZIzj0DAQcDQgAE7l1ex+HA220Dpn7mthvsTWpdamguD/9/SQ59
dx9EIm29sa/6FsvHrcV30lacqrewLVQBXT5DKyqO107sSHVBpKNjMGEwHQYDVR0O
BBYEFMit6XdMRcOjzw0WEOR5QzohWjDPMB8GA1UdIwQYMBaAFMit6XdMRcOjzw0W
EOR5QzohWjDPMA8GA1UdEwEB/wQFMAMBAf8wDgYDVR0PAQH/BAQDAgKEMAoGCCqG
SM49BAMCA0cAMEQCIDUho++LNEYenNVg8x1YiSBq3KNlQfYNns6KGYxmSGB7AiBN
C/NR2TB8fVvaNTQdqEcbY6WFZTytTySn502vQX3xvw==
-----END CERTIFICATE-----`,
  certificateSha256: '51d496ad4664190fbdaf1ad987278efa35d6fbf52e50a9c34ded8395477ede5c',
  spkiSha256: 'd5100c7942ef2e8310dc30ef82729680cf48d690735c3f68179a33c7c370f286',
  notAfter: '2036-01-06T00:43:50Z',
} as const;

/**
 * AOSP software attestation root (RSA-1024), same remark.
 * Subject: OU=Android,O=Google\, Inc.,L=Mountain View,ST=California,C=US. Valid 2016-01-04T12:31:08Z to 2035-12-30T12:31:08Z. Key: RSA 1024.
 * SHA-256 of the certificate: 4e42730efd521b21d77b109b7532a0b664ddfefc73e129111936200c5e58cce0
 * SHA-256 of its SubjectPublicKeyInfo: f2c4746f545946c100e72297f8f946344d7052f03a2f694221f9c893b0e6f711
 * Source: AOSP (hardware/interfaces keymaster / keystore software attestation), also in the testdata of github.com/android/keyattestation
 */
export const ANDROID_SOFTWARE_ROOT_RSA = {
  pem: `-----BEGIN CERTIFICATE-----
MIICpzCCAhCgAwIBAgIJAP+U2d2fB8gMMA0GCSqGSIb3DQEBCwUAMGMxCzAJBgNV
BAYTAlVTMRMwEQYDVQQIDApDYWxpZm9ybmlhMRYwFAYDVQQHDA1Nb3VudGFpbiBW
aWV3MRUwEwYDVQQKDAxHb29nbGUsIEluYy4xEDAOBgNVBAsMB0FuZHJvaWQwHhcN
MTYwMTA0MTIzMTA4WhcNMzUxMjMwMTIzMTA4WjBjMQswCQYDVQQGEwJVUzETMBEG
A1UECAwKQ2FsaWZvcm5pYTEWMBQGA1UEBwwNTW91bnRhaW4gVmlldzEVMBMGA1UE
CgwMR29vZ2xlLCBJbmMuMRAwDgYDVQQLDAdBbmRyb2lkMIGfMA0GCSqGSIb3DQEB
AQUAA4GNADCBiQKBgQCia63rbi5EYe/VDoLmt5TRdSMfd5tjkWP/96r/C3JHTsAs
Q+wzfNes7UA+jCigZtX3hwszl94OuE4TQKuvpSe/lWmgMdsGUmX4RFlXYfC78hdL
t0GAZMAoDo9Sd47b0ke2RekZyOmLw9vCkT/X11DEHTVm+Vfkl5YLCazOkjWFmwID
AQABo2MwYTAdBgNVHQ4EFgQUKfrxrMxN0kyWQCd1trDpMuUH/i4wHwYDVR0jBBgw
FoAUKfrxrMxN0kyWQCd1trDpMuUH/i4wDwYDVR0TAQH/BAUwAwEB/zAOBgNVHQ8B
Af8EBAMCAoQwDQYJKoZIhvcNAQELBQADgYEAT3LzNlmNDsG5dFsxWfbwjSVJMJ6j
HBwp0kUtILlNX2S06IDHeHqcOd6os/W/L3BfRxBcxebrTQaZYdKumgf/93y4q+uc
DyQHXrF/unlx/U1bnt8Uqf7f7XzAiF343ZtkMlbVNZriE/mPzsF83O+kqrJVw4Op
Lvtc9mL1J1IXvmM=
-----END CERTIFICATE-----`,
  certificateSha256: '4e42730efd521b21d77b109b7532a0b664ddfefc73e129111936200c5e58cce0',
  spkiSha256: 'f2c4746f545946c100e72297f8f946344d7052f03a2f694221f9c893b0e6f711',
  notAfter: '2035-12-30T12:31:08Z',
} as const;

export const ANDROID_SOFTWARE_ROOTS = [
  ANDROID_SOFTWARE_ROOT_EC,
  ANDROID_SOFTWARE_ROOT_RSA,
] as const;
