/**
 * @module haapi/authenticators/types
 * What an authenticator is to the flow engine (docs/authenticators.md). The engine keeps the flow
 * (which authenticator it is on, its step, the prerequisite and external-browser mechanics, the
 * end of the flow); an authenticator keeps its own steps, views and state (`FlowState.data[type]`)
 * and answers the four calls below. The registry (registry.ts) has one per configured type.
 */

import type { FlowAuth } from '../flow/auth';
import type { FlowContext, SubmitOutcome } from '../flow/context';
import type { FlowBinding, FlowState } from '../flow/state';
import type { MessageKey } from '../messages/catalog';
import type { Representation } from '../representations/types';
import type { AuthenticatorConfig } from './config';

/** What a GET on the authenticator (or one of its links) leads to. */
export type Navigation =
  | { readonly kind: 'state'; readonly state: FlowState }
  /** Run the authenticator's prerequisite first (e.g. establish who registers a device). */
  | { readonly kind: 'prerequisite' };

export interface Authenticator<C extends AuthenticatorConfig = AuthenticatorConfig> {
  /** The HAAPI selector's `authenticatorType` property (Curity's type names). */
  readonly selectorType: string;
  /** The `acr` of its logins. */
  acr(config: C): string;
  /**
   * The state on the authenticator's first step. `state` is on it already (authenticator,
   * `step: 'login'`, no authenticator data); this sets the step and the authenticator's data.
   */
  enter(state: FlowState, config: C): FlowState;
  /** The representation of the current step. */
  view(ctx: FlowContext, config: C): Representation | Promise<Representation>;
  /** A GET on the authenticator, or on one of its action links (`action`). */
  navigate(ctx: FlowContext, config: C, action: string | undefined): Navigation;
  /** A POST of the current step's form. */
  submit(
    ctx: FlowContext,
    config: C,
    action: string | undefined,
    form: ReadonlyMap<string, string>,
  ): Promise<SubmitOutcome>;
  /**
   * The prerequisite (its config's `prerequisiteAuthenticator`, config.ts) authenticated: the
   * state this authenticator continues in.
   */
  afterPrerequisite?(state: FlowState, config: C, auth: FlowAuth): FlowState;
  /** Shown on the prerequisite's step while this authenticator waits for it. */
  readonly waitingMessage?: MessageKey;
  /**
   * HAAPI callers that cannot run the authenticator's client operations get an
   * `external-browser-flow` operation instead (docs/haapi-protocol.md §5): when, and its texts.
   */
  readonly externalBrowser?: {
    runsExternally(binding: Extract<FlowBinding, { mode: 'haapi' }>, forced: boolean): boolean;
    readonly viewName: string;
    readonly heading: MessageKey;
    readonly action: MessageKey;
  };
}
