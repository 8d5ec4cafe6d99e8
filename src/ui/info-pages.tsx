/**
 * @module ui/info-pages
 * The pages that are not a step: the home page (`GET /` in a browser), the page of a problem
 * outside a usable flow (an unknown or expired flow, an expired form), the signed-out page, the
 * not-found page and the page of a server that cannot read its settings. Each has a way on: back to where a sign-in can
 * start (in development, the start page on this server).
 */
import type { Context } from 'hono';
import type { AppEnv } from '../app-env';
import { randomToken } from '../crypto/random';
import type { HaapiProblem } from '../errors/problem';
import { type Locale, type MessageKey, pickLocale, texts } from '../haapi/messages/catalog';
import { acceptsHaapi } from '../haapi/representations/types';
import { DEV_START_PATH, Layout, type LayoutOptions, layoutOptions, pageCsp } from './layout';
import { parseTheme } from './theme';

/** Whether this request is from a browser that wants a page (not an API client). */
export function wantsHtml(request: Request): boolean {
  const accept = request.headers.get('Accept') ?? '';
  return /\btext\/html\b/.test(accept) && !acceptsHaapi(accept);
}

function page(
  c: Context<AppEnv>,
  layout: LayoutOptions,
  status: number,
  content: {
    heading: MessageKey;
    text?: string;
    detail?: string;
    links: { href: string; text: string }[];
  },
): Response {
  const html = String(
    <Layout title={layout.t(content.heading)} options={layout}>
      {content.text ? <p>{content.text}</p> : null}
      {content.detail ? <p class="message error">{content.detail}</p> : null}
      {content.links.length ? (
        <nav class="links">
          {content.links.map((link) => (
            <a href={link.href}>{link.text}</a>
          ))}
        </nav>
      ) : null}
    </Layout>,
  );
  return c.html(html, status as 200, {
    'Cache-Control': 'no-store',
    'Content-Security-Policy': pageCsp(layout),
  });
}

function locale(c: Context<AppEnv>): Locale {
  return pickLocale(c.req.query('ui_locales'), c.req.header('Accept-Language'));
}

/** Where a new sign-in can start: the development start page, or this server's home page. */
export function startLink(
  c: Context<AppEnv>,
  layout: LayoutOptions,
): { href: string; text: string } {
  const development = c.get('settings').environment === 'development';
  return { href: development ? DEV_START_PATH : '/', text: layout.t('page.start-again') };
}

/** A problem outside a usable flow, as a page with a way on. */
export function problemPage(c: Context<AppEnv>, problem: HaapiProblem): Response {
  const layout = layoutOptions(c, locale(c));
  if (problem.reason === 'unknown_flow') {
    return page(c, layout, problem.status, {
      heading: 'page.unknown-flow.heading',
      text: layout.t('page.unknown-flow.text'),
      links: [startLink(c, layout)],
    });
  }
  return page(c, layout, problem.status, {
    heading: 'page.error.heading',
    detail: problem.title,
    links: [startLink(c, layout)],
  });
}

/** `GET /` in a browser. */
export function homePage(c: Context<AppEnv>): Response {
  const layout = layoutOptions(c, locale(c));
  const development = c.get('settings').environment === 'development';
  return page(c, layout, 200, {
    heading: 'home.heading',
    text: layout.t('home.text'),
    links: development
      ? [
          { href: DEV_START_PATH, text: 'Try a sign-in (development)' },
          { href: '/.well-known/openid-configuration', text: 'Discovery' },
        ]
      : [],
  });
}

/** The end of a logout that has nowhere to send the browser. */
export function signedOutPage(c: Context<AppEnv>): Response {
  const layout = layoutOptions(c, locale(c));
  return page(c, layout, 200, {
    heading: 'logout.done.heading',
    text: layout.t('logout.done.text'),
    links: [startLink(c, layout)],
  });
}

/** A path nothing answers, in a browser. */
export function notFoundPage(c: Context<AppEnv>): Response {
  const layout = layoutOptions(c, locale(c));
  return page(c, layout, 404, { heading: 'page.not-found.heading', links: [startLink(c, layout)] });
}

const DEFAULT_THEME = parseTheme('{}', 'THEME');

/**
 * The page of a server that cannot read its settings (no settings, so the default theme and
 * texts). In development it names the setting; in production it says only that the service is
 * unavailable (the log has the detail).
 */
export function misconfiguredPage(
  request: Request,
  development: boolean,
  detail: string,
): Response {
  const language = pickLocale(undefined, request.headers.get('Accept-Language') ?? undefined);
  const layout: LayoutOptions = {
    locale: language,
    t: texts(language),
    nonce: randomToken(16),
    theme: DEFAULT_THEME,
  };
  const html = String(
    <Layout title={layout.t('page.misconfigured.heading')} options={layout}>
      <p>{layout.t('page.misconfigured.text')}</p>
      {development ? <pre>{detail}</pre> : null}
    </Layout>,
  );
  return new Response(html, {
    status: 500,
    headers: {
      'Content-Type': 'text/html; charset=utf-8',
      'Cache-Control': 'no-store',
      'Content-Security-Policy': pageCsp(layout),
    },
  });
}
