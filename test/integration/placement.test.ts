// Where state lives (docs/state.md), through the Worker: a refresh-token family is kept by its own
// object (D1 only indexes it, after the response), and attestation challenges name the object
// that guards them under their MAC.
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { consumeChallenge, issueChallenge } from '../../src/attestation/challenge';
import { basic, createTestClient } from '../support/clients';
import { issueTestCode, redeemCode } from '../support/codes';
import { waitFor } from '../support/wait-for';
import { post, type TokenBody } from '../support/worker';

const TOKEN = '/oauth/v2/oauth-token';

describe('Placement of state (docs/state.md)', () => {
  it("a refresh family lives in its object: D1's row is an index written after the response", async () => {
    const client = await createTestClient({
      grantTypes: ['authorization_code', 'refresh_token'],
    });
    const auth = { Authorization: basic(client.clientId, client.secret) };
    const { code, verifier } = await issueTestCode({ clientId: client.clientId });
    const first = (await (await redeemCode(code, verifier, auth)).json()) as TokenBody;
    const familyId = (first.refresh_token as string).split('.')[0] as string;
    const row = () =>
      env.DB.prepare(
        'SELECT generation, revoked_at FROM refresh_token_families WHERE family_id = ?',
      )
        .bind(familyId)
        .first<{ generation: number; revoked_at: number | null }>();
    // The operator's index row arrives.
    await waitFor(async () => (await row()) !== null);
    // Without it, the family still refreshes: the object is the truth.
    await env.DB.prepare('DELETE FROM refresh_token_families WHERE family_id = ?')
      .bind(familyId)
      .run();
    const refresh = (token: string) =>
      post(TOKEN, { grant_type: 'refresh_token', refresh_token: token }, auth);
    const second = await refresh(first.refresh_token as string);
    expect(second.status).toBe(200);
    // And the rotation writes the index again, never backwards.
    await waitFor(async () => (await row())?.generation === 2);
    // A revocation is held by the object too (RFC 7009), and indexed.
    const revoked = await post(
      '/oauth/v2/oauth-revoke',
      { token: ((await second.json()) as TokenBody).refresh_token as string },
      auth,
    );
    expect(revoked.status).toBe(200);
    expect((await refresh(first.refresh_token as string)).status).toBe(400);
    await waitFor(async () => (await row())?.revoked_at !== null);
  });

  it('a challenge names its guard object under its MAC: a changed name is refused', async () => {
    const now = Math.floor(Date.now() / 1000);
    const challenge = await issueChallenge(env.SERVER_SECRET, 'c1', now, 60, 'SYD');
    const [expiry, random, guard, mac] = challenge.split('.');
    expect(guard).toMatch(/^SYD~\d{1,2}$/);
    const moved = [expiry, random, 'LHR~0', mac].join('.');
    expect(await consumeChallenge(env.SERVER_SECRET, env.REPLAY_GUARD, 'c1', moved, now)).toBe(
      'challenge_invalid',
    );
    expect(
      await consumeChallenge(env.SERVER_SECRET, env.REPLAY_GUARD, 'c1', challenge, now),
    ).toBeNull();
    expect(await consumeChallenge(env.SERVER_SECRET, env.REPLAY_GUARD, 'c1', challenge, now)).toBe(
      'challenge_replayed',
    );
  });
});
