/**
 * @module haapi/flow/engine
 * The login flow: which authenticator a flow is on (a selector when several are configured), its
 * current representation, submissions, and the end of the flow, where the authorization code is
 * issued into the same HaapiFlow object (RFC 6749 §4.1.2) with the authentication attributes.
 */
import { HaapiProblem } from '../../errors/problem';
import { type AuthorizationGrant, completeWithCode } from '../../tokens/authorization-code';
import { type AuthenticatorConfig, authenticatorTitle } from '../authenticators/config';
import {
  PASSWORD_ACR,
  passwordNavigate,
  passwordSubmit,
  passwordView,
} from '../authenticators/password';
import {
  afterPrerequisite,
  enterWebauthn,
  webauthnAcr,
  webauthnNavigate,
  webauthnSubmit,
  webauthnView,
} from '../authenticators/webauthn';
import { authorizationResponse, formAction, step } from '../representations/builders';
import type { Representation } from '../representations/types';
import { type FlowContext, flowPaths, type SubmitOutcome } from './context';
import type { FlowState } from './state';

/** The ACR an authenticator's logins carry. */
export function acrOf(config: AuthenticatorConfig): string {
  return config.type === 'webauthn' ? webauthnAcr(config) : PASSWORD_ACR;
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
  return only
    ? enter({ ...base, authenticator: null, step: 'select' }, only)
    : { ...base, authenticator: null, step: 'select' };
}

/** The state on the first step of `config`. */
function enter(state: FlowState, config: AuthenticatorConfig): FlowState {
  if (config.type === 'webauthn') return enterWebauthn(state, config, 'login');
  const { pendingRegistration: _, webauthn: __, ...rest } = state;
  return { ...rest, authenticator: config.id, step: 'login' };
}

/**
 * The authenticator `id`, if this flow may run it: one its request's `acr_values` allow and, in
 * a browser flow opened for a HAAPI flow's external-browser operation, only the authenticator the
 * operation named (and the password prerequisite of its pending registration).
 */
export function authenticatorOf(ctx: FlowContext, id: string): AuthenticatorConfig | undefined {
  const { state } = ctx.flow;
  const config = offeredAuthenticators(ctx.settings.authenticators, state.request).find(
    (a) => a.id === id,
  );
  if (!config || !state.parent || config.id === state.parent.authenticator) return config;
  const prerequisite =
    state.pendingRegistration === state.parent.authenticator && config.type === 'password';
  return prerequisite ? config : undefined;
}

export function unknownFlow(): HaapiProblem {
  return new HaapiProblem(
    'generic-user-error',
    'The login has expired or does not exist. Start again.',
    400,
    {},
    'unknown_flow',
  );
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
              properties: { authenticatorType: a.type === 'password' ? 'html-form' : a.type },
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
  if (config.type === 'webauthn') return webauthnView(ctx, config);
  const view = passwordView(ctx, config);
  if (state.pendingRegistration) {
    view.messages = [
      ...(view.messages ?? []),
      { text: ctx.t('webauthn.prerequisite'), classList: ['info'] },
    ];
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

/** A GET on an authenticator (or one of its action links): the state it moves the flow to. */
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
  if (state.authenticator !== config.id) {
    // The prerequisite of a pending WebAuthn registration keeps the registration pending.
    if (state.pendingRegistration && config.type === 'password')
      return { ...state, authenticator: config.id, step: 'login' };
    return enter(state, config);
  }
  if (config.type === 'webauthn') return webauthnNavigate(ctx, config, action, forceExternal);
  return { ...state, step: passwordNavigate(ctx, config, action) };
}

export async function submit(
  ctx: FlowContext,
  authenticatorId: string,
  action: string | undefined,
  form: ReadonlyMap<string, string>,
): Promise<SubmitOutcome> {
  const config = authenticatorOf(ctx, authenticatorId);
  if (!config || ctx.flow.state.authenticator !== config.id || ctx.flow.state.auth) {
    throw new HaapiProblem(
      'generic-user-error',
      'This step is not the current step of the login',
      400,
      {},
      'wrong_step',
    );
  }
  if (config.type === 'webauthn') return webauthnSubmit(ctx, config, action, form);
  return prerequisiteDone(ctx, await passwordSubmit(ctx, config, action, form));
}

/** A password login that was the prerequisite of a WebAuthn registration continues there. */
function prerequisiteDone(ctx: FlowContext, outcome: SubmitOutcome): SubmitOutcome {
  const { state } = ctx.flow;
  const pending = state.pendingRegistration
    ? authenticatorOf(ctx, state.pendingRegistration)
    : undefined;
  if (outcome.kind !== 'authenticated' || pending?.type !== 'webauthn') return outcome;
  return { kind: 'state', state: afterPrerequisite(state, pending, outcome.auth) };
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
      completedState: JSON.stringify({ ...state, completed: true } satisfies FlowState),
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
