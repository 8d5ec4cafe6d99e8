/**
 * @module middleware/error-shape
 * Marks a route group as answering errors as OAuth error JSON or as problem documents; read by
 * the error boundary (errors/respond.ts) for errors that are not already one or the other.
 */
import type { MiddlewareHandler } from 'hono';
import type { ErrorShape, ErrorShapeVariables } from '../errors/respond';

export function errorShape(
  shape: ErrorShape,
): MiddlewareHandler<{ Variables: ErrorShapeVariables }> {
  return async (c, next) => {
    c.set('errorShape', shape);
    await next();
  };
}
