// Flow ids carry a MAC: only ids the server minted name a Durable Object, so made-up session ids,
// step URLs and authorization codes are refused before any object is asked (or created).
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { isGenuineFlowId, mintFlowId } from '../../../src/haapi/flow/flow-id';
import {
  FLOW_STATE_VERSION,
  loadFlow,
  serialise,
  upgradeFlowState,
} from '../../../src/haapi/flow/state';
import { redeemAuthorizationCode } from '../../../src/tokens/authorization-code';

const secret = env.SERVER_SECRET;

describe('Flow ids (haapi/flow/flow-id.ts)', () => {
  it('minted ids pass; random, altered, or another secret’s ids do not', async () => {
    const id = await mintFlowId(secret);
    expect(id).toMatch(/^[A-Za-z0-9_-]{35}$/);
    expect(await isGenuineFlowId(secret, id)).toBe(true);
    const altered = `${id.slice(0, 5)}${id[5] === 'A' ? 'B' : 'A'}${id.slice(6)}`;
    expect(await isGenuineFlowId(secret, altered)).toBe(false);
    expect(await isGenuineFlowId(secret, 'A'.repeat(35))).toBe(false);
    expect(await isGenuineFlowId(secret, `${id}x`)).toBe(false);
    const other = 'b3RoZXItc2VydmVyLXNlY3JldC1vZi0zMi1ieXRlcy1hdC1sZWFzdA';
    expect(await isGenuineFlowId(other, id)).toBe(false);
  });

  it('made-up flow ids and codes are refused without a Durable Object', async () => {
    const forged = 'A'.repeat(35);
    expect(await loadFlow(env.HAAPI_FLOW, forged, secret)).toBeNull();
    const issued = { accessJti: 'jti', accessExp: 0 };
    expect(
      await redeemAuthorizationCode(
        env.HAAPI_FLOW,
        `${forged}.secret`,
        secret,
        { clientId: 'c', redirectUri: null, challengeOfVerifier: 'x', dpopJkt: null },
        issued,
      ),
    ).toEqual({ status: 'invalid' });
  });
});

// The flow state is versioned: a flow saved by the previous release is read in the current shape.
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
