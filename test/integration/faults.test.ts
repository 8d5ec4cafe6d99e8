// Faults: a D1 write that fails in the middle of a registration or a device save leaves nothing
// half-written (each is one statement or one batch) and answers a standard 5xx; a HaapiFlow object restarted in
// the middle of a login resumes from its storage.
import { createExecutionContext, env, runInDurableObject } from 'cloudflare:test';
import type { PublicKeyCredentialCreationOptionsJSON } from '@simplewebauthn/server';
import { describe, expect, it } from 'vitest';
import type { FormAction } from '../../src/haapi/representations/types';
import worker from '../../src/index';
import { attestedApps } from '../support/attested-apps';
import { initialAccessToken } from '../support/clients';
import { action, authorizationRequest, HaapiTestClient } from '../support/haapi-client';
import { SoftAuthenticator } from '../support/soft-authenticator';
import { PASSKEYS } from '../support/webauthn-config';
import { newAccount, operation, rpOrigin, startOn, toPrerequisite } from '../support/webauthn-flow';
import { ISSUER } from '../support/worker';

/**
 * D1 that fails every statement whose SQL matches `failing`, and every batch holding one (as a lost
 * connection would: a batch is one transaction, so nothing of it is written).
 */
function failingDb(db: D1Database, failing: RegExp): D1Database {
  const doomed = new WeakSet<object>();
  const wrap = (statement: D1PreparedStatement, sql: string): D1PreparedStatement => {
    const wrapped: D1PreparedStatement = new Proxy(statement, {
      get(target, property, receiver) {
        if (property === 'bind') return (...values: unknown[]) => wrap(target.bind(...values), sql);
        if (['run', 'first', 'all', 'raw'].includes(String(property)) && failing.test(sql))
          return () => Promise.reject(new Error('D1_ERROR: Network connection lost.'));
        const value = Reflect.get(target, property, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    if (failing.test(sql)) doomed.add(wrapped);
    return wrapped;
  };
  const wrapDb = <T extends object>(inner: T): T =>
    new Proxy(inner, {
      get(target, property) {
        const value = Reflect.get(target, property);
        if (property === 'prepare')
          return (sql: string) =>
            wrap((value as (s: string) => D1PreparedStatement).call(target, sql), sql);
        if (property === 'batch')
          return (statements: D1PreparedStatement[]) =>
            statements.some((s) => doomed.has(s))
              ? Promise.reject(new Error('D1_ERROR: Network connection lost.'))
              : (value as (s: D1PreparedStatement[]) => Promise<unknown>).call(target, statements);
        // A request reads through a Sessions API session: it fails the same way.
        if (property === 'withSession')
          return (...args: unknown[]) =>
            wrapDb((value as (...a: unknown[]) => object).apply(target, args));
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  return wrapDb(db);
}

function fetchWith(testEnv: Env) {
  return async (request: Request) =>
    worker.fetch(
      request as unknown as Request<unknown, IncomingRequestCfProperties>,
      testEnv,
      createExecutionContext(),
    );
}

async function countRows(table: string): Promise<number> {
  return (
    (await env.DB.prepare(`SELECT COUNT(*) AS n FROM ${table}`).first<{ n: number }>())?.n ?? 0
  );
}

describe('Faults', () => {
  it('a registration whose INSERT fails answers server_error, stores no client and leaves its initial access token unused', async () => {
    const iat = await initialAccessToken();
    const before = await countRows('clients');
    const registration = () =>
      new Request(`${ISSUER}/oauth/v2/oauth-registration`, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          Authorization: `Bearer ${iat}`,
          'CF-Connecting-IP': crypto.randomUUID(),
        },
        body: '{"software_id":"haapi-template-client"}',
      });
    const broken = fetchWith({ ...env, DB: failingDb(env.DB, /^\s*INSERT INTO clients/) } as Env);
    const res = await broken(registration());
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({
      error: 'server_error',
      error_description: 'An unexpected error occurred',
    });
    expect(await countRows('clients')).toBe(before);
    // The token's use was in the failed transaction: the device's retry registers, once.
    const healthy = fetchWith(env);
    expect((await healthy(registration())).status).toBe(201);
    expect(await countRows('clients')).toBe(before + 1);
    expect((await healthy(registration())).status).toBe(401);
  });

  it('a WebAuthn device save that fails stores nothing, keeps the step, and a retry registers once', async () => {
    const apps = await attestedApps({
      AUTHENTICATORS: JSON.stringify([PASSKEYS, { id: 'pw', type: 'password' }]),
    });
    const origin = rpOrigin(apps.env);
    const { username, subject } = await newAccount('fault');
    const app = await apps.ios();
    const { step } = await startOn(app, apps.iosClient, 'webauthn');
    const password = await toPrerequisite(app, step.body);
    const registration = await app.submit(action(password.body, 'login'), {
      userName: username,
      password: 'Password1',
    });
    const op = operation(registration.body, 'webauthn-registration');
    const publicKey = (
      op.model.arguments.credentialCreationOptions as {
        publicKey: PublicKeyCredentialCreationOptionsJSON;
      }
    ).publicKey;
    const credential = await new SoftAuthenticator({ origin, attachment: 'platform' }).create(
      publicKey,
    );
    const href = (op.model.continueActions[0] as FormAction).model.href;
    const body = { type: 'application/json', text: JSON.stringify({ credential }) };
    const broken = new HaapiTestClient(
      fetchWith({ ...apps.env, DB: failingDb(env.DB, /INSERT INTO webauthn_devices/) } as Env),
      app.aat,
      app.key,
    );
    broken.sessionId = app.sessionId;
    const failed = await broken.request(href, 'POST', body);
    expect(failed.status).toBe(500);
    expect(failed.contentType).toBe('application/problem+json');
    expect(failed.body.type).toBe('https://curity.se/problems/unexpected');
    expect(await countRows(`webauthn_devices WHERE subject = '${subject}'`)).toBe(0);
    // The flow is still on its registration step: the same response now registers, once.
    const done = await app.request(href, 'POST', body);
    expect(done.status).toBe(200);
    expect(await countRows(`webauthn_devices WHERE subject = '${subject}'`)).toBe(1);
  });

  it('a HaapiFlow object restarted mid-login resumes the flow from its storage', async () => {
    const apps = await attestedApps();
    const app = await apps.ios();
    const first = await app.request((await authorizationRequest(apps.iosClient)).url);
    const flowId = app.sessionId as string;
    const stub = env.HAAPI_FLOW.get(env.HAAPI_FLOW.idFromName(flowId));
    // Restart the object: its memory is gone, its SQLite storage stays.
    await runInDurableObject(stub, (_instance, state) => {
      try {
        state.abort('restart for the test');
      } catch {
        // abort() throws in the caller by design
      }
    }).catch(() => undefined);
    const done = await app.follow(
      await app.submit(action(first.body, 'login'), { userName: 'demo', password: 'Password1' }),
    );
    expect(done.body.type).toBe('oauth-authorization-response');
  });
});
