/**
 * @module routes/public-json
 * Public, cacheable JSON documents (discovery, JWKS): readable from any origin (they hold nothing
 * secret, and browser-based clients fetch them), cached briefly so that key rotation is seen soon.
 */
import type { Context } from 'hono';

export function publicJson(c: Context, body: unknown, maxAgeSeconds = 300): Response {
  c.header('Cache-Control', `public, max-age=${maxAgeSeconds}`);
  c.header('Access-Control-Allow-Origin', '*');
  return c.json(body);
}
