/**
 * @module haapi/authenticators/webauthn/steps
 * The WebAuthn authenticator's submissions: `identify` (the username form), the authentication
 * ceremony, the registration ceremony, and the answer to the additional-platform-device prompt.
 * `amr` (RFC 8176) is `hwk` (or `swk` for a synced passkey) with `mfa` when the user was
 * verified, else `user`, after `pwd` when the login was the prerequisite of a registration.
 */
import { securityEvent } from '../../../observability/events';
import {
  type Account,
  findAccountBySubject,
  findAccountByUsername,
  setAccountAttribute,
} from '../../../storage/accounts';
import {
  type DeviceType,
  findDevice,
  insertDevice,
  listDevices,
  recordDeviceUse,
} from '../../../storage/webauthn-devices';
import { findMetadata } from '../../../storage/webauthn-metadata';
import {
  AttestationRefused,
  type AttestationVerdict,
  checkAttestation,
} from '../../../webauthn/attestation-policy';
import {
  CeremonyError,
  credentialIdOf,
  type RegisteredDevice,
  userHandleOf,
  verifyAuthentication,
  verifyRegistration,
} from '../../../webauthn/ceremonies';
import type { FlowAuth } from '../../flow/auth';
import type { FlowContext, OutcomeCookie, SubmitOutcome } from '../../flow/context';
import type { MessageKey } from '../../messages/catalog';
import { invalidInput, refused, stepProblem } from '../problems';
import type { WebauthnAuthenticatorConfig } from './config';
import { onStep } from './transitions';

/** A submission of one of the authenticator's steps. */
type Step = (
  ctx: FlowContext,
  config: WebauthnAuthenticatorConfig,
  form: ReadonlyMap<string, string>,
) => Promise<SubmitOutcome>;

export const DONT_ASK_ATTRIBUTE = 'webauthn.dontAskToRegisterAdditionalPlatformDevice';
const COOKIE_MAX_AGE = 400 * 86400;

export function webauthnAcr(config: WebauthnAuthenticatorConfig): string {
  return `urn:se:curity:authentication:webauthn:${config.id}`;
}

/** A submission this step does not take (another step's action, or the flow moved on). */
export function wrongStep(ctx: FlowContext): SubmitOutcome {
  return refused(stepProblem(ctx, 'generic-user-error', 'webauthn.error.failed', 'wrong_step'));
}

/** `invalid-input` for a field that is absent (reason `missing`). */
function missingField(ctx: FlowContext, name: string): SubmitOutcome {
  return refused(invalidInput(ctx, [{ name, reason: 'missing' }], 'missing'));
}

/** `invalid-input` for a field whose value is refused (reason `invalidValue`). */
function invalidField(
  ctx: FlowContext,
  name: string,
  key: MessageKey,
  reason: string,
): SubmitOutcome {
  return refused(invalidInput(ctx, [{ name, reason: 'invalidValue' }], reason, key));
}

function ceremonyProblem(ctx: FlowContext, err: unknown, fieldName: string): SubmitOutcome {
  if (!(err instanceof CeremonyError)) throw err;
  securityEvent(ctx.events, 'login.failure', {
    flow: ctx.flow.id,
    clientId: ctx.flow.state.request.clientId,
    reason: `webauthn_${err.kind}`,
    detail: err.reason,
  });
  if (err.kind === 'malformed')
    return invalidField(ctx, fieldName, 'error.invalid-input', err.reason);
  // A device the attestation policy refuses: say so, so the user tries another one.
  const key = POLICY_REFUSALS.has(err.reason)
    ? 'webauthn.error.not-allowed'
    : 'webauthn.error.failed';
  return refused(stepProblem(ctx, 'authentication-failed', key, err.reason));
}

const POLICY_REFUSALS = new Set([
  'aaguid_not_allowed',
  'authenticator_compromised',
  'attestation_untrusted',
]);

function amrOf(device: { backupEligible: boolean }, userVerified: boolean): string[] {
  return [device.backupEligible ? 'swk' : 'hwk', userVerified ? 'mfa' : 'user'];
}

export const identify: Step = async (ctx, config, form) => {
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
  return { kind: 'state', state: onStep(ctx.flow.state, config, 'authenticate', who) };
};

export const authenticate: Step = async (ctx, config, form) => {
  const { state } = ctx.flow;
  const wa = state.data?.webauthn;
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
        state: onStep(state, config, 'ask', { subject: device.subject, pendingAuth: auth }),
      };
    return { kind: 'authenticated', auth };
  } catch (err) {
    return ceremonyProblem(ctx, err, 'credential');
  }
};

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

/**
 * The configured attestation policy applied to a verified registration (webauthn/attestation-
 * policy.ts), with the FIDO metadata of its AAGUID; null when the policy asks nothing (no
 * metadata is read then). A refusal is a failed ceremony.
 */
async function attestationVerdict(
  ctx: FlowContext,
  config: WebauthnAuthenticatorConfig,
  device: RegisteredDevice,
): Promise<AttestationVerdict | null> {
  const policy = config.attestation;
  if (policy.conveyance === 'none' && !policy.allowedAaguids) return null;
  const metadata = await findMetadata(ctx.db, device.aaguid);
  try {
    return await checkAttestation(policy, device, metadata, new Date(ctx.now * 1000));
  } catch (err) {
    if (err instanceof AttestationRefused) throw new CeremonyError('failed', err.reason);
    throw err;
  }
}

export const register: Step = async (ctx, config, form) => {
  const { state } = ctx.flow;
  const wa = state.data?.webauthn;
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
    const attestation = await attestationVerdict(ctx, config, device);
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
      ...(attestation ? { attestation: attestation.fmt, trusted: attestation.trusted } : {}),
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
};

export const answer: Step = async (ctx, config, form) => {
  const { state } = ctx.flow;
  const wa = state.data?.webauthn;
  if (state.step !== 'ask' || !wa?.pendingAuth) return wrongStep(ctx);
  const auth = wa.pendingAuth;
  switch (form.get('answer')) {
    case 'register':
      return {
        kind: 'state',
        state: onStep(state, config, 'register', {
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
};
