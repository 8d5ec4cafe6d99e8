/**
 * @module routes/request-context
 * Turns a Hono request into the plain values the domain modules take: client-authentication
 * input (with Cloudflare's TLS client-certificate fields, never headers), DPoP checks, `now`.
 */
import type { Context } from 'hono';
import type { AppEnv } from '../app-env';
import type { AuthenticatedClient } from '../clients/auth';
import { type AuthRequest, authenticateClient, type TlsClientAuth } from '../clients/auth';
import { x5tS256 } from '../clients/auth/tls-client-auth';
import type { Settings } from '../config/settings';
import { OAuthError } from '../errors/oauth-error';
import { log } from '../observability/log';
import { findClient, forgetClient } from '../storage/clients';
import { forgetPreviousSecret } from '../storage/dynamic-clients';
import type { FamilyStore } from '../storage/refresh-families';
import type { ResourceCheck } from '../tokens/bearer';
import { dpopHeader, type VerifiedProof, verifyDpopProof } from '../tokens/dpop-proof';
import { loadKeySet } from '../tokens/keys';

/**
 * Hands work that need not finish before the response to `ctx.waitUntil` (a failure is logged,
 * never the request's); awaited when there is no execution context.
 */
export function deferrer(c: Context<AppEnv>): (work: Promise<unknown>) => void {
  return (work) => {
    const logged = work.catch((err: unknown) =>
      log('error', 'deferred.failed', {
        message: err instanceof Error ? err.message : String(err),
      }),
    );
    try {
      c.executionCtx.waitUntil(logged);
    } catch {
      // No execution context (a direct call): the work still runs, unobserved.
    }
  };
}

/** Where refresh-token families are kept, for this request (storage/refresh-families.ts). */
export function familiesOf(c: Context<AppEnv>): FamilyStore {
  return { guard: c.env.REPLAY_GUARD, db: c.env.DB, defer: deferrer(c) };
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/**
 * `request.cf.tlsClientAuth`, set by Cloudflare's edge from the TLS handshake (or, in development
 * only, by middleware/dev-client-certificate.ts).
 */
export function tlsClientAuthOf(c: Context<AppEnv>): TlsClientAuth | null {
  const dev = c.get('devTlsClientAuth');
  if (dev) return dev;
  const cf = (c.req.raw as Request<unknown, IncomingRequestCfProperties>).cf;
  const tls = cf?.tlsClientAuth as Partial<TlsClientAuth> | undefined;
  if (!tls || tls.certPresented !== '1') return null;
  return {
    certPresented: '1',
    certVerified: String(tls.certVerified ?? ''),
    certRevoked: String(tls.certRevoked ?? '0'),
    certSubjectDNRFC2253: String(tls.certSubjectDNRFC2253 ?? ''),
    certIssuerDNRFC2253: String(tls.certIssuerDNRFC2253 ?? ''),
    certFingerprintSHA256: String(tls.certFingerprintSHA256 ?? ''),
  };
}

export function authenticate(
  c: Context<AppEnv>,
  form: ReadonlyMap<string, string>,
  endpoint: string,
  now: number,
): Promise<AuthenticatedClient> {
  const settings = c.get('settings');
  const request: AuthRequest = {
    settings,
    form,
    authorization: c.req.header('Authorization') ?? null,
    tlsClientAuth: tlsClientAuthOf(c),
    now,
    findClient: (clientId) => findClient(c.get('db'), clientId, settings.clientCacheTtl, c.env.DB),
    replayGuard: c.env.REPLAY_GUARD,
    endpoint,
    forgetPreviousSecret: async (clientId) => {
      await forgetPreviousSecret(c.get('db'), clientId);
      forgetClient(clientId);
    },
  };
  return authenticateClient(request);
}

export function nonceOptions(settings: Settings) {
  return {
    serverSecret: settings.serverSecret,
    lifetime: settings.dpopNonceLifetime,
    required: settings.dpopNonceRequired,
  };
}

/** Verifies the request's DPoP proof if it has one; null when it has none. */
export async function optionalDpop(
  c: Context<AppEnv>,
  now: number,
  at: 'token-endpoint' | 'resource',
  accessToken?: string,
): Promise<VerifiedProof | null> {
  const proof = dpopHeader(c.req.raw.headers);
  if (proof === null) return null;
  const settings = c.get('settings');
  return verifyDpopProof({
    proof,
    method: c.req.method,
    url: c.req.url,
    now,
    accessToken,
    nonce: nonceOptions(settings),
    maxAge: settings.dpopMaxAge,
    replayGuard: c.env.REPLAY_GUARD,
    at,
  });
}

/**
 * What checking an access token presented to this request needs (tokens/bearer.ts): keys, the
 * revocation list, the DPoP proof of this request (verified with `ath` for the token) and the TLS
 * client certificate, if any.
 */
export async function resourceCheck(
  c: Context<AppEnv>,
  now: number,
  dpop: (accessToken: string) => Promise<VerifiedProof | null> = (token) =>
    optionalDpop(c, now, 'resource', token),
): Promise<Omit<ResourceCheck, 'presented'>> {
  const settings = c.get('settings');
  const tls = tlsClientAuthOf(c);
  return {
    keys: await loadKeySet(settings.signingKeys),
    db: c.get('db'),
    issuer: settings.issuer,
    now,
    dpop,
    certificateThumbprint: tls ? x5tS256(tls) : null,
  };
}

/**
 * A dynamic client bound to a device key uses its credentials only with a DPoP proof of that key,
 * at every endpoint: a stolen secret is worthless without the device.
 */
export async function requireDeviceKey(
  c: Context<AppEnv>,
  client: AuthenticatedClient,
  now: number,
  proof?: VerifiedProof | null,
): Promise<void> {
  const deviceJkt = client.client.templateId ? client.client.deviceJkt : null;
  if (!deviceJkt) return;
  const dpop = proof === undefined ? await optionalDpop(c, now, 'token-endpoint') : proof;
  if (dpop?.jkt !== deviceJkt) {
    throw new OAuthError(
      'invalid_dpop_proof',
      'The DPoP key is not the device key of this client',
      {
        reason: 'device_key_mismatch',
      },
    );
  }
}
