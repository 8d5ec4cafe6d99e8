/**
 * @module middleware/dev-client-certificate
 * DEVELOPMENT ONLY: `wrangler dev` has no mutual TLS, so with DEV_CLIENT_CERTIFICATE_HEADER=true
 * (refused when ENVIRONMENT is production) a client may present its certificate in the header
 * `X-Dev-Client-Certificate` (base64 DER). It becomes what Cloudflare's edge would put in
 * `request.cf.tlsClientAuth`: `certVerified` is SUCCESS only when a DEV_MTLS_CA certificate signed
 * it and it is within its validity, the DNs are RFC 2253 strings, the fingerprint is the SHA-256 of
 * the DER. Without the setting the header is ignored, like any other header.
 */
import { AsnConvert } from '@peculiar/asn1-schema';
import { Name } from '@peculiar/asn1-x509';
import type { MiddlewareHandler } from 'hono';
import { type ParsedCertificate, parseCertificate } from '../attestation/x509/certificate';
import { anchorOf, validityProblem } from '../attestation/x509/chain';
import type { TlsClientAuth } from '../clients/auth';
import { ConfigError } from '../config/errors';
import { sha256Hex } from '../crypto/digest';
import { decodeBase64, pemToDer } from '../crypto/pem';

export const DEV_CERTIFICATE_HEADER = 'X-Dev-Client-Certificate';

export interface DevClientCertificateVariables {
  devTlsClientAuth?: TlsClientAuth;
}

const SHORT_NAMES: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '0.9.2342.19200300.100.1.25': 'DC',
  '0.9.2342.19200300.100.1.1': 'UID',
};

/** A DER Name as RFC 2253 text: last RDN first, `TYPE=value`, commas and `+` escaped. */
export function rfc2253(nameDer: Uint8Array): string {
  const name = AsnConvert.parse(nameDer, Name);
  return [...name]
    .reverse()
    .map((rdn) =>
      rdn
        .map((attr) => {
          const value = attr.value.toString().replace(/([,+"\\<>;])/g, '\\$1');
          return `${SHORT_NAMES[attr.type] ?? attr.type}=${value}`;
        })
        .join('+'),
    )
    .join(',');
}

export async function devTlsClientAuth(
  header: string,
  cas: readonly ParsedCertificate[],
  now: Date,
): Promise<TlsClientAuth | null> {
  const der = decodeBase64(header.replace(/\s/g, ''));
  if (!der) return null;
  let cert: ParsedCertificate;
  try {
    cert = parseCertificate(der);
  } catch {
    return null;
  }
  const trusted =
    (await anchorOf(cert, cas)) === 'signed-by-anchor' && validityProblem([cert], now) === null;
  return {
    certPresented: '1',
    certVerified: trusted ? 'SUCCESS' : 'FAILED:unable to verify the first certificate',
    certRevoked: '0',
    certSubjectDNRFC2253: rfc2253(cert.subject),
    certIssuerDNRFC2253: rfc2253(cert.issuer),
    certFingerprintSHA256: await sha256Hex(der),
    certNotAfter: cert.notAfter.toISOString(),
  };
}

/** `caPems`: DEV_MTLS_CA, one PEM certificate each (settings split them already). */
export function devClientCertificate(
  caPems: readonly string[],
): MiddlewareHandler<{ Variables: DevClientCertificateVariables }> {
  const cas = caPems.map((pem, i) => {
    try {
      return parseCertificate(pemToDer(pem));
    } catch {
      throw new ConfigError(`DEV_MTLS_CA[${i}]`, 'must be a PEM certificate');
    }
  });
  return async (c, next) => {
    const header = c.req.header(DEV_CERTIFICATE_HEADER);
    if (header) {
      const tls = await devTlsClientAuth(header, cas, new Date());
      if (tls) c.set('devTlsClientAuth', tls);
    }
    await next();
  };
}
