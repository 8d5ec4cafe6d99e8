/**
 * @module haapi/authenticators/webauthn/views
 * The WebAuthn authenticator's steps as representations (docs/haapi-protocol.md §5): the
 * `webauthn-authentication` and `webauthn-registration` client operations with their options,
 * the username form, and the additional-platform-device prompt. A HAAPI caller's operations
 * carry an error action to continue in the external browser if the app cannot run them.
 */
import type { Account } from '../../../storage/accounts';
import { findAccountBySubject } from '../../../storage/accounts';
import {
  type DeviceType,
  listDevices,
  type WebauthnDevice,
} from '../../../storage/webauthn-devices';
import { authenticationOptions, registrationOptions } from '../../../webauthn/ceremonies';
import { cancelAction, type FlowContext, flowPaths } from '../../flow/context';
import { clientOperation, field, formAction, step } from '../../representations/builders';
import type { Action, FormAction, Representation } from '../../representations/types';
import { usernameField } from '../password/views';
import type { WebauthnAuthenticatorConfig } from './config';
import { decoyDevices } from './decoy';
import type { WebauthnFlowState } from './state';
import { webauthnState } from './transitions';

/** A step's view from the authenticator's state. */
type StepView = (
  ctx: FlowContext,
  config: WebauthnAuthenticatorConfig,
  wa: WebauthnFlowState,
) => Promise<Representation>;

function continueForm(href: string, names: string[]): FormAction {
  return formAction('continue', {
    href,
    method: 'POST',
    type: 'application/json',
    fields: names.map((name) => field(name, 'context')),
  });
}

/** HAAPI: if the app cannot run the operation, it continues in the external browser instead. */
function errorActions(ctx: FlowContext, config: WebauthnAuthenticatorConfig): FormAction[] {
  if (ctx.flow.state.binding.mode !== 'haapi') return [];
  const href = `${flowPaths(ctx.settings, ctx.flow.id).step(config.id)}?_force_external_browser_flow=true`;
  return [formAction('redirect', { href, method: 'GET' })];
}

const loginView: StepView = async (ctx, config, wa) => {
  const { settings } = ctx;
  const paths = flowPaths(settings, ctx.flow.id);
  const actions: Action[] = [];
  if (config.mode === 'passkeys-or-user-verifying-devices') {
    const publicKey = await authenticationOptions(
      settings.relyingParty,
      config.mode,
      [],
      wa.challenge,
    );
    actions.push(
      clientOperation(
        'passkey',
        'webauthn-authentication',
        { credentialRequestOptions: { publicKey } },
        [continueForm(paths.step(config.id), ['credential'])],
        errorActions(ctx, config),
        ctx.t('webauthn.passkey'),
      ),
    );
  }
  actions.push(
    formAction(
      'login',
      {
        href: paths.step(config.id, 'identify'),
        method: 'POST',
        type: 'application/x-www-form-urlencoded',
        actionTitle: ctx.t('webauthn.continue'),
        fields: [usernameField(ctx)],
      },
      ctx.t('webauthn.continue'),
    ),
    cancelAction(ctx),
  );
  return step('authentication-step', {
    viewName: 'authenticator/webauthn/authenticate/get',
    messages: [{ text: ctx.t('webauthn.heading'), classList: ['heading'] }],
    actions,
    links: config.allowRegistrationDuringLogin
      ? [
          {
            href: paths.step(config.id, 'register'),
            rel: 'register-create',
            title: ctx.t('webauthn.register.link'),
          },
        ]
      : [],
  });
};

function descriptors(devices: readonly WebauthnDevice[], type: DeviceType) {
  return devices
    .filter((d) => d.deviceType === type)
    .map((d) => ({ type: 'public-key', id: d.credentialId, transports: [...d.transports] }));
}

const authenticateView: StepView = async (ctx, config, wa) => {
  const { settings } = ctx;
  const paths = flowPaths(settings, ctx.flow.id);
  const devices =
    wa.decoy !== undefined
      ? await decoyDevices(ctx, wa.decoy)
      : await listDevices(ctx.db, wa.subject ?? '');
  const publicKey = await authenticationOptions(
    settings.relyingParty,
    config.mode,
    devices,
    wa.challenge,
  );
  const args: Record<string, unknown> = { credentialRequestOptions: { publicKey } };
  if (config.mode === 'any-device') {
    args.platformCredentials = descriptors(devices, 'platform');
    args.crossPlatformCredentials = descriptors(devices, 'cross-platform');
  }
  return step('authentication-step', {
    viewName: 'authenticator/webauthn/authenticate/get',
    messages: [{ text: ctx.t('webauthn.authenticate.heading'), classList: ['heading'] }],
    actions: [
      clientOperation(
        'login',
        'webauthn-authentication',
        args,
        [continueForm(paths.step(config.id), ['credential'])],
        errorActions(ctx, config),
        ctx.t('webauthn.authenticate'),
      ),
      cancelAction(ctx),
    ],
    links: [
      {
        href: paths.step(config.id, 'login'),
        rel: 'restart',
        title: ctx.t('webauthn.other-account'),
      },
      ...(config.allowRegistrationDuringLogin
        ? [
            {
              href: paths.step(config.id, 'register'),
              rel: 'register-create',
              title: ctx.t('webauthn.register.link'),
            },
          ]
        : []),
    ],
  });
};

const registerView: StepView = async (ctx, config, wa) => {
  const { settings } = ctx;
  const paths = flowPaths(settings, ctx.flow.id);
  const account = await findAccountBySubject(ctx.db, wa.subject ?? '');
  const devices = account ? await listDevices(ctx.db, account.subject) : [];
  const user = {
    subject: wa.subject ?? '',
    username: account?.username ?? '',
    displayName: displayName(account),
  };
  const rp = settings.relyingParty;
  const options = (attachment?: DeviceType) =>
    registrationOptions(
      rp,
      config.mode,
      user,
      devices,
      wa.challenge,
      attachment,
      config.attestation.conveyance,
    );
  const args: Record<string, unknown> = {};
  let fields: string[];
  if (config.mode === 'passkeys-or-user-verifying-devices' && !wa.platformOnly) {
    args.credentialCreationOptions = { publicKey: await options() };
    fields = ['credential'];
  } else {
    fields = [];
    if (wa.platformOnly || config.allowPlatformDevices) {
      args.platformCredentialCreationOptions = { publicKey: await options('platform') };
      fields.push('platformCredential');
    }
    if (!wa.platformOnly) {
      args.crossPlatformCredentialCreationOptions = { publicKey: await options('cross-platform') };
      fields.push('crossPlatformCredential');
    }
  }
  return step('registration-step', {
    viewName: 'authenticator/webauthn/register/get',
    messages: [{ text: ctx.t('webauthn.register.heading'), classList: ['heading'] }],
    actions: [
      clientOperation(
        'device-register',
        'webauthn-registration',
        args,
        [continueForm(paths.step(config.id, 'register'), fields)],
        errorActions(ctx, config),
        ctx.t('webauthn.register'),
      ),
      cancelAction(ctx),
    ],
  });
};

function askView(ctx: FlowContext, config: WebauthnAuthenticatorConfig): Representation {
  const href = flowPaths(ctx.settings, ctx.flow.id).step(config.id, 'ask');
  const answer = (kind: string, value: string, title: string) =>
    formAction(
      kind,
      {
        href,
        method: 'POST',
        type: 'application/x-www-form-urlencoded',
        actionTitle: title,
        fields: [field('answer', 'hidden', { value })],
      },
      title,
    );
  return step('authentication-step', {
    viewName: 'authenticator/webauthn/ask-to-register-platform-device',
    messages: [
      { text: ctx.t('webauthn.ask.heading'), classList: ['heading'] },
      { text: ctx.t('webauthn.ask.text') },
    ],
    actions: [
      answer('device-register', 'register', ctx.t('webauthn.ask.register')),
      answer('not-now', 'not-now', ctx.t('webauthn.ask.not-now')),
      answer('dont-ask-browser', 'not-this-browser', ctx.t('webauthn.ask.not-this-browser')),
      answer('dont-ask', 'never', ctx.t('webauthn.ask.never')),
    ],
  });
}

function displayName(account: Account | null): string {
  const name = account?.attributes.name;
  return typeof name === 'string' && name ? name : (account?.username ?? '');
}

export async function webauthnView(
  ctx: FlowContext,
  config: WebauthnAuthenticatorConfig,
): Promise<Representation> {
  const { state } = ctx.flow;
  const wa = webauthnState(state);
  if (state.step === 'ask') return askView(ctx, config);
  if (state.step === 'register' && wa.subject) return registerView(ctx, config, wa);
  if (state.step === 'authenticate' && (wa.subject || wa.decoy !== undefined))
    return authenticateView(ctx, config, wa);
  return loginView(ctx, config, wa);
}
