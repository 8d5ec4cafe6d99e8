/**
 * @module haapi/authenticators/password
 * The username/password authenticator with the D1 account manager (docs/haapi-protocol.md §4
 * Example B, §6). Steps: `login` (authentication-step) and, when enabled, `register`
 * (registration-step). Rules:
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
import { hashPassword, needsRehash, verifySecret } from '../../crypto/secret-hash';
import { HaapiProblem, type InvalidField } from '../../errors/problem';
import { securityEvent } from '../../observability/events';
import { clearLoginAttempts, reserveLoginAttempt } from '../../replay/attempts';
import { takeFromBudget } from '../../replay/budget';
import {
  createAccount,
  findAccountByUsername,
  recordLockout,
  recordSuccessfulLogin,
  setPasswordHash,
} from '../../storage/accounts';
import { type FlowContext, flowPaths, type SubmitOutcome } from '../flow/context';
import { field, formAction, step } from '../representations/builders';
import type { Representation } from '../representations/types';
import type { PasswordAuthenticatorConfig } from './config';

export const PASSWORD_ACR = 'urn:se:curity:authentication:html-form:htmlform';
const DUMMY_HASH =
  'pbkdf2-sha256$100000$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
const MIN_PASSWORD = 8;

function missing(form: ReadonlyMap<string, string>, names: string[]): InvalidField[] {
  return names
    .filter((n) => !form.get(n)?.trim())
    .map((name) => ({ name, reason: 'missing' as const }));
}

export function invalidInput(ctx: FlowContext, fields: InvalidField[]): HaapiProblem {
  return new HaapiProblem('invalid-input', ctx.t('error.invalid-input'), 400, {
    invalidFields: fields,
    messages: [{ text: ctx.t('error.invalid-input'), classList: ['error'] }],
  });
}

function tooManyAttempts(ctx: FlowContext, reason: string): HaapiProblem {
  return new HaapiProblem(
    'too-many-attempts',
    ctx.t('error.too-many-attempts'),
    429,
    {
      messages: [{ text: ctx.t('error.too-many-attempts'), classList: ['error'] }],
    },
    reason,
  );
}

/** The username field of the login form, with the request's `login_hint` as its value. */
export function usernameField(ctx: FlowContext) {
  const hint = ctx.flow.state.request.loginHint;
  return field('userName', 'username', {
    label: ctx.t('login.username'),
    ...(hint ? { value: hint } : {}),
  });
}

export function passwordView(
  ctx: FlowContext,
  config: PasswordAuthenticatorConfig,
): Representation {
  const paths = flowPaths(ctx.settings, ctx.flow.id);
  const cancel = formAction('cancel', { href: paths.cancel, method: 'POST' }, ctx.t('cancel'));
  if (ctx.flow.state.step === 'register' && config.registration) {
    return step('registration-step', {
      viewName: 'authenticator/html-form/create-account/get',
      messages: [{ text: ctx.t('register.heading'), classList: ['heading'] }],
      actions: [
        formAction(
          'user-register',
          {
            href: paths.step(config.id, 'register'),
            method: 'POST',
            type: 'application/x-www-form-urlencoded',
            actionTitle: ctx.t('register.submit'),
            fields: [
              field('userName', 'username', { label: ctx.t('login.username') }),
              field('password', 'password', {
                label: ctx.t('login.password'),
                minLength: MIN_PASSWORD,
              }),
              field('email', 'text', {
                label: ctx.t('register.email'),
                kind: 'email',
                required: false,
              }),
            ],
          },
          ctx.t('register.submit'),
        ),
        cancel,
      ],
      links: [{ href: paths.step(config.id), rel: 'login', title: ctx.t('login.submit') }],
    });
  }
  return step('authentication-step', {
    viewName: 'authenticator/html-form/authenticate/get',
    messages: [{ text: ctx.t('login.heading'), classList: ['heading'] }],
    actions: [
      formAction(
        'login',
        {
          href: paths.step(config.id),
          method: 'POST',
          type: 'application/x-www-form-urlencoded',
          actionTitle: ctx.t('login.submit'),
          fields: [
            usernameField(ctx),
            field('password', 'password', { label: ctx.t('login.password') }),
          ],
        },
        ctx.t('login.submit'),
      ),
      cancel,
    ],
    links: config.registration
      ? [
          {
            href: paths.step(config.id, 'register'),
            rel: 'register-create',
            title: ctx.t('login.register'),
          },
        ]
      : [],
  });
}

async function login(ctx: FlowContext, form: ReadonlyMap<string, string>): Promise<SubmitOutcome> {
  const absent = missing(form, ['userName', 'password']);
  if (absent.length) return { kind: 'problem', problem: invalidInput(ctx, absent) };
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
    return { kind: 'problem', problem: tooManyAttempts(ctx, 'ip_rate_limit') };
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
    return { kind: 'problem', problem: tooManyAttempts(ctx, 'account_locked') };
  }
  const account = await findAccountByUsername(ctx.db, username);
  const pepper = ctx.settings.passwordPepper;
  const password = form.get('password') as string;
  const matches = await verifySecret(password, account?.passwordHash ?? DUMMY_HASH, pepper);
  if (!account || account.disabled || !account.passwordHash) {
    securityEvent(ctx.events, 'login.failure', { ...event, reason: 'unknown_user' });
    return { kind: 'problem', problem: incorrect(ctx, 'unknown_user') };
  }
  const subject = account.subject;
  if (account.lockedUntil !== null && account.lockedUntil > ctx.now) {
    // Locked by an operator (or the mirror of a lockout below).
    securityEvent(ctx.events, 'login.lockout', { ...event, subject, reason: 'account_locked' });
    return { kind: 'problem', problem: tooManyAttempts(ctx, 'account_locked') };
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
    return { kind: 'problem', problem: incorrect(ctx, 'wrong_password') };
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

function incorrect(ctx: FlowContext, reason: string): HaapiProblem {
  return new HaapiProblem(
    'incorrect-credentials',
    ctx.t('error.incorrect-credentials'),
    400,
    {
      messages: [{ text: ctx.t('error.incorrect-credentials'), classList: ['error'] }],
    },
    reason,
  );
}

async function register(
  ctx: FlowContext,
  form: ReadonlyMap<string, string>,
): Promise<SubmitOutcome> {
  const absent = missing(form, ['userName', 'password']);
  if (absent.length) return { kind: 'problem', problem: invalidInput(ctx, absent) };
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
      return { kind: 'problem', problem: tooManyAttempts(ctx, 'registration_rate_limit') };
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
  if (invalid.length) return { kind: 'problem', problem: invalidInput(ctx, invalid) };
  const subject = crypto.randomUUID();
  const created = await createAccount(ctx.db, {
    subject,
    username,
    passwordHash: await hashPassword(password, ctx.settings.passwordPepper),
    attributes: email ? { email, email_verified: false } : {},
  });
  if (!created) {
    return {
      kind: 'problem',
      problem: invalidInput(ctx, [
        { name: 'userName', reason: 'invalidValue', detail: ctx.t('register.exists') },
      ]),
    };
  }
  return {
    kind: 'authenticated',
    auth: { subject, authTime: ctx.now, acr: PASSWORD_ACR, amr: ['pwd'] },
  };
}

export function passwordSubmit(
  ctx: FlowContext,
  config: PasswordAuthenticatorConfig,
  action: string | undefined,
  form: ReadonlyMap<string, string>,
): Promise<SubmitOutcome> {
  if (action === 'register' && config.registration) return register(ctx, form);
  return login(ctx, form);
}

/** GET on an action link: switch between the login and register steps. */
export function passwordNavigate(
  ctx: FlowContext,
  config: PasswordAuthenticatorConfig,
  action: string | undefined,
): string {
  return action === 'register' && config.registration
    ? 'register'
    : ctx.flow.state.step === 'register' && !action
      ? 'login'
      : ctx.flow.state.step;
}
