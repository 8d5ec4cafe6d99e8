/**
 * @module haapi/flow/external-browser
 * The external-browser-flow operation (docs/haapi-protocol.md §5): a HAAPI flow whose app cannot
 * run WebAuthn itself hands the authenticator to a browser.
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
import type { WebauthnAuthenticatorConfig } from '../authenticators/config';
import { enterWebauthn } from '../authenticators/webauthn';
import type { Locale } from '../messages/catalog';
import { unknownFlow } from './engine';
import {
  endFlow,
  type FlowAuth,
  type FlowState,
  type LoadedFlow,
  loadFlow,
  type ParentFlow,
  saveFlow,
} from './state';

function refused(reason: string, text: string): HaapiProblem {
  return new HaapiProblem('generic-user-error', text, 400, {}, reason);
}

/** Checks the app's request and marks the token used; returns the child flow's first state. */
export async function startExternal(
  flows: DurableObjectNamespace<HaapiFlow>,
  parent: LoadedFlow,
  config: WebauthnAuthenticatorConfig,
  client: Client | null,
  query: { token: string; redirectUri: string | null; forOrigin: string | null },
  browser: { cookieHash: string; csrf: string; locale: Locale },
): Promise<FlowState> {
  const { state } = parent;
  const external = state.webauthn?.external;
  if (
    state.binding.mode !== 'haapi' ||
    state.authenticator !== config.id ||
    state.auth ||
    !external ||
    external.started ||
    !(await timingSafeEqualStrings(query.token, external.token))
  )
    throw unknownFlow();
  let target: Pick<ParentFlow, 'redirectUri' | 'forOrigin'>;
  if (query.redirectUri !== null) {
    if (!client?.redirectUris.includes(query.redirectUri))
      throw refused('external_redirect_uri', 'redirect_uri is not a redirect URI of the client');
    target = { redirectUri: query.redirectUri };
  } else if (query.forOrigin !== null) {
    if (!client?.allowedOrigins.includes(query.forOrigin))
      throw refused('external_origin', 'for_origin is not an allowed origin of the client');
    target = { forOrigin: query.forOrigin };
  } else {
    throw refused('external_target', 'redirect_uri or for_origin is required');
  }
  const webauthn = state.webauthn as NonNullable<FlowState['webauthn']>;
  const marked: FlowState = {
    ...state,
    webauthn: { ...webauthn, external: { ...external, started: true } },
  };
  if (!(await saveFlow(flows, parent, marked)))
    throw refused('external_conflict', 'This login was continued elsewhere');
  return enterWebauthn(
    {
      request: state.request,
      binding: { mode: 'html', cookieHash: browser.cookieHash, csrf: browser.csrf },
      locale: browser.locale,
      authenticator: null,
      step: 'select',
      parent: { flowId: parent.id, authenticator: config.id, ...target },
    },
    config,
    'login',
  );
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
    const webauthn = parent?.state.webauthn;
    if (!parent || !webauthn?.external || parent.state.auth) throw unknownFlow();
    const state: FlowState = {
      ...parent.state,
      webauthn: { ...webauthn, external: { ...webauthn.external, nonceHash, auth } },
    };
    if (await saveFlow(flows, parent, state)) {
      await endFlow(flows, childId);
      return nonce;
    }
  }
  throw refused('external_conflict', 'This login was continued elsewhere');
}
