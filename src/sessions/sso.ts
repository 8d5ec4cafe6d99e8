/**
 * @module sessions/sso
 * Browser single sign-on sessions. A browser that completed a login gets a cookie naming a
 * session; the session itself is server-side, in a HaapiFlow object of its own named
 * `sso:<session id>` (created by the browser's request, so near its user; docs/state.md). The id
 * is minted like a flow id (random and MAC'd), so a made-up cookie never reaches an object.
 *
 * A session is reused by a later authorization request from the same browser only when
 *  - the request does not ask for `prompt=login`, and its `max_age` (if any) is not exceeded;
 *  - the request's `acr_values` (if any) name the session's `acr`;
 *  - the account still exists, is not disabled, and its sessions were not ended since this one
 *    began (`accounts.sessions_valid_after`: a new password or an operator ends them).
 * The end-session endpoint (routes/end-session.ts) destroys the object and the cookie.
 */
import type { HaapiFlow } from '../../durable-objects/haapi-flow';
import type { FlowAuth } from '../haapi/flow/auth';
import { createMinted, isGenuineFlowId, mintedObject, readMinted } from '../haapi/flow/flow-id';
import type { Account } from '../storage/accounts';

export const SSO_COOKIE = 'haapi_sso';

export interface SsoSession extends FlowAuth {
  /** Unix seconds: when the session began (its login). */
  readonly createdAt: number;
}

const PREFIX = 'sso:';

/** Starts a session for `auth`; returns its id (the cookie's value). */
export async function startSession(
  flows: DurableObjectNamespace<HaapiFlow>,
  auth: FlowAuth,
  now: number,
  ttl: number,
  serverSecret: string,
): Promise<string> {
  const session: SsoSession = {
    subject: auth.subject,
    authTime: auth.authTime,
    acr: auth.acr,
    amr: auth.amr,
    createdAt: now,
  };
  return createMinted(flows, serverSecret, JSON.stringify(session), ttl, PREFIX);
}

/** The live session `id` names; null for an id we did not mint or a session that ended. */
export async function loadSession(
  flows: DurableObjectNamespace<HaapiFlow>,
  id: string,
  serverSecret: string,
): Promise<SsoSession | null> {
  const snapshot = await readMinted(flows, serverSecret, id, PREFIX);
  return snapshot ? (JSON.parse(snapshot.state) as SsoSession) : null;
}

export async function endSession(
  flows: DurableObjectNamespace<HaapiFlow>,
  id: string,
  serverSecret: string,
): Promise<void> {
  if (await isGenuineFlowId(serverSecret, id)) await mintedObject(flows, id, PREFIX).destroy();
}

export interface SessionAsk {
  readonly prompt: readonly string[];
  readonly maxAge?: number;
  readonly acrValues: readonly string[];
}

/** Why `session` cannot stand in for a login of this request; null when it can. */
export function sessionRefusal(
  session: SsoSession,
  account: Account | null,
  ask: SessionAsk,
  now: number,
): 'prompt_login' | 'max_age' | 'acr' | 'account' | null {
  if (ask.prompt.includes('login')) return 'prompt_login';
  // max_age=0 asks for a login now, as prompt=login does (OIDC Core §3.1.2.1).
  if (ask.maxAge !== undefined && (ask.maxAge === 0 || now - session.authTime > ask.maxAge))
    return 'max_age';
  if (ask.acrValues.length > 0 && !ask.acrValues.includes(session.acr)) return 'acr';
  if (!account || account.disabled) return 'account';
  if (account.sessionsValidAfter !== null && session.createdAt <= account.sessionsValidAfter)
    return 'account';
  return null;
}
