/**
 * @module routes/end-session
 * GET/POST <END_SESSION_PATH>: OpenID Connect RP-Initiated Logout 1.0. Ends the browser's single
 * sign-on session (its object and its cookie) and sends the browser to the client's registered
 * `post_logout_redirect_uri` (with `state`), or shows that the user is signed out.
 *  - `id_token_hint` (one of our ID tokens, expired ones too) names the client and the user;
 *    `client_id`, when also sent, must be its audience.
 *  - `post_logout_redirect_uri` must be registered for the client (`post_logout_redirect_uris`);
 *    anything wrong is shown, never redirected (§3).
 *  - Without a hint for the session's own user, the user is asked first (§2: a page on another
 *    site must not sign the user out silently): a form posts back with a token bound to the
 *    session.
 */
import type { Context } from 'hono';
import { Hono } from 'hono';
import type { AppEnv } from '../app-env';
import { encodeBase64Url } from '../crypto/base64url';
import { timingSafeEqualStrings } from '../crypto/constant-time';
import { derivedHmacKey, hmacSha256 } from '../crypto/hmac';
import { AuthorizeError } from '../errors/authorize-error';
import { pickLocale } from '../haapi/messages/catalog';
import { findClient } from '../storage/clients';
import { verifyIdTokenHint } from '../tokens/id-token';
import { loadKeySet } from '../tokens/keys';
import { signedOutPage, startLink } from '../ui/info-pages';
import { Layout, type LayoutOptions, layoutOptions, pageCsp } from '../ui/layout';
import { readParameters } from './request-body';
import { browserSession, endBrowserSession } from './sso';

function refuse(description: string): AuthorizeError {
  return new AuthorizeError({ redirect: false, error: 'invalid_request', description });
}

/** The confirmation form's token: an HMAC of the session id, so only this session's page has it. */
async function confirmToken(serverSecret: string, sessionId: string): Promise<string> {
  const mac = await hmacSha256(await derivedHmacKey(serverSecret, 'end-session'), sessionId);
  return encodeBase64Url(mac.slice(0, 16));
}

async function parametersOf(c: Context<AppEnv>): Promise<Map<string, string>> {
  if (c.req.method === 'GET') {
    const params = new Map<string, string>();
    const query = new URL(c.req.url).searchParams;
    for (const name of new Set(query.keys())) {
      if (query.getAll(name).length > 1) throw refuse(`${name} is repeated`);
      params.set(name, query.get(name) as string);
    }
    return params;
  }
  return readParameters(c, { refuse });
}

/** Where the browser goes after the logout, checked against the client; null: our own page. */
async function destination(
  c: Context<AppEnv>,
  params: ReadonlyMap<string, string>,
): Promise<{ target: URL | null; subject: string | null }> {
  const settings = c.get('settings');
  const hintText = params.get('id_token_hint');
  const hint = hintText
    ? await verifyIdTokenHint(await loadKeySet(settings.signingKeys), hintText, settings.issuer)
    : null;
  if (hintText && !hint) throw refuse('id_token_hint is not an ID token of this server');
  const sentClient = params.get('client_id');
  if (hint && sentClient !== undefined && sentClient !== hint.clientId)
    throw refuse('client_id is not the audience of id_token_hint');
  const clientId = hint?.clientId ?? sentClient;
  const redirect = params.get('post_logout_redirect_uri');
  if (redirect === undefined) return { target: null, subject: hint?.subject ?? null };
  const client = clientId
    ? await findClient(c.get('db'), clientId, settings.clientCacheTtl, c.env.DB)
    : null;
  if (!client) throw refuse('post_logout_redirect_uri needs id_token_hint or client_id');
  if (!client.postLogoutRedirectUris.includes(redirect))
    throw refuse('post_logout_redirect_uri is not registered for the client');
  const target = new URL(redirect);
  const state = params.get('state');
  if (state !== undefined) target.searchParams.set('state', state);
  return { target, subject: hint?.subject ?? null };
}

/** The confirmation page (a page of its own: it carries a form). */
function confirmPage(
  c: Context<AppEnv>,
  body: (t: LayoutOptions['t'], layout: LayoutOptions) => unknown,
  formTargets: string[],
): Response {
  const locale = pickLocale(c.req.query('ui_locales'), c.req.header('Accept-Language'));
  const layout = layoutOptions(c, locale);
  const html = String(
    <Layout title={layout.t('logout.heading')} options={layout}>
      {body(layout.t, layout) as never}
    </Layout>,
  );
  return c.html(html, 200, {
    'Cache-Control': 'no-store',
    'Content-Security-Policy': pageCsp(layout, { formTargets }),
  });
}

async function endSession(c: Context<AppEnv>): Promise<Response> {
  const settings = c.get('settings');
  const params = await parametersOf(c);
  const { target, subject } = await destination(c, params);
  const current = await browserSession(c);
  if (current) {
    const token = await confirmToken(settings.serverSecret, current.id);
    const confirmed =
      c.req.method === 'POST' && (await timingSafeEqualStrings(params.get('confirm') ?? '', token));
    if (!confirmed && subject !== current.session.subject) {
      const kept = [
        'id_token_hint',
        'client_id',
        'post_logout_redirect_uri',
        'state',
        'ui_locales',
      ];
      const targets = target ? [target.origin] : [];
      return confirmPage(
        c,
        (t, layout) => (
          <>
            <p>{t('logout.text')}</p>
            <form method="post" action={settings.endSessionPath}>
              {kept.map((name) =>
                params.has(name) ? (
                  <input type="hidden" name={name} value={params.get(name)} />
                ) : null,
              )}
              <input type="hidden" name="confirm" value={token} />
              <button type="submit" class="button primary">
                {t('logout.submit')}
              </button>
            </form>
            <nav class="links">
              <a href={startLink(c, layout).href}>{t('logout.stay')}</a>
            </nav>
          </>
        ),
        targets,
      );
    }
    await endBrowserSession(c, current);
  }
  if (target) return c.redirect(target.href, 303);
  return signedOutPage(c);
}

export const endSessionRoutes = new Hono<AppEnv>().get('/', endSession).post('/', endSession);
