/**
 * @module haapi/flow/engine
 * The login flow: which authenticator a flow is on (a selector when several are configured), its
 * current representation, submissions, and the end of the flow, where the authorization code is
 * issued into the same HaapiFlow object (RFC 6749 §4.1.2) with the authentication attributes.
 */
import { randomToken } from '../../crypto/random';
import { type AuthorizationGrant, completeWithCode } from '../../tokens/authorization-code';
import {
  type AuthenticatorConfig,
  authenticatorTitle,
  prerequisiteOf,
} from '../authenticators/config';
import { refused, stepProblem } from '../authenticators/problems';
import { authenticatorFor } from '../authenticators/registry';
import { authorizationResponse, formAction, step } from '../representations/builders';
import type { Representation } from '../representations/types';
import { type FlowContext, flowPaths, type SubmitOutcome } from './context';
import { externalView, resumeExternal } from './external-browser';
import { unknownFlow, wrongStep } from './problems';
import { type FlowState, serialise } from './state';

/** The ACR an authenticator's logins carry. */
export function acrOf(config: AuthenticatorConfig): string {
  return authenticatorFor(config).acr(config);
}

/**
 * The authenticators a request may use: those whose ACR it asks for in `acr_values`, else all
 * (a request whose `acr_values` no authenticator meets is refused before a flow exists:
 * routes/authorize.ts).
 */
export function offeredAuthenticators(
  authenticators: readonly AuthenticatorConfig[],
  request: { readonly acrValues: readonly string[] },
): readonly AuthenticatorConfig[] {
  const asked = authenticators.filter((a) => request.acrValues.includes(acrOf(a)));
  return asked.length > 0 ? asked : authenticators;
}

/** The state of a new flow: on its only authenticator, or on the selector. */
export function firstState(
  configured: readonly AuthenticatorConfig[],
  base: Omit<FlowState, 'authenticator' | 'step'>,
): FlowState {
  const authenticators = offeredAuthenticators(configured, base.request);
  const only = authenticators.length === 1 ? (authenticators[0] as AuthenticatorConfig) : null;
  const selector: FlowState = { ...base, authenticator: null, step: 'select' };
  return only ? enterAuthenticator(selector, only) : selector;
}

/**
 * The state on the first step of `config`: the authenticator's own data only, no prerequisite
 * waiting, and the external-browser part when a HAAPI caller runs it in a browser (the same one
 * when it re-enters the authenticator it is on).
 */
export function enterAuthenticator(state: FlowState, config: AuthenticatorConfig): FlowState {
  const authenticator = authenticatorFor(config);
  const { data: _, pending: __, external, ...rest } = state;
  const entered = authenticator.enter({ ...rest, authenticator: config.id, step: 'login' }, config);
  const { binding } = state;
  const runsExternally =
    binding.mode === 'haapi' &&
    authenticator.externalBrowser?.runsExternally(binding, state.forceExternalBrowser === true) ===
      true;
  if (!runsExternally) return entered;
  const same = external !== undefined && state.authenticator === config.id;
  return { ...entered, external: same ? external : { token: randomToken(24) } };
}

function configured(ctx: FlowContext, id: string | undefined | null) {
  return id ? ctx.settings.authenticators.find((a) => a.id === id) : undefined;
}

/** Whether `id` is the prerequisite of the authenticator waiting in this flow. */
function isPendingPrerequisite(ctx: FlowContext, id: string): boolean {
  const pending = configured(ctx, ctx.flow.state.pending);
  return pending !== undefined && prerequisiteOf(pending) === id;
}

/**
 * The authenticator `id`, if this flow may run it: one its request's `acr_values` allow, or the
 * prerequisite of the authenticator waiting for it; in a browser flow opened for a HAAPI flow's
 * external-browser operation, only the authenticator the operation named (and that prerequisite).
 */
export function authenticatorOf(ctx: FlowContext, id: string): AuthenticatorConfig | undefined {
  const { state } = ctx.flow;
  const offered = offeredAuthenticators(ctx.settings.authenticators, state.request).find(
    (a) => a.id === id,
  );
  const prerequisite = isPendingPrerequisite(ctx, id) ? configured(ctx, id) : undefined;
  if (state.parent && id !== state.parent.authenticator) return prerequisite;
  return offered ?? prerequisite;
}

function selectorView(ctx: FlowContext): Representation {
  const paths = flowPaths(ctx.settings, ctx.flow.id);
  return {
    type: 'authentication-step',
    metadata: { viewName: 'views/select-authenticator/index' },
    actions: [
      {
        template: 'selector',
        kind: 'authenticator-selector',
        title: ctx.t('select.heading'),
        model: {
          options: offeredAuthenticators(ctx.settings.authenticators, ctx.flow.state.request)
            .filter((a) => authenticatorOf(ctx, a.id) !== undefined)
            .map((a) => ({
              ...formAction(
                'select-authenticator',
                { href: paths.step(a.id), method: 'GET' },
                authenticatorTitle(a, ctx.locale, ctx.t),
              ),
              properties: { authenticatorType: authenticatorFor(a).selectorType },
            })),
        },
      },
    ],
  };
}

/** The representation of the flow's current step. */
export async function currentView(ctx: FlowContext): Promise<Representation> {
  const { state } = ctx.flow;
  if (state.auth) {
    const resume = flowPaths(ctx.settings, ctx.flow.id).resume;
    if (ctx.settings.debugLoginAttributes) return debugView(ctx, resume);
    return step('redirection-step', {
      actions: [
        formAction('redirect', { href: resume, method: 'GET' }, ctx.t('redirect.continue')),
      ],
    });
  }
  const config = state.authenticator ? authenticatorOf(ctx, state.authenticator) : undefined;
  if (!config) return selectorView(ctx);
  const authenticator = authenticatorFor(config);
  if (state.external && authenticator.externalBrowser)
    return externalView(ctx, config.id, authenticator.externalBrowser, state.external.token);
  const view = await authenticator.view(ctx, config);
  const pending = configured(ctx, state.pending);
  const waiting = pending ? authenticatorFor(pending).waitingMessage : undefined;
  if (waiting) {
    view.messages = [...(view.messages ?? []), { text: ctx.t(waiting), classList: ['info'] }];
  }
  return view;
}

/**
 * The non-production `debug` action: the attributes the login collected, shown as a step before
 * the flow completes (DEBUG_LOGIN_ATTRIBUTES).
 */
function debugView(ctx: FlowContext, resume: string): Representation {
  const { auth, binding } = ctx.flow.state;
  const properties: Record<string, string> = {
    subject: auth?.subject ?? '',
    acr: auth?.acr ?? '',
    amr: (auth?.amr ?? []).join(' '),
    auth_time: String(auth?.authTime ?? ''),
  };
  properties.cal = (binding.mode === 'haapi' ? binding.cal : undefined) ?? 'none';
  return step('authentication-step', {
    viewName: 'authenticator/debug/attributes',
    messages: [{ text: ctx.t('debug.heading'), classList: ['heading'] }],
    properties,
    actions: [formAction('continue', { href: resume, method: 'GET' }, ctx.t('redirect.continue'))],
  });
}

/**
 * The other authenticators this flow may switch to from its current step (the HTML pages link
 * them, so choosing one is never a dead end): none on the selector, after authentication, or in
 * an external-browser flow, which runs only what its operation named.
 */
export function otherAuthenticators(ctx: FlowContext): { id: string; title: string }[] {
  const { state } = ctx.flow;
  if (!state.authenticator || state.auth || state.parent) return [];
  return offeredAuthenticators(ctx.settings.authenticators, state.request)
    .filter((a) => a.id !== state.authenticator && authenticatorOf(ctx, a.id) !== undefined)
    .map((a) => ({ id: a.id, title: authenticatorTitle(a, ctx.locale, ctx.t) }));
}

/** A GET on an authenticator (or one of its action links): the state it moves the flow to. */
export function navigate(
  ctx: FlowContext,
  authenticatorId: string,
  action: string | undefined,
  forceExternal = false,
): FlowState {
  const config = authenticatorOf(ctx, authenticatorId);
  if (!config) throw unknownFlow();
  const { state } = ctx.flow;
  if (state.auth) return state;
  const authenticator = authenticatorFor(config);
  if (
    forceExternal &&
    state.binding.mode === 'haapi' &&
    authenticator.externalBrowser &&
    !state.forceExternalBrowser
  )
    return enterAuthenticator({ ...state, forceExternalBrowser: true }, config);
  if (state.authenticator !== config.id) {
    const entered = enterAuthenticator(state, config);
    // The prerequisite of a waiting authenticator keeps it waiting.
    return state.pending && isPendingPrerequisite(ctx, config.id)
      ? { ...entered, pending: state.pending }
      : entered;
  }
  const next = authenticator.navigate(ctx, config, action);
  if (next.kind === 'state') return next.state;
  const prerequisite = configured(ctx, prerequisiteOf(config));
  if (!prerequisite) return state;
  return { ...enterAuthenticator(state, prerequisite), pending: config.id };
}

export async function submit(
  ctx: FlowContext,
  authenticatorId: string,
  action: string | undefined,
  form: ReadonlyMap<string, string>,
): Promise<SubmitOutcome> {
  const config = authenticatorOf(ctx, authenticatorId);
  const { state } = ctx.flow;
  if (!config || state.authenticator !== config.id || state.auth) throw wrongStep();
  if (action === 'resume') return resumeExternal(ctx, form);
  const authenticator = authenticatorFor(config);
  if (state.external && authenticator.externalBrowser) {
    const key = authenticator.externalBrowser.action;
    return refused(stepProblem(ctx, 'generic-user-error', key, 'external_browser_flow'));
  }
  return prerequisiteDone(ctx, await authenticator.submit(ctx, config, action, form));
}

/** The prerequisite of a waiting authenticator authenticated: that authenticator continues. */
function prerequisiteDone(ctx: FlowContext, outcome: SubmitOutcome): SubmitOutcome {
  const { state } = ctx.flow;
  const pending = configured(ctx, state.pending);
  const after = pending ? authenticatorFor(pending).afterPrerequisite : undefined;
  if (outcome.kind !== 'authenticated' || !pending || !after) return outcome;
  const entered = enterAuthenticator(state, pending);
  return { kind: 'state', state: after(entered, pending, outcome.auth), cookies: outcome.cookies };
}

export type Completion =
  | { redirectUri: string; parameters: Record<string, string> }
  | { refused: 'absent' | 'conflict' | 'code-exists' | 'not-authenticated' };

/**
 * Ends the authenticated flow: marks it completed and issues its code in one step (both or
 * neither), and returns the authorization response parameters, or why it could not.
 */
export async function complete(ctx: FlowContext): Promise<Completion> {
  const { state } = ctx.flow;
  if (!state.auth) return { refused: 'not-authenticated' };
  const binding = state.binding;
  const grant: AuthorizationGrant = {
    clientId: state.request.clientId,
    redirectUri: state.request.redirectUri,
    scope: state.request.scope,
    codeChallenge: state.request.codeChallenge,
    codeChallengeMethod: 'S256',
    nonce: state.request.nonce,
    auth: {
      subject: state.auth.subject,
      authTime: state.auth.authTime,
      acr: state.auth.acr,
      amr: state.auth.amr,
      // Every user login says what the client proved; a browser proves nothing of the app.
      cal: (binding.mode === 'haapi' ? binding.cal : undefined) ?? 'none',
    },
    ...(binding.mode === 'haapi' && binding.bindCode !== false ? { dpopJkt: binding.jkt } : {}),
  };
  const issued = await completeWithCode(
    ctx.flows,
    {
      id: ctx.flow.id,
      version: ctx.flow.version,
      completedState: serialise({ ...state, completed: true }),
    },
    grant,
    ctx.settings.authorizationCodeTtl,
  );
  if ('refused' in issued) return issued;
  const parameters: Record<string, string> = { code: issued.code, iss: ctx.settings.issuer };
  if (state.request.state !== undefined) parameters.state = state.request.state;
  return { redirectUri: state.request.redirectUri, parameters };
}

export function completionView(
  redirectUri: string,
  parameters: Record<string, string>,
): Representation {
  return authorizationResponse(redirectUri, parameters);
}
