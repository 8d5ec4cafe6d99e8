/**
 * @module routes/authorize
 * GET/POST <AUTHORIZATION_PATH>: starts a login flow (RFC 6749 §4.1.1) in HAAPI mode
 * (`Accept: application/vnd.auth+json` + AAT) or HTML mode, and, with `flow=<id>`, ends it: the
 * code is issued and returned as `oauth-authorization-response` (HAAPI) or a redirect (HTML).
 * Errors before the redirect URI is trusted are shown, never redirected (RFC 6749 §4.1.2.1).
 */

import type { Context } from 'hono';
import { Hono } from 'hono';
import type { AppEnv } from '../app-env';
import { isHaapiOnly } from '../clients/client';
import { AuthorizeError } from '../errors/authorize-error';
import { HaapiProblem } from '../errors/problem';
import { validateAuthorizeRequest } from '../haapi/flow/authorize-request';
import { type FlowContext, flowPaths } from '../haapi/flow/context';
import { acrOf, complete, completionView, currentView, firstState } from '../haapi/flow/engine';
import { createFlow, type FlowBinding, type FlowState } from '../haapi/flow/state';
import { findClient } from '../storage/clients';
import { atLeast, requiredAssurance } from '../tokens/assurance';
import {
  accessFlow,
  flowContext,
  haapiCaller,
  haapiResponse,
  isHaapi,
  localeOf,
  mismatch,
  newHtmlBinding,
  setFlowCookie,
} from './flow-http';
import { limitFlowsByIp } from './rate-limit';
import { nowSeconds } from './request-context';
import { sessionLogin, startBrowserSession } from './sso';

async function parameters(c: Context<AppEnv>): Promise<URLSearchParams> {
  if (c.req.method === 'POST') {
    const type = (c.req.header('Content-Type') ?? '').split(';')[0]?.trim();
    if (type !== 'application/x-www-form-urlencoded') {
      throw new HaapiProblem(
        'about:blank',
        'The request body must be application/x-www-form-urlencoded',
        400,
      );
    }
    return new URLSearchParams(new TextDecoder().decode(await c.req.arrayBuffer()));
  }
  return new URL(c.req.url).searchParams;
}

async function start(c: Context<AppEnv>, params: URLSearchParams): Promise<Response> {
  const settings = c.get('settings');
  const now = nowSeconds();
  const clientId = params.get('client_id');
  const client = clientId
    ? await findClient(c.get('db'), clientId, settings.clientCacheTtl, c.env.DB)
    : null;
  const haapi = isHaapi(c);
  // The AAT is checked first: without it, a HAAPI caller learns nothing about clients.
  const caller = haapi ? await haapiCaller(c) : null;
  // A native app's HAAPI code is bound to its DPoP key (below), unless its client says not to;
  // only a bound code lets the client waive PKCE.
  const callerPlatform = (caller?.claims.att as { platform?: string } | undefined)?.platform;
  const codeBound = caller !== null && callerPlatform !== 'web' && client?.tokenBoundCode !== false;
  const validated = validateAuthorizeRequest(params, client, now, codeBound);
  if (!validated.ok) throw new AuthorizeError(validated.problem);
  const { request } = validated;
  if (!caller && client && isHaapiOnly(client)) {
    // An app that must prove itself (attestation, a dynamic client's device key) cannot do so in
    // a browser: its browser logins are refused unless the client opts in (`browserFlow`).
    throw new AuthorizeError({
      redirect: true,
      redirectUri: request.redirectUri,
      state: request.state,
      error: 'unauthorized_client',
      description: 'This client may only log in through the HAAPI',
    });
  }
  // acr_values that no configured authenticator can meet are an error, not ignored: the client
  // asked for an authentication this server cannot give.
  if (
    request.acrValues.length > 0 &&
    !settings.authenticators.some((a) => request.acrValues.includes(acrOf(a)))
  ) {
    throw new AuthorizeError({
      redirect: true,
      redirectUri: request.redirectUri,
      state: request.state,
      error: 'unmet_authentication_requirements',
      description: 'No authenticator of this server has an ACR the request asks for (acr_values)',
    });
  }
  const locale = localeOf(c, request.uiLocales);
  let binding: FlowBinding;
  let cookieSecret: string | undefined;
  const needed = requiredAssurance(client?.minCal ?? null, settings.scopeMinCal, request.scope);
  if (needed && !atLeast(caller?.cal, needed)) {
    throw new AuthorizeError({
      redirect: true,
      redirectUri: request.redirectUri,
      state: request.state,
      error: 'access_denied',
      description: `This request needs a client assurance level of at least ${needed}`,
    });
  }
  if (caller) {
    if (caller.clientId !== request.clientId) throw mismatch('aat_other_client');
    const platform = callerPlatform;
    binding = {
      mode: 'haapi',
      jkt: caller.jkt,
      ...(caller.cal ? { cal: caller.cal } : {}),
      // The web driver's page gets the AAT; the single-page app redeems the code without its key.
      bindCode: codeBound,
      ...(platform === 'android' || platform === 'ios' || platform === 'web' ? { platform } : {}),
    };
  } else {
    // Unauthenticated flow objects are limited per IP (each is kept for FLOW_TTL).
    await limitFlowsByIp(c);
    const html = await newHtmlBinding();
    cookieSecret = html.secret;
    binding = { mode: 'html', cookieHash: html.cookieHash, csrf: html.csrf };
    // The browser's single sign-on session stands in for a login when the request allows it.
    const auth = await sessionLogin(c, request, now);
    if (auth) {
      const state: FlowState = {
        request,
        binding,
        locale,
        authenticator: null,
        step: 'select',
        auth,
        fromSession: true,
      };
      const flowId = await createFlow(
        c.env.HAAPI_FLOW,
        state,
        settings.flowTtl,
        settings.serverSecret,
      );
      return finish(c, flowContext(c, { id: flowId, state, version: 1 }, locale));
    }
  }
  // Only a browser's session can answer prompt=none (HAAPI flows never join single sign-on).
  if (request.prompt.includes('none'))
    throw new AuthorizeError({
      redirect: true,
      redirectUri: request.redirectUri,
      state: request.state,
      error: 'login_required',
      description: 'The user must authenticate',
    });
  const state = firstState(settings.authenticators, { request, binding, locale });
  const flowId = await createFlow(c.env.HAAPI_FLOW, state, settings.flowTtl, settings.serverSecret);
  const ctx = flowContext(c, { id: flowId, state, version: 1 }, locale);
  if (caller) return haapiResponse(await currentView(ctx), 200, { 'Set-Session-Id': flowId });
  setFlowCookie(c, flowId, cookieSecret as string);
  const first = state.authenticator
    ? flowPaths(settings, flowId).step(state.authenticator)
    : `${settings.authnPath}/${flowId}`;
  return c.redirect(first, 303);
}

async function resume(c: Context<AppEnv>, flowId: string): Promise<Response> {
  const flow = await accessFlow(c, flowId);
  const ctx = flowContext(c, flow);
  const { state } = flow;
  if (!state.auth || state.completed) {
    if (state.completed)
      throw new HaapiProblem(
        'generic-user-error',
        'This login has already completed',
        400,
        {},
        'flow_completed',
      );
    return isHaapi(c)
      ? haapiResponse(await currentView(ctx))
      : c.redirect(flowPaths(ctx.settings, flowId).step(state.authenticator ?? ''), 303);
  }
  return finish(c, ctx);
}

/** Issues the authenticated flow's code and answers with it (HAAPI) or redirects to the client. */
async function finish(c: Context<AppEnv>, ctx: FlowContext): Promise<Response> {
  const { state } = ctx.flow;
  const result = await complete(ctx);
  if ('refused' in result) {
    if (result.refused === 'code-exists')
      throw new HaapiProblem(
        'generic-user-error',
        'This login has already completed',
        400,
        {},
        'code_exists',
      );
    throw new HaapiProblem(
      'about:blank',
      'The login was completed by another request',
      409,
      {},
      'flow_conflict',
    );
  }
  if (isHaapi(c)) return haapiResponse(completionView(result.redirectUri, result.parameters));
  // A browser login (not one handed to a HAAPI flow, nor the session's own) starts a session.
  if (state.auth && state.binding.mode === 'html' && !state.parent && !state.fromSession)
    await startBrowserSession(c, state.auth, ctx.now, state.request.clientId);
  const url = new URL(result.redirectUri);
  for (const [k, v] of Object.entries(result.parameters)) url.searchParams.set(k, v);
  return c.redirect(url.href, 303);
}

async function authorize(c: Context<AppEnv>): Promise<Response> {
  const params = await parameters(c);
  const flowId = params.get('flow');
  return flowId !== null ? resume(c, flowId) : start(c, params);
}

export const authorizeRoutes = new Hono<AppEnv>().get('/', authorize).post('/', authorize);
