/**
 * @module errors/respond
 * The one error boundary: every thrown error becomes a response here (app.onError and
 * app.notFound). OAuthError → RFC 6749 error JSON; HaapiProblem → problem+json; RequestError and
 * Hono's HTTPException → the shape of the route group (`errorShape` variable); anything else →
 * a generic 500 logged with the request id. No stack trace ever leaves the Worker, and every
 * error response is `Cache-Control: no-store`.
 */
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { AppEnv } from '../app-env';
import { ConfigError } from '../config/errors';
import { securityEvent } from '../observability/events';
import { log } from '../observability/log';
import { misconfiguredPage, notFoundPage, wantsHtml } from '../ui/info-pages';
import { OAuthError } from './oauth-error';
import { HaapiProblem } from './problem';
import { RequestError } from './request-error';

export type ErrorShape = 'oauth' | 'problem';

/** Internal reasons that mean a single-use value came back: logged as `replay.refused`. */
const REPLAY_REASONS = new Set([
  'replayed_jti',
  'assertion_replayed',
  'code_replayed',
  'refresh_token_reused',
  'challenge_replayed',
  'iat_replayed',
]);

export interface ErrorShapeVariables {
  errorShape: ErrorShape;
}

export const PROBLEM_JSON = 'application/problem+json';

export function errorResponse(err: unknown, c: Context<AppEnv>): Response {
  const requestId = c.get('requestId') as string | undefined;
  const shape = (c.get('errorShape') as ErrorShape | undefined) ?? 'problem';
  const headers = new Headers({ 'Cache-Control': 'no-store' });
  if (requestId) headers.set('X-Request-Id', requestId);

  if (err instanceof OAuthError) {
    if (err.status >= 500) logUnexpected(err, c);
    else if (err.reason && REPLAY_REASONS.has(err.reason)) {
      securityEvent(c.env.EVENTS, 'replay.refused', {
        requestId,
        error: err.error,
        reason: err.reason,
      });
    } else if (err.reason) {
      log('info', 'request.refused', { requestId, error: err.error, reason: err.reason });
    }
    for (const [name, value] of Object.entries(err.headers)) headers.set(name, value);
    return json(err.toJSON(), err.status, headers);
  }
  if (err instanceof HaapiProblem) {
    if (err.reason)
      log('info', 'request.refused', { requestId, problem: err.type, reason: err.reason });
    headers.set('Content-Type', PROBLEM_JSON);
    return new Response(JSON.stringify(err.toJSON()), { status: err.status, headers });
  }
  let requestError: RequestError | undefined;
  if (err instanceof RequestError) requestError = err;
  else if (err instanceof HTTPException && err.status < 500) {
    requestError = new RequestError(err.status, 'Bad Request', err.message || 'Malformed request');
  }
  if (requestError) {
    if (requestError.status === 404 && shape === 'problem' && wantsHtml(c.req.raw))
      return notFoundPage(c);
    return renderRequestError(requestError, shape, headers);
  }

  logUnexpected(err, c);
  const description =
    err instanceof ConfigError ? 'The server is misconfigured' : 'An unexpected error occurred';
  if (shape === 'problem' && wantsHtml(c.req.raw)) {
    const development = c.get('settings')?.environment === 'development';
    const detail = err instanceof ConfigError ? `Setting ${err.message}.` : description;
    const page = misconfiguredPage(c.req.raw, development, detail);
    if (requestId) page.headers.set('X-Request-Id', requestId);
    return page;
  }
  if (shape === 'oauth') {
    return json({ error: 'server_error', error_description: description }, 500, headers);
  }
  headers.set('Content-Type', PROBLEM_JSON);
  const body = { type: 'https://curity.se/problems/unexpected', title: description };
  return new Response(JSON.stringify(body), { status: 500, headers });
}

function renderRequestError(err: RequestError, shape: ErrorShape, headers: Headers): Response {
  if (shape === 'oauth') {
    return json({ error: 'invalid_request', error_description: err.detail }, err.status, headers);
  }
  headers.set('Content-Type', PROBLEM_JSON);
  const body = { type: 'about:blank', title: err.title, status: err.status, detail: err.detail };
  return new Response(JSON.stringify(body), { status: err.status, headers });
}

function json(body: unknown, status: number, headers: Headers): Response {
  headers.set('Content-Type', 'application/json');
  return new Response(JSON.stringify(body), { status, headers });
}

function logUnexpected(err: unknown, c: Context<AppEnv>): void {
  const error =
    err instanceof Error ? { name: err.name, message: err.message, stack: err.stack } : { err };
  log('error', 'request.failed', {
    requestId: c.get('requestId'),
    method: c.req.method,
    path: new URL(c.req.url).pathname,
    ...error,
  });
}
