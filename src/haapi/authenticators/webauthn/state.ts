/**
 * @module haapi/authenticators/webauthn/state
 * The WebAuthn authenticator's part of the flow (`FlowState.data.webauthn`); its transitions are
 * in transitions.ts.
 */
import type { FlowAuth } from '../../flow/auth';

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
