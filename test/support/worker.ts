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
