/**
 * Development attestation for tests: a throw-away root CA we trust in non-production policies, and
 * Android key-attestation chains issued under it for a given key and challenge, shaped like a
 * device's (leaf with the KeyDescription extension). Nothing here is trusted in production.
 */
import {
  AttestationApplicationId,
  AttestationPackageInfo,
  AuthorizationList,
  IntegerSet,
  KeyDescription,
  RootOfTrust,
  SecurityLevel,
  VerifiedBootState,
} from '@peculiar/asn1-android';
import { ECDSASigValue } from '@peculiar/asn1-ecc';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import {
  AlgorithmIdentifier,
  AttributeTypeAndValue,
  AttributeValue,
  BasicConstraints,
  Certificate,
  Extension,
  Extensions,
  id_ce_basicConstraints,
  id_ce_keyUsage,
  KeyUsage,
  KeyUsageFlags,
  Name,
  RelativeDistinguishedName,
  SubjectPublicKeyInfo,
  TBSCertificate,
  Validity,
  Version,
} from '@peculiar/asn1-x509';
import { encodeBase64 } from '../../src/crypto/pem';

const ECDSA_SHA256 = '1.2.840.10045.4.3.2';
const KEY_DESCRIPTION_OID = '1.3.6.1.4.1.11129.2.1.17';

export interface DevCa {
  readonly keys: CryptoKeyPair;
  readonly name: string;
  readonly der: Uint8Array;
  readonly pem: string;
}

function name(cn: string): Name {
  return new Name([
    new RelativeDistinguishedName([
      new AttributeTypeAndValue({ type: '2.5.4.3', value: new AttributeValue({ utf8String: cn }) }),
    ]),
  ]);
}

async function spkiOf(key: CryptoKey): Promise<SubjectPublicKeyInfo> {
  return AsnConvert.parse(
    new Uint8Array((await crypto.subtle.exportKey('spki', key)) as ArrayBuffer),
    SubjectPublicKeyInfo,
  );
}

function toDerSignature(raw: Uint8Array): ArrayBuffer {
  const half = raw.length / 2;
  const integer = (bytes: Uint8Array) => {
    let start = 0;
    while (start < bytes.length - 1 && bytes[start] === 0) start++;
    const trimmed = bytes.slice(start);
    const padded = (trimmed[0] as number) & 0x80 ? Uint8Array.from([0, ...trimmed]) : trimmed;
    return padded.buffer as ArrayBuffer;
  };
  return AsnConvert.serialize(
    new ECDSASigValue({ r: integer(raw.slice(0, half)), s: integer(raw.slice(half)) }),
  );
}

export interface IssueOptions {
  readonly subject: string;
  readonly issuer: DevCa | null;
  readonly subjectKey: CryptoKey;
  readonly signingKey: CryptoKey;
  readonly ca: boolean;
  readonly extensions?: Extension[];
  readonly notBefore?: Date;
  readonly notAfter?: Date;
  readonly serial?: number;
}

export async function issueCertificate(options: IssueOptions): Promise<Uint8Array> {
  const extensions = [
    new Extension({
      extnID: id_ce_basicConstraints,
      critical: true,
      extnValue: new OctetString(AsnConvert.serialize(new BasicConstraints({ cA: options.ca }))),
    }),
    new Extension({
      extnID: id_ce_keyUsage,
      critical: true,
      extnValue: new OctetString(
        AsnConvert.serialize(
          new KeyUsage(options.ca ? KeyUsageFlags.keyCertSign : KeyUsageFlags.digitalSignature),
        ),
      ),
    }),
    ...(options.extensions ?? []),
  ];
  const tbs = new TBSCertificate({
    version: Version.v3,
    serialNumber: Uint8Array.from([options.serial ?? 1]).buffer,
    signature: new AlgorithmIdentifier({ algorithm: ECDSA_SHA256 }),
    issuer: name(options.issuer?.name ?? options.subject),
    subject: name(options.subject),
    validity: new Validity({
      notBefore: options.notBefore ?? new Date(Date.now() - 3600_000),
      notAfter: options.notAfter ?? new Date(Date.now() + 365 * 86400_000),
    }),
    subjectPublicKeyInfo: await spkiOf(options.subjectKey),
    extensions: new Extensions(extensions),
  });
  const tbsDer = AsnConvert.serialize(tbs);
  const raw = new Uint8Array(
    await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, options.signingKey, tbsDer),
  );
  const cert = new Certificate({
    tbsCertificate: tbs,
    signatureAlgorithm: new AlgorithmIdentifier({ algorithm: ECDSA_SHA256 }),
    signatureValue: toDerSignature(raw),
  });
  return new Uint8Array(AsnConvert.serialize(cert));
}

const toPem = (der: Uint8Array) =>
  `-----BEGIN CERTIFICATE-----\n${encodeBase64(der).replace(/(.{64})/g, '$1\n')}\n-----END CERTIFICATE-----`;

export async function createDevCa(
  cn = 'edge-haapi Development Attestation Root',
  issuer?: DevCa,
): Promise<DevCa> {
  const keys = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
    'sign',
    'verify',
  ])) as CryptoKeyPair;
  const der = await issueCertificate({
    subject: cn,
    issuer: issuer ?? null,
    subjectKey: keys.publicKey,
    signingKey: (issuer ?? { keys }).keys.privateKey,
    ca: true,
  });
  return { keys, name: cn, der, pem: toPem(der) };
}

export interface AndroidLeafOptions {
  readonly root: DevCa;
  /** The attested key: the app's DPoP key. */
  readonly key: CryptoKeyPair;
  readonly challenge: Uint8Array;
  readonly packageName: string;
  readonly signatureDigests: Uint8Array[];
  readonly securityLevel?: SecurityLevel;
  readonly verifiedBoot?: boolean;
}

/** An Android key attestation chain [leaf, root] for `key`, as a device would return it. */
export async function androidChain(options: AndroidLeafOptions): Promise<Uint8Array[]> {
  const appId = new AttestationApplicationId({
    packageInfos: [
      new AttestationPackageInfo({
        packageName: new OctetString(new TextEncoder().encode(options.packageName)),
        version: 1,
      }),
    ],
    signatureDigests: options.signatureDigests.map((d) => new OctetString(d)),
  });
  const level = options.securityLevel ?? SecurityLevel.trustedEnvironment;
  const description = new KeyDescription({
    attestationVersion: 400,
    attestationSecurityLevel: level,
    keymasterVersion: 400,
    keymasterSecurityLevel: level,
    attestationChallenge: new OctetString(options.challenge),
    uniqueId: new OctetString(new Uint8Array(0)),
    softwareEnforced: new AuthorizationList({
      creationDateTime: Date.now(),
      attestationApplicationId: new OctetString(AsnConvert.serialize(appId)),
    }),
    teeEnforced: new AuthorizationList({
      purpose: new IntegerSet([2]),
      algorithm: 3,
      ecCurve: 1,
      origin: 0,
      rootOfTrust: new RootOfTrust({
        verifiedBootKey: new OctetString(new Uint8Array(32).fill(7)),
        deviceLocked: options.verifiedBoot !== false,
        verifiedBootState:
          options.verifiedBoot === false
            ? VerifiedBootState.unverified
            : VerifiedBootState.verified,
      }),
    }),
  });
  const leaf = await issueCertificate({
    subject: 'Android Keystore Key',
    issuer: options.root,
    subjectKey: options.key.publicKey,
    signingKey: options.root.keys.privateKey,
    ca: false,
    extensions: [
      new Extension({
        extnID: KEY_DESCRIPTION_OID,
        critical: false,
        extnValue: new OctetString(AsnConvert.serialize(description)),
      }),
    ],
    serial: 2,
  });
  return [leaf, options.root.der];
}
