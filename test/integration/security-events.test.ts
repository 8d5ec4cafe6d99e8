// Security events: one JSON line per event, with the event type and no secrets.
import { exports } from 'cloudflare:workers';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { sha256Base64Url } from '../../src/crypto/digest';
import { randomToken } from '../../src/crypto/random';
import { basic, initialAccessToken } from '../support/clients';
import { dpopKey, dpopProof } from '../support/dpop';
import { action, HaapiTestClient } from '../support/haapi-client';
import { ISSUER, post, type TokenBody } from '../support/worker';

const TOKEN = `${ISSUER}/oauth/v2/oauth-token`;
let lines: string[] = [];

beforeEach(() => {
  lines = [];
  for (const level of ['log', 'warn', 'error'] as const) {
    vi.spyOn(console, level).mockImplementation((line: unknown) => {
      lines.push(String(line));
    });
  }
});
afterEach(() => vi.restoreAllMocks());

const events = () =>
  lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((e) => e.security === true);

describe('Security event log', () => {
  it('logs a login (failure, success), tokens issued, refreshed and revoked, and a refused replay, without secrets', async () => {
    const key = await dpopKey();
    const aat = await initialAccessToken();
    const reg = (await (
      await exports.default.fetch(
        new Request(`${ISSUER}/oauth/v2/oauth-registration`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${aat}` },
          body: '{"software_id":"haapi-template-client"}',
        }) as unknown as Request<unknown, IncomingRequestCfProperties>,
      )
    ).json()) as { client_id: string; client_secret: string };
    const haapiToken = (
      (await (
        await post(
          TOKEN,
          { grant_type: 'client_credentials', scope: 'urn:se:curity:scopes:haapi' },
          {
            Authorization: basic(reg.client_id, reg.client_secret),
            DPoP: await dpopProof(key, { htu: TOKEN }),
          },
        )
      ).json()) as TokenBody
    ).access_token;
    const app = new HaapiTestClient(
      (r) => exports.default.fetch(r as unknown as Request<unknown, IncomingRequestCfProperties>),
      haapiToken,
      key,
    );
    const verifier = randomToken(32);
    const first = await app.request(
      `/oauth/v2/oauth-authorize?client_id=${reg.client_id}&response_type=code&redirect_uri=app%3A%2F%2Fhaapi&scope=openid&code_challenge=${await sha256Base64Url(verifier)}&code_challenge_method=S256`,
    );
    await app.submit(action(first.body, 'login'), {
      userName: 'demo',
      password: 'Wrong-password-9',
    });
    const done = await app.follow(
      await app.submit(action(first.body, 'login'), { userName: 'demo', password: 'Password1' }),
    );
    const code = (done.body.properties as Record<string, string>).code as string;
    const exchange = {
      grant_type: 'authorization_code',
      code,
      redirect_uri: 'app://haapi',
      code_verifier: verifier,
    };
    const tokens = (await (
      await post(TOKEN, exchange, {
        Authorization: basic(reg.client_id, reg.client_secret),
        DPoP: await dpopProof(key, { htu: TOKEN }),
      })
    ).json()) as TokenBody;
    await post(
      '/oauth/v2/oauth-revoke',
      { token: tokens.access_token },
      { Authorization: basic(reg.client_id, reg.client_secret) },
    );
    await post(TOKEN, exchange, {
      Authorization: basic(reg.client_id, reg.client_secret),
      DPoP: await dpopProof(key, { htu: TOKEN }),
    });

    const types = events().map((e) => e.event);
    for (const type of [
      'dcr.registration',
      'token.issued',
      'login.failure',
      'login.success',
      'replay.refused',
      'token.revoked',
    ]) {
      expect(types, `event ${type} in ${types.join(', ')}`).toContain(type);
    }
    expect(events().find((e) => e.event === 'login.failure')).toMatchObject({
      subject: 'demo',
      reason: 'wrong_password',
    });
    expect(events().find((e) => e.event === 'replay.refused')).toMatchObject({
      reason: 'code_replayed',
    });
    const all = lines.join('\n');
    for (const secret of [
      'Password1',
      'Wrong-password-9',
      reg.client_secret,
      code,
      tokens.access_token,
      haapiToken,
      aat,
      verifier,
    ]) {
      expect(all).not.toContain(secret);
    }
  });
});
