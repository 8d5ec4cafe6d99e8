/**
 * @module routes/assets
 * GET /assets/webauthn.js: the WebAuthn page script (src/ui/client/webauthn.ts with
 * @simplewebauthn/browser, built by scripts/build-assets.mjs). Pages load it with their CSP nonce.
 */
import { Hono } from 'hono';
import type { AppEnv } from '../app-env';
import { WEBAUTHN_SCRIPT } from '../ui/generated/webauthn-script';

export const assetRoutes = new Hono<AppEnv>().get('/webauthn.js', (c) =>
  c.body(WEBAUTHN_SCRIPT, 200, {
    'Content-Type': 'text/javascript; charset=utf-8',
    'Cache-Control': 'public, max-age=3600',
    'X-Content-Type-Options': 'nosniff',
  }),
);
