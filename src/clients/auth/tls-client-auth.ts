/**
 * @module clients/auth/tls-client-auth
 * Mutual-TLS client authentication (RFC 8705 §2) from Cloudflare's `request.cf.tlsClientAuth`,
 * which the edge fills from the TLS handshake; nothing is read from request headers.
 *  - `tls_client_auth` (§2.1): Cloudflare verified the chain against the zone's mTLS CAs
 *    (`certVerified` = SUCCESS), the certificate is not revoked, and its subject DN matches the
 *    client's `tls_subject_dn` (`*` stands for any value of an attribute, so one client can trust
 *    every device certificate its CA issues) and its issuer DN `tls_issuer_dn`, when set.
 *  - `self_signed_tls_client_auth` (§2.2): a certificate was presented and its SHA-256
 *    fingerprint is one the client registered (the chain is not, and need not be, verified).
 * Both give certificate-bound tokens: `cnf.x5t#S256` is the certificate's SHA-256 (§3.1).
 */
import { encodeBase64Url } from '../../crypto/base64url';
import { timingSafeEqualStrings } from '../../crypto/constant-time';
import { type Client, isUsable } from '../client';
import { clientAuthFailed } from './failure';
import type { AuthenticatedClient, AuthRequest, TlsClientAuth } from './types';

export function hasCertificate(tls: TlsClientAuth | null): tls is TlsClientAuth {
  return (
    tls !== null && tls.certPresented === '1' && /^[0-9a-fA-F]{64}$/.test(tls.certFingerprintSHA256)
  );
}

/** `x5t#S256`: base64url of the certificate's SHA-256 (Cloudflare gives it as hex). */
export function x5tS256(tls: TlsClientAuth): string {
  const hex = tls.certFingerprintSHA256;
  return encodeBase64Url(
    Uint8Array.from(hex.match(/../g) ?? [], (byte) => Number.parseInt(byte, 16)),
  );
}

/** An RFC 2253 DN as [TYPE, value] pairs: no spaces around separators, upper-case types. */
function rdnsOf(dn: string): [string, string][] {
  return dn.split(/(?<!\\),/).map((rdn) => {
    const [type, ...value] = rdn.split('=');
    return [(type ?? '').trim().toUpperCase(), value.join('=').trim()];
  });
}

function normaliseDn(dn: string): string {
  return rdnsOf(dn)
    .map(([type, value]) => `${type}=${value}`)
    .join(',');
}

/**
 * Whether `dn` matches the registered `pattern`: the same attributes in the same order, each value
 * equal or `*` in the pattern (any value: one CA issuing a certificate per device, as an MDM does).
 */
export function dnMatches(pattern: string, dn: string): boolean {
  const want = rdnsOf(pattern);
  const have = rdnsOf(dn);
  return (
    want.length === have.length &&
    want.every(([type, value], i) => {
      const [haveType, haveValue] = have[i] as [string, string];
      return type === haveType && (value === '*' ? haveValue !== '' : value === haveValue);
    })
  );
}

export async function authenticateWithCertificate(
  request: AuthRequest,
  clientId: string,
): Promise<AuthenticatedClient> {
  const tls = request.tlsClientAuth;
  const client = await request.findClient(clientId);
  if (!client) throw clientAuthFailed('unknown_client');
  if (!isUsable(client, request.now)) throw clientAuthFailed('client_disabled');
  if (!hasCertificate(tls)) throw clientAuthFailed('no_certificate');
  if (tls.certRevoked === '1') throw clientAuthFailed('certificate_revoked');

  if (
    client.authMethods.includes('self_signed_tls_client_auth') &&
    client.tlsCertSha256.length > 0
  ) {
    const presented = tls.certFingerprintSHA256.toLowerCase();
    for (const registered of client.tlsCertSha256) {
      if (await timingSafeEqualStrings(presented, registered)) {
        return {
          client,
          method: 'self_signed_tls_client_auth',
          x5tS256: x5tS256(tls),
          credential: `x5t#S256:${x5tS256(tls)}`,
        };
      }
    }
    if (!canUsePki(client)) throw clientAuthFailed('fingerprint_mismatch');
  }
  if (!canUsePki(client)) throw clientAuthFailed('method_not_allowed');
  if (tls.certVerified !== 'SUCCESS') throw clientAuthFailed('certificate_not_verified');
  if (!dnMatches(client.tlsSubjectDn ?? '', tls.certSubjectDNRFC2253)) {
    throw clientAuthFailed('subject_mismatch');
  }
  if (
    client.tlsIssuerDn &&
    normaliseDn(tls.certIssuerDNRFC2253) !== normaliseDn(client.tlsIssuerDn)
  ) {
    throw clientAuthFailed('issuer_mismatch');
  }
  return {
    client,
    method: 'tls_client_auth',
    x5tS256: x5tS256(tls),
    credential: `x5t#S256:${x5tS256(tls)}`,
  };
}

function canUsePki(client: Client): boolean {
  return client.authMethods.includes('tls_client_auth') && client.tlsSubjectDn !== null;
}
