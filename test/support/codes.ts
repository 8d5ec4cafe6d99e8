/**
 * Issues an authorization code the way the login flow will at its end: through the real
 * issueAuthorizationCode into a real HaapiFlow object (test-only entry point until the
 * hypermedia login exists).
 */
import { env } from 'cloudflare:test';
import { sha256Base64Url } from '../../src/crypto/digest';
import { randomToken } from '../../src/crypto/random';
import { mintFlowId } from '../../src/haapi/flow/flow-id';
import {
  type AuthorizationGrant,
  issueAuthorizationCode,
} from '../../src/tokens/authorization-code';
import { post } from './worker';

export interface CodeOptions extends Partial<AuthorizationGrant> {
  clientId: string;
  ttl?: number;
}

export async function issueTestCode(
  options: CodeOptions,
): Promise<{ code: string; verifier: string }> {
  const verifier = randomToken(32);
  const grant: AuthorizationGrant = {
    redirectUri: 'https://app.example/cb',
    scope: ['openid', 'profile'],
    codeChallenge: await sha256Base64Url(verifier),
    codeChallengeMethod: 'S256',
    auth: {
      subject: 'demo',
      authTime: Math.floor(Date.now() / 1000) - 5,
      acr: 'urn:se:curity:authentication:html-form:htmlform',
      amr: ['pwd'],
      cal: 'none',
    },
    ...options,
  };
  const code = await issueAuthorizationCode(
    env.HAAPI_FLOW,
    await mintFlowId(env.SERVER_SECRET),
    grant,
    options.ttl ?? 60,
  );
  if (!code) throw new Error('code not issued');
  return { code, verifier };
}

/** Redeems a code at the token endpoint with the test redirect URI. */
export function redeemCode(
  code: string,
  verifier: string,
  headers: Record<string, string> = {},
): Promise<Response> {
  return post(
    '/oauth/v2/oauth-token',
    {
      grant_type: 'authorization_code',
      code,
      redirect_uri: 'https://app.example/cb',
      code_verifier: verifier,
    },
    headers,
  );
}
