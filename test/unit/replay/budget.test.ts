import { env, runInDurableObject } from 'cloudflare:test';
import { beforeEach, describe, expect, it } from 'vitest';
import { forgetLeases, maxBlock, takeFromBudget } from '../../../src/replay/budget';
import { budgetOwner, guardOf } from '../../../src/replay/use-once';

/** The count the shard holds for a name: requests granted to isolates in this window. */
async function granted(name: string): Promise<number> {
  const { key, stub } = await guardOf(env.REPLAY_GUARD, 'test', name, budgetOwner(undefined));
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

  it('blocks grow to 1 % of the limit at most, and never below 1', () => {
    expect(maxBlock(1)).toBe(1);
    expect(maxBlock(100)).toBe(1);
    expect(maxBlock(199)).toBe(1);
    expect(maxBlock(600)).toBe(6);
    expect(maxBlock(3000)).toBe(30);
  });

  it('small limits are exact: the shard is asked on every request', async () => {
    const name = crypto.randomUUID();
    expect(await takeUntilRefused(name, 5, 20)).toBe(5);
    expect(await granted(name)).toBe(5);
  });

  it('a busy isolate leases doubling blocks, one shard call per block, exactly the limit in all', async () => {
    const name = crypto.randomUUID();
    const take = () => takeFromBudget(env.REPLAY_GUARD, 'test', name, 1000, 60);
    // Blocks of 1, 2, 4, 8, then 10 (1 % of 1000): the shard has granted what was taken so far,
    // rounded up to the end of the current block.
    const grantedAfter: number[] = [];
    for (let i = 1; i <= 26; i++) {
      expect((await take()).allowed).toBe(true);
      if ([1, 2, 3, 4, 7, 8, 15, 16, 25, 26].includes(i)) grantedAfter.push(await granted(name));
    }
    expect(grantedAfter).toEqual([1, 3, 3, 7, 7, 15, 15, 25, 25, 35]);
    expect(await takeUntilRefused(name, 1000, 2000)).toBe(1000 - 26);
    expect(await granted(name)).toBe(1000);
  });

  it('an isolate that sees one request at a time leases one at a time', async () => {
    const name = crypto.randomUUID();
    await takeFromBudget(env.REPLAY_GUARD, 'test', name, 1000, 60);
    forgetLeases(); // the next request lands in another isolate
    await takeFromBudget(env.REPLAY_GUARD, 'test', name, 1000, 60);
    expect(await granted(name)).toBe(2);
  });

  it('a block lost with its isolate only makes the limit stricter', async () => {
    const name = crypto.randomUUID();
    await takeFromBudget(env.REPLAY_GUARD, 'test', name, 300, 60); // a block of 1, spent
    await takeFromBudget(env.REPLAY_GUARD, 'test', name, 300, 60); // a block of 2, 1 left
    forgetLeases(); // the isolate is gone, with the one it did not spend
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
