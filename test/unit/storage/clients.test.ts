import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { findClient, forgetClient, isKnownOrigin } from '../../../src/storage/clients';
import { createTestClient } from '../../support/clients';

describe('Client repository (src/storage/clients.ts)', () => {
  it('reads a client with its JSON columns parsed', async () => {
    const client = await findClient(env.DB, 'haapi-android-client', 0);
    expect(client).toMatchObject({
      clientId: 'haapi-android-client',
      clientType: 'confidential',
      authMethods: [
        'client_secret_basic',
        'client_secret_post',
        'private_key_jwt',
        'tls_client_auth',
        'self_signed_tls_client_auth',
      ],
      grantTypes: ['authorization_code', 'refresh_token', 'client_credentials'],
      scopes: ['openid', 'profile'],
      redirectUris: ['app://haapi'],
      capabilities: { code: true, haapi: true },
      attestationPolicy: 'android-dev',
      dpopRequired: false,
    });
    expect(await findClient(env.DB, 'no-such-client', 0)).toBeNull();
  });

  it('keeps a client in the isolate cache for the TTL, and reads D1 again once forgotten', async () => {
    const { clientId } = await createTestClient({ scopes: 'read' });
    expect((await findClient(env.DB, clientId, 30))?.scopes).toEqual(['read']);
    await env.DB.prepare("UPDATE clients SET scopes = 'read write' WHERE client_id = ?")
      .bind(clientId)
      .run();
    expect((await findClient(env.DB, clientId, 30))?.scopes).toEqual(['read']);
    expect((await findClient(env.DB, clientId, 0))?.scopes).toEqual(['read', 'write']);
    forgetClient(clientId);
    expect((await findClient(env.DB, clientId, 30))?.scopes).toEqual(['read', 'write']);
  });

  it('knows the allowed origins of all clients (CORS preflight)', async () => {
    expect(await isKnownOrigin(env.DB, 'http://localhost:5173')).toBe(true);
    expect(await isKnownOrigin(env.DB, 'http://localhost:5174')).toBe(false);
  });
});
