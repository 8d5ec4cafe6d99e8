// The web CAT page and web attestation (docs/haapi-protocol.md §7) through the Worker.
import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { dpopKey, dpopProof } from '../support/dpop';
import { call, ISSUER, post, type TokenBody } from '../support/worker';

const CAT = '/oauth/v2/oauth-token/cat';

describe('Web CAT page', () => {
  it("a browser navigation gets the page, framable only by the client's allowed origins", async () => {
    const res = await call(`${CAT}?client_id=haapi-web-client`, {
      headers: { Accept: 'text/html,*/*' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('Content-Type')).toMatch(/^text\/html/);
    expect(res.headers.get('X-Frame-Options')).toBeNull();
    const csp = res.headers.get('Content-Security-Policy') as string;
    expect(csp).toContain('frame-ancestors http://localhost:5173;');
    expect(csp).toMatch(/script-src 'nonce-[\w-]+'/);
    expect(await res.text()).toContain('"clientId":"haapi-web-client"');
    const other = await call('/.well-known/openid-configuration');
    expect(other.headers.get('X-Frame-Options')).toBe('DENY');
  });

  it('is refused for a client without a web policy', async () => {
    const res = await call(`${CAT}?client_id=haapi-android-client`, {
      headers: { Accept: 'text/html' },
    });
    expect(res.status).toBe(400);
  });

  it('web attestation binds the page key for an allowed origin (cal none) and refuses another origin', async () => {
    const key = await dpopKey();
    const challenge = async () =>
      (
        (await (
          await call(`${CAT}?client_id=haapi-web-client`, {
            headers: { Accept: 'application/json' },
          })
        ).json()) as { challenge: string }
      ).challenge;
    const refused = await post(`${CAT}?client_id=haapi-web-client`, {
      challenge: await challenge(),
      challenge_response: JSON.stringify({
        platform: 'web',
        origin: 'https://evil.example',
        jkt: key.jkt,
      }),
    });
    expect(refused.status).toBe(401);
    const ok = await post(`${CAT}?client_id=haapi-web-client`, {
      challenge: await challenge(),
      challenge_response: JSON.stringify({
        platform: 'web',
        origin: 'http://localhost:5173',
        jkt: key.jkt,
        deviceIdentifier: 'device-1',
      }),
    });
    expect(ok.status).toBe(200);
    const { cat } = (await ok.json()) as { cat: string };
    const token = `${ISSUER}/oauth/v2/oauth-token`;
    const aat = await post(
      token,
      {
        grant_type: 'client_credentials',
        client_id: 'haapi-web-client',
        scope: 'urn:se:curity:scopes:haapi',
        client_assertion_type: 'urn:se:curity:attestation:client',
        client_assertion: cat,
      },
      { DPoP: await dpopProof(key, { htu: token }) },
    );
    expect(aat.status).toBe(200);
    expect(decodeJwt(((await aat.json()) as TokenBody).access_token)).toMatchObject({
      cal: 'none',
      att: { platform: 'web', origin: 'http://localhost:5173', deviceIdentifier: 'device-1' },
    });
  });
});
