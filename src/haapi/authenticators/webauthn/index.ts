/**
 * @module haapi/authenticators/webauthn
 * The WebAuthn / passkeys authenticator (docs/haapi-protocol.md §5) on the D1 account manager.
 * Steps (`FlowState.step`):
 *  - `login`: passkeys mode offers a username-less ceremony (discoverable credentials) and a
 *    username form; any-device mode the username form. A link registers a new device.
 *  - `authenticate`: the ceremony with the identified account's devices (`allowCredentials`; in
 *    any-device mode also split into `platformCredentials` / `crossPlatformCredentials`).
 *  - `register`: after the prerequisite authenticator established the subject (registration during
 *    login), the registration ceremony; any-device mode offers "Built-in device" (platform) and
 *    "Security key" (cross-platform) option sets.
 *  - `ask`: after a login with a security key, the additional-platform-device prompt: register a
 *    built-in device, "No, not now" (ask again next time), "Don't ask me again for this browser"
 *    (the platform-device cookie), "Don't ask me again" (the account attribute
 *    `webauthn.dontAskToRegisterAdditionalPlatformDevice`, shared by every authenticator on the
 *    account manager).
 * HAAPI apps get the `webauthn-registration` / `webauthn-authentication` client operations; one
 * that cannot run them follows their error action (`_force_external_browser_flow=true`) and gets
 * an `external-browser-flow` operation instead (the engine's external-browser mechanics,
 * haapi/flow/external-browser.ts).
 */
import type { Authenticator } from '../types';
import type { WebauthnAuthenticatorConfig } from './config';
import { answer, authenticate, identify, register, webauthnAcr, wrongStep } from './steps';
import { onStep } from './transitions';
import { webauthnView } from './views';

export { DONT_ASK_ATTRIBUTE, webauthnAcr } from './steps';

export const webauthnAuthenticator: Authenticator<WebauthnAuthenticatorConfig> = {
  selectorType: 'webauthn',
  acr: webauthnAcr,
  enter: (state, config) => onStep(state, config, 'login'),
  view: webauthnView,
  navigate(ctx, config, action) {
    const { state } = ctx.flow;
    if (action === 'register' && config.allowRegistrationDuringLogin)
      return { kind: 'prerequisite' };
    if (action === 'login' && state.step !== 'login')
      return { kind: 'state', state: onStep(state, config, 'login') };
    return { kind: 'state', state };
  },
  submit(ctx, config, action, form) {
    const { step } = ctx.flow.state;
    if (action === 'identify' && step === 'login') return identify(ctx, config, form);
    if (action === 'register') return register(ctx, config, form);
    if (action === 'ask') return answer(ctx, config, form);
    if (action === undefined && (step === 'login' || step === 'authenticate'))
      return authenticate(ctx, config, form);
    return Promise.resolve(wrongStep(ctx));
  },
  // The prerequisite established the subject: now the registration ceremony.
  afterPrerequisite: (state, config, auth) =>
    onStep(state, config, 'register', { subject: auth.subject, prerequisite: auth }),
  waitingMessage: 'webauthn.prerequisite',
  externalBrowser: {
    // Every HAAPI caller is offered the client operations (Curity's SDKs run them natively on
    // iOS, Android and the web); one that cannot follows their error action, which forces this.
    runsExternally: (_binding, forced) => forced,
    viewName: 'authenticator/webauthn/external-browser-flow',
    heading: 'webauthn.heading',
    action: 'webauthn.external',
  },
};
