/**
 * @module haapi/flow/external-browser
 * The external-browser-flow operation (docs/haapi-protocol.md §5): a HAAPI flow whose app cannot
 * run an authenticator's client operations itself (the authenticator's `externalBrowser.
 * runsExternally`: WebAuthn when the app asked for it with `_force_external_browser_flow`) hands
 * the authenticator to a browser.
 *  1. The app opens `…/<authenticator>/external?token=…` with `redirect_uri` (native: a registered
 *     redirect URI of the client) or `for_origin` (browser apps: an allowed origin of the client).
 *     The token is single-use and only good for this flow.
 *  2. That starts a browser flow (cookie + CSRF like any HTML login) on the same authenticator,
 *     linked to the HAAPI flow as its `parent`.
 *  3. When the browser flow authenticates, its result is stored on the parent with the hash of a
 *     fresh `_resume_nonce`, the browser flow ends, and the nonce goes back to the app (redirect
 *     or `postMessage` to the opener).
 *  4. The app posts the nonce in the continue form; the parent flow is then authenticated.
 */
import type { HaapiFlow } from '../../../durable-objects/haapi-flow';
import type { Client } from '../../clients/client';
import { timingSafeEqualStrings } from '../../crypto/constant-time';
import { sha256Base64Url } from '../../crypto/digest';
import { randomToken } from '../../crypto/random';
import { HaapiProblem } from '../../errors/problem';
import { invalidInput, refused } from '../authenticators/problems';
import type { Authenticator } from '../authenticators/types';
import type { Locale } from '../messages/catalog';
import { clientOperation, field, formAction, step } from '../representations/builders';
import type { Representation } from '../representations/types';
import type { FlowAuth } from './auth';
import { cancelAction, type FlowContext, flowPaths, type SubmitOutcome } from './context';
import { unknownFlow } from './problems';
import {
  endFlow,
  type FlowState,
  type LoadedFlow,
  loadFlow,
  type ParentFlow,
  saveFlow,
} from './state';

function refusedStart(reason: string, text: string): HaapiProblem {
  return new HaapiProblem('generic-user-error', text, 400, {}, reason);
}

type ExternalTexts = NonNullable<Authenticator['externalBrowser']>;

/** The step of a flow whose authenticator runs in the external browser. */
export function externalView(
  ctx: FlowContext,
  authenticatorId: string,
  texts: ExternalTexts,
  token: string,
): Representation {
  const paths = flowPaths(ctx.settings, ctx.flow.id);
  return step('authentication-step', {
    viewName: texts.viewName,
    messages: [{ text: ctx.t(texts.heading), classList: ['heading'] }],
    actions: [
      clientOperation(
        'external-browser-flow',
        'external-browser-flow',
        { href: paths.external(authenticatorId, token) },
        [
          formAction('continue', {
            href: paths.step(authenticatorId, 'resume'),
            method: 'POST',
            type: 'application/x-www-form-urlencoded',
            fields: [field('_resume_nonce', 'context')],
          }),
        ],
        [],
        ctx.t(texts.action),
      ),
      cancelAction(ctx),
    ],
  });
}

/** The app's continue post after the external browser finished (`_resume_nonce`). */
export async function resumeExternal(
  ctx: FlowContext,
  form: ReadonlyMap<string, string>,
): Promise<SubmitOutcome> {
  const { external } = ctx.flow.state;
  const nonce = form.get('_resume_nonce');
  if (!nonce)
    return refused(invalidInput(ctx, [{ name: '_resume_nonce', reason: 'missing' }], 'missing'));
  if (
    !external?.nonceHash ||
    !external.auth ||
    !(await timingSafeEqualStrings(await sha256Base64Url(nonce), external.nonceHash))
  )
    return refused(
      invalidInput(ctx, [{ name: '_resume_nonce', reason: 'invalidValue' }], 'resume_nonce'),
    );
  return { kind: 'authenticated', auth: external.auth };
}

/**
 * Checks the app's request and marks the token used; returns the child flow's state before its
 * authenticator is entered (engine.enterAuthenticator).
 */
export async function startExternal(
  flows: DurableObjectNamespace<HaapiFlow>,
  parent: LoadedFlow,
  authenticatorId: string,
  client: Client | null,
  query: { token: string; redirectUri: string | null; forOrigin: string | null },
  browser: { cookieHash: string; csrf: string; locale: Locale },
): Promise<FlowState> {
  const { state } = parent;
  const { external } = state;
  if (
    state.binding.mode !== 'haapi' ||
    state.authenticator !== authenticatorId ||
    state.auth ||
    !external ||
    external.started ||
    !(await timingSafeEqualStrings(query.token, external.token))
  )
    throw unknownFlow();
  let target: Pick<ParentFlow, 'redirectUri' | 'forOrigin'>;
  if (query.redirectUri !== null) {
    if (!client?.redirectUris.includes(query.redirectUri))
      throw refusedStart(
        'external_redirect_uri',
        'redirect_uri is not a redirect URI of the client',
      );
    target = { redirectUri: query.redirectUri };
  } else if (query.forOrigin !== null) {
    if (!client?.allowedOrigins.includes(query.forOrigin))
      throw refusedStart('external_origin', 'for_origin is not an allowed origin of the client');
    target = { forOrigin: query.forOrigin };
  } else {
    throw refusedStart('external_target', 'redirect_uri or for_origin is required');
  }
  const marked: FlowState = { ...state, external: { ...external, started: true } };
  if (!(await saveFlow(flows, parent, marked)))
    throw refusedStart('external_conflict', 'This login was continued elsewhere');
  return {
    request: state.request,
    binding: { mode: 'html', cookieHash: browser.cookieHash, csrf: browser.csrf },
    locale: browser.locale,
    authenticator: null,
    step: 'select',
    parent: { flowId: parent.id, authenticator: authenticatorId, ...target },
  };
}

/** Hands the browser flow's login to its parent; returns the `_resume_nonce` for the app. */
export async function handOff(
  flows: DurableObjectNamespace<HaapiFlow>,
  childId: string,
  parentRef: ParentFlow,
  auth: FlowAuth,
  serverSecret: string,
): Promise<string> {
  const nonce = randomToken(24);
  const nonceHash = await sha256Base64Url(nonce);
  for (let attempt = 0; attempt < 3; attempt++) {
    const parent = await loadFlow(flows, parentRef.flowId, serverSecret);
    const external = parent?.state.external;
    if (!parent || !external || parent.state.auth) throw unknownFlow();
    const state: FlowState = { ...parent.state, external: { ...external, nonceHash, auth } };
    if (await saveFlow(flows, parent, state)) {
      await endFlow(flows, childId);
      return nonce;
    }
  }
  throw refusedStart('external_conflict', 'This login was continued elsewhere');
}
