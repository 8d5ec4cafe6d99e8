// When a browser's single sign-on session may stand in for a login (sessions/sso.ts).
import { describe, expect, it } from 'vitest';
import { type SsoSession, sessionRefusal } from '../../../src/sessions/sso';
import type { Account } from '../../../src/storage/accounts';

const NOW = 1_800_000_000;
const session: SsoSession = {
  subject: 's',
  authTime: NOW - 600,
  acr: 'urn:se:curity:authentication:html-form:htmlform',
  amr: ['pwd'],
  createdAt: NOW - 600,
};
const account: Account = {
  subject: 's',
  username: 'u',
  passwordHash: null,
  attributes: {},
  disabled: false,
  lockedUntil: null,
  failedLogins: 0,
  sessionsValidAfter: null,
};
const ask = { prompt: [] as string[], acrValues: [] as string[] };

describe('sessionRefusal', () => {
  it('lets a session stand in when nothing in the request or the account says otherwise', () => {
    expect(sessionRefusal(session, account, ask, NOW)).toBeNull();
    expect(sessionRefusal(session, account, { ...ask, maxAge: 600 }, NOW)).toBeNull();
    expect(
      sessionRefusal(session, account, { ...ask, acrValues: ['x', session.acr] }, NOW),
    ).toBeNull();
  });

  it('refuses for prompt=login, an exceeded or zero max_age, and acr_values without its acr', () => {
    expect(sessionRefusal(session, account, { ...ask, prompt: ['login'] }, NOW)).toBe(
      'prompt_login',
    );
    expect(sessionRefusal(session, account, { ...ask, maxAge: 599 }, NOW)).toBe('max_age');
    expect(sessionRefusal({ ...session, authTime: NOW }, account, { ...ask, maxAge: 0 }, NOW)).toBe(
      'max_age',
    );
    expect(
      sessionRefusal(
        session,
        account,
        { ...ask, acrValues: ['urn:se:curity:authentication:webauthn:webauthn'] },
        NOW,
      ),
    ).toBe('acr');
  });

  it('refuses for a missing or disabled account, and for sessions ended at or after their start', () => {
    expect(sessionRefusal(session, null, ask, NOW)).toBe('account');
    expect(sessionRefusal(session, { ...account, disabled: true }, ask, NOW)).toBe('account');
    const ended = { ...account, sessionsValidAfter: session.createdAt };
    expect(sessionRefusal(session, ended, ask, NOW)).toBe('account');
    const before = { ...account, sessionsValidAfter: session.createdAt - 1 };
    expect(sessionRefusal(session, before, ask, NOW)).toBeNull();
  });
});
