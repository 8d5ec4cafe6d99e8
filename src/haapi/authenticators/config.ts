/**
 * @module haapi/authenticators/config
 * The AUTHENTICATORS setting: a JSON array of `{id, type, ...options}`, in the order offered.
 *
 *   { "id": "pw", "type": "password", "registration": true }
 *   { "id": "webauthn", "type": "webauthn", "mode": "passkeys-or-user-verifying-devices",
 *     "allowRegistrationDuringLogin": true, "prerequisiteAuthenticator": "pw",
 *     "askToRegisterAdditionalPlatformDevice": true }
 *
 * Every authenticator may have a `title` for the selector (title.ts). Each type reads its own
 * options (`<type>/config.ts`, listed in CONFIG_READERS); an unknown option is refused.
 */
import { ConfigError } from '../../config/errors';
import { ObjectReader } from '../../config/parsers';
import { type PasswordAuthenticatorConfig, readPasswordConfig } from './password/config';
import { type AuthenticatorTitle, parseTitle } from './title';
import { readWebauthnConfig, type WebauthnAuthenticatorConfig } from './webauthn/config';

export type { AuthenticatorTitle } from './title';
export { authenticatorTitle } from './title';
export type { PasswordAuthenticatorConfig, WebauthnAuthenticatorConfig };
export type { WebauthnMode } from './webauthn/config';

/** One member per authenticator type: adding a type adds its config here. */
export type AuthenticatorConfig = PasswordAuthenticatorConfig | WebauthnAuthenticatorConfig;
export type AuthenticatorType = AuthenticatorConfig['type'];
export type ConfigOf<T extends AuthenticatorType> = Extract<AuthenticatorConfig, { type: T }>;

/** How each type reads its options (the compiler checks that every type has one). */
const CONFIG_READERS: {
  readonly [T in AuthenticatorType]: (
    id: string,
    title: AuthenticatorTitle,
    options: ObjectReader,
    path: string,
  ) => ConfigOf<T>;
} = { password: readPasswordConfig, webauthn: readWebauthnConfig };

const TYPES = Object.keys(CONFIG_READERS) as AuthenticatorType[];

/** The id of the authenticator that must run before `config` (a registration's prerequisite). */
export function prerequisiteOf(config: AuthenticatorConfig): string | null {
  return 'prerequisiteAuthenticator' in config ? config.prerequisiteAuthenticator : null;
}

/** Types whose login establishes an account, so they can be another's prerequisite. */
const SUBJECT_TYPES: readonly AuthenticatorType[] = ['password'];

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
    if (typeof type !== 'string' || !TYPES.includes(type as AuthenticatorType))
      throw new ConfigError(`${path}.type`, `must be one of ${TYPES.join(', ')}`);
    const title = parseTitle(options.get('title'), `${path}.title`);
    const config = CONFIG_READERS[type as AuthenticatorType](id, title, options, path);
    options.end();
    return config;
  });
  configs.forEach((config, i) => {
    const wanted = prerequisiteOf(config);
    if (!wanted) return;
    const prerequisite = configs.find((c) => c.id === wanted);
    if (!prerequisite || !SUBJECT_TYPES.includes(prerequisite.type))
      throw new ConfigError(
        `${name}[${i}].prerequisiteAuthenticator`,
        `must name a password authenticator of ${name}`,
      );
  });
  return configs;
}
