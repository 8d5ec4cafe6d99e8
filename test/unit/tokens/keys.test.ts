import { env } from 'cloudflare:test';
import {
  createLocalJWKSet,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  jwtVerify,
} from 'jose';
import { describe, expect, it } from 'vitest';
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
