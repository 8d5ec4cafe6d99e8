import { env, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { ReplayGuard } from '../../durable-objects/replay-guard';
import { advanceCounter, REPLAY_SHARDS, useOnce } from '../../src/replay/use-once';

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

  it('stores a hash of the value, never the value', async () => {
    const value = `secret-${crypto.randomUUID()}`;
    await useOnce(env.REPLAY_GUARD, 'test', value, 60);
    let found = false;
    for (let shard = 0; shard < REPLAY_SHARDS; shard++) {
      const rows = await runInDurableObject(guard(`shard-${shard}`), (_i, state) =>
        state.storage.sql.exec<{ key: string }>('SELECT key FROM used').toArray(),
      );
      if (rows.some((row) => row.key.includes(value))) found = true;
    }
    expect(found).toBe(false);
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
