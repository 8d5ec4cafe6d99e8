/**
 * Development attestation for the reference client, the demo and the tests: throw-away root CAs
 * that only non-production policies trust (DEV_ATTESTATION_ROOTS or a policy's
 * `developmentRoots`), Android key-attestation chains issued under them for a given key and
 * challenge, shaped like a device's (leaf with the KeyDescription extension), App Attest objects,
 * and client certificates for the development mTLS header. Nothing here is trusted in production.
 */
import { type CBORType, encodeCBOR } from '@levischuck/tiny-cbor';
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
import * as asn1js from 'asn1js';
import { KEY_DESCRIPTION_OID } from '../src/attestation/android/key-description';
import { derToPem } from '../src/crypto/pem';

const ECDSA_SHA256 = '1.2.840.10045.4.3.2';
const RSA_SHA256 = '1.2.840.113549.1.1.11';

/** The X.509 signature algorithm and WebCrypto parameters for a signing key (ECDSA or RSA). */
function signerOf(key: CryptoKey): {
  oid: string;
  params: string | { name: string; hash: string };
  rsa: boolean;
} {
  return key.algorithm.name === 'RSASSA-PKCS1-v1_5'
    ? { oid: RSA_SHA256, params: 'RSASSA-PKCS1-v1_5', rsa: true }
    : { oid: ECDSA_SHA256, params: { name: 'ECDSA', hash: 'SHA-256' }, rsa: false };
}

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

export function toDerSignature(raw: Uint8Array): ArrayBuffer {
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
  /** A SubjectPublicKeyInfo (DER) to certify instead of `subjectKey`'s (a key WebCrypto lacks). */
  readonly subjectSpki?: Uint8Array;
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
    signature: new AlgorithmIdentifier(
      signerOf(options.signingKey).rsa
        ? { algorithm: RSA_SHA256, parameters: null }
        : { algorithm: ECDSA_SHA256 },
    ),
    // The issuer's own subject, byte for byte, when its certificate is known.
    issuer: options.issuer
      ? AsnConvert.parse(options.issuer.der, Certificate).tbsCertificate.subject
      : name(options.subject),
    subject: name(options.subject),
    validity: new Validity({
      notBefore: options.notBefore ?? new Date(Date.now() - 3600_000),
      notAfter: options.notAfter ?? new Date(Date.now() + 365 * 86400_000),
    }),
    subjectPublicKeyInfo: options.subjectSpki
      ? AsnConvert.parse(options.subjectSpki, SubjectPublicKeyInfo)
      : await spkiOf(options.subjectKey),
    extensions: new Extensions(extensions),
  });
  const tbsDer = AsnConvert.serialize(tbs);
  const signer = signerOf(options.signingKey);
  const raw = new Uint8Array(await crypto.subtle.sign(signer.params, options.signingKey, tbsDer));
  const cert = new Certificate({
    tbsCertificate: tbs,
    signatureAlgorithm: tbs.signature,
    signatureValue: signer.rsa ? raw.buffer : toDerSignature(raw),
  });
  return new Uint8Array(AsnConvert.serialize(cert));
}

/** Key parameters for a development CA: P-256 by default; P-384 or RSA-4096 like Google's roots. */
export type CaKeyType = 'P-256' | 'P-384' | 'RSA';

/** An extractable ECDSA key pair (P-256 unless said). */
export async function ecKeyPair(namedCurve: 'P-256' | 'P-384' = 'P-256'): Promise<CryptoKeyPair> {
  return (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve }, true, [
    'sign',
    'verify',
  ])) as CryptoKeyPair;
}

/** An extractable RSASSA-PKCS1-v1_5 / SHA-256 key pair (RS256). */
export async function rsaKeyPair(modulusLength = 2048): Promise<CryptoKeyPair> {
  return (await crypto.subtle.generateKey(
    {
      name: 'RSASSA-PKCS1-v1_5',
      modulusLength,
      publicExponent: new Uint8Array([1, 0, 1]),
      hash: 'SHA-256',
    },
    true,
    ['sign', 'verify'],
  )) as CryptoKeyPair;
}

function caKeys(type: CaKeyType): Promise<CryptoKeyPair> {
  return type === 'RSA' ? rsaKeyPair(4096) : ecKeyPair(type);
}

export async function createDevCa(
  cn = 'edge-haapi Development Attestation Root',
  issuer?: DevCa,
  type: CaKeyType = 'P-256',
): Promise<DevCa> {
  const keys = await caKeys(type);
  const der = await issueCertificate({
    subject: cn,
    issuer: issuer ?? null,
    subjectKey: keys.publicKey,
    signingKey: (issuer ?? { keys }).keys.privateKey,
    ca: true,
  });
  return { keys, name: cn, der, pem: derToPem(der) };
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
  /** The leaf's serial number (default 2). */
  readonly serial?: number;
  /** Changes the encoded KeyDescription before the leaf is signed (tags a newer KeyMint emits). */
  readonly editKeyDescription?: (der: Uint8Array) => Uint8Array;
  /** The leaf's key as a SubjectPublicKeyInfo, instead of `key` (an algorithm WebCrypto lacks). */
  readonly leafSpki?: Uint8Array;
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
    subjectSpki: options.leafSpki,
    signingKey: options.root.keys.privateKey,
    ca: false,
    extensions: [
      new Extension({
        extnID: KEY_DESCRIPTION_OID,
        critical: false,
        extnValue: new OctetString(
          (options.editKeyDescription ?? ((der) => der))(
            new Uint8Array(AsnConvert.serialize(description)),
          ),
        ),
      }),
    ],
    serial: options.serial ?? 2,
  });
  return [leaf, options.root.der];
}

export interface AppAttestDevice {
  readonly key: CryptoKeyPair;
  readonly keyId: Uint8Array;
  readonly point: Uint8Array;
  counter: number;
}

export async function appAttestDevice(): Promise<AppAttestDevice> {
  const key = await ecKeyPair();
  const point = new Uint8Array(
    (await crypto.subtle.exportKey('raw', key.publicKey)) as ArrayBuffer,
  );
  return {
    key,
    point,
    keyId: new Uint8Array(await crypto.subtle.digest('SHA-256', point)),
    counter: 0,
  };
}

export const sha = async (data: Uint8Array | string) =>
  new Uint8Array(
    await crypto.subtle.digest(
      'SHA-256',
      typeof data === 'string' ? new TextEncoder().encode(data) : data,
    ),
  );
export const join = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
};
export const u32 = (n: number) =>
  Uint8Array.from([(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);

/** An App Attest-like attestation object for `device`, under a development root and intermediate. */
export async function appAttestation(options: {
  root: DevCa;
  intermediate: DevCa;
  device: AppAttestDevice;
  appId: string;
  clientDataHash: Uint8Array;
  environment?: 'development' | 'production';
}): Promise<Uint8Array> {
  const { device } = options;
  const aaguid =
    options.environment === 'production'
      ? join(new TextEncoder().encode('appattest'), new Uint8Array(7))
      : new TextEncoder().encode('appattestdevelop');
  const cose = encodeCBOR(
    new Map<number, CBORType>([
      [1, 2],
      [3, -7],
      [-1, 1],
      [-2, device.point.slice(1, 33)],
      [-3, device.point.slice(33)],
    ]),
  );
  const authData = join(
    await sha(options.appId),
    Uint8Array.from([0x40]),
    u32(0),
    aaguid,
    Uint8Array.from([0, 32]),
    device.keyId,
    cose,
  );
  const nonce = await sha(join(authData, options.clientDataHash));
  const nonceExtension = new asn1js.Sequence({
    value: [
      new asn1js.Constructed({
        idBlock: { tagClass: 3, tagNumber: 1 },
        value: [new asn1js.OctetString({ valueHex: nonce })],
      }),
    ],
  }).toBER();
  const credCert = await issueCertificate({
    subject: 'dev credential',
    issuer: options.intermediate,
    subjectKey: device.key.publicKey,
    signingKey: options.intermediate.keys.privateKey,
    ca: false,
    extensions: [
      new Extension({
        extnID: '1.2.840.113635.100.8.2',
        critical: false,
        extnValue: new OctetString(nonceExtension),
      }),
    ],
    serial: 3,
  });
  return encodeCBOR(
    new Map<string, CBORType>([
      ['fmt', 'apple-appattest'],
      [
        'attStmt',
        new Map<string, CBORType>([
          ['x5c', [credCert, options.intermediate.der]],
          ['receipt', new Uint8Array([1, 2, 3])],
        ]),
      ],
      ['authData', authData],
    ]),
  );
}

/** An App Attest assertion by `device` (its counter moves forward by one). */
export async function appAssertion(
  device: AppAttestDevice,
  appId: string,
  clientDataHash: Uint8Array,
): Promise<Uint8Array> {
  device.counter += 1;
  const authenticatorData = join(await sha(appId), Uint8Array.from([0x40]), u32(device.counter));
  const nonce = await sha(join(authenticatorData, clientDataHash));
  const raw = new Uint8Array(
    await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, device.key.privateKey, nonce),
  );
  return encodeCBOR(
    new Map<string, CBORType>([
      ['signature', new Uint8Array(toDerSignature(raw))],
      ['authenticatorData', authenticatorData],
    ]),
  );
}

/** A development CA as stored on disk (`.local/`): its certificate and private key. */
export interface SavedDevCa {
  readonly name: string;
  readonly pem: string;
  readonly privateJwk: JsonWebKey;
  readonly publicJwk: JsonWebKey;
}

export async function exportDevCa(ca: DevCa): Promise<SavedDevCa> {
  return {
    name: ca.name,
    pem: ca.pem,
    privateJwk: (await crypto.subtle.exportKey('jwk', ca.keys.privateKey)) as JsonWebKey,
    publicJwk: (await crypto.subtle.exportKey('jwk', ca.keys.publicKey)) as JsonWebKey,
  };
}

export async function importDevCa(saved: SavedDevCa): Promise<DevCa> {
  const algorithm =
    saved.privateJwk.kty === 'RSA'
      ? { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }
      : { name: 'ECDSA', namedCurve: saved.privateJwk.crv as string };
  const keys = {
    privateKey: await crypto.subtle.importKey('jwk', saved.privateJwk, algorithm, true, ['sign']),
    publicKey: await crypto.subtle.importKey('jwk', saved.publicJwk, algorithm, true, ['verify']),
  } as CryptoKeyPair;
  const der = pemToDerBytes(saved.pem);
  return { keys, name: saved.name, der, pem: saved.pem };
}

function pemToDerBytes(pem: string): Uint8Array {
  const body = pem.replace(/-----[^-]+-----/g, '').replace(/\s/g, '');
  return Uint8Array.from(atob(body), (c) => c.charCodeAt(0));
}

/** A client certificate for `key` issued by `ca` (the development mTLS header's certificate). */
export async function clientCertificate(
  ca: DevCa,
  key: CryptoKeyPair,
  commonName: string,
  serial = 3,
): Promise<Uint8Array> {
  return issueCertificate({
    subject: commonName,
    issuer: ca,
    subjectKey: key.publicKey,
    signingKey: ca.keys.privateKey,
    ca: false,
    serial,
  });
}
