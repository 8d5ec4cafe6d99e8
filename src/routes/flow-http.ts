/**
 * @module routes/flow-http
 * The HTTP side of the login flow, shared by the authorization and authentication routes: HAAPI or
 * HTML mode, access checks that bind a flow to its caller, and the two renderings of a step.
 *  - HAAPI (`Accept: application/vnd.auth+json`): the AAT (DPoP, `ath`) on every call;
 *    `Session-Id`, when sent, must name the flow; the AAT's key must be the one that started it,
 *    else `mismatch-between-session-and-access-token`.
 *  - HTML: a `Secure; HttpOnly; SameSite=Lax` cookie holding a per-flow secret, and a per-flow
 *    CSRF token in every form post; pages get a strict CSP with a per-response nonce.
 */
import type { Context } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import type { AppEnv } from '../app-env';
import { decodeBase64Url } from '../crypto/base64url';
import { timingSafeEqualStrings } from '../crypto/constant-time';
import { sha256Base64Url } from '../crypto/digest';
import { randomToken } from '../crypto/random';
import { HaapiProblem } from '../errors/problem';
import { PROBLEM_JSON } from '../errors/respond';
import { type HaapiCaller, verifyHaapiCaller } from '../haapi/caller';
import type { FlowContext } from '../haapi/flow/context';
import { unknownFlow } from '../haapi/flow/problems';
import { type LoadedFlow, loadFlow } from '../haapi/flow/state';
import { type Locale, pickLocale, texts } from '../haapi/messages/catalog';
import {
  acceptsHaapi,
  HAAPI_MEDIA_TYPE,
  type Message,
  type Representation,
} from '../haapi/representations/types';
import { findClient } from '../storage/clients';
import {
  DEV_START_PATH,
  type LayoutOptions,
  layoutOptions,
  type PageClient,
  pageCsp,
} from '../ui/layout';
import { type PageOptions, StepPage } from '../ui/page';
import { needsUserGesture } from '../ui/webauthn-interaction';
import { nowSeconds, resourceCheck } from './request-context';

export const FLOW_COOKIE = 'haapi_flow';
/** The WebAuthn page script (routes/assets.ts). */
export const WEBAUTHN_SCRIPT_PATH = '/assets/webauthn.js';

export function isHaapi(c: Context<AppEnv>): boolean {
  return acceptsHaapi(c.req.header('Accept'));
}

export function clientIp(c: Context<AppEnv>): string {
  return c.req.header('CF-Connecting-IP') ?? 'unknown';
}

/** The Cloudflare location (colo) serving the request; rate-limit budgets are kept per location. */
export function clientLocation(c: Context<AppEnv>): string | undefined {
  const cf = (c.req.raw as Request<unknown, IncomingRequestCfProperties>).cf;
  return typeof cf?.colo === 'string' ? cf.colo : undefined;
}

export function flowContext(c: Context<AppEnv>, flow: LoadedFlow, locale?: Locale): FlowContext {
  const language = locale ?? flow.state.locale;
  return {
    settings: c.get('settings'),
    db: c.get('db'),
    flows: c.env.HAAPI_FLOW,
    replayGuard: c.env.REPLAY_GUARD,
    flow,
    now: nowSeconds(),
    ip: clientIp(c),
    location: clientLocation(c),
    locale: language,
    t: texts(language, c.get('settings').messages),
    events: c.env.EVENTS,
    cookie: (name) => getCookie(c, name),
    userAgent: c.req.header('User-Agent') ?? '',
  };
}

/** The HAAPI caller of this request (AAT + DPoP proof with ath). */
export async function haapiCaller(c: Context<AppEnv>): Promise<HaapiCaller> {
  return verifyHaapiCaller(c.req.header('Authorization'), await resourceCheck(c, nowSeconds()));
}

export function mismatch(reason: string): HaapiProblem {
  return new HaapiProblem(
    'mismatch-between-session-and-access-token',
    'The session does not belong to this access token',
    400,
    {},
    reason,
  );
}

/**
 * Loads the flow and checks that this request may act on it. For HTML form posts, `csrf` is the
 * submitted token.
 */
export async function accessFlow(
  c: Context<AppEnv>,
  flowId: string,
  csrf?: string | null,
): Promise<LoadedFlow> {
  const haapi = isHaapi(c);
  // A HAAPI caller (AAT, DPoP proof) is checked while the flow is read: the round trips overlap.
  // The outcomes are taken in the order below, so the answer does not depend on which ends first.
  const [loaded, callerCheck] = await Promise.allSettled([
    loadFlow(c.env.HAAPI_FLOW, flowId, c.get('settings').serverSecret),
    haapi ? haapiCaller(c) : null,
  ]);
  if (loaded.status === 'rejected') throw loaded.reason;
  const flow = loaded.value;
  if (!flow) throw unknownFlow();
  const binding = flow.state.binding;
  if (binding.mode === 'haapi') {
    if (!haapi)
      throw new HaapiProblem(
        'generic-user-error',
        'This login continues through the HAAPI',
        400,
        {},
        'html_on_haapi_flow',
      );
    if (callerCheck.status === 'rejected') throw callerCheck.reason;
    const caller = callerCheck.value as HaapiCaller;
    // Session-Id is checked when sent, not required: the flow id is in the URL and the AAT's
    // DPoP key, checked next, is what binds the flow to its app (Curity's clients send none).
    const sessionId = c.req.header('Session-Id');
    if (sessionId !== undefined && sessionId !== flowId) throw mismatch('session_id');
    if (!(await timingSafeEqualStrings(caller.jkt, binding.jkt))) throw mismatch('aat_key');
    return flow;
  }
  if (haapi) throw mismatch('haapi_on_html_flow');
  const cookie = getCookie(c, FLOW_COOKIE) ?? '';
  const [cookieFlow, secret] = cookie.split('.');
  if (cookieFlow !== flowId || !secret || !decodeBase64Url(secret)) throw unknownFlow();
  if (!(await timingSafeEqualStrings(await sha256Base64Url(secret), binding.cookieHash)))
    throw unknownFlow();
  if (csrf !== undefined && !(csrf && (await timingSafeEqualStrings(csrf, binding.csrf)))) {
    throw new HaapiProblem(
      'generic-user-error',
      'The form has expired. Start again.',
      403,
      {},
      'csrf',
    );
  }
  return flow;
}

/** A new browser binding: the cookie to set and what the flow keeps of it. */
export async function newHtmlBinding(): Promise<{
  secret: string;
  cookieHash: string;
  csrf: string;
}> {
  const secret = randomToken(24);
  return { secret, cookieHash: await sha256Base64Url(secret), csrf: randomToken(24) };
}

export function setFlowCookie(c: Context<AppEnv>, flowId: string, secret: string): void {
  setCookie(c, FLOW_COOKIE, `${flowId}.${secret}`, {
    path: '/',
    secure: true,
    httpOnly: true,
    sameSite: 'Lax',
    maxAge: c.get('settings').flowTtl,
  });
}

export function haapiResponse(
  representation: Representation,
  status = 200,
  headers: Record<string, string> = {},
): Response {
  return new Response(JSON.stringify(representation), {
    status,
    headers: { 'Content-Type': HAAPI_MEDIA_TYPE, 'Cache-Control': 'no-store', ...headers },
  });
}

export function problemResponse(problem: HaapiProblem): Response {
  return new Response(JSON.stringify(problem.toJSON()), {
    status: problem.status,
    headers: { 'Content-Type': PROBLEM_JSON, 'Cache-Control': 'no-store' },
  });
}

/** What the pages show of a client; undefined when it cannot be read (pages never fail for it). */
export async function pageClient(
  c: Context<AppEnv>,
  clientId: string | undefined,
): Promise<PageClient | undefined> {
  if (!clientId) return undefined;
  const settings = c.get('settings');
  try {
    const client = await findClient(c.get('db'), clientId, settings.clientCacheTtl, c.env.DB);
    if (!client) return undefined;
    const { clientName: name, logoUri, policyUri, tosUri } = client;
    return { name, logoUri, policyUri, tosUri };
  } catch {
    return undefined;
  }
}

/**
 * In development, a page on an IP address cannot use passkeys (browsers refuse IP addresses as
 * relying party ids): say so, and link to the development start page on localhost.
 */
function passkeyNotice(c: Context<AppEnv>, layout: LayoutOptions): PageOptions['notice'] {
  const settings = c.get('settings');
  const url = new URL(c.req.url);
  const ipHost = /^\d{1,3}(\.\d{1,3}){3}$|^\[[0-9a-f:]+\]$/i.test(url.hostname);
  if (settings.environment !== 'development' || !ipHost || settings.relyingParty.id !== 'localhost')
    return undefined;
  const href = `${url.protocol}//localhost${url.port ? `:${url.port}` : ''}${DEV_START_PATH}`;
  return {
    text: layout.t('webauthn.ip-address'),
    href,
    link: layout.t('webauthn.ip-address.link'),
  };
}

export async function htmlResponse(
  c: Context<AppEnv>,
  representation: Representation,
  options: {
    locale: Locale;
    csrf?: string;
    status?: number;
    formTargets?: string[];
    problem?: HaapiProblem;
    clientId?: string;
    values?: ReadonlyMap<string, string>;
    finished?: boolean;
    alternatives?: readonly { href: string; title: string }[];
  },
): Promise<Response> {
  const layout = layoutOptions(c, options.locale, await pageClient(c, options.clientId));
  const invalidFields = options.problem?.members.invalidFields as
    | { name: string; reason: string; detail?: string }[]
    | undefined;
  const extraMessages = options.problem
    ? ((options.problem.members.messages as Message[] | undefined) ?? [
        { text: options.problem.title, classList: ['error'] },
      ])
    : [];
  // Only pages with a WebAuthn ceremony load a script (their own, by nonce).
  const scripts = (representation.actions ?? []).some(
    (a) => a.template === 'client-operation' && a.model.name.startsWith('webauthn-'),
  );
  const html = String(
    StepPage({
      representation,
      options: {
        ...layout,
        csrf: options.csrf,
        invalidFields,
        extraMessages,
        values: options.values,
        finished: options.finished,
        alternatives: options.alternatives,
        notice: scripts ? passkeyNotice(c, layout) : undefined,
        webauthnAutoStart:
          !options.problem &&
          !needsUserGesture(
            c.get('settings').relyingParty.userGesture,
            c.req.header('User-Agent') ?? '',
          ),
        webauthnScript: WEBAUTHN_SCRIPT_PATH,
      },
    }),
  );
  return c.html(html, (options.status ?? 200) as 200, {
    'Cache-Control': 'no-store',
    'Content-Security-Policy': pageCsp(layout, { scripts, formTargets: options.formTargets }),
  });
}

export function localeOf(c: Context<AppEnv>, uiLocales?: string): Locale {
  return pickLocale(uiLocales, c.req.header('Accept-Language'));
}
