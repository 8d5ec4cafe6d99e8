/**
 * Issues an authorization code the way a login flow does at its end, without walking a login: a
 * real HaapiFlow object holding a flow, completed with its code through completeWithCode.
 */
import { env } from 'cloudflare:test';
import { sha256Base64Url } from '../../src/crypto/digest';
import { randomToken } from '../../src/crypto/random';
import { mintFlowId } from '../../src/haapi/flow/flow-id';
import {
  type AuthorizationGrant,
  completeWithCode,
  flowStub,
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
  const id = await mintFlowId(env.SERVER_SECRET);
  await flowStub(env.HAAPI_FLOW, id).create('{}', 600);
  const issued = await completeWithCode(
    env.HAAPI_FLOW,
    { id, version: 1, completedState: '{"completed":true}' },
    grant,
    options.ttl ?? 60,
  );
  if (!('code' in issued)) throw new Error(`code not issued: ${issued.refused}`);
  const { code } = issued;
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
