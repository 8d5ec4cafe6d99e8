// The flow state's shape is versioned: a flow saved by the previous release (WebAuthn's state at
// the top level) is read in the current shape, so a deployment does not break logins in progress.
import { describe, expect, it } from 'vitest';
import { FLOW_STATE_VERSION, serialise, upgradeFlowState } from '../../../src/haapi/flow/state';

const base = {
  request: { clientId: 'c' },
  binding: { mode: 'haapi', jkt: 'j' },
  locale: 'en',
  authenticator: 'webauthn',
  step: 'register',
};

describe('Flow state versions (haapi/flow/state.ts)', () => {
  it('moves version 1 WebAuthn fields into the authenticator data and the engine fields', () => {
    const prerequisite = { subject: 's', authTime: 1, acr: 'a', amr: ['pwd'] };
    const upgraded = upgradeFlowState({
      ...base,
      webauthn: {
        challenge: 'ch',
        subject: 's',
        prerequisite,
        external: { token: 't', started: true },
      },
      pendingRegistration: 'webauthn',
      forceExternal: true,
    });
    expect(upgraded).toEqual({
      ...base,
      v: FLOW_STATE_VERSION,
      data: { webauthn: { challenge: 'ch', subject: 's', prerequisite } },
      pending: 'webauthn',
      external: { token: 't', started: true },
      forceExternalBrowser: true,
    });
  });

  it('keeps a version 1 password flow as it was, and a current state untouched', () => {
    const password = { ...base, authenticator: 'pw', step: 'login' };
    expect(upgradeFlowState(password)).toEqual({ ...password, v: FLOW_STATE_VERSION });
    const current = JSON.parse(
      serialise({ ...(password as object), data: { webauthn: { challenge: 'x' } } } as never),
    );
    expect(current.v).toBe(FLOW_STATE_VERSION);
    expect(upgradeFlowState(current)).toBe(current);
  });
});
