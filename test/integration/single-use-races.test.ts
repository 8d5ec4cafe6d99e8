// Every single-use value, raced 50 wide through the Worker: exactly one use succeeds, the others
// get the right error (DESIGN §4: anything that must happen at most once goes through a DO).
import { describe, expect, it } from 'vitest';
import { basic, initialAccessToken, jwtClientWithAssertion } from '../support/clients';
import { dpopKey, dpopProof } from '../support/dpop';
import { call, ISSUER, post, type TokenBody } from '../support/worker';

const TOKEN = `${ISSUER}/oauth/v2/oauth-token`;
const WIDTH = 50;

async function race(send: () => Promise<Response>): Promise<{ ok: number; refused: Response[] }> {
  const results = await Promise.all(Array.from({ length: WIDTH }, send));
  return {
    ok: results.filter((r) => r.status < 300).length,
    refused: results.filter((r) => r.status >= 400),
  };
}

describe(`Single-use values under a ${WIDTH}-wide race`, () => {
  it('a DPoP proof jti', async () => {
    const key = await dpopKey();
    const proof = await dpopProof(key, { htu: TOKEN });
    const { ok, refused } = await race(() =>
      post(
        TOKEN,
        { grant_type: 'client_credentials' },
        { Authorization: basic('demo-backend', 'Password1'), DPoP: proof },
      ),
    );
    expect(ok).toBe(1);
    expect(refused).toHaveLength(WIDTH - 1);
    expect(((await refused[0]?.json()) as TokenBody).error).toBe('invalid_dpop_proof');
  });

  it('a client assertion jti', async () => {
    const { assertion } = await jwtClientWithAssertion();
    const { ok, refused } = await race(() =>
      post(TOKEN, {
        grant_type: 'client_credentials',
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: assertion,
      }),
    );
    expect(ok).toBe(1);
    expect(((await refused[0]?.json()) as TokenBody).error).toBe('invalid_client');
  });

  it('an initial access token', async () => {
    const iat = await initialAccessToken();
    const { ok, refused } = await race(() =>
      call('/oauth/v2/oauth-registration', {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          Authorization: `Bearer ${iat}`,
          'CF-Connecting-IP': crypto.randomUUID(),
        },
        body: '{"software_id":"haapi-template-client"}',
      }),
    );
    expect(ok).toBe(1);
    expect(((await refused[0]?.json()) as TokenBody).error).toBe('invalid_token');
  });
});
