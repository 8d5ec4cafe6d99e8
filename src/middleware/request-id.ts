/**
 * @module middleware/request-id
 * Gives every request an id: sent back as `X-Request-Id`, added to every log line and error. The
 * id is always ours (a client-chosen id could forge log correlation); Cloudflare's `cf-ray` is
 * logged beside it where present.
 */
import type { MiddlewareHandler } from 'hono';
import { randomToken } from '../crypto/random';

export interface RequestIdVariables {
  requestId: string;
}

export const REQUEST_ID_HEADER = 'X-Request-Id';

export function requestId(): MiddlewareHandler<{ Variables: RequestIdVariables }> {
  return async (c, next) => {
    const id = randomToken(12);
    c.set('requestId', id);
    await next();
    c.res.headers.set(REQUEST_ID_HEADER, id);
  };
}
