/**
 * @module ui/external-done
 * The end of an external-browser-flow in the browser (docs/haapi-protocol.md §5): native apps get
 * a redirect to their redirect URI with `_resume_nonce`; browser apps (`for_origin`) a page that
 * posts the nonce (a string) to its opener, for that origin only, and closes.
 */
import type { Context } from 'hono';
import type { AppEnv } from '../app-env';
import { randomToken } from '../crypto/random';
import type { ParentFlow } from '../haapi/flow/state';
import { type Locale, t } from '../haapi/messages/catalog';

/** JSON for an inline script: `<` escaped so no `</script>` can end it early. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

export function externalDone(
  c: Context<AppEnv>,
  parent: ParentFlow,
  nonce: string,
  locale: Locale,
): Response {
  if (parent.redirectUri) {
    const url = new URL(parent.redirectUri);
    url.searchParams.set('_resume_nonce', nonce);
    return c.redirect(url.href, 303);
  }
  const scriptNonce = randomToken(16);
  const text = t(locale, 'webauthn.external.done');
  const html = `<!doctype html><html lang="${locale}"><head><meta charset="utf-8"><title>${text}</title></head><body><p>${text}</p><script nonce="${scriptNonce}">
if (window.opener) { window.opener.postMessage(${scriptJson(nonce)}, ${scriptJson(parent.forOrigin)}); window.close(); }
</script></body></html>`;
  return c.html(html, 200, {
    'Cache-Control': 'no-store',
    'Content-Security-Policy': `default-src 'none'; script-src 'nonce-${scriptNonce}'; frame-ancestors 'none'; base-uri 'none'`,
  });
}
