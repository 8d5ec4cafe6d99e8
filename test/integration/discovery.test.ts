import { createExecutionContext, env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { getSettings } from '../../src/config/settings';
import { call } from '../support/worker';

const settings = getSettings(env as unknown as Record<string, unknown>);

describe('Discovery (RFC 8414, OpenID Connect Discovery 1.0)', () => {
  for (const path of [
    '/.well-known/openid-configuration',
    '/.well-known/oauth-authorization-server',
  ]) {
    it(`${path} is generated from the settings`, async () => {
      const res = await call(path);
      expect(res.status).toBe(200);
      expect(res.headers.get('Content-Type')).toMatch(/^application\/json/);
      const metadata = (await res.json()) as Record<string, unknown>;
      expect(metadata.issuer).toBe(env.ISSUER);
      expect(metadata.jwks_uri).toBe(`${env.ISSUER}${settings.jwksPath}`);
      expect(metadata.jwks_uri).toBe(`${env.ISSUER}/oauth/v2/jwks`);
      expect(metadata).toMatchObject({
        token_endpoint: `${env.ISSUER}/oauth/v2/oauth-token`,
        introspection_endpoint: `${env.ISSUER}/oauth/v2/oauth-introspect`,
        revocation_endpoint: `${env.ISSUER}/oauth/v2/oauth-revoke`,
        userinfo_endpoint: `${env.ISSUER}/oauth/v2/oauth-userinfo`,
        grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials'],
        code_challenge_methods_supported: ['S256'],
        id_token_signing_alg_values_supported: ['ES256', 'RS256'],
        tls_client_certificate_bound_access_tokens: true,
      });
      expect(metadata.token_endpoint_auth_methods_supported).toEqual([
        'client_secret_basic',
        'client_secret_post',
        'private_key_jwt',
        'tls_client_auth',
        'self_signed_tls_client_auth',
        'none',
      ]);
      expect(metadata.dpop_signing_alg_values_supported).toContain('ES256');
      expect(metadata).toMatchObject({
        authorization_endpoint: `${env.ISSUER}/oauth/v2/oauth-authorize`,
        response_types_supported: ['code'],
        authorization_response_iss_parameter_supported: true,
      });
      expect(metadata.registration_endpoint).toBe(`${env.ISSUER}/oauth/v2/oauth-registration`);
    });
  }

  it('issuer has no trailing slash and every endpoint lies under it (RFC 8414 §2)', async () => {
    const metadata = (await (
      await call('/.well-known/oauth-authorization-server')
    ).json()) as Record<string, unknown>;
    expect(String(metadata.issuer).endsWith('/')).toBe(false);
    for (const [name, value] of Object.entries(metadata)) {
      if (name.endsWith('_endpoint') || name.endsWith('_uri')) {
        expect(String(value).startsWith(`${metadata.issuer}/`)).toBe(true);
      }
    }
  });

  it('a changed issuer changes the documents (no hard-coded values)', async () => {
    const { default: worker } = await import('../../src/index');
    const other = {
      ...env,
      ENVIRONMENT: 'production',
      ISSUER: 'https://id.example.org',
      // Production needs its own relying party (the demo's is localhost) and production policies.
      WEBAUTHN: '{}',
      ATTESTATION: '{}',
      JWKS_PATH: '/keys',
    };
    const fetchOther = (path: string) =>
      worker.fetch(new Request(`https://id.example.org${path}`), other, createExecutionContext());
    const metadata = (await (
      await fetchOther('/.well-known/openid-configuration')
    ).json()) as Record<string, unknown>;
    expect(metadata.issuer).toBe('https://id.example.org');
    expect(metadata.jwks_uri).toBe('https://id.example.org/keys');
    expect((await fetchOther('/keys')).status).toBe(200);
    expect((await fetchOther('/oauth/v2/jwks')).status).toBe(404);
  });
});
