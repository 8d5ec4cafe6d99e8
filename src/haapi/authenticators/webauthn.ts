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
 * HAAPI apps that are not attested iOS apps (Android, web, DCR clients), or that ask for it with
 * `_force_external_browser_flow=true`, get an `external-browser-flow` operation instead: the same
 * authenticator runs in a browser flow (routes/authn.ts) whose result resumes this flow with a
 * `_resume_nonce`.
 * `acr` is `urn:se:curity:authentication:webauthn:<id>`; `amr` (RFC 8176) is `hwk` (or `swk` for a
 * synced passkey) with `mfa` when the user was verified, else `user`, after `pwd` when the login
 * was the prerequisite of a registration.
 */
import { encodeBase64Url } from '../../crypto/base64url';
import { timingSafeEqualStrings } from '../../crypto/constant-time';
import { sha256Base64Url } from '../../crypto/digest';
import { derivedHmacKey, hmacSha256 } from '../../crypto/hmac';
import { randomToken } from '../../crypto/random';
import { HaapiProblem } from '../../errors/problem';
import { securityEvent } from '../../observability/events';
import {
  type Account,
  findAccountBySubject,
  findAccountByUsername,
  setAccountAttribute,
} from '../../storage/accounts';
import {
  type DeviceType,
  findDevice,
  insertDevice,
  listDevices,
  recordDeviceUse,
  type WebauthnDevice,
} from '../../storage/webauthn-devices';
import {
  authenticationOptions,
  CeremonyError,
  credentialIdOf,
  registrationOptions,
  userHandleOf,
  verifyAuthentication,
  verifyRegistration,
} from '../../webauthn/ceremonies';
import {
  type FlowContext,
  flowPaths,
  type OutcomeCookie,
  type SubmitOutcome,
} from '../flow/context';
import type { FlowAuth, FlowState, WebauthnFlowState } from '../flow/state';
import type { MessageKey } from '../messages/catalog';
import { clientOperation, field, formAction, step } from '../representations/builders';
import type { Action, FormAction, Representation } from '../representations/types';
import type { WebauthnAuthenticatorConfig } from './config';
import { usernameField } from './password';

export const DONT_ASK_ATTRIBUTE = 'webauthn.dontAskToRegisterAdditionalPlatformDevice';
const COOKIE_MAX_AGE = 400 * 86400;

export function webauthnAcr(config: WebauthnAuthenticatorConfig): string {
  return `urn:se:curity:authentication:webauthn:${config.id}`;
}

/** The state of a webauthn step entered now: a fresh challenge (and external-flow token). */
export function enterWebauthn(
  state: FlowState,
  config: WebauthnAuthenticatorConfig,
  step: string,
  extra: Partial<WebauthnFlowState> = {},
): FlowState {
  const { pendingRegistration: _, ...rest } = state;
  const external =
    state.binding.mode === 'haapi' && usesExternalBrowser(state)
      ? (state.webauthn?.external ?? { token: randomToken(24) })
      : undefined;
  return {
    ...rest,
    authenticator: config.id,
    step,
    webauthn: { challenge: randomToken(32), ...(external ? { external } : {}), ...extra },
  };
}

/** HAAPI callers other than attested iOS apps run WebAuthn in a browser (spec §5). */
function usesExternalBrowser(state: FlowState): boolean {
  const { binding } = state;
  return binding.mode === 'haapi' && (binding.platform !== 'ios' || state.forceExternal === true);
}

function cancelAction(ctx: FlowContext): FormAction {
  return formAction(
    'cancel',
    { href: flowPaths(ctx.settings, ctx.flow.id).cancel, method: 'POST' },
    ctx.t('cancel'),
  );
}

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

function externalView(
  ctx: FlowContext,
  config: WebauthnAuthenticatorConfig,
  token: string,
): Representation {
  const paths = flowPaths(ctx.settings, ctx.flow.id);
  return step('authentication-step', {
    viewName: 'authenticator/webauthn/external-browser-flow',
    messages: [{ text: ctx.t('webauthn.heading'), classList: ['heading'] }],
    actions: [
      clientOperation(
        'external-browser-flow',
        'external-browser-flow',
        { href: paths.external(config.id, token) },
        [
          formAction('continue', {
            href: paths.step(config.id, 'resume'),
            method: 'POST',
            type: 'application/x-www-form-urlencoded',
            fields: [field('_resume_nonce', 'context')],
          }),
        ],
        [],
        ctx.t('webauthn.external'),
      ),
      cancelAction(ctx),
    ],
  });
}

async function loginView(
  ctx: FlowContext,
  config: WebauthnAuthenticatorConfig,
  wa: WebauthnFlowState,
): Promise<Representation> {
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
}

function descriptors(devices: readonly WebauthnDevice[], type: DeviceType) {
  return devices
    .filter((d) => d.deviceType === type)
    .map((d) => ({ type: 'public-key', id: d.credentialId, transports: [...d.transports] }));
}

async function authenticateView(
  ctx: FlowContext,
  config: WebauthnAuthenticatorConfig,
  wa: WebauthnFlowState,
): Promise<Representation> {
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
}

async function registerView(
  ctx: FlowContext,
  config: WebauthnAuthenticatorConfig,
  wa: WebauthnFlowState,
): Promise<Representation> {
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
    registrationOptions(rp, config.mode, user, devices, wa.challenge, attachment);
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
}

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
  const wa = state.webauthn ?? { challenge: '' };
  if (wa.external && usesExternalBrowser(state))
    return externalView(ctx, config, wa.external.token);
  if (state.step === 'ask') return askView(ctx, config);
  if (state.step === 'register' && wa.subject) return registerView(ctx, config, wa);
  if (state.step === 'authenticate' && (wa.subject || wa.decoy !== undefined))
    return authenticateView(ctx, config, wa);
  return loginView(ctx, config, wa);
}

/** A GET on the authenticator or one of its links. */
export function webauthnNavigate(
  ctx: FlowContext,
  config: WebauthnAuthenticatorConfig,
  action: string | undefined,
  forceExternal: boolean,
): FlowState {
  const { state } = ctx.flow;
  if (forceExternal && state.binding.mode === 'haapi' && !state.forceExternal)
    return enterWebauthn({ ...state, forceExternal: true }, config, 'login');
  if (
    action === 'register' &&
    config.allowRegistrationDuringLogin &&
    config.prerequisiteAuthenticator
  ) {
    const { webauthn: _, ...rest } = state;
    return {
      ...rest,
      authenticator: config.prerequisiteAuthenticator,
      step: 'login',
      pendingRegistration: config.id,
    };
  }
  if (action === 'login' && state.step !== 'login') return enterWebauthn(state, config, 'login');
  return state;
}

/** The prerequisite authenticator established the subject: now the registration ceremony. */
export function afterPrerequisite(
  state: FlowState,
  config: WebauthnAuthenticatorConfig,
  auth: FlowAuth,
): FlowState {
  return enterWebauthn(state, config, 'register', { subject: auth.subject, prerequisite: auth });
}

/** A submission this step does not take (another step's action, or the flow moved on). */
function wrongStep(ctx: FlowContext): SubmitOutcome {
  return problem(ctx, 'generic-user-error', 'webauthn.error.failed', 'wrong_step');
}

function problem(
  ctx: FlowContext,
  type: 'authentication-failed' | 'invalid-input' | 'generic-user-error',
  key: MessageKey,
  reason: string,
  members: Record<string, unknown> = {},
): SubmitOutcome {
  const text = ctx.t(key);
  return {
    kind: 'problem',
    problem: new HaapiProblem(
      type,
      text,
      400,
      { ...members, messages: [{ text, classList: ['error'] }] },
      reason,
    ),
  };
}

/** `invalid-input` for a field that is absent (spec §6 `invalidFields`, reason `missing`). */
function missingField(ctx: FlowContext, name: string): SubmitOutcome {
  return problem(ctx, 'invalid-input', 'error.invalid-input', 'missing', {
    invalidFields: [{ name, reason: 'missing' }],
  });
}

/** `invalid-input` for a field whose value is refused (reason `invalidValue`). */
function invalidField(
  ctx: FlowContext,
  name: string,
  key: MessageKey,
  reason: string,
): SubmitOutcome {
  return problem(ctx, 'invalid-input', key, reason, {
    invalidFields: [{ name, reason: 'invalidValue' }],
  });
}

function ceremonyProblem(ctx: FlowContext, err: unknown, fieldName: string): SubmitOutcome {
  if (!(err instanceof CeremonyError)) throw err;
  securityEvent(ctx.events, 'login.failure', {
    flow: ctx.flow.id,
    clientId: ctx.flow.state.request.clientId,
    reason: `webauthn_${err.kind}`,
    detail: err.reason,
  });
  return err.kind === 'malformed'
    ? invalidField(ctx, fieldName, 'error.invalid-input', err.reason)
    : problem(ctx, 'authentication-failed', 'webauthn.error.failed', err.reason);
}

function amrOf(device: { backupEligible: boolean }, userVerified: boolean): string[] {
  return [device.backupEligible ? 'swk' : 'hwk', userVerified ? 'mfa' : 'user'];
}

async function identify(
  ctx: FlowContext,
  config: WebauthnAuthenticatorConfig,
  form: ReadonlyMap<string, string>,
): Promise<SubmitOutcome> {
  const username = form.get('userName')?.trim();
  if (!username) return missingField(ctx, 'userName');
  const account = await findAccountByUsername(ctx.db, username);
  const devices = account && !account.disabled ? await listDevices(ctx.db, account.subject) : [];
  // No such account, or none with a device: the same answer as for an account with devices (an
  // authenticate step), with made-up credential ids, so a username reveals nothing.
  const who =
    devices.length > 0
      ? { subject: (account as Account).subject }
      : { decoy: username.toLowerCase() };
  return { kind: 'state', state: enterWebauthn(ctx.flow.state, config, 'authenticate', who) };
}

/**
 * Made-up devices for a username without any (WebAuthn L3 §14.6.2): derived from the server
 * secret and the username, so every ask for one name gets the same ids.
 */
async function decoyDevices(ctx: FlowContext, username: string): Promise<WebauthnDevice[]> {
  const key = await derivedHmacKey(ctx.settings.serverSecret, 'webauthn-decoy');
  const mac = await hmacSha256(key, username);
  const platform = ((mac[0] as number) & 1) === 0;
  return [
    {
      credentialId: encodeBase64Url(mac.slice(0, 32)),
      subject: '',
      publicKey: '',
      counter: 0,
      transports: platform ? ['internal', 'hybrid'] : ['usb', 'nfc'],
      deviceType: platform ? 'platform' : 'cross-platform',
      aaguid: null,
      backupEligible: platform,
      backupState: platform,
      name: null,
      createdAt: 0,
      lastUsedAt: null,
    },
  ];
}

async function authenticate(
  ctx: FlowContext,
  config: WebauthnAuthenticatorConfig,
  form: ReadonlyMap<string, string>,
): Promise<SubmitOutcome> {
  const { state } = ctx.flow;
  const wa = state.webauthn;
  const value = form.get('credential');
  if (!wa || value === undefined) return missingField(ctx, 'credential');
  try {
    const id = credentialIdOf(value);
    // A decoy step (no account with devices) has nothing that could match.
    if (wa.decoy !== undefined) throw new CeremonyError('failed', 'unknown_credential');
    const device = await findDevice(ctx.db, id);
    // Identified account: only its devices; username-less: the device's account, which the
    // authenticator must name as the user handle.
    const owner = wa.subject ?? userHandleOf(value);
    if (!device || device.subject !== owner)
      throw new CeremonyError('failed', 'unknown_credential');
    const account = await findAccountBySubject(ctx.db, device.subject);
    if (!account || account.disabled) throw new CeremonyError('failed', 'account_disabled');
    const use = await verifyAuthentication(
      ctx.settings.relyingParty,
      config.mode,
      wa.challenge,
      value,
      device,
    );
    if (!(await recordDeviceUse(ctx.db, device, use.counter, use.backupState, ctx.now)))
      throw new CeremonyError('failed', 'counter_race');
    const auth: FlowAuth = {
      subject: device.subject,
      authTime: ctx.now,
      acr: webauthnAcr(config),
      amr: amrOf(device, use.userVerified),
    };
    securityEvent(ctx.events, 'login.success', {
      flow: ctx.flow.id,
      clientId: state.request.clientId,
      subject: device.subject,
      amr: auth.amr.join(' '),
    });
    if (device.deviceType === 'cross-platform' && shouldAsk(ctx, config, account))
      return {
        kind: 'state',
        state: enterWebauthn(state, config, 'ask', { subject: device.subject, pendingAuth: auth }),
      };
    return { kind: 'authenticated', auth };
  } catch (err) {
    return ceremonyProblem(ctx, err, 'credential');
  }
}

function shouldAsk(
  ctx: FlowContext,
  config: WebauthnAuthenticatorConfig,
  account: Account,
): boolean {
  return (
    config.askToRegisterAdditionalPlatformDevice &&
    (config.mode === 'passkeys-or-user-verifying-devices' || config.allowPlatformDevices) &&
    ctx.cookie(config.platformDeviceCookieName) === undefined &&
    account.attributes[DONT_ASK_ATTRIBUTE] !== true
  );
}

function platformCookie(config: WebauthnAuthenticatorConfig): OutcomeCookie {
  return { name: config.platformDeviceCookieName, value: '1', maxAge: COOKIE_MAX_AGE };
}

async function register(
  ctx: FlowContext,
  config: WebauthnAuthenticatorConfig,
  form: ReadonlyMap<string, string>,
): Promise<SubmitOutcome> {
  const { state } = ctx.flow;
  const wa = state.webauthn;
  if (state.step !== 'register' || !wa?.subject) return wrongStep(ctx);
  const passkeys = config.mode === 'passkeys-or-user-verifying-devices' && !wa.platformOnly;
  const choices: [string, DeviceType | undefined][] = passkeys
    ? [['credential', undefined]]
    : [
        ['platformCredential', 'platform'],
        ['crossPlatformCredential', 'cross-platform'],
      ];
  const chosen = choices.find(([name]) => form.has(name));
  const allowed =
    chosen &&
    (chosen[1] !== 'platform' || wa.platformOnly || config.allowPlatformDevices) &&
    (chosen[1] !== 'cross-platform' || !wa.platformOnly);
  if (!chosen || !allowed) return missingField(ctx, choices[0]?.[0] ?? 'credential');
  const [fieldName, attachment] = chosen;
  try {
    const device = await verifyRegistration(
      ctx.settings.relyingParty,
      config.mode,
      wa.challenge,
      form.get(fieldName),
      attachment ?? (wa.platformOnly ? 'platform' : undefined),
    );
    const stored = await insertDevice(ctx.db, {
      credentialId: device.credentialId,
      subject: wa.subject,
      publicKey: device.publicKey,
      counter: device.counter,
      transports: device.transports,
      deviceType: device.deviceType,
      aaguid: device.aaguid,
      backupEligible: device.backupEligible,
      backupState: device.backupState,
      name: null,
      createdAt: ctx.now,
    });
    if (!stored) return invalidField(ctx, fieldName, 'webauthn.error.exists', 'credential_exists');
    securityEvent(ctx.events, 'webauthn.registered', {
      flow: ctx.flow.id,
      clientId: state.request.clientId,
      subject: wa.subject,
      deviceType: device.deviceType,
      aaguid: device.aaguid,
    });
    const before = wa.pendingAuth ?? wa.prerequisite;
    const auth: FlowAuth = {
      subject: wa.subject,
      authTime: ctx.now,
      acr: webauthnAcr(config),
      amr: [...new Set([...(before?.amr ?? []), ...amrOf(device, device.userVerified)])],
    };
    return {
      kind: 'authenticated',
      auth,
      ...(device.deviceType === 'platform' ? { cookies: [platformCookie(config)] } : {}),
    };
  } catch (err) {
    return ceremonyProblem(ctx, err, fieldName);
  }
}

async function answer(
  ctx: FlowContext,
  config: WebauthnAuthenticatorConfig,
  form: ReadonlyMap<string, string>,
): Promise<SubmitOutcome> {
  const { state } = ctx.flow;
  const wa = state.webauthn;
  if (state.step !== 'ask' || !wa?.pendingAuth) return wrongStep(ctx);
  const auth = wa.pendingAuth;
  switch (form.get('answer')) {
    case 'register':
      return {
        kind: 'state',
        state: enterWebauthn(state, config, 'register', {
          subject: auth.subject,
          pendingAuth: auth,
          platformOnly: true,
        }),
      };
    case 'not-now':
      return { kind: 'authenticated', auth };
    case 'not-this-browser':
      return { kind: 'authenticated', auth, cookies: [platformCookie(config)] };
    case 'never':
      await setAccountAttribute(ctx.db, auth.subject, DONT_ASK_ATTRIBUTE, true, ctx.now);
      return { kind: 'authenticated', auth };
    default:
      return invalidField(ctx, 'answer', 'error.invalid-input', 'answer');
  }
}

/** The app's continue post after the external browser finished (`_resume_nonce`). */
async function resume(ctx: FlowContext, form: ReadonlyMap<string, string>): Promise<SubmitOutcome> {
  const external = ctx.flow.state.webauthn?.external;
  const nonce = form.get('_resume_nonce');
  if (!nonce) return missingField(ctx, '_resume_nonce');
  if (
    !external?.nonceHash ||
    !external.auth ||
    !(await timingSafeEqualStrings(await sha256Base64Url(nonce), external.nonceHash))
  )
    return invalidField(ctx, '_resume_nonce', 'webauthn.error.failed', 'resume_nonce');
  return { kind: 'authenticated', auth: external.auth };
}

export function webauthnSubmit(
  ctx: FlowContext,
  config: WebauthnAuthenticatorConfig,
  action: string | undefined,
  form: ReadonlyMap<string, string>,
): Promise<SubmitOutcome> {
  const { state } = ctx.flow;
  if (action === 'resume') return resume(ctx, form);
  if (state.webauthn?.external && usesExternalBrowser(state))
    return Promise.resolve(
      problem(ctx, 'generic-user-error', 'webauthn.external', 'external_browser_flow'),
    );
  if (action === 'identify' && state.step === 'login') return identify(ctx, config, form);
  if (action === 'register') return register(ctx, config, form);
  if (action === 'ask') return answer(ctx, config, form);
  if (action === undefined && (state.step === 'login' || state.step === 'authenticate'))
    return authenticate(ctx, config, form);
  return Promise.resolve(wrongStep(ctx));
}
