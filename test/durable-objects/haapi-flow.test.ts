import { env, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { HaapiFlow } from '../../durable-objects/haapi-flow';

function flow(name: string): DurableObjectStub<HaapiFlow> {
  return env.HAAPI_FLOW.get(env.HAAPI_FLOW.idFromName(name));
}

import { waitFor } from '../support/wait-for';

const GRANT = JSON.stringify({
  clientId: 'c1',
  redirectUri: 'https://app.example/cb',
  codeChallenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
});
const CLAIM = {
  clientId: 'c1',
  redirectUri: 'https://app.example/cb' as string | null,
  challengeOfVerifier: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
  dpopJkt: null as string | null,
};

describe('HaapiFlow Durable Object', () => {
  it('creates, reads and versions the flow state', async () => {
    const stub = flow('flow-basic');
    expect(await stub.create('{"step":"start"}', 600)).toBe(true);
    expect(await stub.create('{"step":"other"}', 600)).toBe(false);
    const first = await stub.read();
    expect(first).toMatchObject({ state: '{"step":"start"}', version: 1 });
    expect(await stub.update('{"step":"password"}', 1)).toEqual({ ok: true, version: 2 });
    expect(await stub.update('{"step":"stale"}', 1)).toEqual({ ok: false, reason: 'conflict' });
    expect((await stub.read())?.state).toBe('{"step":"password"}');
  });

  it('an unknown flow reads as absent and cannot be updated', async () => {
    const stub = flow('flow-never-created');
    expect(await stub.read()).toBeNull();
    expect(await stub.update('{}', 1)).toEqual({ ok: false, reason: 'absent' });
  });

  it('sets an alarm at its expiry, and the alarm deletes the flow', async () => {
    const stub = flow('flow-expiring');
    await stub.create('{"step":"start"}', 0.1);
    const alarm = await runInDurableObject(stub, (_instance, state) => state.storage.getAlarm());
    expect(alarm).not.toBeNull();
    const stored = () =>
      runInDurableObject(stub, async (_instance, state) => (await state.storage.list()).size);
    expect(await stored()).toBe(3);
    // The alarm fires by itself at the expiry; its work is to delete every stored key.
    await waitFor(async () => (await stored()) === 0);
    expect(await stub.read()).toBeNull();
    expect(await runInDurableObject(stub, (_i, state) => state.storage.getAlarm())).toBeNull();
    // The object is usable again after its alarm (nothing was left half-deleted).
    expect(await stub.create('{"step":"again"}', 600)).toBe(true);
  });

  it('an alarm that fires before the expiry keeps the flow and re-arms', async () => {
    const stub = flow('flow-early-alarm');
    await stub.create('{"step":"start"}', 600);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect((await stub.read())?.state).toBe('{"step":"start"}');
    const alarm = await runInDurableObject(stub, (_instance, state) => state.storage.getAlarm());
    expect(alarm).toBeGreaterThan(Date.now());
  });

  it('a stored code outlives the flow: the alarm re-arms for how long the code is kept', async () => {
    const stub = flow('flow-code-kept');
    await stub.create('{"step":"done"}', 60);
    const atCreate = await runInDurableObject(stub, (_i, state) => state.storage.getAlarm());
    expect(await stub.completeWithCode('{"completed":true}', 1, 'hash', GRANT, 30)).toBe(
      'completed',
    );
    // Storing the code leaves the alarm where create() put it ...
    expect(await runInDurableObject(stub, (_i, state) => state.storage.getAlarm())).toBe(atCreate);
    // ... and when it fires, it moves to the end of the code's keep time instead of deleting.
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const rearmed = await runInDurableObject(stub, (_i, state) => state.storage.getAlarm());
    expect(rearmed).toBeGreaterThan((atCreate as number) + 5 * 60_000);
    expect((await stub.redeemCode('hash', CLAIM)).status).toBe('ok');
  });

  it('completes with a code in one step: both or neither', async () => {
    const stub = flow('flow-complete');
    expect(await stub.completeWithCode('{}', 1, 'h', '{}', 30)).toBe('absent');
    await stub.create('{"step":"authenticated"}', 600);
    // Another request moved the flow on: nothing is written.
    expect(await stub.completeWithCode('{"completed":true}', 2, 'h', '{}', 30)).toBe('conflict');
    expect(await stub.read()).toMatchObject({ state: '{"step":"authenticated"}', version: 1 });
    expect((await stub.redeemCode('h', CLAIM)).status).toBe('invalid');
    expect(await stub.completeWithCode('{"completed":true}', 1, 'h', GRANT, 30)).toBe('completed');
    expect(await stub.read()).toMatchObject({ state: '{"completed":true}', version: 2 });
    // A second completion (even at the new version) cannot replace the code.
    expect(await stub.completeWithCode('{"completed":true}', 2, 'h2', '{}', 30)).toBe(
      'code-exists',
    );
    expect(await stub.redeemCode('h', CLAIM)).toEqual({ status: 'ok', grant: GRANT });
  });

  it('a redemption by another client, redirect URI, verifier or DPoP key leaves the code unused', async () => {
    const stub = flow('flow-code-claims');
    await stub.create('{}', 600);
    const bound = JSON.stringify({ ...JSON.parse(GRANT), dpopJkt: 'jkt-1' });
    expect(await stub.completeWithCode('{"completed":true}', 1, 'h', bound, 30)).toBe('completed');
    const wrong: [Partial<typeof CLAIM>, string][] = [
      [{ clientId: 'other' }, 'code_client_mismatch'],
      [{ redirectUri: 'https://evil.example/cb' }, 'redirect_uri_mismatch'],
      [{ redirectUri: null }, 'redirect_uri_mismatch'],
      [{ challengeOfVerifier: 'x'.repeat(43) }, 'pkce_mismatch'],
      [{ dpopJkt: null }, 'code_dpop_mismatch'],
      [{ dpopJkt: 'jkt-2' }, 'code_dpop_mismatch'],
    ];
    for (const [change, reason] of wrong) {
      expect(await stub.redeemCode('h', { ...CLAIM, dpopJkt: 'jkt-1', ...change })).toEqual({
        status: 'mismatch',
        reason,
      });
    }
    expect((await stub.redeemCode('h', { ...CLAIM, dpopJkt: 'jkt-1' })).status).toBe('ok');
    // A replay is checked the same way: only the code's client can have it revoke anything.
    expect((await stub.redeemCode('h', { ...CLAIM, clientId: 'other' })).status).toBe('mismatch');
    expect((await stub.redeemCode('h', { ...CLAIM, dpopJkt: 'jkt-1' })).status).toBe('replayed');
  });

  it('destroy ends the flow at once', async () => {
    const stub = flow('flow-destroyed');
    await stub.create('{}', 600);
    await stub.destroy();
    expect(await stub.read()).toBeNull();
  });
});
