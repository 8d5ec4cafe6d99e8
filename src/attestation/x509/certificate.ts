/**
 * @module attestation/x509/certificate
 * Parses an X.509 certificate (RFC 5280 §4.1) into what attestation verification needs: the
 * exact DER of `tbsCertificate`, issuer and subject names and SubjectPublicKeyInfo as received
 * (sliced with asn1js, never re-encoded), the typed fields (@peculiar/asn1-x509), and the
 * signature. Parse failures become `CertificateParseError`.
 */
import { AsnConvert, AsnParser } from '@peculiar/asn1-schema';
import { BasicConstraints, Certificate, id_ce_basicConstraints } from '@peculiar/asn1-x509';
import * as asn1js from 'asn1js';
import { encodeHex } from '../../crypto/base64url';

export class CertificateParseError extends Error {
  override readonly name = 'CertificateParseError';
}

export interface ParsedCertificate {
  readonly der: Uint8Array;
  readonly tbs: Uint8Array;
  readonly issuer: Uint8Array;
  readonly subject: Uint8Array;
  readonly spki: Uint8Array;
  readonly serialHex: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly signatureAlgorithm: string;
  readonly signature: Uint8Array;
  /** Subject as text (RFC 4514-ish), for diagnostics and subject checks. */
  readonly subjectText: string;
  readonly isCa: boolean | undefined;
  /** Extension values (the OCTET STRING content) by OID. Repeated OIDs keep the first. */
  readonly extensions: ReadonlyMap<string, Uint8Array>;
  readonly spkiAlgorithm: string;
  readonly spkiParameters: string | undefined;
}

const copy = (view: Uint8Array) => new Uint8Array(view);

function nameText(cert: Certificate, which: 'subject' | 'issuer'): string {
  return cert.tbsCertificate[which]
    .map((rdn) =>
      rdn
        .map((attr) => {
          const value = attr.value.toString();
          return `${attr.type}=${value}`;
        })
        .join('+'),
    )
    .join(',');
}

/** Parsed certificates by their DER: roots and intermediates repeat across every device's chain. */
const parsedCache = new Map<string, ParsedCertificate>();
const CACHE_SIZE = 256;

/**
 * Parses a DER certificate (one BER decode, then the schema mapping of that same tree). Results
 * are cached per isolate by their exact bytes (at most CACHE_SIZE, oldest out first); callers treat
 * them as read-only.
 */
export function parseCertificate(der: Uint8Array): ParsedCertificate {
  let key = '';
  for (let i = 0; i < der.length; i += 4096)
    key += String.fromCharCode(...der.subarray(i, i + 4096));
  const cached = parsedCache.get(key);
  if (cached) return cached;
  const parsed = parseUncached(der);
  if (parsedCache.size >= CACHE_SIZE) parsedCache.delete(parsedCache.keys().next().value as string);
  parsedCache.set(key, parsed);
  return parsed;
}

function parseUncached(der: Uint8Array): ParsedCertificate {
  let cert: Certificate;
  let raw: asn1js.Sequence;
  try {
    const decoded = asn1js.fromBER(der);
    if (decoded.offset === -1 || !(decoded.result instanceof asn1js.Sequence))
      throw new Error('not a SEQUENCE');
    if (decoded.offset !== der.byteLength) throw new Error('trailing bytes after the certificate');
    raw = decoded.result;
    cert = AsnParser.fromASN(raw, Certificate);
  } catch (cause) {
    throw new CertificateParseError('The certificate is not valid DER X.509', { cause });
  }
  const tbsBlock = raw.valueBlock.value[0];
  if (!(tbsBlock instanceof asn1js.Sequence))
    throw new CertificateParseError('tbsCertificate is missing');
  const fields = tbsBlock.valueBlock.value;
  // version [0] EXPLICIT is optional: with it the serial is field 1, without it field 0.
  const base = fields[0]?.idBlock.tagClass === 3 ? 1 : 0;
  const issuer = fields[base + 2];
  const subject = fields[base + 4];
  const spki = fields[base + 5];
  if (!issuer || !subject || !spki) throw new CertificateParseError('tbsCertificate is incomplete');

  const extensions = new Map<string, Uint8Array>();
  let isCa: boolean | undefined;
  for (const extension of cert.tbsCertificate.extensions ?? []) {
    if (!extensions.has(extension.extnID)) {
      extensions.set(extension.extnID, new Uint8Array(extension.extnValue.buffer));
    }
    if (extension.extnID === id_ce_basicConstraints) {
      try {
        isCa = AsnConvert.parse(extension.extnValue, BasicConstraints).cA;
      } catch (cause) {
        throw new CertificateParseError('basicConstraints is malformed', { cause });
      }
    }
  }
  const serial = new Uint8Array(cert.tbsCertificate.serialNumber);
  const algorithm = cert.tbsCertificate.subjectPublicKeyInfo.algorithm;
  let spkiParameters: string | undefined;
  if (algorithm.parameters && algorithm.parameters.byteLength > 0) {
    const params = asn1js.fromBER(algorithm.parameters);
    if (params.result instanceof asn1js.ObjectIdentifier)
      spkiParameters = params.result.valueBlock.toString();
  }
  return {
    der,
    tbs: copy(tbsBlock.valueBeforeDecodeView),
    issuer: copy(issuer.valueBeforeDecodeView),
    subject: copy(subject.valueBeforeDecodeView),
    spki: copy(spki.valueBeforeDecodeView),
    serialHex: encodeHex(serial).replace(/^0+(?=.)/, ''),
    notBefore: cert.tbsCertificate.validity.notBefore.getTime(),
    notAfter: cert.tbsCertificate.validity.notAfter.getTime(),
    signatureAlgorithm: cert.signatureAlgorithm.algorithm,
    signature: new Uint8Array(cert.signatureValue),
    subjectText: nameText(cert, 'subject'),
    isCa,
    extensions,
    spkiAlgorithm: algorithm.algorithm,
    spkiParameters,
  };
}
