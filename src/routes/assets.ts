/**
 * @module routes/assets
 * GET /assets/webauthn.js: the WebAuthn page script (src/ui/client/webauthn.ts with
 * @simplewebauthn/browser, built by scripts/build-assets.mjs). Pages load it with their CSP nonce.
 * GET /assets/theme.css: the pages' default stylesheet (ui/theme-css.ts).
 */
import { Hono } from 'hono';
import type { AppEnv } from '../app-env';
import { WEBAUTHN_SCRIPT } from '../ui/generated/webauthn-script';
import { THEME_CSS } from '../ui/theme-css';

const asset = (body: string, type: string) => ({
  body,
  headers: {
    'Content-Type': type,
    'Cache-Control': 'public, max-age=3600',
    'X-Content-Type-Options': 'nosniff',
  },
});
const WEBAUTHN = asset(WEBAUTHN_SCRIPT, 'text/javascript; charset=utf-8');
const THEME = asset(THEME_CSS, 'text/css; charset=utf-8');

export const assetRoutes = new Hono<AppEnv>()
  .get('/webauthn.js', (c) => c.body(WEBAUTHN.body, 200, WEBAUTHN.headers))
  .get('/theme.css', (c) => c.body(THEME.body, 200, THEME.headers));
