/**
 * @module routes/request-body
 * Reading request bodies strictly: form posts must be `application/x-www-form-urlencoded`
 * (RFC 6749 §3.2), JSON bodies `application/json` and a JSON object. Repeated form parameters are
 * refused (RFC 6749 §3.1: parameters must not be included more than once).
 */
import type { Context } from 'hono';
import { OAuthError } from '../errors/oauth-error';

function mediaType(c: Context): string {
  return (c.req.header('Content-Type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/** The body as UTF-8 text (malformed sequences become U+FFFD, never an exception). */
async function readText(c: Context): Promise<string> {
  return new TextDecoder().decode(await c.req.arrayBuffer());
}

/** Parses an OAuth form post into single-valued parameters. */
export async function readOAuthForm(c: Context): Promise<Map<string, string>> {
  if (mediaType(c) !== 'application/x-www-form-urlencoded') {
    throw new OAuthError(
      'invalid_request',
      'The request body must be application/x-www-form-urlencoded',
    );
  }
  const params = new URLSearchParams(await readText(c));
  const form = new Map<string, string>();
  for (const [name, value] of params) {
    if (form.has(name)) {
      throw new OAuthError('invalid_request', 'A parameter is repeated');
    }
    form.set(name, value);
  }
  return form;
}

/** Parses a JSON object body; anything else is `invalid_request` (or `errorCode` if given). */
export async function readJsonObject(
  c: Context,
  errorCode: 'invalid_request' | 'invalid_client_metadata' = 'invalid_request',
): Promise<Record<string, unknown>> {
  if (mediaType(c) !== 'application/json') {
    throw new OAuthError(errorCode, 'The request body must be application/json');
  }
  let body: unknown;
  try {
    body = JSON.parse(await readText(c));
  } catch {
    throw new OAuthError(errorCode, 'The request body is not valid JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new OAuthError(errorCode, 'The request body must be a JSON object');
  }
  return body as Record<string, unknown>;
}
