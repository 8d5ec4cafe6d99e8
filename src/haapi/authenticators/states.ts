/**
 * @module haapi/authenticators/states
 * The flow's authenticator data (`FlowState.data`): one typed member per authenticator type that
 * keeps state of its own between steps (the password authenticator keeps none).
 */
import type { WebauthnFlowState } from './webauthn/state';

export interface AuthenticatorStates {
  readonly webauthn?: WebauthnFlowState;
}
