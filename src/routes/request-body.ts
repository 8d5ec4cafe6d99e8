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

/**
 * The one reader of parameter bodies: a form post (`application/x-www-form-urlencoded`, a
 * repeated parameter refused) or, where `json` allows it, a JSON object (non-string values as
 * their JSON text, as HAAPI clients may post either). `refuse` makes the error in the shape of
 * the route (OAuth error JSON, or a HAAPI problem).
 */
export async function readParameters(
  c: Context,
  options: { json?: boolean; refuse: (detail: string) => Error },
): Promise<Map<string, string>> {
  const type = mediaType(c);
  const form = new Map<string, string>();
  if (options.json && type === 'application/json') {
    let body: unknown;
    try {
      body = JSON.parse(await readText(c));
    } catch {
      throw options.refuse('The request body is not valid JSON');
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      throw options.refuse('The request body must be a JSON object');
    for (const [k, v] of Object.entries(body))
      form.set(k, typeof v === 'string' ? v : JSON.stringify(v));
    return form;
  }
  if (type !== 'application/x-www-form-urlencoded')
    throw options.refuse(
      `The request body must be application/x-www-form-urlencoded${options.json ? ' or application/json' : ''}`,
    );
  for (const [name, value] of new URLSearchParams(await readText(c))) {
    if (form.has(name)) throw options.refuse('A parameter is repeated');
    form.set(name, value);
  }
  return form;
}

/** Parses an OAuth form post into single-valued parameters (RFC 6749 §3.2). */
export function readOAuthForm(c: Context): Promise<Map<string, string>> {
  return readParameters(c, { refuse: (detail) => new OAuthError('invalid_request', detail) });
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
