import { env } from 'cloudflare:test';
import {
  createLocalJWKSet,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  jwtVerify,
} from 'jose';
import { describe, expect, it } from 'vitest';
import {
  issuerOnlyKey,
  mintAccessToken,
  verifyAccessTokenJwt,
} from '../../../src/tokens/access-token';
import { loadKeySet, signJwt } from '../../../src/tokens/keys';

async function es256(kid: string) {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  return { ...(await exportJWK(privateKey)), kid, alg: 'ES256' };
}

describe('Signing keys (SIGNING_KEYS)', () => {
  it('the first key is the current key', async () => {
    const keys = await loadKeySet(env.SIGNING_KEYS);
    expect(keys.current.kid).toBe('test-es256');
    expect(keys.all).toHaveLength(2);
  });

  const bad: [string, () => Promise<string>, string][] = [
    ['not JSON', async () => 'nope', 'SIGNING_KEYS must be a JSON JWK set'],
    ['no keys', async () => '{"keys":[]}', 'SIGNING_KEYS must contain a non-empty "keys" array'],
    [
      'a public key only',
      async () => {
        const { d: _d, ...pub } = await es256('k1');
        return JSON.stringify({ keys: [pub] });
      },
      'SIGNING_KEYS.keys[0] must be a private key',
    ],
    [
      'a missing kid',
      async () => {
        const { kid: _kid, ...noKid } = await es256('k1');
        return JSON.stringify({ keys: [noKid] });
      },
      'SIGNING_KEYS.keys[0].kid must be a non-empty string',
    ],
    [
      'an unsupported alg',
      async () => JSON.stringify({ keys: [{ ...(await es256('k1')), alg: 'HS256' }] }),
      'SIGNING_KEYS.keys[0].alg must be one of ES256, RS256, PS256, EdDSA',
    ],
    [
      'a kty that does not fit the alg',
      async () => JSON.stringify({ keys: [{ ...(await es256('k1')), alg: 'RS256' }] }),
      'SIGNING_KEYS.keys[0].kty must be RSA for RS256',
    ],
    [
      'a duplicate kid',
      async () => JSON.stringify({ keys: [await es256('k1'), await es256('k1')] }),
      'SIGNING_KEYS has the kid "k1" twice',
    ],
  ];
  for (const [what, make, message] of bad) {
    it(`refuses ${what} with an error naming the setting`, async () => {
      await expect(loadKeySet(await make())).rejects.toThrow(message);
    });
  }
});

describe('Key rotation (SIGNING_KEYS with a staged key)', () => {
  it('a staged key is published before use, signs once its nbf passes, and the previous key still verifies', async () => {
    const now = Math.floor(Date.now() / 1000);
    const next = { ...(await es256('next')), nbf: now + 3600 };
    const previous = await es256('previous');
    const secret = JSON.stringify({ keys: [next, previous] });
    const keys = await loadKeySet(secret);
    const { createExecutionContext } = await import('cloudflare:test');
    const { default: worker } = await import('../../../src/index');
    const res = await worker.fetch(
      new Request('http://127.0.0.1:8787/oauth/v2/jwks'),
      { ...env, SIGNING_KEYS: secret } as Env,
      createExecutionContext(),
    );
    const jwks = (await res.json()) as { keys: { kid: string }[] };
    expect(jwks.keys.map((k) => k.kid)).toEqual(['next', 'previous']);
    const before = await signJwt(keys, { sub: 'a' }, 'at+jwt', now);
    expect(decodeProtectedHeader(before).kid).toBe('previous');
    const after = await signJwt(keys, { sub: 'a' }, 'at+jwt', now + 3601);
    expect(decodeProtectedHeader(after).kid).toBe('next');
    const verifier = createLocalJWKSet(jwks as { keys: [] });
    await expect(jwtVerify(before, verifier)).resolves.toBeTruthy();
    await expect(jwtVerify(after, verifier)).resolves.toBeTruthy();
  });

  it('refuses a malformed nbf', async () => {
    await expect(
      loadKeySet(JSON.stringify({ keys: [{ ...(await es256('k')), nbf: 'soon' }] })),
    ).rejects.toThrow('SIGNING_KEYS.keys[0].nbf must be a Unix time in seconds');
  });
});

describe('Verified access tokens are remembered per key set (src/tokens/access-token.ts)', () => {
  const ISSUER = 'https://issuer.example';
  const mint = async (keys: Awaited<ReturnType<typeof loadKeySet>>, now: number, ttl = 60) =>
    mintAccessToken(keys, {
      issuer: ISSUER,
      audience: ISSUER,
      clientId: 'app',
      scope: ['urn:se:curity:scopes:haapi'],
      auth: { subject: 'app' },
      cnf: { jkt: 'thumbprint' },
      ttl,
      now,
    });

  it('a remembered token still expires, keeps its issuer, and is frozen', async () => {
    const keys = await loadKeySet(env.SIGNING_KEYS);
    const now = Math.floor(Date.now() / 1000);
    const { token } = await mint(keys, now, 60);
    const first = await verifyAccessTokenJwt(keys, token, ISSUER, now);
    expect(first?.sub).toBe('app');
    expect(await verifyAccessTokenJwt(keys, token, ISSUER, now + 30)).toBe(first);
    expect(await verifyAccessTokenJwt(keys, token, ISSUER, now + 60)).toBeNull();
    expect(await verifyAccessTokenJwt(keys, token, 'https://other.example', now)).toBeNull();
    expect(Object.isFrozen(first)).toBe(true);
    expect(Object.isFrozen(first?.cnf)).toBe(true);
    // Another text (a changed signature) is verified on its own, and refused.
    const tampered = `${token.slice(0, -4)}${token.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`;
    expect(await verifyAccessTokenJwt(keys, tampered, ISSUER, now)).toBeNull();
  });

  it('another key set does not see the tokens of the first; MAC-ed tokens are not remembered', async () => {
    const keys = await loadKeySet(env.SIGNING_KEYS);
    const now = Math.floor(Date.now() / 1000);
    const { token } = await mint(keys, now);
    expect(await verifyAccessTokenJwt(keys, token, ISSUER, now)).not.toBeNull();
    const other = await loadKeySet(JSON.stringify({ keys: [await es256('other')] }));
    expect(await verifyAccessTokenJwt(other, token, ISSUER, now)).toBeNull();
    const macKey = await issuerOnlyKey(env.SERVER_SECRET);
    const iat = (
      await mintAccessToken(keys, {
        issuer: ISSUER,
        audience: ISSUER,
        clientId: 'registrar',
        scope: ['dcr'],
        auth: { subject: 'registrar' },
        ttl: 60,
        now,
        macKey,
      })
    ).token;
    expect((await verifyAccessTokenJwt(keys, iat, ISSUER, now, macKey))?.scope).toBe('dcr');
    expect(await verifyAccessTokenJwt(keys, iat, ISSUER, now)).toBeNull();
  });
});
