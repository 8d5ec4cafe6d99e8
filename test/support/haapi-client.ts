/**
 * Plays a HAAPI app against the Worker (docs/haapi-protocol.md §3–§5) on the reference client's
 * session (client/haapi.ts: `Accept: application/vnd.auth+json`, `Authorization: DPoP <AAT>`, a
 * fresh DPoP proof with `ath`, retried once with the server's nonce, and `Session-Id`), keeping
 * every answer, problems included, for the tests to inspect. It walks representations
 * generically: follows redirection steps, fills forms by their model, so new authenticators need
 * no new client code.
 */
import { env } from 'cloudflare:test';
import { expect } from 'vitest';
import { HaapiSession } from '../../client/haapi';
import { DpopHttp, type ProofSigner } from '../../client/http';
import { sha256Base64Url } from '../../src/crypto/digest';
import { randomToken } from '../../src/crypto/random';
import type { Action, FormAction, Representation } from '../../src/haapi/representations/types';
import { basic } from './clients';
import { type DpopKey, dpopKey, dpopProof } from './dpop';
import { ISSUER } from './worker';

export type Fetch = (request: Request) => Promise<Response>;

/** The suite's DPoP key as the reference client's proof signer (no nonce until asked). */
function signerOf(key: DpopKey): ProofSigner {
  return {
    proof: (htm, url, options = {}) =>
      dpopProof(key, {
        htm,
        htu: `${new URL(url).origin}${new URL(url).pathname}`,
        ...(options.accessToken ? { accessToken: options.accessToken } : {}),
        nonce: options.nonce ?? null,
      }),
  };
}

export interface HaapiResult {
  status: number;
  contentType: string | null;
  body: Representation & Record<string, unknown>;
  headers: Headers;
}

export class HaapiTestClient {
  /** The reference client's session (client/haapi.ts) does the HAAPI calls. */
  private readonly session: HaapiSession;

  constructor(
    fetch: Fetch,
    readonly aat: string,
    readonly key: DpopKey,
  ) {
    this.session = new HaapiSession(new DpopHttp(fetch, signerOf(key)), aat, ISSUER);
  }

  get sessionId(): string | null {
    return this.session.sessionId;
  }
  set sessionId(id: string | null) {
    this.session.sessionId = id;
  }

  /** An app of a client that gets its AAT with a client secret (no attestation), on a new key. */
  static async withSecret(
    fetch: Fetch,
    clientId: string,
    secret: string,
  ): Promise<HaapiTestClient> {
    const key = await dpopKey();
    const tokenUrl = `${ISSUER}/oauth/v2/oauth-token`;
    const res = await fetch(
      new Request(tokenUrl, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/x-www-form-urlencoded',
          Authorization: basic(clientId, secret),
          DPoP: await dpopProof(key, { htu: tokenUrl }),
        },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          scope: 'urn:se:curity:scopes:haapi',
        }),
      }),
    );
    expect(res.status).toBe(200);
    const aat = ((await res.json()) as { access_token: string }).access_token;
    return new HaapiTestClient(fetch, aat, key);
  }

  /** One HAAPI call, its answer as it came (a problem too). */
  async request(
    href: string,
    method = 'GET',
    body?: { type: string; text: string },
    headers: Record<string, string> = {},
  ): Promise<HaapiResult> {
    const res = await this.session.send(href, method, body, headers);
    return {
      status: res.status,
      contentType: res.headers.get('Content-Type'),
      body: (await res.json()) as HaapiResult['body'],
      headers: res.headers,
    };
  }

  /** Submits a form action with `values` for its fields (hidden fields keep their values). */
  submit(action: FormAction, values: Record<string, string> = {}): Promise<HaapiResult> {
    const { href, method, body } = this.session.encode(action, values);
    return this.request(href, method, body);
  }

  /** Follows redirection steps until another kind of answer. */
  async follow(result: HaapiResult): Promise<HaapiResult> {
    let current = result;
    for (let i = 0; i < 10 && current.body.type === 'redirection-step'; i++) {
      current = await this.submit(formActions(current.body)[0] as FormAction);
    }
    return current;
  }
}

export function formActions(representation: Representation): FormAction[] {
  return (representation.actions ?? []).filter(
    (a: Action): a is FormAction => a.template === 'form',
  );
}

export function action(representation: Representation, kind: string): FormAction {
  const found = formActions(representation).find((a) => a.kind === kind);
  expect(found, `an action of kind ${kind} in ${JSON.stringify(representation)}`).toBeDefined();
  return found as FormAction;
}

/** A HAAPI client with allowWithoutAttestation, authenticated by its secret (cal none). */
export async function insertSecretHaapiClient(secretHash: string): Promise<string> {
  const clientId = `haapi-secret-${crypto.randomUUID()}`;
  await env.DB.prepare(
    `INSERT INTO clients (client_id, client_type, secret_hash, token_endpoint_auth_method, grant_types, scopes, redirect_uris, capabilities, dpop_required)
     VALUES (?, 'confidential', ?, 'client_secret_basic', '["authorization_code","refresh_token","client_credentials"]', 'openid profile email', '["app://haapi"]', '{"code":true,"haapi":true,"allowWithoutAttestation":true}', 1)`,
  )
    .bind(clientId, secretHash)
    .run();
  return clientId;
}

/** A code-flow authorization request for `clientId` with PKCE S256 (redirect app://haapi by default). */
export async function authorizationRequest(
  clientId: string,
  extra: Record<string, string> = {},
): Promise<{ url: string; verifier: string }> {
  const verifier = randomToken(32);
  const url = new URL('/oauth/v2/oauth-authorize', ISSUER);
  url.search = new URLSearchParams({
    client_id: clientId,
    response_type: 'code',
    redirect_uri: 'app://haapi',
    scope: 'openid',
    code_challenge: await sha256Base64Url(verifier),
    code_challenge_method: 'S256',
    ...extra,
  }).toString();
  return { url: url.href, verifier };
}
