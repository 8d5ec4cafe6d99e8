/**
 * @module routes/authn
 * <AUTHN_PATH>/<flow id>/<authenticator>[/<action>]: the flow's steps. GET shows the current step
 * (or switches to the authenticator / action linked to); POST submits it. <AUTHN_PATH>/<flow
 * id>/cancel ends the flow with `access_denied`. Each response is the step's representation
 * (HAAPI) or its HTML page; problems keep the user on the step (docs/haapi-protocol.md §6).
 */

import type { Context } from 'hono';
import { Hono } from 'hono';
import { generateCookie } from 'hono/cookie';
import type { AppEnv } from '../app-env';
import { AuthorizeError } from '../errors/authorize-error';
import { HaapiProblem } from '../errors/problem';
import { authenticatorFor } from '../haapi/authenticators/registry';
import { flowPaths, type SubmitOutcome } from '../haapi/flow/context';
import {
  currentView,
  enterAuthenticator,
  navigate,
  otherAuthenticators,
  submit,
} from '../haapi/flow/engine';
import { handOff, startExternal } from '../haapi/flow/external-browser';
import { unknownFlow } from '../haapi/flow/problems';
import {
  createFlow,
  endFlow,
  type FlowState,
  type LoadedFlow,
  loadFlow,
  saveFlow,
} from '../haapi/flow/state';
import type { Representation } from '../haapi/representations/types';
import { findClient } from '../storage/clients';
import { externalDone } from '../ui/external-done';
import {
  accessFlow,
  flowContext,
  haapiResponse,
  htmlResponse,
  isHaapi,
  localeOf,
  newHtmlBinding,
  problemResponse,
  setFlowCookie,
} from './flow-http';
import { readParameters } from './request-body';

async function render(
  c: Context<AppEnv>,
  flow: LoadedFlow,
  representation: Representation,
  problem?: HaapiProblem,
  values?: ReadonlyMap<string, string>,
): Promise<Response> {
  if (isHaapi(c)) return problem ? problemResponse(problem) : haapiResponse(representation);
  const binding = flow.state.binding;
  const origin = new URL(flow.state.request.redirectUri);
  const formTarget = (url: URL) =>
    url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : url.protocol;
  const targets = [formTarget(origin)];
  const parentRedirect = flow.state.parent?.redirectUri;
  if (parentRedirect) targets.push(formTarget(new URL(parentRedirect)));
  return htmlResponse(c, representation, {
    locale: flow.state.locale,
    csrf: binding.mode === 'html' ? binding.csrf : undefined,
    status: problem?.status ?? 200,
    formTargets: targets,
    problem,
    clientId: flow.state.request.clientId,
    values,
    finished: flow.state.completed === true,
    alternatives: otherAuthenticators(flowContext(c, flow)).map((a) => ({
      href: flowPaths(c.get('settings'), flow.id).step(a.id),
      title: a.title,
    })),
  });
}

/** What a failed form shows again: every submitted value but secrets. */
function keptValues(form: ReadonlyMap<string, string>): Map<string, string> {
  const kept = new Map<string, string>();
  for (const [name, value] of form) {
    if (!/password|credential|secret|otp/i.test(name) && value.length <= 256) kept.set(name, value);
  }
  return kept;
}

/** A step's form: posted as a form or as JSON; bad bodies are `invalid-input` problems. */
function readForm(c: Context<AppEnv>): Promise<Map<string, string>> {
  return readParameters(c, {
    json: true,
    refuse: (detail) => new HaapiProblem('invalid-input', detail, 400, { invalidFields: [] }),
  });
}

async function show(c: Context<AppEnv>): Promise<Response> {
  const { flowId, authenticatorId, action } = c.req.param() as {
    flowId: string;
    authenticatorId: string;
    action?: string;
  };
  let flow = await accessFlow(c, flowId);
  const force = isHaapi(c) && c.req.query('_force_external_browser_flow') === 'true';
  const next = navigate(flowContext(c, flow), authenticatorId, action, force);
  if (JSON.stringify(next) !== JSON.stringify(flow.state)) {
    if (!(await saveFlow(c.env.HAAPI_FLOW, flow, next))) throw conflict();
    flow = { ...flow, state: next, version: flow.version + 1 };
  }
  return render(c, flow, await currentView(flowContext(c, flow)));
}

function conflict(): HaapiProblem {
  return new HaapiProblem(
    'about:blank',
    'This step was already submitted',
    409,
    {},
    'step_conflict',
  );
}

async function post(c: Context<AppEnv>): Promise<Response> {
  const { flowId, authenticatorId, action } = c.req.param() as {
    flowId: string;
    authenticatorId: string;
    action?: string;
  };
  const form = await readForm(c);
  const flow = await accessFlow(c, flowId, isHaapi(c) ? undefined : (form.get('_csrf') ?? null));
  form.delete('_csrf');
  const ctx = flowContext(c, flow);
  const outcome = await submit(ctx, authenticatorId, action, form);
  if (outcome.kind === 'problem')
    return render(c, flow, await currentView(ctx), outcome.problem, keptValues(form));
  const state = outcome.kind === 'state' ? outcome.state : { ...flow.state, auth: outcome.auth };
  if (!(await saveFlow(c.env.HAAPI_FLOW, flow, state))) throw conflict();
  const response = await afterSubmit(c, flow, outcome, state);
  for (const cookie of outcome.cookies ?? []) {
    const options = { path: '/', secure: true, httpOnly: true, maxAge: cookie.maxAge } as const;
    response.headers.append(
      'Set-Cookie',
      generateCookie(cookie.name, cookie.value, { ...options, sameSite: 'Lax' }),
    );
  }
  return response;
}

async function afterSubmit(
  c: Context<AppEnv>,
  flow: LoadedFlow,
  outcome: SubmitOutcome,
  state: FlowState,
): Promise<Response> {
  const flowId = flow.id;
  const settings = c.get('settings');
  const saved = { ...flow, state, version: flow.version + 1 };
  if (outcome.kind === 'authenticated' && state.parent) {
    const nonce = await handOff(
      c.env.HAAPI_FLOW,
      flowId,
      state.parent,
      outcome.auth,
      settings.serverSecret,
    );
    return externalDone(c, state.parent, nonce, state.locale);
  }
  if (outcome.kind === 'authenticated' && !isHaapi(c) && !settings.debugLoginAttributes) {
    return c.redirect(flowPaths(settings, flowId).resume, 303);
  }
  return render(c, saved, await currentView(flowContext(c, saved)));
}

async function cancel(c: Context<AppEnv>): Promise<Response> {
  const { flowId } = c.req.param() as { flowId: string };
  const form = isHaapi(c) ? new Map<string, string>() : await readForm(c);
  const flow = await accessFlow(c, flowId, isHaapi(c) ? undefined : (form.get('_csrf') ?? null));
  await endFlow(c.env.HAAPI_FLOW, flowId);
  const { request } = flow.state;
  throw new AuthorizeError({
    redirect: true,
    redirectUri: request.redirectUri,
    state: request.state,
    error: 'access_denied',
    description: 'The user cancelled the login',
  });
}

/** GET <AUTHN_PATH>/<flow id>: the flow's current step (the selector of a new browser flow). */
async function current(c: Context<AppEnv>): Promise<Response> {
  const flow = await accessFlow(c, c.req.param('flowId') as string);
  return render(c, flow, await currentView(flowContext(c, flow)));
}

/** GET …/<authenticator>/external: the app's browser starts the external-browser-flow. */
async function external(c: Context<AppEnv>): Promise<Response> {
  const { flowId, authenticatorId } = c.req.param() as { flowId: string; authenticatorId: string };
  const settings = c.get('settings');
  const config = settings.authenticators.find((a) => a.id === authenticatorId);
  const parent = await loadFlow(c.env.HAAPI_FLOW, flowId, settings.serverSecret);
  if (!parent || !config || !authenticatorFor(config).externalBrowser) throw unknownFlow();
  const client = await findClient(
    c.get('db'),
    parent.state.request.clientId,
    settings.clientCacheTtl,
    c.env.DB,
  );
  const browser = await newHtmlBinding();
  const base = await startExternal(
    c.env.HAAPI_FLOW,
    parent,
    config.id,
    client,
    {
      token: c.req.query('token') ?? '',
      redirectUri: c.req.query('redirect_uri') ?? null,
      forOrigin: c.req.query('for_origin') ?? null,
    },
    { ...browser, locale: localeOf(c, parent.state.request.uiLocales) },
  );
  const childId = await createFlow(
    c.env.HAAPI_FLOW,
    enterAuthenticator(base, config),
    settings.flowTtl,
    settings.serverSecret,
  );
  setFlowCookie(c, childId, browser.secret);
  return c.redirect(flowPaths(settings, childId).step(config.id), 303);
}

// `cancel` and `external` are names at a parameter's place, decided in the handler rather than
// as routes of their own: that keeps every route unambiguous for Hono's RegExpRouter (one regular
// expression for the whole app) instead of its slower trie fallback.
export const authnRoutes = new Hono<AppEnv>()
  .get('/:flowId', current)
  .get('/:flowId/:authenticatorId', show)
  .get('/:flowId/:authenticatorId/:action', (c) =>
    c.req.param('action') === 'external' ? external(c) : show(c),
  )
  .post('/:flowId/:authenticatorId', (c) =>
    c.req.param('authenticatorId') === 'cancel' ? cancel(c) : post(c),
  )
  .post('/:flowId/:authenticatorId/:action', post);
