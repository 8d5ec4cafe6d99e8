/**
 * @module haapi/authenticators/config
 * The AUTHENTICATORS setting: a JSON array of `{id, type, ...options}`, in the order offered.
 */
import { ConfigError } from '../../config/errors';

export interface PasswordAuthenticatorConfig {
  readonly id: string;
  readonly type: 'password';
  /** Offer account creation (`registration-step`). */
  readonly registration: boolean;
}

export type AuthenticatorConfig = PasswordAuthenticatorConfig;

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
  return value.map((item, i) => {
    const path = `${name}[${i}]`;
    if (typeof item !== 'object' || item === null) throw new ConfigError(path, 'must be an object');
    const { id, type, registration } = item as Record<string, unknown>;
    if (typeof id !== 'string' || !/^[a-z0-9-]{1,32}$/.test(id))
      throw new ConfigError(`${path}.id`, 'must be 1–32 of a-z, 0-9, -');
    if (seen.has(id)) throw new ConfigError(`${path}.id`, `repeats ${id}`);
    seen.add(id);
    if (type !== 'password') throw new ConfigError(`${path}.type`, 'must be one of password');
    if (registration !== undefined && typeof registration !== 'boolean')
      throw new ConfigError(`${path}.registration`, 'must be true or false');
    return { id, type, registration: registration === true };
  });
}
