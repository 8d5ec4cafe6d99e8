/**
 * @module routes/rate-limit
 * Request limits on the token and attestation (CAT) endpoints, budgets in fixed one-minute windows
 * (src/replay/budget.ts): per client IP (before any work, so guessing secrets or flooding the
 * verifiers is slowed) and per client (the token endpoint: after authentication, so nobody can
 * spend another client's budget by naming it; the CAT endpoint: per attesting client). Over a
 * limit: `429 slow_down` with `Retry-After` (the DCR endpoint answers the same way). A limit of 0
 * turns that check off.
 */
import type { Context } from 'hono';
import type { AppEnv } from '../app-env';
import { OAuthError } from '../errors/oauth-error';
import { takeFromBudget } from '../replay/budget';
import type { ReplayNamespace } from '../replay/use-once';
import { clientIp, clientLocation } from './flow-http';

const WINDOW_SECONDS = 60;

function slowDown(endpoint: string, what: 'ip' | 'client', retryAfterSeconds: number): OAuthError {
  return new OAuthError(
    'slow_down',
    `Too many ${endpoint} requests from this ${what}; try again later`,
    {
      status: 429,
      headers: { 'Retry-After': String(retryAfterSeconds) },
      reason: `rate_limit_${what}`,
    },
  );
}

/** Takes one request from the budget; throws `slow_down` once it is spent. */
async function take(
  c: Context<AppEnv>,
  endpoint: 'token' | 'cat',
  what: 'ip' | 'client',
  key: string,
  limit: number,
): Promise<void> {
  if (limit <= 0) return;
  const namespace: ReplayNamespace = `${endpoint}-${what}`;
  const answer = await takeFromBudget(
    c.env.REPLAY_GUARD,
    namespace,
    key,
    limit,
    WINDOW_SECONDS,
    clientLocation(c),
  );
  if (!answer.allowed) throw slowDown(endpoint, what, answer.retryAfterSeconds);
}

/** Browser logins started from one IP (FLOWS_PER_IP a minute): each keeps a flow object. */
export async function limitFlowsByIp(c: Context<AppEnv>): Promise<void> {
  const limit = c.get('settings').flowsPerIp;
  if (limit <= 0) return;
  const answer = await takeFromBudget(
    c.env.REPLAY_GUARD,
    'flow-ip',
    clientIp(c),
    limit,
    WINDOW_SECONDS,
    clientLocation(c),
  );
  if (!answer.allowed) throw slowDown('login', 'ip', answer.retryAfterSeconds);
}

export async function limitByIp(c: Context<AppEnv>, endpoint: 'token' | 'cat'): Promise<void> {
  const settings = c.get('settings');
  const limit = endpoint === 'token' ? settings.tokenRequestsPerIp : settings.catRequestsPerIp;
  await take(c, endpoint, 'ip', clientIp(c), limit);
}

export async function limitByClient(
  c: Context<AppEnv>,
  endpoint: 'token' | 'cat',
  clientId: string,
): Promise<void> {
  const settings = c.get('settings');
  const limit =
    endpoint === 'token' ? settings.tokenRequestsPerClient : settings.catRequestsPerClient;
  await take(c, endpoint, 'client', clientId, limit);
}
