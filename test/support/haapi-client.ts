/**
 * Plays a HAAPI app against the Worker (docs/haapi-protocol.md §3–§5): every call with
 * `Accept: application/vnd.auth+json`, `Authorization: DPoP <AAT>`, a fresh DPoP proof with
 * `ath` (retried once with the server's nonce), and `Session-Id`. It walks representations
 * generically: follows redirection steps, fills forms by their model, so new authenticators need
 * no new client code.
 */
import { env } from 'cloudflare:test';
import { expect } from 'vitest';
import { sha256Base64Url } from '../../src/crypto/digest';
import { randomToken } from '../../src/crypto/random';
import type { Action, FormAction, Representation } from '../../src/haapi/representations/types';
import { basic } from './clients';
import { type DpopKey, dpopKey, dpopProof } from './dpop';
import { ISSUER } from './worker';

export type Fetch = (request: Request) => Promise<Response>;

export interface HaapiResult {
  status: number;
  contentType: string | null;
  body: Representation & Record<string, unknown>;
  headers: Headers;
}

export class HaapiTestClient {
  sessionId: string | null = null;
  private nonce: string | null = null;

  constructor(
    private readonly fetch: Fetch,
    readonly aat: string,
    readonly key: DpopKey,
  ) {}

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

  async request(
    href: string,
    method = 'GET',
    body?: { type: string; text: string },
    headers: Record<string, string> = {},
  ): Promise<HaapiResult> {
    const url = new URL(href, ISSUER);
    for (let attempt = 0; attempt < 2; attempt++) {
      const proof = await dpopProof(this.key, {
        htm: method,
        htu: `${url.origin}${url.pathname}`,
        accessToken: this.aat,
        nonce: this.nonce,
      });
      const requestHeaders: Record<string, string> = {
        Accept: 'application/vnd.auth+json',
        Authorization: `DPoP ${this.aat}`,
        DPoP: proof,
        ...headers,
      };
      if (this.sessionId) requestHeaders['Session-Id'] = this.sessionId;
      if (body) requestHeaders['Content-Type'] = body.type;
      const res = await this.fetch(
        new Request(url, { method, headers: requestHeaders, body: body?.text, redirect: 'manual' }),
      );
      const nonce = res.headers.get('DPoP-Nonce');
      if (nonce) this.nonce = nonce;
      if (
        res.status === 401 &&
        nonce &&
        (res.headers.get('WWW-Authenticate') ?? '').includes('use_dpop_nonce') &&
        attempt === 0
      )
        continue;
      const sessionId = res.headers.get('Set-Session-Id');
      if (sessionId) this.sessionId = sessionId;
      return {
        status: res.status,
        contentType: res.headers.get('Content-Type'),
        body: (await res.json()) as HaapiResult['body'],
        headers: res.headers,
      };
    }
    throw new Error('unreachable');
  }

  /** Submits a form action with `values` for its fields (hidden fields keep their values). */
  submit(action: FormAction, values: Record<string, string> = {}): Promise<HaapiResult> {
    const model = action.model;
    const data: Record<string, string> = {};
    for (const field of model.fields ?? []) {
      const value = values[field.name] ?? field.value;
      if (value !== undefined) data[field.name] = value;
    }
    if (model.method === 'GET') {
      const url = new URL(model.href, ISSUER);
      for (const [k, v] of Object.entries(data)) url.searchParams.set(k, v);
      return this.request(url.href, 'GET');
    }
    const json = model.type === 'application/json';
    return this.request(model.href, model.method, {
      type: json ? 'application/json' : 'application/x-www-form-urlencoded',
      text: json ? JSON.stringify(data) : new URLSearchParams(data).toString(),
    });
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
