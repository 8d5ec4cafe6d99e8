/**
 * @module routes/cors
 * CORS for the token endpoint (and the other client-facing OAuth endpoints), for browser-based
 * clients only: an origin is allowed when it is in CORS_ORIGINS or among the allowed origins of
 * some client (preflight, errors before authentication), and a response to an authenticated
 * client carries it only when it is one of *that* client's origins (or in CORS_ORIGINS).
 */
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../app-env';
import { isKnownOrigin } from '../storage/clients';

const ALLOWED_HEADERS = 'Authorization, Content-Type, DPoP';
const EXPOSED_HEADERS = 'DPoP-Nonce, WWW-Authenticate';

export function tokenCors(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const origin = c.req.header('Origin');
    if (!origin) return next();
    const settings = c.get('settings');
    const allowedSomewhere = async () =>
      settings.corsOrigins.includes(origin) || (await isKnownOrigin(c.get('db'), origin));

    if (c.req.method === 'OPTIONS') {
      const allowed = await allowedSomewhere();
      const headers = new Headers({ Vary: 'Origin' });
      if (allowed) {
        headers.set('Access-Control-Allow-Origin', origin);
        headers.set('Access-Control-Allow-Methods', 'POST');
        headers.set('Access-Control-Allow-Headers', ALLOWED_HEADERS);
        headers.set('Access-Control-Max-Age', '600');
      }
      return new Response(null, { status: allowed ? 204 : 403, headers });
    }

    await next();
    const clientOrigins = c.get('clientOrigins');
    const allowed = clientOrigins
      ? clientOrigins.includes(origin) || settings.corsOrigins.includes(origin)
      : await allowedSomewhere();
    c.res.headers.append('Vary', 'Origin');
    if (allowed) {
      c.res.headers.set('Access-Control-Allow-Origin', origin);
      c.res.headers.set('Access-Control-Expose-Headers', EXPOSED_HEADERS);
    }
  };
}
