/**
 * @module routes/sso
 * The browser's single sign-on session at the HTTP edge (sessions/sso.ts has the rules): the
 * `haapi_sso` cookie (HttpOnly, Secure, SameSite=Lax, for SSO_SESSION_TTL), reusing a session
 * for an authorization request, starting one after a browser login, ending one.
 */
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { AppEnv } from '../app-env';
import type { FlowAuth } from '../haapi/flow/auth';
import { securityEvent } from '../observability/events';
import {
  endSession,
  loadSession,
  type SessionAsk,
  SSO_COOKIE,
  type SsoSession,
  sessionRefusal,
  startSession,
} from '../sessions/sso';
import { findAccountBySubject } from '../storage/accounts';

/** The browser's live session, if it has one (and single sign-on is on). */
export async function browserSession(
  c: Context<AppEnv>,
): Promise<{ id: string; session: SsoSession } | null> {
  const settings = c.get('settings');
  const id = getCookie(c, SSO_COOKIE);
  if (settings.ssoSessionTtl === 0 || !id) return null;
  const session = await loadSession(c.env.HAAPI_FLOW, id, settings.serverSecret);
  return session ? { id, session } : null;
}

/** The login the browser's session gives this request, or null when it must log in. */
export async function sessionLogin(
  c: Context<AppEnv>,
  ask: SessionAsk & { readonly clientId: string },
  now: number,
): Promise<FlowAuth | null> {
  const current = await browserSession(c);
  if (!current) return null;
  const { session } = current;
  const account = await findAccountBySubject(c.get('db'), session.subject);
  const refusal = sessionRefusal(session, account, ask, now);
  if (refusal) return null;
  securityEvent(c.env.EVENTS, 'session.reused', {
    requestId: c.get('requestId'),
    clientId: ask.clientId,
    subject: session.subject,
  });
  const { createdAt: _, ...auth } = session;
  return auth;
}

/** Starts the browser's session after a login in it (replacing any it had). */
export async function startBrowserSession(
  c: Context<AppEnv>,
  auth: FlowAuth,
  now: number,
  clientId: string,
): Promise<void> {
  const settings = c.get('settings');
  if (settings.ssoSessionTtl === 0) return;
  const previous = getCookie(c, SSO_COOKIE);
  if (previous) await endSession(c.env.HAAPI_FLOW, previous, settings.serverSecret);
  const id = await startSession(
    c.env.HAAPI_FLOW,
    auth,
    now,
    settings.ssoSessionTtl,
    settings.serverSecret,
  );
  setCookie(c, SSO_COOKIE, id, {
    path: '/',
    secure: true,
    httpOnly: true,
    sameSite: 'Lax',
    maxAge: settings.ssoSessionTtl,
  });
  securityEvent(c.env.EVENTS, 'session.started', {
    requestId: c.get('requestId'),
    clientId,
    subject: auth.subject,
  });
}

/** Ends the browser's session (as browserSession found it): its object and its cookie. */
export async function endBrowserSession(
  c: Context<AppEnv>,
  current: { readonly id: string; readonly session: SsoSession },
): Promise<void> {
  await endSession(c.env.HAAPI_FLOW, current.id, c.get('settings').serverSecret);
  deleteCookie(c, SSO_COOKIE, { path: '/', secure: true });
  securityEvent(c.env.EVENTS, 'session.ended', {
    requestId: c.get('requestId'),
    subject: current.session.subject,
  });
}
