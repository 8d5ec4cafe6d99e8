/**
 * @module haapi/authenticators/password/views
 * The password authenticator's steps as representations: `login` (authentication-step, with a
 * link to create an account when `registration` is on) and `register` (registration-step).
 */
import { cancelAction, type FlowContext, flowPaths } from '../../flow/context';
import { field, formAction, step } from '../../representations/builders';
import type { Representation } from '../../representations/types';
import type { PasswordAuthenticatorConfig } from './config';

export const MIN_PASSWORD = 8;

/** The username field of a login form, with the request's `login_hint` as its value. */
export function usernameField(ctx: FlowContext) {
  const hint = ctx.flow.state.request.loginHint;
  return field('userName', 'username', {
    label: ctx.t('login.username'),
    ...(hint ? { value: hint } : {}),
  });
}

function registerView(ctx: FlowContext, config: PasswordAuthenticatorConfig): Representation {
  const paths = flowPaths(ctx.settings, ctx.flow.id);
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
      cancelAction(ctx),
    ],
    links: [{ href: paths.step(config.id), rel: 'login', title: ctx.t('login.submit') }],
  });
}

export function passwordView(
  ctx: FlowContext,
  config: PasswordAuthenticatorConfig,
): Representation {
  if (ctx.flow.state.step === 'register' && config.registration) return registerView(ctx, config);
  const paths = flowPaths(ctx.settings, ctx.flow.id);
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
      cancelAction(ctx),
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
