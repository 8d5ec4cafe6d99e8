/**
 * Plays the app side of the HAAPI bootstrap (docs/haapi-protocol.md §2.1) against the Worker run
 * with test attestation policies: challenge, challenge response, CAT, AAT.
 */
import { createExecutionContext, env } from 'cloudflare:test';
import { calculateJwkThumbprint, exportJWK } from 'jose';
import { expect } from 'vitest';
import worker from '../../src/index';
import { ecKeyPair } from './dev-attestation';
import { type DpopKey, dpopProof } from './dpop';
import { ISSUER } from './worker';

export const HAAPI_SCOPE = 'urn:se:curity:scopes:haapi';
export const TOKEN_URL = `${ISSUER}/oauth/v2/oauth-token`;
export const CAT_URL = `${TOKEN_URL}/cat`;

/** The Worker with `policies` as its ATTESTATION setting (and `extra` vars, if any). */
export function bootstrapWorker(
  policies: Record<string, unknown>,
  extra: Record<string, string> = {},
) {
  const testEnv = { ...env, ATTESTATION: JSON.stringify(policies), ...extra } as Env;
  const call = async (url: string, init?: RequestInit): Promise<Response> =>
    worker.fetch(
      new Request(url, init) as unknown as Request<unknown, IncomingRequestCfProperties>,
      testEnv,
      createExecutionContext(),
    );

  return {
    env: testEnv,
    call,
    async challenge(clientId: string): Promise<string> {
      const res = await call(`${CAT_URL}?client_id=${clientId}`, {
        headers: { Accept: 'application/json' },
      });
      expect(res.status).toBe(200);
      return ((await res.json()) as { challenge: string }).challenge;
    },
    postCat(clientId: string, challenge: string, response: string): Promise<Response> {
      return call(`${CAT_URL}?client_id=${clientId}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ challenge, challenge_response: response }),
      });
    },
    async requestAat(cat: string, key: DpopKey, scope = HAAPI_SCOPE): Promise<Response> {
      return call(TOKEN_URL, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/x-www-form-urlencoded',
          DPoP: await dpopProof(key, { htu: TOKEN_URL }),
        },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          scope,
          client_assertion_type: 'urn:se:curity:attestation:client',
          client_assertion: cat,
        }),
      });
    },
  };
}

/** A public HAAPI client with the given attestation policy. */
export async function insertAttestedClient(policy: string): Promise<string> {
  const clientId = `attested-${crypto.randomUUID()}`;
  await env.DB.prepare(
    `INSERT INTO clients (client_id, client_type, token_endpoint_auth_method, grant_types, scopes, redirect_uris, capabilities, attestation_policy, dpop_required)
     VALUES (?, 'public', 'none', '["authorization_code","client_credentials"]', 'openid', '["app://haapi"]', '{"code":true,"haapi":true}', ?, 1)`,
  )
    .bind(clientId, policy)
    .run();
  return clientId;
}

/** A key pair as a DPoP signing key (Android apps attest their DPoP key). */
export async function dpopKeyOf(pair: CryptoKeyPair): Promise<DpopKey> {
  const jwk = await exportJWK(pair.publicKey);
  return { privateKey: pair.privateKey, jwk, jkt: await calculateJwkThumbprint(jwk) };
}

/** A P-256 key pair and the same key as a DPoP signing key. */
export async function keyPairAndDpop(): Promise<{ pair: CryptoKeyPair; dpop: DpopKey }> {
  const pair = await ecKeyPair();
  return { pair, dpop: await dpopKeyOf(pair) };
}
