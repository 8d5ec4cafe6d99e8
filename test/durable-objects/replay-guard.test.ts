import { env, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import {
  type ReplayGuard,
  SWEEP_DELAY_MS,
  SWEEP_SLACK_MS,
} from '../../durable-objects/replay-guard';
import { advanceCounter, guardOf, keyObject, useOnce } from '../../src/replay/use-once';

function guard(name: string): DurableObjectStub<ReplayGuard> {
  return env.REPLAY_GUARD.get(env.REPLAY_GUARD.idFromName(name));
}

import { waitFor } from '../support/wait-for';

describe('ReplayGuard Durable Object', () => {
  it('accepts a key once and refuses it the second time', async () => {
    const stub = guard('guard-basic');
    expect(await stub.use('key-1', 60)).toBe('first-use');
    expect(await stub.use('key-1', 60)).toBe('replay');
    expect(await stub.use('key-2', 60)).toBe('first-use');
  });

  it('exactly one of 20 racing requests for one value is the first use', async () => {
    const value = crypto.randomUUID();
    const results = await Promise.all(
      Array.from({ length: 20 }, () => useOnce(env.REPLAY_GUARD, 'test', value, 60)),
    );
    expect(results.filter((r) => r === 'first-use')).toHaveLength(1);
    expect(results.filter((r) => r === 'replay')).toHaveLength(19);
  });

  it('namespaces keep equal values apart', async () => {
    const value = crypto.randomUUID();
    expect(await useOnce(env.REPLAY_GUARD, 'dpop-jti', value, 60)).toBe('first-use');
    expect(await useOnce(env.REPLAY_GUARD, 'client-assertion-jti', value, 60)).toBe('first-use');
    expect(await useOnce(env.REPLAY_GUARD, 'dpop-jti', value, 60)).toBe('replay');
  });

  it('stores a hash of the value, never the value, in an object not named by it', async () => {
    const value = `secret-${crypto.randomUUID()}`;
    await useOnce(env.REPLAY_GUARD, 'test', value, 60);
    const { key, stub } = await guardOf(env.REPLAY_GUARD, 'test', value);
    const rows = await runInDurableObject(stub, (_i, state) =>
      state.storage.sql.exec<{ key: string }>('SELECT key FROM used').toArray(),
    );
    expect(rows.map((row) => row.key)).toEqual([key]);
    expect(key).not.toContain(value);
    // A second use meets the same object, wherever it comes from (the name is the value's hash).
    expect(await useOnce(env.REPLAY_GUARD, 'test', value, 60)).toBe('replay');
  });

  it("a key's proofs and CATs share the key's object; values without an owner get their own", async () => {
    const { stub: a } = await guardOf(env.REPLAY_GUARD, 'dpop-jti', 'jkt1:j1', keyObject('jkt1'));
    const { stub: b } = await guardOf(env.REPLAY_GUARD, 'cat', 'cat-jti', keyObject('jkt1'));
    expect(a.id.toString()).toBe(b.id.toString());
    const { stub: c } = await guardOf(env.REPLAY_GUARD, 'attestation-challenge', 'c1');
    const { stub: d } = await guardOf(env.REPLAY_GUARD, 'attestation-challenge', 'c2');
    expect(c.id.toString()).not.toBe(d.id.toString());
  });

  it('forgets expired keys by its alarm, and keeps the others', async () => {
    const stub = guard('guard-expiry');
    await stub.use('short', 0.1);
    await stub.use('long', 600);
    expect(await stub.size()).toBe(2);
    // The alarm fires by itself at the earliest expiry (runDurableObjectAlarm if it is late).
    await waitFor(async () => {
      if ((await stub.size()) === 1) return true;
      await runDurableObjectAlarm(stub);
      return false;
    });
    expect(await stub.size()).toBe(1);
    expect(await stub.use('short', 60)).toBe('first-use');
    expect(await stub.use('long', 60)).toBe('replay');
    const alarm = await runInDurableObject(stub, (_i, state) => state.storage.getAlarm());
    expect(alarm).not.toBeNull();
  });

  it('takes over an expired key before any sweep has deleted it', async () => {
    const stub = guard('guard-expired-reuse');
    // Half a second: the replay right after it is inside it on a loaded machine too.
    expect(await stub.use('k', 0.5)).toBe('first-use');
    expect(await stub.use('k', 60)).toBe('replay');
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(await stub.size()).toBe(1); // still stored: the sweep comes later
    expect(await stub.use('k', 60)).toBe('first-use');
    expect(await stub.use('k', 60)).toBe('replay');
  });

  it('leases blocks of a budget, never more than the limit in a window, then a new window', async () => {
    const stub = guard('guard-lease');
    const first = await stub.lease('ip', 1, 4, 10);
    expect(first.granted).toBe(4);
    expect((await stub.lease('ip', 1, 4, 10)).granted).toBe(4);
    const third = await stub.lease('ip', 1, 4, 10);
    expect(third).toEqual({ granted: 2, windowEnd: first.windowEnd });
    expect((await stub.lease('ip', 1, 4, 10)).granted).toBe(0);
    expect((await stub.lease('other', 60, 4, 10)).granted).toBe(4);
    // A window of a second: its four leases fit in it on a loaded machine too; then it ends.
    await new Promise((resolve) =>
      setTimeout(resolve, Math.max(0, first.windowEnd - Date.now()) + 50),
    );
    const next = await stub.lease('ip', 60, 4, 10);
    expect(next.granted).toBe(4);
    expect(next.windowEnd).toBeGreaterThan(first.windowEnd);
    expect((await stub.lease('bad', 60, 0, 10)).granted).toBe(0);
  });

  it('sweeps in batches: the alarm moves earlier only for a much earlier expiry', async () => {
    const stub = guard('guard-sweep');
    const alarm = () => runInDurableObject(stub, (_i, state) => state.storage.getAlarm());
    const before = Date.now();
    await stub.use('a', 3600);
    const first = (await alarm()) as number;
    expect(first).toBeGreaterThanOrEqual(before + 3600_000 + SWEEP_DELAY_MS);
    await stub.use('b', 7200); // later expiry: the alarm stays
    expect(await alarm()).toBe(first);
    await stub.use('c', 3300); // earlier, but within the slack: the alarm stays
    expect(await alarm()).toBe(first);
    await stub.use('d', 60); // much earlier: the sweep comes a minute after it
    const second = (await alarm()) as number;
    expect(second).toBeLessThanOrEqual(Date.now() + 60_000 + SWEEP_DELAY_MS);
    expect(second).toBeLessThan(first - SWEEP_SLACK_MS);
  });

  it('fails closed on a bad key or ttl, and stores nothing', async () => {
    const stub = guard('guard-bad-input');
    expect(await stub.use('', 60)).toBe('replay');
    expect(await stub.use('k', 0)).toBe('replay');
    expect(await stub.use('k'.repeat(257), 60)).toBe('replay');
    expect(await stub.size()).toBe(0);
    await expect(useOnce(env.REPLAY_GUARD, 'test', 'x', -1)).rejects.toThrow(RangeError);
  });

  it('counters only move forward, also when 20 requests race with the same value', async () => {
    const name = crypto.randomUUID();
    expect(await advanceCounter(env.REPLAY_GUARD, 'app-attest-counter', name, 1, 3600)).toBe(true);
    expect(await advanceCounter(env.REPLAY_GUARD, 'app-attest-counter', name, 1, 3600)).toBe(false);
    expect(await advanceCounter(env.REPLAY_GUARD, 'app-attest-counter', name, 0, 3600)).toBe(false);
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        advanceCounter(env.REPLAY_GUARD, 'app-attest-counter', name, 5, 3600),
      ),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await advanceCounter(env.REPLAY_GUARD, 'app-attest-counter', name, 4, 3600)).toBe(false);
    expect(await advanceCounter(env.REPLAY_GUARD, 'app-attest-counter', name, 6, 3600)).toBe(true);
  });
});
