/**
 * @module haapi/authenticators/config
 * The AUTHENTICATORS setting: a JSON array of `{id, type, ...options}`, in the order offered.
 *
 *   { "id": "pw", "type": "password", "registration": true }
 *   { "id": "webauthn", "type": "webauthn", "mode": "passkeys-or-user-verifying-devices",
 *     "allowRegistrationDuringLogin": true, "prerequisiteAuthenticator": "pw",
 *     "askToRegisterAdditionalPlatformDevice": true }
 *
 * Every authenticator may have a `title` for the selector (a text, or `{"en": …, "sv": …}`);
 * without one it is the type's default ("Username and password", "Passkey").
 *
 * WebAuthn modes (Curity's names): `passkeys-or-user-verifying-devices` requires user
 * verification and prefers discoverable credentials, any attachment (the browser offers the
 * choices); `any-device` prefers user verification and lets the user pick "Built-in device"
 * (platform, when `allowPlatformDevices`) or "Security key" (cross-platform).
 */
import { ConfigError } from '../../config/errors';
import { ObjectReader } from '../../config/parsers';
import type { WebauthnMode } from '../../webauthn/settings';
import { LOCALES, type Locale, type Texts } from '../messages/catalog';

/** An authenticator's title in the selector: one text, or one per locale. */
export type AuthenticatorTitle = string | Readonly<Partial<Record<Locale, string>>> | null;

export interface PasswordAuthenticatorConfig {
  readonly id: string;
  readonly type: 'password';
  readonly title: AuthenticatorTitle;
  /** Offer account creation (`registration-step`). */
  readonly registration: boolean;
}

export type { WebauthnMode };

export interface WebauthnAuthenticatorConfig {
  readonly id: string;
  readonly type: 'webauthn';
  readonly title: AuthenticatorTitle;
  readonly mode: WebauthnMode;
  /** any-device mode: offer built-in (platform) devices next to security keys. */
  readonly allowPlatformDevices: boolean;
  readonly allowRegistrationDuringLogin: boolean;
  /** The authenticator that establishes the subject before a device is registered. */
  readonly prerequisiteAuthenticator: string | null;
  readonly askToRegisterAdditionalPlatformDevice: boolean;
  /** Set in a browser that has a platform device (or said not to ask again). */
  readonly platformDeviceCookieName: string;
  /** The account manager holding the accounts and devices (only `default`: D1). */
  readonly accountManager: string;
}

export type AuthenticatorConfig = PasswordAuthenticatorConfig | WebauthnAuthenticatorConfig;

const TYPES = ['password', 'webauthn'];
const MODES: readonly WebauthnMode[] = ['passkeys-or-user-verifying-devices', 'any-device'];

function parseTitle(value: unknown, path: string): AuthenticatorTitle {
  const rule = 'must be a text of 1–64 characters';
  const TEXT = /^(?=.*\S).{1,64}$/s;
  if (value === undefined) return null;
  if (typeof value === 'string') {
    if (!TEXT.test(value)) throw new ConfigError(path, rule);
    return value;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ConfigError(path, 'must be a text or an object of texts per locale');
  const r = new ObjectReader(value, path);
  const titles: Partial<Record<Locale, string>> = {};
  for (const locale of LOCALES) {
    const title = r.optionalString(locale, TEXT, rule);
    if (title !== undefined) titles[locale] = title;
  }
  r.end(`is not a locale (one of ${LOCALES.join(', ')})`);
  return titles;
}

/** The title the selector shows for `config`, in the texts' locale. */
export function authenticatorTitle(config: AuthenticatorConfig, locale: Locale, t: Texts): string {
  const { title } = config;
  if (typeof title === 'string') return title;
  return title?.[locale] ?? title?.en ?? t(`authenticator.${config.type}`);
}

function webauthnConfig(
  id: string,
  title: AuthenticatorTitle,
  options: ObjectReader,
  path: string,
): WebauthnAuthenticatorConfig {
  const mode =
    options.optionalString('mode', /^[a-z-]+$/, `must be one of ${MODES.join(', ')}`) ?? MODES[0];
  if (!MODES.includes(mode as WebauthnMode))
    throw new ConfigError(`${path}.mode`, `must be one of ${MODES.join(', ')}`);
  const allowRegistrationDuringLogin = options.boolean('allowRegistrationDuringLogin', false);
  const prerequisite =
    options.optionalString(
      'prerequisiteAuthenticator',
      /^[a-z0-9-]{1,32}$/,
      'must be an authenticator id',
    ) ?? null;
  if (allowRegistrationDuringLogin && !prerequisite)
    throw new ConfigError(
      `${path}.prerequisiteAuthenticator`,
      'is required when allowRegistrationDuringLogin is true (it establishes who registers)',
    );
  const accountManager =
    options.optionalString(
      'accountManager',
      /^default$/,
      'must be default (the D1 account manager)',
    ) ?? 'default';
  return {
    id,
    type: 'webauthn',
    title,
    mode: mode as WebauthnMode,
    allowPlatformDevices: options.boolean('allowPlatformDevices', true),
    allowRegistrationDuringLogin,
    prerequisiteAuthenticator: prerequisite,
    askToRegisterAdditionalPlatformDevice: options.boolean(
      'askToRegisterAdditionalPlatformDevice',
      true,
    ),
    platformDeviceCookieName:
      options.optionalString(
        'platformDeviceCookieName',
        /^[A-Za-z0-9_-]{1,64}$/,
        'must be 1–64 of A-Z, a-z, 0-9, _, -',
      ) ?? `webauthn_platform_${id.replace(/-/g, '_')}`,
    accountManager,
  };
}

export function parseAuthenticators(raw: string, name: string): readonly AuthenticatorConfig[] {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new ConfigError(name, 'must be valid JSON');
  }
  if (!Array.isArray(value) || value.length === 0)
    throw new ConfigError(name, 'must be a non-empty JSON array');
  const seen = new Set<string>();
  const configs = value.map((item, i): AuthenticatorConfig => {
    const path = `${name}[${i}]`;
    const options = new ObjectReader(item, path);
    const id = options.get('id');
    const type = options.get('type');
    if (typeof id !== 'string' || !/^[a-z0-9-]{1,32}$/.test(id))
      throw new ConfigError(`${path}.id`, 'must be 1–32 of a-z, 0-9, -');
    if (id === 'cancel') throw new ConfigError(`${path}.id`, 'cancel is reserved');
    if (seen.has(id)) throw new ConfigError(`${path}.id`, `repeats ${id}`);
    seen.add(id);
    if (typeof type !== 'string' || !TYPES.includes(type))
      throw new ConfigError(`${path}.type`, `must be one of ${TYPES.join(', ')}`);
    const title = parseTitle(options.get('title'), `${path}.title`);
    const config: AuthenticatorConfig =
      type === 'webauthn'
        ? webauthnConfig(id, title, options, path)
        : { id, type: 'password', title, registration: options.boolean('registration', false) };
    options.end();
    return config;
  });
  configs.forEach((config, i) => {
    if (config.type !== 'webauthn' || !config.prerequisiteAuthenticator) return;
    const prerequisite = configs.find((c) => c.id === config.prerequisiteAuthenticator);
    if (prerequisite?.type !== 'password')
      throw new ConfigError(
        `${name}[${i}].prerequisiteAuthenticator`,
        `must name a password authenticator of ${name}`,
      );
  });
  return configs;
}
