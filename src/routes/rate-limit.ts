/**
 * @module routes/rate-limit
 * Request limits on the token and attestation (CAT) endpoints, counted in ReplayGuard shards in
 * fixed one-minute windows: per client IP (before any work, so guessing secrets or flooding the
 * verifiers is slowed) and per client (the token endpoint: after authentication, so nobody can
 * spend another client's budget by naming it; the CAT endpoint: per attesting client). Over a
 * limit: `429 slow_down` with `Retry-After` (the DCR endpoint answers the same way). A limit of 0
 * turns that check off.
 */
import type { Context } from 'hono';
import type { AppEnv } from '../app-env';
import { OAuthError } from '../errors/oauth-error';
import { countHit, type ReplayNamespace } from '../replay/use-once';
import { clientIp } from './flow-http';

const WINDOW_SECONDS = 60;

function slowDown(endpoint: string, what: string): OAuthError {
  return new OAuthError(
    'slow_down',
    `Too many ${endpoint} requests from this ${what}; try again later`,
    {
      status: 429,
      headers: { 'Retry-After': String(WINDOW_SECONDS) },
      reason: `rate_limit_${what}`,
    },
  );
}

async function over(
  c: Context<AppEnv>,
  namespace: ReplayNamespace,
  key: string,
  limit: number,
): Promise<boolean> {
  if (limit <= 0) return false;
  return (await countHit(c.env.REPLAY_GUARD, namespace, key, WINDOW_SECONDS)) > limit;
}

export async function limitByIp(c: Context<AppEnv>, endpoint: 'token' | 'cat'): Promise<void> {
  const settings = c.get('settings');
  const limit = endpoint === 'token' ? settings.tokenRequestsPerIp : settings.catRequestsPerIp;
  if (await over(c, `${endpoint}-ip`, clientIp(c), limit)) throw slowDown(endpoint, 'ip');
}

export async function limitByClient(
  c: Context<AppEnv>,
  endpoint: 'token' | 'cat',
  clientId: string,
): Promise<void> {
  const settings = c.get('settings');
  const limit =
    endpoint === 'token' ? settings.tokenRequestsPerClient : settings.catRequestsPerClient;
  if (await over(c, `${endpoint}-client`, clientId, limit)) throw slowDown(endpoint, 'client');
}
