/**
 * @module haapi/authenticators/webauthn/state
 * The WebAuthn authenticator's part of the flow (`FlowState.data.webauthn`) and its transitions.
 * Every step it enters gets a fresh single-use challenge, so a ceremony answered for one step can
 * never be replayed at another.
 */
import { randomToken } from '../../../crypto/random';
import type { FlowAuth } from '../../flow/auth';
import type { FlowState } from '../../flow/state';
import type { WebauthnAuthenticatorConfig } from './config';

/** Steps: `login`, `authenticate`, `register`, `ask` (index.ts). */
export type WebauthnStep = 'login' | 'authenticate' | 'register' | 'ask';

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
}

/** The authenticator's state in `state` (an empty one before its first step). */
export function webauthnState(state: FlowState): WebauthnFlowState {
  return state.data?.webauthn ?? { challenge: '' };
}

/** The flow on `step` of the authenticator with a fresh challenge and `extra`. */
export function onStep(
  state: FlowState,
  config: WebauthnAuthenticatorConfig,
  step: WebauthnStep,
  extra: Omit<WebauthnFlowState, 'challenge'> = {},
): FlowState {
  return {
    ...state,
    authenticator: config.id,
    step,
    data: { webauthn: { challenge: randomToken(32), ...extra } },
  };
}
