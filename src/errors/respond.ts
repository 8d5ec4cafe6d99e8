/**
 * @module errors/respond
 * The one error boundary: every thrown error becomes a response here (app.onError and
 * app.notFound). OAuthError → RFC 6749 error JSON; HaapiProblem → problem+json, or a page for a
 * browser in the login flow's routes (shape `flow`); AuthorizeError → shown or redirected
 * (errors/authorize-error.ts); RequestError and Hono's HTTPException → the shape of the route
 * group (`errorShape` variable); anything else → a generic 500 logged with the request id (a
 * page for browsers). No stack trace ever leaves the Worker, and every
 * error response is `Cache-Control: no-store`.
 */
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { AppEnv } from '../app-env';
import { ConfigError } from '../config/errors';
import { acceptsHaapi } from '../haapi/representations/types';
import type { ErrorShape } from '../middleware/error-shape';
import { securityEvent } from '../observability/events';
import { log } from '../observability/log';
import { misconfiguredPage, notFoundPage, problemPage, wantsHtml } from '../ui/info-pages';
import { AuthorizeError } from './authorize-error';
import { errorDescription, OAuthError } from './oauth-error';
import { HaapiProblem } from './problem';
import { RequestError } from './request-error';

/** Internal reasons that mean a single-use value came back: logged as `replay.refused`. */
const REPLAY_REASONS = new Set([
  'replayed_jti',
  'assertion_replayed',
  'code_replayed',
  'refresh_token_reused',
  'challenge_replayed',
  'iat_replayed',
]);

export const PROBLEM_JSON = 'application/problem+json';

const isHaapiCaller = (c: Context<AppEnv>) => acceptsHaapi(c.req.header('Accept'));

/** An authorization error in its shape (see errors/authorize-error.ts). */
function authorizeResponse(err: AuthorizeError, c: Context<AppEnv>, headers: Headers): Response {
  const { problem } = err;
  if (!problem.redirect) {
    const shown = new HaapiProblem(
      'generic-user-error',
      problem.description,
      400,
      { error: problem.error },
      problem.error,
    );
    return problemAnswer(shown, c, headers, 'flow');
  }
  const params: Record<string, string> = {
    error: problem.error,
    error_description: errorDescription(problem.description),
    iss: c.get('settings').issuer,
  };
  if (problem.state !== undefined) params.state = problem.state;
  const url = new URL(problem.redirectUri);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  if (isHaapiCaller(c)) {
    const response = new HaapiProblem('error-authorization-response', problem.description, 400, {
      ...params,
      links: [{ rel: 'authorization-response', href: url.href }],
    });
    return problemJson(response, headers);
  }
  headers.set('Location', url.href);
  return new Response(null, { status: 303, headers });
}

/** A problem: logged with its reason, then a page for a browser in the login flow, else JSON. */
function problemAnswer(
  problem: HaapiProblem,
  c: Context<AppEnv>,
  headers: Headers,
  shape: ErrorShape,
): Response {
  if (problem.reason) {
    const requestId = headers.get('X-Request-Id') ?? undefined;
    log('info', 'request.refused', { requestId, problem: problem.type, reason: problem.reason });
  }
  if (shape === 'flow' && !isHaapiCaller(c)) return problemPage(c, problem);
  return problemJson(problem, headers);
}

function problemJson(problem: HaapiProblem, headers: Headers): Response {
  headers.set('Content-Type', PROBLEM_JSON);
  return new Response(JSON.stringify(problem.toJSON()), { status: problem.status, headers });
}

export function errorResponse(err: unknown, c: Context<AppEnv>): Response {
  const requestId = c.get('requestId') as string | undefined;
  const shape = (c.get('errorShape') as ErrorShape | undefined) ?? 'problem';
  const headers = new Headers({ 'Cache-Control': 'no-store' });
  if (requestId) headers.set('X-Request-Id', requestId);

  if (err instanceof AuthorizeError) return authorizeResponse(err, c, headers);

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
  if (err instanceof HaapiProblem) return problemAnswer(err, c, headers, shape);
  let requestError: RequestError | undefined;
  if (err instanceof RequestError) requestError = err;
  else if (err instanceof HTTPException && err.status < 500) {
    requestError = new RequestError(err.status, 'Bad Request', err.message || 'Malformed request');
  }
  if (requestError) {
    if (requestError.status === 404 && shape !== 'oauth' && wantsHtml(c.req.raw))
      return notFoundPage(c);
    return renderRequestError(requestError, shape, headers);
  }

  logUnexpected(err, c);
  const description =
    err instanceof ConfigError ? 'The server is misconfigured' : 'An unexpected error occurred';
  if (shape !== 'oauth' && wantsHtml(c.req.raw)) {
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
