import { env, runInDurableObject } from 'cloudflare:test';
import { beforeEach, describe, expect, it } from 'vitest';
import { forgetLeases, leaseSize, takeFromBudget } from '../../../src/replay/budget';
import { shardOf } from '../../../src/replay/use-once';

/** The count the shard holds for a name: requests granted to isolates in this window. */
async function granted(name: string): Promise<number> {
  const { key, stub } = await shardOf(env.REPLAY_GUARD, 'test', name);
  return runInDurableObject(stub, (_instance, state) => {
    const row = state.storage.sql
      .exec<{ value: number }>('SELECT value FROM counters WHERE key = ?', key)
      .toArray()[0];
    return row?.value ?? 0;
  });
}

async function takeUntilRefused(name: string, limit: number, max: number): Promise<number> {
  let allowed = 0;
  for (let i = 0; i < max; i++) {
    const answer = await takeFromBudget(env.REPLAY_GUARD, 'test', name, limit, 60);
    if (!answer.allowed) {
      expect(answer.retryAfterSeconds).toBeGreaterThan(0);
      expect(answer.retryAfterSeconds).toBeLessThanOrEqual(60);
      break;
    }
    allowed++;
  }
  return allowed;
}

describe('rate-limit budgets', () => {
  beforeEach(() => forgetLeases());

  it('leases 1 % of the limit, at most 10 and at least 1', () => {
    expect(leaseSize(1)).toBe(1);
    expect(leaseSize(100)).toBe(1);
    expect(leaseSize(199)).toBe(1);
    expect(leaseSize(600)).toBe(6);
    expect(leaseSize(3000)).toBe(10);
    expect(leaseSize(10_000_000)).toBe(10);
  });

  it('small limits are exact: the shard is asked on every request', async () => {
    const name = crypto.randomUUID();
    expect(await takeUntilRefused(name, 5, 20)).toBe(5);
    expect(await granted(name)).toBe(5);
  });

  it('a large limit is spent in blocks: one shard call per block, exactly the limit in all', async () => {
    const name = crypto.randomUUID();
    expect((await takeFromBudget(env.REPLAY_GUARD, 'test', name, 1000, 60)).allowed).toBe(true);
    expect(await granted(name)).toBe(10); // one block leased, nine left in this isolate
    for (let i = 0; i < 9; i++) await takeFromBudget(env.REPLAY_GUARD, 'test', name, 1000, 60);
    expect(await granted(name)).toBe(10);
    expect(await takeUntilRefused(name, 1000, 2000)).toBe(990);
    expect(await granted(name)).toBe(1000);
  });

  it('a block lost with its isolate only makes the limit stricter', async () => {
    const name = crypto.randomUUID();
    await takeFromBudget(env.REPLAY_GUARD, 'test', name, 300, 60); // block of 3, 2 left
    forgetLeases(); // the isolate is gone
    expect(await takeUntilRefused(name, 300, 1000)).toBe(297);
  });

  it('concurrent requests of one isolate share the budget without exceeding it', async () => {
    const name = crypto.randomUUID();
    const answers = await Promise.all(
      Array.from({ length: 60 }, () => takeFromBudget(env.REPLAY_GUARD, 'test', name, 40, 60)),
    );
    expect(answers.filter((a) => a.allowed)).toHaveLength(40);
    expect(await granted(name)).toBe(40);
  });
});
