/**
 * @module haapi/flow/state
 * The state of one login flow as kept in its HaapiFlow object (JSON), and the store that creates,
 * loads and saves it with optimistic concurrency: two submits of the same step cannot both win.
 */
import type { HaapiFlow } from '../../../durable-objects/haapi-flow';
import type { ClientAssuranceLevel } from '../../tokens/auth-context';
import type { AuthenticatorStates } from '../authenticators/states';
import type { WebauthnFlowState } from '../authenticators/webauthn/state';
import type { Locale } from '../messages/catalog';
import type { FlowAuth } from './auth';
import type { AuthorizeRequest } from './authorize-request';
import { createMinted, mintedObject, readMinted } from './flow-id';

/** HAAPI flows are bound to the AAT's DPoP key; browser flows to a cookie and a CSRF token. */
export type FlowBinding =
  | {
      readonly mode: 'haapi';
      readonly jkt: string;
      readonly cal?: ClientAssuranceLevel;
      /** Bind the code to the AAT key (apps); not for web clients, whose page redeems the code itself. */
      readonly bindCode?: boolean;
      /** The attested platform of the app (`att.platform` of the AAT), when it attested. */
      readonly platform?: 'android' | 'ios' | 'web';
    }
  | { readonly mode: 'html'; readonly cookieHash: string; readonly csrf: string };

export type { FlowAuth };

/**
 * The engine's part of an external-browser-flow (external-browser.ts): the current authenticator
 * runs in a browser the app opens, which hands its login back with a `_resume_nonce`.
 */
export interface ExternalBrowserState {
  /** Single use: opens the browser flow (`…/<authenticator>/external?token=…`). */
  readonly token: string;
  readonly started?: boolean;
  /** SHA-256 of the `_resume_nonce` the browser flow handed to the app. */
  readonly nonceHash?: string;
  /** The browser flow's login, waiting for the app's `_resume_nonce`. */
  readonly auth?: FlowAuth;
}

/** The version of the FlowState shape (older flows are upgraded on load, upgradeFlowState). */
export const FLOW_STATE_VERSION = 2;

/** A browser flow opened by an external-browser-flow operation: where its result goes. */
export interface ParentFlow {
  readonly flowId: string;
  readonly authenticator: string;
  /** Native apps: the registered redirect URI that receives `_resume_nonce`. */
  readonly redirectUri?: string;
  /** Browser apps: the opener's origin that is sent the nonce by postMessage. */
  readonly forOrigin?: string;
}

export interface FlowState {
  readonly request: AuthorizeRequest;
  readonly binding: FlowBinding;
  readonly locale: Locale;
  /** The authenticator the user is on (an id from AUTHENTICATORS), or null on the selector. */
  readonly authenticator: string | null;
  /** The authenticator's own step (e.g. `login`, `register`). */
  readonly step: string;
  readonly auth?: FlowAuth;
  readonly completed?: boolean;
  /** The shape's version (FLOW_STATE_VERSION); absent in flows saved before version 2. */
  readonly v?: number;
  /** Each authenticator's own state, one typed member per type (authenticators/states.ts). */
  readonly data?: AuthenticatorStates;
  /** The authenticator waiting for the current one, its prerequisite (e.g. a registration). */
  readonly pending?: string;
  /** The current authenticator runs in an external browser (HAAPI callers). */
  readonly external?: ExternalBrowserState;
  /** Set when this browser flow runs an external-browser-flow for a HAAPI flow. */
  readonly parent?: ParentFlow;
  /** The HAAPI client asked for the external browser (`_force_external_browser_flow`). */
  readonly forceExternalBrowser?: boolean;
  /** The login is the browser's single sign-on session's, not one made in this flow. */
  readonly fromSession?: boolean;
}

/**
 * A saved state in the current shape. Version 1 kept the WebAuthn authenticator's state at the
 * top (`webauthn`, with its external-browser part inside, `pendingRegistration`,
 * `forceExternal`); flows live minutes, but a deployment must not break the ones in progress.
 */
export function upgradeFlowState(saved: Record<string, unknown>): FlowState {
  if (saved.v === FLOW_STATE_VERSION) return saved as unknown as FlowState;
  const { webauthn, pendingRegistration, forceExternal, ...rest } = saved as {
    webauthn?: Record<string, unknown> & { external?: ExternalBrowserState };
    pendingRegistration?: string;
    forceExternal?: boolean;
  } & Record<string, unknown>;
  const { external, ...own } = webauthn ?? {};
  return {
    ...(rest as unknown as FlowState),
    v: FLOW_STATE_VERSION,
    ...(webauthn ? { data: { webauthn: own as unknown as WebauthnFlowState } } : {}),
    ...(pendingRegistration ? { pending: pendingRegistration } : {}),
    ...(external ? { external } : {}),
    ...(forceExternal ? { forceExternalBrowser: true } : {}),
  };
}

export interface LoadedFlow {
  readonly id: string;
  readonly state: FlowState;
  readonly version: number;
}

/** The state as saved: JSON, stamped with the shape's version. */
export function serialise(state: FlowState): string {
  return JSON.stringify({ ...state, v: FLOW_STATE_VERSION });
}

export async function createFlow(
  binding: DurableObjectNamespace<HaapiFlow>,
  state: FlowState,
  ttl: number,
  serverSecret: string,
): Promise<string> {
  return createMinted(binding, serverSecret, serialise(state), ttl);
}

/** The flow `id`; null for an id we did not mint (no object is asked) or a flow that is gone. */
export async function loadFlow(
  binding: DurableObjectNamespace<HaapiFlow>,
  id: string,
  serverSecret: string,
): Promise<LoadedFlow | null> {
  const snapshot = await readMinted(binding, serverSecret, id);
  return snapshot
    ? { id, state: upgradeFlowState(JSON.parse(snapshot.state)), version: snapshot.version }
    : null;
}

/** Saves `state` over `flow`; false when another request saved first (or the flow expired). */
export async function saveFlow(
  binding: DurableObjectNamespace<HaapiFlow>,
  flow: LoadedFlow,
  state: FlowState,
): Promise<boolean> {
  const result = await mintedObject(binding, flow.id).update(serialise(state), flow.version);
  return result.ok;
}

export async function endFlow(
  binding: DurableObjectNamespace<HaapiFlow>,
  id: string,
): Promise<void> {
  await mintedObject(binding, id).destroy();
}
