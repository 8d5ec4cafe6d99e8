/**
 * Plays the client side of DPoP (RFC 9449) for tests: a key pair, proofs with any claim changed,
 * and the server's current nonce.
 */
import { env } from 'cloudflare:test';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { getSettings } from '../../src/config/settings';
import { sha256Base64Url } from '../../src/crypto/digest';
import { currentNonce } from '../../src/tokens/dpop-nonce';

export interface DpopKey {
  readonly privateKey: CryptoKey;
  readonly jwk: JWK;
  readonly jkt: string;
}

export async function dpopKey(alg: 'ES256' | 'RS256' | 'EdDSA' = 'ES256'): Promise<DpopKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = await exportJWK(publicKey);
  return { privateKey, jwk, jkt: await calculateJwkThumbprint(jwk, 'sha256') };
}

export async function serverNonce(): Promise<string> {
  const settings = getSettings(env as unknown as Record<string, unknown>);
  return currentNonce(
    { serverSecret: settings.serverSecret, lifetime: settings.dpopNonceLifetime },
    Math.floor(Date.now() / 1000),
  );
}

export interface ProofOptions {
  htm?: string;
  htu: string;
  accessToken?: string;
  /** `null`: no nonce claim; undefined: the server's current nonce. */
  nonce?: string | null;
  iat?: number;
  jti?: string;
  typ?: string;
  header?: Record<string, unknown>;
  claims?: Record<string, unknown>;
}

export async function dpopProof(key: DpopKey, options: ProofOptions): Promise<string> {
  const claims: Record<string, unknown> = {
    htm: options.htm ?? 'POST',
    htu: options.htu,
    iat: options.iat ?? Math.floor(Date.now() / 1000),
    jti: options.jti ?? crypto.randomUUID(),
    ...options.claims,
  };
  const nonce = options.nonce === undefined ? await serverNonce() : options.nonce;
  if (nonce !== null) claims.nonce = nonce;
  if (options.accessToken) claims.ath = await sha256Base64Url(options.accessToken);
  const alg = key.jwk.kty === 'EC' ? 'ES256' : key.jwk.kty === 'OKP' ? 'EdDSA' : 'RS256';
  return new SignJWT(claims)
    .setProtectedHeader({ typ: options.typ ?? 'dpop+jwt', alg, jwk: key.jwk, ...options.header })
    .sign(key.privateKey);
}
