/**
 * @module haapi/authenticators/password
 * The username/password authenticator with the D1 account manager (docs/haapi-protocol.md §4
 * Example B, §6): steps `login` and, when `registration` is on, `register`. It keeps no state of
 * its own in the flow (the step says everything). Rules: steps.ts.
 */
import type { Authenticator } from '../types';
import type { PasswordAuthenticatorConfig } from './config';
import { login, PASSWORD_ACR, register } from './steps';
import { passwordView } from './views';

export { PASSWORD_ACR };

export const passwordAuthenticator: Authenticator<PasswordAuthenticatorConfig> = {
  selectorType: 'html-form',
  acr: () => PASSWORD_ACR,
  enter: (state) => state,
  view: passwordView,
  navigate(ctx, config, action) {
    const current = ctx.flow.state.step;
    // The links switch between the login and register steps.
    const step =
      action === 'register' && config.registration
        ? 'register'
        : current === 'register' && !action
          ? 'login'
          : current;
    return { kind: 'state', state: { ...ctx.flow.state, step } };
  },
  submit(ctx, config, action, form) {
    if (action === 'register' && config.registration) return register(ctx, form);
    return login(ctx, form);
  },
};
