/**
 * @module routes/admin
 * /admin: the admin HTTP API, for managing the server without wrangler. Off (404) unless the
 * ADMIN_TOKEN secret is set; every call needs `Authorization: Bearer <ADMIN_TOKEN>` (compared in
 * constant time). Operations (JSON): clients (list, read, create, update, delete), a template's
 * dynamic clients (bulk revoke), accounts (list, create, set password, delete) and WebAuthn
 * devices (list, delete). Each change is one statement and a security event.
 */

import type { Context } from 'hono';
import { Hono } from 'hono';
import { clientColumns, clientId, clientView } from '../admin/client-input';
import type { AppEnv } from '../app-env';
import { timingSafeEqualStrings } from '../crypto/constant-time';
import { hashPassword } from '../crypto/secret-hash';
import { OAuthError } from '../errors/oauth-error';
import { RequestError } from '../errors/request-error';
import { securityEvent } from '../observability/events';
import { clearLoginAttempts } from '../replay/attempts';
import { run, statements } from '../storage/admin-statements';
import { forgetClient } from '../storage/clients';
import { readJsonObject } from './request-body';

function changed(c: Context<AppEnv>, action: string, target: string): void {
  securityEvent(c.env.EVENTS, 'admin.change', { requestId: c.get('requestId'), action, target });
}

function notFound(what: string): RequestError {
  return new RequestError(404, 'Not Found', `No such ${what}`);
}

const string = (body: Record<string, unknown>, field: string, min = 1): string => {
  const value = body[field];
  if (typeof value !== 'string' || value.length < min || value.length > 1024) {
    throw new OAuthError(
      'invalid_request',
      `${field} must be a string of at least ${min} characters`,
    );
  }
  return value;
};

export const adminRoutes = new Hono<AppEnv>()
  .use(async (c, next) => {
    const token = c.get('settings').adminToken;
    if (!token)
      throw new RequestError(404, 'Not Found', `No endpoint at ${c.req.method} ${c.req.path}`);
    const presented = /^Bearer (.+)$/.exec(c.req.header('Authorization') ?? '')?.[1] ?? '';
    if (!(await timingSafeEqualStrings(presented, token))) {
      throw new OAuthError('invalid_token', 'The admin token is missing or wrong', {
        status: 401,
        headers: { 'WWW-Authenticate': 'Bearer realm="edge-haapi admin"' },
        reason: 'admin_token',
      });
    }
    c.header('Cache-Control', 'no-store');
    await next();
  })
  .get('/clients', async (c) =>
    c.json((await run(c.env.DB, statements.listClients()).all()).results),
  )
  .post('/clients', async (c) => {
    const body = await readJsonObject(c);
    const id = clientId(body.client_id);
    const columns = await clientColumns(body);
    if ((await run(c.env.DB, statements.getClient(id)).first()) !== null) {
      throw new OAuthError('invalid_request', `The client ${id} exists already`, { status: 409 });
    }
    await run(c.env.DB, statements.insertClient(id, columns)).run();
    changed(c, 'client.create', id);
    return c.json(
      clientView(
        (await run(c.env.DB, statements.getClient(id)).first()) as Record<string, unknown>,
      ),
      201,
    );
  })
  .get('/clients/:id', async (c) => {
    const row = await run(c.env.DB, statements.getClient(c.req.param('id'))).first();
    if (!row) throw notFound('client');
    return c.json(clientView(row));
  })
  .patch('/clients/:id', async (c) => {
    const id = c.req.param('id');
    const columns = await clientColumns(await readJsonObject(c));
    const result = await run(c.env.DB, statements.updateClient(id, columns)).run();
    if (result.meta.changes === 0) throw notFound('static client');
    forgetClient(id);
    changed(c, 'client.update', id);
    return c.json(
      clientView(
        (await run(c.env.DB, statements.getClient(id)).first()) as Record<string, unknown>,
      ),
    );
  })
  .delete('/clients/:id', async (c) => {
    const id = c.req.param('id');
    const result = await run(c.env.DB, statements.deleteClient(id)).run();
    if (result.meta.changes === 0) throw notFound('static client');
    forgetClient(id);
    changed(c, 'client.delete', id);
    return c.body(null, 204);
  })
  .post('/templates/:id/revoke-dynamic-clients', async (c) => {
    const id = c.req.param('id');
    const result = await run(c.env.DB, statements.revokeTemplateClients(id)).all();
    forgetClient();
    changed(c, 'template.revoke-dynamic-clients', id);
    return c.json({ template: id, deleted: result.results.length });
  })
  .get('/accounts', async (c) =>
    c.json((await run(c.env.DB, statements.listAccounts()).all()).results),
  )
  .post('/accounts', async (c) => {
    const body = await readJsonObject(c);
    const username = string(body, 'username');
    const password = string(body, 'password', 8);
    const attributes = body.attributes ?? {};
    if (typeof attributes !== 'object' || attributes === null || Array.isArray(attributes)) {
      throw new OAuthError('invalid_request', 'attributes must be a JSON object');
    }
    const subject =
      typeof body.subject === 'string' && body.subject ? body.subject : crypto.randomUUID();
    const hash = await hashPassword(password, c.get('settings').passwordPepper);
    try {
      await run(
        c.env.DB,
        statements.insertAccount(subject, username, hash, JSON.stringify(attributes)),
      ).run();
    } catch (err) {
      if (String(err).includes('UNIQUE'))
        throw new OAuthError('invalid_request', 'That username or subject exists already', {
          status: 409,
        });
      throw err;
    }
    changed(c, 'account.create', subject);
    return c.json({ subject, username }, 201);
  })
  .put('/accounts/:username/password', async (c) => {
    const password = string(await readJsonObject(c), 'password', 8);
    const hash = await hashPassword(password, c.get('settings').passwordPepper);
    const result = await run(c.env.DB, statements.setPassword(c.req.param('username'), hash)).run();
    if (result.meta.changes === 0) throw notFound('account');
    // A new password also ends a lockout.
    await clearLoginAttempts(c.env.REPLAY_GUARD, c.req.param('username'));
    changed(c, 'account.set-password', c.req.param('username'));
    return c.body(null, 204);
  })
  .post('/accounts/:username/end-sessions', async (c) => {
    const username = c.req.param('username');
    const result = await run(c.env.DB, statements.endSessions(username)).run();
    if (result.meta.changes === 0) throw notFound('account');
    changed(c, 'account.end-sessions', username);
    return c.body(null, 204);
  })
  .delete('/accounts/:username', async (c) => {
    const result = await run(c.env.DB, statements.deleteAccount(c.req.param('username'))).run();
    if (result.meta.changes === 0) throw notFound('account');
    changed(c, 'account.delete', c.req.param('username'));
    return c.body(null, 204);
  })
  .get('/accounts/:username/devices', async (c) =>
    c.json((await run(c.env.DB, statements.listDevices(c.req.param('username'))).all()).results),
  )
  .delete('/devices/:credentialId', async (c) => {
    const result = await run(c.env.DB, statements.deleteDevice(c.req.param('credentialId'))).run();
    if (result.meta.changes === 0) throw notFound('device');
    changed(c, 'device.delete', c.req.param('credentialId'));
    return c.body(null, 204);
  });
