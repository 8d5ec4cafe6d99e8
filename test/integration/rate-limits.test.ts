// Rate limits on the token and CAT endpoints (per IP before any work, per client after
// authentication / per attesting client): 429 slow_down with Retry-After, per IP and client only.
import { createExecutionContext, env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import worker from '../../src/index';
import { basic } from '../support/clients';
import { ISSUER } from '../support/worker';

function limited(vars: Record<string, string>) {
  const testEnv = { ...env, ...vars } as Env;
  return (path: string, init: RequestInit & { ip: string }) =>
    worker.fetch(
      new Request(`${ISSUER}${path}`, {
        ...init,
        headers: { ...(init.headers as Record<string, string>), 'CF-Connecting-IP': init.ip },
      }) as unknown as Request<unknown, IncomingRequestCfProperties>,
      testEnv,
      createExecutionContext(),
    );
}

const clientCredentials = (clientId: string, secret: string) => ({
  method: 'POST',
  headers: {
    'Content-Type': 'application/x-www-form-urlencoded',
    Authorization: basic(clientId, secret),
  },
  body: 'grant_type=client_credentials',
});

/** Retry-After is the rest of the one-minute window that the first counted request began. */
function expectRetryWithinWindow(res: Response): void {
  const seconds = Number(res.headers.get('Retry-After'));
  expect(seconds).toBeGreaterThanOrEqual(1);
  expect(seconds).toBeLessThanOrEqual(60);
}

describe('Rate limits', () => {
  it('token endpoint per IP: the limit+1st request of a minute gets 429, other IPs do not', async () => {
    const call = limited({ TOKEN_REQUESTS_PER_IP: '3', TOKEN_REQUESTS_PER_CLIENT: '0' });
    const ip = `198.51.100.${Math.floor(Math.random() * 200)}`;
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      statuses.push(
        (await call('/oauth/v2/oauth-token', { ...clientCredentials('demo-backend', 'wrong'), ip }))
          .status,
      );
    }
    expect(statuses).toEqual([401, 401, 401, 429]);
    const refused = await call('/oauth/v2/oauth-token', {
      ...clientCredentials('demo-backend', 'Password1'),
      ip,
    });
    expect(refused.status).toBe(429);
    expectRetryWithinWindow(refused);
    expect(await refused.json()).toMatchObject({ error: 'slow_down' });
    const elsewhere = await call('/oauth/v2/oauth-token', {
      ...clientCredentials('demo-backend', 'Password1'),
      ip: '203.0.113.9',
    });
    expect(elsewhere.status).toBe(200);
  });

  it('token endpoint per client counts only authenticated requests', async () => {
    const call = limited({ TOKEN_REQUESTS_PER_IP: '0', TOKEN_REQUESTS_PER_CLIENT: '2' });
    // Someone naming the client with a wrong secret does not spend its budget.
    for (let i = 0; i < 5; i++) {
      expect(
        (
          await call('/oauth/v2/oauth-token', {
            ...clientCredentials('demo-backend', 'x'),
            ip: `192.0.2.${i}`,
          })
        ).status,
      ).toBe(401);
    }
    const ok = clientCredentials('demo-backend', 'Password1');
    expect((await call('/oauth/v2/oauth-token', { ...ok, ip: '192.0.2.50' })).status).toBe(200);
    expect((await call('/oauth/v2/oauth-token', { ...ok, ip: '192.0.2.51' })).status).toBe(200);
    const third = await call('/oauth/v2/oauth-token', { ...ok, ip: '192.0.2.52' });
    expect(third.status).toBe(429);
    expect(await third.json()).toMatchObject({ error: 'slow_down' });
  });

  it('CAT endpoint per IP, challenge and CAT requests alike', async () => {
    const call = limited({ CAT_REQUESTS_PER_IP: '2' });
    const ip = `198.51.100.${200 + Math.floor(Math.random() * 50)}`;
    const get = () =>
      call('/oauth/v2/oauth-token/cat?client_id=haapi-android-client', {
        headers: { Accept: 'application/json' },
        ip,
      });
    expect((await get()).status).toBe(200);
    expect((await get()).status).toBe(200);
    const third = await call('/oauth/v2/oauth-token/cat?client_id=haapi-android-client', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'challenge=x&challenge_response=%7B%7D',
      ip,
    });
    expect(third.status).toBe(429);
    expectRetryWithinWindow(third);
  });
});
