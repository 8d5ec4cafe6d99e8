/**
 * @module haapi/authenticators/password/steps
 * The password authenticator's submissions. Rules:
 *  - missing fields → `invalid-input` with `invalidFields` (reason `missing`);
 *  - more than LOGIN_ATTEMPTS_PER_IP attempts from one IP in 5 minutes, or a locked account →
 *    `too-many-attempts` (429);
 *  - a wrong password or unknown user → `incorrect-credentials` (the same answer and cost for
 *    both); MAX_FAILED_LOGINS in a row lock the username for LOCKOUT_SECONDS, whether or not an
 *    account has it (each attempt is reserved in ReplayGuard before the hash is checked, so a
 *    burst of parallel guesses verifies at most MAX_FAILED_LOGINS of them);
 *  - registrations: ACCOUNT_CREATIONS_PER_IP attempts an hour per IP;
 *  - passwords are PBKDF2-SHA256 with 100,000 iterations (workerd's maximum) and a per-account
 *    salt (crypto/secret-hash.ts).
 */
import { hashPassword, needsRehash, verifySecret } from '../../../crypto/secret-hash';
import type { InvalidField } from '../../../errors/problem';
import { securityEvent } from '../../../observability/events';
import { clearLoginAttempts, reserveLoginAttempt } from '../../../replay/attempts';
import { takeFromBudget } from '../../../replay/budget';
import {
  createAccount,
  findAccountByUsername,
  recordLockout,
  recordSuccessfulLogin,
  setPasswordHash,
} from '../../../storage/accounts';
import type { FlowContext, SubmitOutcome } from '../../flow/context';
import { invalidInput, missingFields, refused, stepProblem, tooManyAttempts } from '../problems';
import { MIN_PASSWORD } from './views';

export const PASSWORD_ACR = 'urn:se:curity:authentication:html-form:htmlform';
const DUMMY_HASH =
  'pbkdf2-sha256$100000$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

export async function login(
  ctx: FlowContext,
  form: ReadonlyMap<string, string>,
): Promise<SubmitOutcome> {
  const absent = missingFields(form, ['userName', 'password']);
  if (absent.length) return refused(invalidInput(ctx, absent));
  const attempt = await takeFromBudget(
    ctx.replayGuard,
    'login-ip',
    ctx.ip,
    ctx.settings.loginAttemptsPerIp,
    300,
    ctx.location,
  );
  const event = { flow: ctx.flow.id, clientId: ctx.flow.state.request.clientId };
  if (!attempt.allowed) {
    securityEvent(ctx.events, 'login.lockout', { ...event, ip: ctx.ip, reason: 'ip_rate_limit' });
    return refused(tooManyAttempts(ctx, 'ip_rate_limit'));
  }
  const username = (form.get('userName') as string).trim();
  const { maxFailedLogins, lockoutSeconds } = ctx.settings;
  // The attempt is counted before anything is verified (atomically, in ReplayGuard), for known
  // and unknown usernames alike: parallel guesses cannot outrun the lockout, and an unknown name
  // gets the same answers as an existing one.
  const reserved = await reserveLoginAttempt(
    ctx.replayGuard,
    username,
    maxFailedLogins,
    lockoutSeconds,
  );
  if (!reserved.allowed) {
    securityEvent(ctx.events, 'login.lockout', { ...event, reason: 'account_locked' });
    return refused(tooManyAttempts(ctx, 'account_locked'));
  }
  const account = await findAccountByUsername(ctx.db, username);
  const pepper = ctx.settings.passwordPepper;
  const password = form.get('password') as string;
  const matches = await verifySecret(password, account?.passwordHash ?? DUMMY_HASH, pepper);
  if (!account || account.disabled || !account.passwordHash) {
    securityEvent(ctx.events, 'login.failure', { ...event, reason: 'unknown_user' });
    return refused(incorrect(ctx, 'unknown_user'));
  }
  const subject = account.subject;
  if (account.lockedUntil !== null && account.lockedUntil > ctx.now) {
    // Locked by an operator (or the mirror of a lockout below).
    securityEvent(ctx.events, 'login.lockout', { ...event, subject, reason: 'account_locked' });
    return refused(tooManyAttempts(ctx, 'account_locked'));
  }
  if (!matches) {
    // The operator's view of the lockout (accounts.failed_logins, locked_until), written when the
    // lock starts; the counter itself is ReplayGuard's.
    if (reserved.attempts >= maxFailedLogins)
      await recordLockout(
        ctx.db,
        subject,
        reserved.attempts,
        Math.floor(reserved.retryAt / 1000),
        ctx.now,
      );
    securityEvent(ctx.events, 'login.failure', { ...event, subject, reason: 'wrong_password' });
    return refused(incorrect(ctx, 'wrong_password'));
  }
  await clearLoginAttempts(ctx.replayGuard, username);
  // Only an account with a recorded lockout to clear is written to.
  if (account.failedLogins > 0 || account.lockedUntil !== null)
    await recordSuccessfulLogin(ctx.db, subject, ctx.now);
  if (needsRehash(account.passwordHash, pepper)) {
    await setPasswordHash(ctx.db, subject, await hashPassword(password, pepper), ctx.now);
  }
  securityEvent(ctx.events, 'login.success', { ...event, subject, amr: 'pwd' });
  return {
    kind: 'authenticated',
    auth: { subject, authTime: ctx.now, acr: PASSWORD_ACR, amr: ['pwd'] },
  };
}

function incorrect(ctx: FlowContext, reason: string) {
  return stepProblem(ctx, 'incorrect-credentials', 'error.incorrect-credentials', reason);
}

export async function register(
  ctx: FlowContext,
  form: ReadonlyMap<string, string>,
): Promise<SubmitOutcome> {
  const absent = missingFields(form, ['userName', 'password']);
  if (absent.length) return refused(invalidInput(ctx, absent));
  // Every attempt counts (a taken username too), so the registration form cannot be used to
  // list accounts quickly, nor to create them in bulk.
  const limit = ctx.settings.accountCreationsPerIp;
  if (limit > 0) {
    const budget = await takeFromBudget(
      ctx.replayGuard,
      'account-ip',
      ctx.ip,
      limit,
      3600,
      ctx.location,
    );
    if (!budget.allowed) {
      securityEvent(ctx.events, 'login.lockout', {
        flow: ctx.flow.id,
        clientId: ctx.flow.state.request.clientId,
        ip: ctx.ip,
        reason: 'registration_rate_limit',
      });
      return refused(tooManyAttempts(ctx, 'registration_rate_limit'));
    }
  }
  const username = (form.get('userName') as string).trim();
  const password = form.get('password') as string;
  const email = form.get('email')?.trim();
  const invalid: InvalidField[] = [];
  if (username.length > 255) invalid.push({ name: 'userName', reason: 'invalidValue' });
  if (password.length < MIN_PASSWORD || password.length > 1024)
    invalid.push({
      name: 'password',
      reason: 'invalidValue',
      detail: `at least ${MIN_PASSWORD} characters`,
    });
  if (email && !/^[^@\s]+@[^@\s]+$/.test(email))
    invalid.push({ name: 'email', reason: 'invalidValue' });
  if (invalid.length) return refused(invalidInput(ctx, invalid));
  const subject = crypto.randomUUID();
  const created = await createAccount(ctx.db, {
    subject,
    username,
    passwordHash: await hashPassword(password, ctx.settings.passwordPepper),
    attributes: email ? { email, email_verified: false } : {},
  });
  if (!created) {
    return refused(
      invalidInput(ctx, [
        { name: 'userName', reason: 'invalidValue', detail: ctx.t('register.exists') },
      ]),
    );
  }
  return {
    kind: 'authenticated',
    auth: { subject, authTime: ctx.now, acr: PASSWORD_ACR, amr: ['pwd'] },
  };
}
