// Regression: a `use_dpop_nonce` answer spent the single-use client assertion (CAT or JWT) of the
// request, so the client's retry with the nonce failed with invalid_client. The proof is now
// checked before client authentication.
import { describe, expect, it } from 'vitest';
import { jwtClientWithAssertion } from '../support/clients';
import { dpopKey, dpopProof } from '../support/dpop';
import { ISSUER, post } from '../support/worker';

const TOKEN = `${ISSUER}/oauth/v2/oauth-token`;

describe('DPoP nonce retry (regression)', () => {
  it('retrying with the nonce reuses the same private_key_jwt assertion successfully', async () => {
    const { assertion } = await jwtClientWithAssertion();
    const body = {
      grant_type: 'client_credentials',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
    };
    const proofKey = await dpopKey();
    const first = await post(TOKEN, body, {
      DPoP: await dpopProof(proofKey, { htu: TOKEN, nonce: null }),
    });
    expect(first.status).toBe(400);
    expect(((await first.json()) as { error: string }).error).toBe('use_dpop_nonce');
    const nonce = first.headers.get('DPoP-Nonce') as string;
    const retry = await post(TOKEN, body, {
      DPoP: await dpopProof(proofKey, { htu: TOKEN, nonce }),
    });
    expect(retry.status).toBe(200);
  });
});
