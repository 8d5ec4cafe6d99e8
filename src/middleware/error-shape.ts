/**
 * @module middleware/error-shape
 * Marks a route group as answering errors as OAuth error JSON or as problem documents; read by
 * the error boundary (errors/respond.ts) for errors that are not already one or the other.
 */
import type { MiddlewareHandler } from 'hono';

/**
 * How a route group answers errors: OAuth error JSON, problem documents, or, for the login flow
 * (authorize and authn), problem documents for HAAPI callers and pages for browsers.
 */
export type ErrorShape = 'oauth' | 'problem' | 'flow';

export interface ErrorShapeVariables {
  errorShape: ErrorShape;
}

export function errorShape(
  shape: ErrorShape,
): MiddlewareHandler<{ Variables: ErrorShapeVariables }> {
  return async (c, next) => {
    c.set('errorShape', shape);
    await next();
  };
}
