/**
 * @module haapi/authenticators/webauthn/transitions
 * The WebAuthn authenticator's moves between its steps. Every step it enters gets a fresh
 * single-use challenge, so a ceremony answered for one step can never be replayed at another.
 */
import { randomToken } from '../../../crypto/random';
import type { FlowState } from '../../flow/state';
import type { WebauthnAuthenticatorConfig } from './config';
import type { WebauthnFlowState } from './state';

/** Steps: `login`, `authenticate`, `register`, `ask` (index.ts). */
export type WebauthnStep = 'login' | 'authenticate' | 'register' | 'ask';

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
