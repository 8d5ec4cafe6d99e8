/**
 * @module ui/layout
 * The frame of every HTML page: the theme's header (logo, product name), one card with the page's
 * heading and, when a client is known, its logo and "to continue to <client>", and a footer with
 * the client's privacy policy and terms. Styles come from /assets/theme.css (ui/theme-css.ts),
 * then THEME's stylesheet URL, then its colours and inline CSS in a nonce'd style block; the CSP
 * of each page (pageCsp) allows exactly those.
 */
import type { Context } from 'hono';
import { raw } from 'hono/html';
import type { Child } from 'hono/jsx';
import type { AppEnv } from '../app-env';
import { randomToken } from '../crypto/random';
import { type Locale, type Texts, texts } from '../haapi/messages/catalog';
import { type Theme, themeOrigin, themeStyle } from './theme';

/** The default stylesheet's path (routes/assets.ts). */
export const THEME_CSS_PATH = '/assets/theme.css';
/** The development start page (routes/dev-pages.tsx). */
export const DEV_START_PATH = '/dev';

/** What the pages show of the client a login is for (client metadata). */
export interface PageClient {
  readonly name: string | null;
  readonly logoUri: string | null;
  readonly policyUri: string | null;
  readonly tosUri: string | null;
}

export interface LayoutOptions {
  readonly locale: Locale;
  readonly t: Texts;
  readonly nonce: string;
  readonly theme: Theme;
  readonly client?: PageClient;
}

/** The frame options of a page in `locale`: texts, theme, a fresh nonce, the client. */
export function layoutOptions(
  c: Context<AppEnv>,
  locale: Locale,
  client?: PageClient,
): LayoutOptions {
  const settings = c.get('settings');
  return {
    locale,
    t: texts(locale, settings.messages),
    nonce: randomToken(16),
    theme: settings.theme,
    client,
  };
}

export function Layout({
  title,
  options,
  script,
  children,
}: {
  title: string;
  options: LayoutOptions;
  script?: string;
  children?: Child;
}) {
  const { theme, client, t } = options;
  const style = themeStyle(theme);
  return (
    <>
      {raw('<!doctype html>')}
      <html lang={options.locale}>
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <meta name="referrer" content="no-referrer" />
          <title>{`${title} – ${theme.productName}`}</title>
          <link rel="stylesheet" href={THEME_CSS_PATH} />
          {theme.stylesheetUrl ? <link rel="stylesheet" href={theme.stylesheetUrl} /> : null}
          {style ? <style nonce={options.nonce}>{raw(style)}</style> : null}
        </head>
        <body>
          <div class="shell">
            <header class="brand">
              {theme.logoUrl ? <img src={theme.logoUrl} alt="" /> : null}
              <span>{theme.productName}</span>
            </header>
            <main class="card">
              {client?.logoUri ? <img class="client-logo" src={client.logoUri} alt="" /> : null}
              <h1>{title}</h1>
              {client?.name ? (
                <p class="client">
                  {t('page.continue-to')} <strong>{client.name}</strong>
                </p>
              ) : null}
              {children}
            </main>
            {client?.policyUri || client?.tosUri ? (
              <footer>
                {client.policyUri ? <a href={client.policyUri}>{t('page.privacy')}</a> : null}
                {client.tosUri ? <a href={client.tosUri}>{t('page.terms')}</a> : null}
              </footer>
            ) : null}
          </div>
          {script ? <script src={script} nonce={options.nonce} /> : null}
        </body>
      </html>
    </>
  );
}

/**
 * The Content-Security-Policy of a page: nothing by default; its own stylesheet, THEME's
 * stylesheet origin and its nonce'd style block; images from here, the theme's logo origin and
 * the client's; scripts only by nonce, when the page has one; forms to here and `formTargets`.
 */
export function pageCsp(
  options: LayoutOptions,
  extra: { scripts?: boolean; formTargets?: readonly string[] } = {},
): string {
  const styles = ["'self'", themeOrigin(options.theme.stylesheetUrl), `'nonce-${options.nonce}'`];
  const images = [
    "'self'",
    themeOrigin(options.theme.logoUrl),
    themeOrigin(options.client?.logoUri ?? null),
  ];
  const unique = (list: (string | null)[]) => [...new Set(list.filter(Boolean))].join(' ');
  return [
    "default-src 'none'",
    ...(extra.scripts ? [`script-src 'nonce-${options.nonce}'`] : []),
    `style-src ${unique(styles)}`,
    `img-src ${unique(images)}`,
    `form-action ${unique(["'self'", ...(extra.formTargets ?? [])])}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
}
