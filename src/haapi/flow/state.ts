/**
 * @module haapi/flow/state
 * The state of one login flow as kept in its HaapiFlow object (JSON), and the store that creates,
 * loads and saves it with optimistic concurrency: two submits of the same step cannot both win.
 */
import type { HaapiFlow } from '../../../durable-objects/haapi-flow';
import type { ClientAssuranceLevel } from '../../tokens/auth-context';
import type { Locale } from '../messages/catalog';
import type { AuthorizeRequest } from './authorize-request';
import { isGenuineFlowId, mintFlowId } from './flow-id';

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

export interface FlowAuth {
  readonly subject: string;
  readonly authTime: number;
  readonly acr: string;
  readonly amr: readonly string[];
}

/** The WebAuthn authenticator's part of the flow (haapi/authenticators/webauthn.ts). */
export interface WebauthnFlowState {
  /** The challenge of the ceremony the current step offers (base64url, single use). */
  readonly challenge: string;
  /** The account being authenticated (after `identify`) or registering (after the prerequisite). */
  readonly subject?: string;
  /**
   * `identify` found no account with devices for this (normalised) username: the authenticate
   * step offers deterministic made-up credential ids instead (WebAuthn L3 §14.6.2), and fails.
   */
  readonly decoy?: string;
  /** The prerequisite login that established `subject` for a registration. */
  readonly prerequisite?: FlowAuth;
  /** Registration limited to built-in devices (the additional-platform-device prompt). */
  readonly platformOnly?: boolean;
  /** A login waiting for the answer to the additional-platform-device prompt. */
  readonly pendingAuth?: FlowAuth;
  /** HAAPI callers that continue in an external browser (spec §5 external-browser-flow). */
  readonly external?: {
    readonly token: string;
    readonly started?: boolean;
    readonly nonceHash?: string;
    readonly auth?: FlowAuth;
  };
}

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
  readonly webauthn?: WebauthnFlowState;
  /** The WebAuthn authenticator waiting for its prerequisite authenticator (a registration). */
  readonly pendingRegistration?: string;
  /** Set when this browser flow runs an external-browser-flow for a HAAPI flow. */
  readonly parent?: ParentFlow;
  /** The HAAPI client asked for the external browser (`_force_external_browser_flow`). */
  readonly forceExternal?: boolean;
}

export interface LoadedFlow {
  readonly id: string;
  readonly state: FlowState;
  readonly version: number;
}

function stub(
  binding: DurableObjectNamespace<HaapiFlow>,
  id: string,
): DurableObjectStub<HaapiFlow> {
  return binding.get(binding.idFromName(id));
}

export async function createFlow(
  binding: DurableObjectNamespace<HaapiFlow>,
  state: FlowState,
  ttl: number,
  serverSecret: string,
): Promise<string> {
  for (;;) {
    const id = await mintFlowId(serverSecret);
    if (await stub(binding, id).create(JSON.stringify(state), ttl)) return id;
  }
}

/** The flow `id`; null for an id we did not mint (no object is asked) or a flow that is gone. */
export async function loadFlow(
  binding: DurableObjectNamespace<HaapiFlow>,
  id: string,
  serverSecret: string,
): Promise<LoadedFlow | null> {
  if (!(await isGenuineFlowId(serverSecret, id))) return null;
  const snapshot = await stub(binding, id).read();
  return snapshot
    ? { id, state: JSON.parse(snapshot.state) as FlowState, version: snapshot.version }
    : null;
}

/** Saves `state` over `flow`; false when another request saved first (or the flow expired). */
export async function saveFlow(
  binding: DurableObjectNamespace<HaapiFlow>,
  flow: LoadedFlow,
  state: FlowState,
): Promise<boolean> {
  const result = await stub(binding, flow.id).update(JSON.stringify(state), flow.version);
  return result.ok;
}

export async function endFlow(
  binding: DurableObjectNamespace<HaapiFlow>,
  id: string,
): Promise<void> {
  await stub(binding, id).destroy();
}
