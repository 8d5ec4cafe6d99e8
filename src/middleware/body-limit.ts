/**
 * @module middleware/body-limit
 * Refuses request bodies larger than MAX_BODY_BYTES with 413, in the error shape of the route
 * (Hono's bodyLimit counts streamed bodies too, not only Content-Length).
 */
import type { MiddlewareHandler } from 'hono';
import { bodyLimit as honoBodyLimit } from 'hono/body-limit';
import { RequestError } from '../errors/request-error';

export interface BodyLimitOptions {
  maxBytes: number;
}

export function bodyLimit(options: BodyLimitOptions): MiddlewareHandler {
  return honoBodyLimit({
    maxSize: options.maxBytes,
    onError: () => {
      throw new RequestError(
        413,
        'Payload Too Large',
        `The request body is larger than ${options.maxBytes} bytes`,
      );
    },
  });
}
