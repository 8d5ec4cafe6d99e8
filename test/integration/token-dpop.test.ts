import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { verifyDpopProof } from '../../src/tokens/dpop-proof';
import { basic } from '../support/clients';
import { dpopKey, dpopProof } from '../support/dpop';
import { call, form, ISSUER } from '../support/worker';
import { RFC9449_HTU, RFC9449_JKT, RFC9449_PROOF, RFC9449_PROOF_IAT } from '../vectors/rfc/rfc9449';

const TOKEN = '/oauth/v2/oauth-token';
const HTU = `${ISSUER}${TOKEN}`;

function tokenRequest(dpop: string | null) {
  const init = form({ grant_type: 'client_credentials' });
  const headers: Record<string, string> = {
    ...(init.headers as Record<string, string>),
    Authorization: basic('demo-backend', 'Password1'),
  };
  if (dpop !== null) headers.DPoP = dpop;
  return call(TOKEN, { ...init, headers });
}

async function expectDpopError(res: Response, error = 'invalid_dpop_proof') {
  expect(res.status).toBe(400);
  expect(((await res.json()) as { error: string }).error).toBe(error);
}

describe('DPoP proofs at the token endpoint (RFC 9449 §4.3, §5)', () => {
  it('a valid proof gives a DPoP-bound token (cnf.jkt) and a fresh DPoP-Nonce', async () => {
    const key = await dpopKey();
    const res = await tokenRequest(await dpopProof(key, { htu: HTU }));
    expect(res.status).toBe(200);
    expect(res.headers.get('DPoP-Nonce')).toMatch(/^[0-9a-z]+\.[\w-]{22}$/);
    const body = (await res.json()) as { token_type: string; access_token: string };
    expect(body.token_type).toBe('DPoP');
    expect(JSON.parse(atob(body.access_token.split('.')[1] as string)).cnf).toEqual({
      jkt: key.jkt,
    });
  });

  it('a proof without a nonce gets use_dpop_nonce and a DPoP-Nonce to retry with (§8)', async () => {
    const key = await dpopKey();
    const first = await tokenRequest(await dpopProof(key, { htu: HTU, nonce: null }));
    const nonce = first.headers.get('DPoP-Nonce');
    expect(nonce).toBeTruthy();
    await expectDpopError(first, 'use_dpop_nonce');
    const retry = await tokenRequest(await dpopProof(key, { htu: HTU, nonce: nonce as string }));
    expect(retry.status).toBe(200);
  });

  it('a forged or stale nonce gets use_dpop_nonce', async () => {
    const key = await dpopKey();
    await expectDpopError(
      await tokenRequest(await dpopProof(key, { htu: HTU, nonce: '1.AAAAAAAAAAAAAAAAAAAAAA' })),
      'use_dpop_nonce',
    );
  });

  it('refuses a wrong htu', async () => {
    const key = await dpopKey();
    await expectDpopError(await tokenRequest(await dpopProof(key, { htu: `${ISSUER}/other` })));
  });

  it('ignores query and fragment of htu but not the path or origin', async () => {
    const key = await dpopKey();
    expect((await tokenRequest(await dpopProof(key, { htu: `${HTU}?x=1#y` }))).status).toBe(200);
    await expectDpopError(
      await tokenRequest(await dpopProof(key, { htu: HTU.replace('http://', 'https://') })),
    );
  });

  it('refuses a wrong htm', async () => {
    const key = await dpopKey();
    await expectDpopError(await tokenRequest(await dpopProof(key, { htu: HTU, htm: 'GET' })));
  });

  it('refuses an iat outside the window, in the past and in the future', async () => {
    const key = await dpopKey();
    const now = Math.floor(Date.now() / 1000);
    await expectDpopError(await tokenRequest(await dpopProof(key, { htu: HTU, iat: now - 600 })));
    await expectDpopError(await tokenRequest(await dpopProof(key, { htu: HTU, iat: now + 600 })));
  });

  it('refuses a replayed jti', async () => {
    const key = await dpopKey();
    const proof = await dpopProof(key, { htu: HTU });
    expect((await tokenRequest(proof)).status).toBe(200);
    await expectDpopError(await tokenRequest(proof));
  });

  it('refuses a wrong typ, a symmetric alg, a private jwk and a bad signature', async () => {
    const key = await dpopKey();
    await expectDpopError(await tokenRequest(await dpopProof(key, { htu: HTU, typ: 'JWT' })));
    const good = await dpopProof(key, { htu: HTU });
    const [h, p] = good.split('.');
    await expectDpopError(await tokenRequest(`${h}.${p}.${'A'.repeat(86)}`));
    const hs = btoa(JSON.stringify({ typ: 'dpop+jwt', alg: 'HS256', jwk: key.jwk })).replace(
      /=+$/,
      '',
    );
    await expectDpopError(await tokenRequest(`${hs}.${p}.AAAA`));
    const withPrivate = await dpopProof(key, {
      htu: HTU,
      header: { jwk: { ...key.jwk, d: 'AAAA' } },
    });
    await expectDpopError(await tokenRequest(withPrivate));
  });

  it('refuses two DPoP headers', async () => {
    const key = await dpopKey();
    const a = await dpopProof(key, { htu: HTU });
    const b = await dpopProof(key, { htu: HTU });
    await expectDpopError(await tokenRequest(`${a}, ${b}`));
  });

  it('a client that requires DPoP gets invalid_dpop_proof without one', async () => {
    await env.DB.prepare(
      "INSERT INTO clients (client_id, secret_hash, grant_types, scopes, dpop_required) VALUES ('dpop-only', (SELECT secret_hash FROM clients WHERE client_id = 'demo-backend'), '[\"client_credentials\"]', 'read', 1) ON CONFLICT DO NOTHING",
    ).run();
    const init = form({ grant_type: 'client_credentials' });
    const res = await call(TOKEN, {
      ...init,
      headers: {
        ...(init.headers as Record<string, string>),
        Authorization: basic('dpop-only', 'Password1'),
      },
    });
    await expectDpopError(res);
  });
});

describe('RFC 9449 example proof (§4.1 Figure 2, §6.1 Figure 9)', () => {
  const check = {
    proof: RFC9449_PROOF,
    method: 'POST',
    url: RFC9449_HTU,
    now: RFC9449_PROOF_IAT + 1,
    nonce: { serverSecret: env.SERVER_SECRET, lifetime: 300, required: false },
    maxAge: 120,
    replayGuard: env.REPLAY_GUARD,
    at: 'token-endpoint' as const,
  };

  it('verifies, with the thumbprint the RFC publishes', async () => {
    const result = await verifyDpopProof(check);
    expect(result.jkt).toBe(RFC9449_JKT);
  });

  it('is refused once its jti was used, at another URL, or much later', async () => {
    await expect(verifyDpopProof(check)).rejects.toMatchObject({
      error: 'invalid_dpop_proof',
      reason: 'replayed_jti',
    });
    await expect(
      verifyDpopProof({ ...check, url: 'https://server.example.com/other' }),
    ).rejects.toMatchObject({
      reason: 'bad_htu',
    });
    await expect(
      verifyDpopProof({ ...check, now: RFC9449_PROOF_IAT + 3600 }),
    ).rejects.toMatchObject({ reason: 'bad_iat' });
    await expect(
      verifyDpopProof({ ...check, nonce: { ...check.nonce, required: true } }),
    ).rejects.toMatchObject({
      error: 'use_dpop_nonce',
    });
  });
});
