// The admin HTTP API: off without ADMIN_TOKEN, refused without the token, and every operation.
import { createExecutionContext, env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import worker from '../../src/index';
import { basic } from '../support/clients';
import { call, ISSUER } from '../support/worker';

const TOKEN = 'an-admin-token-that-is-long-enough-for-the-setting';
const adminEnv = { ...env, ADMIN_TOKEN: TOKEN } as Env;
const admin = (path: string, init: RequestInit = {}, token: string | null = TOKEN) => {
  const headers = new Headers(init.headers);
  if (token) headers.set('Authorization', `Bearer ${token}`);
  if (init.body) headers.set('Content-Type', 'application/json');
  return worker.fetch(
    new Request(`${ISSUER}/admin${path}`, { ...init, headers }) as unknown as Request<
      unknown,
      IncomingRequestCfProperties
    >,
    adminEnv,
    createExecutionContext(),
  );
};
const tokenRequest = (clientId: string, secret: string) =>
  worker.fetch(
    new Request(`${ISSUER}/oauth/v2/oauth-token`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        Authorization: basic(clientId, secret),
      },
      body: 'grant_type=client_credentials',
    }) as unknown as Request<unknown, IncomingRequestCfProperties>,
    adminEnv,
    createExecutionContext(),
  );

describe('Admin HTTP API', () => {
  it('is off (404) when ADMIN_TOKEN is not set, and refuses a missing or wrong token', async () => {
    expect(
      (await call('/admin/clients', { headers: { Authorization: `Bearer ${TOKEN}` } })).status,
    ).toBe(404);
    const none = await admin('/clients', {}, null);
    expect(none.status).toBe(401);
    expect(((await none.json()) as { error: string }).error).toBe('invalid_token');
    expect((await admin('/clients', {}, 'wrong')).status).toBe(401);
  });

  it('creates, reads, updates and deletes a client; the new client authenticates with its secret', async () => {
    const id = `admin-${crypto.randomUUID()}`;
    const created = await admin('/clients', {
      method: 'POST',
      body: JSON.stringify({
        client_id: id,
        secret: 'a-chosen-secret-1',
        grant_types: ['client_credentials'],
        scope: 'read',
      }),
    });
    expect(created.status).toBe(201);
    const view = (await created.json()) as Record<string, unknown>;
    expect(view).toMatchObject({
      client_id: id,
      has_secret: true,
      grant_types: ['client_credentials'],
      scopes: 'read',
    });
    expect(view).not.toHaveProperty('secret_hash');
    expect(
      (await admin('/clients', { method: 'POST', body: JSON.stringify({ client_id: id }) })).status,
    ).toBe(409);
    expect((await tokenRequest(id, 'a-chosen-secret-1')).status).toBe(200);
    const patched = await admin(`/clients/${id}`, {
      method: 'PATCH',
      body: JSON.stringify({ scope: 'read write', dpop_required: true }),
    });
    expect(await patched.json()).toMatchObject({ scopes: 'read write', dpop_required: 1 });
    expect((await admin('/clients')).status).toBe(200);
    expect((await admin(`/clients/${id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await admin(`/clients/${id}`)).status).toBe(404);
  });

  it('refuses bad client input with the field named, and writes nothing', async () => {
    const id = `admin-bad-${crypto.randomUUID()}`;
    const res = await admin('/clients', {
      method: 'POST',
      body: JSON.stringify({ client_id: id, redirect_uris: ['not a uri'] }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: 'invalid_request',
      error_description: 'redirect_uris contains a URI that does not parse: not a uri',
    });
    const unknown = await admin('/clients', {
      method: 'POST',
      body: JSON.stringify({ client_id: id, secret_hash: 'x' }),
    });
    expect(((await unknown.json()) as { error_description: string }).error_description).toBe(
      'secret_hash is not a client field that can be set',
    );
    expect((await admin(`/clients/${id}`)).status).toBe(404);
  });

  it("manages accounts and revokes a template's dynamic clients", async () => {
    const username = `admin-user-${crypto.randomUUID()}`;
    const created = await admin('/accounts', {
      method: 'POST',
      body: JSON.stringify({
        username,
        password: 'First-password-1',
        attributes: { name: 'Admin Made' },
      }),
    });
    expect(created.status).toBe(201);
    expect(
      (
        await admin('/accounts', {
          method: 'POST',
          body: JSON.stringify({ username, password: 'Other-password-1' }),
        })
      ).status,
    ).toBe(409);
    expect(
      (
        await admin(`/accounts/${username}/password`, {
          method: 'PUT',
          body: JSON.stringify({ password: 'short' }),
        })
      ).status,
    ).toBe(400);
    expect(
      (
        await admin(`/accounts/${username}/password`, {
          method: 'PUT',
          body: JSON.stringify({ password: 'Second-password-2' }),
        })
      ).status,
    ).toBe(204);
    expect(await (await admin(`/accounts/${username}/devices`)).json()).toEqual([]);
    expect((await admin(`/accounts/${username}`, { method: 'DELETE' })).status).toBe(204);
    expect((await admin(`/accounts/${username}`, { method: 'DELETE' })).status).toBe(404);

    const template = `admin-template-${crypto.randomUUID()}`;
    await env.DB.prepare(
      "INSERT INTO clients (client_id, is_template, grant_types) VALUES (?, 1, '[]')",
    )
      .bind(template)
      .run();
    for (let i = 0; i < 2; i++) {
      await env.DB.prepare(
        "INSERT INTO clients (client_id, template_id, grant_types) VALUES (?, ?, '[]')",
      )
        .bind(`dyn-admin-${crypto.randomUUID()}`, template)
        .run();
    }
    const revoked = await admin(`/templates/${template}/revoke-dynamic-clients`, {
      method: 'POST',
    });
    expect(await revoked.json()).toEqual({ template, deleted: 2 });
    const left = await env.DB.prepare('SELECT COUNT(*) AS n FROM clients WHERE template_id = ?')
      .bind(template)
      .first<{ n: number }>();
    expect(left?.n).toBe(0);
  });
});
