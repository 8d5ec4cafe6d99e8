// Web clients (docs/haapi-protocol.md §7): a single-page app on an allowed origin logs in through
// the CAT iframe page with a client of our own written to the postMessage protocol; a page on
// another origin gets nothing. Debian's headless Chromium, driven by playwright-core.
import { createServer, type Server } from 'node:http';
import { describe, expect, it } from 'vitest';
import { useBrowserEnvironment } from './setup';
import { spaHtml } from './spa';
import { freePort } from './worker-server';

const CLIENT_ID = 'spa-test-client';
let allowedOrigin: string;
let otherOrigin: string;
const pages: Server[] = [];

async function serveSpa(port: number): Promise<void> {
  const origin = `http://localhost:${port}`;
  const http = createServer((_req, res) =>
    res
      .writeHead(200, { 'Content-Type': 'text/html' })
      .end(spaHtml(setup.server.issuer, CLIENT_ID, `${allowedOrigin}/callback`)),
  );
  await new Promise<void>((resolve) => http.listen(port, '127.0.0.1', resolve));
  pages.push(http);
  return void origin;
}

// AATs live 31 s: the page renews them 30 s early, so any call a second later needs a new one.
const setup = useBrowserEnvironment({
  vars: { HAAPI_ACCESS_TOKEN_TTL: '31' },
  prepare: async ({ db }) => {
    const [a, b] = [await freePort(), await freePort()];
    allowedOrigin = `http://localhost:${a}`;
    otherOrigin = `http://localhost:${b}`;
    await serveSpa(a);
    await serveSpa(b);
    await db
      .prepare(
        `INSERT INTO clients (client_id, client_type, token_endpoint_auth_method, grant_types, scopes, redirect_uris, allowed_origins, capabilities, attestation_policy)
         VALUES (?, 'public', 'none', '["authorization_code","client_credentials"]', 'openid', ?, ?, '{"code":true,"haapi":true}', 'web-test')`,
      )
      .bind(
        CLIENT_ID,
        JSON.stringify([`${allowedOrigin}/callback`]),
        JSON.stringify([allowedOrigin]),
      )
      .run();
  },
  cleanup: () => {
    for (const page of pages) page.close();
  },
});

/** The SPA on the allowed origin starts (gets its AAT) and logs in as demo with `password`. */
async function spaLogin(password: string): Promise<unknown> {
  const page = await (await setup.browser.newContext()).newPage();
  await page.goto(`${allowedOrigin}/`);
  await page.evaluate(() => (globalThis as unknown as { start: () => Promise<void> }).start());
  return page.evaluate(
    (p) =>
      (globalThis as unknown as { login: (u: string, p: string) => Promise<unknown> }).login(
        'demo',
        p,
      ),
    password,
  );
}

describe('Web driver protocol through the CAT iframe page', () => {
  it('the app on an allowed origin logs in, and redeems the code itself (CORS, PKCE)', async () => {
    const result = (await spaLogin('Password1')) as {
      status: number;
      tokens: { access_token: string; token_type: string };
      state: string;
    };
    expect(result.status).toBe(200);
    expect(result.state).toBe('spa');
    const claims = JSON.parse(
      Buffer.from(result.tokens.access_token.split('.')[1] as string, 'base64url').toString(),
    );
    expect(claims).toMatchObject({ sub: 'demo', cal: 'none', amr: ['pwd'] });
  }, 60_000);

  it('a wrong password comes back as the incorrect-credentials problem', async () => {
    const result = (await spaLogin('wrong')) as {
      status: number;
      type: string;
      problem: { type: string };
    };
    expect(result.status).toBe(400);
    expect(result.type).toBe('application/problem+json');
    expect(result.problem.type).toBe('https://curity.se/problems/incorrect-credentials');
  }, 60_000);

  it('20 requests in a burst are relayed, each answered under its own trace id', async () => {
    const page = await (await setup.browser.newContext()).newPage();
    await page.goto(`${allowedOrigin}/`);
    await page.evaluate(() => (globalThis as unknown as { start: () => Promise<void> }).start());
    const statuses = await page.evaluate(async () => {
      const w = globalThis as unknown as {
        haapiFetch: (h: string) => Promise<Response>;
        traces: number[];
      };
      const responses = await Promise.all(
        Array.from({ length: 20 }, () => w.haapiFetch('/.well-known/openid-configuration')),
      );
      return { statuses: responses.map((r) => r.status), traces: w.traces };
    });
    expect(statuses.statuses).toEqual(Array(20).fill(200));
    expect(new Set(statuses.traces.slice(-20)).size).toBe(20);
  }, 60_000);

  it('a page on another origin gets no AAT and no answers (the iframe refuses to be framed there)', async () => {
    const page = await (await setup.browser.newContext()).newPage();
    await page.goto(`${otherOrigin}/`);
    const outcome = await page.evaluate(async () => {
      try {
        await (globalThis as unknown as { start: (t: number) => Promise<void> }).start(3000);
        return 'started';
      } catch (err) {
        return String((err as Error).message);
      }
    });
    expect(outcome).toBe('no loaded message');
  }, 60_000);

  it('an AAT about to expire is renewed transparently between calls', async () => {
    const page = await (await setup.browser.newContext()).newPage();
    const tokenRequests: string[] = [];
    page.on('request', (request) => {
      if (request.method() === 'POST' && request.url().endsWith('/oauth/v2/oauth-token'))
        tokenRequests.push(request.url());
    });
    await page.goto(`${allowedOrigin}/`);
    await page.evaluate(() => (globalThis as unknown as { start: () => Promise<void> }).start());
    expect(tokenRequests.length).toBeGreaterThanOrEqual(1);
    const before = tokenRequests.length;
    await page.waitForTimeout(1500);
    const status = await page.evaluate(
      async () =>
        (
          await (
            globalThis as unknown as { haapiFetch: (h: string) => Promise<Response> }
          ).haapiFetch('/.well-known/openid-configuration')
        ).status,
    );
    expect(status).toBe(200);
    expect(tokenRequests.length).toBeGreaterThan(before);
  }, 60_000);
});
