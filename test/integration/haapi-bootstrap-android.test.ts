// The HAAPI bootstrap of docs/haapi-protocol.md §2.1 through the Worker, Android path: challenge →
// key attestation chain → CAT → DPoP-bound AAT. Chains come from a development root that only
// the non-production test policy trusts.

import {
  createExecutionContext,
  createScheduledController,
  env,
  waitOnExecutionContext,
} from 'cloudflare:test';
import { decodeJwt } from 'jose';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { issueChallenge } from '../../src/attestation/challenge';
import { getSettings } from '../../src/config/settings';
import { sha256, sha256Base64Url } from '../../src/crypto/digest';
import { encodeBase64 } from '../../src/crypto/pem';
import worker from '../../src/index';
import {
  bootstrapWorker,
  CAT_URL,
  HAAPI_SCOPE,
  insertAttestedClient,
  keyPairAndDpop,
  TOKEN_URL,
} from '../support/bootstrap';
import { androidChain, createDevCa, type DevCa } from '../support/dev-attestation';
import { dpopKey, dpopProof } from '../support/dpop';
import { action, HaapiTestClient } from '../support/haapi-client';

const PACKAGE = 'io.curity.haapidemo';

let root: DevCa;
let app: ReturnType<typeof bootstrapWorker>;
let devClient: string;
let prodClient: string;

async function challengeResponse(
  challenge: string,
  pair: CryptoKeyPair,
  packageName = PACKAGE,
  serial?: number,
): Promise<string> {
  const chain = await androidChain({
    root,
    key: pair,
    challenge: await sha256(challenge),
    packageName,
    signatureDigests: [new Uint8Array(32).fill(1)],
    serial,
  });
  return JSON.stringify({ platform: 'android', x5c: chain.map(encodeBase64) });
}

async function catFor(clientId: string, pair: CryptoKeyPair): Promise<string> {
  const challenge = await app.challenge(clientId);
  const res = await app.postCat(clientId, challenge, await challengeResponse(challenge, pair));
  expect(res.status).toBe(200);
  return ((await res.json()) as { cat: string }).cat;
}

beforeAll(async () => {
  root = await createDevCa();
  app = bootstrapWorker({
    'test-android-dev': {
      platform: 'android',
      mode: 'non-production',
      packageNames: [PACKAGE],
      developmentRoots: [root.pem],
    },
    'test-android-prod': {
      platform: 'android',
      mode: 'production',
      packageNames: [PACKAGE],
      signingCertDigests: ['01'.repeat(32)],
    },
  });
  devClient = await insertAttestedClient('test-android-dev');
  prodClient = await insertAttestedClient('test-android-prod');
});

describe('HAAPI bootstrap, Android (docs/haapi-protocol.md §2.1)', () => {
  it('challenge → attestation → CAT → AAT: DPoP-bound, scope haapi, cal by-policy, with the evidence', async () => {
    const { pair, dpop } = await keyPairAndDpop();
    const cat = await catFor(devClient, pair);
    expect(decodeJwt(cat)).toMatchObject({
      sub: devClient,
      cnf: { jkt: dpop.jkt },
      platform: 'android',
      policy: 'test-android-dev',
    });
    const res = await app.requestAat(cat, dpop);
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      access_token: string;
      token_type: string;
      expires_in: number;
      scope: string;
    };
    expect(body).toMatchObject({ token_type: 'DPoP', expires_in: 600, scope: HAAPI_SCOPE });
    expect(decodeJwt(body.access_token)).toMatchObject({
      sub: devClient,
      client_id: devClient,
      scope: HAAPI_SCOPE,
      cal: 'by-policy',
      cnf: { jkt: dpop.jkt },
      att: {
        platform: 'android',
        securityLevel: 'TrustedEnvironment',
        verifiedBootState: 'Verified',
        deviceLocked: true,
      },
    });
  });

  it('of 20 racing answers to one challenge exactly one gets a CAT', async () => {
    const { pair } = await keyPairAndDpop();
    const challenge = await app.challenge(devClient);
    const response = await challengeResponse(challenge, pair);
    const results = await Promise.all(
      Array.from({ length: 20 }, () => app.postCat(devClient, challenge, response)),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    const refused = results.filter((r) => r.status === 400);
    expect(refused).toHaveLength(19);
    expect(await refused[0]?.json()).toEqual({
      error: 'invalid_grant',
      error_description: 'The challenge is invalid, expired or already used',
    });
  });

  it('a CAT is single use', async () => {
    const { pair, dpop } = await keyPairAndDpop();
    const cat = await catFor(devClient, pair);
    expect((await app.requestAat(cat, dpop)).status).toBe(200);
    const again = await app.requestAat(cat, dpop);
    expect(again.status).toBe(401);
    expect(((await again.json()) as { error: string }).error).toBe('invalid_client');
  });

  it('the DPoP key must be the attested key', async () => {
    const { pair } = await keyPairAndDpop();
    const cat = await catFor(devClient, pair);
    const res = await app.requestAat(cat, await dpopKey());
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: 'invalid_dpop_proof',
      error_description: 'The DPoP proof must be signed by the attested key',
    });
  });

  it('an expired challenge fails', async () => {
    const { pair } = await keyPairAndDpop();
    const settings = getSettings(app.env as unknown as Record<string, unknown>);
    const old = await issueChallenge(
      settings.serverSecret,
      devClient,
      Math.floor(Date.now() / 1000) - 1000,
      120,
    );
    const res = await app.postCat(devClient, old, await challengeResponse(old, pair));
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe('invalid_grant');
  });

  it("another client's challenge fails", async () => {
    const { pair } = await keyPairAndDpop();
    const challenge = await app.challenge(prodClient);
    const res = await app.postCat(devClient, challenge, await challengeResponse(challenge, pair));
    expect(res.status).toBe(400);
  });

  it('a production policy refuses a chain to the development root', async () => {
    const { pair } = await keyPairAndDpop();
    const challenge = await app.challenge(prodClient);
    const res = await app.postCat(prodClient, challenge, await challengeResponse(challenge, pair));
    expect(res.status).toBe(401);
    // The test server runs as development, which names the reason; production does not.
    expect(await res.json()).toEqual({
      error: 'invalid_client',
      error_description: 'The client attestation could not be verified (untrusted_root)',
    });
    const production = {
      ...app.env,
      ENVIRONMENT: 'production',
      ISSUER: 'https://id.example',
      WEBAUTHN: '{}',
      // Production refuses non-production policies at start-up: only the production one.
      ATTESTATION: JSON.stringify({
        'test-android-prod': JSON.parse(app.env.ATTESTATION)['test-android-prod'],
      }),
    };
    const call = (init?: RequestInit) =>
      worker.fetch(
        new Request(
          `https://id.example/oauth/v2/oauth-token/cat?client_id=${prodClient}`,
          init,
        ) as unknown as Request<unknown, IncomingRequestCfProperties>,
        production as Env,
        createExecutionContext(),
      );
    const { challenge: prodChallenge } = (await (
      await call({ headers: { Accept: 'application/json' } })
    ).json()) as { challenge: string };
    const refused = await call({
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        challenge: prodChallenge,
        challenge_response: await challengeResponse(prodChallenge, pair),
      }),
    });
    expect(refused.status).toBe(401);
    expect(await refused.json()).toEqual({
      error: 'invalid_client',
      error_description: 'The client attestation could not be verified',
    });
  });

  it('a chain for another package or another challenge is refused', async () => {
    const { pair } = await keyPairAndDpop();
    const challenge = await app.challenge(devClient);
    expect(
      (
        await app.postCat(
          devClient,
          challenge,
          await challengeResponse(challenge, pair, 'com.example.other'),
        )
      ).status,
    ).toBe(401);
    const second = await app.challenge(devClient);
    expect(
      (await app.postCat(devClient, second, await challengeResponse(challenge, pair))).status,
    ).toBe(401);
  });

  it('bad requests get standard errors', async () => {
    expect((await app.call(`${CAT_URL}`, { headers: { Accept: 'application/json' } })).status).toBe(
      400,
    );
    expect(
      (await app.call(`${CAT_URL}?client_id=nobody`, { headers: { Accept: 'application/json' } }))
        .status,
    ).toBe(401);
    const noPolicy = await app.call(`${CAT_URL}?client_id=demo-backend`, {
      headers: { Accept: 'application/json' },
    });
    expect(noPolicy.status).toBe(400);
    expect(((await noPolicy.json()) as { error: string }).error).toBe('unauthorized_client');
    // An encoding the server does not know answers what a failed attestation answers, so SDKs
    // take their DCR fallback; the challenge is used up either way.
    for (const response of ['{', '{"platform":"android","x5c":["!!"]}', '{"platform":"windows"}']) {
      const challenge = await app.challenge(devClient);
      const res = await app.postCat(devClient, challenge, response);
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: string }).error).toBe('invalid_client');
      const again = await app.postCat(devClient, challenge, response);
      expect(((await again.json()) as { error: string }).error).toBe('invalid_grant');
    }
    // Any Accept but text/html gets the challenge as JSON.
    for (const accept of [undefined, '*/*', 'application/vnd.auth+json', 'application/xml']) {
      const res = await app.call(`${CAT_URL}?client_id=${devClient}`, {
        headers: accept ? { Accept: accept } : {},
      });
      expect(res.status, String(accept)).toBe(200);
      expect(typeof ((await res.json()) as { challenge: string }).challenge).toBe('string');
    }
  });

  it('a CAT cannot buy any scope but haapi, and a client without attestation cannot get an AAT', async () => {
    const { pair, dpop } = await keyPairAndDpop();
    const cat = await catFor(devClient, pair);
    const res = await app.call(TOKEN_URL, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        DPoP: await dpopProof(dpop, { htu: TOKEN_URL }),
      },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        scope: 'openid',
        client_assertion_type: 'urn:se:curity:attestation:client',
        client_assertion: cat,
      }),
    });
    expect(((await res.json()) as { error: string }).error).toBe('invalid_scope');
    const secretOnly = await app.call(TOKEN_URL, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        Authorization: `Basic ${btoa('haapi-android-client:Password1')}`,
        DPoP: await dpopProof(dpop, { htu: TOKEN_URL }),
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: HAAPI_SCOPE }),
    });
    expect(secretOnly.status).toBe(400);
    expect(await secretOnly.json()).toEqual({
      error: 'unauthorized_client',
      error_description: 'This client must attest before using the HAAPI',
    });
  });

  it("the Cron trigger loads Google's status list into D1, and a listed serial is refused", async () => {
    const statusUrl = 'https://status.example/attestation/status';
    const fetchSpy = vi.spyOn(globalThis, 'fetch').mockImplementation(async (input) => {
      expect(String(input instanceof Request ? input.url : input)).toBe(statusUrl);
      return Response.json({
        entries: {
          '7b': { status: 'REVOKED', reason: 'KEY_COMPROMISE' },
          '7C': { status: 'SUSPENDED' },
        },
      });
    });
    try {
      const ctx = createExecutionContext();
      await worker.scheduled(
        createScheduledController(),
        { ...app.env, ATTESTATION_STATUS_URL: statusUrl } as Env,
        ctx,
      );
      await waitOnExecutionContext(ctx);
    } finally {
      fetchSpy.mockRestore();
    }
    const rows = await env.DB.prepare(
      'SELECT serial, status FROM attestation_revocations ORDER BY serial',
    ).all();
    expect(rows.results).toEqual([
      { serial: '7b', status: 'REVOKED' },
      { serial: '7c', status: 'SUSPENDED' },
    ]);
    const { pair } = await keyPairAndDpop();
    for (const [serial, status] of [
      [0x7b, 401],
      [0x7c, 401],
      [0x7d, 200],
    ] as const) {
      const challenge = await app.challenge(devClient);
      expect(
        (
          await app.postCat(
            devClient,
            challenge,
            await challengeResponse(challenge, pair, PACKAGE, serial),
          )
        ).status,
      ).toBe(status);
    }
    await env.DB.prepare('DELETE FROM attestation_revocations').run();
  });

  it('a malformed status list changes nothing', async () => {
    await env.DB.prepare(
      "INSERT INTO attestation_revocations (serial, status) VALUES ('abc', 'REVOKED')",
    ).run();
    const fetchSpy = vi
      .spyOn(globalThis, 'fetch')
      .mockImplementation(async () => Response.json({ entries: { zz: { status: 'GONE' } } }));
    try {
      const ctx = createExecutionContext();
      await worker.scheduled(
        createScheduledController(),
        { ...app.env, ATTESTATION_STATUS_URL: 'https://status.example/x' } as Env,
        ctx,
      );
      await waitOnExecutionContext(ctx);
    } finally {
      fetchSpy.mockRestore();
    }
    const rows = await env.DB.prepare('SELECT serial FROM attestation_revocations').all();
    expect(rows.results).toEqual([{ serial: 'abc' }]);
    await env.DB.prepare('DELETE FROM attestation_revocations').run();
  });

  it('an attested app logs in through the HAAPI and its tokens carry cal by-policy', async () => {
    const { pair, dpop } = await keyPairAndDpop();
    const aat = (
      (await (await app.requestAat(await catFor(devClient, pair), dpop)).json()) as {
        access_token: string;
      }
    ).access_token;
    const client = new HaapiTestClient((request) => app.call(request.url, request), aat, dpop);
    const verifier = 'v'.repeat(43);
    const authorize = new URL('/oauth/v2/oauth-authorize', TOKEN_URL);
    authorize.search = new URLSearchParams({
      client_id: devClient,
      response_type: 'code',
      redirect_uri: 'app://haapi',
      scope: 'openid',
      code_challenge: await sha256Base64Url(verifier),
      code_challenge_method: 'S256',
    }).toString();
    const first = await client.request(authorize.href);
    const done = await client.follow(
      await client.submit(action(first.body, 'login'), { userName: 'demo', password: 'Password1' }),
    );
    expect(done.body.type).toBe('oauth-authorization-response');
    const code = (done.body.properties as Record<string, string>).code as string;
    const res = await app.call(TOKEN_URL, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        DPoP: await dpopProof(dpop, { htu: TOKEN_URL }),
      },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        client_id: devClient,
        code,
        redirect_uri: 'app://haapi',
        code_verifier: verifier,
      }),
    });
    expect(res.status).toBe(200);
    const tokens = (await res.json()) as { access_token: string; id_token: string };
    expect(decodeJwt(tokens.access_token)).toMatchObject({
      sub: 'demo',
      cal: 'by-policy',
      amr: ['pwd'],
      cnf: { jkt: dpop.jkt },
    });
    expect(decodeJwt(tokens.id_token)).toMatchObject({ cal: 'by-policy' });
  });
});
