/**
 * @module client/dpop
 * The app's DPoP key (RFC 9449): an ES256 key pair, its JWK thumbprint (`jkt`, RFC 7638), and
 * proofs (`typ: dpop+jwt`, `htm`, `htu` without query, `iat`, `jti`, `ath` with an access token,
 * `nonce` when the server gave one). The same key is the attested key of an Android app and the
 * device key of a dynamic client.
 */
import { calculateJwkThumbprint, exportJWK, importJWK, type JWK, SignJWT } from 'jose';
import { sha256Base64Url } from '../src/crypto/digest';

export class DpopKey {
  private constructor(
    readonly keys: CryptoKeyPair,
    readonly publicJwk: JWK,
    readonly jkt: string,
  ) {}

  static async generate(): Promise<DpopKey> {
    const keys = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
      'sign',
      'verify',
    ])) as CryptoKeyPair;
    return DpopKey.fromKeyPair(keys);
  }

  static async fromKeyPair(keys: CryptoKeyPair): Promise<DpopKey> {
    const { kty, crv, x, y } = await exportJWK(keys.publicKey);
    const publicJwk = { kty, crv, x, y } as JWK;
    return new DpopKey(keys, publicJwk, await calculateJwkThumbprint(publicJwk));
  }

  /** The private key as a JWK, to keep on the device (a dynamic client's key must persist). */
  async exportPrivate(): Promise<JWK> {
    return exportJWK(this.keys.privateKey);
  }

  static async importPrivate(privateJwk: JWK): Promise<DpopKey> {
    const { d: _, ...publicPart } = privateJwk;
    const privateKey = (await importJWK(privateJwk, 'ES256', { extractable: true })) as CryptoKey;
    const publicKey = (await importJWK({ ...publicPart, key_ops: ['verify'] }, 'ES256', {
      extractable: true,
    })) as CryptoKey;
    return DpopKey.fromKeyPair({ privateKey, publicKey });
  }

  async proof(
    htm: string,
    url: string,
    options: { accessToken?: string; nonce?: string | null } = {},
  ): Promise<string> {
    const target = new URL(url);
    const claims: Record<string, unknown> = {
      htm,
      htu: `${target.origin}${target.pathname}`,
      jti: crypto.randomUUID(),
    };
    if (options.accessToken) claims.ath = await sha256Base64Url(options.accessToken);
    if (options.nonce) claims.nonce = options.nonce;
    return new SignJWT(claims)
      .setProtectedHeader({ typ: 'dpop+jwt', alg: 'ES256', jwk: this.publicJwk })
      .setIssuedAt()
      .sign(this.keys.privateKey);
  }
}
