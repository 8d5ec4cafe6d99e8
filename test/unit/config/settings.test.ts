import { createExecutionContext, env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { getSettings, parseSettings } from '../../../src/config/settings';
import worker from '../../../src/index';

const base = { ...(env as unknown as Record<string, unknown>) };

describe('Settings (src/config/settings.ts)', () => {
  it('parses the Worker vars into a frozen, typed object with defaults', () => {
    const settings = getSettings(base);
    expect(settings.issuer).toBe('http://127.0.0.1:8787');
    expect(settings.environment).toBe('development');
    expect(settings.tokenPath).toBe('/oauth/v2/oauth-token');
    expect(settings.endpoints.cat).toBe('http://127.0.0.1:8787/oauth/v2/oauth-token/cat');
    expect(settings.authorizationCodeTtl).toBe(60);
    expect(settings.corsOrigins).toEqual(['http://localhost:5173']);
    expect(Object.isFrozen(settings)).toBe(true);
    expect(Object.isFrozen(settings.endpoints)).toBe(true);
    expect(Object.isFrozen(settings.corsOrigins)).toBe(true);
  });

  it('parses once per env object', () => {
    expect(getSettings(base)).toBe(getSettings(base));
  });

  const bad: [string, Record<string, unknown>, string][] = [
    ['a missing issuer', { ISSUER: undefined }, 'ISSUER is required'],
    ['an issuer that is not a URL', { ISSUER: 'not a url' }, 'ISSUER must be an absolute URL'],
    [
      'an issuer with a query',
      { ISSUER: 'https://a.example?x=1' },
      'ISSUER must not have a query or fragment',
    ],
    [
      'an http issuer in production',
      { ENVIRONMENT: 'production' },
      'ISSUER must use https when ENVIRONMENT is production',
    ],
    [
      'an unknown environment',
      { ENVIRONMENT: 'staging' },
      'ENVIRONMENT must be one of production, development',
    ],
    [
      'a non-numeric lifetime',
      { ACCESS_TOKEN_TTL: '5m' },
      'ACCESS_TOKEN_TTL must be a whole number',
    ],
    [
      'a lifetime out of range',
      { AUTHORIZATION_CODE_TTL: '3600' },
      'AUTHORIZATION_CODE_TTL must be between 5 and 600',
    ],
    ['a bad path', { TOKEN_PATH: 'token' }, 'TOKEN_PATH must be a path'],
    ['two endpoints on one path', { JWKS_PATH: '/oauth/v2/oauth-token' }, 'paths must be distinct'],
    [
      'an origin with a path',
      { CORS_ORIGINS: 'https://app.example/x' },
      'CORS_ORIGINS must list origins only',
    ],
    [
      'attestation settings that are not JSON',
      { ATTESTATION: '{' },
      'ATTESTATION must be valid JSON',
    ],
    ['a missing signing key secret', { SIGNING_KEYS: undefined }, 'SIGNING_KEYS is required'],
    [
      'a debug step in production',
      { ENVIRONMENT: 'production', ISSUER: 'https://id.example', DEBUG_LOGIN_ATTRIBUTES: 'true' },
      'DEBUG_LOGIN_ATTRIBUTES must be false when ENVIRONMENT is production',
    ],
    [
      'a short pepper',
      { PASSWORD_PEPPER: 'short' },
      'PASSWORD_PEPPER must be empty or at least 32 characters',
    ],
    [
      'a claims mapping for another token',
      { CLAIMS: '{"refresh_token":{}}' },
      'CLAIMS.refresh_token must be access_token or id_token',
    ],
    [
      'a claims mapping that sets sub',
      { CLAIMS: '{"id_token":{"openid":["sub"]}}' },
      'CLAIMS.id_token.openid must be an array of claim names',
    ],
    [
      'an unknown authenticator type',
      { AUTHENTICATORS: '[{"id":"x","type":"sms"}]' },
      'AUTHENTICATORS[0].type must be one of password',
    ],
  ];
  for (const [what, change, message] of bad) {
    it(`names the setting for ${what}`, () => {
      expect(() => parseSettings({ ...base, ...change })).toThrow(message);
    });
  }

  it('a bad setting makes the Worker answer 500 server_error, without details', async () => {
    const res = await worker.fetch(
      new Request('http://127.0.0.1:8787/.well-known/openid-configuration'),
      { ...env, ACCESS_TOKEN_TTL: 'soon' } as Env,
      createExecutionContext(),
    );
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({
      error: 'server_error',
      error_description: 'The server is misconfigured',
    });
  });
});
