/**
 * @module middleware/security-headers
 * Security headers on every response: no framing, no sniffing, no referrer, a CSP that allows
 * nothing (pages that render HTML set their own, stricter-than-default policy), HSTS when the
 * issuer is https. Built on Hono's secureHeaders.
 */
import type { MiddlewareHandler } from 'hono';
import { secureHeaders } from 'hono/secure-headers';

export interface SecurityHeadersOptions {
  /** Send Strict-Transport-Security (only meaningful behind https). */
  hsts: boolean;
}

export interface SecurityHeadersVariables {
  /** Set by the one page that may be framed (the CAT iframe page): no X-Frame-Options: DENY. */
  frameable?: boolean;
}

export function securityHeaders(
  options: SecurityHeadersOptions,
): MiddlewareHandler<{ Variables: SecurityHeadersVariables }> {
  const base = secureHeaders({
    contentSecurityPolicy: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
    xFrameOptions: false,
    xContentTypeOptions: 'nosniff',
    referrerPolicy: 'no-referrer',
    strictTransportSecurity: options.hsts ? 'max-age=31536000; includeSubDomains' : false,
    crossOriginResourcePolicy: false,
    crossOriginOpenerPolicy: 'same-origin',
    xXssProtection: false,
    xDownloadOptions: false,
    xDnsPrefetchControl: false,
    xPermittedCrossDomainPolicies: false,
    originAgentCluster: false,
    // A route that sets its own policy (HTML pages, the CAT iframe page) keeps it.
    overwrite: false,
  });
  return async (c, next) => {
    await base(c, async () => {
      await next();
      if (!c.get('frameable') && !c.res.headers.has('X-Frame-Options'))
        c.res.headers.set('X-Frame-Options', 'DENY');
    });
  };
}
