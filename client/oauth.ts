/**
 * @module client/oauth
 * The OAuth side of a login: the authorization request with PKCE (RFC 7636, S256) and the code
 * exchange with a DPoP proof of the app's key (the code is bound to the AAT's key).
 */
import { decodeJwt, type JWTPayload } from 'jose';
import { sha256Base64Url } from '../src/crypto/digest';
import { randomToken } from '../src/crypto/random';
import { jsonOrThrow } from './errors';
import { type DpopHttp, formBody } from './http';

export interface AuthorizationRequest {
  readonly url: string;
  readonly verifier: string;
  readonly state: string;
}

export async function authorizationRequest(
  authorizationEndpoint: string,
  parameters: { clientId: string; redirectUri: string; scope: string; [extra: string]: string },
): Promise<AuthorizationRequest> {
  const verifier = randomToken(32);
  const challenge = await sha256Base64Url(verifier);
  const state = randomToken(12);
  const { clientId, redirectUri, scope, ...extra } = parameters;
  const url = new URL(authorizationEndpoint);
  url.search = new URLSearchParams({
    client_id: clientId,
    response_type: 'code',
    redirect_uri: redirectUri,
    scope,
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...extra,
  }).toString();
  return { url: url.href, verifier, state };
}

export interface Tokens {
  readonly access_token: string;
  readonly token_type: string;
  readonly expires_in: number;
  readonly refresh_token?: string;
  readonly id_token?: string;
  readonly scope?: string;
}

/** Redeems the code with the client's token authentication and a DPoP proof of the app's key. */
export async function exchangeCode(
  http: DpopHttp,
  tokenEndpoint: string,
  options: {
    code: string;
    verifier: string;
    clientId: string;
    redirectUri: string;
    auth: { headers: Record<string, string>; form: Record<string, string> };
  },
): Promise<Tokens> {
  const form = formBody({
    grant_type: 'authorization_code',
    code: options.code,
    redirect_uri: options.redirectUri,
    code_verifier: options.verifier,
    ...(options.auth.headers.Authorization ? {} : { client_id: options.clientId }),
    ...options.auth.form,
  });
  const headers = { ...form.headers, ...options.auth.headers };
  const res = await http.send(tokenEndpoint, { method: 'POST', headers, body: form.body });
  return jsonOrThrow<Tokens>(res);
}

/** The claims of a token (not verified: for display; the server verifies). */
export function claimsOf(token: string): JWTPayload {
  return decodeJwt(token);
}
