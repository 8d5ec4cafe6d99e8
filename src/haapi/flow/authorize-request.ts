/**
 * @module haapi/flow/authorize-request
 * Validation of the authorization request (RFC 6749 §4.1.1, §3.1.2; RFC 7636 §4.3; OIDC Core
 * §3.1.2.1), in the order that decides how an error is reported (RFC 6749 §4.1.2.1): until the
 * client and the redirect URI are known to be good, errors are shown to the user and never
 * redirected; after that they go back to the client's redirect URI.
 */
import type { Client } from '../../clients/client';
import { isUsable } from '../../clients/client';
import { isValidCodeChallenge } from '../../tokens/pkce';

export interface AuthorizeRequest {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly scope: readonly string[];
  readonly state?: string;
  /** null: no PKCE (allowed only when the client does not require it and the code is DPoP-bound). */
  readonly codeChallenge: string | null;
  readonly nonce?: string;
  readonly prompt: readonly string[];
  /** OIDC `max_age`: the most seconds since the user's authentication a login may reuse. */
  readonly maxAge?: number;
  readonly acrValues: readonly string[];
  readonly uiLocales?: string;
  /** OIDC `login_hint`: the username the login forms start with. */
  readonly loginHint?: string;
}

export type AuthorizeProblem =
  | { readonly redirect: false; readonly error: string; readonly description: string }
  | {
      readonly redirect: true;
      readonly redirectUri: string;
      readonly state?: string;
      readonly error: string;
      readonly description: string;
    };

const PROMPTS = new Set(['none', 'login', 'consent', 'select_account']);

export function validateAuthorizeRequest(
  params: URLSearchParams,
  client: Client | null,
  now: number,
  /** The code will be bound to the caller's DPoP key (a HAAPI flow of a native app). */
  codeBound = false,
): { ok: true; request: AuthorizeRequest } | { ok: false; problem: AuthorizeProblem } {
  const single = (name: string): string | undefined => {
    const values = params.getAll(name);
    return values.length === 1 ? values[0] : undefined;
  };
  const noRedirect = (error: string, description: string) => ({
    ok: false as const,
    problem: { redirect: false as const, error, description },
  });
  for (const name of new Set(params.keys())) {
    if (params.getAll(name).length > 1)
      return noRedirect('invalid_request', 'A parameter is repeated');
  }
  const clientId = single('client_id');
  if (!clientId) return noRedirect('invalid_request', 'The client_id parameter is missing');
  if (!client || !isUsable(client, now))
    return noRedirect('invalid_client', 'The client is unknown');
  const requested = single('redirect_uri');
  let redirectUri: string | undefined;
  if (requested !== undefined) {
    if (!client.redirectUris.includes(requested)) {
      return noRedirect('invalid_request', 'The redirect_uri is not registered for the client');
    }
    redirectUri = requested;
  } else if (client.redirectUris.length === 1) {
    redirectUri = client.redirectUris[0];
  }
  if (!redirectUri) return noRedirect('invalid_request', 'The redirect_uri parameter is missing');

  const state = single('state');
  const fail = (error: string, description: string) => ({
    ok: false as const,
    problem: {
      redirect: true as const,
      redirectUri: redirectUri as string,
      state,
      error,
      description,
    },
  });
  if (single('response_type') !== 'code')
    return fail('unsupported_response_type', 'Only response_type=code is supported');
  if (!client.grantTypes.includes('authorization_code') || client.capabilities.code === false) {
    return fail('unauthorized_client', 'The client may not use the code flow');
  }
  // PKCE is required, except for a client that does not require it whose code is bound to the
  // app's DPoP key (which then protects the code as the verifier would).
  const challenge = single('code_challenge') ?? null;
  const pkceOptional = !client.requirePkce && codeBound;
  if (challenge === null && !pkceOptional)
    return fail('invalid_request', 'code_challenge is required (PKCE)');
  if (challenge !== null) {
    if (single('code_challenge_method') !== 'S256')
      return fail('invalid_request', 'code_challenge_method must be S256');
    if (!isValidCodeChallenge(challenge))
      return fail('invalid_request', 'code_challenge is malformed');
  }
  const scope = (single('scope') ?? '').split(' ').filter(Boolean);
  const refused = scope.filter((s) => !client.scopes.includes(s));
  if (refused.length > 0)
    return fail('invalid_scope', 'A requested scope is not allowed for this client');
  const prompt = (single('prompt') ?? '').split(' ').filter(Boolean);
  if (prompt.some((p) => !PROMPTS.has(p)) || (prompt.includes('none') && prompt.length > 1)) {
    return fail('invalid_request', 'The prompt parameter is invalid');
  }
  // prompt=none is decided by the caller: only a browser's single sign-on session can answer it.
  const maxAgeText = single('max_age');
  const maxAge = maxAgeText === undefined ? undefined : Number(maxAgeText);
  if (maxAge !== undefined && !(/^\d{1,10}$/.test(maxAgeText as string) && maxAge <= 2 ** 31))
    return fail('invalid_request', 'max_age must be a whole number of seconds');
  const acrValues = [single('acr_values'), single('acr')]
    .flatMap((v) => (v ?? '').split(' '))
    .filter(Boolean);
  // A username hint, as OIDC Core §3.1.2.1 describes it; anything unusable as one is ignored.
  const hint = single('login_hint');
  const printable = (text: string) => [...text].every((ch) => ch.charCodeAt(0) >= 0x20);
  const loginHint = hint && hint.length <= 255 && printable(hint) ? hint : undefined;
  return {
    ok: true,
    request: {
      clientId,
      redirectUri,
      scope,
      state,
      codeChallenge: challenge,
      nonce: single('nonce'),
      prompt,
      ...(maxAge !== undefined ? { maxAge } : {}),
      acrValues,
      uiLocales: single('ui_locales'),
      ...(loginHint ? { loginHint } : {}),
    },
  };
}
