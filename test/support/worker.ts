/**
 * Calls the Worker under test the way Cloudflare would (through its default export, in the same
 * workerd as the test), with the issuer as base URL.
 */
import { env } from 'cloudflare:test';
import { exports } from 'cloudflare:workers';

export const ISSUER = env.ISSUER;

export function call(path: string, init?: RequestInit): Promise<Response> {
  const request = new Request(new URL(path, ISSUER), init);
  // In production `cf` is set by Cloudflare's edge; here a test may set part of it (mTLS).
  return exports.default.fetch(request as unknown as Request<unknown, IncomingRequestCfProperties>);
}

export function form(values: Record<string, string>): RequestInit {
  return {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(values).toString(),
  };
}

/** A form POST with extra headers. */
export function post(
  path: string,
  body: Record<string, string>,
  headers: Record<string, string> = {},
) {
  const init = form(body);
  return call(path, {
    ...init,
    headers: { ...(init.headers as Record<string, string>), ...headers },
  });
}

/** A token endpoint answer, success or error. */
export interface TokenBody {
  access_token: string;
  refresh_token?: string;
  id_token?: string;
  token_type: string;
  scope: string;
  expires_in: number;
  error?: string;
}
