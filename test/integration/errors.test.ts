import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import { getSettings } from '../../src/config/settings';
import { call, form } from '../support/worker';

describe('Routing', () => {
  it("every route is unambiguous, so Hono's SmartRouter settles on the RegExpRouter (one regular expression), not its trie fallback", async () => {
    const app = createApp(getSettings(env as unknown as Record<string, unknown>));
    // The router is chosen at the first request.
    expect((await app.request('/no/such/endpoint', {}, env)).status).toBe(404);
    expect(app.router.name).toBe('SmartRouter + RegExpRouter');
  });
});

describe('Error boundary (docs/design.md §5)', () => {
  it('an unknown route is a 404 problem document (RFC 9457)', async () => {
    const res = await call('/no/such/endpoint');
    expect(res.status).toBe(404);
    expect(res.headers.get('Content-Type')).toBe('application/problem+json');
    expect(await res.json()).toEqual({
      type: 'about:blank',
      title: 'Not Found',
      status: 404,
      detail: 'No endpoint at GET /no/such/endpoint',
    });
  });

  it('a token request that is not a form post is invalid_request (RFC 6749 §3.2)', async () => {
    const res = await call('/oauth/v2/oauth-token', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"grant_type":',
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('Content-Type')).toBe('application/json');
    expect(res.headers.get('Cache-Control')).toBe('no-store');
    expect(await res.json()).toEqual({
      error: 'invalid_request',
      error_description: 'The request body must be application/x-www-form-urlencoded',
    });
  });

  it('a repeated parameter is invalid_request (RFC 6749 §3.1)', async () => {
    const res = await call('/oauth/v2/oauth-token', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials&grant_type=client_credentials',
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'invalid_request' });
  });

  it('a missing grant_type is invalid_request, an unknown one unsupported_grant_type', async () => {
    const missing = await call('/oauth/v2/oauth-token', form({ scope: 'x' }));
    expect(missing.status).toBe(400);
    expect(await missing.json()).toEqual({
      error: 'invalid_request',
      error_description: 'The grant_type parameter is missing',
    });
    const unknown = await call('/oauth/v2/oauth-token', form({ grant_type: 'urn:example:nope' }));
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({ error: 'unsupported_grant_type' });
  });

  it('a body over MAX_BODY_BYTES is 413 in the route shape', async () => {
    const res = await call(
      '/oauth/v2/oauth-token',
      form({ grant_type: 'x', pad: 'a'.repeat(70_000) }),
    );
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({
      error: 'invalid_request',
      error_description: 'The request body is larger than 65536 bytes',
    });
  });

  it('a streamed body over the limit (no Content-Length) is refused too', async () => {
    const chunk = new TextEncoder().encode('a'.repeat(16_384));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 8) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const res = await call('/oauth/v2/oauth-token', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body,
    });
    expect(res.status).toBe(413);
  });

  it('every response carries a request id and the security headers', async () => {
    const a = await call('/.well-known/openid-configuration');
    const b = await call('/nope');
    for (const res of [a, b]) {
      expect(res.headers.get('X-Request-Id')).toMatch(/^[A-Za-z0-9_-]{16}$/);
      expect(res.headers.get('X-Frame-Options')).toBe('DENY');
      expect(res.headers.get('X-Content-Type-Options')).toBe('nosniff');
      expect(res.headers.get('Content-Security-Policy')).toContain("frame-ancestors 'none'");
      expect(res.headers.get('Referrer-Policy')).toBe('no-referrer');
    }
    expect(a.headers.get('X-Request-Id')).not.toBe(b.headers.get('X-Request-Id'));
  });

  it('a client-supplied request id is not echoed (ids are ours)', async () => {
    const res = await call('/nope', { headers: { 'X-Request-Id': 'forged' } });
    expect(res.headers.get('X-Request-Id')).not.toBe('forged');
  });
});
