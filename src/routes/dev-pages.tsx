/**
 * @module routes/dev-pages
 * The development console (ENVIRONMENT=development only; app.ts does not mount it otherwise):
 *  - GET /dev: the start page. It makes sure the `dev-console` client exists with this origin's
 *    callback as a redirect URI (a public, DPoP-bound, browser client, like the demo's web
 *    client), then its button starts a PKCE authorization request (ui/client/dev-console.ts);
 *  - GET /dev/callback: the end of that login in the browser: the code, and a button that
 *    redeems it with the verifier and a DPoP proof, then shows the tokens;
 *  - GET /dev/console.js: the pages' script.
 * So a first run ends on a signed-in page with a redeemed code, on this server, whatever its port.
 */
import type { Context } from 'hono';
import { Hono } from 'hono';
import { raw } from 'hono/html';
import type { AppEnv } from '../app-env';
import { pickLocale } from '../haapi/messages/catalog';
import { forgetClient } from '../storage/clients';
import { scriptJson } from '../ui/external-done';
import { DEV_CONSOLE_SCRIPT } from '../ui/generated/dev-console-script';
import { Layout, layoutOptions, pageCsp } from '../ui/layout';

export const DEV_CLIENT_ID = 'dev-console';
const SCRIPT_PATH = '/dev/console.js';

/**
 * Creates the console's client, or adds this origin's callback to its redirect URIs and its start
 * page to its post-logout redirect URIs.
 */
async function ensureClient(c: Context<AppEnv>, origin: string): Promise<void> {
  await c.env.DB.prepare(
    `INSERT INTO clients (client_id, client_name, client_type, token_endpoint_auth_method, grant_types,
       scopes, redirect_uris, post_logout_redirect_uris, capabilities, dpop_required)
     VALUES (?1, 'Development console', 'public', 'none', '["authorization_code","refresh_token"]',
       'openid profile', json_array(?2), json_array(?3), '{"code":true,"browserFlow":true}', 1)
     ON CONFLICT (client_id) DO UPDATE SET
       redirect_uris = CASE WHEN EXISTS (SELECT 1 FROM json_each(clients.redirect_uris) WHERE value = ?2)
         THEN redirect_uris ELSE json_insert(redirect_uris, '$[#]', ?2) END,
       post_logout_redirect_uris = CASE WHEN EXISTS (SELECT 1 FROM json_each(clients.post_logout_redirect_uris) WHERE value = ?3)
         THEN post_logout_redirect_uris ELSE json_insert(post_logout_redirect_uris, '$[#]', ?3) END`,
  )
    .bind(DEV_CLIENT_ID, `${origin}/dev/callback`, `${origin}${DEV_START}`)
    .run();
  forgetClient(DEV_CLIENT_ID);
}

const DEV_START = '/dev';

function consolePage(c: Context<AppEnv>, page: 'start' | 'callback'): Response {
  const settings = c.get('settings');
  const origin = new URL(c.req.url).origin;
  const locale = pickLocale(c.req.query('ui_locales'), c.req.header('Accept-Language'));
  const layout = layoutOptions(c, locale);
  const config = {
    page,
    clientId: DEV_CLIENT_ID,
    authorizationEndpoint: `${origin}${settings.authorizationPath}`,
    tokenEndpoint: `${origin}${settings.tokenPath}`,
    redirectUri: `${origin}/dev/callback`,
    scope: 'openid profile',
  };
  const title = page === 'start' ? 'Try a sign-in' : 'Back from the sign-in';
  const signOut = `${settings.endSessionPath}?${new URLSearchParams({
    client_id: DEV_CLIENT_ID,
    post_logout_redirect_uri: `${origin}${DEV_START}`,
  })}`;
  const html = String(
    <Layout title={title} options={layout} script={SCRIPT_PATH}>
      <script type="application/json" id="config">
        {raw(scriptJson(config))}
      </script>
      {page === 'start' ? (
        <>
          <p>
            This page (development only) signs in as a browser application would: a PKCE
            authorization request for the <code>{DEV_CLIENT_ID}</code> client, the sign-in pages,
            and the code redeemed with a DPoP proof. The demo account is <code>demo</code> with the
            password <code>Password1</code>. After a sign-in this browser has a single sign-on
            session, so the next sign-in completes at once: sign out to see the pages again.
          </p>
          <button type="button" class="button primary" id="start">
            Sign in
          </button>
        </>
      ) : (
        <>
          <output id="status" class="message" hidden />
          <pre id="code" hidden />
          <button type="button" class="button primary" id="exchange" hidden>
            Redeem the code
          </button>
          <p id="key" class="code" hidden />
          <pre id="tokens" hidden />
        </>
      )}
      <nav class="links">
        <a href="/dev">Start page</a>
        <a href={signOut}>Sign out</a>
        <a href="/.well-known/openid-configuration">Discovery</a>
      </nav>
    </Layout>,
  );
  return c.html(html, 200, {
    'Cache-Control': 'no-store',
    'Content-Security-Policy': `${pageCsp(layout, { scripts: true })}; connect-src 'self'`,
  });
}

export const devPageRoutes = new Hono<AppEnv>()
  .get('/', async (c) => {
    await ensureClient(c, new URL(c.req.url).origin);
    return consolePage(c, 'start');
  })
  .get('/callback', (c) => consolePage(c, 'callback'))
  .get('/console.js', (c) =>
    c.body(DEV_CONSOLE_SCRIPT, 200, {
      'Content-Type': 'text/javascript; charset=utf-8',
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
    }),
  );
