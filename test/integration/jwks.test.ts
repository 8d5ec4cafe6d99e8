import { env } from 'cloudflare:test';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { loadKeySet, signJwt } from '../../src/tokens/keys';
import { call } from '../support/worker';

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

describe('JWKS endpoint (RFC 7517 §5)', () => {
  it('serves the current and previous keys, public parts only', async () => {
    const res = await call('/oauth/v2/jwks');
    expect(res.status).toBe(200);
    const jwks = (await res.json()) as { keys: Record<string, unknown>[] };
    expect(jwks.keys.map((k) => k.kid)).toEqual(['test-es256', 'test-rs256-previous']);
    for (const key of jwks.keys) {
      for (const member of PRIVATE_MEMBERS) expect(key).not.toHaveProperty(member);
      expect(key.use).toBe('sig');
    }
    expect(Object.keys(jwks.keys[0] ?? {}).sort()).toEqual([
      'alg',
      'crv',
      'kid',
      'kty',
      'use',
      'x',
      'y',
    ]);
    expect(Object.keys(jwks.keys[1] ?? {}).sort()).toEqual(['alg', 'e', 'kid', 'kty', 'n', 'use']);
  });

  it('verifies a token signed with the current key', async () => {
    const keys = await loadKeySet(env.SIGNING_KEYS);
    const token = await signJwt(keys, { iss: env.ISSUER, sub: 'demo' }, 'at+jwt');
    expect(decodeProtectedHeader(token)).toMatchObject({
      alg: 'ES256',
      kid: 'test-es256',
      typ: 'at+jwt',
    });
    const jwks = createLocalJWKSet(await (await call('/oauth/v2/jwks')).json());
    const { payload } = await jwtVerify(token, jwks, { issuer: env.ISSUER, typ: 'at+jwt' });
    expect(payload.sub).toBe('demo');
  });

  it('does not verify a token whose signature was changed', async () => {
    const keys = await loadKeySet(env.SIGNING_KEYS);
    const token = await signJwt(keys, { iss: env.ISSUER }, 'at+jwt');
    const tampered = `${token.slice(0, -4)}${token.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`;
    const jwks = createLocalJWKSet(await (await call('/oauth/v2/jwks')).json());
    await expect(jwtVerify(tampered, jwks)).rejects.toThrow();
  });
});
